"""A worked example built from the seeds, every figure computed by hand.

One category of 14 districts (区市). Each is scored on

* 发展 (80 points): one hard indicator assessed quarterly, Qingdao 2020 style: the Q1, H1,
  Q1-Q3 and full-year results count 10 / 20 / 30 / 40 % (a unit that has no Q1 result gets
  the rest renormalised); the block is then multiplied by Lanzhou's coefficient tier
  (1.00 ... 1.18) chosen by the unit's share of the category's GDP growth;
* 评议 (20 points): the qualitative score (0-100) a lead department gave, rescaled to 20;
* 加减分: Lanzhou's bonus 2-8 per item (honours, major projects), bonus total capped at 8,
  and deduction 1-6 for serious negative impact.

The lead department's scores are checked against Taixing's differentiation rule, and the
ranking against last year's gives Qingdao's interview list (bottom 3 and every unit that fell
10 places or more). With 12 units any fall of 10 places ends in the bottom 3, so 14 units are
used to show the fall rule on its own.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from scoring import (
    LANZHOU_TIERS,
    QINGDAO_CUMULATIVE_WEIGHTS,
    GradeRule,
    SchemeAdjustment,
    SchemeBlock,
    SchemeLeaf,
    aggregate_periods,
    assign_grades,
    bound_adjustments,
    differentiation_check,
    evaluate_scheme,
    interview_list,
    progress_awards,
    rank_changes,
    rank_units,
    recompute,
    tier_coefficients,
)

NAN = math.nan
UNITS = [f"U{i:02d}" for i in range(1, 15)]

# Quarterly (cumulative) results of the hard indicator, points out of 80: Q1, H1, Q1-Q3, year.
QUARTERS: list[list[float]] = [
    [60, 70, 80, 80],  # U01: 6 + 14 + 24 + 32 = 76
    [80, 75, 70, 65],  # U02: 8 + 15 + 21 + 26 = 70
    [70, 70, 70, 70],  # U03: 70
    [72, 72, 72, 72],  # U04: 72
    [66, 66, 66, 66],  # U05: 66
    [68, 68, 68, 68],  # U06: 68
    [65, 65, 65, 65],  # U07: 65
    [64, 64, 64, 64],  # U08: 64
    [63, 63, 63, 63],  # U09: 63
    [62, 62, 62, 62],  # U10: 62
    [60, 60, 60, 60],  # U11: 60
    [58, 58, 58, 58],  # U12: 58
    [55, 55, 55, 55],  # U13: 55
    [NAN, 50, 50, 50],  # U14: no Q1 -> (0.2*50 + 0.3*50 + 0.4*50) / 0.9 = 45 / 0.9 = 50
]
HARD = [76, 70, 70, 72, 66, 68, 65, 64, 63, 62, 60, 58, 55, 50]

# GDP increments (亿元); they add up to 100, so the share of growth is increment / 100.
# 20+13+9+6+5+4+3+2+1+1+15+1+0+20 = 100.
INCREMENTS = [20, 13, 9, 6, 5, 4, 3, 2, 1, 1, 15, 1, 0, 20]
# Tier cut points on the share: 0.02, 0.05, 0.08, 0.12, 0.16 (at a cut point -> upper tier).
CUTS = [0.02, 0.05, 0.08, 0.12, 0.16]
# share -> tier -> coefficient:
#   0.20 -> 5 -> 1.18 (U01, U14); 0.13, 0.15 -> 4 -> 1.14 (U02, U11); 0.09 -> 3 -> 1.10 (U03);
#   0.06, 0.05 -> 2 -> 1.06 (U04, U05); 0.04, 0.03, 0.02 -> 1 -> 1.03 (U06, U07, U08);
#   0.01, 0.00 -> 0 -> 1.00 (U09, U10, U12, U13).
COEFFICIENTS = [1.18, 1.14, 1.10, 1.06, 1.06, 1.03, 1.03, 1.03, 1.00, 1.00, 1.14, 1.00, 1.00, 1.18]

# The lead department's qualitative scores (0-100); 评议 = score * 20 / 100.
DEPT = [92, 88, 85, 90, 84, 86, 83, 82, 81, 87, 79, 80, 78, 80]

# Bonus / deduction items per unit: honour, major project, negative impact.
ITEMS = np.zeros((14, 3))
ITEMS[0] = [3, 0, 0]  # U01: +3
ITEMS[1] = [5, 10, 0]  # U02: project 10 -> 8 (item max); 5 + 8 = 13 -> bonus cap 8
ITEMS[4] = [0, 0, -0.5]  # U05: -0.5 -> -1 (a deduction is at least 1)
ITEMS[10] = [0, 0, -9]  # U11: -9 -> -6 (a deduction is at most 6)
NET = [3, 8, 0, 0, -1, 0, 0, 0, 0, 0, -6, 0, 0, 0]

# Totals = hard * coefficient + dept / 5 + net:
#   U01 76*1.18 = 89.68 + 18.4 + 3 = 111.08     U08 64*1.03 = 65.92 + 16.4 = 82.32
#   U02 70*1.14 = 79.80 + 17.6 + 8 = 105.40     U09 63 + 16.2 = 79.20
#   U03 70*1.10 = 77.00 + 17.0     =  94.00     U10 62 + 17.4 = 79.40
#   U04 72*1.06 = 76.32 + 18.0     =  94.32     U11 60*1.14 = 68.40 + 15.8 - 6 = 78.20
#   U05 66*1.06 = 69.96 + 16.8 - 1 =  85.76     U12 58 + 16.0 = 74.00
#   U06 68*1.03 = 70.04 + 17.2     =  87.24     U13 55 + 15.6 = 70.60
#   U07 65*1.03 = 66.95 + 16.6     =  83.55     U14 50*1.18 = 59.00 + 16.0 = 75.00
TOTALS = [
    111.08, 105.40, 94.00, 94.32, 85.76, 87.24, 83.55,
    82.32, 79.20, 79.40, 78.20, 74.00, 70.60, 75.00,
]  # fmt: skip
# Ranking: U01 1, U02 2, U04 3, U03 4, U06 5, U05 6, U07 7, U08 8, U10 9, U09 10, U11 11,
# U14 12, U12 13, U13 14.
RANKS = [1, 2, 4, 3, 6, 5, 7, 8, 10, 9, 11, 13, 14, 12]

# Last year's ranking (14 units: U01-U13 and U15, which has left; U14 is new).
PREVIOUS = {
    "U11": 1, "U09": 2, "U01": 3, "U02": 4, "U03": 5, "U04": 6, "U15": 7,
    "U05": 8, "U06": 9, "U07": 10, "U08": 11, "U10": 12, "U12": 13, "U13": 14,
}  # fmt: skip
# Change = last year - this year: U01 +2, U02 +2, U03 +1, U04 +3, U05 +2, U06 +4, U07 +3,
# U08 +3, U09 -8, U10 +3, U11 -10, U12 0, U13 0, U14 new.
CHANGES = [2, 2, 1, 3, 2, 4, 3, 3, -8, 3, -10, 0, 0, NAN]


def _scheme() -> SchemeBlock:
    quarterly = aggregate_periods(QUARTERS, QINGDAO_CUMULATIVE_WEIGHTS)
    coefficients = tier_coefficients(INCREMENTS, thresholds=CUTS, rule="share")
    adjustments = bound_adjustments(
        ITEMS,
        item_low=[2, 2, -6],
        item_high=[8, 8, -1],
        items=["省部级表彰", "重大项目", "重大负面影响"],
        bonus_total_max=8,
    )
    development = SchemeBlock(
        "发展",
        [SchemeLeaf("投资", quarterly, max_points=80)],
        coefficient=coefficients,
    )
    appraisal = SchemeBlock("评议", [SchemeLeaf("部门评分", DEPT, max_points=100)], max_points=20)
    return SchemeBlock("总分", [development, appraisal, SchemeAdjustment("加减分", adjustments)])


def test_steps_of_the_total() -> None:
    scheme = _scheme()
    quarterly = aggregate_periods(QUARTERS, QINGDAO_CUMULATIVE_WEIGHTS)
    assert_allclose(quarterly.total, HARD, atol=1e-9)
    coefficients = tier_coefficients(INCREMENTS, thresholds=CUTS, rule="share")
    assert_allclose(coefficients.coefficient, COEFFICIENTS)
    assert set(coefficients.coefficient.tolist()) <= set(LANZHOU_TIERS)
    res = evaluate_scheme(scheme, units=UNITS)
    assert_allclose(res.subtotals["总分/评议"], np.array(DEPT) / 5, atol=1e-9)
    assert_allclose(res.subtotals["总分/发展"], np.array(HARD) * COEFFICIENTS, atol=1e-9)
    assert_allclose(res.total, TOTALS, atol=1e-9)
    # Bounds: 发展 [0, 80 * 1.18 = 94.4]; 评议 [0, 20]; 加减分 [-6, 8] -> [-6, 122.4].
    assert res.bounds == pytest.approx((-6.0, 122.4))
    adj = res.explain("U02")["children"][2]["detail"]
    assert adj["items"][1]["clip"] == "item_high"  # project 10 -> 8
    assert adj["bonus_raw"] == 13.0 and adj["bonus"] == 8.0
    for i, unit in enumerate(UNITS):
        assert recompute(res.explain(unit)) == pytest.approx(TOTALS[i], abs=1e-9)


def test_rank_grade_and_awards() -> None:
    res = evaluate_scheme(_scheme(), units=UNITS)
    ranking = rank_units(res.total, units=UNITS)
    assert_array_equal(ranking.rank, RANKS)
    # 优秀: >= 90 and at most floor(0.2 * 14) = floor(2.8) = 2 units (Lanzhou's 15-30 % band);
    # >= 90 are U01, U02, U04, U03 -> U01, U02 优秀, U04 and U03 go down to 良好.
    # 良好 (>= 80): U04, U03, U06, U05, U07, U08; 合格 (>= 60): the other six; 不合格: none.
    grades = assign_grades(res.total, GradeRule(max_shares=(0.2, None, None)), units=UNITS)
    assert dict(grades.counts) == {"优秀": 2, "良好": 6, "合格": 6, "不合格": 0}
    assert grades.grade[0] == grades.grade[1] == "优秀"
    assert grades.demoted_from[3] == "优秀" and grades.grade[3] == "良好"
    change = rank_changes(
        ranking.rank, list(PREVIOUS.values()), units=UNITS, previous_units=list(PREVIOUS)
    )
    assert_allclose(change.change, CHANGES)
    assert change.is_new[13] and change.left == ("U15",)
    # Progress award (进位显著奖) for a rise of 4 places or more: U06 (+4).
    assert progress_awards(change, min_rise=4).awarded == ("U06",)


def test_interview_list() -> None:
    # Bottom 3: ranks 12-14 = U14, U12, U13. Fell 10 or more: U11 (1st -> 11th). U09 fell 8:
    # not listed. U14 is new (no change), listed as bottom 3 only.
    res = evaluate_scheme(_scheme(), units=UNITS)
    ranking = rank_units(res.total, units=UNITS)
    change = rank_changes(
        ranking.rank, list(PREVIOUS.values()), units=UNITS, previous_units=list(PREVIOUS)
    )
    listed = interview_list(change, bottom_k=3, fall_places=10)
    assert listed.listed == ("U13", "U12", "U14", "U11")
    assert listed.reason[10] == "interview_fell"
    assert listed.reason[12] == "interview_bottom"
    assert not listed.fell[8]


def test_differentiation_rule_costs_the_lead_department() -> None:
    # 14 scores: >= 90 are 92 and 90 -> 2 <= floor(0.3 * 14) = floor(4.2) = 4: fine.
    # < 80 are 79 and 78 -> 2 < ceil(0.2 * 14) = ceil(2.8) = 3: broken (80 is not below 80).
    check = differentiation_check(DEPT, units=UNITS)
    assert (check.n_high, check.max_high, check.n_low, check.min_low) == (2, 4, 2, 3)
    assert not check.passed
    assert len(check.violations) == 1
    assert check.low_units == ("U11", "U13")
    # The department (in its own category) loses 0.2 points: 91.5 - 0.2 = 91.3.
    department = SchemeBlock(
        "总分",
        [
            SchemeLeaf("业务目标", [91.5], max_points=100),
            SchemeAdjustment("差别化扣分", [-check.penalty], bounds=(-0.2, 0.0)),
        ],
    )
    assert evaluate_scheme(department, units=["发改委"]).total[0] == pytest.approx(91.3)
