"""Period aggregation: cumulative period weights, plain averages, months into quarters."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, cast

import numpy as np
from numpy.typing import ArrayLike

from scoring._common import FloatArray, IntArray, StrArray, as_float_array, frozen_array
from scoring._reasons import Reason
from scoring.composite._base import (
    Explanation,
    check_choice,
    check_sums_to_one,
    labels,
    reasons,
    warn_nan,
)
from scoring.composite._indicator import IndicatorScore
from scoring.composite._method_recompute import recompute_indicator

PeriodMissing = Literal["renormalise", "zero"]
MonthMissing = Literal["nan", "ignore"]
MonthHow = Literal["sum", "mean"]

# Qingdao 2020: Q1, H1, Q1-Q3 and full-year results count 10 %, 20 %, 30 % and 40 %.
QINGDAO_CUMULATIVE_PERIODS: tuple[str, ...] = ("Q1", "H1", "Q1-Q3", "year")
QINGDAO_CUMULATIVE_WEIGHTS: tuple[float, ...] = (0.1, 0.2, 0.3, 0.4)

ALL_PERIODS_MISSING = "every_period_missing"


@dataclass(frozen=True, eq=False)
class PeriodAggregate:
    """Period results of the units of a category combined into one result.

    Attributes
    ----------
    total : ndarray of float, shape (U,)
        ``sum_p w'_p * score_p``, in the unit of the period scores (points); NaN when every
        period is missing under ``"renormalise"``.
    scores : ndarray of float, shape (U, P)
        Period results (NaN = missing).
    weights : ndarray of float, shape (P,)
        Stated period weights (sum 1).
    weights_used : ndarray of float, shape (U, P)
        Weights actually applied per unit. ``"renormalise"``: the stated weights of the
        periods present divided by their sum (a row sums to 1; 0 for missing periods).
        ``"zero"``: the stated weights (missing periods count as a score of 0).
    periods : tuple[str, ...]
    missing_rule : {"renormalise", "zero"}
    n_missing : ndarray of int, shape (U,)
    reason : ndarray of str, shape (U,)
    formula : str
    max_points : float or None
        Scale of the period scores when they came from :class:`IndicatorScore` results.
    details : tuple[IndicatorScore, ...]
        The period results when given as :class:`IndicatorScore` (else empty).
    reasons : tuple of Reason
        The NaN totals this combination introduced (``every_period_missing``), with counts.
    """

    total: FloatArray
    scores: FloatArray
    weights: FloatArray
    weights_used: FloatArray
    periods: tuple[str, ...]
    missing_rule: PeriodMissing
    n_missing: IntArray
    reason: StrArray
    formula: str
    max_points: float | None
    details: tuple[IndicatorScore, ...] = ()
    reasons: tuple[Reason, ...] = ()

    def explain(self, unit: int) -> Explanation:
        out: Explanation = {
            "method": "period_weights",
            "formula": self.formula,
            "parameters": {
                "periods": list(self.periods),
                "weights": [float(w) for w in self.weights],
                "missing_rule": self.missing_rule,
            },
            "inputs": {"scores": [float(x) for x in self.scores[unit]]},
            "weights_used": [float(w) for w in self.weights_used[unit]],
            "total": float(self.total[unit]),
            "reason": str(self.reason[unit]),
        }
        if self.details:
            out["details"] = [d.explain(unit) for d in self.details]
        return out


def _k_periods(scores: FloatArray, weights: FloatArray, rule: str) -> tuple[FloatArray, FloatArray]:
    """Totals (rows of ``scores``) and the weights used, shapes (U,) and (U, P)."""
    avail = ~np.isnan(scores)
    w = np.broadcast_to(weights, scores.shape)
    present_w = np.where(avail, w, 0.0)
    denom = present_w.sum(axis=-1) if rule == "renormalise" else w.sum(axis=-1)
    num = np.where(avail, w * np.nan_to_num(scores), 0.0).sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        total = np.where(denom > 0, num / denom, np.nan)
        used = present_w / denom[..., None] if rule == "renormalise" else np.array(w)
    return np.asarray(total, dtype=np.float64), np.asarray(used, dtype=np.float64)


def aggregate_periods(
    scores: ArrayLike | Sequence[IndicatorScore],
    weights: ArrayLike | None = None,
    *,
    missing: PeriodMissing = "renormalise",
    periods: Sequence[str] | None = None,
    warn: bool = True,
) -> PeriodAggregate:
    """Combine period results into the year's result.

    Parameters
    ----------
    scores : array_like, shape (U, P), or sequence of P IndicatorScore
        Result of each unit in each period (points; NaN = missing). For Qingdao's quarterly
        assessment the periods are the cumulative nodes Q1, H1, Q1-Q3 and the full year.
        :class:`IndicatorScore` results must share their ``max_points``.
    weights : array_like, shape (P,), optional
        Period weights, non-negative and summing to 1 (within 1e-9), e.g.
        :data:`QINGDAO_CUMULATIVE_WEIGHTS` ``(0.1, 0.2, 0.3, 0.4)``. Default: a plain average
        (``1 / P`` each).
    missing : {"renormalise", "zero"}
        A missing period: ``"renormalise"`` (default) drops it and divides by the weight of
        the periods present, so a unit scored in Q1 and H1 only gets ``(0.1 s1 + 0.2 s2) /
        0.3``; ``"zero"`` counts it as a score of 0. With every period missing,
        ``"renormalise"`` gives NaN with a :class:`ScoringWarning`.
    periods : sequence of str, optional
        Period labels; default ``"P1"``, ``"P2"``, ... (or Qingdao's labels for 4 periods
        with the Qingdao weights).
    warn : bool
        Raise a :class:`ScoringWarning` per reason (default); False leaves them on
        ``reasons`` only.

    Returns
    -------
    PeriodAggregate
    """
    details: tuple[IndicatorScore, ...] = ()
    max_points: float | None = None
    if (
        isinstance(scores, Sequence)
        and scores
        and all(isinstance(s, IndicatorScore) for s in scores)
    ):
        details = tuple(s for s in scores if isinstance(s, IndicatorScore))
        sizes = {d.n_units for d in details}
        scales = {d.max_points for d in details}
        if len(sizes) != 1 or len(scales) != 1:
            raise ValueError("period IndicatorScore results must cover the same units and scale")
        max_points = scales.pop()
        s = np.stack([np.asarray(d.points, dtype=np.float64) for d in details], axis=1)
    else:
        s = as_float_array(cast(ArrayLike, scores), "scores", allow_nan=True)
    if s.ndim != 2 or s.shape[0] == 0 or s.shape[1] == 0:
        raise ValueError(f"scores must have shape (units, periods), got {s.shape}")
    setup = period_setup(s.shape[1], weights, missing, periods)
    total, used = _k_periods(s, setup.weights, setup.missing_rule)
    n_missing = np.isnan(s).sum(axis=1)
    reason = _period_reason(n_missing, total, s.shape[1])
    found = warn_nan("aggregate_periods", reason, np.isnan(total), warn=warn)
    return period_result(setup, total, s, used, n_missing, reason, max_points, details, found=found)


@dataclass(frozen=True)
class PeriodSetup:
    """Checked period weights, labels and rule of :func:`aggregate_periods`."""

    weights: FloatArray
    periods: tuple[str, ...]
    missing_rule: PeriodMissing
    formula: str


def period_setup(
    n_periods: int,
    weights: ArrayLike | None,
    missing: PeriodMissing,
    periods: Sequence[str] | None,
) -> PeriodSetup:
    check_choice(missing, PeriodMissing, "missing")
    if weights is None:
        w = np.full(n_periods, 1.0 / n_periods)
        how = "plain average"
    else:
        w = as_float_array(weights, "weights")
        if w.shape != (n_periods,):
            raise ValueError(f"weights must have shape ({n_periods},), got {w.shape}")
        check_sums_to_one(w, "weights")
        how = "weighted"
    default_labels = (
        QINGDAO_CUMULATIVE_PERIODS
        if weights is not None
        and w.size == len(QINGDAO_CUMULATIVE_WEIGHTS)
        and np.allclose(w, QINGDAO_CUMULATIVE_WEIGHTS)
        else tuple(f"P{i + 1}" for i in range(n_periods))
    )
    period_labels = labels(periods, n_periods, "periods") if periods is not None else default_labels
    rule_text = (
        "missing periods dropped and the weights of the rest renormalised"
        if missing == "renormalise"
        else "missing periods count as 0"
    )
    return PeriodSetup(
        weights=frozen_array(w),
        periods=period_labels,
        missing_rule="zero" if missing == "zero" else "renormalise",
        formula=f"total = sum_p w_p * score_p / sum_p w_p ({how}; {rule_text})",
    )


def _period_reason(n_missing: IntArray, total: FloatArray, n_periods: int) -> StrArray:
    reason = reasons(total.size, [(n_missing == n_periods, ALL_PERIODS_MISSING)])
    return np.where(np.isnan(total), reason, "").astype(np.str_)


def period_result(
    setup: PeriodSetup,
    total: FloatArray,
    scores: FloatArray,
    used: FloatArray,
    n_missing: IntArray,
    reason: StrArray,
    max_points: float | None,
    details: tuple[IndicatorScore, ...],
    copy: bool = True,
    found: tuple[Reason, ...] = (),
) -> PeriodAggregate:
    """The result object; ``copy`` False takes arrays that are read-only already (views of
    read-only arrays), as :func:`scoring.composite.aggregate_rows` hands them over."""
    if not copy:
        return PeriodAggregate(
            total=total,
            scores=scores,
            weights=setup.weights,
            weights_used=used,
            periods=setup.periods,
            missing_rule=setup.missing_rule,
            n_missing=n_missing,
            reason=reason,
            formula=setup.formula,
            max_points=max_points,
            details=details,
            reasons=found,
        )
    return PeriodAggregate(
        total=frozen_array(total),
        scores=frozen_array(scores),
        weights=frozen_array(setup.weights),
        weights_used=frozen_array(used),
        periods=setup.periods,
        missing_rule=setup.missing_rule,
        n_missing=frozen_array(n_missing, dtype=np.intp),
        reason=frozen_array(reason, dtype=np.str_),
        formula=setup.formula,
        max_points=max_points,
        details=details,
        reasons=found,
    )


def recompute_periods(e: Mapping[str, Any]) -> float:
    """Total of one unit from a :meth:`PeriodAggregate.explain` dictionary."""
    if "details" in e:
        s = np.array([[recompute_indicator(d) for d in e["details"]]])
    else:
        s = np.array([[float(x) for x in e["inputs"]["scores"]]])
    w = np.array([float(x) for x in e["parameters"]["weights"]])
    return float(_k_periods(s, w, str(e["parameters"]["missing_rule"]))[0][0])


@dataclass(frozen=True, eq=False)
class QuarterlyValues:
    """Monthly values turned into quarterly (or cumulative) values.

    Attributes
    ----------
    values : ndarray of float, shape (U, Q)
        Sum or mean of the months in each quarter (or, cumulative, from January on).
    n_months : ndarray of int, shape (U, Q)
        Months present in each window.
    quarters : tuple[str, ...]
        ``Q1``..``Q4``, or ``Q1``, ``H1``, ``Q1-Q3``, ``year`` when cumulative over 12 months.
    how : {"sum", "mean"}
    cumulative : bool
    missing_rule : {"nan", "ignore"}
    reason : ndarray of str, shape (U, Q)
        Reason code of a NaN value: ``no_month_present`` or ``month_missing``.
    reasons : tuple of Reason
        One :class:`Reason` per code with its count.
    """

    values: FloatArray
    n_months: IntArray
    quarters: tuple[str, ...]
    how: MonthHow
    cumulative: bool
    missing_rule: MonthMissing
    reason: StrArray
    reasons: tuple[Reason, ...] = ()


def monthly_to_quarterly(
    monthly: ArrayLike,
    *,
    how: MonthHow = "sum",
    cumulative: bool = False,
    missing: MonthMissing = "nan",
    warn: bool = True,
) -> QuarterlyValues:
    """Monthly values of each unit into quarterly values.

    Parameters
    ----------
    monthly : array_like, shape (U, M)
        One value per unit and month, January first; ``M`` a multiple of 3 (usually 12).
        NaN = month not reported.
    how : {"sum", "mean"}
        ``"sum"`` for flows (investment, revenue), ``"mean"`` for levels and monthly scores.
    cumulative : bool
        False (default): each quarter on its own months. True: windows from January on
        (Q1, H1, Q1-Q3, year), as the cumulative nodes of Qingdao's quarterly assessment.
    missing : {"nan", "ignore"}
        A window with a missing month: ``"nan"`` (default) makes it NaN with a
        :class:`ScoringWarning`; ``"ignore"`` sums or averages the months present (a sum then
        treats the missing month as 0). A window with no month present is NaN either way.
    warn : bool
        Raise a :class:`ScoringWarning` per reason (default); False leaves them on
        ``reasons`` only.

    Returns
    -------
    QuarterlyValues
    """
    m = as_float_array(monthly, "monthly", allow_nan=True)
    if m.ndim != 2 or m.shape[1] == 0 or m.shape[1] % 3 != 0 or m.shape[0] == 0:
        raise ValueError(f"monthly must have shape (units, 3*quarters), got {m.shape}")
    check_choice(how, MonthHow, "how")
    check_choice(missing, MonthMissing, "missing")
    if not isinstance(cumulative, bool):
        raise ValueError("cumulative must be True or False")
    n_q = m.shape[1] // 3
    present = ~np.isnan(m)
    filled = np.where(present, m, 0.0)
    if cumulative:
        sums = np.cumsum(filled, axis=1)[:, 2::3]
        counts = np.cumsum(present, axis=1)[:, 2::3]
        size = np.arange(1, n_q + 1) * 3
    else:
        sums = filled.reshape(m.shape[0], n_q, 3).sum(axis=2)
        counts = present.reshape(m.shape[0], n_q, 3).sum(axis=2)
        size = np.full(n_q, 3)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = sums if how == "sum" else sums / counts
    incomplete = counts < size
    empty = counts == 0
    out = np.where(empty | (incomplete & (missing == "nan")), np.nan, out)
    reason = np.where(
        empty, "no_month_present", np.where(incomplete & (missing == "nan"), "month_missing", "")
    ).astype(np.str_)
    found = warn_nan("monthly_to_quarterly", reason.ravel(), np.isnan(out).ravel(), warn=warn)
    if cumulative and n_q == 4:
        names: tuple[str, ...] = QINGDAO_CUMULATIVE_PERIODS
    elif cumulative:
        names = tuple(f"M1-M{3 * (q + 1)}" for q in range(n_q))
    else:
        names = tuple(f"Q{q + 1}" for q in range(n_q))
    return QuarterlyValues(
        values=frozen_array(out),
        n_months=frozen_array(counts, dtype=np.intp),
        quarters=names,
        how="mean" if how == "mean" else "sum",
        cumulative=cumulative,
        missing_rule="ignore" if missing == "ignore" else "nan",
        reason=frozen_array(reason, dtype=np.str_),
        reasons=found,
    )
