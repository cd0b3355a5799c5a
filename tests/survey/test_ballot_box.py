"""The mixing ballot box: groups of at least k, refusals that do not count, a bounded wait."""

from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from survey.ballots import service
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
