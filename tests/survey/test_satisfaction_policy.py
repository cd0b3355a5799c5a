"""The satisfaction policy: defaults, versions, audit, weights and the rules it checks."""

from __future__ import annotations

import pytest
from sqlmodel import Session, col, select

from survey.errors import Conflict, Invalid, NotFound
from survey.models import AuditLog, GroupWeight
from survey.satisfaction import policy as policy_service
from survey.satisfaction.models import SatisfactionPolicyVersion
from survey.satisfaction.schemas import LevelScore, SatisfactionPolicyPut
from survey.schemas import WeightEntry
from tests.factories import ACTOR, make_category, make_evaluation, make_group, set_weight


def test_defaults_then_each_change_is_a_new_version(session: Session) -> None:
    evaluation = make_evaluation(session)
    assert evaluation.id is not None
    default = policy_service.get_policy(session, evaluation.id)
    assert default.version == 0 and default.created_at is None
    assert [(lv.code, lv.score) for lv in default.level_scores] == [
        ("satisfied", 100),
        ("fairly_satisfied", 80),
        ("basically_satisfied", 60),
        ("dissatisfied", 0),
    ]
    assert default.dont_know_code == "dont_know"
    assert (default.trim_k, default.min_n, default.suppression_threshold) == (1, 5, 5)
    assert (default.confidence, default.rate_ci_method) == (0.95, "wilson")

    first = policy_service.set_policy(
        session,
        evaluation.id,
        SatisfactionPolicyPut(min_n=10, satisfied_levels=["satisfied"], note="stricter"),
        ACTOR,
    )
    second = policy_service.set_policy(
        session,
        evaluation.id,
        SatisfactionPolicyPut(
            level_scores=[
                LevelScore(code="satisfied", score=100),
                LevelScore(code="basically_satisfied", score=70),
                LevelScore(code="dissatisfied", score=0),
            ],
            satisfied_levels=["satisfied", "basically_satisfied"],
            margins={"age": {"young": 40, "old": 60}},
        ),
        ACTOR,
    )
    assert (first.version, second.version) == (1, 2)
    assert first.min_n == 10 and first.note == "stricter" and first.created_by == ACTOR.name
    # A PUT replaces every rule: what the second one left out is back to its default.
    assert second.min_n == 5
    current = policy_service.get_policy(session, evaluation.id)
    assert current.version == 2
    assert [lv.code for lv in current.level_scores] == [
        "satisfied",
        "basically_satisfied",
        "dissatisfied",
    ]
    assert current.margins == {"age": {"young": 40, "old": 60}}
    # Old versions stay as they were.
    rows = session.exec(
        select(SatisfactionPolicyVersion)
        .where(SatisfactionPolicyVersion.evaluation_id == evaluation.id)
        .order_by(col(SatisfactionPolicyVersion.version))
    ).all()
    assert [(r.version, r.min_n) for r in rows] == [(1, 10), (2, 5)]
    assert [h.version for h in policy_service.history(session, evaluation.id)] == [2, 1]
    audits = session.exec(
        select(AuditLog)
        .where(AuditLog.action == "satisfaction_policy.set")
        .order_by(col(AuditLog.id))
    ).all()
    assert [a.detail["version"] for a in audits] == [1, 2]
    assert audits[0].target_id == str(evaluation.id) and audits[0].detail["note"] == "stricter"
    assert audits[0].detail["policy"]["min_n"] == 10


def test_weights_change_with_the_policy_in_one_transaction(session: Session) -> None:
    evaluation = make_evaluation(session)
    category = make_category(session)
    a, b = make_group(session), make_group(session)
    set_weight(session, evaluation, category, a, 1.0)
    assert evaluation.id is not None
    updated = policy_service.set_policy(
        session,
        evaluation.id,
        SatisfactionPolicyPut(
            weights=[
                WeightEntry(category=category.code, group=a.code, weight=0.7),
                WeightEntry(category=category.code, group=b.code, weight=0.3),
            ]
        ),
        ACTOR,
    )
    assert updated.version == 1
    assert {(w.group, w.weight) for w in updated.weights} == {(a.code, 0.7), (b.code, 0.3)}
    with pytest.raises(Invalid):
        policy_service.set_policy(
            session,
            evaluation.id,
            SatisfactionPolicyPut(
                weights=[WeightEntry(category=category.code, group=a.code, weight=0.5)]
            ),
            ACTOR,
        )
    # The refused matrix left neither a new version nor changed weights behind.
    assert policy_service.get_policy(session, evaluation.id).version == 1
    stored = session.exec(select(GroupWeight).where(GroupWeight.evaluation_id == evaluation.id))
    assert {w.weight for w in stored} == {0.7, 0.3}


def test_a_change_of_weights_alone_is_a_version_that_keeps_the_rules(session: Session) -> None:
    evaluation = make_evaluation(session)
    category = make_category(session)
    a, b = make_group(session), make_group(session)
    set_weight(session, evaluation, category, a, 1.0)
    assert evaluation.id is not None
    policy_service.set_policy(session, evaluation.id, SatisfactionPolicyPut(min_n=12), ACTOR)
    saved = policy_service.set_weights(
        session,
        evaluation.id,
        [
            WeightEntry(category=category.code, group=a.code, weight=0.6),
            WeightEntry(category=category.code, group=b.code, weight=0.4),
        ],
        ACTOR,
        note="public weight lowered",
    )
    assert {(w.group, w.weight) for w in saved} == {(a.code, 0.6), (b.code, 0.4)}
    current = policy_service.get_policy(session, evaluation.id)
    assert (current.version, current.min_n, current.note) == (2, 12, "public weight lowered")

    # Each version names the weights it left in force; a refused matrix adds no version.
    with pytest.raises(Invalid):
        policy_service.set_weights(
            session,
            evaluation.id,
            [WeightEntry(category=category.code, group=a.code, weight=0.9)],
            ACTOR,
        )
    history = policy_service.history(session, evaluation.id)
    assert [h.version for h in history] == [2, 1]
    assert {(w.group, w.weight) for w in history[0].weights or []} == {(a.code, 0.6), (b.code, 0.4)}
    assert [(w.group, w.weight) for w in history[1].weights or []] == [(a.code, 1.0)]
    actions = session.exec(select(AuditLog.action).order_by(col(AuditLog.id))).all()
    assert actions[-2:] == ["weights.set", "satisfaction_policy.set"]


def test_versions_saved_before_weights_were_kept_say_so(session: Session) -> None:
    evaluation = make_evaluation(session)
    assert evaluation.id is not None
    policy_service.set_policy(session, evaluation.id, SatisfactionPolicyPut(), ACTOR)
    row = session.exec(select(SatisfactionPolicyVersion)).one()
    row.weights = None  # as migration 0008 leaves the versions stored before it
    session.add(row)
    session.commit()
    assert policy_service.history(session, evaluation.id)[0].weights is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"satisfied_levels": ["delighted"]}, "satisfied_levels"),
        ({"dont_know_code": "satisfied"}, "dont_know_code"),
        (
            {
                "level_scores": [
                    LevelScore(code="satisfied", score=100),
                    LevelScore(code="satisfied", score=50),
                ],
                "satisfied_levels": ["satisfied"],
            },
            "level_scores",
        ),
        ({"margins": {"age": {"young": 10, "old": 10}, "district": {"A": 30}}}, "margins"),
        ({"margins": {"age": {"young": 0}}}, "margins"),
        ({"margins": {"age;x": {"young": 10}}}, "margins"),
    ],
)
def test_rules_that_span_fields_are_checked(
    session: Session, change: dict[str, object], field: str
) -> None:
    evaluation = make_evaluation(session)
    assert evaluation.id is not None
    with pytest.raises(Invalid) as caught:
        policy_service.set_policy(
            session, evaluation.id, SatisfactionPolicyPut.model_validate(change), ACTOR
        )
    assert caught.value.field == field
    assert policy_service.get_policy(session, evaluation.id).version == 0


def test_unknown_raked_group_and_published_evaluation_are_refused(session: Session) -> None:
    evaluation = make_evaluation(session)
    assert evaluation.id is not None
    with pytest.raises(NotFound):
        policy_service.set_policy(
            session, evaluation.id, SatisfactionPolicyPut(raked_groups=["nobody"]), ACTOR
        )
    published = make_evaluation(session, status="published")
    assert published.id is not None
    with pytest.raises(Conflict):
        policy_service.set_policy(session, published.id, SatisfactionPolicyPut(), ACTOR)


def test_margins_round_trip_through_the_office_text_format() -> None:
    margins = {"age": {"18-34": 340000.0, "60plus": 210000.5}, "district": {"QX01": 1.0}}
    text = policy_service.format_margins(margins)
    assert text == "age: 18-34=340000, 60plus=210000.5\ndistrict: QX01=1"
    assert policy_service.parse_margins(text + "\n\n") == margins
    with pytest.raises(Invalid) as caught:
        policy_service.parse_margins("age: young=1\ndistrict QX01=2")
    assert caught.value.params == {"line": 2}
