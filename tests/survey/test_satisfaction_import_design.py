"""Response imports with a sample design: weight, stratum and PSU columns."""

from __future__ import annotations

import pytest
from sqlmodel import Session, col, select

from survey.import_problems import ImportRejected
from survey.models import Answer, Response
from survey.satisfaction.importer import import_responses
from tests.factories import ACTOR
from tests.survey.test_satisfaction_import import Setup, _count, _csv


def test_design_columns_are_stored_per_response_and_answer(session: Session) -> None:
    setup = Setup(session)
    c, u1, u2 = setup.citizens.code, setup.u1.code, setup.u2.code
    rows = [
        ["respondent_id", "group", "unit", "question", "answer", "weight", "stratum", "psu"],
        ["r1", c, u1, "overall", "满意", "12.5", "east", "d1"],
        ["r1", c, u2, "overall", "不满意", "12.5", "east", "d1"],
        ["r2", c, u1, "overall", "基本满意", "40", "west", "d7"],
    ]
    import_responses(session, setup.evaluation_id, _csv(rows), "d.csv", actor=ACTOR)
    stored = {
        r.external_ref: (r.design_weight, r.stratum, r.psu, r.cell_key)
        for r in session.exec(select(Response))
    }
    # The design columns are not weighting cells.
    assert stored == {"r1": (12.5, "east", "d1", None), "r2": (40.0, "west", "d7", None)}
    answers = session.exec(select(Answer).order_by(col(Answer.design_weight))).all()
    assert [(a.design_weight, a.stratum, a.psu) for a in answers] == [
        (12.5, "east", "d1"),
        (12.5, "east", "d1"),
        (40.0, "west", "d7"),
    ]


@pytest.mark.parametrize("weight", ["0", "-3", "nan", "inf", "-inf", "abc", "1e12", "1.5.2"])
def test_a_bad_weight_is_refused_with_its_row_and_nothing_is_stored(
    session: Session, weight: str
) -> None:
    setup = Setup(session)
    c, u1 = setup.citizens.code, setup.u1.code
    rows = [
        ["respondent_id", "group", "unit", "question", "answer", "weight"],
        ["r1", c, u1, "overall", "满意", "2"],
        ["r2", c, u1, "overall", "满意", weight],
    ]
    with pytest.raises(ImportRejected) as caught:
        import_responses(session, setup.evaluation_id, _csv(rows), "w.csv", actor=ACTOR)
    assert [(p.row, p.column) for p in caught.value.errors] == [(3, "weight")]
    assert _count(session, Response) == 0 and _count(session, Answer) == 0


def test_a_respondent_whose_rows_disagree_on_the_design_is_refused(session: Session) -> None:
    setup = Setup(session)
    c, u1, u2 = setup.citizens.code, setup.u1.code, setup.u2.code
    rows = [
        ["respondent_id", "group", "unit", "question", "answer", "weight", "stratum"],
        ["r1", c, u1, "overall", "满意", "2", "east"],
        ["r1", c, u2, "overall", "满意", "3", "west"],
        ["r2", c, u1, "overall", "满意", "3", "x" * 65],
    ]
    with pytest.raises(ImportRejected) as caught:
        import_responses(session, setup.evaluation_id, _csv(rows), "w.csv", actor=ACTOR)
    assert {(p.row, p.column, p.message) for p in caught.value.errors} == {
        (3, "weight", "The respondent %(id)s has another value here in row %(row)s."),
        (3, "stratum", "The respondent %(id)s has another value here in row %(row)s."),
        (4, "stratum", "At most %(n)s characters."),
    }
    assert _count(session, Response) == 0
