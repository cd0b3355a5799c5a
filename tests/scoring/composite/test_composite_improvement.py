"""The improvement simulator on a tiny scheme worked by hand, and re-run to confirm the grade.

The scheme (points mode, three units A, B, C):

* indicator ``x`` by min-max, 60 points, higher better: points = 60 (x - min) / (max - min);
* satisfaction ``s`` (0-100) as a plain leaf worth 40 points: points = 0.4 s.

x = (10, 20, 30), s = (80, 70, 90):
    A: 60 * 0/20  + 0.4 * 80 = 0  + 32 = 32
    B: 60 * 10/20 + 0.4 * 70 = 30 + 28 = 58
    C: 60 * 20/20 + 0.4 * 90 = 60 + 36 = 96
Grades: 优秀 >= 90, 良好 >= 35, else 合格 (no quota), so C 优秀 (0), B 良好 (1), A 合格 (2).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose

from scoring import (
    GradeRule,
    Lever,
    SchemeBlock,
    SchemeLeaf,
    assign_grades,
    evaluate_scheme,
    lever_effect,
    min_max_score,
    rank_change_noise,
)

X = np.array([10.0, 20.0, 30.0])
S = np.array([80.0, 70.0, 90.0])
RULE = GradeRule(grades=("优秀", "良好", "合格"), thresholds=(90.0, 35.0), max_shares=None)


def category(x: np.ndarray, s: np.ndarray, rule: GradeRule = RULE) -> tuple[np.ndarray, np.ndarray]:
    """The real composite: score every unit again, evaluate the tree, grade the category."""
    root = SchemeBlock(
        "root",
        [
            SchemeLeaf("x", min_max_score(x, full_points=60.0, warn=False)),
            SchemeLeaf("s", 0.4 * s, max_points=40.0),
        ],
    )
    result = evaluate_scheme(root, units=["A", "B", "C"], warn=False)
    grades = assign_grades(result.total, rule, units=["A", "B", "C"], warn=False)
    index = {g: k for k, g in enumerate(rule.grades)}
    return np.asarray(result.total), np.array([index.get(str(g), -1) for g in grades.grade])


def model(unit: int, which: str, rule: GradeRule = RULE):  # type: ignore[no-untyped-def]
    def run(value: float) -> tuple[float, int]:
        x, s = X.copy(), S.copy()
        (x if which == "x" else s)[unit] = value
        totals, grades = category(x, s, rule)
        return float(totals[unit]), int(grades[unit])

    return run


def test_hand_worked_totals_and_grades() -> None:
    totals, grades = category(X, S)
    assert_allclose(totals, [32.0, 58.0, 96.0])
    assert grades.tolist() == [2, 1, 0]


def test_linear_lever_is_exact() -> None:
    # +1 satisfaction point is 0.4 composite points; A needs 35 - 32 = 3 points: 3 / 0.4 = 7.5.
    found = lever_effect(model(0, "s"), Lever("s", 80.0, low=0.0, high=100.0))
    assert_allclose(found.points_per_step, 0.4)
    assert found.target_grade == 1 and found.reachable
    assert_allclose(found.change, 7.5)
    assert_allclose(found.new_total, 35.0)
    # Re-run with the changed input: the grade moves; a hair less does not.
    assert model(0, "s")(80.0 + found.change)[1] == 1
    assert model(0, "s")(80.0 + found.change - 1e-3)[1] == 2


def test_normalisation_moves_with_the_unit() -> None:
    # B's x inside the range: +1 is 60/20 = 3 points. A is the minimum: +1 moves the minimum
    # with it (x = 11 is still the lowest), so it buys nothing.
    b = lever_effect(model(1, "x"), Lever("x", 20.0))
    assert_allclose(b.points_per_step, 3.0)
    a = lever_effect(model(0, "x"), Lever("x", 10.0, scale=20.0))
    assert_allclose(a.points_per_step, 0.0, atol=1e-12)
    # A needs 3 indicator points. Below B (x < 20) A stays the minimum at 0 points; from 20
    # on B is the minimum and A scores 60 (x - 20) / (30 - 20) = 6 (x - 20) >= 3, x >= 20.5:
    # a change of 10.5, which no linearisation at x = 10 (slope 0) would find.
    assert a.reachable
    assert_allclose(a.change, 10.5)
    # A flat stretch within the category's spread is not taken for saturation: with a
    # spread of 1000, doublings up to 1024 are searched (and the grade is found at 16).
    far = lever_effect(model(0, "x"), Lever("x", 10.0, scale=1000.0))
    assert_allclose(far.change, 10.5)
    assert model(0, "x")(10.0 + a.change)[1] == 1
    assert model(0, "x")(10.0 + a.change - 1e-3)[1] == 2


def test_not_reachable_when_points_saturate_or_range_ends() -> None:
    # B needs 90 - 58 = 32 more points: x gives at most 60 - 30 = 30 (then B is the maximum).
    b = lever_effect(model(1, "x"), Lever("x", 20.0, scale=20.0))
    assert not b.reachable and math.isnan(b.change)
    assert [r.code for r in b.reasons] == ["saturates"]
    # ... and satisfaction at most 0.4 * (100 - 70) = 12 before the 0-100 range ends.
    s = lever_effect(model(1, "s"), Lever("s", 70.0, low=0.0, high=100.0))
    assert [r.code for r in s.reasons] == ["range_exhausted"]


def test_top_grade_and_cost_direction() -> None:
    c = lever_effect(model(2, "s"), Lever("s", 90.0, low=0.0, high=100.0))
    assert [r.code for r in c.reasons] == ["top_grade"] and c.target_grade is None
    # A cost lever (lower is better) searches downwards: here lowering s costs A points,
    # so the grade is never reached within 0-100.
    down = lever_effect(model(0, "s"), Lever("s", 80.0, direction="lower", low=0.0, high=100.0))
    assert [r.code for r in down.reasons] == ["range_exhausted"]
    assert_allclose(down.points_per_step, 0.4)


def test_quota_grade_counts_other_units() -> None:
    # One 优秀 at most (floor(0.34 * 3) = 1) from 50 points: B (58) meets the threshold but C
    # (96) holds the place, so B must pass 96, 38 more points. Satisfaction gives B at most
    # 0.4 * (100 - 70) = 12: not reachable, although 50 is only 0 points away.
    rule = GradeRule(
        grades=("优秀", "良好", "合格"), thresholds=(50.0, 35.0), max_shares=(0.34, None)
    )
    assert category(X, S, rule)[1].tolist() == [2, 1, 0]
    b = lever_effect(model(1, "s", rule), Lever("s", 70.0, low=0.0, high=100.0))
    assert not b.reachable and [r.code for r in b.reasons] == ["range_exhausted"]

    # With C's satisfaction at 0 (C: 60 + 0 = 60), B must pass 60 strictly (a tie at 60
    # sends the tied block down whole): 30 + 0.4 s > 60, s > 75, a change just above 5,
    # reported rounded up to 4 digits (5.001) and checked on the model.
    def with_c_low(value: float) -> tuple[float, int]:
        s = S.copy()
        s[1], s[2] = value, 0.0
        totals, grades = category(X, s, rule)
        return float(totals[1]), int(grades[1])

    found = lever_effect(with_c_low, Lever("s", 70.0, low=0.0, high=100.0))
    assert 5.0 < found.change <= 5.001 and found.new_grade == 0
    assert with_c_low(75.0)[1] == 1


def test_missing_value_and_bad_lever() -> None:
    found = lever_effect(model(0, "s"), Lever("s", math.nan))
    assert [r.code for r in found.reasons] == ["value_missing"] and found.evaluations == 0
    with pytest.raises(ValueError):
        Lever("s", 1.0, step=0.0)
    with pytest.raises(ValueError):
        Lever("s", 1.0, low=2.0, high=1.0)


def test_rank_change_noise_overlap() -> None:
    # Rank 3 now in [2, 5], 8 last year in [6, 10]: apart, a real rise. [2, 5] against
    # [5, 9]: they share 5, so the fall or rise cannot be told apart. NaN: no interval.
    found = rank_change_noise([2, 2, 2], [5, 5, 5], [6, 5, math.nan], [10, 9, math.nan])
    assert found.known.tolist() == [True, True, False]
    assert found.distinct.tolist() == [True, False, False]
