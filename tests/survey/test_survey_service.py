"""Survey definitions: rules, status changes, YAML round trip, counts and quality decisions."""

from __future__ import annotations

import pytest
import yaml
from sqlmodel import Session, select

from survey import demo
from survey.errors import Conflict, Invalid
from survey.models import Answer, AuditLog, EvaluationStatus, QualityFlag, Response
from survey.surveys import service
from survey.surveys.definition import load_definition
from survey.surveys.schemas import QuestionIn, SurveyCreate, SurveyUpdate
from survey.timeutil import utcnow
from tests.factories import (
    ACTOR,
    make_category,
    make_evaluation,
    make_group,
    make_survey,
    make_unit,
)


def test_units_come_from_explicit_codes_and_whole_categories(session: Session) -> None:
    evaluation = make_evaluation(session)
    whole, other = make_category(session), make_category(session)
    in_whole = [make_unit(session, whole), make_unit(session, whole)]
    make_unit(session, whole, active=False)
    explicit = make_unit(session, other)
    make_unit(session, other)
    group = make_group(session)
    survey = service.create_survey(
        session,
        SurveyCreate(
            evaluation_id=evaluation.id,
            title="t",
            units=[explicit.code],
            categories=[whole.code],
            groups=[group.code],
            questions=[QuestionIn(code="q", kind="rating", prompt="p", scale="five_point")],
        ),
        ACTOR,
    )
    codes = {u.code for u in load_definition(session, survey).units}
    assert codes == {explicit.code, *(u.code for u in in_whole)}


def test_delegate_groups_answer_on_ballots_not_surveys(session: Session) -> None:
    evaluation = make_evaluation(session)
    unit = make_unit(session, make_category(session))
    deputies = make_group(session, kind="delegate")
    with pytest.raises(Invalid):
        service.create_survey(
            session,
            SurveyCreate(
                evaluation_id=evaluation.id,
                title="t",
                units=[unit.code],
                groups=[deputies.code],
                questions=[QuestionIn(code="q", kind="rating", prompt="p", scale="satisfaction")],
            ),
            ACTOR,
        )


def test_status_rules(session: Session) -> None:
    survey, _, _ = make_survey(session, status="draft")
    assert survey.id is not None
    with pytest.raises(Conflict):
        service.update_survey(session, survey.id, SurveyUpdate(status="closed"), ACTOR)
    service.update_survey(session, survey.id, SurveyUpdate(status="open"), ACTOR)
    with pytest.raises(Conflict):  # questions are fixed once answers may arrive
        service.replace_content(
            session,
            survey.id,
            service.survey_create_from(service.survey_public(session, survey, "")),
            ACTOR,
        )
    service.update_survey(session, survey.id, SurveyUpdate(status="closed"), ACTOR)
    evaluation = service.org.get_evaluation(session, survey.evaluation_id)
    evaluation.status = EvaluationStatus.closed
    session.add(evaluation)
    session.commit()
    with pytest.raises(Conflict):
        service.update_survey(session, survey.id, SurveyUpdate(status="open"), ACTOR)


def test_opening_and_closing_times_are_obeyed(session: Session) -> None:
    from datetime import timedelta

    survey, _, _ = make_survey(session, opens_at=utcnow() + timedelta(hours=1))
    assert load_definition(session, survey).refusal() == "This survey has not opened yet."
    survey, _, _ = make_survey(
        session, closes_at=utcnow() - timedelta(seconds=1), opens_at=utcnow() - timedelta(days=1)
    )
    assert "closed" in (load_definition(session, survey).refusal() or "")


def test_yaml_round_trip(session: Session) -> None:
    survey, _, _ = make_survey(session)
    text = service.export_yaml(session, survey.id, "https://x")  # type: ignore[arg-type]
    data = yaml.safe_load(text)
    assert data["questions"][0]["scale"] == "satisfaction"
    again = service.parse_yaml(text, survey.evaluation_id)
    copy = service.create_survey(session, again, ACTOR)
    assert service.export_yaml(session, copy.id, "https://x") == text  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("title: [unclosed", "line"),
        ("- a list", None),
        (
            "title: t\ngroups: [citizens]\n"
            "questions:\n  - code: q\n    kind: rating\n    prompt: p\n",
            "questions.0",
        ),
    ],
)
def test_bad_yaml_names_the_place(text: str, where: str | None) -> None:
    with pytest.raises(Invalid) as refused:
        service.parse_yaml(text, 1)
    if where == "line":
        assert refused.value.params["line"] == 1
    elif where:
        assert refused.value.params["where"].startswith(where)


def test_counts_and_office_decisions_on_flagged_responses(session: Session) -> None:
    info = demo.load_demo(session, office_password="demo-password-1")
    survey = session.exec(
        select(service.Survey).where(service.Survey.slug == info.survey_slug)
    ).one()
    count = service.response_count(session, survey.id)  # type: ignore[arg-type]
    assert count.total == info.survey_responses == 3000
    assert 0 < count.flagged < 100
    assert count.counted == count.total - count.flagged
    assert count.by_flag.keys() <= {"too_fast", "honeypot"}
    flagged = service.flagged_responses(session, survey.id)  # type: ignore[arg-type]
    target = flagged[0]
    assert target.quality_flags & (QualityFlag.too_fast | QualityFlag.honeypot)

    def answers_counted() -> set[bool]:
        rows = session.exec(select(Answer.counted).where(Answer.response_id == target.id))
        return set(rows.all())

    # The demo stores answers as the writer does: a flagged response's answers do not count.
    assert answers_counted() == {False}
    service.decide_quality(session, target.id, "include", ACTOR)
    after = service.response_count(session, survey.id)  # type: ignore[arg-type]
    assert after.counted == count.counted + 1
    assert answers_counted() == {True}
    service.decide_quality(session, target.id, "exclude", ACTOR)
    assert service.response_count(session, survey.id).counted == count.counted  # type: ignore[arg-type]
    assert answers_counted() == {False}
    service.decide_quality(session, target.id, None, ACTOR)  # back to what the flags say
    assert answers_counted() == {False}
    entries = session.exec(
        select(AuditLog).where(AuditLog.action == "response.quality").order_by(AuditLog.id)  # type: ignore[arg-type]
    ).all()
    assert [e.detail["decision"] for e in entries] == ["include", "exclude", "default"]
    assert session.get(Response, target.id).quality_decision is None  # type: ignore[union-attr]
