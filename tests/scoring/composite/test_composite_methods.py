"""Indicator scoring methods, checked against figures worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from scoring import (
    Reason,
    ScoringWarning,
    benchmark_score,
    efficacy_coefficient,
    growth_rate,
    min_max_score,
    rank_points,
    recompute,
    scale_speed_quality,
    target_completion,
    z_score,
)

NAN = math.nan


# --------------------------------------------------------------------------- target completion


def test_target_completion_with_cap() -> None:
    # full 20, cap 1.2, target 100:
    # 50/100 = 0.5 -> 10; 100/100 = 1 -> 20; 130/100 = 1.3 -> capped 1.2 -> 24;
    # -5/100 = -0.05 -> floored at 0 -> 0.
    res = target_completion([50, 100, 130, -5], 100, full_points=20, cap=1.2)
    assert_allclose(res.points, [10, 20, 24, 0])
    assert_allclose(res.raw, [0.5, 1.0, 1.2, 0.0])
    assert res.max_points == pytest.approx(24.0)  # 20 * 1.2
    assert res.method == "target_completion"
    assert res.parameters["cap"] == 1.2


def test_target_completion_lower_is_better_and_per_unit_targets() -> None:
    # lower is better, completion = target / value, full 10, cap 1.5:
    # target 4, value 2 -> 2.0 -> cap 1.5 -> 15; target 4, value 4 -> 1 -> 10;
    # target 4, value 0 -> beats any positive target -> cap 1.5 -> 15;
    # target 6, value 8 -> 0.75 -> 7.5.
    res = target_completion([2, 4, 0, 8], [4, 4, 4, 6], full_points=10, cap=1.5, direction="lower")
    assert_allclose(res.points, [15, 10, 15, 7.5])


def test_target_completion_nonpositive_target_rules() -> None:
    # Target 0: the ratio is meaningless. Rule "nan": NaN with a warning; unit 2 (target 10,
    # value 5) gets 5/10 * 10 = 5.
    with pytest.warns(ScoringWarning, match="target_not_positive"):
        res = target_completion([5, 5], [0, 10], full_points=10)
    assert math.isnan(res.points[0])
    assert res.points[1] == pytest.approx(5.0)
    assert res.reason[0] == "target_not_positive"
    assert res.reason[1] == ""
    # Rule "binary": reached (5 >= 0) -> completion 1 -> 10; not reached (-1 < 0) -> 0.
    res = target_completion([5, -1], [0, 0], full_points=10, nonpositive_target="binary")
    assert_allclose(res.points, [10, 0])


def test_missing_value_warns_and_explains() -> None:
    with pytest.warns(ScoringWarning, match="value_missing"):
        res = target_completion([NAN, 50], 100, full_points=10)
    assert math.isnan(res.points[0])
    assert res.reason[0] == "value_missing"
    assert res.points[1] == pytest.approx(5.0)


# --------------------------------------------------------------------------- efficacy coefficient


def test_efficacy_coefficient_bounds_from_category() -> None:
    # unsatisfactory = min 3, satisfactory = max 9; full 10:
    # x=3 -> 60 -> 6; x=5 -> 60 + 40 * 2/6 = 73.333... -> 7.3333...; x=9 -> 100 -> 10.
    res = efficacy_coefficient([3, 5, 9], full_points=10)
    assert_allclose(res.raw, [60, 60 + 40 * 2 / 6, 100])
    assert_allclose(res.points, [6, 7.333333333333333, 10])
    assert res.parameters["unsatisfactory"] == 3.0
    assert res.parameters["satisfactory"] == 9.0


def test_efficacy_coefficient_given_bounds_are_clipped() -> None:
    # satisfactory 8, unsatisfactory 4: x=2 -> below -> 60 -> 6; x=6 -> 60 + 40 * 0.5 = 80 -> 8;
    # x=10 -> above -> 100 -> 10.
    res = efficacy_coefficient([2, 6, 10], full_points=10, satisfactory=8, unsatisfactory=4)
    assert_allclose(res.points, [6, 8, 10])


def test_efficacy_coefficient_lower_is_better() -> None:
    # lower: satisfactory = min 3, unsatisfactory = max 9;
    # x=5 -> 60 + 40 * (5 - 9) / (3 - 9) = 60 + 40 * 2/3 = 86.666... -> 8.6666...
    res = efficacy_coefficient([3, 5, 9], full_points=10, direction="lower")
    assert_allclose(res.points, [10, 8.666666666666666, 6])


def test_efficacy_coefficient_degenerate_and_wrong_bounds() -> None:
    with pytest.warns(ScoringWarning, match="no_range"):
        res = efficacy_coefficient([4, 4, 4], full_points=10)
    assert np.isnan(res.points).all()
    full = efficacy_coefficient([4, 4, 4], full_points=10, zero_range="full")
    assert_allclose(full.points, [10, 10, 10])
    with pytest.raises(ValueError, match="satisfactory 2 must be above unsatisfactory 8"):
        efficacy_coefficient([1, 5], satisfactory=2, unsatisfactory=8)
    with pytest.raises(ValueError, match="must differ"):
        efficacy_coefficient([1, 5], satisfactory=4, unsatisfactory=4)


# --------------------------------------------------------------------------- min-max and z


def test_min_max_both_directions() -> None:
    # range 10..40, full 5, min_points 1: x=20 -> (20 - 10)/30 = 1/3 -> 1 + 4/3 = 2.3333...
    res = min_max_score([10, 20, 40], full_points=5, min_points=1)
    assert_allclose(res.points, [1, 1 + 4 / 3, 5])
    # lower is better: x=20 -> (40 - 20)/30 = 2/3 -> 1 + 8/3 = 3.6666...
    low = min_max_score([10, 20, 40], full_points=5, min_points=1, direction="lower")
    assert_allclose(low.points, [5, 1 + 8 / 3, 1])


def test_min_max_given_range_clips() -> None:
    # range 0..50 given; x=-10 -> 0 -> 0 points; x=25 -> 0.5 -> 5; x=80 -> 1 -> 10.
    res = min_max_score([-10, 25, 80], full_points=10, low=0, high=50)
    assert_allclose(res.points, [0, 5, 10])


def test_z_score_transform() -> None:
    # values 2, 4, 6: mean 4, sample sd (ddof 1) sqrt((4 + 0 + 4) / 2) = 2; z = -1, 0, 1;
    # 80 + 10 z = 70, 80, 90; full 10 -> 7, 8, 9.
    res = z_score([2, 4, 6], full_points=10, ddof=1)
    assert_allclose(res.raw, [70, 80, 90])
    assert_allclose(res.points, [7, 8, 9])
    assert res.parameters["mean"] == 4.0
    assert res.parameters["sd"] == 2.0
    # spread 30: 80 + 30 = 110 -> clipped to 100 -> 10; 80 - 30 = 50 -> 5.
    wide = z_score([2, 4, 6], full_points=10, ddof=1, spread=30)
    assert_allclose(wide.points, [5, 8, 10])
    # lower is better flips z.
    low = z_score([2, 4, 6], full_points=10, ddof=1, direction="lower")
    assert_allclose(low.points, [9, 8, 7])


def test_z_score_population_sd_default() -> None:
    # ddof 0: sd = sqrt(8/3) = 1.6329932; z(6) = 2 / 1.6329932 = 1.2247449;
    # 80 + 12.247449 = 92.247449 -> full 10 -> 9.2247449.
    res = z_score([2, 4, 6], full_points=10)
    assert res.points[2] == pytest.approx(9.2247449, abs=1e-7)


def test_z_score_zero_spread() -> None:
    with pytest.warns(ScoringWarning, match="no_spread"):
        res = z_score([5, 5], full_points=10)
    assert np.isnan(res.points).all()
    centred = z_score([5, 5], full_points=10, zero_spread="center")
    assert_allclose(centred.points, [8, 8])  # z = 0 -> 80 -> 8


# --------------------------------------------------------------------------- rank points


def test_rank_points_linear_with_ties() -> None:
    # values 90, 85, 85, 70 -> competition ranks 1, 2, 2, 4 (n = 4); full 10, min 2:
    # p(r) = 10 - 8 (r - 1) / 3: p(1) = 10, p(2) = 7.3333..., p(4) = 2.
    res = rank_points([90, 85, 85, 70], full_points=10, min_points=2)
    assert_array_equal(res.raw, [1, 2, 2, 4])
    assert_allclose(res.points, [10, 10 - 8 / 3, 10 - 8 / 3, 2])
    # ties "average": positions 2 and 3 -> p(2.5) = 10 - 8 * 1.5 / 3 = 6.
    avg = rank_points([90, 85, 85, 70], full_points=10, min_points=2, ties="average")
    assert_allclose(avg.points, [10, 6, 6, 2])


def test_rank_points_table_and_missing() -> None:
    # table 10, 8, 6, 4 by rank; ranks 1, 2, 2, 4; ties "min" -> 10, 8, 8, 4;
    # "average" -> 10, (8 + 6)/2 = 7, 7, 4. The NaN unit is not ranked (warning).
    with pytest.warns(ScoringWarning, match="value_missing"):
        res = rank_points([90, 85, 85, 70, NAN], full_points=10, table=[10, 8, 6, 4])
    assert_allclose(res.points[:4], [10, 8, 8, 4])
    assert math.isnan(res.points[4])
    with pytest.warns(ScoringWarning):
        avg = rank_points(
            [90, 85, 85, 70, NAN], full_points=10, table=[10, 8, 6, 4], ties="average"
        )
    assert_allclose(avg.points[:4], [10, 7, 7, 4])


def test_rank_points_beyond_table_and_lower() -> None:
    # lower is better: 1 -> rank 1, 3 -> rank 2, 5 -> rank 3; table 5, 3 -> rank 3 beyond -> 1.
    res = rank_points([5, 1, 3], full_points=5, table=[5, 3], beyond_table=1, direction="lower")
    assert_allclose(res.points, [1, 5, 3])
    with pytest.raises(ValueError, match="non-increasing"):
        rank_points([1, 2], table=[3, 5])


# --------------------------------------------------------------------------- benchmark


def test_benchmark_proportional_and_linear() -> None:
    # benchmark 100, full 10: proportional 50 -> 5, 80 -> 8, 100 and 120 -> 10.
    res = benchmark_score([50, 80, 100, 120], 100, full_points=10)
    assert_allclose(res.points, [5, 8, 10, 10])
    # linear from 0 points at 60 to full at 100: 50 -> below 60 -> 0; 80 -> 20/40 -> 5.
    lin = benchmark_score([50, 80, 100, 120], 100, full_points=10, mode="linear", zero_at=60)
    assert_allclose(lin.points, [0, 5, 10, 10])
    # lower is better: 50 and 100 reach 100 -> 10; 200 -> 100/200 -> 5.
    low = benchmark_score([50, 100, 200], 100, full_points=10, direction="lower")
    assert_allclose(low.points, [10, 10, 5])
    with pytest.raises(ValueError, match="zero_at"):
        benchmark_score([1.0], 100, mode="linear")


# --------------------------------------------------------------------------- growth


def test_growth_rate_rules() -> None:
    # (110 - 100)/100 = 0.1; (90 - 100)/100 = -0.1; previous -100 -> NaN under "nan";
    # previous 0 -> NaN always.
    with pytest.warns(ScoringWarning) as record:
        g = growth_rate([110, 90, 50, -5], [100, 100, -100, 0])
    assert [str(w.message) for w in record] == [str(r) for r in g.reasons]
    assert g.reasons == (
        Reason("previous_negative", function="growth_rate", count=1),
        Reason("previous_zero", function="growth_rate", count=1),
    )
    assert_allclose(g.rate[:2], [0.1, -0.1])
    assert np.isnan(g.rate[2:]).all()
    assert g.reason[2] == "previous_negative"
    assert g.reason[3] == "previous_zero"
    # rule "abs": (50 - (-100)) / |-100| = 1.5.
    with pytest.warns(ScoringWarning, match="count=1"):
        g_abs = growth_rate([110, 90, 50, -5], [100, 100, -100, 0], rule="abs")
    assert g_abs.rate[2] == pytest.approx(1.5)


def test_growth_scored_with_a_method_keeps_its_inputs() -> None:
    # rates 0.10, 0.15, 0.20; min-max over the category, full 10 -> 0, 5, 10.
    g = growth_rate([110, 230, 120], [100, 200, 100])
    res = min_max_score(g, full_points=10)
    assert_allclose(res.points, [0, 5, 10], atol=1e-12)
    e = res.explain(1)
    assert e["growth"]["inputs"] == {"current": 230.0, "previous": 200.0}
    assert recompute(e) == pytest.approx(5.0, abs=1e-12)


def test_nan_growth_is_reported_once() -> None:
    with pytest.warns(ScoringWarning) as record:
        g = growth_rate([110, 5], [100, 0])
        res = min_max_score(g, full_points=10, low=0, high=0.2)
    assert len(record) == 1  # the scoring step does not repeat growth_rate's warning
    assert res.points[0] == pytest.approx(5.0)  # 0.1 / 0.2 -> 5
    assert res.reason[1] == "previous_zero"


# --------------------------------------------------------------------------- scale, speed, quality


def test_scale_speed_quality() -> None:
    # scale: rank of level 300, 200, 100 -> linear 10, 5, 0 (full 10, n = 3)
    # speed: growth 0.10, 0.15, 0.20 -> min-max 0, 5, 10
    # quality: ratio 0.8, 0.6, 0.7 vs target 0.8 -> 10, 7.5, 8.75
    # weights 0.4 / 0.4 / 0.2, full 30:
    #   A: 30 * (0.4 * 1 + 0.4 * 0 + 0.2 * 1) = 18
    #   B: 30 * (0.4 * 0.5 + 0.4 * 0.5 + 0.2 * 0.75) = 16.5
    #   C: 30 * (0.4 * 0 + 0.4 * 1 + 0.2 * 0.875) = 17.25
    scale = rank_points([300, 200, 100], full_points=10)
    speed = min_max_score(growth_rate([330, 230, 120], [300, 200, 100]), full_points=10)
    quality = target_completion([0.8, 0.6, 0.7], 0.8, full_points=10)
    res = scale_speed_quality(scale, speed, quality, weights=[0.4, 0.4, 0.2], full_points=30)
    assert_allclose(res.points, [18, 16.5, 17.25])
    assert [p[0] for p in res.parts] == ["scale", "speed", "quality"]
    for i, expected in enumerate([18, 16.5, 17.25]):
        assert recompute(res.explain(i)) == pytest.approx(expected, abs=1e-9)
    with pytest.raises(ValueError, match="sum to 1"):
        scale_speed_quality(scale, speed, quality, weights=[0.4, 0.4, 0.3])


# --------------------------------------------------------------------------- explain and validation


@pytest.mark.parametrize(
    "build",
    [
        lambda v: target_completion(v, 20, full_points=10, cap=1.3),
        lambda v: efficacy_coefficient(v, full_points=10),
        lambda v: min_max_score(v, full_points=10, min_points=2),
        lambda v: z_score(v, full_points=10),
        lambda v: rank_points(v, full_points=10, ties="average"),
        lambda v: rank_points(v, full_points=10, table=[10, 9, 7, 4], ties="average"),
        lambda v: benchmark_score(v, 18, full_points=10, mode="linear", zero_at=5),
    ],
)
def test_recompute_matches_each_method(build: object) -> None:
    values = np.array([12.0, 25.0, 18.0, 12.0, 7.5, 30.0])
    res = build(values)  # type: ignore[operator]
    for i in range(values.size):
        assert recompute(res.explain(i)) == pytest.approx(res.points[i], abs=1e-12)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: target_completion([1.0], 1, full_points=0), "full_points"),
        (lambda: target_completion([1.0], 1, direction="up"), "direction"),  # type: ignore[arg-type]
        (lambda: target_completion([1.0, 2.0], [1, 2, 3]), "targets"),
        (lambda: min_max_score([[1.0]]), "1-D"),
        (lambda: min_max_score([1.0], min_points=5, full_points=5), "min_points"),
        (lambda: z_score([1.0, 2.0], clip_low=50, clip_high=40), "clip_low"),
        (lambda: z_score([1.0, 2.0], ddof=2), "ddof"),
        (lambda: rank_points([1.0], ties="dense"), "ties"),  # type: ignore[arg-type]
        (lambda: growth_rate([1.0], [1.0, 2.0]), "previous"),
        (lambda: min_max_score(["a"]), "numeric"),
        (lambda: min_max_score([np.inf]), "infinite"),
        (lambda: min_max_score([]), "at least one"),
    ],
)
def test_validation(call: object, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call()  # type: ignore[operator]


def test_results_are_read_only() -> None:
    res = min_max_score([1.0, 2.0])
    with pytest.raises(ValueError):
        res.points[0] = 5.0
    with pytest.raises(TypeError):
        res.parameters["low"] = 0.0  # type: ignore[index]
