"""Bounded bonus and deduction points, tier coefficients and the differentiation rule."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from scoring import (
    LANZHOU_TIERS,
    Adjustments,
    ScoringWarning,
    bound_adjustments,
    differentiation_check,
    recompute,
    tier_coefficients,
)

NAN = math.nan
ITEMS = ["honour", "project", "negative impact"]


def _lanzhou(values: list[list[float]], **kwargs: Any) -> Adjustments:
    return bound_adjustments(
        values,
        item_low=[2, 2, -6],
        item_high=[8, 8, -1],
        items=ITEMS,
        bonus_total_max=8,
        deduction_total_min=-6,
        **kwargs,
    )


def test_bonus_and_deduction_bounds() -> None:
    # Lanzhou: bonus items 2..8 each, bonus total capped at 8; deduction -6..-1.
    #  A: honour 3 -> 3; net 3
    #  B: honour 10 -> 8 (item_high), project 5 -> 5; bonus 13 -> capped 8; net 8
    #  C: honour 1 -> 2 (item_low); deduction -0.5 -> -1 (item_high: -0.5 > -1); net 2 - 1 = 1
    #  D: deduction -9 -> -6 (item_low); net -6
    res = _lanzhou([[3, 0, 0], [10, 5, 0], [1, 0, -0.5], [0, 0, -9]])
    assert_allclose(res.applied, [[3, 0, 0], [8, 5, 0], [2, 0, -1], [0, 0, -6]])
    assert res.item_clip[1, 0] == "item_high"
    assert res.item_clip[2, 0] == "item_low"
    assert res.item_clip[2, 2] == "item_high"
    assert res.item_clip[3, 2] == "item_low"
    assert res.item_clip[0, 1] == ""  # 0 = no item, never raised to 2
    assert_allclose(res.bonus_raw, [3, 13, 2, 0])
    assert_allclose(res.bonus, [3, 8, 2, 0])
    assert_array_equal(res.bonus_clipped, [False, True, False, False])
    assert_allclose(res.net, [3, 8, 1, -6])
    # Reachable range: bonuses 8 + 8 = 16 capped to 8; deductions -6 -> (-6, 8).
    assert res.bounds == (-6.0, 8.0)


def test_total_bounds_clip_last() -> None:
    # total bounds (-5, 6): B's 8 -> 6 (total_high), D's -6 -> -5 (total_low).
    res = _lanzhou([[3, 0, 0], [10, 5, 0], [0, 0, -9]], total_bounds=(-5, 6))
    assert_allclose(res.net, [3, 6, -5])
    assert list(res.net_clip) == ["", "total_high", "total_low"]
    assert res.bounds == (-5.0, 6.0)


def test_adjustment_explanation_recomputes() -> None:
    res = _lanzhou([[10, 5, -2]])
    e = res.explain(0)
    assert e["items"][0] == {
        "item": "honour",
        "value": 10.0,
        "low": 2.0,
        "high": 8.0,
        "applied": 8.0,
        "clip": "item_high",
    }
    assert recompute(e) == pytest.approx(6.0)  # bonus min(8 + 5, 8) = 8, deduction -2


def test_adjustment_validation() -> None:
    with pytest.raises(ValueError, match="wrong sign"):
        _lanzhou([[-3, 0, 0]])
    with pytest.raises(ValueError, match="item_low must not exceed"):
        bound_adjustments([[1.0]], item_low=5, item_high=2)
    with pytest.raises(ValueError, match="NaN"):
        bound_adjustments([[NAN]], item_low=2, item_high=8)
    with pytest.raises(ValueError, match="deduction_total_min"):
        bound_adjustments([[1.0]], item_low=0, item_high=2, deduction_total_min=1)


# --------------------------------------------------------------------------- coefficients


def test_tiers_by_value() -> None:
    # cut points 0.05, 0.10, 0.15, 0.20, 0.25 on the value; a value at a cut point goes up:
    # 0.02 -> tier 0 -> 1.00; 0.05 -> tier 1 -> 1.03; 0.12 -> tier 2 -> 1.06; 0.30 -> tier 5
    # -> 1.18; NaN -> NaN with a warning.
    with pytest.warns(ScoringWarning, match="value_missing"):
        res = tier_coefficients(
            [0.02, 0.05, 0.12, 0.30, NAN], thresholds=[0.05, 0.10, 0.15, 0.20, 0.25]
        )
    assert_allclose(res.coefficient[:4], [1.00, 1.03, 1.06, 1.18])
    assert math.isnan(res.coefficient[4])
    assert_array_equal(res.tier, [0, 1, 2, 5, -1])
    assert res.bounds == (1.0, 1.18)
    assert LANZHOU_TIERS == (1.00, 1.03, 1.06, 1.10, 1.14, 1.18)


def test_tiers_by_share_of_total() -> None:
    # GDP increments 10, 30, 60 of a total 100 -> shares 0.1, 0.3, 0.6;
    # cut points 0.05, 0.15, 0.25, 0.35, 0.5: 0.1 -> tier 1 (1.03), 0.3 -> tier 3 (1.10),
    # 0.6 -> tier 5 (1.18). Contribution = tier - 1.00.
    res = tier_coefficients([10, 30, 60], thresholds=[0.05, 0.15, 0.25, 0.35, 0.5], rule="share")
    assert_allclose(res.measure, [0.1, 0.3, 0.6])
    assert_allclose(res.coefficient, [1.03, 1.10, 1.18])
    assert_allclose(res.contribution, [0.03, 0.10, 0.18])
    with pytest.warns(ScoringWarning, match="category_total_not_positive"):
        bad = tier_coefficients([-1, 0], thresholds=[1, 2, 3, 4, 5], rule="share")
    assert np.isnan(bad.coefficient).all()


def test_tiers_by_rank() -> None:
    # values 5, 9, 9, 1, 7, 3, 2 -> competition ranks 4, 1, 1, 7, 3, 5, 6; rank cuts
    # 1, 2, 3, 4, 5: tier = 5 - #(cuts < rank): rank 1 -> 5 (1.18), rank 3 -> 3 (1.10),
    # rank 4 -> 2 (1.06), rank 5 -> 1 (1.03), ranks 6 and 7 -> 0 (1.00).
    res = tier_coefficients([5, 9, 9, 1, 7, 3, 2], thresholds=[1, 2, 3, 4, 5], rule="rank")
    assert_array_equal(res.measure, [4, 1, 1, 7, 3, 5, 6])
    assert_allclose(res.coefficient, [1.06, 1.18, 1.18, 1.00, 1.10, 1.03, 1.00])
    with pytest.raises(ValueError, match="whole numbers"):
        tier_coefficients([1, 2], thresholds=[1, 2, 3, 4, 4.5], rule="rank")


def test_tiers_lower_is_better_and_base() -> None:
    # lower is better, cut points 1..5: 0.5 -> no cut below -> tier 5 (1.18);
    # 2 -> at a cut point counts as the better side: 1 cut below (1) -> tier 4 (1.14);
    # 6 -> 5 cuts below -> tier 0 (1.00). Base 1.02 for unit 1: 1.02 + 0.14 = 1.16.
    res = tier_coefficients(
        [0.5, 2, 6], thresholds=[1, 2, 3, 4, 5], direction="lower", base=[1.0, 1.02, 1.0]
    )
    assert_allclose(res.coefficient, [1.18, 1.16, 1.00])
    assert res.bounds == pytest.approx((1.0, 1.2))  # min base; max base 1.02 + 0.18
    for i in range(3):
        assert recompute(res.explain(i)) == pytest.approx(res.coefficient[i], abs=1e-12)


def test_tier_validation() -> None:
    with pytest.raises(ValueError, match="5 strictly increasing"):
        tier_coefficients([1.0], thresholds=[1, 2])
    with pytest.raises(ValueError, match="tiers"):
        tier_coefficients([1.0], thresholds=[1], tiers=[1.1, 1.0])
    with pytest.raises(ValueError, match="positive"):
        tier_coefficients([1.0], thresholds=[1, 2, 3, 4, 5], base=0)


# --------------------------------------------------------------------------- differentiation


def test_differentiation_passes() -> None:
    # 12 units: at most floor(0.3 * 12) = floor(3.6) = 3 may score >= 90 (95, 92, 91: 3);
    # at least ceil(0.2 * 12) = ceil(2.4) = 3 must score < 80 (79, 78, 75: 3); no 100.
    scores = [95, 92, 91, 88, 85, 84, 83, 82, 81, 79, 78, 75]
    res = differentiation_check(scores)
    assert (res.max_high, res.n_high, res.min_low, res.n_low) == (3, 3, 3, 3)
    assert res.passed
    assert res.penalty == 0.0
    assert res.violations == ()


def test_differentiation_violations_and_penalty() -> None:
    # >= 90: 100, 95, 92, 91 -> 4 > 3; < 80: only 79 (80 is not below 80) -> 1 < 3;
    # full marks to unit "a". Three violations, penalty 0.2 for this category.
    scores = [100, 95, 92, 91, 88, 85, 84, 83, 82, 81, 80, 79]
    res = differentiation_check(scores, units=list("abcdefghijkl"))
    assert res.n_high == 4 and res.n_low == 1
    assert res.full_mark_units == ("a",)
    assert len(res.violations) == 3
    assert not res.passed
    assert res.penalty == pytest.approx(0.2)
    assert res.low_units == ("l",)


def test_differentiation_small_category_and_thresholds() -> None:
    # 3 units: floor(0.9) = 0 may score >= 90; ceil(0.6) = 1 must score < 80.
    res = differentiation_check([89, 85, 79])
    assert (res.max_high, res.min_low) == (0, 1)
    assert res.passed
    # configurable: >= 95 for at most 50 %, < 70 for at least 10 %, full marks allowed.
    res = differentiation_check(
        [100, 96, 80, 69],
        high=95,
        max_high_share=0.5,
        low=70,
        min_low_share=0.1,
        forbid_full_marks=False,
        penalty_points=0.5,
    )
    assert (res.max_high, res.min_low) == (2, 1)  # floor(2.0), ceil(0.4)
    assert res.passed and res.penalty == 0.0


def test_differentiation_rounding_uses_the_share_as_written() -> None:
    # In binary floating point 0.7 * 90 = 62.99999999999999 and 0.28 * 25 = 7.000000000000001;
    # the limits must be floor(63) = 63 and ceil(7) = 7.
    res = differentiation_check(np.linspace(50, 99, 90), max_high_share=0.7)
    assert res.max_high == 63
    res = differentiation_check(np.linspace(50, 99, 25), min_low_share=0.28)
    assert res.min_low == 7


def test_differentiation_validation() -> None:
    with pytest.raises(ValueError, match="NaN"):
        differentiation_check([90, NAN])
    with pytest.raises(ValueError, match="at least one"):
        differentiation_check([])
    with pytest.raises(ValueError, match="low 95 must not exceed high 90"):
        differentiation_check([90], low=95)
