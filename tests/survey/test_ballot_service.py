"""Ballot batches, codes and casting: one code, one ballot, with clear refusals."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from survey.ballots import codes, paper, service
from survey.ballots.models import BallotCode, PaperState
from survey.errors import Invalid
from survey.models import Answer, AuditLog, Response
from tests.factories import ACTOR, TEST_SECRET, make_ballot


def _all(units: list, level: str = "satisfied") -> dict[str, str]:  # type: ignore[type-arg]
    return {u.code: level for u in units}


def _ballots(session: Session) -> int:
    session.expire_all()
    return session.exec(
        select(func.count()).select_from(Response).where(Response.channel == "ballot")
    ).one()


def test_codes_are_stored_only_as_keyed_hashes(session: Session) -> None:
    batch, _, issued = make_ballot(session, codes=10)
    rows = session.exec(select(BallotCode).where(BallotCode.batch_id == batch.id)).all()
    assert sorted(r.serial for r in rows) == list(range(1, 11))
    stored = {r.code_hash for r in rows}
    assert stored == {codes.code_hash(TEST_SECRET, c) for c in issued}
    assert not any(c in h for c in issued for h in stored)
    more = service.issue_codes(session, batch.id, 3, TEST_SECRET, ACTOR)  # type: ignore[arg-type]
    assert [m.serial for m in more] == [11, 12, 13]
    entry = session.exec(select(AuditLog).where(AuditLog.action == "ballot_codes.issue")).first()
    assert entry is not None and entry.detail["count"] == 10


def test_each_refusal_has_its_own_reason(session: Session) -> None:
    batch, units, issued = make_ballot(session, codes=4)
    assert batch.id is not None
    with pytest.raises(service.CodeMistyped):
        service.find_code(
            session, TEST_SECRET, issued[0][:-1] + ("0" if issued[0][-1] != "0" else "1")
        )
    with pytest.raises(service.CodeUnknown):
        service.find_code(session, TEST_SECRET, codes.new_code())
    service.void_codes(session, batch.id, ACTOR, serials=[2])
    with pytest.raises(service.CodeVoid):
        service.find_code(session, TEST_SECRET, issued[1])
    code, _ = service.find_code(session, TEST_SECRET, codes.display(issued[0]).lower())
    ballot = service.load_ballot(session, batch)
    plan = service.check_ballot(
        ballot, {**_all(units), units[0].code: "dissatisfied"}, {}, confirm_uniform=False
    )
    service.cast(session, TEST_SECRET, code, plan, ballot)
    with pytest.raises(service.CodeUsed):
        service.find_code(session, TEST_SECRET, issued[0])
    service.set_status(session, batch.id, "closed", ACTOR)  # type: ignore[arg-type]
    with pytest.raises(service.BatchClosed):
        service.find_code(session, TEST_SECRET, issued[2])
    _draft, _, draft_codes = make_ballot(session, status="draft")
    with pytest.raises(service.BatchNotOpen):
        service.find_code(session, TEST_SECRET, draft_codes[0])
    turnout = service.turnout(session, batch)
    assert (turnout.issued, turnout.used, turnout.void, turnout.remaining) == (3, 1, 1, 2)


def test_ballot_rules(session: Session) -> None:
    batch, units, _ = make_ballot(session, units=4, uniform_rule="warn")
    ballot = service.load_ballot(session, batch)
    with pytest.raises(service.BallotInvalid) as missing:
        service.check_ballot(
            ballot, {units[0].code: "satisfied", "NOPE": "satisfied"}, {}, confirm_uniform=False
        )
    fields = {e.field for e in missing.value.errors}
    assert fields == {"r.NOPE", *(f"r.{u.code}" for u in units[1:])}
    with pytest.raises(service.BallotInvalid):
        service.check_ballot(ballot, _all(units, "excellent"), {}, confirm_uniform=True)
    with pytest.raises(service.UniformNeedsConfirmation):
        service.check_ballot(ballot, _all(units), {}, confirm_uniform=False)
    assert service.check_ballot(ballot, _all(units), {}, confirm_uniform=True).uniform
    # "Don't know" everywhere is an abstention, not a uniform verdict.
    assert not service.check_ballot(
        ballot, _all(units, "dont_know"), {}, confirm_uniform=False
    ).uniform
    strict, strict_units, _ = make_ballot(session, units=3, uniform_rule="refuse")
    with pytest.raises(service.UniformRefused):
        service.check_ballot(
            service.load_ballot(session, strict), _all(strict_units), {}, confirm_uniform=True
        )


def test_an_excluded_unit_is_not_on_the_ballot(session: Session) -> None:
    from survey.ballots.schemas import BatchCreate
    from tests.factories import make_category, make_evaluation, make_group, make_unit

    category = make_category(session)
    own, other = make_unit(session, category), make_unit(session, category)
    batch = service.create_batch(
        session,
        BatchCreate(
            evaluation_id=make_evaluation(session).id,
            group=make_group(session, kind="delegate").code,  # type: ignore[arg-type]
            title="本部门干部测评",
            categories=[category.code],
            excluded_unit=own.code,
        ),
        ACTOR,
    )
    assert [u.code for u in service.load_ballot(session, batch).units] == [other.code]


def test_public_groups_do_not_get_ballots(session: Session) -> None:
    from survey.ballots.schemas import BatchCreate
    from tests.factories import make_category, make_evaluation, make_group, make_unit

    unit = make_unit(session, make_category(session))
    with pytest.raises(Invalid):
        service.create_batch(
            session,
            BatchCreate(
                evaluation_id=make_evaluation(session).id,
                group=make_group(session).code,  # type: ignore[arg-type]
                title="x",
                units=[unit.code],
            ),
            ACTOR,
        )


def test_fifty_concurrent_casts_with_one_code_store_one_ballot(
    engine: Engine, session: Session
) -> None:
    batch, units, issued = make_ballot(session, units=5)
    ballot = service.load_ballot(session, batch)
    plan = service.check_ballot(
        ballot, {**_all(units), units[0].code: "dont_know"}, {}, confirm_uniform=False
    )

    def attempt(_: int) -> str:
        with Session(engine) as own:
            try:
                service.cast(own, TEST_SECRET, issued[0], plan, ballot)
            except service.CodeUsed:
                return "used"
            return "cast"

    with ThreadPoolExecutor(max_workers=50) as pool:
        outcomes = list(pool.map(attempt, range(50)))
    assert outcomes.count("cast") == 1 and outcomes.count("used") == 49
    assert _ballots(session) == 1
    assert session.exec(select(func.count()).select_from(Answer)).one() == 5


def test_paper_ballots_need_two_matching_readings(session: Session) -> None:
    from survey.accounts import Principal
    from survey.models import Role

    batch, units, _ = make_ballot(session, units=3)
    assert batch.id is not None
    first, second, third = (Principal(f"clerk{i}", Role.clerk) for i in range(3))
    sheet = {units[0].code: "satisfied", units[1].code: "dissatisfied", units[2].code: "dont_know"}
    assert paper.enter_sheet(session, batch.id, "001", sheet, {}, first).state == "pending"
    with pytest.raises(paper.SameClerkTwice):
        paper.enter_sheet(session, batch.id, "001", sheet, {}, first)
    assert paper.enter_sheet(session, batch.id, "001", sheet, {}, second).state == "accepted"
    with pytest.raises(paper.SheetAlreadyAccepted):
        paper.enter_sheet(session, batch.id, "001", sheet, {}, third)
    misread = {**sheet, units[1].code: "satisfied"}
    paper.enter_sheet(session, batch.id, "002", sheet, {}, first)
    assert paper.enter_sheet(session, batch.id, "002", misread, {}, second).state == "mismatch"
    assert list(paper.sheets_needing_a_look(session, batch.id)) == ["002"]
    assert paper.enter_sheet(session, batch.id, "002", sheet, {}, third).state == "accepted"
    assert paper.sheets_needing_a_look(session, batch.id) == {}
    counts = paper.paper_counts(session, batch.id)
    assert counts[PaperState.accepted] == 2
    session.expire_all()
    stored = session.exec(select(Response).where(Response.channel == "paper")).all()
    assert len(stored) == 2
    levels = sorted(
        a.level for a in session.exec(select(Answer).where(Answer.unit_id == units[1].id))
    )
    assert levels == ["dissatisfied", "dissatisfied"]
