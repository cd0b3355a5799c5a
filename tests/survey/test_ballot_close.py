"""Closing a ballot batch whose clean-up of the database files fails: said, and retried."""

from __future__ import annotations

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from survey.ballots import service
from survey.ballots.models import BatchStatus
from survey.config import Settings
from tests.factories import ACTOR, make_ballot


def test_a_close_whose_clean_up_fails_says_so_and_closing_again_finishes_it(
    engine: Engine, session: Session
) -> None:
    batch, _, _ = make_ballot(session, units=2, codes=2, uniform_rule="allow")
    assert batch.id is not None
    cleanups: list[str] = []

    def vacuum_fails_once(_c: object, _cur: object, statement: str, *_a: object) -> None:
        if statement.strip().upper().startswith("VACUUM"):
            cleanups.append(statement)
            if len(cleanups) == 1:
                raise OperationalError(statement, None, Exception("disk I/O error"))

    event.listen(engine, "before_cursor_execute", vacuum_fails_once)
    try:
        with pytest.raises(service.StorageNotScrubbed):
            service.set_status(session, batch.id, BatchStatus.closed, ACTOR)
        session.expire_all()
        # The close itself has committed: no ballot can be cast any more.
        assert service.get_batch(session, batch.id).status == BatchStatus.closed
        failed = len(cleanups)
        service.set_status(session, batch.id, BatchStatus.closed, ACTOR)
        assert len(cleanups) > failed  # the second close ran the clean-up again, and it passed
    finally:
        event.remove(engine, "before_cursor_execute", vacuum_fails_once)


def test_a_transaction_older_than_the_close_is_waited_for_and_then_named(
    engine: Engine, session: Session, settings: Settings
) -> None:
    """Such a transaction keeps the old row versions on disk: the office must hear it."""
    batch, _, _ = make_ballot(session, units=2, codes=2, uniform_rule="allow")
    assert batch.id is not None
    settings.ballot_close_wait_seconds = 0.5
    reader = engine.raw_connection()
    try:
        cursor = reader.cursor()
        if engine.dialect.name == "postgresql":  # a transaction id, as a long report's
            cursor.execute("SELECT pg_current_xact_id()")
        else:  # a read snapshot held open, as a long report's
            cursor.execute("BEGIN")
            cursor.execute("SELECT count(*) FROM response")
        cursor.fetchall()
        with pytest.raises(service.StorageNotScrubbed):
            service.set_status(session, batch.id, BatchStatus.closed, ACTOR)
        reader.rollback()
    finally:
        reader.close()
    service.set_status(session, batch.id, BatchStatus.closed, ACTOR)  # the retry completes
