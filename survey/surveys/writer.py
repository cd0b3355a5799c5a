"""The submission writer: stores survey responses in batches, one commit per batch.

Requests hand their validated submission to one writer thread per process and wait for its
commit before they answer, so an acknowledged submission is on disk (SQLite in WAL mode with
``synchronous=FULL``, or PostgreSQL), and many waiting submissions share one durable commit
instead of paying for one each. Idempotency is decided inside the same transaction: a key
already stored returns its first receipt, and a survey that closed meanwhile takes nothing.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import queue
import threading
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.engine import Connection, Dialect, Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel, col

from survey.errors import N_, Conflict, Invalid, Unavailable
from survey.models import Channel, Evaluation, EvaluationStatus, Response, Survey, TimePrecision
from survey.models.responses import is_counted
from survey.security import time_ordered_id
from survey.surveys.models import SurveyStatus
from survey.surveys.submission import SubmissionPlan
from survey.surveys.writer_process import ChildWriter, LoopBatcher
from survey.timeutil import utcnow

log = logging.getLogger("pingyi.writer")
MAX_BATCH = 256


class SurveyNotAccepting(Conflict):
    message = N_("This survey is not taking answers now.")


class WriterUnavailable(Unavailable):
    message = N_(
        "Your answers were not saved because of a problem on our side. Please submit again."
    )


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
    """A short code the respondent can quote: the last 10 characters of the response id.

    The tail, because the ids of survey responses start with their time (``time_ordered_id``).
    """
    tail = response_id[-10:].upper()
    return f"{tail[:5]}-{tail[5:]}"


# Who waits for a submission: a thread (a concurrent Future) or a coroutine (its event loop and
# an asyncio Future, resolved from the loop's own thread).
_Waiter = Future[Stored] | tuple[asyncio.AbstractEventLoop, "asyncio.Future[Stored]"]
Outcome = Stored | Exception


class SubmissionWriter:
    """Batches submissions and stores each batch in one transaction.

    With ``separate_process`` the transactions run in a child process (see
    ``writer_process``), so that the database driver's work does not compete for the GIL with
    the requests being served: coroutines hand their batches to it from their event loop
    (``LoopBatcher``), threads through this writer's thread.
    """

    def __init__(self, engine: Engine, *, separate_process: bool = False) -> None:
        self._engine = engine
        self._separate_process = separate_process
        self._child: ChildWriter | None = None
        self._batcher: LoopBatcher | None = None
        self._opening: asyncio.Future[LoopBatcher] | None = None
        self._queue: queue.Queue[tuple[Submission, _Waiter] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, submission: Submission) -> Future[Stored]:
        """Queue a submission; the Future resolves after its transaction has committed."""
        self._ensure_started()
        future: Future[Stored] = Future()
        self._queue.put((submission, future))
        return future

    def store(self, submission: Submission, timeout: float = 30.0) -> Stored:
        return self.submit(submission).result(timeout=timeout)

    async def store_async(self, submission: Submission) -> Stored:
        """Store from a coroutine. A batch wakes its event loop once, not once per request."""
        if self._separate_process:
            stored: Stored = await (await self._loop_batcher()).store(submission)
            return stored
        self._ensure_started()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Stored] = loop.create_future()
        self._queue.put((submission, (loop, future)))
        return await future

    async def aclose(self) -> None:
        """Stop from the event loop that served (the app's shutdown)."""
        batcher, self._batcher = self._batcher, None
        if batcher is not None and batcher.loop is asyncio.get_running_loop():
            await batcher.aclose()
        elif batcher is not None:
            batcher.close()
        self.close()

    def close(self) -> None:
        if self._batcher is not None:
            self._batcher.close()
            self._batcher = None
        with self._lock:
            if self._thread is not None:
                self._queue.put(None)
                self._thread.join(timeout=30)
                self._thread = None
            if self._child is not None:
                self._child.close()
                self._child = None

    async def start(self) -> None:
        """Start the child process of this event loop now rather than at the first submission.

        Waits until the child has reached the database, so a server that cannot store
        answers fails at startup instead of at its first citizen.
        """
        if self._separate_process:
            await self._loop_batcher()

    @property
    def child_pid(self) -> int | None:
        """The child process serving the event loop that started last (None in thread mode)."""
        return self._batcher.child_pid if self._batcher is not None else None

    async def _loop_batcher(self) -> LoopBatcher:
        loop = asyncio.get_running_loop()
        batcher = self._batcher
        if batcher is not None and batcher.loop is loop:
            return batcher
        if self._opening is not None and self._opening.get_loop() is loop:
            return await asyncio.shield(self._opening)
        # First use in this event loop (tests run several loops, one after the other).
        if batcher is not None:
            batcher.close()
            self._batcher = None
        self._opening = loop.create_future()
        try:
            self._batcher = await LoopBatcher.open(self._engine.url)
        except Exception as error:
            self._opening.set_exception(error)
            self._opening.exception()  # retrieved: the waiters above get it too
            self._opening = None
            raise
        self._opening.set_result(self._batcher)
        self._opening = None
        return self._batcher

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
            _deliver(batch, self._write([s for s, _ in batch]))
            if stop:
                return

    def _write(self, submissions: list[Submission]) -> list[Outcome]:
        if not self._separate_process:
            return store_batch(self._engine, submissions)
        try:
            return self._child_writer().write(submissions)
        except WriterUnavailable as error:
            # Nothing of this batch is acknowledged; the next batch starts a new child, and a
            # retried submission finds its first receipt if the child had committed it.
            log.error("the submission writer process failed: %s", error.__cause__ or error)
            if self._child is not None:
                self._child.close()
                self._child = None
            return [error] * len(submissions)

    def _child_writer(self) -> ChildWriter:
        if self._child is None:
            self._child = ChildWriter(self._engine.url)
        return self._child


def store_batch(engine: Engine, submissions: list[Submission]) -> list[Outcome]:
    """Store a batch in one transaction; each submission's outcome, in order."""
    try:
        with engine.begin() as connection:
            return write_submissions(connection, submissions)
    except IntegrityError:
        # Another process stored one of these keys between our check and our insert:
        # settle each submission on its own so the others are not held back.
        return [_store_one(engine, submission) for submission in submissions]
    except Exception as error:  # the database is down: every waiting request must hear it
        log.exception("storing a batch of %d submissions failed", len(submissions))
        return [error] * len(submissions)


def _store_one(engine: Engine, submission: Submission) -> Outcome:
    for attempt in range(2):
        try:
            with engine.begin() as connection:
                return write_submissions(connection, [submission])[0]
        except IntegrityError as error:
            if attempt:  # the second look finds the other process's row and settles it
                return error
        except Exception as error:
            return error
    raise AssertionError("unreachable")


def _deliver(batch: list[tuple[Submission, _Waiter]], outcomes: list[Outcome]) -> None:
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Stored], Outcome]]] = {}
    for (_, waiter), outcome in zip(batch, outcomes, strict=True):
        if isinstance(waiter, Future):
            _settle(waiter, outcome)
        else:
            loop, future = waiter
            by_loop.setdefault(loop, []).append((future, outcome))
    for loop, pairs in by_loop.items():
        loop.call_soon_threadsafe(_settle_in_loop, pairs)


def _settle_in_loop(pairs: list[tuple[asyncio.Future[Stored], Outcome]]) -> None:
    for future, outcome in pairs:
        if future.done():  # the request was cancelled (the client left); the answer is stored
            continue
        if isinstance(outcome, Exception):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)


def _settle(future: Future[Stored], outcome: Outcome) -> None:
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
    responses: list[tuple[Any, ...]] = []
    answers: list[tuple[Any, ...]] = []
    comments: list[tuple[Any, ...]] = []
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
        response_id = time_ordered_id(submission.received_at)
        fresh[slot] = (response_id, plan.content_hash)
        counted = is_counted(submission.quality_flags, None)
        responses.append(
            (
                response_id,
                plan.evaluation_id,
                plan.period_id,
                plan.group_id,
                submission.channel,
                submission.received_at.replace(microsecond=0),
                TimePrecision.second.value,
                submission.quality_flags,
                plan.cell_key,
                plan.survey_id,
                submission.key,
                plan.content_hash,
            )
        )
        answers.extend(
            (
                response_id,
                seq,
                plan.evaluation_id,
                plan.period_id,
                plan.group_id,
                row.unit_id,
                row.question,
                row.level,
                row.value,
                plan.cell_key,
                counted,
            )
            for seq, row in enumerate(plan.answers)
        )
        comments.extend(
            (response_id, seq, plan.evaluation_id, row.unit_id, row.question, row.text)
            for seq, row in enumerate(plan.comments)
        )
        outcomes.append(Stored(response_id, duplicate=False))
    insert_rows(connection, responses, answers, comments)
    return outcomes


# Column orders of the tuples ``insert_rows`` takes.
RESPONSE_COLUMNS = (
    "id",
    "evaluation_id",
    "period_id",
    "group_id",
    "channel",
    "submitted_at",
    "time_precision",
    "quality_flags",
    "cell_key",
    "survey_id",
    "submission_key",
    "submission_hash",
)
ANSWER_COLUMNS = (
    "response_id",
    "seq",
    "evaluation_id",
    "period_id",
    "group_id",
    "unit_id",
    "question",
    "level",
    "value",
    "cell_key",
    "counted",
)
COMMENT_COLUMNS = ("response_id", "seq", "evaluation_id", "unit_id", "question", "text")
_SUBMITTED_AT = RESPONSE_COLUMNS.index("submitted_at")


def insert_rows(
    connection: Connection,
    responses: Sequence[tuple[Any, ...]],
    answers: Sequence[tuple[Any, ...]],
    comments: Sequence[tuple[Any, ...]],
) -> None:
    """Bulk inserts of plain tuples, shared by the writer, imports and demo.

    The hot path of every submission: the driver's executemany of one prepared statement per
    table on SQLite, one ``unnest`` statement per table on PostgreSQL, no ORM objects.
    """
    if responses:
        column_type = Response.__table__.c.submitted_at.type  # type: ignore[attr-defined]
        to_db = column_type.dialect_impl(connection.dialect).bind_processor(connection.dialect)
        if to_db is not None:
            responses = [
                (*row[:_SUBMITTED_AT], to_db(row[_SUBMITTED_AT]), *row[_SUBMITTED_AT + 1 :])
                for row in responses
            ]
        _executemany(connection, "response", RESPONSE_COLUMNS, responses)
    if answers:
        _executemany(connection, "answer", ANSWER_COLUMNS, answers)
    if comments:
        _executemany(connection, "comment", COMMENT_COLUMNS, comments)


def _executemany(
    connection: Connection, table: str, columns: tuple[str, ...], rows: Sequence[tuple[Any, ...]]
) -> None:
    if connection.dialect.name == "postgresql":
        # Column arrays: the server plans and runs one INSERT for the batch instead of one
        # per row, which is most of its work for small rows.
        parameters: Any = tuple(list(column) for column in zip(*rows, strict=True))
    else:
        parameters = list(rows)
    connection.exec_driver_sql(_insert_statement(connection.dialect, table, columns), parameters)


@functools.cache
def _insert_statement(dialect: Dialect, table: str, columns: tuple[str, ...]) -> str:
    """The INSERT for a table and column list, built once per dialect (off the hot path)."""
    names = ", ".join(columns)
    if dialect.name == "postgresql":
        table_columns = SQLModel.metadata.tables[table].c
        arrays = ", ".join(
            f"%s::{table_columns[c].type.compile(dialect=dialect)}[]" for c in columns
        )
        return f"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays})"  # noqa: S608  (fixed names, no input)
    return f"INSERT INTO {table} ({names}) VALUES ({', '.join(['?'] * len(columns))})"  # noqa: S608


def _accepting_surveys(connection: Connection, ids: set[int], now: datetime) -> set[int]:
    # The evaluation's status too: a closed evaluation takes nothing, whatever a survey says.
    rows = connection.execute(_accepting_statement(), {"ids": list(ids)}).all()
    accepting = set()
    for survey_id, status, opens_at, closes_at, evaluation_status in rows:
        if status != SurveyStatus.open or evaluation_status != EvaluationStatus.open:
            continue
        if opens_at is not None and now < _aware(opens_at):
            continue
        if closes_at is not None and now >= _aware(closes_at):
            continue
        accepting.add(survey_id)
    return accepting


# The batch's two lookups, built once: constructing a select and its cache key on every
# batch cost the writer about as much as the lookups themselves (a tenth of its CPU per
# submission at 32 submissions a batch).
@functools.cache
def _accepting_statement() -> Select[Any]:
    statement: Select[Any] = (
        select(  # type: ignore[call-overload]
            Survey.id, Survey.status, Survey.opens_at, Survey.closes_at, Evaluation.status
        )
        .join(Evaluation, col(Evaluation.id) == Survey.evaluation_id)
        .where(col(Survey.id).in_(bindparam("ids", expanding=True)))
    )
    return statement


@functools.cache
def _existing_statement() -> Select[Any]:
    return select(  # type: ignore[call-overload, no-any-return]
        Response.submission_key, Response.id, Response.submission_hash
    ).where(
        col(Response.survey_id) == bindparam("survey_id"),
        col(Response.submission_key).in_(bindparam("keys", expanding=True)),
    )


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _existing_keys(
    connection: Connection, submissions: Sequence[Submission]
) -> dict[tuple[int, str], tuple[str, str]]:
    # One lookup per survey with a plain IN on the key: a row-value IN over (survey, key)
    # pairs makes SQLite scan the whole response table on every batch.
    keys_by_survey: dict[int, set[str]] = {}
    for submission in submissions:
        keys_by_survey.setdefault(submission.plan.survey_id, set()).add(submission.key)
    found: dict[tuple[int, str], tuple[str, str]] = {}
    for survey_id, keys in keys_by_survey.items():
        rows = connection.execute(
            _existing_statement(), {"survey_id": survey_id, "keys": list(keys)}
        ).all()
        found.update({(survey_id, row[0]): (row[1], row[2] or "") for row in rows})
    return found
