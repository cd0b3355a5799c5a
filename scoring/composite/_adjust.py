"""Bounded bonus and deduction points, and tiered coefficients."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike

from scoring._common import BoolArray, FloatArray, IntArray, StrArray, as_float_array, frozen_array
from scoring._reasons import Reason
from scoring.composite._base import (
    Direction,
    Explanation,
    broadcast_vector,
    check_choice,
    check_direction,
    check_number,
    competition_ranks,
    labels,
    reasons,
    vector,
    warn_nan,
)

CoefficientRule = Literal["value", "share", "rank"]

# Lanzhou New Area: six coefficient tiers from 1.00 to 1.18.
LANZHOU_TIERS: tuple[float, ...] = (1.00, 1.03, 1.06, 1.10, 1.14, 1.18)

_ITEM_CLIP = np.array(["", "item_low", "item_high"])


# --------------------------------------------------------------------------- bonus and deduction


@dataclass(frozen=True, eq=False)
class Adjustments:
    """Bonus (加分) and deduction (扣分) points of the units of a category, after their bounds.

    Attributes
    ----------
    items : tuple[str, ...]
        Item labels (the reason for each bonus or deduction), K of them.
    values : ndarray of float, shape (U, K)
        Points as proposed: positive bonus, negative deduction, 0 = no such item.
    item_low, item_high : ndarray of float, shape (K,)
        Per-item bounds of a non-zero value.
    applied : ndarray of float, shape (U, K)
        Values after the per-item bounds.
    item_clip : ndarray of str, shape (U, K)
        ``"item_low"`` / ``"item_high"`` where a bound changed the value, else ``""``.
    bonus_raw, bonus : ndarray of float, shape (U,)
        Sum of the positive applied values, before and after ``bonus_total_max``.
    deduction_raw, deduction : ndarray of float, shape (U,)
        Sum of the negative applied values (<= 0), before and after ``deduction_total_min``.
    net_raw, net : ndarray of float, shape (U,)
        ``bonus + deduction``, before and after ``total_bounds``; ``net`` is what counts.
    bonus_clipped, deduction_clipped : ndarray of bool, shape (U,)
    net_clip : ndarray of str, shape (U,)
        ``"total_low"`` / ``"total_high"`` where ``total_bounds`` changed the net.
    bonus_total_max, deduction_total_min : float or None
    total_bounds : tuple[float, float] or None
    bounds : tuple[float, float]
        Lowest and highest net any unit can get under these rules (for scheme bounds).
    """

    items: tuple[str, ...]
    values: FloatArray
    item_low: FloatArray
    item_high: FloatArray
    applied: FloatArray
    item_clip: StrArray
    bonus_raw: FloatArray
    bonus: FloatArray
    deduction_raw: FloatArray
    deduction: FloatArray
    net_raw: FloatArray
    net: FloatArray
    bonus_clipped: BoolArray
    deduction_clipped: BoolArray
    net_clip: StrArray
    bonus_total_max: float | None
    deduction_total_min: float | None
    total_bounds: tuple[float, float] | None
    bounds: tuple[float, float]

    def explain(self, unit: int) -> Explanation:
        return {
            "method": "bonus_deduction",
            "formula": (
                "non-zero items clipped to [item_low, item_high]; bonus = min(sum of positive, "
                "bonus_total_max); deduction = max(sum of negative, deduction_total_min); "
                "net = clip(bonus + deduction, total_bounds)"
            ),
            "parameters": {
                "bonus_total_max": self.bonus_total_max,
                "deduction_total_min": self.deduction_total_min,
                "total_bounds": list(self.total_bounds) if self.total_bounds else None,
            },
            "items": [
                {
                    "item": self.items[k],
                    "value": float(self.values[unit, k]),
                    "low": float(self.item_low[k]),
                    "high": float(self.item_high[k]),
                    "applied": float(self.applied[unit, k]),
                    "clip": str(self.item_clip[unit, k]),
                }
                for k in range(len(self.items))
            ],
            "bonus_raw": float(self.bonus_raw[unit]),
            "bonus": float(self.bonus[unit]),
            "deduction_raw": float(self.deduction_raw[unit]),
            "deduction": float(self.deduction[unit]),
            "net_raw": float(self.net_raw[unit]),
            "net": float(self.net[unit]),
            "net_clip": str(self.net_clip[unit]),
            "bounds": list(self.bounds),
        }


def _k_adjust(
    values: FloatArray,
    low: FloatArray,
    high: FloatArray,
    bonus_max: float | None,
    deduction_min: float | None,
    total: tuple[float, float] | None,
) -> dict[str, FloatArray]:
    """The bounding arithmetic on arrays of shape (U, K)."""
    clipped = np.clip(values, low, high)
    applied = np.where(values == 0, 0.0, clipped)
    code = np.where(values == 0, 0, np.where(values < low, 1, np.where(values > high, 2, 0)))
    bonus_raw = np.where(applied > 0, applied, 0.0).sum(axis=-1)
    deduction_raw = np.where(applied < 0, applied, 0.0).sum(axis=-1)
    bonus = np.minimum(bonus_raw, bonus_max) if bonus_max is not None else bonus_raw
    deduction = (
        np.maximum(deduction_raw, deduction_min) if deduction_min is not None else deduction_raw
    )
    net_raw = bonus + deduction
    net = np.clip(net_raw, total[0], total[1]) if total is not None else net_raw
    return {
        "applied": applied,
        "code": code.astype(np.float64),
        "bonus_raw": bonus_raw,
        "bonus": bonus,
        "deduction_raw": deduction_raw,
        "deduction": deduction,
        "net_raw": net_raw,
        "net": np.asarray(net, dtype=np.float64),
    }


def bound_adjustments(
    values: ArrayLike,
    *,
    item_low: ArrayLike,
    item_high: ArrayLike,
    items: Sequence[str] | None = None,
    bonus_total_max: float | None = None,
    deduction_total_min: float | None = None,
    total_bounds: tuple[float, float] | None = None,
) -> Adjustments:
    """Apply per-item and total bounds to bonus and deduction points.

    Parameters
    ----------
    values : array_like, shape (U, K) or (U,)
        Proposed points per unit and item: positive = bonus, negative = deduction, 0 = the
        item does not apply to the unit. Must be finite.
    item_low, item_high : float or array_like, shape (K,)
        Bounds of a non-zero value of each item, e.g. ``2, 8`` for Lanzhou's bonus for
        honours or major projects and ``-6, -1`` for its deduction for serious negative
        impact. A value of 0 is never raised to ``item_low``; a non-zero value is clipped into
        the bounds and the clip recorded. A value whose sign contradicts its item's bounds
        (a negative value for ``2..8``) is an input error.
    items : sequence of str, optional
        Item labels (the reason); default ``"item0"``, ``"item1"``, ...
    bonus_total_max : float, optional
        Cap on the sum of a unit's bonuses (>= 0).
    deduction_total_min : float, optional
        Floor on the sum of a unit's deductions (<= 0), e.g. -6.
    total_bounds : (float, float), optional
        Bounds on the net adjustment, applied last.

    Returns
    -------
    Adjustments
        ``net`` is the adjustment that counts; every bound that bit is recorded.
    """
    v = as_float_array(values, "values")
    if v.ndim == 1:
        v = v[:, None]
    if v.ndim != 2 or v.shape[0] == 0 or v.shape[1] == 0:
        raise ValueError(f"values must have shape (units, items), got {v.shape}")
    n_items = v.shape[1]
    lo = broadcast_vector(item_low, "item_low", n_items)
    hi = broadcast_vector(item_high, "item_high", n_items)
    if (lo > hi).any():
        raise ValueError("item_low must not exceed item_high")
    item_labels = (
        labels(items, n_items, "items")
        if items is not None
        else tuple(f"item{k}" for k in range(n_items))
    )
    wrong = ((v < 0) & (lo > 0)) | ((v > 0) & (hi < 0))
    if wrong.any():
        u, k = np.argwhere(wrong)[0]
        raise ValueError(
            f"value {v[u, k]:g} of unit {u} has the wrong sign for item {item_labels[k]!r} "
            f"(bounds {lo[k]:g}..{hi[k]:g})"
        )
    bmax = (
        None
        if bonus_total_max is None
        else check_number(bonus_total_max, "bonus_total_max", minimum=0.0)
    )
    dmin = (
        None
        if deduction_total_min is None
        else check_number(deduction_total_min, "deduction_total_min", maximum=0.0)
    )
    tb: tuple[float, float] | None = None
    if total_bounds is not None:
        tb = (
            check_number(total_bounds[0], "total_bounds[0]"),
            check_number(total_bounds[1], "total_bounds[1]"),
        )
        if tb[0] > tb[1]:
            raise ValueError("total_bounds must be (low, high) with low <= high")
    r = _k_adjust(v, lo, hi, bmax, dmin, tb)
    b_hi = float(np.maximum(hi, 0.0).sum())
    b_hi = min(b_hi, bmax) if bmax is not None else b_hi
    d_lo = float(np.minimum(lo, 0.0).sum())
    d_lo = max(d_lo, dmin) if dmin is not None else d_lo
    low_b, high_b = d_lo, b_hi
    if tb is not None:
        low_b, high_b = max(low_b, tb[0]), min(high_b, tb[1])
        if low_b > high_b:
            raise ValueError(
                f"total_bounds {tb} do not overlap the reachable range {d_lo:g}..{b_hi:g}"
            )
    net_clip = np.where(
        r["net"] > r["net_raw"], "total_low", np.where(r["net"] < r["net_raw"], "total_high", "")
    )
    return Adjustments(
        items=item_labels,
        values=frozen_array(v),
        item_low=frozen_array(lo),
        item_high=frozen_array(hi),
        applied=frozen_array(r["applied"]),
        item_clip=frozen_array(_ITEM_CLIP[r["code"].astype(np.intp)], dtype=np.str_),
        bonus_raw=frozen_array(r["bonus_raw"]),
        bonus=frozen_array(r["bonus"]),
        deduction_raw=frozen_array(r["deduction_raw"]),
        deduction=frozen_array(r["deduction"]),
        net_raw=frozen_array(r["net_raw"]),
        net=frozen_array(r["net"]),
        bonus_clipped=frozen_array(r["bonus"] < r["bonus_raw"], dtype=np.bool_),
        deduction_clipped=frozen_array(r["deduction"] > r["deduction_raw"], dtype=np.bool_),
        net_clip=frozen_array(net_clip, dtype=np.str_),
        bonus_total_max=bmax,
        deduction_total_min=dmin,
        total_bounds=tb,
        bounds=(low_b, high_b),
    )


def recompute_adjustments(e: Mapping[str, Any]) -> float:
    """Net adjustment of one unit from an :meth:`Adjustments.explain` dictionary."""
    items = e["items"]
    v = np.array([[float(it["value"]) for it in items]])
    lo = np.array([float(it["low"]) for it in items])
    hi = np.array([float(it["high"]) for it in items])
    p = e["parameters"]
    tb = p["total_bounds"]
    total = (float(tb[0]), float(tb[1])) if tb is not None else None
    bmax = None if p["bonus_total_max"] is None else float(p["bonus_total_max"])
    dmin = None if p["deduction_total_min"] is None else float(p["deduction_total_min"])
    return float(_k_adjust(v, lo, hi, bmax, dmin, total)["net"][0])


# --------------------------------------------------------------------------- coefficients


@dataclass(frozen=True, eq=False)
class Coefficients:
    """Evaluation coefficients (考核系数) of the units of a category.

    ``coefficient = base + contribution`` with ``contribution = tiers[tier] - tiers[0]``:
    with the default base ``tiers[0]`` the coefficient is the tier itself (Lanzhou's
    1.00 ... 1.18); a per-unit base (e.g. from monthly task completion) shifts it.

    Attributes
    ----------
    coefficient : ndarray of float, shape (U,)
        NaN where the measure is missing (see ``reason``).
    tier : ndarray of int, shape (U,)
        0 = lowest tier ... ``len(tiers) - 1`` = highest; -1 where undefined.
    contribution, base : ndarray of float, shape (U,)
    measure : ndarray of float, shape (U,)
        What the thresholds were applied to: the value, the unit's share of the category
        total, or the unit's competition rank.
    values : ndarray of float, shape (U,)
    rule : {"value", "share", "rank"}
    direction : {"higher", "lower"}
    thresholds : tuple[float, ...]
        ``len(tiers) - 1`` increasing cut points on ``measure``.
    tiers : tuple[float, ...]
    bounds : tuple[float, float]
        Lowest and highest coefficient these rules can give.
    reason : ndarray of str, shape (U,)
        Reason code of a NaN coefficient: ``value_missing`` or
        ``category_total_not_positive``.
    formula : str
    reasons : tuple of Reason
        One :class:`Reason` per code with its count.
    """

    coefficient: FloatArray
    tier: IntArray
    contribution: FloatArray
    base: FloatArray
    measure: FloatArray
    values: FloatArray
    rule: CoefficientRule
    direction: Direction
    thresholds: tuple[float, ...]
    tiers: tuple[float, ...]
    bounds: tuple[float, float]
    reason: StrArray
    formula: str
    reasons: tuple[Reason, ...] = ()

    def explain(self, unit: int) -> Explanation:
        return {
            "method": "tier_coefficient",
            "formula": self.formula,
            "parameters": {
                "rule": self.rule,
                "direction": self.direction,
                "thresholds": list(self.thresholds),
                "tiers": list(self.tiers),
            },
            "inputs": {
                "value": float(self.values[unit]),
                "measure": float(self.measure[unit]),
                "base": float(self.base[unit]),
            },
            "tier": int(self.tier[unit]),
            "contribution": float(self.contribution[unit]),
            "coefficient": float(self.coefficient[unit]),
            "reason": str(self.reason[unit]),
        }


def _k_tier(
    measure: FloatArray,
    base: FloatArray,
    thresholds: FloatArray,
    tiers: FloatArray,
    lower_better: bool,
) -> tuple[FloatArray, FloatArray]:
    """Tier index (float, NaN where undefined) and coefficient."""
    top = tiers.size - 1
    m = np.nan_to_num(measure)
    if lower_better:
        # At a threshold counts as the better side: value <= t is "below or at".
        idx = top - np.searchsorted(thresholds, m, side="left")
    else:
        idx = np.searchsorted(thresholds, m, side="right")
    tier = np.where(np.isnan(measure), np.nan, idx.astype(np.float64))
    chosen = tiers[np.clip(idx, 0, top)]
    # With the default base (tiers[0]) the coefficient is the tier itself, bit for bit.
    coef = np.where(base == tiers[0], chosen, base + (chosen - tiers[0]))
    coef = np.where(np.isnan(measure), np.nan, coef)
    return np.asarray(tier, dtype=np.float64), np.asarray(coef, dtype=np.float64)


def tier_coefficients(
    values: ArrayLike,
    *,
    thresholds: Sequence[float],
    tiers: Sequence[float] = LANZHOU_TIERS,
    rule: CoefficientRule = "value",
    direction: Direction = "higher",
    base: ArrayLike | None = None,
    warn: bool = True,
) -> Coefficients:
    """Choose each unit's coefficient tier by a rule on an indicator value.

    Parameters
    ----------
    values : array_like, shape (U,)
        The indicator behind the coefficient, e.g. each unit's contribution to GDP growth
        (NaN = missing: coefficient NaN with a warning).
    thresholds : sequence of float
        ``len(tiers) - 1`` strictly increasing cut points on the measure. Rule ``"value"``
        and ``"share"``, higher-is-better: ``measure >= thresholds[k-1]`` reaches tier ``k``
        (a value at a cut point goes to the upper tier). Lower-is-better: ``measure <=
        thresholds[j]`` counts as the better side. Rule ``"rank"``: the cut points are ranks
        (whole numbers >= 1) and rank ``r`` gets tier ``len(tiers) - 1 - #{cuts < r}``, so
        with cuts ``(1, 3, 6, 10, 15)`` rank 1 gets the top tier, ranks 2-3 the next, ...,
        ranks above 15 the base tier.
    tiers : sequence of float
        Increasing positive coefficients, default Lanzhou's ``(1.00, 1.03, 1.06, 1.10, 1.14,
        1.18)``.
    rule : {"value", "share", "rank"}
        ``"value"``: thresholds on the value. ``"share"``: on the unit's share of the
        category total ``value / sum(values)`` (the contribution rate to GDP growth; the
        total must be positive, else NaN with a warning). ``"rank"``: on the competition
        rank of the value ("1224", ties share the better tier).
    direction : {"higher", "lower"}
        Which values are better.
    base : float or array_like, shape (U,), optional
        Base coefficient (基准系数) per unit, > 0; default ``tiers[0]``.
    warn : bool
        Raise a :class:`ScoringWarning` per reason (default); False leaves them on
        ``reasons`` only.

    Returns
    -------
    Coefficients
    """
    v = vector(values, "values")
    if v.size == 0:
        raise ValueError("values must hold at least one unit")
    t = tuple(check_number(x, "tier", minimum=0.0, strict_min=True) for x in tiers)
    if len(t) < 2 or any(b <= a for a, b in itertools.pairwise(t)):
        raise ValueError("tiers must hold at least two strictly increasing coefficients")
    th = tuple(check_number(x, "threshold") for x in thresholds)
    if len(th) != len(t) - 1 or any(b <= a for a, b in itertools.pairwise(th)):
        raise ValueError(f"thresholds must be {len(t) - 1} strictly increasing cut points")
    check_choice(rule, CoefficientRule, "rule")
    direction = check_direction(direction)
    b = broadcast_vector(t[0] if base is None else base, "base", v.size)
    if (b <= 0).any():
        raise ValueError("base coefficients must be positive")
    extra: list[tuple[Any, str]] = [(np.isnan(v), "value_missing")]
    if rule == "value":
        measure = v
        lower_better = direction == "lower"
    elif rule == "share":
        total = float(np.nansum(v))
        if total > 0:
            measure = v / total
        else:
            measure = np.full(v.size, np.nan)
            extra.append((np.ones(v.size, dtype=bool), "category_total_not_positive"))
        lower_better = direction == "lower"
    else:
        if any(x < 1 or x != math.floor(x) for x in th):
            raise ValueError("rank thresholds must be whole numbers >= 1")
        key = v if direction == "higher" else -v
        measure = competition_ranks(key[None, :])[0][0]
        lower_better = True
    tier, coef = _k_tier(measure, b, np.array(th), np.array(t), lower_better)
    reason = reasons(v.size, extra)
    reason = np.where(np.isnan(coef), reason, "").astype(np.str_)
    found = warn_nan("tier_coefficients", reason, np.isnan(coef), warn=warn)
    contribution = coef - b
    what = {"value": "value", "share": "value / category total", "rank": "competition rank"}[rule]
    return Coefficients(
        coefficient=frozen_array(coef),
        tier=frozen_array(
            np.where(np.isnan(tier), -1, np.nan_to_num(tier)).astype(np.intp), dtype=np.intp
        ),
        contribution=frozen_array(contribution),
        base=frozen_array(b),
        measure=frozen_array(measure),
        values=frozen_array(v),
        rule=rule,
        direction=direction,
        thresholds=th,
        tiers=t,
        bounds=(float(b.min()), t[-1] if b.max() == t[0] else float(b.max()) + (t[-1] - t[0])),
        reason=frozen_array(reason, dtype=np.str_),
        reasons=found,
        formula=(
            f"tier from thresholds on {what} ({'lower' if lower_better else 'higher'} is better, "
            "a measure at a cut point takes the better tier); coefficient = base + tiers[tier] "
            "- tiers[0]"
        ),
    )


def recompute_coefficient(e: Mapping[str, Any]) -> float:
    """Coefficient of one unit from a :meth:`Coefficients.explain` dictionary."""
    p = e["parameters"]
    lower_better = p["rule"] == "rank" or p["direction"] == "lower"
    measure = np.array([float(e["inputs"]["measure"])])
    base = np.array([float(e["inputs"]["base"])])
    th = np.array([float(x) for x in p["thresholds"]])
    tiers = np.array([float(x) for x in p["tiers"]])
    return float(_k_tier(measure, base, th, tiers, lower_better)[1][0])
