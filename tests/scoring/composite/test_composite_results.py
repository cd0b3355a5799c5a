"""Rank, grade, rank change, interview list, progress award and early warnings."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from scoring import (
    COMPOSITE_REASON_CODES,
    GradeRule,
    Reason,
    ScoringWarning,
    assign_grades,
    early_warnings,
    interview_list,
    progress_awards,
    rank_changes,
    rank_units,
)

NAN = math.nan
TEN = [98, 95, 93, 93, 91, 85, 82, 75, 60, 59]


# --------------------------------------------------------------------------- ranking


def test_competition_ranking_and_missing() -> None:
    # 92 -> 1; the two 88s share rank 2; 75 -> 4 (rank 3 skipped: "1224"); NaN not ranked.
    with pytest.warns(ScoringWarning, match="not_ranked"):
        res = rank_units([88, 92, 88, 75, NAN], units=list("abcde"))
    assert_array_equal(res.rank[:4], [2, 1, 2, 4])
    assert math.isnan(res.rank[4])
    assert res.order == ("b", "a", "c", "d")
    assert_array_equal(res.tie_size, [2, 1, 2, 1, 0])
    assert res.not_ranked == (("e", "score_missing"),)


def test_tie_break_keys_and_direction() -> None:
    # key 1, 0, 2, 0 (higher better) separates the 88s: c (key 2) before a (key 1).
    res = rank_units([88, 92, 88, 75], tie_break=[([1, 0, 2, 0], "higher")])
    assert_array_equal(res.rank, [3, 1, 2, 4])
    # a second key breaks what the first leaves tied.
    res = rank_units([88, 88, 88], tie_break=[([1, 1, 0], "higher"), ([5, 3, 0], "lower")])
    assert_array_equal(res.rank, [2, 1, 3])
    # lower is better.
    assert_array_equal(rank_units([3.0, 1.0, 2.0], direction="lower").rank, [3, 1, 2])


# --------------------------------------------------------------------------- grades


def test_grades_threshold_and_quota_tie_goes_down() -> None:
    # 10 units, 优秀 needs >= 90 and at most floor(0.3 * 10) = 3 units.
    # >= 90: 98, 95, 93, 93, 91. In rank order: 98 (position 1), 95 (2), the tied 93s
    # (positions 3-4) would make 4 > 3, so both go down and the quota is not filled: 2 优秀.
    # 良好 (>= 80, no quota): 93, 93, 91, 85, 82; 合格 (>= 60): 75, 60; 不合格: 59.
    res = assign_grades(TEN, units=list("abcdefghij"))
    assert list(res.grade) == ["优秀"] * 2 + ["良好"] * 5 + ["合格"] * 2 + ["不合格"]
    assert dict(res.counts) == {"优秀": 2, "良好": 5, "合格": 2, "不合格": 1}
    assert res.caps["优秀"] == 3
    assert list(res.demoted_from) == ["", "", "优秀", "优秀", "优秀", "", "", "", "", ""]


def test_grades_tie_break_fills_the_quota() -> None:
    # a tie-break key ranks unit c (index 2) ahead of d: 优秀 = 98, 95, 93 (c) = 3 units.
    key = [0, 0, 1, 0, 0, 0, 0, 0, 0, 0]
    res = assign_grades(TEN, tie_break=[(key, "higher")])
    assert list(res.grade[:5]) == ["优秀", "优秀", "优秀", "良好", "良好"]


def test_grades_by_quota_only() -> None:
    # no thresholds; 优秀 floor(0.2 * 10) = 2, 良好 floor(0.3 * 10) = 3, 合格 no quota.
    # 优秀: 98, 95. 良好: next blocks 93, 93 (positions 1-2 among the rest), 91 (3) -> 3.
    # 合格: 85, 82, 75, 60, 59. 不合格: none.
    rule = GradeRule(thresholds=None, max_shares=(0.2, 0.3, None))
    res = assign_grades(TEN, rule)
    assert dict(res.counts) == {"优秀": 2, "良好": 3, "合格": 5, "不合格": 0}


def test_grades_by_threshold_only_and_missing() -> None:
    rule = GradeRule(max_shares=None)
    with pytest.warns(ScoringWarning, match="not_graded"):
        res = assign_grades([*TEN, NAN], rule)
    # >= 90: 5 units; >= 80: 2; >= 60: 2; rest: 1; NaN: no grade.
    assert dict(res.counts) == {"优秀": 5, "良好": 2, "合格": 2, "不合格": 1}
    assert res.grade[-1] == "" and res.grade_index[-1] == -1
    assert res.n_graded == 10


def test_grade_rule_validation() -> None:
    with pytest.raises(ValueError, match="3 entries"):
        GradeRule(thresholds=(90, 80))
    with pytest.raises(ValueError, match="not increase"):
        GradeRule(thresholds=(80, 90, 60))
    with pytest.raises(ValueError, match="max_share"):
        GradeRule(max_shares=(1.5, None, None))
    with pytest.raises(ValueError, match="distinct"):
        GradeRule(grades=("A", "A"), thresholds=None, max_shares=None)


# --------------------------------------------------------------------------- rank change


def test_rank_changes_by_code() -> None:
    # A 2 -> 1: +1; B 1 -> 2: -1; C 5 -> 3: +2; D new; E 4 -> 5: -1; F left.
    res = rank_changes(
        [1, 2, 3, 4, 5],
        [1, 2, 5, 3, 4],
        units=list("ABCDE"),
        previous_units=list("BACFE"),
    )
    assert_allclose(res.change, [1, -1, 2, NAN, -1])
    assert_array_equal(res.is_new, [False, False, False, True, False])
    assert res.status[3] == "new"
    assert res.left == ("F",)
    with pytest.raises(ValueError, match="whole numbers"):
        rank_changes([1.5], [1], units=["A"], previous_units=["A"])


# --------------------------------------------------------------------------- interview list


def test_interview_bottom_and_fall() -> None:
    # 14 units ranked 1..14; bottom 3 = ranks 12, 13, 14. u11 (rank 11) was 1st: fell 10
    # -> listed although not in the bottom 3. u10 (rank 10) was 2nd: fell 8 -> not listed.
    # (With 12 units every fall of 10 ends in the bottom 3, hence 14.)
    units = [f"u{r}" for r in range(1, 15)]
    change = np.zeros(14)
    change[10] = -10  # rank 11, previously 1
    change[9] = -8  # rank 10, previously 2
    res = interview_list(np.arange(1.0, 15.0), units=units, rank_change=change)
    assert res.listed == ("u14", "u13", "u12", "u11")
    assert res.fell[10] and not res.bottom[10]
    assert not res.fell[9]
    assert res.reason[10] == "interview_fell"
    assert res.reason[13] == "interview_bottom"
    assert Reason("interview_fell", unit="u11", places=10, fall_places=10) in res.reasons
    assert Reason("interview_bottom", unit="u14", rank=14, n_ranked=14, bottom_k=3) in res.reasons


def test_interview_ties_at_the_bottom_boundary() -> None:
    # 6 units, ranks 1, 2, 3, 4, 4, 6: bottom 3 = positions 4-6; the tied block at rank 4
    # occupies positions 4 and 5, inside -> with "include" and "exclude" alike all listed.
    ranks = [1, 2, 3, 4, 4, 6]
    inc = interview_list(ranks, fall_places=None)
    assert list(inc.bottom) == [False, False, False, True, True, True]
    # ranks 1, 2, 3, 3, 5, 6: the block at 3 spans positions 3-4, straddling the boundary.
    ranks = [1, 2, 3, 3, 5, 6]
    inc = interview_list(ranks, fall_places=None)
    exc = interview_list(ranks, fall_places=None, boundary_ties="exclude")
    assert list(inc.bottom) == [False, False, True, True, True, True]  # 4 listed
    assert list(exc.bottom) == [False, False, False, False, True, True]  # 2 listed
    with pytest.raises(ValueError, match="rank_change"):
        interview_list(ranks)


def test_interview_from_rank_change_new_unit_never_falls() -> None:
    change = rank_changes([1, 2, 3], [1, 2], units=["a", "b", "new"], previous_units=["b", "a"])
    res = interview_list(change, bottom_k=1, fall_places=1)
    # a: 2 -> 1 rose; b: 1 -> 2 fell 1 -> listed; new: bottom 1 (rank 3) but no change.
    assert res.listed == ("new", "b")
    assert not res.fell[2]


# --------------------------------------------------------------------------- progress award


def test_progress_awards() -> None:
    rise = [5, 3, 3, -2, NAN, 1]
    # rise >= 3: units 0, 1, 2.
    assert progress_awards(rise, min_rise=3).awarded == ("0", "1", "2")
    # top 2 risers: 5 (rank 1), the 3s tied at rank 2 straddle the boundary (positions 2-3):
    # included -> 3 units; excluded -> only unit 0.
    assert progress_awards(rise, top_k=2).awarded == ("0", "1", "2")
    assert progress_awards(rise, top_k=2, boundary_ties="exclude").awarded == ("0",)
    # both: top 1 and >= 3 -> unit 0.
    assert progress_awards(rise, top_k=1, min_rise=3).awarded == ("0",)
    with pytest.raises(ValueError, match="min_rise, top_k"):
        progress_awards(rise)


# --------------------------------------------------------------------------- early warnings


def test_early_warnings_drop_and_threshold() -> None:
    # indicator "GDP" (higher better, max drop 10 %, level 50):
    #   u0 100 -> 85: -15 % -> warns; u1 100 -> 92: -8 % -> no; u2 60 -> 45: -25 % and 45 < 50.
    # indicator "能耗" (lower better, max rise 5 %, level 1.1):
    #   u0 0.8 -> 0.9: +12.5 % -> warns; u1 1.0 -> 1.04: +4 % and below 1.1 -> no;
    #   u2 0 -> 1.2: previous 0 -> no drop check (note), but 1.2 > 1.1 -> warns.
    current = [[85, 0.9], [92, 1.04], [45, 1.2]]
    previous = [[100, 0.8], [100, 1.0], [60, 0.0]]
    res = early_warnings(
        current,
        previous,
        units=["u0", "u1", "u2"],
        indicators=["GDP", "能耗"],
        max_drop=[0.10, 0.05],
        thresholds=[50, 1.1],
        directions=["higher", "lower"],
    )
    assert_array_equal(res.dropped, [[True, True], [False, False], [True, False]])
    assert_array_equal(res.breached, [[False, False], [False, False], [True, True]])
    assert_allclose(res.change[0], [-0.15, 0.125])
    assert ("u2", "能耗", "drop rule not checked: previous value 0") in res.notes
    texts = {(u, i): t for u, i, t in res.messages}
    assert texts[("u0", "GDP")] == "fell 15.0% vs last period (limit 10.0%)"
    assert "45 below the warning level 50" in texts[("u2", "GDP")]
    assert len(res.messages) == 4
    # The same as data, for the reader's language.
    assert (
        Reason(
            "indicator_worsened",
            unit="u0",
            indicator="GDP",
            direction="higher",
            change=float(res.change[0, 0]),
            limit=0.1,
        )
        in res.reasons
    )
    assert (
        Reason(
            "beyond_warning_level",
            unit="u2",
            indicator="GDP",
            direction="higher",
            value=45.0,
            level=50.0,
        )
        in res.reasons
    )
    assert (
        Reason("drop_rule_not_checked", unit="u2", indicator="能耗", cause="previous_zero")
        in res.reasons
    )
    assert len(res.reasons) == 6  # five warnings (u2 GDP both fell and breached), one note
    for reason in res.reasons:
        assert set(reason.params) == set(COMPOSITE_REASON_CODES[reason.code])


def test_early_warning_boundary_is_strict() -> None:
    # exactly 10 % down is not "more than 10 %".
    res = early_warnings([[90.0]], [[100.0]], max_drop=0.1)
    assert not res.warned.any()
    with pytest.raises(ValueError, match="previous"):
        early_warnings([[1.0]], max_drop=0.1)
