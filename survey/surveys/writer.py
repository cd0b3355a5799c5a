"""The submission writer: stores survey responses in batches, one commit per batch.

Requests hand their validated submission to one writer thread per process and wait for its
commit before they answer, so an acknowledged submission is on disk (SQLite in WAL mode with
``synchronous=FULL``, or PostgreSQL), and many waiting submissions share one durable commit
instead of paying for one each. Idempotency is decided inside the same transaction: a key
already stored returns its first receipt, and a survey that closed meanwhile takes nothing.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, tuple_
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from survey.errors import N_, Conflict, Invalid
from survey.models import Answer, Channel, Comment, Response, Survey, TimePrecision
from survey.security import random_id
from survey.surveys.models import SurveyStatus
from survey.surveys.submission import SubmissionPlan
from survey.timeutil import utcnow

log = logging.getLogger("pingyi.writer")
MAX_BATCH = 256


class SurveyNotAccepting(Conflict):
    message = N_("This survey is not taking answers now.")


class KeyReused(Invalid):
    message = N_("This submission key was already used for different answers.")

    def __init__(self, response_id: str) -> None:
        super().__init__()
        self.response_id = response_id


@dataclass(frozen=True)
class Submission:
    plan: SubmissionPlan
    key: str
    quality_flags: int
    received_at: datetime
    channel: str = Channel.qr


@dataclass(frozen=True)
class Stored:
    response_id: str
    duplicate: bool

    @property
    def receipt(self) -> str:
        return receipt_for(self.response_id)


def receipt_for(response_id: str) -> str:
    """A short code the respondent can quote: the first 10 characters of the response id."""
    head = response_id[:10].upper()
    return f"{head[:5]}-{head[5:]}"


class SubmissionWriter:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._queue: queue.Queue[tuple[Submission, Future[Stored]] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, submission: Submission) -> Future[Stored]:
        self._ensure_started()
        future: Future[Stored] = Future()
        self._queue.put((submission, future))
        return future

    def store(self, submission: Submission, timeout: float = 30.0) -> Stored:
        return self.submit(submission).result(timeout=timeout)

    def close(self) -> None:
        with self._lock:
            if self._thread is None:
                return
            self._queue.put(None)
            self._thread.join(timeout=30)
            self._thread = None

    def _ensure_started(self) -> None:
        if self._thread is not None:
            return
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="pingyi-submission-writer", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            stop = False
            while len(batch) < MAX_BATCH:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stop = True
                    break
                batch.append(item)
            self._write(batch)
            if stop:
                return

    def _write(self, batch: list[tuple[Submission, Future[Stored]]]) -> None:
        try:
            with self._engine.begin() as connection:
                outcomes = write_submissions(connection, [s for s, _ in batch])
        except IntegrityError:
            # Another process stored one of these keys between our check and our insert:
            # settle each submission on its own so the others are not held back.
            for submission, future in batch:
                self._write_one(submission, future)
            return
        except Exception as error:  # the database is down: every waiting request must hear it
            log.exception("storing a batch of %d submissions failed", len(batch))
            for _, future in batch:
                future.set_exception(error)
            return
        for (_, future), outcome in zip(batch, outcomes, strict=True):
            _settle(future, outcome)

    def _write_one(self, submission: Submission, future: Future[Stored]) -> None:
        try:
            with self._engine.begin() as connection:
                outcome = write_submissions(connection, [submission])[0]
        except IntegrityError:
            try:
                with self._engine.begin() as connection:
                    outcome = write_submissions(connection, [submission])[0]
            except Exception as error:
                future.set_exception(error)
                return
        except Exception as error:
            future.set_exception(error)
            return
        _settle(future, outcome)


def _settle(future: Future[Stored], outcome: Stored | Exception) -> None:
    if isinstance(outcome, Exception):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)


def write_submissions(
    connection: Connection, submissions: Sequence[Submission]
) -> list[Stored | Exception]:
    """Store what may be stored of ``submissions`` in the caller's transaction."""
    now = utcnow()
    accepting = _accepting_surveys(connection, {s.plan.survey_id for s in submissions}, now)
    existing = _existing_keys(connection, submissions)
    outcomes: list[Stored | Exception] = []
    fresh: dict[tuple[int, str], tuple[str, str]] = {}
    responses: list[dict[str, Any]] = []
    answers: list[dict[str, Any]] = []
    comments: list[dict[str, Any]] = []
    for submission in submissions:
        plan = submission.plan
        slot = (plan.survey_id, submission.key)
        earlier = existing.get(slot) or fresh.get(slot)
        if earlier is not None:
            response_id, content_hash = earlier
            if content_hash != plan.content_hash:
                outcomes.append(KeyReused(response_id))
            else:
                outcomes.append(Stored(response_id, duplicate=True))
            continue
        if plan.survey_id not in accepting:
            outcomes.append(SurveyNotAccepting())
            continue
        response_id = random_id()
        fresh[slot] = (response_id, plan.content_hash)
        responses.append(
            {
                "id": response_id,
                "evaluation_id": plan.evaluation_id,
                "period_id": plan.period_id,
                "group_id": plan.group_id,
                "channel": submission.channel,
                "submitted_at": submission.received_at.replace(microsecond=0),
                "time_precision": TimePrecision.second,
                "quality_flags": submission.quality_flags,
                "cell_key": plan.cell_key,
                "survey_id": plan.survey_id,
                "submission_key": submission.key,
                "submission_hash": plan.content_hash,
            }
        )
        answers.extend(answer_rows(response_id, plan))
        comments.extend(comment_rows(response_id, plan))
        outcomes.append(Stored(response_id, duplicate=False))
    insert_rows(connection, responses, answers, comments)
    return outcomes


def answer_rows(response_id: str, plan: SubmissionPlan) -> Iterable[dict[str, Any]]:
    for seq, row in enumerate(plan.answers):
        yield {
            "response_id": response_id,
            "seq": seq,
            "evaluation_id": plan.evaluation_id,
            "period_id": plan.period_id,
            "group_id": plan.group_id,
            "unit_id": row.unit_id,
            "question": row.question,
            "level": row.level,
            "value": row.value,
        }


def comment_rows(response_id: str, plan: SubmissionPlan) -> Iterable[dict[str, Any]]:
    for seq, row in enumerate(plan.comments):
        yield {
            "response_id": response_id,
            "seq": seq,
            "evaluation_id": plan.evaluation_id,
            "unit_id": row.unit_id,
            "question": row.question,
            "text": row.text,
        }


def insert_rows(
    connection: Connection,
    responses: list[dict[str, Any]],
    answers: list[dict[str, Any]],
    comments: list[dict[str, Any]],
) -> None:
    """Bulk inserts (executemany), shared by the writer, imports and the demo."""
    if responses:
        connection.execute(insert(Response), responses)
    if answers:
        connection.execute(insert(Answer), answers)
    if comments:
        connection.execute(insert(Comment), comments)


def _accepting_surveys(connection: Connection, ids: set[int], now: datetime) -> set[int]:
    rows = connection.execute(
        select(Survey.id, Survey.status, Survey.opens_at, Survey.closes_at).where(  # type: ignore[call-overload]
            Survey.id.in_(ids)  # type: ignore[union-attr]
        )
    ).all()
    accepting = set()
    for survey_id, status, opens_at, closes_at in rows:
        if status != SurveyStatus.open:
            continue
        if opens_at is not None and now < _aware(opens_at):
            continue
        if closes_at is not None and now >= _aware(closes_at):
            continue
        accepting.add(survey_id)
    return accepting


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _existing_keys(
    connection: Connection, submissions: Sequence[Submission]
) -> dict[tuple[int, str], tuple[str, str]]:
    slots = {(s.plan.survey_id, s.key) for s in submissions}
    rows = connection.execute(
        select(  # type: ignore[call-overload]
            Response.survey_id, Response.submission_key, Response.id, Response.submission_hash
        ).where(tuple_(Response.survey_id, Response.submission_key).in_(slots))
    ).all()
    return {(row[0], row[1]): (row[2], row[3] or "") for row in rows}
