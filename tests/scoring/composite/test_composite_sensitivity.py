"""Monte Carlo robustness of ranks and grades."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from scoring import (
    CompositeSensitivity,
    GradeRule,
    SchemeBlock,
    SchemeLeaf,
    SchemeResult,
    ScoringWarning,
    composite_sensitivity,
    evaluate_scheme,
)

THRESHOLDS_ONLY = GradeRule(max_shares=None)


def _satisfaction_category(scores: list[float], se: list[float]) -> SchemeResult:
    leaf = SchemeLeaf("满意度", scores, max_points=100, weight=1.0, se=se)
    return evaluate_scheme(SchemeBlock("root", [leaf]), units=[f"u{i}" for i in range(len(scores))])


def _two_leaf_category() -> SchemeResult:
    # A is strong on the first indicator, B on the second; C is weak on both.
    first = SchemeLeaf("x", [9.0, 6.0, 3.0], max_points=10, weight=0.5)
    second = SchemeLeaf("y", [6.0, 9.0, 3.0], max_points=10, weight=0.5)
    return evaluate_scheme(SchemeBlock("root", [first, second]), units=["A", "B", "C"])


def test_without_perturbation_everything_is_certain() -> None:
    res = composite_sensitivity(
        _satisfaction_category([95, 85, 70, 50], [2, 2, 2, 2]),
        weight_band=0.0,
        sampling_error=False,
        n_draws=50,
        seed=1,
        grade_rule=THRESHOLDS_ONLY,
    )
    assert_array_equal(res.median_rank, [1, 2, 3, 4])
    assert_array_equal(res.rank_low, res.rank_high)
    assert_array_equal(res.p_point_grade, [1, 1, 1, 1])
    assert res.robust.all()
    assert list(res.point_grade) == ["优秀", "良好", "合格", "不合格"]


def test_grade_near_a_threshold_is_not_robust() -> None:
    # u1 sits 0.1 below the 90 threshold with se 2: P(>= 90) = P(Z > 0.05) = 0.48, so its
    # point grade 良好 comes out in about 52 % of draws (< 0.8): not robust. u0 at 95 keeps
    # 优秀 with P(Z > -2.5) = 0.994; u3 at 30 stays 不合格 for sure.
    res = composite_sensitivity(
        _satisfaction_category([95, 89.9, 70, 30], [2, 2, 2, 2]),
        weight_band=0.0,
        n_draws=4000,
        seed=7,
        grade_rule=THRESHOLDS_ONLY,
    )
    assert res.p_point_grade[1] == pytest.approx(0.52, abs=0.03)
    assert list(res.robust) == [True, False, True, True]
    assert res.p_point_grade[0] == pytest.approx(0.994, abs=0.01)
    assert_allclose(res.grade_probabilities.sum(axis=1), 1.0)


def test_weight_band_moves_close_units() -> None:
    # totals A = B = 75 (0.5 * 90 + 0.5 * 60), C = 30. With the weights perturbed A and B swap;
    # C stays last.
    res = composite_sensitivity(_two_leaf_category(), weight_band=0.3, n_draws=2000, seed=3)
    assert_array_equal(res.point_rank, [1, 1, 3])
    assert res.rank_low[0] == 1 and res.rank_high[0] == 2
    assert res.rank_low[2] == res.rank_high[2] == 3
    assert "renormalised" in res.method


def test_seeded_runs_are_reproducible() -> None:
    cat = _two_leaf_category()
    a = composite_sensitivity(cat, n_draws=300, seed=42)
    b = composite_sensitivity(cat, n_draws=300, seed=np.random.default_rng(42))
    assert_array_equal(a.grade_probabilities, b.grade_probabilities)
    assert_array_equal(a.median_rank, b.median_rank)


def test_categories_are_ranked_separately_and_missing_units_skipped() -> None:
    with pytest.warns(ScoringWarning, match="no_total"):
        broken = _satisfaction_category([80, math.nan, 60], [1, 0, 1])
    res = composite_sensitivity(
        [_two_leaf_category(), broken], categories=["区市", "部门"], n_draws=200, seed=0
    )
    assert isinstance(res, CompositeSensitivity)
    assert res.category == ("区市",) * 3 + ("部门",) * 3
    assert res.units == ("A", "B", "C", "u0", "u1", "u2")
    assert_array_equal(res.point_rank[3:], [1, math.nan, 2])
    assert np.isnan(res.grade_probabilities[4]).all()
    assert not res.robust[4]
    assert np.nanmax(res.rank_high[3:]) <= 2


def test_validation() -> None:
    cat = _two_leaf_category()
    with pytest.raises(ValueError, match="weight_band"):
        composite_sensitivity(cat, weight_band=1.0)
    with pytest.raises(ValueError, match="n_draws"):
        composite_sensitivity(cat, n_draws=0)
    with pytest.raises(ValueError, match="SchemeResult"):
        composite_sensitivity([])
    with pytest.raises(ValueError, match="robust_level"):
        composite_sensitivity(cat, robust_level=0.0)
