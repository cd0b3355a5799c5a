"""Many rows of values scored at once: the indicators of a category that share a method.

A city's categories each score dozens of hard indicators in several periods by the same few
methods. Scored one call at a time, the checks, reasons and warnings cost far more than the
arithmetic. :func:`score_rows` checks a method's arguments once, runs the pointwise kernel on
every row together where the method allows (on each row otherwise: the category-level
quantities differ by row), and builds each row's :class:`IndicatorScore` only when it is
asked for, with the same warning the one-row function gives, at that moment. The results are
those of the one-row functions, bit for bit: the same steps (:class:`MethodParts`) compute
them, and a row whose arguments the one-row function would refuse is handed to it, so that it
raises the same error when its turn comes.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from scoring._common import FloatArray, StrArray
from scoring._reasons import Reason, emit
from scoring.composite._base import Param, nan_reasons, warn_nan
from scoring.composite._indicator import (
    IndicatorScore,
    MethodParts,
    MethodSetup,
    indicator_result,
    point_reason,
)
from scoring.composite._method_range import efficacy_coefficient, min_max_score, z_score
from scoring.composite._method_rank import rank_points
from scoring.composite._method_recompute import METHOD_PARTS
from scoring.composite._method_reference import benchmark_score, target_completion
from scoring.composite._params import MethodParams, params_dict
from scoring.composite._periods import (
    PeriodAggregate,
    PeriodMissing,
    _k_periods,
    _period_reason,
    aggregate_periods,
    period_result,
    period_setup,
)

# Method name (as IndicatorScore.method gives it) -> its one-row function.
SINGLE: dict[str, Callable[..., IndicatorScore]] = {
    "target_completion": target_completion,
    "efficacy_coefficient": efficacy_coefficient,
    "min_max": min_max_score,
    "z_score": z_score,
    "rank_points": rank_points,
    "benchmark": benchmark_score,
}
_SIGNATURES = {name: inspect.signature(single) for name, single in SINGLE.items()}


class RowScores:
    """Scores of the rows of a ``(K, U)`` array of values; ``score(k)`` gives row ``k``."""

    def __init__(
        self,
        method: str,
        values: FloatArray,
        reference: FloatArray | None,
        options: dict[str, Any],
        params: MethodParams | None = None,
        *,
        warn: bool = True,
    ) -> None:
        self.method = method
        self.rows = values.shape[0]
        self.warn = warn
        self._values = values
        self._reference = reference
        self._options = options
        self._checked = params
        self._parts: MethodParts[Any] = METHOD_PARTS[method]
        self._single = SINGLE[method]
        self._setup: MethodSetup[Any] | None = None
        self._params: list[dict[str, Param] | None] = [None] * self.rows
        self._inputs: dict[str, FloatArray] = {}
        self.points = np.full(values.shape, np.nan)
        self._raw = np.full(values.shape, np.nan)
        self._no_reason: StrArray = np.full(0, "", dtype=np.str_)

    def _compute(self) -> None:
        parts, v, ref, checked = self._parts, self._values, self._reference, self._checked
        if checked is None:
            return  # every row goes to the one-row function, which raises the error
        setup = parts.setup(checked)
        for k in range(self.rows):
            try:
                self._params[k] = parts.parameters(setup, v[k], None if ref is None else ref[k])
            except ValueError:
                self._params[k] = None
        self._setup = setup
        self._inputs = parts.inputs(setup, v, ref)
        good = [k for k in range(self.rows) if self._params[k] is not None]
        rows = [p for p in self._params if p is not None]
        if rows and parts.whole(checked):
            # One kernel call: shared quantities as numbers, the others as columns.
            columns = {key: np.array([p[key] for p in rows])[:, None] for key in parts.row_keys}
            inputs = {name: array[good] for name, array in self._inputs.items()}
            raw, pts = parts.kernel({"value": v[good], **inputs}, checked, columns)
            self._raw[good], self.points[good] = raw, pts
        else:
            for k, category in zip(good, rows, strict=True):
                raw, pts = parts.kernel({"value": v[k], **self._row_inputs(k)}, checked, category)
                self._raw[k], self.points[k] = raw, pts
        # Read-only from here: each row's result takes views instead of copies.
        for array in (v, self.points, self._raw, *self._inputs.values()):
            array.setflags(write=False)
        self._no_reason = np.full(v.shape[1], "", dtype=np.str_)
        self._no_reason.setflags(write=False)

    def _row_inputs(self, k: int) -> dict[str, FloatArray]:
        return {name: array[k] for name, array in self._inputs.items()}

    def exact(self, k: int) -> bool:
        """Whether row ``k`` was computed here (else ``score(k)`` calls the one-row function)."""
        return self._setup is not None and self._params[k] is not None

    def score(self, k: int) -> IndicatorScore:
        """Row ``k``'s result, as the one-row function gives it (warning included unless
        :func:`score_rows` was called with ``warn=False``)."""
        setup, category = self._setup, self._params[k]
        v = self._values[k]
        if setup is None or category is None:
            if self._reference is None:
                return self._single(v, **self._options, warn=self.warn)
            return self._single(v, self._reference[k], **self._options, warn=self.warn)
        inputs = self._row_inputs(k)
        points = self.points[k]
        nan = np.isnan(points)
        reason: StrArray = self._no_reason
        found: tuple[Reason, ...] = ()
        if nan.any():
            rules = self._parts.extra_reasons(v, inputs, setup.params, category)
            reason = point_reason(v, None, points, rules)
            reason.setflags(write=False)
            found = nan_reasons(setup.method, reason, nan)
            emit(found, warn=self.warn)
        return indicator_result(
            setup,
            values=v,
            growth=None,
            inputs=inputs,
            params=category,
            raw=self._raw[k],
            points=points,
            reason=reason,
            found=found,
            copy=False,
        )


_POSITIONAL = {"values", "targets", "benchmark"}


def _rows(values: ArrayLike, name: str, shape: tuple[int, ...] | None = None) -> FloatArray:
    """A copy as a 2-D float array (it is made read-only later: the caller's stays as it is)."""
    arr = np.array(values, dtype=np.float64)
    if shape is not None and arr.ndim == 0:
        return np.full(shape, float(arr))
    if arr.ndim != 2 or (shape is not None and arr.shape != shape):
        raise ValueError(f"{name} must have shape (rows, units), got {arr.shape}")
    return arr


def _checked(
    method: str, params: MethodParams | None, options: dict[str, Any]
) -> tuple[MethodParams | None, dict[str, Any]]:
    """The method's checked parameters (None when the one-row function would refuse them:
    it raises the error when a row is asked for) and the same as keyword options."""
    if params is not None:
        if options:
            raise TypeError("score_rows takes params or keyword options, not both")
        if params.method != method:
            raise ValueError(f"{type(params).__name__} are not parameters of {method!r}")
        return params, params_dict(params)
    # The one-row function's defaults for what is not given (and its TypeError for a typo).
    bound = _SIGNATURES[method].bind_partial(**options)
    bound.apply_defaults()
    options = {
        k: a
        for k, a in bound.arguments.items()
        if (k in options or k not in _POSITIONAL) and k != "warn"
    }
    try:
        return METHOD_PARTS[method].params_type(**options), options
    except ValueError:
        return None, options


def score_rows(
    method: str,
    values: ArrayLike,
    reference: ArrayLike | None = None,
    *,
    params: MethodParams | None = None,
    warn: bool = True,
    **options: Any,
) -> RowScores:
    """Score each row of ``values`` as the one-row method would score it alone.

    Parameters
    ----------
    method : str
        ``"target_completion"``, ``"efficacy_coefficient"``, ``"min_max"``, ``"z_score"``,
        ``"rank_points"`` or ``"benchmark"``.
    values : array_like, shape (K, U)
        K rows of values over the same U units (NaN = missing); each row is scored on its
        own, its category-level quantities (bounds, mean, ranks) from that row alone.
    reference : float or array_like, shape (K, U), optional
        Targets (target completion) or benchmarks (benchmark), per row and unit, or one
        value for all.
    params : MethodParams, optional
        The method's checked parameters (e.g. :class:`TargetCompletionParams`), as a scheme
        builds them when it is read; or else:
    **options
        The keyword arguments of the one-row function, e.g. ``full_points``, ``cap``.
    warn : bool
        Raise each row's :class:`ScoringWarning` when ``score(k)`` is called (default);
        False leaves the reasons on the row's result only.

    Returns
    -------
    RowScores
        ``score(k)`` is row ``k``'s :class:`IndicatorScore`, equal to what
        ``target_completion(values[k], reference[k], **options)`` (and so on) returns; its
        :class:`ScoringWarning`, if any, is issued when ``score(k)`` is called.
    """
    if method not in METHOD_PARTS:
        raise ValueError(f"unknown method {method!r}; expected one of {sorted(METHOD_PARTS)}")
    v = _rows(values, "values")
    ref = None
    if METHOD_PARTS[method].reference is not None:
        if reference is None:
            raise ValueError(f"method {method!r} needs a reference (targets or benchmarks)")
        ref = _rows(reference, "reference", v.shape)
    elif reference is not None:
        raise ValueError(f"method {method!r} takes no reference")
    params, options = _checked(method, params, options)
    out = RowScores(method, v, ref, options, params, warn=warn)
    # Infinite values and empty rows are refused by the one-row function: leave them to it.
    finite = not np.isinf(v).any() and (ref is None or not np.isinf(ref).any())
    if finite and v.shape[1] > 0:
        out._compute()
    return out


class RowAggregates:
    """The period results of K rows combined; ``aggregate(k)`` gives row ``k``'s."""

    def __init__(
        self,
        periods: Sequence[RowScores],
        weights: ArrayLike | None,
        missing: PeriodMissing,
        labels: Sequence[str] | None,
    ) -> None:
        self._periods = list(periods)
        self._weights = weights
        self._missing: PeriodMissing = missing
        self._labels = labels
        first = self._periods[0]
        self.rows = first.rows
        # The periods' rows warn or not as score_rows was told; their combination follows.
        self._warn = first.warn
        self._exact = [all(p.exact(k) for p in self._periods) for k in range(self.rows)]
        self._setup = None
        if any(self._exact):
            try:
                self._setup = period_setup(len(self._periods), weights, missing, labels)
            except ValueError:
                self._setup = None
        if self._setup is not None:
            self._scores = np.stack([p.points for p in self._periods], axis=-1)
            self._total, self._used = _k_periods(
                self._scores, self._setup.weights, self._setup.missing_rule
            )
            self._n_missing = np.isnan(self._scores).sum(axis=-1).astype(np.intp)
            self._no_reason = np.full(self._scores.shape[1], "", dtype=np.str_)
            # Read-only from here: each row's result takes views instead of copies.
            for array in (self._scores, self._total, self._used, self._n_missing, self._no_reason):
                array.setflags(write=False)

    def aggregate(self, k: int) -> PeriodAggregate:
        """Row ``k``: its period scores (with their warnings), then their combination."""
        details = tuple(p.score(k) for p in self._periods)
        setup = self._setup
        if setup is None or not self._exact[k]:
            return aggregate_periods(
                list(details),
                self._weights,
                missing=self._missing,
                periods=self._labels,
                warn=self._warn,
            )
        total = self._total[k]
        reason = self._no_reason
        found: tuple[Reason, ...] = ()
        if np.isnan(total).any():
            reason = _period_reason(self._n_missing[k], total, len(details))
            reason.setflags(write=False)
            found = warn_nan("aggregate_periods", reason, np.isnan(total), warn=self._warn)
        return period_result(
            setup,
            total,
            self._scores[k],
            self._used[k],
            self._n_missing[k],
            reason,
            details[0].max_points,
            details,
            copy=False,
            found=found,
        )


def aggregate_rows(
    periods: Sequence[RowScores],
    weights: ArrayLike | None = None,
    *,
    missing: PeriodMissing = "renormalise",
    labels: Sequence[str] | None = None,
) -> RowAggregates:
    """Combine the period scores of each row as :func:`aggregate_periods` would.

    ``periods`` holds one :class:`RowScores` per period, all over the same rows and units
    and from the same method and options (so that the periods share their points scale).
    ``aggregate(k)`` equals ``aggregate_periods([p.score(k) for p in periods], weights,
    missing=missing, periods=labels)``, warnings included.
    """
    if not periods:
        raise ValueError("periods must hold at least one period's scores")
    shapes = {p.points.shape for p in periods}
    methods = {(p.method, repr(sorted(p._options.items()))) for p in periods}
    if len(shapes) != 1 or len(methods) != 1:
        raise ValueError("the periods' scores must share rows, units, method and options")
    return RowAggregates(periods, weights, missing, labels)
