"""What the office sees first for one evaluation: responses and ballots per day by channel,
respondents per group with ballot turnout, and the things that wait for the office today.

Plain data for the office home page and its charts; counts come straight from SQL.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from survey.ballots.models import BallotBatch, BallotCode, BatchStatus, CodeStatus
from survey.comments.listing import CommentFilter, CommentRow, comment_page
from survey.comments.words import OVERDUE
from survey.errors import N_, NotFound
from survey.models import Evaluation, EvaluationStatus, RespondentGroup, Response
from survey.models.responses import Channel
from survey.satisfaction.counts import EXCLUDE, INCLUDE
from survey.satisfaction.policy import current_version

# The channels in the order the office thinks of them, with their names as message ids.
CHANNEL_NAMES: dict[str, str] = {
    Channel.qr: N_("QR code survey"),
    Channel.ballot: N_("Delegate ballot"),
    Channel.paper: N_("Paper ballot"),
    Channel.import_: N_("Imported file"),
}


@dataclass(frozen=True)
class GroupTurnout:
    """One respondent group: its responses (all, and counted) and, for groups that vote with
    ballot codes, the codes issued and used over the evaluation's batches."""

    code: str
    name: str
    name_en: str
    responses: int
    counted: int
    codes_issued: int
    codes_used: int

    @property
    def turnout(self) -> float | None:
        return self.codes_used / self.codes_issued if self.codes_issued else None


@dataclass(frozen=True)
class Waiting:
    """One thing that needs the office: a kind (a code the page words), a count and the
    object it is about (a batch id, say)."""

    kind: str
    count: int
    object_id: int | None = None
    title: str = ""
    title_en: str = ""


@dataclass(frozen=True)
class Overview:
    evaluation: Evaluation
    days: list[str]  # ISO dates with at least one response, oldest first
    channels: list[str]  # channels with at least one response, in CHANNEL_NAMES order
    per_day: dict[tuple[str, str], int] = field(default_factory=dict)  # (day, channel) -> n
    groups: list[GroupTurnout] = field(default_factory=list)
    flagged_waiting: int = 0
    waiting: list[Waiting] = field(default_factory=list)
    # Rectifications past their deadline (the first few; the count is in ``waiting``).
    overdue_comments: list[CommentRow] = field(default_factory=list)

    def on(self, day: str, channel: str) -> int:
        return self.per_day.get((day, channel), 0)

    def day_total(self, day: str) -> int:
        return sum(self.on(day, c) for c in self.channels)


def current_evaluation(session: Session, evaluation_id: int | None = None) -> Evaluation | None:
    """The evaluation asked for, or else the open one of the latest year, or the latest."""
    if evaluation_id is not None:
        found = session.get(Evaluation, evaluation_id)
        if found is None:
            raise NotFound(N_("No evaluation has the id %(id)s."), id=evaluation_id)
        return found
    rows = list(
        session.exec(select(Evaluation).order_by(col(Evaluation.year).desc(), col(Evaluation.id)))
    )
    return next((e for e in rows if e.status == EvaluationStatus.open), None) or next(
        iter(rows), None
    )


def _flagged_waiting(session: Session, evaluation_id: int) -> int:
    """Flagged responses the office has neither included nor excluded."""
    # Spelled out for NULL: "NOT (NULL IN (...))" is NULL in SQL, not true.
    decision = col(Response.quality_decision)
    undecided = or_(decision.is_(None), decision.not_in([INCLUDE, EXCLUDE]))
    statement = select(func.count()).where(
        Response.evaluation_id == evaluation_id, Response.quality_flags != 0, undecided
    )
    return int(session.exec(statement).one())


def _per_day(session: Session, evaluation_id: int) -> dict[tuple[str, str], int]:
    day = func.date(Response.submitted_at)
    rows = session.exec(
        select(day, Response.channel, func.count())
        .where(Response.evaluation_id == evaluation_id)
        .group_by(day, col(Response.channel))
    ).all()
    # SQLite gives the day as text, PostgreSQL as a date: both print as YYYY-MM-DD.
    return {(str(d), str(channel)): int(n) for d, channel, n in rows}


def _groups(session: Session, evaluation_id: int) -> list[GroupTurnout]:
    responses: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    rows = session.exec(
        select(Response.group_id, Response.quality_flags, Response.quality_decision, func.count())
        .where(Response.evaluation_id == evaluation_id)
        .group_by(
            col(Response.group_id), col(Response.quality_flags), col(Response.quality_decision)
        )
    ).all()
    for group_id, flags, decision, n in rows:
        responses[group_id][0] += n
        if decision == INCLUDE or (decision != EXCLUDE and flags == 0):
            responses[group_id][1] += n
    codes: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    code_rows = session.exec(
        select(BallotBatch.group_id, BallotCode.status, func.count())
        .join(BallotBatch, col(BallotBatch.id) == col(BallotCode.batch_id))
        .where(BallotBatch.evaluation_id == evaluation_id)
        .group_by(col(BallotBatch.group_id), col(BallotCode.status))
    ).all()
    for group_id, status, n in code_rows:
        codes[group_id][status] += n
    result = []
    for group in session.exec(
        select(RespondentGroup).order_by(col(RespondentGroup.sort_order), col(RespondentGroup.code))
    ):
        assert group.id is not None
        counts = codes.get(group.id, {})
        issued = counts.get(CodeStatus.unused, 0) + counts.get(CodeStatus.used, 0)
        total, counted = responses.get(group.id, [0, 0])
        if not total and not issued:
            continue
        result.append(
            GroupTurnout(
                group.code,
                group.name,
                group.name_en,
                total,
                counted,
                issued,
                counts.get(CodeStatus.used, 0),
            )
        )
    return result


def _waiting(session: Session, evaluation: Evaluation, flagged: int) -> list[Waiting]:
    assert evaluation.id is not None
    items: list[Waiting] = []
    if flagged:
        items.append(Waiting("flagged", flagged))
    batches = session.exec(
        select(BallotBatch)
        .where(BallotBatch.evaluation_id == evaluation.id)
        .order_by(col(BallotBatch.id))
    )
    for batch in batches:
        if batch.status == BatchStatus.draft:
            items.append(Waiting("batch_draft", 0, batch.id, batch.title, batch.title_en))
        elif batch.status == BatchStatus.open:
            unused = session.exec(
                select(func.count()).where(
                    BallotCode.batch_id == batch.id, BallotCode.status == CodeStatus.unused
                )
            ).one()
            items.append(Waiting("batch_open", int(unused), batch.id, batch.title, batch.title_en))
    is_open = evaluation.status == EvaluationStatus.open
    if is_open and current_version(session, evaluation.id) is None:
        items.append(Waiting("policy_default", 0))
    return items


def overview(session: Session, evaluation: Evaluation) -> Overview:
    assert evaluation.id is not None
    per_day = _per_day(session, evaluation.id)
    seen = {channel for _, channel in per_day}
    channels = [c for c in CHANNEL_NAMES if c in seen] + sorted(seen - set(CHANNEL_NAMES))
    flagged = _flagged_waiting(session, evaluation.id)
    overdue = comment_page(session, evaluation.id, CommentFilter(status=OVERDUE), page_size=10)
    waiting = _waiting(session, evaluation, flagged)
    if overdue.total:
        waiting.append(Waiting("rectification_overdue", overdue.total))
    return Overview(
        evaluation=evaluation,
        days=sorted({day for day, _ in per_day}),
        channels=channels,
        per_day=per_day,
        groups=_groups(session, evaluation.id),
        flagged_waiting=flagged,
        waiting=waiting,
        overdue_comments=overdue.rows,
    )
