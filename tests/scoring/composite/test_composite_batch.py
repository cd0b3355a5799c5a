"""Many rows scored at once give exactly what the one-row functions give, row by row.

The one-row functions (``target_completion`` and the rest, ``aggregate_periods``) are the
reference: every row of random inputs, with missing values, ties, equal values, all-missing
rows and bad targets, must come back bit for bit the same, with the same warnings in the same
order, and the same error for a row the one-row function refuses.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from scoring import (
    IndicatorScore,
    PeriodAggregate,
    aggregate_periods,
    aggregate_rows,
    benchmark_score,
    efficacy_coefficient,
    min_max_score,
    rank_points,
    score_rows,
    target_completion,
    z_score,
)

ONE_ROW: dict[str, Callable[..., IndicatorScore]] = {
    "target_completion": target_completion,
    "efficacy_coefficient": efficacy_coefficient,
    "min_max": min_max_score,
    "z_score": z_score,
    "rank_points": rank_points,
    "benchmark": benchmark_score,
}
REFERENCE = {"target_completion", "benchmark"}

CASES: list[tuple[str, dict[str, Any]]] = [
    ("target_completion", {}),
    ("target_completion", {"full_points": 20.0, "cap": 1.2, "direction": "lower"}),
    ("target_completion", {"nonpositive_target": "binary"}),
    ("efficacy_coefficient", {}),
    ("efficacy_coefficient", {"direction": "lower", "base": 50.0, "span": 50.0}),
    ("efficacy_coefficient", {"zero_range": "full", "full_points": 8.0}),
    ("efficacy_coefficient", {"satisfactory": 120.0}),
    ("min_max", {"min_points": 40.0}),
    ("min_max", {"direction": "lower", "zero_range": "full"}),
    ("min_max", {"low": 0.0, "high": 150.0}),
    ("min_max", {"high": 150.0}),
    ("z_score", {}),
    ("z_score", {"direction": "lower", "ddof": 1, "zero_spread": "center"}),
    ("z_score", {"center": 70.0, "spread": 15.0, "clip_low": 40.0, "clip_high": 90.0}),
    ("rank_points", {}),
    ("rank_points", {"direction": "lower", "min_points": 30.0, "ties": "average"}),
    ("rank_points", {"table": [10.0, 8.0, 6.0, 4.0], "beyond_table": 1.0}),
    ("rank_points", {"table": [10.0, 8.0, 6.0, 4.0], "ties": "average"}),
    ("benchmark", {}),
    ("benchmark", {"direction": "lower"}),
    ("benchmark", {"mode": "linear", "zero_at": -50.0}),
]


def _rows(seed: int, k: int = 9, u: int = 13) -> tuple[np.ndarray, np.ndarray]:
    """Values with every awkward case a category can hold, one kind per row."""
    rng = np.random.default_rng(seed)
    values = rng.uniform(-20.0, 160.0, (k, u))
    values[1] = np.round(values[1] / 40.0) * 40.0  # ties
    values[2, rng.random(u) < 0.3] = np.nan  # some missing
    values[3] = 77.0  # every value equal
    values[4] = np.nan  # every value missing
    values[5, 0] = np.nan
    values[5, 1:] = 5.0  # one missing, the rest equal
    values[6, 1:] = np.nan  # one value only
    reference = rng.uniform(-10.0, 150.0, (k, u))
    reference[7, rng.random(u) < 0.4] = np.nan  # some targets missing
    reference[8, :4] = 0.0  # targets of 0
    return values, reference


def _same(a: Any, b: Any) -> bool:
    """Equal, NaN equal to NaN, floats bit for bit."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[x], b[x]) for x in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or a == b
    return bool(a == b) and type(a) is type(b)


def _arrays_same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and np.array_equal(a, b, equal_nan=a.dtype.kind == "f")


def _assert_scores_same(got: IndicatorScore, want: IndicatorScore) -> None:
    assert _arrays_same(got.points, want.points)
    assert _arrays_same(got.raw, want.raw)
    assert got.reason.tolist() == want.reason.tolist()
    assert dict(got.inputs).keys() == dict(want.inputs).keys()
    for name in want.inputs:
        assert _arrays_same(got.inputs[name], want.inputs[name])
    assert _same(dict(got.parameters), dict(want.parameters))
    for field in ("raw_name", "max_points", "method", "direction", "formula", "growth", "parts"):
        assert getattr(got, field) == getattr(want, field), field
    for unit in range(want.n_units):
        assert _same(got.explain(unit), want.explain(unit))


def _recorded(call: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, list[str]]:
    """The call's result and the warnings it gave, in order."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = call(*args, **kwargs)
    return result, [f"{w.category.__name__}: {w.message}" for w in caught]


def _one_row(method: str, values: np.ndarray, reference: np.ndarray, k: int, opts: Any) -> Any:
    if method in REFERENCE:
        return ONE_ROW[method](values[k], reference[k], **opts)
    return ONE_ROW[method](values[k], **opts)


@pytest.mark.parametrize(("method", "options"), CASES)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_rows_equal_one_row_calls(method: str, options: dict[str, Any], seed: int) -> None:
    values, reference = _rows(seed)
    batch, early = _recorded(
        score_rows, method, values, reference if method in REFERENCE else None, **options
    )
    assert early == []  # warnings come with their row, not before
    for k in range(values.shape[0]):
        try:
            want, want_warnings = _recorded(_one_row, method, values, reference, k, options)
        except ValueError as error:
            with pytest.raises(ValueError, match=None) as raised:
                batch.score(k)
            assert str(raised.value) == str(error)
            continue
        got, got_warnings = _recorded(batch.score, k)
        assert got_warnings == want_warnings, (k, got_warnings, want_warnings)
        _assert_scores_same(got, want)
        assert batch.exact(k)  # computed by the batch, not handed to the one-row function


def test_scalar_reference_equals_one_target_for_all() -> None:
    values, _ = _rows(3)
    batch = score_rows("target_completion", values, 80.0, cap=1.5)
    for k in range(values.shape[0]):
        want, want_warnings = _recorded(target_completion, values[k], 80.0, cap=1.5)
        got, got_warnings = _recorded(batch.score, k)
        assert got_warnings == want_warnings
        _assert_scores_same(got, want)


def test_refused_arguments_raise_the_one_row_error_when_the_row_is_asked_for() -> None:
    values, reference = _rows(4)
    batch = score_rows("min_max", values, min_points=120.0)  # above full points
    with pytest.raises(ValueError, match="min_points 120 must be below full_points 100"):
        batch.score(0)
    assert not batch.exact(0)
    # A given low above some row's largest value: only those rows are refused.
    low = 100.0
    batch = score_rows("min_max", values, low=low)
    for k in range(values.shape[0]):
        row = values[k][~np.isnan(values[k])]
        if row.size and row.max() < low:
            with pytest.raises(ValueError, match="must not exceed high"):
                batch.score(k)
        else:
            got, got_warnings = _recorded(batch.score, k)
            want, want_warnings = _recorded(min_max_score, values[k], low=low)
            assert got_warnings == want_warnings
            _assert_scores_same(got, want)
    # A linear zero point above a benchmark.
    batch = score_rows("benchmark", values, reference, mode="linear", zero_at=0.0)
    with pytest.raises(ValueError, match="must lie below every benchmark"):
        batch.score(0)


def test_infinite_values_go_to_the_one_row_function() -> None:
    values, _ = _rows(5)
    values[2, 3] = np.inf
    batch = score_rows("z_score", values)
    with pytest.raises(ValueError, match="infinite"):
        batch.score(2)
    _assert_scores_same(_recorded(batch.score, 0)[0], _recorded(z_score, values[0])[0])


def test_bad_calls() -> None:
    values, reference = _rows(6)
    with pytest.raises(ValueError, match="unknown method"):
        score_rows("growth", values)
    with pytest.raises(ValueError, match="needs a reference"):
        score_rows("benchmark", values)
    with pytest.raises(ValueError, match="takes no reference"):
        score_rows("z_score", values, reference)
    with pytest.raises(ValueError, match="shape"):
        score_rows("z_score", values[0])
    with pytest.raises(ValueError, match="at least one"):
        aggregate_rows([])


def _one_row_periods(
    method: str,
    periods: list[tuple[np.ndarray, np.ndarray]],
    k: int,
    options: dict[str, Any],
    weights: tuple[float, ...] | None,
    missing: Any,
    labels: tuple[str, ...] | None,
) -> PeriodAggregate:
    scores = [_one_row(method, v, r, k, options) for v, r in periods]
    return aggregate_periods(scores, weights, missing=missing, periods=labels)


def _assert_aggregates_same(got: PeriodAggregate, want: PeriodAggregate) -> None:
    for field in ("total", "scores", "weights", "weights_used", "n_missing"):
        assert _arrays_same(getattr(got, field), getattr(want, field)), field
    assert got.reason.tolist() == want.reason.tolist()
    for field in ("periods", "missing_rule", "formula", "max_points"):
        assert getattr(got, field) == getattr(want, field), field
    assert len(got.details) == len(want.details)
    for g, w in zip(got.details, want.details, strict=True):
        _assert_scores_same(g, w)
    for unit in range(want.total.size):
        assert _same(got.explain(unit), want.explain(unit))


@pytest.mark.parametrize(
    ("weights", "missing", "labels"),
    [
        ((0.1, 0.2, 0.3, 0.4), "renormalise", ("Q1", "H1", "Q1-Q3", "year")),
        ((0.1, 0.2, 0.3, 0.4), "zero", None),
        (None, "renormalise", None),
    ],
)
@pytest.mark.parametrize(("method", "options"), [CASES[0], CASES[7], CASES[11], CASES[15]])
def test_period_rows_equal_aggregate_periods(
    method: str,
    options: dict[str, Any],
    weights: tuple[float, ...] | None,
    missing: Any,
    labels: tuple[str, ...] | None,
) -> None:
    periods = [_rows(10 + p) for p in range(4)]
    # Row 4 is missing in every period: an all-missing total.
    batches = [
        score_rows(method, v, r if method in REFERENCE else None, **options) for v, r in periods
    ]
    rows, early = _recorded(aggregate_rows, batches, weights, missing=missing, labels=labels)
    assert early == []
    for k in range(rows.rows):
        want, want_warnings = _recorded(
            _one_row_periods, method, periods, k, options, weights, missing, labels
        )
        got, got_warnings = _recorded(rows.aggregate, k)
        assert got_warnings == want_warnings, k
        _assert_aggregates_same(got, want)


def test_period_rows_with_a_refused_row_fall_back_row_by_row() -> None:
    periods = [_rows(20 + p) for p in range(4)]
    batches = [score_rows("min_max", v, low=100.0) for v, _ in periods]
    rows = aggregate_rows(batches, (0.1, 0.2, 0.3, 0.4))
    for k in range(rows.rows):
        try:
            scores = [_recorded(min_max_score, v[k], low=100.0)[0] for v, _ in periods]
        except ValueError as error:
            with pytest.raises(ValueError) as raised:
                _recorded(rows.aggregate, k)
            assert str(raised.value) == str(error)
            continue
        want = _recorded(aggregate_periods, scores, (0.1, 0.2, 0.3, 0.4))[0]
        _assert_aggregates_same(_recorded(rows.aggregate, k)[0], want)
