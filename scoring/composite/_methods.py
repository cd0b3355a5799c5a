"""Indicator scoring methods over the units of one category.

Every method works in two steps. First the category-level quantities are resolved from all
units (range, mean and spread, ranks); then a pointwise formula turns each unit's inputs and
those quantities into points. The pointwise formulas (the ``_k_*`` kernels) are also what
:func:`recompute_indicator` applies to a one-unit explanation, so an explanation carries
everything needed to recompute its points.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal, TypeAlias

import numpy as np
from numpy.typing import ArrayLike

from scoring._common import BoolArray, FloatArray, StrArray, frozen_array
from scoring.composite._base import (
    Direction,
    Explanation,
    Param,
    broadcast_vector,
    check_choice,
    check_direction,
    check_number,
    check_sums_to_one,
    competition_ranks,
    frozen_map,
    frozen_params,
    plain,
    reasons,
    vector,
    warn_nan,
)

GrowthRule = Literal["nan", "abs"]
NonPositiveTarget = Literal["nan", "binary"]
ZeroRange = Literal["nan", "full"]
ZeroSpread = Literal["nan", "center"]
RankTies = Literal["min", "average"]
BenchmarkMode = Literal["proportional", "linear"]

MISSING_VALUE = "value missing"
Kernel = Callable[[Mapping[str, FloatArray], Mapping[str, Any]], tuple[FloatArray, FloatArray]]


# --------------------------------------------------------------------------- growth rates


@dataclass(frozen=True, eq=False)
class GrowthRate:
    """Growth rates of one indicator for the units of a category.

    Pass it instead of plain values to any scoring method: the method scores ``rate`` and
    its explanation then starts from ``current`` and ``previous``.

    Attributes
    ----------
    rate : ndarray of float, shape (U,)
        Growth as a fraction (0.05 = 5 %); NaN where undefined (see ``reason``).
    current, previous : ndarray of float, shape (U,)
        The inputs, in the indicator's own unit.
    rule : {"nan", "abs"}
        What a negative previous value gives (a previous value of 0 always gives NaN).
    formula : str
    reason : ndarray of str, shape (U,)
        Why ``rate`` is NaN; empty string when defined.
    """

    rate: FloatArray
    current: FloatArray
    previous: FloatArray
    rule: GrowthRule
    formula: str
    reason: StrArray

    def explain(self, unit: int) -> Explanation:
        return {
            "method": "growth_rate",
            "formula": self.formula,
            "parameters": {"rule": self.rule},
            "inputs": {
                "current": float(self.current[unit]),
                "previous": float(self.previous[unit]),
            },
            "rate": float(self.rate[unit]),
            "reason": str(self.reason[unit]),
        }


def _growth_kernel(current: FloatArray, previous: FloatArray, rule: str) -> FloatArray:
    with np.errstate(invalid="ignore", divide="ignore"):
        g = (current - previous) / np.abs(previous)
    ok = (previous > 0) | ((previous < 0) & (rule == "abs"))
    return np.asarray(np.where(ok, g, np.nan), dtype=np.float64)


def growth_rate(current: ArrayLike, previous: ArrayLike, *, rule: GrowthRule = "nan") -> GrowthRate:
    """Growth rate ``(current - previous) / previous`` of each unit.

    Parameters
    ----------
    current, previous : array_like, shape (U,)
        Indicator values in the current and the comparison period (same unit, e.g. 亿元);
        NaN marks a missing value.
    rule : {"nan", "abs"}
        Previous value below zero: ``"nan"`` (default) leaves the rate undefined;
        ``"abs"`` divides by ``|previous|`` so that moving from -10 to -5 is +50 % (the
        convention of statistical yearbooks for losses). A previous value of exactly 0 gives
        NaN under both rules: no growth rate exists.

    Returns
    -------
    GrowthRate
        Rates as fractions. NaN rates warn with :class:`ScoringWarning`.
    """
    cur = vector(current, "current")
    prev = vector(previous, "previous", size=cur.size)
    check_choice(rule, GrowthRule, "rule")
    rate = _growth_kernel(cur, prev, rule)
    missing = np.isnan(cur) | np.isnan(prev)
    reason = reasons(
        cur.size,
        [
            (missing, "current or previous value missing"),
            (prev == 0, "previous value 0: growth rate undefined"),
            (prev < 0, "previous value negative: growth rate undefined (rule 'nan')"),
        ],
    )
    warn_nan("growth_rate", reason, np.isnan(rate))
    formula = (
        "rate = (current - previous) / previous; previous <= 0 -> NaN"
        if rule == "nan"
        else "rate = (current - previous) / |previous|; previous = 0 -> NaN"
    )
    return GrowthRate(
        rate=frozen_array(rate),
        current=frozen_array(cur),
        previous=frozen_array(prev),
        rule="abs" if rule == "abs" else "nan",
        formula=formula,
        reason=frozen_array(reason, dtype=np.str_),
    )


# --------------------------------------------------------------------------- result type


@dataclass(frozen=True, eq=False)
class IndicatorScore:
    """Points of one indicator for the units of a category, with how they were obtained.

    Attributes
    ----------
    points : ndarray of float, shape (U,)
        Points on the scale ``0..max_points``; NaN where undefined (see ``reason``).
    raw : ndarray of float, shape (U,)
        The method's intermediate measure (named by ``raw_name``): the completion ratio, the
        efficacy score (60-100), the normalised share, the transformed z score, the rank...
    raw_name : str
    max_points : float
        Top of the points scale: ``full_points``, ``full_points * cap`` for target
        completion, ``full_points * clip_high / scale_max`` for the z-score. A scheme leaf
        built from the result takes it as its full points.
    method : str
        Method name, e.g. ``"efficacy_coefficient"``.
    direction : {"higher", "lower"}
        Which values are better.
    formula : str
        The formula in words.
    parameters : Mapping[str, float | str | tuple]
        Every parameter, including the category-level quantities actually used (bounds taken
        from the category, mean and standard deviation, ...).
    inputs : Mapping[str, ndarray]
        Per-unit inputs of the pointwise formula, each of shape (U,): ``value`` and, by
        method, ``target``, ``benchmark``, ``rank``, ``tie_size``, ``n_ranked``.
    reason : ndarray of str, shape (U,)
        Why ``points`` is NaN; empty string when defined.
    growth : GrowthRate or None
        Set when the values scored were growth rates.
    parts : tuple of (name, weight, IndicatorScore)
        Sub-scores of a composite method (scale, speed, quality).
    """

    points: FloatArray
    raw: FloatArray
    raw_name: str
    max_points: float
    method: str
    direction: Direction
    formula: str
    parameters: Mapping[str, Param]
    inputs: Mapping[str, FloatArray]
    reason: StrArray
    growth: GrowthRate | None = None
    parts: tuple[tuple[str, float, IndicatorScore], ...] = ()

    @property
    def n_units(self) -> int:
        return int(self.points.size)

    def explain(self, unit: int) -> Explanation:
        """Plain-data description of unit ``unit`` (position); :func:`recompute` accepts it."""
        out: Explanation = {
            "method": self.method,
            "direction": self.direction,
            "formula": self.formula,
            "parameters": plain(dict(self.parameters)),
            "inputs": {k: float(v[unit]) for k, v in self.inputs.items()},
            "raw_name": self.raw_name,
            "raw": float(self.raw[unit]),
            "points": float(self.points[unit]),
            "max_points": self.max_points,
            "reason": str(self.reason[unit]),
        }
        if self.growth is not None:
            out["growth"] = self.growth.explain(unit)
        if self.parts:
            out["parts"] = [
                {"name": name, "weight": w, "detail": part.explain(unit)}
                for name, w, part in self.parts
            ]
        return out


def _values(values: ArrayLike | GrowthRate) -> tuple[FloatArray, GrowthRate | None, BoolArray]:
    """Values to score, the growth object if any, and the NaN already reported upstream."""
    if isinstance(values, GrowthRate):
        return np.asarray(values.rate, dtype=np.float64), values, np.isnan(values.rate)
    v = vector(values, "values")
    if v.size == 0:
        raise ValueError("values must hold at least one unit")
    return v, None, np.zeros(v.size, dtype=bool)


def _missing_reason(v: FloatArray, growth: GrowthRate | None) -> tuple[BoolArray, StrArray]:
    missing = np.isnan(v)
    if growth is None:
        return missing, np.where(missing, MISSING_VALUE, "").astype(np.str_)
    return missing, np.asarray(growth.reason, dtype=np.str_)


@dataclass(frozen=True)
class MethodSetup:
    """A scoring method's checked arguments: what its result is the same for on every unit.

    ``options`` keeps the checked arguments that the category-level parameters are resolved
    from (given bounds, the rank table...); the method's ``parameters`` step resolves them for
    the values of one category.
    """

    method: str
    direction: Direction
    raw_name: str
    max_points: float
    formula: str
    options: Mapping[str, Any]


def _reason(
    values: FloatArray,
    growth: GrowthRate | None,
    points: FloatArray,
    extra_reasons: Sequence[tuple[BoolArray, str]],
) -> StrArray:
    """Why each NaN point is NaN (empty where the points exist)."""
    missing, base_reason = _missing_reason(values, growth)
    reason = reasons(values.size, [(missing, ""), *list(extra_reasons)])
    reason = np.where(missing, base_reason, reason)
    reason = np.where(np.isnan(points) & (reason == ""), "undefined", reason)
    return np.where(np.isnan(points), reason, "").astype(np.str_)


def _result(
    setup: MethodSetup,
    *,
    values: FloatArray,
    growth: GrowthRate | None,
    inputs: Mapping[str, FloatArray],
    params: Mapping[str, Param],
    raw: FloatArray,
    points: FloatArray,
    reason: StrArray,
    copy: bool = True,
) -> IndicatorScore:
    """The result object; ``copy`` False takes arrays that are read-only already (views of
    read-only arrays), as :func:`scoring.composite.score_rows` hands them over."""
    if not copy:
        return IndicatorScore(
            points=points,
            raw=raw,
            raw_name=setup.raw_name,
            max_points=setup.max_points,
            method=setup.method,
            direction=setup.direction,
            formula=setup.formula,
            parameters=frozen_params(params),
            inputs=MappingProxyType({"value": values, **inputs}),
            reason=reason,
            growth=growth,
        )
    return IndicatorScore(
        points=frozen_array(points),
        raw=frozen_array(raw),
        raw_name=setup.raw_name,
        max_points=setup.max_points,
        method=setup.method,
        direction=setup.direction,
        formula=setup.formula,
        parameters=frozen_params(params),
        inputs=frozen_map({"value": values, **inputs}),
        reason=frozen_array(reason, dtype=np.str_),
        growth=growth,
    )


def _f(par: Mapping[str, Any], key: str) -> float:
    return float(par[key])


def _each(par: Mapping[str, Any], key: str) -> float | FloatArray:
    """A category-level parameter: one number, or one per row (a column of shape (K, 1)) when
    :func:`scoring.composite.score_rows` runs the kernel on many rows at once."""
    value = par[key]
    return value if isinstance(value, np.ndarray) else float(value)


Reference: TypeAlias = "FloatArray | None"


@dataclass(frozen=True)
class MethodParts:
    """The steps of one scoring method, shared by the one-category functions below and by
    :func:`scoring.composite.score_rows`, which scores many rows of values at once.

    ``setup`` checks the arguments; ``parameters`` resolves the category-level quantities
    from one row of values (and of the reference: targets or benchmarks); ``inputs`` gives
    the per-unit inputs besides the value, for one row or for a 2-D array of rows;
    ``kernel`` is the pointwise formula; ``extra_reasons`` lists the method's own reasons
    for a NaN, in order of precedence. ``row_keys`` names the parameters that differ from
    row to row, which the kernel also takes as columns of shape (K, 1); ``whole`` says
    whether, for these arguments, the kernel may run on many rows at once and give each row
    what it gives the row alone.
    """

    setup: Callable[..., MethodSetup]
    parameters: Callable[[MethodSetup, FloatArray, Reference], dict[str, Param]]
    inputs: Callable[[MethodSetup, FloatArray, Reference], dict[str, FloatArray]]
    kernel: Kernel
    extra_reasons: Callable[
        [FloatArray, Mapping[str, FloatArray], Mapping[str, Any]], list[tuple[BoolArray, str]]
    ]
    reference: str | None
    row_keys: tuple[str, ...] = ()
    whole: Callable[[MethodSetup], bool] = lambda setup: True


def _no_inputs(setup: MethodSetup, v: FloatArray, ref: Reference) -> dict[str, FloatArray]:
    return {}


def _no_reasons(
    v: FloatArray, inputs: Mapping[str, FloatArray], par: Mapping[str, Any]
) -> list[tuple[BoolArray, str]]:
    return []


def _score(
    parts: MethodParts, values: ArrayLike | GrowthRate, reference: Any, options: dict[str, Any]
) -> IndicatorScore:
    """One category's values scored by a method's steps."""
    v, growth, reported = _values(values)
    ref = None
    if parts.reference is not None:
        ref = broadcast_vector(reference, parts.reference, v.size, allow_nan=True)
    setup = parts.setup(**options)
    params = parts.parameters(setup, v, ref)
    inputs = parts.inputs(setup, v, ref)
    raw, pts = parts.kernel({"value": v, **inputs}, params)
    reason = _reason(v, growth, pts, parts.extra_reasons(v, inputs, params))
    # Four levels up: the caller of the public function.
    warn_nan(setup.method, reason, np.isnan(pts) & ~reported, stacklevel=5)
    return _result(
        setup,
        values=v,
        growth=growth,
        inputs=inputs,
        params=params,
        raw=raw,
        points=pts,
        reason=reason,
    )


# --------------------------------------------------------------------------- target completion


def _k_target(
    inp: Mapping[str, FloatArray], par: Mapping[str, Any]
) -> tuple[FloatArray, FloatArray]:
    v, t = inp["value"], inp["target"]
    cap, full = _f(par, "cap"), _f(par, "full_points")
    higher = par["direction"] == "higher"
    with np.errstate(invalid="ignore", divide="ignore"):
        # Lower is better and value <= 0 < target: better than any positive target -> cap.
        ratio = v / t if higher else np.where(v > 0, t / v, np.inf)
    ratio = np.where(t > 0, ratio, np.nan)
    if par["nonpositive_target"] == "binary":
        reached = v >= t if higher else v <= t
        ratio = np.where(t > 0, ratio, np.where(reached, 1.0, 0.0))
    ratio = np.where(np.isnan(v) | np.isnan(t), np.nan, ratio)
    used = np.clip(ratio, 0.0, cap)
    return np.asarray(used, dtype=np.float64), np.asarray(full * used, dtype=np.float64)


def target_completion(
    values: ArrayLike | GrowthRate,
    targets: ArrayLike,
    *,
    full_points: float = 100.0,
    cap: float = 1.0,
    direction: Direction = "higher",
    nonpositive_target: NonPositiveTarget = "nan",
) -> IndicatorScore:
    """Points for completing a target: ``full_points * min(completion, cap)``.

    Parameters
    ----------
    values : array_like, shape (U,), or GrowthRate
        Achieved values (NaN = missing).
    targets : float or array_like, shape (U,)
        Target per unit (per-unit targets, 差异目标值) or one target for all, same unit.
    full_points : float
        Points for exactly reaching the target (> 0).
    cap : float
        Largest completion ratio credited (> 0); 1.2 lets over-fulfilment earn up to 120 %
        of ``full_points``. ``max_points = full_points * cap``.
    direction : {"higher", "lower"}
        ``"higher"``: completion = value / target. ``"lower"`` (e.g. energy per unit of
        GDP): completion = target / value, and a value <= 0 with a positive target counts as
        the best possible result (completion = cap).
    nonpositive_target : {"nan", "binary"}
        A target <= 0 makes the ratio meaningless. ``"nan"`` (default): points NaN with a
        :class:`ScoringWarning`. ``"binary"``: completion 1 if the target is reached
        (value >= target, or <= for lower-is-better), else 0.

    Returns
    -------
    IndicatorScore
        ``raw`` is the completion ratio credited, in ``[0, cap]`` (negative ratios are
        floored at 0).
    """
    return _score(
        TARGET,
        values,
        targets,
        {
            "full_points": full_points,
            "cap": cap,
            "direction": direction,
            "nonpositive_target": nonpositive_target,
        },
    )


def _target_setup(
    *, full_points: float, cap: float, direction: Direction, nonpositive_target: str
) -> MethodSetup:
    full = check_number(full_points, "full_points", minimum=0.0, strict_min=True)
    cap = check_number(cap, "cap", minimum=0.0, strict_min=True)
    direction = check_direction(direction)
    check_choice(nonpositive_target, NonPositiveTarget, "nonpositive_target")
    ratio = "value / target" if direction == "higher" else "target / value (value <= 0 -> cap)"
    formula = f"points = full_points * clip({ratio}, 0, cap); target <= 0 -> " + (
        "NaN" if nonpositive_target == "nan" else "1 if target reached else 0"
    )
    params: dict[str, Param] = {
        "full_points": full,
        "cap": cap,
        "direction": direction,
        "nonpositive_target": nonpositive_target,
    }
    return MethodSetup("target_completion", direction, "completion", full * cap, formula, params)


def _target_inputs(setup: MethodSetup, v: FloatArray, ref: Reference) -> dict[str, FloatArray]:
    assert ref is not None
    return {"target": ref}


def _target_reasons(
    v: FloatArray, inputs: Mapping[str, FloatArray], par: Mapping[str, Any]
) -> list[tuple[BoolArray, str]]:
    t = inputs["target"]
    return [
        (np.isnan(t), "target missing"),
        (t <= 0, "target <= 0: completion ratio undefined"),
    ]


TARGET = MethodParts(
    setup=_target_setup,
    parameters=lambda setup, v, ref: dict(setup.options),
    inputs=_target_inputs,
    kernel=_k_target,
    extra_reasons=_target_reasons,
    reference="targets",
)


# --------------------------------------------------------------------------- range-based methods


def _category_bounds(
    v: FloatArray,
    direction: Direction,
    best: float | None,
    worst: float | None,
    names: tuple[str, str],
) -> tuple[float, float, str]:
    """The best and worst values: given, or the category's max/min (by direction)."""
    finite = v[~np.isnan(v)]
    top = float(finite.max()) if finite.size else math.nan
    bottom = float(finite.min()) if finite.size else math.nan
    hi_is_best = direction == "higher"
    b = check_number(best, names[0]) if best is not None else (top if hi_is_best else bottom)
    w = check_number(worst, names[1]) if worst is not None else (bottom if hi_is_best else top)
    best_src = "given" if best is not None else "category " + ("max" if hi_is_best else "min")
    worst_src = "given" if worst is not None else "category " + ("min" if hi_is_best else "max")
    source = f"{names[0]} {best_src}, {names[1]} {worst_src}"
    if not (math.isnan(b) or math.isnan(w)) and b != w and (b > w) != hi_is_best:
        raise ValueError(
            f"{names[0]} {b:g} must be {'above' if hi_is_best else 'below'} {names[1]} {w:g} "
            f"when {direction} values are better"
        )
    if best is not None and worst is not None and b == w:
        raise ValueError(f"{names[0]} and {names[1]} must differ, both are {b:g}")
    return b, w, source


def _k_efficacy(
    inp: Mapping[str, FloatArray], par: Mapping[str, Any]
) -> tuple[FloatArray, FloatArray]:
    v = inp["value"]
    sat, unsat = _each(par, "satisfactory"), _each(par, "unsatisfactory")
    base, span, full = _f(par, "base"), _f(par, "span"), _f(par, "full_points")
    # No range (bounds equal or unknown): the top score under zero_range "full", else NaN.
    flat = (sat == unsat) | np.isnan(sat) | np.isnan(unsat)
    fill = np.where((sat == unsat) & (par["zero_range"] == "full"), 1.0, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.clip((v - unsat) / (sat - unsat), 0.0, 1.0)
    frac = np.where(flat, fill, frac)
    frac = np.where(np.isnan(v), np.nan, frac)
    eff = base + span * frac
    return np.asarray(eff, dtype=np.float64), np.asarray(
        full * eff / (base + span), dtype=np.float64
    )


def efficacy_coefficient(
    values: ArrayLike | GrowthRate,
    *,
    full_points: float = 100.0,
    direction: Direction = "higher",
    satisfactory: float | None = None,
    unsatisfactory: float | None = None,
    base: float = 60.0,
    span: float = 40.0,
    zero_range: ZeroRange = "nan",
) -> IndicatorScore:
    """Efficacy coefficient (功效系数): ``base + span * (x - x_unsat) / (x_sat - x_unsat)``.

    Parameters
    ----------
    values : array_like, shape (U,), or GrowthRate
        Indicator values (NaN = missing).
    full_points : float
        Points for an efficacy score of ``base + span`` (> 0).
    direction : {"higher", "lower"}
        Which values are better.
    satisfactory, unsatisfactory : float, optional
        The value scoring ``base + span`` (满意值) and the value scoring ``base`` (不允许值).
        Default: the category's best and worst value (max and min for higher-is-better,
        min and max for lower-is-better). For higher-is-better ``satisfactory`` must be
        above ``unsatisfactory``, for lower-is-better below.
    base, span : float
        Efficacy score of the unsatisfactory value and the rise to the satisfactory one
        (default 60 and 40, the classic 60-100 scale).
    zero_range : {"nan", "full"}
        When the bounds taken from the category coincide (every unit has the same value):
        ``"nan"`` (default) gives NaN points with a warning, ``"full"`` gives every unit the
        top efficacy score.

    Returns
    -------
    IndicatorScore
        ``raw`` is the efficacy score, clipped to ``[base, base + span]``; points are
        ``full_points * efficacy / (base + span)``.
    """
    return _score(
        EFFICACY,
        values,
        None,
        {
            "full_points": full_points,
            "direction": direction,
            "satisfactory": satisfactory,
            "unsatisfactory": unsatisfactory,
            "base": base,
            "span": span,
            "zero_range": zero_range,
        },
    )


def _efficacy_setup(
    *,
    full_points: float,
    direction: Direction,
    satisfactory: float | None,
    unsatisfactory: float | None,
    base: float,
    span: float,
    zero_range: str,
) -> MethodSetup:
    full = check_number(full_points, "full_points", minimum=0.0, strict_min=True)
    direction = check_direction(direction)
    base = check_number(base, "base", minimum=0.0)
    span = check_number(span, "span", minimum=0.0, strict_min=True)
    check_choice(zero_range, ZeroRange, "zero_range")
    options = {
        "full_points": full,
        "satisfactory": satisfactory,
        "unsatisfactory": unsatisfactory,
        "base": base,
        "span": span,
        "zero_range": zero_range,
    }
    formula = (
        "efficacy = base + span * clip((x - unsatisfactory) / (satisfactory - "
        "unsatisfactory), 0, 1); points = full_points * efficacy / (base + span)"
    )
    return MethodSetup("efficacy_coefficient", direction, "efficacy", full, formula, options)


def _efficacy_parameters(setup: MethodSetup, v: FloatArray, ref: Reference) -> dict[str, Param]:
    o = setup.options
    sat, unsat, source = _category_bounds(
        v,
        setup.direction,
        o["satisfactory"],
        o["unsatisfactory"],
        ("satisfactory", "unsatisfactory"),
    )
    return {
        "full_points": o["full_points"],
        "satisfactory": sat,
        "unsatisfactory": unsat,
        "bounds_source": source,
        "base": o["base"],
        "span": o["span"],
        "zero_range": o["zero_range"],
    }


def _efficacy_reasons(
    v: FloatArray, inputs: Mapping[str, FloatArray], par: Mapping[str, Any]
) -> list[tuple[BoolArray, str]]:
    sat, unsat = _f(par, "satisfactory"), _f(par, "unsatisfactory")
    degenerate = np.full(v.size, sat == unsat or math.isnan(sat))
    return [(degenerate, "satisfactory = unsatisfactory (all values equal): no range")]


EFFICACY = MethodParts(
    setup=_efficacy_setup,
    parameters=_efficacy_parameters,
    inputs=_no_inputs,
    kernel=_k_efficacy,
    extra_reasons=_efficacy_reasons,
    reference=None,
    row_keys=("satisfactory", "unsatisfactory"),
)


def _k_min_max(
    inp: Mapping[str, FloatArray], par: Mapping[str, Any]
) -> tuple[FloatArray, FloatArray]:
    v = inp["value"]
    lo, hi = _each(par, "low"), _each(par, "high")
    lo_pts, full = _f(par, "min_points"), _f(par, "full_points")
    # No range (bounds equal or unknown): full points under zero_range "full", else NaN.
    flat = (lo == hi) | np.isnan(lo) | np.isnan(hi)
    fill = np.where((lo == hi) & (par["zero_range"] == "full"), 1.0, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = (v - lo) / (hi - lo) if par["direction"] == "higher" else (hi - v) / (hi - lo)
    frac = np.where(flat, fill, np.clip(frac, 0.0, 1.0))
    frac = np.where(np.isnan(v), np.nan, frac)
    return np.asarray(frac, dtype=np.float64), np.asarray(
        lo_pts + (full - lo_pts) * frac, dtype=np.float64
    )


def min_max_score(
    values: ArrayLike | GrowthRate,
    *,
    full_points: float = 100.0,
    min_points: float = 0.0,
    direction: Direction = "higher",
    low: float | None = None,
    high: float | None = None,
    zero_range: ZeroRange = "nan",
) -> IndicatorScore:
    """Min-max normalisation: the best value gets ``full_points``, the worst ``min_points``.

    Parameters
    ----------
    values : array_like, shape (U,), or GrowthRate
        Indicator values (NaN = missing).
    full_points, min_points : float
        Points of the best and of the worst value, ``0 <= min_points < full_points``.
    direction : {"higher", "lower"}
        Which values are better.
    low, high : float, optional
        The value range (``low < high``); default the category's min and max. Values
        outside a given range are clipped to it.
    zero_range : {"nan", "full"}
        When ``low == high`` from the category (all values equal): NaN with a warning
        (default) or full points for all.

    Returns
    -------
    IndicatorScore
        ``raw`` is the normalised value in ``[0, 1]`` (1 = best); points
        ``min_points + (full_points - min_points) * raw``.
    """
    return _score(
        MIN_MAX,
        values,
        None,
        {
            "full_points": full_points,
            "min_points": min_points,
            "direction": direction,
            "low": low,
            "high": high,
            "zero_range": zero_range,
        },
    )


def _min_max_setup(
    *,
    full_points: float,
    min_points: float,
    direction: Direction,
    low: float | None,
    high: float | None,
    zero_range: str,
) -> MethodSetup:
    full = check_number(full_points, "full_points", minimum=0.0, strict_min=True)
    lo_pts = check_number(min_points, "min_points", minimum=0.0)
    if lo_pts >= full:
        raise ValueError(f"min_points {lo_pts:g} must be below full_points {full:g}")
    direction = check_direction(direction)
    check_choice(zero_range, ZeroRange, "zero_range")
    lo = check_number(low, "low") if low is not None else None
    hi = check_number(high, "high") if high is not None else None
    if lo is not None and hi is not None and not lo < hi:
        raise ValueError(f"low {lo:g} must be below high {hi:g}")
    worst = "high" if direction == "lower" else "low"
    formula = (
        f"raw = clip(|x - {worst}| / (high - low), 0, 1); "
        "points = min_points + (full_points - min_points) * raw"
    )
    options = {
        "full_points": full,
        "min_points": lo_pts,
        "low": lo,
        "high": hi,
        "zero_range": zero_range,
    }
    return MethodSetup("min_max", direction, "normalised", full, formula, options)


def _min_max_parameters(setup: MethodSetup, v: FloatArray, ref: Reference) -> dict[str, Param]:
    o = setup.options
    low, high = o["low"], o["high"]
    finite = v[~np.isnan(v)]
    lo = low if low is not None else (float(finite.min()) if finite.size else math.nan)
    hi = high if high is not None else (float(finite.max()) if finite.size else math.nan)
    if not (math.isnan(lo) or math.isnan(hi)) and lo > hi:
        raise ValueError(f"low {lo:g} must not exceed high {hi:g} (one bound given, one taken)")
    low_src = "given" if low is not None else "category min"
    high_src = "given" if high is not None else "category max"
    return {
        "full_points": o["full_points"],
        "min_points": o["min_points"],
        "direction": setup.direction,
        "low": lo,
        "high": hi,
        "bounds_source": f"low {low_src}, high {high_src}",
        "zero_range": o["zero_range"],
    }


def _min_max_reasons(
    v: FloatArray, inputs: Mapping[str, FloatArray], par: Mapping[str, Any]
) -> list[tuple[BoolArray, str]]:
    lo, hi = _f(par, "low"), _f(par, "high")
    return [
        (np.full(v.size, lo == hi or math.isnan(lo)), "low = high (all values equal): no range")
    ]


MIN_MAX = MethodParts(
    setup=_min_max_setup,
    parameters=_min_max_parameters,
    inputs=_no_inputs,
    kernel=_k_min_max,
    extra_reasons=_min_max_reasons,
    reference=None,
    row_keys=("low", "high"),
)


def _k_z(inp: Mapping[str, FloatArray], par: Mapping[str, Any]) -> tuple[FloatArray, FloatArray]:
    v = inp["value"]
    mean, sd = _each(par, "mean"), _each(par, "sd")
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (v - mean) / sd
    if par["direction"] == "lower":
        z = -z
    # No spread (sd 0 or unknown): z = 0 under zero_spread "center" (sd exactly 0), else NaN.
    fill = np.where((sd == 0) & (par["zero_spread"] == "center"), 0.0, np.nan)
    z = np.where(sd > 0, z, fill)
    z = np.where(np.isnan(v), np.nan, z)
    score = np.clip(
        _f(par, "center") + _f(par, "spread") * z, _f(par, "clip_low"), _f(par, "clip_high")
    )
    return np.asarray(score, dtype=np.float64), np.asarray(
        _f(par, "full_points") * score / _f(par, "scale_max"), dtype=np.float64
    )


def z_score(
    values: ArrayLike | GrowthRate,
    *,
    full_points: float = 100.0,
    direction: Direction = "higher",
    center: float = 80.0,
    spread: float = 10.0,
    clip_low: float = 0.0,
    clip_high: float = 100.0,
    scale_max: float = 100.0,
    ddof: int = 0,
    zero_spread: ZeroSpread = "nan",
) -> IndicatorScore:
    """Z-score normalisation mapped to points: ``clip(center + spread * z, clip_low, clip_high)``.

    Parameters
    ----------
    values : array_like, shape (U,), or GrowthRate
        Indicator values (NaN = missing, left out of the mean and standard deviation).
    full_points : float
        Points of a transformed score equal to ``scale_max``.
    direction : {"higher", "lower"}
        For lower-is-better the sign of ``z`` is flipped.
    center, spread : float
        The transform: a unit at the mean scores ``center``, one standard deviation better
        ``center + spread`` (default 80 + 10 z).
    clip_low, clip_high : float
        Bounds of the transformed score, ``0 <= clip_low < clip_high <= scale_max``.
    scale_max : float
        Top of the transformed scale (default 100); points = ``full_points * score /
        scale_max``.
    ddof : int
        0 (default, population standard deviation) or 1 (sample).
    zero_spread : {"nan", "center"}
        Standard deviation 0 (all values equal) or undefined: NaN with a warning (default),
        or ``"center"``: z = 0 for all (only when the deviation is exactly 0).

    Returns
    -------
    IndicatorScore
        ``raw`` is the transformed score; ``parameters`` record the mean and deviation.
    """
    return _score(
        Z_SCORE,
        values,
        None,
        {
            "full_points": full_points,
            "direction": direction,
            "center": center,
            "spread": spread,
            "clip_low": clip_low,
            "clip_high": clip_high,
            "scale_max": scale_max,
            "ddof": ddof,
            "zero_spread": zero_spread,
        },
    )


def _z_setup(
    *,
    full_points: float,
    direction: Direction,
    center: float,
    spread: float,
    clip_low: float,
    clip_high: float,
    scale_max: float,
    ddof: int,
    zero_spread: str,
) -> MethodSetup:
    full = check_number(full_points, "full_points", minimum=0.0, strict_min=True)
    direction = check_direction(direction)
    center = check_number(center, "center")
    spread = check_number(spread, "spread", minimum=0.0, strict_min=True)
    scale_max = check_number(scale_max, "scale_max", minimum=0.0, strict_min=True)
    lo = check_number(clip_low, "clip_low", minimum=0.0)
    hi = check_number(clip_high, "clip_high", maximum=scale_max)
    if not lo < hi:
        raise ValueError(f"clip_low {lo:g} must be below clip_high {hi:g}")
    if ddof not in (0, 1) or isinstance(ddof, bool):
        raise ValueError(f"ddof must be 0 or 1, got {ddof!r}")
    check_choice(zero_spread, ZeroSpread, "zero_spread")
    sign = "" if direction == "higher" else "-"
    formula = (
        f"z = {sign}(x - mean) / sd (ddof {ddof}); score = clip(center + spread * z, "
        "clip_low, clip_high); points = full_points * score / scale_max"
    )
    options = {
        "full_points": full,
        "ddof": ddof,
        "center": center,
        "spread": spread,
        "clip_low": lo,
        "clip_high": hi,
        "scale_max": scale_max,
        "zero_spread": zero_spread,
    }
    return MethodSetup(
        "z_score", direction, "transformed_z", full * hi / scale_max, formula, options
    )


def _z_parameters(setup: MethodSetup, v: FloatArray, ref: Reference) -> dict[str, Param]:
    o = setup.options
    ddof = o["ddof"]
    finite = v[~np.isnan(v)]
    mean = float(finite.mean()) if finite.size else math.nan
    sd = float(finite.std(ddof=ddof)) if finite.size > ddof else math.nan
    return {
        "full_points": o["full_points"],
        "direction": setup.direction,
        "mean": mean,
        "sd": sd,
        "ddof": ddof,
        "n_values": int(finite.size),
        "center": o["center"],
        "spread": o["spread"],
        "clip_low": o["clip_low"],
        "clip_high": o["clip_high"],
        "scale_max": o["scale_max"],
        "zero_spread": o["zero_spread"],
    }


def _z_reasons(
    v: FloatArray, inputs: Mapping[str, FloatArray], par: Mapping[str, Any]
) -> list[tuple[BoolArray, str]]:
    sd = _f(par, "sd")
    return [(np.full(v.size, not sd > 0), "standard deviation 0 or undefined (too few values)")]


Z_SCORE = MethodParts(
    setup=_z_setup,
    parameters=_z_parameters,
    inputs=_no_inputs,
    kernel=_k_z,
    extra_reasons=_z_reasons,
    reference=None,
    row_keys=("mean", "sd"),
)


# --------------------------------------------------------------------------- rank points


def _position_points(pos: FloatArray, n: FloatArray, par: Mapping[str, Any]) -> FloatArray:
    table = par.get("table")
    if table is None:
        full, low = _f(par, "full_points"), _f(par, "min_points")
        with np.errstate(invalid="ignore", divide="ignore"):
            step = np.where(n > 1, (full - low) / (n - 1), 0.0)
        return np.asarray(full - step * (pos - 1), dtype=np.float64)
    t = np.asarray(table, dtype=np.float64)
    idx = np.nan_to_num(pos, nan=1.0).astype(np.intp) - 1
    inside = idx < t.size
    out = np.where(inside, t[np.clip(idx, 0, t.size - 1)], _f(par, "beyond_table"))
    return np.asarray(np.where(np.isnan(pos), np.nan, out), dtype=np.float64)


def _k_rank(inp: Mapping[str, FloatArray], par: Mapping[str, Any]) -> tuple[FloatArray, FloatArray]:
    r, size, n = inp["rank"], inp["tie_size"], inp["n_ranked"]
    if par["ties"] == "min" or not np.any(size > 1):
        pts = _position_points(r, n, par)
    elif par.get("table") is None:
        # Linear points: the mean over positions r..r+size-1 is the points of the middle one.
        pts = _position_points(r + (size - 1) / 2.0, n, par)
    else:
        last = np.nan_to_num(r + size - 1, nan=1.0)
        top = int(last.max())
        positions = np.arange(1.0, top + 1)
        cum = np.concatenate(([0.0], np.cumsum(_position_points(positions, positions, par))))
        rr = np.nan_to_num(r, nan=1.0).astype(np.intp)
        ll = last.astype(np.intp)
        with np.errstate(invalid="ignore", divide="ignore"):
            pts = (cum[ll] - cum[rr - 1]) / size
        pts = np.where(np.isnan(r), np.nan, pts)
    return np.asarray(r, dtype=np.float64), np.asarray(pts, dtype=np.float64)


def rank_points(
    values: ArrayLike | GrowthRate,
    *,
    full_points: float = 100.0,
    direction: Direction = "higher",
    table: Sequence[float] | None = None,
    min_points: float = 0.0,
    beyond_table: float = 0.0,
    ties: RankTies = "min",
) -> IndicatorScore:
    """Points by rank in the category (competition ranking "1224", 1 = best).

    Parameters
    ----------
    values : array_like, shape (U,), or GrowthRate
        Indicator values; NaN units are not ranked and get NaN points.
    full_points : float
        Points of rank 1 in the linear rule, and the top of the scale.
    direction : {"higher", "lower"}
        Which values are better.
    table : sequence of float, optional
        Points for ranks 1, 2, ... (non-increasing, within ``[0, full_points]``); ranks past
        the end get ``beyond_table``. Without a table, points fall linearly from
        ``full_points`` (rank 1) to ``min_points`` (rank n): ``full - (full - min) (r - 1) /
        (n - 1)``, n = number of ranked units (one unit: full points).
    min_points : float
        Points of the last rank in the linear rule.
    beyond_table : float
        Points of ranks past the end of ``table`` (default 0).
    ties : {"min", "average"}
        Units with equal values share a rank. ``"min"`` (default): they all get the points of
        their shared (best) rank, e.g. two units tied for 2nd both get the points of rank 2.
        ``"average"``: they get the mean of the points of the positions they occupy (2nd and
        3rd).

    Returns
    -------
    IndicatorScore
        ``raw`` is the competition rank; ``inputs`` hold ``rank``, ``tie_size`` and
        ``n_ranked`` per unit.
    """
    return _score(
        RANK,
        values,
        None,
        {
            "full_points": full_points,
            "direction": direction,
            "table": table,
            "min_points": min_points,
            "beyond_table": beyond_table,
            "ties": ties,
        },
    )


def _rank_setup(
    *,
    full_points: float,
    direction: Direction,
    table: Sequence[float] | None,
    min_points: float,
    beyond_table: float,
    ties: str,
) -> MethodSetup:
    full = check_number(full_points, "full_points", minimum=0.0, strict_min=True)
    direction = check_direction(direction)
    low = check_number(min_points, "min_points", minimum=0.0, maximum=full)
    beyond = check_number(beyond_table, "beyond_table", minimum=0.0, maximum=full)
    check_choice(ties, RankTies, "ties")
    tab: tuple[float, ...] | None = None
    if table is not None:
        tab = tuple(check_number(x, "table entry", minimum=0.0, maximum=full) for x in table)
        if not tab:
            raise ValueError("table must not be empty")
        if any(b > a for a, b in itertools.pairwise(tab)):
            raise ValueError("table must be non-increasing (rank 1 gets the most points)")
        if beyond > tab[-1]:
            raise ValueError("beyond_table must not exceed the last table entry")
    params: dict[str, Param] = {
        "full_points": full,
        "direction": direction,
        "table": tab,
        "min_points": low,
        "beyond_table": beyond,
        "ties": ties,
    }
    rule = (
        f"table {list(tab)} by rank, {beyond:g} past its end"
        if tab is not None
        else "full - (full - min) * (rank - 1) / (n - 1)"
    )
    tie_text = (
        "tied units share the best rank's points"
        if ties == "min"
        else ("tied units get the mean points of the positions they occupy")
    )
    formula = f"competition rank (1224), 1 = best; points = {rule}; {tie_text}"
    return MethodSetup("rank_points", direction, "rank", full, formula, params)


def _rank_inputs(setup: MethodSetup, v: FloatArray, ref: Reference) -> dict[str, FloatArray]:
    """Ranks within each row of ``v`` (one row: one category's values)."""
    rows = v if v.ndim == 2 else v[None, :]
    key = rows if setup.direction == "higher" else -rows
    rank, size = competition_ranks(key)
    n = np.count_nonzero(~np.isnan(rows), axis=1).astype(np.float64)
    inputs = {
        "rank": rank,
        "tie_size": size.astype(np.float64),
        "n_ranked": np.repeat(n[:, None], rows.shape[1], axis=1),
    }
    return inputs if v.ndim == 2 else {k: a[0] for k, a in inputs.items()}


RANK = MethodParts(
    setup=_rank_setup,
    parameters=lambda setup, v, ref: dict(setup.options),
    inputs=_rank_inputs,
    kernel=_k_rank,
    extra_reasons=_no_reasons,
    reference=None,
    # With a table and averaged ties, a row without ties takes the table's points directly,
    # a row with ties sums of them: rows go one at a time.
    whole=lambda setup: setup.options["ties"] == "min" or setup.options["table"] is None,
)


# --------------------------------------------------------------------------- benchmark


def _k_benchmark(
    inp: Mapping[str, FloatArray], par: Mapping[str, Any]
) -> tuple[FloatArray, FloatArray]:
    v, b = inp["value"], inp["benchmark"]
    higher = par["direction"] == "higher"
    reached = v >= b if higher else v <= b
    with np.errstate(invalid="ignore", divide="ignore"):
        if par["mode"] == "proportional":
            frac = np.where(b > 0, v / b if higher else b / v, np.nan)
        else:
            z = _f(par, "zero_at")
            frac = (v - z) / (b - z) if higher else (z - v) / (z - b)
    frac = np.where(reached & ~np.isnan(b), 1.0, frac)
    frac = np.clip(np.where(np.isnan(v) | np.isnan(b), np.nan, frac), 0.0, 1.0)
    return np.asarray(frac, dtype=np.float64), np.asarray(
        _f(par, "full_points") * frac, dtype=np.float64
    )


def benchmark_score(
    values: ArrayLike | GrowthRate,
    benchmark: ArrayLike,
    *,
    full_points: float = 100.0,
    direction: Direction = "higher",
    mode: BenchmarkMode = "proportional",
    zero_at: float | None = None,
) -> IndicatorScore:
    """Distance to a benchmark (标杆值): full points at or beyond it, less below.

    Parameters
    ----------
    values : array_like, shape (U,), or GrowthRate
        Indicator values (NaN = missing).
    benchmark : float or array_like, shape (U,)
        Benchmark value, e.g. the figure of the benchmark city (对标城市).
    full_points : float
        Points at or beyond the benchmark.
    direction : {"higher", "lower"}
        Which values are better; "beyond" means above (higher) or below (lower).
    mode : {"proportional", "linear"}
        Short of the benchmark. ``"proportional"`` (default): points ``full * value /
        benchmark`` (lower: ``full * benchmark / value``); needs a positive benchmark, else
        NaN with a warning. ``"linear"``: points fall linearly from ``full`` at the
        benchmark to 0 at ``zero_at`` (required; below every benchmark for higher-is-better,
        above for lower-is-better).
    zero_at : float, optional
        Value scoring 0 in linear mode.

    Returns
    -------
    IndicatorScore
        ``raw`` is the share of full points in ``[0, 1]``.
    """
    return _score(
        BENCHMARK,
        values,
        benchmark,
        {"full_points": full_points, "direction": direction, "mode": mode, "zero_at": zero_at},
    )


def _benchmark_setup(
    *, full_points: float, direction: Direction, mode: str, zero_at: float | None
) -> MethodSetup:
    full = check_number(full_points, "full_points", minimum=0.0, strict_min=True)
    direction = check_direction(direction)
    check_choice(mode, BenchmarkMode, "mode")
    z: float | None = None
    if mode == "linear":
        if zero_at is None:
            raise ValueError("zero_at is required in linear mode")
        z = check_number(zero_at, "zero_at")
    elif zero_at is not None:
        raise ValueError("zero_at applies to linear mode only")
    params: dict[str, Param] = {
        "full_points": full,
        "direction": direction,
        "mode": mode,
        "zero_at": z,
    }
    if mode == "proportional":
        short = "value / benchmark" if direction == "higher" else "benchmark / value"
    else:
        short = (
            "(value - zero_at) / (benchmark - zero_at)"
            if direction == "higher"
            else "(zero_at - value) / (zero_at - benchmark)"
        )
    formula = f"points = full_points * (1 if benchmark reached else clip({short}, 0, 1))"
    return MethodSetup("benchmark", direction, "share_of_full", full, formula, params)


def _benchmark_parameters(setup: MethodSetup, v: FloatArray, ref: Reference) -> dict[str, Param]:
    z = setup.options["zero_at"]
    if z is not None:
        assert ref is not None
        fb = ref[~np.isnan(ref)]
        higher = setup.direction == "higher"
        if (higher and (fb <= z).any()) or (not higher and (fb >= z).any()):
            raise ValueError(
                f"zero_at {z:g} must lie {'below' if higher else 'above'} every benchmark"
            )
    return dict(setup.options)


def _benchmark_inputs(setup: MethodSetup, v: FloatArray, ref: Reference) -> dict[str, FloatArray]:
    assert ref is not None
    return {"benchmark": ref}


def _benchmark_reasons(
    v: FloatArray, inputs: Mapping[str, FloatArray], par: Mapping[str, Any]
) -> list[tuple[BoolArray, str]]:
    b = inputs["benchmark"]
    return [
        (np.isnan(b), "benchmark missing"),
        ((b <= 0) & (par["mode"] == "proportional"), "benchmark <= 0: proportional rule undefined"),
    ]


BENCHMARK = MethodParts(
    setup=_benchmark_setup,
    parameters=_benchmark_parameters,
    inputs=_benchmark_inputs,
    kernel=_k_benchmark,
    extra_reasons=_benchmark_reasons,
    reference="benchmark",
)


# --------------------------------------------------------------------------- scale, speed, quality


def scale_speed_quality(
    scale: IndicatorScore,
    speed: IndicatorScore,
    quality: IndicatorScore,
    *,
    weights: Sequence[float],
    full_points: float = 100.0,
) -> IndicatorScore:
    """One indicator scored on scale, speed and quality (规模 / 速度 / 质量).

    Parameters
    ----------
    scale, speed, quality : IndicatorScore
        Sub-scores over the same units, each computed by any method, e.g. scale by
        :func:`rank_points` of the level, speed from a :class:`GrowthRate`, quality from a
        ratio such as the tax share of fiscal revenue.
    weights : sequence of 3 float
        Sub-weights of scale, speed and quality; non-negative, summing to 1.
    full_points : float
        Points of the indicator.

    Returns
    -------
    IndicatorScore
        ``points = full_points * sum_k w_k * points_k / max_points_k``; ``raw`` is that sum
        of weighted shares in ``[0, 1]``; ``parts`` holds the three sub-scores. NaN if any
        sub-score is NaN.
    """
    subs = (scale, speed, quality)
    if not all(isinstance(s, IndicatorScore) for s in subs):
        raise ValueError("scale, speed and quality must be IndicatorScore results")
    n = scale.n_units
    if speed.n_units != n or quality.n_units != n:
        raise ValueError("scale, speed and quality must cover the same units")
    w = vector(list(weights), "weights", allow_nan=False)
    if w.size != 3:
        raise ValueError(f"weights must hold 3 values (scale, speed, quality), got {w.size}")
    check_sums_to_one(w, "weights")
    full = check_number(full_points, "full_points", minimum=0.0, strict_min=True)
    names = ("scale", "speed", "quality")
    parts = tuple((nm, float(wk), s) for nm, wk, s in zip(names, w, subs, strict=True))
    raw, pts = _combine_parts([(wk, s.points, s.max_points) for _, wk, s in parts], full)
    reason = np.full(n, "", dtype=object)
    for nm, _, sub in reversed(parts):
        bad = np.isnan(sub.points)
        reason[bad] = [f"{nm} sub-score missing: {r}" for r in sub.reason[bad].tolist()]
    return IndicatorScore(
        points=frozen_array(pts),
        raw=frozen_array(raw),
        raw_name="weighted_share",
        max_points=full,
        method="scale_speed_quality",
        direction="higher",
        formula=(
            "points = full_points * sum_k weight_k * points_k / max_points_k "
            "(k = scale, speed, quality)"
        ),
        parameters=frozen_params({"full_points": full, "weights": tuple(float(x) for x in w)}),
        inputs=frozen_map({}),
        reason=frozen_array(reason.astype(str), dtype=np.str_),
        parts=parts,
    )


def _combine_parts(
    parts: Sequence[tuple[float, FloatArray, float]], full: float
) -> tuple[FloatArray, FloatArray]:
    share = sum(w * np.asarray(p, dtype=np.float64) / m for w, p, m in parts)
    share_arr = np.asarray(share, dtype=np.float64)
    return share_arr, np.asarray(full * share_arr, dtype=np.float64)


# --------------------------------------------------------------------------- recompute


KERNELS: dict[str, Kernel] = {
    "target_completion": _k_target,
    "efficacy_coefficient": _k_efficacy,
    "min_max": _k_min_max,
    "z_score": _k_z,
    "rank_points": _k_rank,
    "benchmark": _k_benchmark,
}


def recompute_growth(e: Mapping[str, Any]) -> float:
    inp = e["inputs"]
    cur = np.array([float(inp["current"])])
    prev = np.array([float(inp["previous"])])
    return float(_growth_kernel(cur, prev, str(e["parameters"]["rule"]))[0])


def recompute_indicator(e: Mapping[str, Any]) -> float:
    """Points of one unit from an :meth:`IndicatorScore.explain` dictionary."""
    method = e["method"]
    if method == "scale_speed_quality":
        parts = [
            (
                float(p["weight"]),
                np.array([recompute_indicator(p["detail"])]),
                float(p["detail"]["max_points"]),
            )
            for p in e["parts"]
        ]
        return float(_combine_parts(parts, float(e["parameters"]["full_points"]))[1][0])
    if method not in KERNELS:
        raise ValueError(f"unknown indicator method {method!r}")
    inputs = {k: np.array([float(v)]) for k, v in e["inputs"].items()}
    if "growth" in e:
        inputs["value"] = np.array([recompute_growth(e["growth"])])
    params = dict(e["parameters"])
    params.setdefault("direction", e.get("direction", "higher"))
    return float(KERNELS[method](inputs, params)[1][0])
