"""The submission writer's child process: database transactions outside the serving process.

The serving process parses, validates and answers requests under one GIL. When the writer's
inserts and commits ran on a thread of that process, every row the driver stepped through
handed the GIL back and forth with the request handlers, and the submission endpoint reached
about a sixth of a bare endpoint's throughput. In a child process the driver has a core and an
interpreter of its own. The serving event loop sends each batch down a socket pair and reads
the outcomes itself (``LoopBatcher``): a forwarding thread would wait for the GIL, up to the
switch interval, between each reply and the next batch. Synchronous callers (scripts, tests)
go through the writer's thread and a child of their own (``ChildWriter``).

Batches travel as ``marshal`` data of plain tuples (our own process on both ends of a pipe,
so nothing untrusted is decoded), and the child stores each batch with ``store_batch``, the
same code as the in-process writer: one transaction, idempotency keys checked inside it.
An outcome is sent back only after the commit, so a request is acknowledged only once its
answers are on disk.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import marshal
import multiprocessing
import os
import socket
import struct
from datetime import datetime
from multiprocessing.connection import Connection
from typing import Any

from sqlalchemy.engine import URL

from survey.surveys.submission import AnswerRow, CommentRow, SubmissionPlan

log = logging.getLogger("pingyi.writer")
_STOP = b""
START_TIMEOUT_SECONDS = 60.0


class ChildWriter:
    """One child process that stores batches of submissions for this process."""

    def __init__(self, url: URL) -> None:
        context = multiprocessing.get_context("spawn")
        self._connection, child_end = context.Pipe()
        self._process = context.Process(
            target=_child_main,
            args=(url.render_as_string(hide_password=False), child_end),
            name="pingyi-submission-writer",
            daemon=True,
        )
        self._process.start()
        child_end.close()
        # The child says it is ready once it has imported everything and reached the
        # database, so the first batch does not wait for that, and a bad URL shows at once.
        if not self._connection.poll(START_TIMEOUT_SECONDS):
            self.close()
            raise _unavailable(TimeoutError("the writer process did not start"))
        try:
            self._connection.recv_bytes()
        except (EOFError, OSError) as error:
            self.close()
            raise _unavailable(error) from error

    def write(self, submissions: list[Any]) -> list[Any]:
        """Outcomes as ``store_batch`` gives them; ``WriterUnavailable`` if the child failed."""
        try:
            self._connection.send_bytes(encode_batch(submissions))
            reply = self._connection.recv_bytes()
        except (EOFError, OSError) as error:  # the child died or its pipe broke
            raise _unavailable(error) from error
        return decode_outcomes(reply)

    def close(self) -> None:
        with contextlib.suppress(OSError):  # the child may be gone already
            self._connection.send_bytes(_STOP)
        self._process.join(timeout=30)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()
        self._connection.close()

    @property
    def pid(self) -> int | None:
        return self._process.pid

    def fileno(self) -> int:
        return self._connection.fileno()


class LoopBatcher:
    """Batches the submissions of one event loop and exchanges them with a child writer.

    The event loop itself sends each batch and reads the outcomes, so no thread of this
    process waits for the GIL between a reply and the next batch: a batch goes out as soon as
    the previous one is answered, with every submission that arrived meanwhile. The frames
    are those of ``multiprocessing.connection`` (a 4-byte big-endian length, then the data),
    which the child reads and writes with its ``Connection``.
    """

    def __init__(self, url: URL, loop: asyncio.AbstractEventLoop, child: ChildWriter) -> None:
        self.url = url
        self.loop = loop
        self._child: ChildWriter | None = child
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._socket: socket.socket | None = None
        self._pending: list[tuple[Any, asyncio.Future[Any]]] = []
        self._pump: asyncio.Task[None] | None = None

    @classmethod
    async def open(cls, url: URL) -> LoopBatcher:
        loop = asyncio.get_running_loop()
        child = await loop.run_in_executor(None, ChildWriter, url)
        batcher = cls(url, loop, child)
        await batcher._connect()
        return batcher

    @property
    def child_pid(self) -> int | None:
        return self._child.pid if self._child is not None else None

    async def store(self, submission: Any) -> Any:
        future: asyncio.Future[Any] = self.loop.create_future()
        self._pending.append((submission, future))
        if self._pump is None:
            self._pump = self.loop.create_task(self._run())
        # Shielded: a client that leaves does not cancel the write its answers are part of.
        return await asyncio.shield(future)

    def close(self) -> None:
        """Stop from outside the loop (or after it ended); ``aclose`` is the clean way."""
        self._disconnect()
        if self._child is not None:
            self._child.close()
            self._child = None

    async def aclose(self) -> None:
        """Stop from inside the loop: the socket is closed before the loop can end."""
        writer = self._writer
        self._disconnect()
        if writer is not None:
            with contextlib.suppress(OSError):
                await writer.wait_closed()
        child, self._child = self._child, None
        if child is not None:
            await self.loop.run_in_executor(None, child.close)

    async def _run(self) -> None:
        from survey.surveys.writer import MAX_BATCH

        try:
            while self._pending:
                batch = self._pending[:MAX_BATCH]
                del self._pending[:MAX_BATCH]
                outcomes = await self._exchange([submission for submission, _ in batch])
                for (_, future), outcome in zip(batch, outcomes, strict=True):
                    if future.done():
                        continue
                    if isinstance(outcome, Exception):
                        future.set_exception(outcome)
                    else:
                        future.set_result(outcome)
        finally:
            self._pump = None

    async def _exchange(self, submissions: list[Any]) -> list[Any]:
        try:
            if self._reader is None or self._writer is None:
                await self._replace_child()
            assert self._reader is not None and self._writer is not None
            payload = encode_batch(submissions)
            self._writer.write(struct.pack("!i", len(payload)) + payload)
            await self._writer.drain()
            (size,) = struct.unpack("!i", await self._reader.readexactly(4))
            reply = await self._reader.readexactly(size)
        except (OSError, EOFError, asyncio.IncompleteReadError) as error:
            # Nothing of this batch is acknowledged; the next batch starts a new child, and
            # a retried submission finds its first receipt if the child had committed it.
            log.error("the submission writer process failed: %s", error)
            self._drop_child()
            return [_unavailable(error)] * len(submissions)
        except Exception as error:  # WriterUnavailable from a child that would not start
            self._drop_child()
            return [error] * len(submissions)
        return decode_outcomes(reply)

    async def _replace_child(self) -> None:
        self._drop_child()
        self._child = await self.loop.run_in_executor(None, ChildWriter, self.url)
        await self._connect()

    def _disconnect(self) -> None:
        if self._writer is not None and not self.loop.is_closed():
            self._writer.close()
        elif self._socket is not None:  # the loop is gone, and its transport with it
            self._socket.close()
        self._writer = self._reader = None
        self._socket = None

    def _drop_child(self) -> None:
        self._disconnect()
        child, self._child = self._child, None
        if child is not None:
            self.loop.run_in_executor(None, child.close)

    async def _connect(self) -> None:
        assert self._child is not None
        self._socket = socket.socket(fileno=os.dup(self._child.fileno()))
        self._reader, self._writer = await asyncio.open_unix_connection(sock=self._socket)


def _unavailable(error: BaseException) -> Exception:
    from survey.surveys.writer import WriterUnavailable

    failure = WriterUnavailable()
    failure.__cause__ = error
    return failure


def _child_main(url: str, connection: Connection) -> None:
    from survey.db import build_engine
    from survey.surveys.writer import store_batch

    engine = build_engine(url)
    with engine.connect():
        pass
    connection.send_bytes(b"ready")
    try:
        while True:
            try:
                message = connection.recv_bytes()
            except EOFError:  # the parent is gone
                return
            if message == _STOP:
                return
            outcomes = store_batch(engine, decode_batch(message))
            connection.send_bytes(encode_outcomes(outcomes))
    finally:
        engine.dispose()


# Wire format. A submission: (survey, evaluation, period, group, cell key, content hash,
# answers, comments, key, flags, received at (ISO), channel); answers (unit, question, level,
# value) and comments (unit, question, text) as tuples.


def encode_batch(submissions: list[Any]) -> bytes:
    return marshal.dumps(
        [
            (
                s.plan.survey_id,
                s.plan.evaluation_id,
                s.plan.period_id,
                s.plan.group_id,
                s.plan.cell_key,
                s.plan.content_hash,
                [(a.unit_id, a.question, a.level, a.value) for a in s.plan.answers],
                [(c.unit_id, c.question, c.text) for c in s.plan.comments],
                s.key,
                int(s.quality_flags),
                s.received_at.isoformat(),
                str(s.channel),
            )
            for s in submissions
        ]
    )


def decode_batch(message: bytes) -> list[Any]:
    from survey.surveys.writer import Submission

    batch = []
    for (
        survey_id,
        evaluation_id,
        period_id,
        group_id,
        cell_key,
        content_hash,
        answers,
        comments,
        key,
        flags,
        received_at,
        channel,
    ) in marshal.loads(message):  # noqa: S302  (our own child, see the module docstring)
        plan = SubmissionPlan(
            survey_id=survey_id,
            evaluation_id=evaluation_id,
            period_id=period_id,
            group_id=group_id,
            cell_key=cell_key,
            answers=tuple(AnswerRow(*a) for a in answers),
            comments=tuple(CommentRow(*c) for c in comments),
            content_hash=content_hash,
        )
        batch.append(
            Submission(
                plan=plan,
                key=key,
                quality_flags=flags,
                received_at=datetime.fromisoformat(received_at),
                channel=channel,
            )
        )
    return batch


def encode_outcomes(outcomes: list[Any]) -> bytes:
    from survey.surveys.writer import KeyReused, Stored, SurveyNotAccepting

    wire: list[tuple[Any, ...]] = []
    for outcome in outcomes:
        if isinstance(outcome, Stored):
            wire.append(("stored", outcome.response_id, outcome.duplicate))
        elif isinstance(outcome, KeyReused):
            wire.append(("reused", outcome.response_id))
        elif isinstance(outcome, SurveyNotAccepting):
            wire.append(("closed",))
        else:  # the database failed; the parent reports it as "not saved, submit again"
            wire.append(("failed", f"{type(outcome).__name__}: {outcome}"))
    return marshal.dumps(wire)


def decode_outcomes(message: bytes) -> list[Any]:
    from survey.surveys.writer import KeyReused, Stored, SurveyNotAccepting, WriterUnavailable

    outcomes: list[Any] = []
    for kind, *rest in marshal.loads(message):  # noqa: S302  (our own child)
        if kind == "stored":
            outcomes.append(Stored(rest[0], duplicate=rest[1]))
        elif kind == "reused":
            outcomes.append(KeyReused(rest[0]))
        elif kind == "closed":
            outcomes.append(SurveyNotAccepting())
        else:
            log.error("the submission writer process could not store a batch: %s", rest[0])
            outcomes.append(WriterUnavailable())
    return outcomes
