"""A ballot batch's accounting and tally sheet (计票统计表): codes issued, ballots returned
electronically and on paper, blank and spoilt sheets, turnout, the quorum, and per unit the
number of ballots at each rating level.

The words, as the tally sheet prints them:

- *issued*: codes issued and not cancelled (a lost card's code is void and not counted);
- *returned*: electronic ballots stored plus paper sheets accepted by the double entry, whatever
  they say; a paper sheet carries no code, so it is counted beside the codes, not against them;
- *blank* (空白票): an accepted paper sheet with no mark for any unit. An electronic ballot is
  never blank: ``/b`` takes a ballot only with an answer for every unit (不了解 is an answer);
- *spoilt* (废票): an accepted paper sheet the clerks read as invalid, with a reason category
  (two marks for one unit, altered or unreadable marks, not an official sheet, other);
- *valid*: returned minus blank minus spoilt; only valid ballots rate units;
- *quorum*: the batch's result stands when the ballots returned reach the office's share of the
  codes issued (two thirds unless set otherwise), and more ballots returned than codes issued
  voids it, as for any count of ballots.

Nothing here reads a code next to a ballot: the figures are counts of codes by status, counts of
ballots by channel and counts of answers by unit and level. The per-unit counts appear only
once voting has closed, so that watching the sheet while delegates vote one by one says nothing
about the last ballot in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from sqlalchemy import distinct, func
from sqlmodel import Session, col, select

from survey import audit, rules
from survey import organisation as org
from survey.accounts import Principal
from survey.ballots.definition import load_ballot
from survey.ballots.models import (
    BallotBatch,
    BallotCode,
    BatchStatus,
    CodeStatus,
    InvalidReason,
    PaperEntry,
    PaperState,
    SheetDisposition,
)
from survey.ballots.service import get_batch
from survey.errors import N_, Conflict, Invalid
from survey.models import Answer, Channel, RespondentGroup, Response, Unit, UnitCategory
from survey.rules import Action
from survey.surveys.definition import UnitItem
from survey.surveys.scales import Level, scale

# The quorum the office may set: from one half of the codes issued to all of them.
LOWEST_QUORUM = Fraction(1, 2)
QUORUM_EXAMPLES = "2/3, 3/4, 60%"
_FRACTION = re.compile(r"(\d{1,4})/(\d{1,4})")
_PERCENT = re.compile(r"(\d{1,3}(?:\.\d)?)%")
_DECIMAL = re.compile(r"(0?\.\d{1,3}|1(?:\.0{1,3})?)")


class QuorumState(StrEnum):
    met = "quorum_met"  # returned >= the share of issued, and not more than issued
    short = "quorum_short"  # fewer returned than the quorum needs
    over_returned = "over_returned"  # more returned than issued: the count is void
    no_codes = "no_codes"  # nothing issued yet: nothing to measure against


# What the sheet and the exports call each state, disposition and reason (message ids).
STATE_WORDS: dict[str, str] = {
    QuorumState.met: N_("Quorum reached: the result stands"),
    QuorumState.short: N_("Quorum not reached: the result does not stand"),
    QuorumState.over_returned: N_("More ballots returned than codes issued: the count is void"),
    QuorumState.no_codes: N_("No code issued yet"),
}
# Short words for a tag beside a batch whose voting may still be under way.
STATE_TAGS: dict[str, str] = {
    QuorumState.met: N_("Quorum reached"),
    QuorumState.short: N_("Quorum not reached"),
    QuorumState.over_returned: N_("More returned than issued"),
    QuorumState.no_codes: N_("No code issued yet"),
}
DISPOSITION_WORDS: dict[str, str] = {
    SheetDisposition.valid: N_("Valid sheet"),
    SheetDisposition.blank: N_("Blank sheet (no mark)"),
    SheetDisposition.invalid: N_("Spoilt sheet"),
}
REASON_WORDS: dict[str, str] = {
    InvalidReason.several_marks: N_("More than one mark for a unit"),
    InvalidReason.illegible: N_("Marks altered or unreadable"),
    InvalidReason.unofficial: N_("Not an official sheet of this meeting"),
    InvalidReason.other: N_("Other reason"),
}


@dataclass(frozen=True)
class Quorum:
    numerator: int
    denominator: int

    @property
    def share(self) -> float:
        return self.numerator / self.denominator

    @property
    def text(self) -> str:
        return f"{self.numerator}/{self.denominator}"

    def required(self, issued: int) -> int:
        """The fewest ballots that reach the quorum: the share of ``issued``, rounded up."""
        return -(-issued * self.numerator // self.denominator)


@dataclass(frozen=True)
class UnitTally:
    unit: UnitItem
    counts: tuple[int, ...]  # ballots at each level of the scale, in the scale's order
    total: int


@dataclass(frozen=True)
class Tally:
    batch_id: int
    title: str
    title_en: str
    status: str
    group_name: str
    group_name_en: str
    levels: tuple[Level, ...]
    issued: int
    void: int
    codes_used: int
    electronic: int
    paper_valid: int
    paper_blank: int
    paper_invalid: int
    invalid_reasons: tuple[tuple[str, int], ...]  # (InvalidReason, sheets), every reason
    paper_unsettled: int  # sheets still waiting for a matching reading
    quorum: Quorum
    units: tuple[UnitTally, ...] | None  # None until voting has closed

    @property
    def paper(self) -> int:
        return self.paper_valid + self.paper_blank + self.paper_invalid

    @property
    def returned(self) -> int:
        return self.electronic + self.paper

    @property
    def blank(self) -> int:
        return self.paper_blank

    @property
    def invalid(self) -> int:
        return self.paper_invalid

    @property
    def valid(self) -> int:
        return self.returned - self.blank - self.invalid

    @property
    def turnout(self) -> float:
        """Returned / issued; 0 when nothing is issued."""
        return self.returned / self.issued if self.issued else 0.0

    @property
    def required(self) -> int:
        return self.quorum.required(self.issued)

    @property
    def shortfall(self) -> int:
        return max(0, self.required - self.returned)

    @property
    def state(self) -> QuorumState:
        if self.issued == 0:
            return QuorumState.over_returned if self.returned else QuorumState.no_codes
        if self.returned > self.issued:
            return QuorumState.over_returned
        return QuorumState.met if self.returned >= self.required else QuorumState.short

    @property
    def final(self) -> bool:
        """Voting closed and every paper sheet settled: the figures will not move."""
        return self.status == BatchStatus.closed and self.paper_unsettled == 0


# The quorum -------------------------------------------------------------------------


def parse_quorum(typed: str) -> Fraction:
    """A share typed as a fraction (2/3), a percentage (66.7%) or a decimal (0.75).

    Full-width characters are read as their ASCII forms. Refused unless between one half and
    one, with the same message whatever was wrong.
    """
    text = typed.strip().translate(str.maketrans("／％．０１２３４５６７８９", "/%.0123456789"))
    text = text.replace(" ", "")
    share: Fraction | None = None
    if match := _FRACTION.fullmatch(text):
        numerator, denominator = int(match[1]), int(match[2])
        share = Fraction(numerator, denominator) if denominator else None
    elif match := _PERCENT.fullmatch(text):
        share = Fraction(match[1]) / 100
    elif match := _DECIMAL.fullmatch(text):
        share = Fraction(match[1])
    if share is None or not LOWEST_QUORUM <= share <= 1:
        raise Invalid(
            N_(
                "The quorum is a share of the codes issued from one half to all of them, "
                "such as %(examples)s."
            ),
            field="quorum",
            examples=QUORUM_EXAMPLES,
        )
    return share


def set_quorum(session: Session, batch_id: int, typed: str, actor: Principal) -> BallotBatch:
    """Set the batch's quorum (audited); refused once voting has closed or results are out."""
    batch = get_batch(session, batch_id)
    evaluation = org.get_evaluation(session, batch.evaluation_id)
    rules.require(actor, Action.edit, evaluation.status)
    if batch.status == BatchStatus.closed:
        raise Conflict(
            N_("Voting has closed: the quorum the ballots were counted against stays as it was.")
        )
    share = parse_quorum(typed)
    before = Quorum(batch.quorum_numerator, batch.quorum_denominator).text
    batch.quorum_numerator, batch.quorum_denominator = share.numerator, share.denominator
    session.add(batch)
    audit.record(
        session,
        actor.name,
        "ballot_batch.quorum",
        target_type="ballot_batch",
        target_id=batch_id,
        old=before,
        new=f"{share.numerator}/{share.denominator}",
    )
    session.commit()
    return batch


# The tally --------------------------------------------------------------------------


def batch_tally(session: Session, batch: BallotBatch, *, with_units: bool = True) -> Tally:
    """The batch's accounting, and (``with_units``, once voting has closed) its count per unit."""
    assert batch.id is not None
    codes = dict(
        session.exec(
            select(BallotCode.status, func.count())
            .where(BallotCode.batch_id == batch.id)
            .group_by(BallotCode.status)
        ).all()
    )
    channels = dict(
        session.exec(
            select(Response.channel, func.count())
            .where(Response.ballot_batch_id == batch.id)
            .group_by(Response.channel)
        ).all()
    )
    sheets = session.exec(
        select(
            PaperEntry.disposition,
            PaperEntry.invalid_reason,
            func.count(distinct(col(PaperEntry.sheet_no))),
        )
        .where(PaperEntry.batch_id == batch.id, PaperEntry.state == PaperState.accepted)
        .group_by(PaperEntry.disposition, PaperEntry.invalid_reason)
    ).all()
    by_disposition = {kind: 0 for kind in SheetDisposition}
    by_reason = {reason: 0 for reason in InvalidReason}
    for disposition, reason, count in sheets:
        by_disposition[SheetDisposition(disposition)] += count
        if disposition == SheetDisposition.invalid:
            by_reason[InvalidReason(reason)] += count
    unsettled = session.exec(
        select(func.count(distinct(col(PaperEntry.sheet_no)))).where(
            PaperEntry.batch_id == batch.id,
            col(PaperEntry.state).in_([PaperState.pending, PaperState.mismatch]),
        )
    ).one()
    group = session.get(RespondentGroup, batch.group_id)
    assert group is not None
    levels = scale(batch.scale).levels
    units = None
    if with_units and batch.status == BatchStatus.closed:
        units = _unit_counts(session, batch, levels)
    return Tally(
        batch_id=batch.id,
        title=batch.title,
        title_en=batch.title_en,
        status=batch.status,
        group_name=group.name,
        group_name_en=group.name_en,
        levels=levels,
        issued=codes.get(CodeStatus.unused, 0) + codes.get(CodeStatus.used, 0),
        void=codes.get(CodeStatus.void, 0),
        codes_used=codes.get(CodeStatus.used, 0),
        electronic=channels.get(Channel.ballot, 0),
        # The paper ballots themselves; equal to the valid sheets the double entry accepted.
        paper_valid=channels.get(Channel.paper, 0),
        paper_blank=by_disposition[SheetDisposition.blank],
        paper_invalid=by_disposition[SheetDisposition.invalid],
        invalid_reasons=tuple((reason.value, n) for reason, n in by_reason.items()),
        paper_unsettled=int(unsettled),
        quorum=Quorum(batch.quorum_numerator, batch.quorum_denominator),
        units=units,
    )


def _unit_counts(
    session: Session, batch: BallotBatch, levels: tuple[Level, ...]
) -> tuple[UnitTally, ...]:
    """Per unit on the ballot (and any unit counted that has left it since), each level's count."""
    rows = session.exec(
        select(Answer.unit_id, Answer.level, func.count())
        .join(Response, col(Response.id) == col(Answer.response_id))
        .where(Response.ballot_batch_id == batch.id)
        .group_by(col(Answer.unit_id), col(Answer.level))
    ).all()
    counted: dict[int, dict[str, int]] = {}
    for unit_id, level, count in rows:
        if unit_id is not None and level is not None:
            counted.setdefault(unit_id, {})[level] = count
    units = list(load_ballot(session, batch).units)
    listed = {u.id for u in units}
    gone = [unit_id for unit_id in counted if unit_id not in listed]
    if gone:
        for row, category in session.exec(
            select(Unit, UnitCategory)
            .join(UnitCategory, col(UnitCategory.id) == Unit.category_id)
            .where(col(Unit.id).in_(gone))
            .order_by(col(Unit.code))
        ):
            assert row.id is not None
            units.append(
                UnitItem(
                    row.id,
                    row.code,
                    row.name,
                    row.name_en,
                    category.code,
                    category.name,
                    category.name_en,
                )
            )
    result = []
    for unit in units:
        found = counted.get(unit.id, {})
        numbers = tuple(found.get(level.code, 0) for level in levels)
        result.append(UnitTally(unit, numbers, sum(found.values())))
    return tuple(result)


def batch_tallies(session: Session, batches: list[BallotBatch]) -> dict[int, Tally]:
    """The accounting of each batch (no per-unit counts), by batch id, for lists of batches."""
    return {b.id: batch_tally(session, b, with_units=False) for b in batches if b.id is not None}
