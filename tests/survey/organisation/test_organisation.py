"""Organisation services: weights, status transitions, audit, the demo city."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from survey import demo
from survey import organisation as org
from survey.errors import Conflict, Invalid, NotFound
from survey.models import AuditLog, EvaluationStatus, GroupWeight, Unit
from survey.satisfaction import policy
from survey.schemas import EvaluationUpdate, UnitCreate, WeightEntry
from tests.factories import ACTOR, make_category, make_evaluation, make_group


def test_weights_must_sum_to_one_per_category(session: Session) -> None:
    evaluation = make_evaluation(session)
    category = make_category(session)
    citizens, deputies = make_group(session), make_group(session)
    assert evaluation.id is not None
    with pytest.raises(Invalid) as refused:
        policy.set_weights(
            session,
            evaluation.id,
            [
                WeightEntry(category=category.code, group=citizens.code, weight=0.6),
                WeightEntry(category=category.code, group=deputies.code, weight=0.3),
            ],
            ACTOR,
        )
    assert refused.value.params["total"] == 0.9
    assert session.exec(select(GroupWeight)).first() is None

    saved = policy.set_weights(
        session,
        evaluation.id,
        [
            WeightEntry(category=category.code, group=citizens.code, weight=0.7),
            WeightEntry(category=category.code, group=deputies.code, weight=0.3),
        ],
        ACTOR,
    )
    assert {(w.group, w.weight) for w in saved} == {(citizens.code, 0.7), (deputies.code, 0.3)}
    # Setting a category again replaces its row, not adds to it.
    policy.set_weights(
        session,
        evaluation.id,
        [
            WeightEntry(category=category.code, group=citizens.code, weight=1.0),
        ],
        ACTOR,
    )
    assert [(w.group, w.weight) for w in org.get_weights(session, evaluation.id)] == [
        (citizens.code, 1.0)
    ]
    actions = session.exec(select(AuditLog.action)).all()
    assert actions.count("weights.set") == 2


def test_weights_name_unknown_codes(session: Session) -> None:
    evaluation = make_evaluation(session)
    assert evaluation.id is not None
    with pytest.raises(NotFound):
        policy.set_weights(
            session, evaluation.id, [WeightEntry(category="nope", group="nope", weight=1.0)], ACTOR
        )


def test_status_moves_forward_and_publication_is_final(session: Session) -> None:
    evaluation = make_evaluation(session, status=EvaluationStatus.draft)
    assert evaluation.id is not None
    with pytest.raises(Conflict):
        org.update_evaluation(
            session, evaluation.id, EvaluationUpdate(status=EvaluationStatus.published), ACTOR
        )
    for status in ("open", "closed", "open", "closed", "published"):
        org.update_evaluation(
            session, evaluation.id, EvaluationUpdate(status=EvaluationStatus(status)), ACTOR
        )
    with pytest.raises(Conflict):
        org.update_evaluation(
            session, evaluation.id, EvaluationUpdate(status=EvaluationStatus.open), ACTOR
        )


def test_unit_codes_are_unique(session: Session) -> None:
    category = make_category(session)
    org.create_unit(
        session, UnitCreate(code="BM01", name="市教育局", category=category.code), ACTOR
    )
    with pytest.raises(Conflict):
        org.create_unit(
            session, UnitCreate(code="BM01", name="另一个", category=category.code), ACTOR
        )


def test_demo_city_is_complete_and_loads_only_once(session: Session) -> None:
    info = demo.load_demo(session, office_password="demo-password-1")
    assert (info.categories, info.units, info.groups, info.evaluations) == (8, 48, 7, 2)
    units = org.list_units(session)
    by_kind = {"QX": 0, "YQ": 0, "BM": 0}
    for unit in units:
        by_kind[unit.code[:2]] += 1
    assert by_kind == {"QX": 12, "YQ": 6, "BM": 30}
    evaluations = org.list_evaluations(session)
    assert [(e.year, e.status) for e in evaluations] == [(2026, "open"), (2025, "published")]
    assert [p.code for p in evaluations[0].periods] == ["Q1", "Q2", "Q3", "Q4"]
    assert evaluations[0].previous_id == evaluations[1].id
    for evaluation in evaluations:
        weights = org.get_weights(session, evaluation.id)
        for category in org.list_categories(session):
            total = sum(w.weight for w in weights if w.category == category.code)
            assert total == pytest.approx(1.0)
    with pytest.raises(Conflict):
        demo.load_demo(session)
    assert len(session.exec(select(Unit)).all()) == 48
