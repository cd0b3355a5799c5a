"""Paper ballots, entered twice: two clerks type the same sheet; only matching readings count.

The first reading of a sheet waits. A second reading by another clerk that matches it is
accepted and stored as a ballot; one that differs marks the sheet for a third look. A third
reading (by a clerk who has not read it yet) that matches either earlier one settles it.

Each reading also says what the sheet is: valid (every unit marked once), blank (no mark at
all, 空白票) or spoilt (废票, with a reason category such as two marks for one unit). Readings
match only when they agree on that too. A blank or spoilt sheet, once accepted, is counted in
the batch's tally (``survey.ballots.tally``) but stores no ballot: it rates nobody.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from survey import audit
from survey.accounts import Principal
from survey.ballots.models import (
    BatchStatus,
    InvalidReason,
    PaperEntry,
    PaperState,
    SheetDisposition,
)
from survey.ballots.service import (
    BatchClosed,
    BatchNotOpen,
    check_ballot,
    get_batch,
    load_ballot,
    store_ballot,
)
from survey.errors import N_, Conflict, Invalid
from survey.models import Channel


class SheetAlreadyAccepted(Conflict):
    message = N_("Sheet %(sheet)s has already been entered twice and accepted.")


class SameClerkTwice(Conflict):
    message = N_("Sheet %(sheet)s needs a reading by another clerk.")


def _read_disposition(
    disposition: str, invalid_reason: str, answers: dict[str, str], comments: dict[str, str]
) -> tuple[SheetDisposition, str]:
    """The sheet's disposition and reason, checked against the marks typed with them."""
    try:
        kind = SheetDisposition(disposition)
    except ValueError:
        raise Invalid(
            N_("Say whether the sheet is valid, blank or spoilt."), field="disposition"
        ) from None
    if kind == SheetDisposition.blank and (
        any(answers.values()) or any(v.strip() for v in comments.values())
    ):
        raise Invalid(
            N_("A blank sheet has no mark. Clear the marks typed, or enter the sheet as valid."),
            field="disposition",
        )
    if kind == SheetDisposition.invalid:
        if invalid_reason not in set(InvalidReason):
            raise Invalid(N_("Choose why the sheet is spoilt."), field="invalid_reason")
        return kind, invalid_reason
    return kind, ""


def enter_sheet(
    session: Session,
    batch_id: int,
    sheet_no: str,
    answers: dict[str, str],
    comments: dict[str, str],
    clerk: Principal,
    *,
    disposition: str = SheetDisposition.valid,
    invalid_reason: str = "",
) -> PaperEntry:
    batch = get_batch(session, batch_id)
    if batch.status == BatchStatus.draft:
        raise BatchNotOpen()
    if batch.status == BatchStatus.closed:
        raise BatchClosed()
    ballot = load_ballot(session, batch)
    kind, reason = _read_disposition(disposition, invalid_reason, answers, comments)
    plan = None
    if kind == SheetDisposition.valid:
        # Paper is what it is: a uniform sheet is entered as marked, not refused.
        plan = check_ballot(ballot, answers, comments, confirm_uniform=True)
    else:
        # The marks of a spoilt sheet count for nothing: they are not kept.
        answers, comments = {}, {}
    earlier = list(
        session.exec(
            select(PaperEntry)
            .where(PaperEntry.batch_id == batch_id, PaperEntry.sheet_no == sheet_no)
            .order_by(col(PaperEntry.id))
        )
    )
    if any(e.state == PaperState.accepted for e in earlier):
        raise SheetAlreadyAccepted(sheet=sheet_no)
    if any(e.clerk == clerk.name for e in earlier):
        raise SameClerkTwice(sheet=sheet_no)
    entry = PaperEntry(
        batch_id=batch_id,
        sheet_no=sheet_no,
        clerk=clerk.name,
        answers=dict(answers),
        comments={k: v.strip() for k, v in comments.items() if v.strip()},
        disposition=kind,
        invalid_reason=reason,
    )
    session.add(entry)
    match = next((e for e in earlier if _same_reading(e, entry)), None)
    if match is not None:
        for other in earlier:
            other.state = PaperState.accepted if other is match else PaperState.superseded
            session.add(other)
        entry.state = PaperState.accepted
        if plan is not None:
            store_ballot(session.connection(), ballot, plan, Channel.paper)
    elif earlier:
        entry.state = PaperState.mismatch
        for other in earlier:
            other.state = PaperState.mismatch
            session.add(other)
    audit.record(
        session,
        clerk.name,
        "paper_ballot.enter",
        target_type="ballot_batch",
        target_id=batch_id,
        sheet=sheet_no,
        state=entry.state,
        disposition=kind,
        invalid_reason=reason,
    )
    session.commit()
    return entry


def _same_reading(earlier: PaperEntry, entry: PaperEntry) -> bool:
    return (
        earlier.answers == entry.answers
        and earlier.comments == entry.comments
        and earlier.disposition == entry.disposition
        and earlier.invalid_reason == entry.invalid_reason
    )


def sheets_needing_a_look(session: Session, batch_id: int) -> dict[str, list[PaperEntry]]:
    """Sheets whose readings disagree, with every reading, for a third clerk."""
    entries = session.exec(
        select(PaperEntry)
        .where(PaperEntry.batch_id == batch_id, PaperEntry.state == PaperState.mismatch)
        .order_by(col(PaperEntry.sheet_no), col(PaperEntry.id))
    )
    sheets: dict[str, list[PaperEntry]] = {}
    for entry in entries:
        sheets.setdefault(entry.sheet_no, []).append(entry)
    return sheets


def paper_counts(session: Session, batch_id: int) -> dict[str, int]:
    entries = session.exec(select(PaperEntry).where(PaperEntry.batch_id == batch_id))
    sheets: dict[str, str] = {}
    for entry in entries:
        if sheets.get(entry.sheet_no) != PaperState.accepted:
            sheets[entry.sheet_no] = entry.state
    counts = {state.value: 0 for state in PaperState}
    for state in sheets.values():
        counts[state] += 1
    return counts
