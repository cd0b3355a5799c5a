"""Significance marks on satisfaction results: the unit against its category, against the
previous evaluation and its groups against each other, checked by hand and with statsmodels."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pytest
from scipy import stats
from sqlmodel import Session
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

from survey.accounts import Principal
from survey.models import Role
from survey.satisfaction import policy as policy_service
from survey.satisfaction.export import method_table
from survey.satisfaction.schemas import SatisfactionPolicyPut, UnitResult
from survey.satisfaction.service import satisfaction_results
from survey.spreadsheet import Reader
from tests.factories import ACTOR, make_evaluation, set_weight
from tests.survey.satisfaction_data import Case, add_many

OFFICE = Principal(name="office", role=Role.office)


def _welch(a: UnitResult, b: UnitResult) -> tuple[float, float]:
    """Difference and two-sided p of two scores, Welch-Satterthwaite by hand."""
    assert a.score is not None and b.score is not None and a.se and b.se and a.df and b.df
    va, vb = a.se**2, b.se**2
    nu = (va + vb) ** 2 / (va**2 / a.df + vb**2 / b.df)
    t = (a.score - b.score) / math.sqrt(va + vb)
    return a.score - b.score, 2 * stats.t.sf(abs(t), nu)


def test_units_against_their_category_and_groups_against_each_other(session: Session) -> None:
    case = Case(session)
    assert case.evaluation.id is not None
    results = satisfaction_results(session, case.evaluation.id, viewer=OFFICE)
    units = {u.unit: u for u in results.units}
    u1, u2 = units[case.u1.code], units[case.u2.code]

    # Two units: the rest of U1's category is U2 alone, so the test is Welch's of the scores;
    # Holm over the category's two tests (statsmodels).
    assert u1.vs_category is not None and u2.vs_category is not None
    difference, p = _welch(u1, u2)
    assert u1.vs_category["difference"] == pytest.approx(difference)
    assert u1.vs_category["reference"] == pytest.approx(u2.score)
    assert u1.vs_category["p_value"] == pytest.approx(p, rel=1e-9)
    holm = multipletests([u1.vs_category["p_value"], u2.vs_category["p_value"]], method="holm")[1]
    assert [u1.vs_category["p_adjusted"], u2.vs_category["p_adjusted"]] == pytest.approx(list(holm))
    assert u1.vs_category["family_size"] == 2
    assert u1.vs_category["significant"] == (holm[0] < 0.05)

    # U1's groups: A (8 answers) against B (5); D has 3, below min_n, and is not compared.
    a_answers = np.array([100.0] * 4 + [80.0] * 2 + [60.0, 0.0])
    b_answers = np.array([100.0] * 3 + [60.0] * 2)
    _, p_ab, _ = CompareMeans(DescrStatsW(a_answers), DescrStatsW(b_answers)).ttest_ind(
        usevar="unequal"
    )
    assert p_ab > 0.05  # 77.5 against 84: no disagreement
    assert u1.group_pairs_tested == 1 and u1.groups_disagree is False
    assert u1.group_disagreements == []
    # U2: group A 92 on average, group B all 不满意: they disagree.
    a2 = np.array([100.0] * 6 + [80.0] * 4)
    assert u2.groups_disagree is True
    [pair] = u2.group_disagreements
    assert (pair["group"], pair["other"]) == (case.a.code, case.b.code)
    assert pair["difference"] == pytest.approx(92.0)
    # B's answers are all 0: Welch's test reduces to A's one-sample t with df n_A - 1.
    t_a = 92.0 / (a2.std(ddof=1) / math.sqrt(10))
    assert pair["p_value"] == pytest.approx(2 * stats.t.sf(t_a, 9), rel=1e-9)
    assert pair["p_adjusted"] == pair["p_value"] and pair["family_size"] == 1

    # Reliability: the CV is se/score, below 0.15 here.
    assert u1.cv == pytest.approx(u1.se / u1.score)  # type: ignore[operator]
    assert u1.reliability == "reliable"
    # Nothing weighted, no design: the score's variance is the simple random samples' own.
    assert u1.design_effect == pytest.approx(1.0) and u1.design_effect_high is False
    assert "Holm" in results.significance_method


def test_this_year_against_the_previous_evaluation(session: Session) -> None:
    case = Case(session)
    assert case.evaluation.id is not None
    later = make_evaluation(session, year=2027, previous_id=case.evaluation.id)
    assert later.id is not None
    for group, weight in ((case.a, 0.6), (case.b, 0.3), (case.d, 0.1)):
        set_weight(session, later, case.category, group, weight)
    add_many(session, later, case.a, case.u1, {"satisfied": 2, "dissatisfied": 6})
    add_many(session, later, case.b, case.u1, {"dissatisfied": 4, "basically_satisfied": 1})
    add_many(session, later, case.a, case.u2, {"satisfied": 5, "fairly_satisfied": 5})
    add_many(session, later, case.b, case.u2, {"dissatisfied": 4, "satisfied": 1})

    before = {
        u.unit: u for u in satisfaction_results(session, case.evaluation.id, viewer=OFFICE).units
    }
    now = satisfaction_results(session, later.id, viewer=OFFICE, previous=True)
    found = {u.unit: u for u in now.units}
    p_values = []
    for code in (case.u1.code, case.u2.code):
        comparison = found[code].vs_previous
        assert comparison is not None and comparison["evaluation_id"] == case.evaluation.id
        difference, p = _welch(found[code], before[code])
        assert comparison["difference"] == pytest.approx(difference)
        assert comparison["previous_score"] == pytest.approx(before[code].score)
        assert comparison["p_value"] == pytest.approx(p, rel=1e-9)
        p_values.append(comparison["p_value"])
    adjusted = multipletests(p_values, method="holm")[1]
    assert [found[c].vs_previous["p_adjusted"] for c in (case.u1.code, case.u2.code)] == (  # type: ignore[index]
        pytest.approx(list(adjusted))
    )
    # U1 fell from 79.7 to about 26: significantly lower.
    assert found[case.u1.code].vs_previous["significant"] is True  # type: ignore[index]
    assert found[case.u1.code].vs_previous["difference"] < 0  # type: ignore[index]
    # Without asking, no previous evaluation is computed.
    assert satisfaction_results(session, later.id, viewer=OFFICE).units[0].vs_previous is None


def test_the_policy_chooses_the_adjustment_and_the_bands(session: Session) -> None:
    case = Case(session)
    assert case.evaluation.id is not None
    policy_service.set_policy(
        session,
        case.evaluation.id,
        SatisfactionPolicyPut.model_validate(
            {"significance": {"p_adjust": "bonferroni", "cv_caution": 0.01, "cv_unreliable": 0.02}}
        ),
        ACTOR,
    )
    results = satisfaction_results(session, case.evaluation.id, viewer=OFFICE)
    assert results.policy.significance.p_adjust == "bonferroni"
    u1 = next(u for u in results.units if u.unit == case.u1.code)
    assert u1.vs_category is not None
    assert u1.vs_category["p_adjusted"] == pytest.approx(min(1.0, 2 * u1.vs_category["p_value"]))
    assert u1.reliability == "not_reliable"  # CV about 0.11
    with pytest.raises(ValueError, match="cv_caution"):
        SatisfactionPolicyPut.model_validate(
            {"significance": {"cv_caution": 0.5, "cv_unreliable": 0.3}}
        )


def test_the_method_sheet_names_the_test_and_the_adjustment(session: Session) -> None:
    case = Case(session)
    assert case.evaluation.id is not None
    results = satisfaction_results(session, case.evaluation.id, viewer=OFFICE)
    sheet = method_table(results, Reader("en", str), {}, "E", datetime(2026, 12, 7, tzinfo=UTC))
    items = {row[0]: row[1] for row in sheet.rows}
    assert "Welch's t test" in str(items["Significance tests"])
    assert str(items["Adjustment for multiple comparisons"]).startswith("Holm step-down")
    assert "not reliable above 0.3" in str(items["Reliability"])
