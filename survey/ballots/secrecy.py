"""Closing a batch without leaving traces: new ballot ids, day-only times, old row versions gone.

During voting the ballot box (``survey.ballots.box``) keeps every transaction's trace shared by
at least k codes and k ballots. Closing goes further: the ballots are re-inserted shuffled
under new ids (``remix``), so an id noted during voting names nothing afterwards, and then the
old row versions are removed from the files themselves. Deleted rows otherwise stay on disk:
PostgreSQL keeps dead tuples (with their ``xmin``, shared with the codes they were cast with)
until vacuum, and SQLite keeps old pages in its write-ahead log and free pages in the file.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, select, text, update
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, col

from survey.ballots.models import PaperEntry
from survey.config import get_settings
from survey.security import random_id
from survey.timeutil import truncate_to_day

log = logging.getLogger("pingyi.ballot_secrecy")

# Every table that holds ballots or codes (or the paper sheets behind ballots), and the
# comments' topic tags, keyed like the comments (the close's cascade leaves old ids there).
BALLOT_TABLES = (
    "response",
    "answer",
    "comment",
    "comment_topic",
    "comment_tagging",
    "ballot_code",
    "paper_entry",
)

Rows = list[tuple[Any, ...]]


def engine_of(session: Session) -> Engine:
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


def fresh_ids(responses: Rows, answers: Rows, comments: Rows) -> tuple[Rows, Rows, Rows]:
    """The same ballots under new random ids (the id is the first column of a response and of
    the rows that refer to it), so that an id seen while voting was open names nothing."""
    renamed = {row[0]: random_id() for row in responses}
    return (
        [(renamed[r[0]], *r[1:]) for r in responses],
        [(renamed[a[0]], *a[1:]) for a in answers],
        [(renamed[c[0]], *c[1:]) for c in comments],
    )


def forget_paper_times(connection: Connection, batch_id: int) -> None:
    """Keep only the day on which clerks read each sheet: the time would order the ballots."""
    entries = connection.execute(
        select(col(PaperEntry.id), col(PaperEntry.created_at)).where(
            col(PaperEntry.batch_id) == batch_id
        )
    ).all()
    if entries:
        connection.execute(
            update(PaperEntry)
            .where(col(PaperEntry.id) == bindparam("entry"))
            .values(created_at=bindparam("day")),
            [{"entry": entry, "day": truncate_to_day(at)} for entry, at in entries],
        )


class TracesRemain(RuntimeError):
    """The clean-up ran, but old row versions may remain until a later one (said, not hidden)."""


def scrub_storage(engine: Engine, tables: Sequence[str] = BALLOT_TABLES) -> None:
    """Remove the old row versions of the ballot tables from the database files.

    Runs after the closing transaction has committed (neither VACUUM can run inside one). On
    PostgreSQL, VACUUM removes the dead tuples the close left behind (the ballots' old ids and
    their ``xmin``); with ``PINGYI_BALLOT_CLOSE_VACUUM_FULL`` the tables are rewritten, so
    that their bytes do not linger in the free space of the pages either. On SQLite, the log
    is checkpointed into the file and truncated, then VACUUM rebuilds the file without free
    pages (``secure_delete`` has zeroed what was freed), and the log VACUUM itself wrote is
    checkpointed and truncated too. Raises ``TracesRemain`` when something kept old versions.
    """
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if connection.dialect.name == "postgresql":
            full = get_settings().ballot_close_vacuum_full
            # VACUUM keeps every row version a running transaction might still see: one that
            # began before the close (a long report, a forgotten session) keeps the old ballots
            # on disk. Wait a little for such transactions, then say so if they remain.
            held = _wait_for_older_transactions(connection, every_database=full)
            command = "VACUUM FULL" if full else "VACUUM"
            for table in tables:
                connection.exec_driver_sql(f'{command} "{table}"')
            if held:
                raise TracesRemain(f"{held} older transactions were still running")
            return
        busy = _checkpoint(connection)
        connection.exec_driver_sql("VACUUM")
        busy = _checkpoint(connection) or busy
        if busy:
            raise TracesRemain("a reader kept the SQLite log from being truncated")


def _wait_for_older_transactions(connection: Connection, *, every_database: bool) -> int:
    """Wait up to the settings' limit for the transactions that began before now to end; how
    many still run. VACUUM FULL on PostgreSQL honours those of every database of the cluster
    (seen on 15: a transaction in another database kept the removed rows as "recently dead"),
    plain VACUUM only those of its own database."""
    query = text(
        "SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
        "AND backend_type = 'client backend' "
        "AND (backend_xid IS NOT NULL OR backend_xmin IS NOT NULL) "
        "AND xact_start < :since AND (:every OR datname = current_database())"
    )
    since = connection.execute(text("SELECT clock_timestamp()")).scalar_one()
    deadline = time.monotonic() + get_settings().ballot_close_wait_seconds
    while True:
        held = int(connection.execute(query, {"since": since, "every": every_database}).one()[0])
        if not held or time.monotonic() >= deadline:
            return held
        time.sleep(0.2)


def _checkpoint(connection: Connection) -> bool:
    """Checkpoint and truncate the SQLite log; whether a reader kept it from being truncated."""
    busy, _, _ = connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)")).one()
    if busy:
        # A reader held an old snapshot past the busy timeout: the log keeps old pages until
        # the next checkpoint.
        log.warning("the SQLite log could not be truncated after closing a ballot batch")
    return bool(busy)
