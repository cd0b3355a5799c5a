"""The batching writer: durable, idempotent, and closed to closed surveys."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from survey.models import Answer, Comment, QualityFlag, Response
from survey.surveys import service, writer_process
from survey.surveys.definition import load_definition
from survey.surveys.schemas import SurveyUpdate
from survey.surveys.submission import SubmissionInput, validate
from survey.surveys.writer import (
    KeyReused,
    Stored,
    Submission,
    SubmissionWriter,
    SurveyNotAccepting,
    WriterUnavailable,
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


@pytest.fixture(params=["thread", "process"])
def separate_process(request: pytest.FixtureRequest) -> bool:
    """Every writer test runs with the transactions in this process and in a child process."""
    return bool(request.param == "process")


def test_fifty_concurrent_retries_store_exactly_one_response(
    engine: Engine, session: Session, separate_process: bool
) -> None:
    survey, _, _ = make_survey(session, units=3)
    writer = SubmissionWriter(engine, separate_process=separate_process)
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
    engine: Engine, session: Session, separate_process: bool
) -> None:
    survey, _, _ = make_survey(session, units=2)
    writer = SubmissionWriter(engine, separate_process=separate_process)
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


def test_answers_carry_their_response_cell_and_whether_it_counts(
    engine: Engine, session: Session, separate_process: bool
) -> None:
    survey, _, _ = make_survey(session, units=3)
    writer = SubmissionWriter(engine, separate_process=separate_process)
    cells = ["age=old;district=A", None, "age=young;district=B"]
    flags = [0, QualityFlag.too_fast, 0]
    try:
        for k, (cell, flag) in enumerate(zip(cells, flags, strict=True)):
            submission = _submission(session, survey.id, f"c{k}")  # type: ignore[arg-type]
            plan = dataclasses.replace(submission.plan, cell_key=cell)
            writer.store(dataclasses.replace(submission, plan=plan, quality_flags=flag))
    finally:
        writer.close()
    rows = session.exec(
        select(Response.cell_key, Response.quality_flags, Answer.cell_key, Answer.counted).join(
            Answer,
            Answer.response_id == Response.id,  # type: ignore[arg-type]
        )
    ).all()
    assert len(rows) == 9
    assert all(answer_cell == response_cell for response_cell, _, answer_cell, _ in rows)
    assert {cell for cell, *_ in rows} == set(cells)
    # A flagged response's answers do not count (until the office includes it).
    assert all(counted == (flag == 0) for _, flag, _, counted in rows)


def test_a_key_reused_for_other_answers_is_refused(
    engine: Engine, session: Session, separate_process: bool
) -> None:
    survey, _, _ = make_survey(session, units=1)
    writer = SubmissionWriter(engine, separate_process=separate_process)
    try:
        first = writer.store(_submission(session, survey.id, "same"))  # type: ignore[arg-type]
        with pytest.raises(KeyReused) as reused:
            writer.store(_submission(session, survey.id, "same", level="dissatisfied"))  # type: ignore[arg-type]
    finally:
        writer.close()
    assert reused.value.response_id == first.response_id
    assert _count(session, Response) == 1


def test_a_survey_closed_after_the_form_was_checked_takes_nothing(
    engine: Engine, session: Session, separate_process: bool
) -> None:
    survey, _, _ = make_survey(session, units=1)
    submission = _submission(session, survey.id, "late")  # type: ignore[arg-type]
    service.update_survey(session, survey.id, SurveyUpdate(status="closed"), ACTOR)  # type: ignore[arg-type]
    writer = SubmissionWriter(engine, separate_process=separate_process)
    try:
        with pytest.raises(SurveyNotAccepting):
            writer.store(submission)
    finally:
        writer.close()
    assert _count(session, Response) == 0


def test_ids_start_with_the_second_and_receipts_come_from_the_random_tail(
    engine: Engine, session: Session, separate_process: bool
) -> None:
    survey, _, _ = make_survey(session, units=1)
    writer = SubmissionWriter(engine, separate_process=separate_process)
    submissions = [_submission(session, survey.id, f"t{i}") for i in range(20)]  # type: ignore[arg-type]
    try:
        results = [writer.store(s) for s in submissions]
    finally:
        writer.close()
    for submission, result in zip(submissions, results, strict=True):
        second = int(submission.received_at.timestamp())
        assert int(result.response_id[:10], 16) == second
        assert len(result.response_id) == 32
        assert result.receipt.replace("-", "") == result.response_id[-10:].upper()
    assert len({r.receipt for r in results}) == 20


def test_a_killed_writer_process_loses_nothing_acknowledged_and_is_replaced(
    engine: Engine, session: Session
) -> None:
    survey, _, _ = make_survey(session, units=2)
    writer = SubmissionWriter(engine, separate_process=True)
    try:
        first = writer.store(_submission(session, survey.id, "before"))  # type: ignore[arg-type]
        child = writer._child
        assert child is not None and child.pid is not None
        os.kill(child.pid, signal.SIGKILL)
        child._process.join(timeout=10)
        orphan = _submission(session, survey.id, "during")  # type: ignore[arg-type]
        with pytest.raises(WriterUnavailable):
            writer.store(orphan)
        # The citizen submits again (same key): a new child stores it, once.
        retried = writer.store(orphan)
        again = writer.store(orphan)
        assert writer._child is not None and writer._child.pid != child.pid
    finally:
        writer.close()
    assert not first.duplicate and not retried.duplicate
    assert again.duplicate and again.response_id == retried.response_id
    keys = set(session.exec(select(Response.submission_key)).all())
    assert keys == {"before", "during"}
    assert _count(session, Answer) == 4


def test_batches_cross_the_pipe_unchanged(session: Session) -> None:
    survey, _, _ = make_survey(session, units=3)
    submissions = [
        _submission(session, survey.id, "a"),  # type: ignore[arg-type]
        dataclasses.replace(
            _submission(session, survey.id, "b", level="dissatisfied"),  # type: ignore[arg-type]
            quality_flags=QualityFlag.too_fast | QualityFlag.honeypot,
        ),
    ]
    assert writer_process.decode_batch(writer_process.encode_batch(submissions)) == submissions
    outcomes = [Stored("x" * 32, duplicate=True), KeyReused("y" * 32), SurveyNotAccepting()]
    decoded = writer_process.decode_outcomes(writer_process.encode_outcomes(outcomes))
    assert decoded[0] == outcomes[0]
    assert isinstance(decoded[1], KeyReused) and decoded[1].response_id == "y" * 32
    assert isinstance(decoded[2], SurveyNotAccepting)
    failed = writer_process.decode_outcomes(
        writer_process.encode_outcomes([RuntimeError("disk full")])
    )
    assert isinstance(failed[0], WriterUnavailable)


def test_coroutines_share_the_child_of_their_event_loop(engine: Engine, session: Session) -> None:
    """The served path: store_async from one event loop, retries and a killed child included."""
    survey, _, _ = make_survey(session, units=2)
    retried = _submission(session, survey.id, "same-key")  # type: ignore[arg-type]
    others = [_submission(session, survey.id, f"k{i}") for i in range(100)]  # type: ignore[arg-type]
    writer = SubmissionWriter(engine, separate_process=True)

    async def scenario() -> tuple[list[Stored], list[Stored], object, list[object]]:
        await writer.start()
        first_child = writer.child_pid
        results = await asyncio.gather(
            *(writer.store_async(retried) for _ in range(50)),
            *(writer.store_async(s) for s in others),
        )
        assert first_child is not None
        os.kill(first_child, signal.SIGKILL)
        await asyncio.sleep(0.2)
        lost = _submission(session, survey.id, "during-kill")  # type: ignore[arg-type]
        outcome = await asyncio.gather(writer.store_async(lost), return_exceptions=True)
        again = await asyncio.gather(writer.store_async(lost), writer.store_async(lost))
        assert writer.child_pid not in (None, first_child)
        await writer.aclose()  # as the app's shutdown does, inside its event loop
        assert writer.child_pid is None
        return list(results[:50]), list(results[50:]), outcome[0], list(again)

    # A thread of its own: the browser tests leave a running event loop in the main thread.
    with ThreadPoolExecutor(max_workers=1) as pool:
        same, different, during_kill, after = pool.submit(asyncio.run, scenario()).result()
    assert len({r.response_id for r in same}) == 1
    assert sum(not r.duplicate for r in same) == 1
    assert len({r.response_id for r in different}) == 100
    assert isinstance(during_kill, WriterUnavailable)
    assert {r.response_id for r in after} == {after[0].response_id}  # stored once, retried once
    assert _count(session, Response) == 1 + 100 + 1
    assert _count(session, Answer) == 2 * 102
