"""The batching writer: durable, idempotent, and closed to closed surveys."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from survey.models import Answer, Comment, Response
from survey.surveys import service
from survey.surveys.definition import load_definition
from survey.surveys.schemas import SurveyUpdate
from survey.surveys.submission import SubmissionInput, validate
from survey.surveys.writer import (
    KeyReused,
    Submission,
    SubmissionWriter,
    SurveyNotAccepting,
    receipt_for,
)
from survey.timeutil import utcnow
from tests.factories import ACTOR, make_survey


def _submission(session: Session, survey_id: int, key: str, level: str = "satisfied") -> Submission:
    survey = service.get_survey(session, survey_id)
    definition = load_definition(session, survey)
    ratings = {(u.code, "overall"): level for u in definition.units}
    plan = validate(
        definition, SubmissionInput(ratings=ratings, comments={definition.units[0].code: "好"})
    )
    return Submission(plan=plan, key=key, quality_flags=0, received_at=utcnow())


def _count(session: Session, model: type) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def test_fifty_concurrent_retries_store_exactly_one_response(
    engine: Engine, session: Session
) -> None:
    survey, _, _ = make_survey(session, units=3)
    writer = SubmissionWriter(engine)
    submission = _submission(session, survey.id, "retry-key")  # type: ignore[arg-type]
    try:
        with ThreadPoolExecutor(max_workers=50) as pool:
            results = list(pool.map(lambda _: writer.store(submission), range(50)))
    finally:
        writer.close()
    assert len({r.response_id for r in results}) == 1
    assert sum(not r.duplicate for r in results) == 1
    assert _count(session, Response) == 1
    assert _count(session, Answer) == 3
    assert _count(session, Comment) == 1


def test_many_different_submissions_share_commits_and_all_land(
    engine: Engine, session: Session
) -> None:
    survey, _, _ = make_survey(session, units=2)
    writer = SubmissionWriter(engine)
    submissions = [_submission(session, survey.id, f"k{i}") for i in range(200)]  # type: ignore[arg-type]
    try:
        with ThreadPoolExecutor(max_workers=32) as pool:
            results = list(pool.map(writer.store, submissions))
    finally:
        writer.close()
    assert len({r.response_id for r in results}) == 200
    assert _count(session, Response) == 200
    stored = session.exec(select(Response.id, Response.submission_key)).all()
    by_key = {key: response_id for response_id, key in stored}
    for submission, result in zip(submissions, results, strict=True):
        assert by_key[submission.key] == result.response_id
        assert result.receipt == receipt_for(result.response_id)


def test_a_key_reused_for_other_answers_is_refused(engine: Engine, session: Session) -> None:
    survey, _, _ = make_survey(session, units=1)
    writer = SubmissionWriter(engine)
    try:
        first = writer.store(_submission(session, survey.id, "same"))  # type: ignore[arg-type]
        with pytest.raises(KeyReused) as reused:
            writer.store(_submission(session, survey.id, "same", level="dissatisfied"))  # type: ignore[arg-type]
    finally:
        writer.close()
    assert reused.value.response_id == first.response_id
    assert _count(session, Response) == 1


def test_a_survey_closed_after_the_form_was_checked_takes_nothing(
    engine: Engine, session: Session
) -> None:
    survey, _, _ = make_survey(session, units=1)
    submission = _submission(session, survey.id, "late")  # type: ignore[arg-type]
    service.update_survey(session, survey.id, SurveyUpdate(status="closed"), ACTOR)  # type: ignore[arg-type]
    writer = SubmissionWriter(engine)
    try:
        with pytest.raises(SurveyNotAccepting):
            writer.store(submission)
    finally:
        writer.close()
    assert _count(session, Response) == 0
