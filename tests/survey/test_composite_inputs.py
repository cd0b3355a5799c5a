"""One qualitative score or excellence goal at a time, checked against the unit's scheme."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from survey.composite import inputs
from survey.composite import scheme as schemes
from survey.composite.schemas import ExcellenceGoalIn, QualitativeScoreIn
from survey.errors import Conflict, Invalid, NotFound
from survey.models import AuditLog, Evaluation, EvaluationStatus
from tests.factories import ACTOR, make_category, make_evaluation, make_unit

SCHEME = """\
category: {category}
indicators:
  - code: law
    name: 依法行政
    name_en: Rule of law
    points: 10
    source: {{type: qualitative, item: rule_of_law, full_marks: 50}}
  - code: goals
    name: 创优目标
    points: 10
    source: {{type: excellence, difficulty: [0.9, 1.1]}}
"""
PLAIN = """\
category: {category}
indicators:
  - code: law
    name: 依法行政
    points: 10
    source: {{type: qualitative, item: safety}}
"""


def _setup(session: Session) -> int:
    with_goals = make_category(session, code="with-goals")
    plain = make_category(session, code="plain")
    make_unit(session, with_goals, code="A1")
    make_unit(session, with_goals, code="A2")
    make_unit(session, plain, code="P1")
    make_unit(session, plain, code="LEAD")
    evaluation = make_evaluation(session)
    assert evaluation.id is not None
    schemes.import_text(
        session,
        evaluation.id,
        SCHEME.format(category="with-goals") + "---\n" + PLAIN.format(category="plain"),
        ACTOR,
    )
    return evaluation.id


def _actions(session: Session) -> list[str]:
    return list(session.exec(select(AuditLog.action).order_by(AuditLog.id)))


def test_items_and_slots_come_from_the_current_schemes(session: Session) -> None:
    evaluation = _setup(session)
    items = inputs.qualitative_items(session, evaluation)
    assert [(i.category, i.item, i.full_marks) for i in items] == [
        # Categories in the office's order (sort order, then code).
        ("plain", "safety", 100.0),
        ("with-goals", "rule_of_law", 50.0),
    ]
    assert items[1].name == "依法行政" and items[1].name_en == "Rule of law"
    slots = inputs.excellence_slots(session, evaluation)
    assert [(s.category, s.low, s.high) for s in slots] == [("with-goals", 0.9, 1.1)]


def test_a_qualitative_score_is_checked_stored_replaced_and_deleted(session: Session) -> None:
    evaluation = _setup(session)
    score = QualitativeScoreIn(unit="A1", item="rule_of_law", lead="LEAD", score=45)
    inputs.enter_qualitative(session, evaluation, score, ACTOR, ip="10.0.0.1")
    again = score.model_copy(update={"score": 50.0})
    inputs.enter_qualitative(session, evaluation, again, ACTOR)
    assert [
        (s.unit, s.item, s.lead, s.score) for s in inputs.list_qualitative(session, evaluation)
    ] == [("A1", "rule_of_law", "LEAD", 50.0)]

    refused = [
        (score.model_copy(update={"score": 50.5}), Invalid, "score"),  # above full marks 50
        (score.model_copy(update={"item": "safety"}), Invalid, "item"),  # another category's
        (score.model_copy(update={"unit": "NOPE"}), NotFound, None),
        (score.model_copy(update={"lead": "NOPE"}), NotFound, None),
    ]
    for data, kind, field in refused:
        with pytest.raises(kind) as caught:
            inputs.enter_qualitative(session, evaluation, data, ACTOR)
        assert getattr(caught.value, "field", None) == field
    assert inputs.list_qualitative(session, evaluation)[0].score == 50.0

    inputs.delete_qualitative(session, evaluation, "A1", "rule_of_law", ACTOR)
    assert inputs.list_qualitative(session, evaluation) == []
    with pytest.raises(NotFound):
        inputs.delete_qualitative(session, evaluation, "A1", "rule_of_law", ACTOR)
    assert _actions(session)[-3:] == [
        "qualitative_scores.put",
        "qualitative_scores.put",
        "qualitative_score.delete",
    ]


def test_an_excellence_goal_is_checked_against_the_schemes_bounds(session: Session) -> None:
    evaluation = _setup(session)
    goal = ExcellenceGoalIn(
        unit="A2",
        code="goal1",
        title="一网通办",
        difficulty=1.1,
        dimensions={"创优性": 90, "攻坚性": 80, "创新性": 70, "效益性": 60},
    )
    inputs.enter_excellence(session, evaluation, goal, ACTOR)
    stored = inputs.list_excellence(session, evaluation)
    assert [(g.unit, g.code, g.difficulty, g.score) for g in stored] == [("A2", "goal1", 1.1, 75.0)]
    with pytest.raises(Invalid) as caught:
        inputs.enter_excellence(
            session, evaluation, goal.model_copy(update={"difficulty": 1.2}), ACTOR
        )
    assert caught.value.field == "difficulty"
    assert caught.value.params == {"low": "0.9", "high": "1.1", "category": "with-goals"}
    with pytest.raises(Invalid) as caught:
        inputs.enter_excellence(session, evaluation, goal.model_copy(update={"unit": "P1"}), ACTOR)
    assert caught.value.field == "unit"
    assert inputs.list_excellence(session, evaluation)[0].difficulty == 1.1

    inputs.delete_excellence(session, evaluation, "A2", "goal1", ACTOR)
    assert inputs.list_excellence(session, evaluation) == []
    assert _actions(session)[-1] == "excellence_goal.delete"


def test_a_published_evaluation_takes_no_entry_and_loses_none(session: Session) -> None:
    evaluation = _setup(session)
    score = QualitativeScoreIn(unit="A1", item="rule_of_law", lead="LEAD", score=40)
    inputs.enter_qualitative(session, evaluation, score, ACTOR)
    row = session.get(Evaluation, evaluation)
    assert row is not None
    row.status = EvaluationStatus.published
    session.add(row)
    session.commit()
    with pytest.raises(Conflict):
        inputs.enter_qualitative(session, evaluation, score, ACTOR)
    with pytest.raises(Conflict):
        inputs.delete_qualitative(session, evaluation, "A1", "rule_of_law", ACTOR)
    assert len(inputs.list_qualitative(session, evaluation)) == 1
