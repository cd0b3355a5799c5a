"""A unit's view of its satisfaction: the disclosure rule on a hand-worked case, and 404s."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from survey.accounts import Principal
from survey.errors import NotFound
from survey.models import EvaluationStatus, Role
from survey.unit_home.service import unit_home
from tests.factories import make_evaluation, set_weight
from tests.survey.satisfaction_data import Case


def test_the_unit_view_withholds_a_group_that_would_reveal_a_small_one(session: Session) -> None:
    case = Case(session)
    assert case.evaluation.id is not None and case.u1.id is not None
    viewer = Principal(name="u1", role=Role.unit, unit_id=case.u1.id)
    home = unit_home(session, viewer, case.u1.code, case.evaluation.id)
    groups = {row.group.code: row.figure for row in home.view.groups}
    # Counted respondents: A 8, B 5, D 3; all groups 16 (the minimum is 5).
    # D is below the minimum. All groups minus A minus B would give D's 3 back, so the
    # smallest published group, B, is withheld too; 16 - 8 = 8 leaves A visible.
    assert groups[case.a.code].suppressed is False and groups[case.a.code].value is not None
    assert groups[case.b.code].suppressed is True and groups[case.b.code].value is None
    assert groups[case.d.code].suppressed is True
    assert home.withheld == 1  # B, beyond the minimum
    assert home.view.result.score is not None  # the unit keeps its overall score
    # The office's own page of the same unit shows B: the rule is for the units' eyes.
    from survey.satisfaction.unit_view import unit_view

    office = unit_view(
        session, case.evaluation.id, case.u1.code, viewer=Principal("o", Role.office)
    )
    assert next(g for g in office.groups if g.group.code == case.b.code).figure.value is not None


def test_another_unit_or_a_draft_is_not_found(session: Session) -> None:
    case = Case(session)
    # A draft in which the unit's category takes part.
    draft = make_evaluation(session, status=EvaluationStatus.draft)
    set_weight(session, draft, case.category, case.a, 1.0)
    assert case.evaluation.id is not None and draft.id is not None
    viewer = Principal(name="u1", role=Role.unit, unit_id=case.u1.id)
    with pytest.raises(NotFound):
        unit_home(session, viewer, case.u2.code, case.evaluation.id)
    with pytest.raises(NotFound):
        unit_home(session, viewer, case.u1.code, draft.id)


def test_no_group_comparison_speaks_of_a_withheld_group(session: Session) -> None:
    case = Case(session)
    assert case.evaluation.id is not None and case.u1.id is not None
    viewer = Principal(name="u1", role=Role.unit, unit_id=case.u1.id)
    from survey.satisfaction.service import satisfaction_results

    raw = satisfaction_results(session, case.evaluation.id, unit=case.u1.code, viewer=viewer)
    (before,) = raw.units
    # The unit's results compare A with B (both have min_n answers); the rule withholds B.
    assert before.group_pairs_tested == 1 and before.groups_disagree is not None
    home = unit_home(session, viewer, case.u1.code, case.evaluation.id)
    assert next(g for g in home.view.groups if g.group.code == case.b.code).figure.suppressed
    result = home.view.result
    # So the unit's page says nothing about its groups agreeing or not, and lists no pair.
    assert result.groups_disagree is None and result.group_pairs_tested is None
    assert result.group_disagreements == []
    # The score itself is shown, and so is its comparison with the category.
    assert result.score is not None and result.vs_category is not None
