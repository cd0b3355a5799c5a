"""The mixing ballot box: codes consumed and ballots stored in shuffled groups of at least k.

If each cast were its own transaction, the storage would pair every ballot with its code even
though no column does: on PostgreSQL the code's new row version and the ballot rows share a
transaction id (``xmin``), and SQLite's write-ahead log holds one commit per cast with one code
turning "used" and one ballot appearing. Card serials are visible by design, and an office
knows which delegate got which card, so that pairing would name the voter.

So each app process has one box per database. A request hands it its checked ballot and the
keyed hash of its code, and waits. The box's thread commits the waiting casts together, once
at least ``k`` of them can be stored (``PINGYI_BALLOT_ANONYMITY_SET``), in ONE transaction:
the conditional UPDATEs of their codes (one code, one ballot: a code used before, or twice in
the group, refuses that voter only) and their ballots, inserted in a shuffled order with
random ids and the day as their only time. Every trace of the transaction (``xmin``, WAL
frames, page order) is then shared by at least k codes and k ballots.

A voter is told the ballot is stored only after its group has committed: a process killed
before that acknowledged nothing and left the code unused, so the delegate may simply cast
again. The wait is bounded (``PINGYI_BALLOT_MIX_WAIT_SECONDS``): when the oldest waiting cast
has waited that long, a smaller group commits anyway. That is the design's documented limit:
someone watching the database live while a delegate votes alone sees a group smaller than k.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Connection, Engine
from sqlmodel import col

from survey.ballots.models import BallotBatch, BallotCode, BatchStatus, CodeStatus
from survey.errors import N_, Unavailable
from survey.models import Channel, Response, TimePrecision
from survey.security import random_id
from survey.surveys.writer import insert_rows
from survey.timeutil import truncate_to_day, utcnow

log = logging.getLogger("pingyi.ballot_box")

# More casts than this wait for the next transaction; a meeting's surge (33 a second) never
# comes near it, and it bounds the size of one transaction.
MAX_GROUP = 512
COMMITTERS = 4
# How long past the mix wait a request waits for a group still in line before giving up.
GIVE_UP_MARGIN_SECONDS = 120.0
# A group whose transaction fails (a deadlock with another process, a dropped connection) is
# tried this many times in all before its voters are told nothing was stored.
ATTEMPTS = 2


class BallotNotStored(Unavailable):
    message = N_(
        "Your ballot was not stored because of a problem on our side. Your code has not been "
        "used: please submit again."
    )


class Refusal(StrEnum):
    """Why the box did not store a cast; the service turns each into its domain error."""

    code_used = "code_used"
    code_void = "code_void"
    batch_closed = "batch_closed"
    batch_not_open = "batch_not_open"


@dataclass(frozen=True)
class BallotRows:
    """What a cast stores, as plain values (kept apart from the service's dataclasses so that
    the box depends on the tables only)."""

    batch_id: int
    evaluation_id: int
    period_id: int | None
    group_id: int
    question: str
    answers: tuple[tuple[int, str, float | None], ...]  # unit id, level, value
    comments: tuple[tuple[int, str], ...]  # unit id, text


@dataclass
class _Cast:
    code_hash: str
    rows: BallotRows
    arrived: float
    done: Future[Refusal | None] = field(default_factory=Future)


class BallotBox:
    """One mixer thread per process and database; see the module docstring."""

    def __init__(self, engine: Engine, *, anonymity_set: int, mix_wait: float) -> None:
        self.engine = engine
        self.anonymity_set = anonymity_set
        self.mix_wait = mix_wait
        self._waiting: list[_Cast] = []
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None
        # Several groups may commit at once (PostgreSQL works on them in parallel; SQLite takes
        # them one after the other); each is still a group of at least k.
        self._committers = threading.BoundedSemaphore(COMMITTERS)

    def cast(self, code_hash: str, rows: BallotRows) -> Refusal | None:
        """Consume the code and store the ballot within a group; return once committed.

        None when the ballot is stored, or why this voter's cast was refused; raises
        ``BallotNotStored`` when the group's transaction failed (nothing of it was stored).
        """
        item = _Cast(code_hash, rows, time.monotonic())
        with self._changed:
            self._start()
            self._waiting.append(item)
            self._changed.notify()
        # The group commits within mix_wait of the oldest cast; the margin covers a slow
        # database, after which the request gives up rather than hold its thread for ever.
        try:
            return item.done.result(timeout=self.mix_wait + GIVE_UP_MARGIN_SECONDS)
        except TimeoutError:
            with self._changed:
                if item in self._waiting:
                    # Still in line, so in no transaction: taken out, it can never be stored,
                    # and "your code has not been used" is true.
                    self._waiting.remove(item)
                    raise BallotNotStored() from None
        # Its group is committing: the voter must hear how that ended, not a guess.
        return item.done.result()

    def _start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="pingyi-ballot-box", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            # A free committer first, then the group: while every committer is busy, the
            # casts arriving meanwhile make the next group larger rather than wait in line.
            self._committers.acquire()
            with self._changed:
                while not self._ready():
                    self._changed.wait(timeout=self._time_left())
                group = self._waiting[:MAX_GROUP]
                del self._waiting[:MAX_GROUP]
                last_call = self._overdue(group)
            threading.Thread(
                target=self._commit_and_release,
                args=(group, last_call),
                name="pingyi-ballot-box-commit",
                daemon=True,
            ).start()

    def _commit_and_release(self, group: list[_Cast], last_call: bool) -> None:
        try:
            kept = self._commit(group, last_call=last_call)
            if kept:  # too few to commit yet: they wait for company, oldest first
                with self._changed:
                    self._waiting[:0] = kept
                    self._changed.notify()
        finally:
            self._committers.release()

    def _ready(self) -> bool:
        return len(self._waiting) >= self.anonymity_set or self._overdue(self._waiting)

    def _overdue(self, casts: Sequence[_Cast]) -> bool:
        return bool(casts) and time.monotonic() - casts[0].arrived >= self.mix_wait

    def _time_left(self) -> float | None:
        if not self._waiting:
            return None
        return max(0.001, self._waiting[0].arrived + self.mix_wait - time.monotonic())

    def _commit(self, group: list[_Cast], *, last_call: bool) -> list[_Cast]:
        """Store what the group may store; return the casts that must wait for more company."""
        for attempt in range(1, ATTEMPTS + 1):
            refused: list[tuple[_Cast, Refusal]] = []
            try:
                with self.engine.connect() as connection, connection.begin() as transaction:
                    accepted = _consume_codes(connection, group, refused)
                    if len(accepted) < self.anonymity_set and not last_call:
                        # Fewer than k would be stored: roll back (the codes stay unused) and
                        # wait. The refusals stand: they rest on rows others had committed.
                        transaction.rollback()
                        _settle(refused)
                        return accepted
                    if accepted:
                        _insert_shuffled(connection, [c.rows for c in accepted])
                break
            except Exception:  # the transaction rolled back whole: nothing of it is stored
                log.exception(
                    "storing a group of %d ballots failed (attempt %d)", len(group), attempt
                )
        else:  # the database kept failing: nobody in the group is acknowledged
            for item in group:
                if not item.done.done():
                    item.done.set_exception(BallotNotStored())
            return []
        _settle(refused)
        for item in accepted:
            item.done.set_result(None)
        return []


def _settle(refused: list[tuple[_Cast, Refusal]]) -> None:
    for item, refusal in refused:
        item.done.set_result(refusal)


def _consume_codes(
    connection: Connection, group: list[_Cast], refused: list[tuple[_Cast, Refusal]]
) -> list[_Cast]:
    """Mark the group's codes used, each at most once; the casts whose code was consumed."""
    batch_ids = sorted({c.rows.batch_id for c in group})
    if connection.dialect.name == "sqlite":
        # Take the write lock before reading the status, as a closing batch does before it
        # reads its ballots: a close then commits wholly before or after this group.
        connection.execute(
            update(BallotBatch)
            .where(col(BallotBatch.id).in_(batch_ids))
            .values(status=BallotBatch.status)
        )
    # PostgreSQL: FOR SHARE waits for a close that has written its status and then reads the
    # closed batch; a close waits for the groups that hold the share (SQLite renders nothing).
    statuses: dict[int, str] = dict(
        connection.execute(
            select(BallotBatch.id, BallotBatch.status)  # type: ignore[call-overload]
            .where(col(BallotBatch.id).in_(batch_ids))
            .with_for_update(read=True)
        ).all()
    )
    by_batch: dict[int, dict[str, _Cast]] = {}
    for item in group:
        status = statuses.get(item.rows.batch_id)
        candidates = by_batch.setdefault(item.rows.batch_id, {})
        if status != BatchStatus.open:
            closed = status == BatchStatus.closed
            refused.append((item, Refusal.batch_closed if closed else Refusal.batch_not_open))
        elif item.code_hash in candidates:  # the same code twice in one group
            refused.append((item, Refusal.code_used))
        else:
            candidates[item.code_hash] = item
    accepted: list[_Cast] = []
    # Batches in one order in every group, so that parallel groups lock codes alike.
    for batch_id, candidates in sorted(by_batch.items()):
        if not candidates:
            continue
        # The conditional UPDATE is the lock: of concurrent casts with one code (in this box
        # or another process's), exactly one sees its row go from unused to used.
        consumed = set(
            connection.execute(
                update(BallotCode)
                .where(
                    col(BallotCode.code_hash).in_(sorted(candidates)),
                    col(BallotCode.batch_id) == batch_id,
                    col(BallotCode.status) == CodeStatus.unused,
                )
                .values(status=CodeStatus.used)
                .returning(col(BallotCode.code_hash))
            ).scalars()
        )
        accepted.extend(item for h, item in candidates.items() if h in consumed)
        rest = [h for h in candidates if h not in consumed]
        if rest:
            void = set(
                connection.execute(
                    select(col(BallotCode.code_hash)).where(
                        col(BallotCode.code_hash).in_(rest),
                        col(BallotCode.status) == CodeStatus.void,
                    )
                ).scalars()
            )
            refused.extend(
                (candidates[h], Refusal.code_void if h in void else Refusal.code_used) for h in rest
            )
    return accepted


def _insert_shuffled(connection: Connection, ballots: list[BallotRows]) -> None:
    """The group's ballots in a random order, with random ids and only the day as their time."""
    ballots = list(ballots)
    shuffle = secrets.SystemRandom().shuffle
    shuffle(ballots)
    day = truncate_to_day(utcnow())
    responses: list[dict[str, Any]] = []
    answers: list[tuple[Any, ...]] = []
    comments: list[tuple[Any, ...]] = []
    for rows in ballots:
        response_id = random_id()
        # With its batch in the INSERT itself (the shared store's bulk insert has no batch
        # column): a later UPDATE would leave a second, dead version of every ballot row.
        responses.append(
            {
                "id": response_id,
                "evaluation_id": rows.evaluation_id,
                "period_id": rows.period_id,
                "group_id": rows.group_id,
                "channel": Channel.ballot.value,
                "submitted_at": day,
                "time_precision": TimePrecision.day.value,
                "quality_flags": 0,
                "ballot_batch_id": rows.batch_id,
            }
        )
        answers.extend(
            (
                response_id,
                seq,
                rows.evaluation_id,
                rows.period_id,
                rows.group_id,
                unit_id,
                rows.question,
                level,
                value,
                None,  # ballots have no weighting cell
                True,  # nor quality flags
            )
            for seq, (unit_id, level, value) in enumerate(rows.answers)
        )
        comments.extend(
            (response_id, seq, rows.evaluation_id, unit_id, None, text)
            for seq, (unit_id, text) in enumerate(rows.comments)
        )
    shuffle(answers)
    shuffle(comments)
    connection.execute(Response.__table__.insert(), responses)  # type: ignore[attr-defined]
    insert_rows(connection, [], answers, comments)


_boxes: dict[int, BallotBox] = {}
_boxes_lock = threading.Lock()


def box_for(engine: Engine, *, anonymity_set: int, mix_wait: float) -> BallotBox:
    """This process's box for ``engine`` (created on first use, so each worker forms its own)."""
    with _boxes_lock:
        box = _boxes.get(id(engine))
        if box is None or box.engine is not engine:
            box = BallotBox(engine, anonymity_set=anonymity_set, mix_wait=mix_wait)
            _boxes[id(engine)] = box
        # Settings may change between tests that share one engine.
        box.anonymity_set = anonymity_set
        box.mix_wait = mix_wait
        return box
