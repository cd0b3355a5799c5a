"""Numeric answer scales scored by a linear map to 0-100, by hand and against numpy."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from scoring import (
    DEFAULT_POLICY,
    NumericScale,
    SatisfactionPolicy,
    cell_statistics,
    with_numeric_levels,
)


def test_zero_to_ten_hand_worked() -> None:
    scale = NumericScale(low=0, high=10, satisfied_from=6)
    policy = with_numeric_levels(DEFAULT_POLICY, scale, ["7", "10", "satisfied", "3", "dont_know"])
    # The listed levels stay first and keep their scores; numbers follow, highest first.
    assert policy.levels[:4] == DEFAULT_POLICY.levels[:4]
    assert policy.levels[4:] == ("10", "7", "3", "dont_know")
    assert dict(policy.level_scores)["7"] == 70.0
    assert {"10", "7"} <= policy.satisfied_levels and "3" not in policy.satisfied_levels
    # Two answers of 10, one of 7, one of 3: mean (200 + 70 + 30) / 4 = 75; 3 of 4 satisfied.
    counts = np.zeros(len(policy.levels))
    counts[policy.levels.index("10")] = 2
    counts[policy.levels.index("7")] = 1
    counts[policy.levels.index("3")] = 1
    stats = cell_statistics(counts, policy)
    assert stats.mean == pytest.approx(75.0)
    assert stats.rate == pytest.approx(0.75)


def test_one_to_hundred_with_more_than_thirty_values_matches_numpy() -> None:
    rng = np.random.default_rng(11)
    answers = rng.integers(1, 101, size=500)
    scale = NumericScale(low=1, high=100, satisfied_from=60.4)
    codes = [str(v) for v in answers]
    policy = with_numeric_levels(DEFAULT_POLICY, scale, codes)
    assert len(set(codes)) > 30
    counts = np.zeros(len(policy.levels))
    for code in codes:
        counts[policy.levels.index(code)] += 1
    stats = cell_statistics(counts, policy)
    points = 100 * (answers - 1) / 99
    assert_allclose(stats.mean, points.mean(), rtol=1e-12)
    assert_allclose(stats.sd, points.std(ddof=1), rtol=1e-12)
    assert_allclose(stats.rate, np.mean(answers >= 60.4), rtol=1e-12)


def test_numbers_off_the_scale_and_listed_levels_are_left_alone() -> None:
    scale = NumericScale(low=1, high=5, satisfied_from=4)
    listed = SatisfactionPolicy(
        level_scores={"5": 100.0, "1": 0.0}, satisfied_levels=frozenset({"5"})
    )
    policy = with_numeric_levels(listed, scale, ["5", "3", "7", "x", "nan"])
    assert dict(policy.level_scores) == {"5": 100.0, "1": 0.0, "3": 50.0}
    assert with_numeric_levels(listed, scale, ["9"]) is listed


@pytest.mark.parametrize(
    ("low", "high", "satisfied_from"), [(10, 0, 5), (0, 10, 11), (0, float("inf"), 1)]
)
def test_a_scale_must_run_upwards_and_hold_its_threshold(
    low: float, high: float, satisfied_from: float
) -> None:
    with pytest.raises(ValueError):
        NumericScale(low=low, high=high, satisfied_from=satisfied_from)
