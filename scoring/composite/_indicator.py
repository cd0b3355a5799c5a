"""Indicator results and the shared steps of every scoring method: growth rates, the result
type, a method's setup and parts, and the one-category driver that runs them.

Every method works in two steps. First the category-level quantities are resolved from all
units (range, mean and spread, ranks); then a pointwise formula (a ``_k_*`` kernel) turns
each unit's inputs, the method's typed parameters and those quantities into points. The
kernels are also what :func:`recompute_indicator` applies to a one-unit explanation, so an
explanation carries everything needed to recompute its points.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Generic, TypeAlias, TypeVar

import numpy as np
from numpy.typing import ArrayLike

from scoring._common import BoolArray, FloatArray, StrArray, frozen_array
from scoring._reasons import Reason, emit
from scoring.composite._base import (
    Direction,
    Explanation,
    Param,
    broadcast_vector,
    check_choice,
    frozen_map,
    frozen_params,
    nan_reasons,
    plain,
    reasons,
    vector,
)
from scoring.composite._params import GrowthRule, MethodParams

P = TypeVar("P", bound=MethodParams)

# The category-level quantities of one row (numbers), or of many rows (columns (K, 1)).
Category: TypeAlias = Mapping[str, Any]
Kernel: TypeAlias = Callable[
    [Mapping[str, FloatArray], Any, Category], tuple[FloatArray, FloatArray]
]
Reference: TypeAlias = "FloatArray | None"
ReasonRules: TypeAlias = list[tuple[BoolArray, str]]


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
        Reason code of a NaN ``rate`` (``scoring/composite/_reason_codes.py``); empty when
        defined.
    reasons : tuple of Reason
        One :class:`Reason` per reason code with its count, as the warning gives them.
    """

    rate: FloatArray
    current: FloatArray
    previous: FloatArray
    rule: GrowthRule
    formula: str
    reason: StrArray
    reasons: tuple[Reason, ...] = ()

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


def growth_kernel(current: FloatArray, previous: FloatArray, rule: str) -> FloatArray:
    with np.errstate(invalid="ignore", divide="ignore"):
        g = (current - previous) / np.abs(previous)
    ok = (previous > 0) | ((previous < 0) & (rule == "abs"))
    return np.asarray(np.where(ok, g, np.nan), dtype=np.float64)


def growth_rate(
    current: ArrayLike, previous: ArrayLike, *, rule: GrowthRule = "nan", warn: bool = True
) -> GrowthRate:
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
    warn : bool
        Raise a :class:`ScoringWarning` per reason (default); False leaves them on
        ``reasons`` only.

    Returns
    -------
    GrowthRate
        Rates as fractions.
    """
    cur = vector(current, "current")
    prev = vector(previous, "previous", size=cur.size)
    check_choice(rule, GrowthRule, "rule")
    rate = growth_kernel(cur, prev, rule)
    missing = np.isnan(cur) | np.isnan(prev)
    reason = reasons(
        cur.size,
        [
            (missing, "current_or_previous_missing"),
            (prev == 0, "previous_zero"),
            (prev < 0, "previous_negative"),
        ],
    )
    found = nan_reasons("growth_rate", reason, np.isnan(rate))
    emit(found, warn=warn)
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
        reasons=found,
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
        Reason code of a NaN ``points`` (``scoring/composite/_reason_codes.py``); empty
        string when defined.
    growth : GrowthRate or None
        Set when the values scored were growth rates.
    parts : tuple of (name, weight, IndicatorScore)
        Sub-scores of a composite method (scale, speed, quality).
    reasons : tuple of Reason
        The NaN points this result introduced, one :class:`Reason` per code with its count.
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
    reasons: tuple[Reason, ...] = ()

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


# --------------------------------------------------------------------------- method steps


@dataclass(frozen=True)
class MethodSetup(Generic[P]):
    """A scoring method's checked parameters and what follows from them alone: the same for
    every unit and every category. The method's ``parameters`` step resolves the
    category-level quantities for the values of one category."""

    method: str
    direction: Direction
    raw_name: str
    max_points: float
    formula: str
    params: P


@dataclass(frozen=True)
class MethodParts(Generic[P]):
    """The steps of one scoring method, shared by the one-category functions and by
    :func:`scoring.composite.score_rows`, which scores many rows of values at once.

    ``setup`` derives the formula and the points scale from the checked parameters;
    ``parameters`` resolves the category-level quantities from one row of values (and of
    the reference: targets or benchmarks) and lists them with the method's parameters, as
    the explanation shows them; ``inputs`` gives the per-unit inputs besides the value, for
    one row or for a 2-D array of rows; ``kernel`` is the pointwise formula;
    ``extra_reasons`` lists the method's own reason codes for a NaN, in order of precedence.
    ``row_keys`` names the category-level quantities that differ from row to row, which the
    kernel also takes as columns of shape (K, 1); ``whole`` says whether, for these
    parameters, the kernel may run on many rows at once and give each row what it gives the
    row alone.
    """

    params_type: type[P]
    setup: Callable[[P], MethodSetup[P]]
    parameters: Callable[[MethodSetup[P], FloatArray, Reference], dict[str, Param]]
    inputs: Callable[[MethodSetup[P], FloatArray, Reference], dict[str, FloatArray]]
    kernel: Kernel
    extra_reasons: Callable[[FloatArray, Mapping[str, FloatArray], P, Category], ReasonRules]
    reference: str | None
    row_keys: tuple[str, ...] = ()
    whole: Callable[[P], bool] = lambda params: True


def no_inputs(setup: MethodSetup[Any], v: FloatArray, ref: Reference) -> dict[str, FloatArray]:
    return {}


def no_reasons(
    v: FloatArray, inputs: Mapping[str, FloatArray], p: Any, cat: Category
) -> ReasonRules:
    return []


def each(cat: Category, key: str) -> float | FloatArray:
    """A category-level quantity: one number, or one per row (a column of shape (K, 1)) when
    :func:`scoring.composite.score_rows` runs the kernel on many rows at once."""
    value = cat[key]
    return value if isinstance(value, np.ndarray) else float(value)


def _values(values: ArrayLike | GrowthRate) -> tuple[FloatArray, GrowthRate | None, BoolArray]:
    """Values to score, the growth object if any, and the NaN already reported upstream."""
    if isinstance(values, GrowthRate):
        return np.asarray(values.rate, dtype=np.float64), values, np.isnan(values.rate)
    v = vector(values, "values")
    if v.size == 0:
        raise ValueError("values must hold at least one unit")
    return v, None, np.zeros(v.size, dtype=bool)


def point_reason(
    values: FloatArray,
    growth: GrowthRate | None,
    points: FloatArray,
    extra_reasons: Sequence[tuple[BoolArray, str]],
) -> StrArray:
    """The reason code of each NaN point (empty where the points exist)."""
    missing = np.isnan(values)
    if growth is None:
        base_reason = np.where(missing, "value_missing", "").astype(np.str_)
    else:
        base_reason = np.asarray(growth.reason, dtype=np.str_)
    reason = reasons(values.size, [(missing, ""), *list(extra_reasons)])
    reason = np.where(missing, base_reason, reason)
    reason = np.where(np.isnan(points) & (reason == ""), "undefined", reason)
    return np.where(np.isnan(points), reason, "").astype(np.str_)


def indicator_result(
    setup: MethodSetup[Any],
    *,
    values: FloatArray,
    growth: GrowthRate | None,
    inputs: Mapping[str, FloatArray],
    params: Mapping[str, Param],
    raw: FloatArray,
    points: FloatArray,
    reason: StrArray,
    found: tuple[Reason, ...],
    copy: bool = True,
) -> IndicatorScore:
    """The result object; ``copy`` False takes arrays that are read-only already (views of
    read-only arrays), as :func:`scoring.composite.score_rows` hands them over."""
    return IndicatorScore(
        points=frozen_array(points) if copy else points,
        raw=frozen_array(raw) if copy else raw,
        raw_name=setup.raw_name,
        max_points=setup.max_points,
        method=setup.method,
        direction=setup.direction,
        formula=setup.formula,
        parameters=frozen_params(params),
        inputs=frozen_map({"value": values, **inputs})
        if copy
        else MappingProxyType({"value": values, **inputs}),
        reason=frozen_array(reason, dtype=np.str_) if copy else reason,
        growth=growth,
        reasons=found,
    )


def score_category(
    parts: MethodParts[P],
    values: ArrayLike | GrowthRate,
    reference: Any,
    params: P,
    *,
    warn: bool,
) -> IndicatorScore:
    """One category's values scored by a method's steps."""
    v, growth, reported = _values(values)
    ref = None
    if parts.reference is not None:
        ref = broadcast_vector(reference, parts.reference, v.size, allow_nan=True)
    setup = parts.setup(params)
    category = parts.parameters(setup, v, ref)
    inputs = parts.inputs(setup, v, ref)
    raw, pts = parts.kernel({"value": v, **inputs}, params, category)
    reason = point_reason(v, growth, pts, parts.extra_reasons(v, inputs, params, category))
    found = nan_reasons(setup.method, reason, np.isnan(pts) & ~reported)
    # Four levels up: the caller of the public function.
    emit(found, warn=warn, stacklevel=4)
    return indicator_result(
        setup,
        values=v,
        growth=growth,
        inputs=inputs,
        params=category,
        raw=raw,
        points=pts,
        reason=reason,
        found=found,
    )
