"""A batch's accounting and tally sheet, worked by hand: codes issued, ballots returned on both
channels, blank and spoilt paper sheets, turnout, the quorum and the count per unit."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from fractions import Fraction

import pytest
from sqlmodel import Session, func, select

from survey.accounts import Principal
from survey.ballots import paper, service, tally, tally_export
from survey.ballots.models import BallotBatch, PaperEntry
from survey.errors import Conflict, Invalid, NotPermitted
from survey.models import AuditLog, Response, Role, Unit
from survey.spreadsheet import Reader, csv_text
from tests.factories import ACTOR, TEST_SECRET, make_ballot

CLERKS = [Principal(f"clerk{i}", Role.clerk) for i in range(3)]
S, B, D, K = "satisfied", "basically_satisfied", "dissatisfied", "dont_know"


@dataclass
class Meeting:
    batch: BallotBatch
    units: list[Unit]


def _sheet(
    session: Session, batch_id: int, number: str, marks: dict[str, str], **kind: str
) -> None:
    """One paper sheet, typed by two clerks who agree."""
    for clerk in CLERKS[:2]:
        paper.enter_sheet(session, batch_id, number, marks, {}, clerk, **kind)


def hand_worked_meeting(session: Session, *, unsettled: bool = True) -> Meeting:
    """42 codes issued and 2 cancelled (40 count); 25 electronic ballots; 8 paper sheets
    accepted (6 valid, 1 blank, 1 spoilt); one more sheet read only once (``unsettled``), not
    counted.

    Electronic: 15 x (A satisfied, B basically, C dissatisfied), 10 x (A basically,
    B satisfied, C don't know). Paper: 4 x (all satisfied), 2 x (A dissatisfied, B don't know,
    C basically). Per unit, in the scale's order satisfied / basically / dissatisfied / don't
    know: A 19 10 2 0, B 14 15 0 2, C 4 2 15 10; each 31, the valid ballots.
    """
    batch, units, issued = make_ballot(session, units=3, codes=42)
    assert batch.id is not None
    a, b, c = (u.code for u in units)
    service.void_codes(session, batch.id, ACTOR, serials=[41, 42])
    ballot = service.load_ballot(session, batch)
    for n, code in enumerate(issued[:25]):
        marks = {a: S, b: B, c: D} if n < 15 else {a: B, b: S, c: K}
        plan = service.check_ballot(ballot, marks, {}, confirm_uniform=True)
        service.cast(session, TEST_SECRET, code, plan, ballot)
    for n in range(4):
        _sheet(session, batch.id, f"P{n}", {a: S, b: S, c: S})
    # Sheet P4 is misread once; the third reading settles it as the first clerk read it.
    paper.enter_sheet(session, batch.id, "P4", {a: D, b: K, c: B}, {}, CLERKS[0])
    paper.enter_sheet(session, batch.id, "P4", {a: D, b: K, c: D}, {}, CLERKS[1])
    paper.enter_sheet(session, batch.id, "P4", {a: D, b: K, c: B}, {}, CLERKS[2])
    _sheet(session, batch.id, "P5", {a: D, b: K, c: B})
    _sheet(session, batch.id, "P6", {}, disposition="blank")
    _sheet(session, batch.id, "P7", {}, disposition="invalid", invalid_reason="several_marks")
    if unsettled:
        paper.enter_sheet(session, batch.id, "P8", {a: S, b: S, c: B}, {}, CLERKS[0])
    return Meeting(batch, units)


def test_the_hand_worked_batch(session: Session) -> None:
    meeting = hand_worked_meeting(session)
    batch = meeting.batch
    assert batch.id is not None
    sheet = tally.batch_tally(session, batch)
    assert (sheet.issued, sheet.void, sheet.codes_used) == (40, 2, 25)
    assert (sheet.electronic, sheet.paper_valid, sheet.paper_blank, sheet.paper_invalid) == (
        25,
        6,
        1,
        1,
    )
    assert (sheet.returned, sheet.paper, sheet.blank, sheet.invalid, sheet.valid) == (
        33,
        8,
        1,
        1,
        31,
    )
    assert sheet.turnout == pytest.approx(33 / 40) == 0.825
    assert dict(sheet.invalid_reasons) == {
        "several_marks": 1,
        "illegible": 0,
        "unofficial": 0,
        "other": 0,
    }
    assert sheet.paper_unsettled == 1
    # Two thirds of 40 is 26.67: 27 ballots are needed, and 33 came back.
    assert (sheet.quorum.text, sheet.required, sheet.state, sheet.shortfall) == (
        "2/3",
        27,
        tally.QuorumState.met,
        0,
    )
    # While voting is open the sheet gives no count per unit.
    assert sheet.units is None and not sheet.final

    # The last sheet gets its second reading; then voting closes.
    a, b, c = (u.code for u in meeting.units)
    paper.enter_sheet(session, batch.id, "P8", {a: S, b: S, c: B}, {}, CLERKS[1])
    service.set_status(session, batch.id, "closed", ACTOR)  # type: ignore[arg-type]
    closed = tally.batch_tally(session, service.get_batch(session, batch.id))
    assert (closed.returned, closed.valid, closed.paper_unsettled) == (34, 32, 0)
    assert closed.final
    assert [level.code for level in closed.levels] == [S, B, D, K]
    assert closed.units is not None
    counted = {u.unit.code: (u.counts, u.total) for u in closed.units}
    assert counted == {
        a: ((20, 10, 2, 0), 32),
        b: ((15, 15, 0, 2), 32),
        c: ((4, 3, 15, 10), 32),
    }
    # Every unit's total is the number of valid ballots: each one rates every unit.
    assert {total for _, total in counted.values()} == {closed.valid}


def test_blank_and_spoilt_sheets_store_no_ballot(session: Session) -> None:
    batch, _, _ = make_ballot(session, units=3)
    assert batch.id is not None
    _sheet(session, batch.id, "1", {}, disposition="blank")
    _sheet(session, batch.id, "2", {}, disposition="invalid", invalid_reason="illegible")
    session.expire_all()
    assert session.exec(select(func.count()).select_from(Response)).one() == 0
    entries = session.exec(select(PaperEntry).where(PaperEntry.batch_id == batch.id)).all()
    assert {(e.sheet_no, e.state, e.disposition, e.invalid_reason) for e in entries} == {
        ("1", "accepted", "blank", ""),
        ("2", "accepted", "invalid", "illegible"),
    }
    sheet = tally.batch_tally(session, batch)
    assert (sheet.returned, sheet.blank, sheet.invalid, sheet.valid) == (2, 1, 1, 0)


def test_readings_must_agree_on_what_the_sheet_is(session: Session) -> None:
    batch, units, _ = make_ballot(session, units=2)
    assert batch.id is not None
    first = paper.enter_sheet(session, batch.id, "9", {}, {}, CLERKS[0], disposition="blank")
    assert first.state == "pending"
    second = paper.enter_sheet(
        session,
        batch.id,
        "9",
        {},
        {},
        CLERKS[1],
        disposition="invalid",
        invalid_reason="several_marks",
    )
    assert second.state == "mismatch"
    assert list(paper.sheets_needing_a_look(session, batch.id)) == ["9"]
    # A spoilt sheet's marks are not kept, so two readings of its reason alone decide.
    third = paper.enter_sheet(
        session,
        batch.id,
        "9",
        {units[0].code: S},
        {},
        CLERKS[2],
        disposition="invalid",
        invalid_reason="several_marks",
    )
    assert third.state == "accepted" and third.answers == {}
    sheet = tally.batch_tally(session, batch)
    assert (sheet.blank, sheet.invalid) == (0, 1)


def test_paper_readings_that_make_no_sense_are_refused(session: Session) -> None:
    batch, units, _ = make_ballot(session, units=2)
    assert batch.id is not None
    with pytest.raises(Invalid) as marked:
        paper.enter_sheet(
            session, batch.id, "1", {units[0].code: S}, {}, CLERKS[0], disposition="blank"
        )
    assert marked.value.field == "disposition"
    with pytest.raises(Invalid) as no_reason:
        paper.enter_sheet(session, batch.id, "1", {}, {}, CLERKS[0], disposition="invalid")
    assert no_reason.value.field == "invalid_reason"
    with pytest.raises(Invalid):
        paper.enter_sheet(
            session,
            batch.id,
            "1",
            {},
            {},
            CLERKS[0],
            disposition="invalid",
            invalid_reason="torn",
        )
    with pytest.raises(Invalid):
        paper.enter_sheet(session, batch.id, "1", {}, {}, CLERKS[0], disposition="lost")
    # A valid sheet still needs a mark for every unit.
    with pytest.raises(service.BallotInvalid):
        paper.enter_sheet(session, batch.id, "1", {units[0].code: S}, {}, CLERKS[0])
    session.expire_all()
    assert session.exec(select(func.count()).select_from(PaperEntry)).one() == 0


def test_quorum_met_and_not_met(session: Session) -> None:
    meeting = hand_worked_meeting(session)
    batch_id = meeting.batch.id
    assert batch_id is not None
    expected = {
        # typed: (stored fraction, ballots needed out of 40, state with 33 returned, shortfall)
        "3/4": ("3/4", 30, tally.QuorumState.met, 0),
        "9/10": ("9/10", 36, tally.QuorumState.short, 3),
        "85%": ("17/20", 34, tally.QuorumState.short, 1),
        "0.825": ("33/40", 33, tally.QuorumState.met, 0),
        "１／２": ("1/2", 20, tally.QuorumState.met, 0),
        "1": ("1/1", 40, tally.QuorumState.short, 7),
    }
    for typed, (text, needed, state, short) in expected.items():
        tally.set_quorum(session, batch_id, typed, ACTOR)
        sheet = tally.batch_tally(session, service.get_batch(session, batch_id))
        assert (sheet.quorum.text, sheet.required, sheet.state, sheet.shortfall) == (
            text,
            needed,
            state,
            short,
        ), typed
    entries = session.exec(
        select(AuditLog).where(AuditLog.action == "ballot_batch.quorum").order_by(AuditLog.id)  # type: ignore[arg-type]
    ).all()
    assert [(e.detail["old"], e.detail["new"]) for e in entries][:2] == [
        ("2/3", "3/4"),
        ("3/4", "9/10"),
    ]
    assert len(entries) == len(expected)


def test_more_ballots_than_codes_void_the_count(session: Session) -> None:
    batch, units, _ = make_ballot(session, units=2, codes=2)
    assert batch.id is not None
    marks = {units[0].code: S, units[1].code: D}
    for number in ("1", "2", "3"):
        _sheet(session, batch.id, number, marks)
    sheet = tally.batch_tally(session, batch)
    assert (sheet.issued, sheet.returned, sheet.state) == (
        2,
        3,
        tally.QuorumState.over_returned,
    )
    # Every card lost and nothing returned: nothing to measure against.
    empty, _, _ = make_ballot(session, units=2, codes=1)
    assert empty.id is not None
    service.void_codes(session, empty.id, ACTOR, serials=[1])
    assert tally.batch_tally(session, empty).state == tally.QuorumState.no_codes


@pytest.mark.parametrize(
    "typed", ["1/3", "49%", "0.4", "3/2", "101%", "1.5", "2/0", "", "abc", "2:3", "-2/3", "1e0"]
)
def test_a_quorum_out_of_range_is_refused_and_nothing_changes(session: Session, typed: str) -> None:
    batch, _, _ = make_ballot(session, units=2)
    assert batch.id is not None
    with pytest.raises(Invalid) as refused:
        tally.set_quorum(session, batch.id, typed, ACTOR)
    assert refused.value.field == "quorum"
    assert "one half" in refused.value.message
    session.expire_all()
    stored = service.get_batch(session, batch.id)
    assert (stored.quorum_numerator, stored.quorum_denominator) == (2, 3)
    assert (
        session.exec(
            select(func.count())
            .select_from(AuditLog)
            .where(AuditLog.action == "ballot_batch.quorum")
        ).one()
        == 0
    )


def test_the_quorum_is_the_office_s_and_stays_once_voting_closed(session: Session) -> None:
    batch, _, _ = make_ballot(session, units=2)
    assert batch.id is not None
    for role in (Role.viewer, Role.clerk):
        with pytest.raises(NotPermitted):
            tally.set_quorum(session, batch.id, "3/4", Principal("someone", role))
    service.set_status(session, batch.id, "closed", ACTOR)  # type: ignore[arg-type]
    with pytest.raises(Conflict):
        tally.set_quorum(session, batch.id, "3/4", ACTOR)


def test_parse_quorum_keeps_exact_fractions() -> None:
    assert tally.parse_quorum("2/3") == Fraction(2, 3)
    assert tally.parse_quorum(" 66.7% ") == Fraction(667, 1000)
    assert tally.parse_quorum("０．７５") == Fraction(3, 4)
    assert tally.parse_quorum("50％") == Fraction(1, 2)
    assert tally.parse_quorum("1") == 1
    # Two thirds of 40 rounds up to 27, of 3 is exactly 2, of 0 is 0.
    quorum = tally.Quorum(2, 3)
    assert (quorum.required(40), quorum.required(3), quorum.required(0)) == (27, 2, 0)


def test_the_tally_as_a_table(session: Session) -> None:
    meeting = hand_worked_meeting(session)
    batch_id = meeting.batch.id
    assert batch_id is not None
    service.set_status(session, batch_id, "closed", ACTOR)  # type: ignore[arg-type]
    sheet = tally.batch_tally(session, service.get_batch(session, batch_id))
    words = Reader("en", lambda message: str(message))
    tables = tally_export.tally_tables(sheet, words)
    assert [t.title for t in tables] == ["Ballot accounting", "Count per unit"]
    lines = {row[0]: row[1:] for row in tables[0].rows}
    assert lines["Codes issued"] == [40, None, None]
    assert lines["Ballots returned"] == [33, 33 / 40, None]
    assert lines["Blank ballots"][0] == 1 and lines["Spoilt ballots"][0] == 1
    assert lines["Spoilt: More than one mark for a unit"][0] == 1
    assert lines["Valid ballots"][:2] == [31, 31 / 40]
    assert lines["Quorum: ballots needed"] == [27, pytest.approx(2 / 3), "2/3"]
    assert lines["Result"][2] == "Quorum reached: the result stands"
    units = list(csv.reader(io.StringIO(csv_text(tables[1]))))
    assert units[0] == [
        "Unit code",
        "Unit",
        "Category",
        "Satisfied",
        "Basically satisfied",
        "Dissatisfied",
        "Don't know",
        "Ballots in all",
    ]
    a = meeting.units[0]
    assert units[1][0] == a.code and units[1][3:] == ["19", "10", "2", "0", "31"]
