"""The mixing ballot box: groups of at least k, refusals that do not count, a bounded wait."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, func, select

from survey.ballots import box, service
from survey.ballots.models import BallotCode, CodeStatus
from survey.config import Settings
from survey.models import Response
from tests.factories import ACTOR, TEST_SECRET, make_ballot


def _counts(session: Session, batch_id: int) -> tuple[int, int]:
    session.expire_all()
    ballots = session.exec(
        select(func.count()).select_from(Response).where(Response.ballot_batch_id == batch_id)
    ).one()
    used = session.exec(
        select(func.count())
        .select_from(BallotCode)
        .where(BallotCode.batch_id == batch_id, BallotCode.status == CodeStatus.used)
    ).one()
    return ballots, used


def test_a_group_waits_for_k_and_a_refusal_does_not_count(
    engine: Engine, session: Session, settings: Settings
) -> None:
    batch, units, issued = make_ballot(session, units=3, codes=6, uniform_rule="allow")
    assert batch.id is not None
    ballot = service.load_ballot(session, batch)
    plan = service.check_ballot(
        ballot, {u.code: "satisfied" for u in units}, {}, confirm_uniform=True
    )

    def cast(code: str) -> str:
        with Session(engine) as own:
            try:
                service.cast(own, TEST_SECRET, code, plan, ballot)
            except service.CodeUsed:
                return "used"
            return "cast"

    settings.ballot_anonymity_set = 3
    settings.ballot_mix_wait_seconds = 0.2
    assert cast(issued[0]) == "cast"  # alone: stored after the bounded wait
    assert _counts(session, batch.id) == (1, 1)

    settings.ballot_mix_wait_seconds = 30.0
    with ThreadPoolExecutor(max_workers=4) as pool:
        again: Future[str] = pool.submit(cast, issued[0])
        first: list[Future[str]] = [pool.submit(cast, c) for c in issued[1:3]]
        # The used code is refused at once; the two good casts are too few to commit.
        assert again.result(timeout=10) == "used"
        time.sleep(0.5)
        assert not any(f.done() for f in first)
        assert _counts(session, batch.id) == (1, 1)
        third = pool.submit(cast, issued[3])
        assert [f.result(timeout=10) for f in [*first, third]] == ["cast"] * 3
    assert _counts(session, batch.id) == (4, 4)


def test_a_lone_delegate_waits_at_most_the_mix_wait(
    engine: Engine, session: Session, settings: Settings
) -> None:
    batch, units, issued = make_ballot(session, units=3, codes=2, uniform_rule="allow")
    assert batch.id is not None
    ballot = service.load_ballot(session, batch)
    plan = service.check_ballot(
        ballot, {u.code: "dont_know" for u in units}, {}, confirm_uniform=True
    )
    settings.ballot_mix_wait_seconds = 0.5
    started = time.monotonic()
    service.cast(session, TEST_SECRET, issued[0], plan, ballot)
    waited = time.monotonic() - started
    assert 0.5 <= waited < 5
    assert _counts(session, batch.id) == (1, 1)
    service.set_status(session, batch.id, "closed", ACTOR)  # type: ignore[arg-type]
    with pytest.raises(service.BatchClosed):
        service.cast(session, TEST_SECRET, issued[1], plan, ballot)


def _plan_for(
    session: Session, codes: int
) -> tuple[int, list[str], service.BallotPlan, service.BallotDefinition]:
    batch, units, issued = make_ballot(session, units=2, codes=codes, uniform_rule="allow")
    assert batch.id is not None
    ballot = service.load_ballot(session, batch)
    plan = service.check_ballot(
        ballot, {u.code: "satisfied" for u in units}, {}, confirm_uniform=True
    )
    return batch.id, issued, plan, ballot


def test_a_cast_that_gives_up_in_line_is_never_stored_later(
    session: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Told "not stored, your code is unused", the delegate must find exactly that."""
    batch_id, issued, plan, ballot = _plan_for(session, codes=2)
    settings.ballot_anonymity_set = 2
    settings.ballot_mix_wait_seconds = 30.0
    # Give up 0.3 s after arriving, long before the 30 s mix wait lets a lone cast commit.
    monkeypatch.setattr(box, "GIVE_UP_MARGIN_SECONDS", -29.7)
    with pytest.raises(box.BallotNotStored):
        service.cast(session, TEST_SECRET, issued[0], plan, ballot)
    monkeypatch.setattr(box, "GIVE_UP_MARGIN_SECONDS", 120.0)
    settings.ballot_mix_wait_seconds = 0.2
    # Had the first cast stayed in line, it would now form a group of two with this one.
    service.cast(session, TEST_SECRET, issued[1], plan, ballot)
    assert _counts(session, batch_id) == (1, 1)
    service.cast(session, TEST_SECRET, issued[0], plan, ballot)
    assert _counts(session, batch_id) == (2, 2)


@contextmanager
def _ballot_inserts_fail(engine: Engine, times: int) -> Iterator[list[int]]:
    """The database refuses the next ``times`` ballot inserts, as a dropped connection or a
    deadlock would; yields the list that counts the refusals."""
    failed: list[int] = []

    def refuse(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO RESPONSE") and len(failed) < times:
            failed.append(1)
            raise OperationalError(statement, None, Exception("connection lost"))

    event.listen(engine, "before_cursor_execute", refuse)
    try:
        yield failed
    finally:
        event.remove(engine, "before_cursor_execute", refuse)


def test_a_group_whose_transaction_fails_once_is_stored_by_the_second_attempt(
    engine: Engine, session: Session, settings: Settings
) -> None:
    batch_id, issued, plan, ballot = _plan_for(session, codes=1)
    settings.ballot_anonymity_set = 1
    with _ballot_inserts_fail(engine, times=1) as failed:
        service.cast(session, TEST_SECRET, issued[0], plan, ballot)
    assert failed == [1]
    assert _counts(session, batch_id) == (1, 1)


def test_a_group_the_database_keeps_refusing_stores_nothing_and_uses_no_code(
    engine: Engine, session: Session, settings: Settings
) -> None:
    batch_id, issued, plan, ballot = _plan_for(session, codes=1)
    settings.ballot_anonymity_set = 1
    with _ballot_inserts_fail(engine, times=100) as failed, pytest.raises(box.BallotNotStored):
        service.cast(session, TEST_SECRET, issued[0], plan, ballot)
    assert len(failed) == box.ATTEMPTS
    assert _counts(session, batch_id) == (0, 0)
    service.cast(session, TEST_SECRET, issued[0], plan, ballot)
    assert _counts(session, batch_id) == (1, 1)
