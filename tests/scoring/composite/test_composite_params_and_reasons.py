"""Typed method parameters, reason codes on results, and the warn=False mode."""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from scoring import (
    COMPOSITE_REASON_CODES,
    BenchmarkParams,
    EfficacyParams,
    MinMaxParams,
    RankPointsParams,
    Reason,
    SchemeBlock,
    SchemeLeaf,
    ScoringWarning,
    TargetCompletionParams,
    ZScoreParams,
    aggregate_periods,
    aggregate_rows,
    assign_grades,
    evaluate_scheme,
    growth_rate,
    min_max_score,
    monthly_to_quarterly,
    rank_units,
    score_indicator,
    score_rows,
    target_completion,
    tier_coefficients,
)

NAN = float("nan")


@pytest.mark.parametrize(
    ("build", "match"),
    [
        (lambda: TargetCompletionParams(cap=0), "cap"),
        (lambda: TargetCompletionParams(cap=-1.2), "cap"),
        (lambda: TargetCompletionParams(full_points=float("inf")), "full_points"),
        (lambda: TargetCompletionParams(nonpositive_target="zero"), "nonpositive_target"),  # type: ignore[arg-type]
        (lambda: EfficacyParams(span=0), "span"),
        (lambda: EfficacyParams(direction="up"), "direction"),  # type: ignore[arg-type]
        (lambda: MinMaxParams(min_points=100), "min_points"),
        (lambda: MinMaxParams(low=5, high=5), "low"),
        (lambda: ZScoreParams(clip_low=50, clip_high=40), "clip_low"),
        (lambda: ZScoreParams(ddof=2), "ddof"),
        (lambda: RankPointsParams(table=(5.0, 10.0)), "non-increasing"),
        (lambda: RankPointsParams(table=(), full_points=10), "empty"),
        (lambda: BenchmarkParams(mode="linear"), "zero_at"),
        (lambda: BenchmarkParams(zero_at=0.0), "zero_at"),
        (lambda: MinMaxParams(low="1"), "low"),  # type: ignore[arg-type]
    ],
)
def test_bad_parameters_are_refused_when_built(build: Callable[[], object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        build()


def test_parameters_are_frozen_and_normalised() -> None:
    p = RankPointsParams(table=[10, 5], full_points=10)  # type: ignore[arg-type]
    assert p.table == (10.0, 5.0) and p.method == "rank_points"
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.full_points = 5.0  # type: ignore[misc]
    assert TargetCompletionParams(cap=1.2) == TargetCompletionParams(cap=1.2)


def test_score_indicator_and_score_rows_take_the_typed_parameters() -> None:
    values = np.array([[80.0, 120.0, NAN], [50.0, 100.0, 150.0]])
    params = TargetCompletionParams(cap=1.2, full_points=10)
    with pytest.warns(ScoringWarning, match="value_missing"):
        one = score_indicator(params, values[0], 100.0)
    with pytest.warns(ScoringWarning, match="value_missing"):
        want = target_completion(values[0], 100.0, cap=1.2, full_points=10)
    assert_array_equal(one.points, want.points)
    assert one.reasons == want.reasons
    rows = score_rows("target_completion", values, 100.0, params=params, warn=False)
    assert_array_equal(rows.score(0).points, want.points)
    assert rows.score(0).reasons == want.reasons
    with pytest.raises(ValueError, match="not parameters"):
        score_rows("min_max", values, params=params)
    with pytest.raises(ValueError, match="needs a reference"):
        score_indicator(params, values[0])


def _quiet(call: Callable[[], Any]) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning fails the test
        return call()


def _loud(call: Callable[[], Any]) -> tuple[Any, list[str]]:
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        result = call()
    assert all(issubclass(w.category, ScoringWarning) for w in record)
    return result, [str(w.message) for w in record]


CALLS: list[tuple[str, Callable[[bool], Any]]] = [
    ("target", lambda w: target_completion([1.0, NAN, 3.0], [2.0, 2.0, 0.0], warn=w)),
    ("growth", lambda w: growth_rate([1.0, 2.0, NAN], [0.0, -1.0, 1.0], warn=w)),
    ("periods", lambda w: aggregate_periods([[NAN, NAN], [1.0, 2.0]], warn=w)),
    ("months", lambda w: monthly_to_quarterly([[1.0, NAN, 3.0]], warn=w)),
    ("tiers", lambda w: tier_coefficients([NAN, 0.1], thresholds=[0.05], tiers=(1.0, 1.1), warn=w)),
    ("ranks", lambda w: rank_units([1.0, NAN], units=["a", "b"], warn=w)),
    ("grades", lambda w: assign_grades([90.0, NAN], warn=w)),
    (
        "scheme",
        lambda w: evaluate_scheme(
            SchemeBlock("root", [SchemeLeaf("a", [NAN, 1.0], max_points=10)]), warn=w
        ),
    ),
]


@pytest.mark.parametrize(("name", "call"), CALLS, ids=[name for name, _ in CALLS])
def test_warn_false_is_silent_and_keeps_the_same_reasons(
    name: str, call: Callable[[bool], Any]
) -> None:
    quiet = _quiet(lambda: call(False))
    loud, messages = _loud(lambda: call(True))
    assert quiet.reasons and quiet.reasons == loud.reasons
    assert messages == [str(r) for r in loud.reasons]
    for reason in quiet.reasons:
        assert reason.code in COMPOSITE_REASON_CODES
        assert set(reason.params) <= {*COMPOSITE_REASON_CODES[reason.code], "indicator"}


def test_reason_arrays_hold_codes() -> None:
    res = _quiet(lambda: target_completion([1.0, NAN, 3.0, 4.0], [2.0, 2.0, 0.0, NAN], warn=False))
    assert res.reason.tolist() == ["", "value_missing", "target_not_positive", "target_missing"]
    assert res.reasons == (
        Reason("value_missing", function="target_completion", count=1),
        Reason("target_not_positive", function="target_completion", count=1),
        Reason("target_missing", function="target_completion", count=1),
    )
    flat = _quiet(lambda: min_max_score([2.0, 2.0], warn=False))
    assert flat.reason.tolist() == ["no_range", "no_range"]
    assert {str(code) for code in flat.reason} <= set(COMPOSITE_REASON_CODES)


def test_evaluate_scheme_collects_the_reasons_of_its_leaves() -> None:
    score = _quiet(lambda: min_max_score([NAN, 1.0, 3.0], full_points=10, warn=False))
    scheme = SchemeBlock(
        "root", [SchemeLeaf("revenue", score), SchemeLeaf("b", [1.0, 2.0, 3.0], max_points=10)]
    )
    res = _quiet(lambda: evaluate_scheme(scheme, units=["u1", "u2", "u3"], warn=False))
    assert res.reason.tolist() == ["value_missing", "", ""]
    assert res.reason_node.tolist() == ["root/revenue", "", ""]
    assert res.reasons == (
        Reason("value_missing", indicator="root/revenue", function="min_max", count=1),
        Reason("no_total", unit="u1", cause="value_missing", node="root/revenue"),
    )


def test_batched_periods_warn_false_matches_one_row() -> None:
    values = np.array([[NAN, 2.0, 3.0]])
    periods = [score_rows("min_max", values, warn=False) for _ in range(2)]
    combined = _quiet(lambda: aggregate_rows(periods).aggregate(0))
    assert combined.reason.tolist() == ["every_period_missing", "", ""]
    assert combined.reasons == (
        Reason("every_period_missing", function="aggregate_periods", count=1),
    )
    assert combined.details[0].reasons == (Reason("value_missing", function="min_max", count=1),)
