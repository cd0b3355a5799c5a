"""The office's list of comments: filters, keyset pages that stay fast at 100k comments, and
the same rows as a spreadsheet.

A page is ordered newest first by the response's time, then by the comment's key, and the
next page starts after the last row shown (keyset paging): a deep page costs what the first
does, where an offset would read and throw away every row before it.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Exists, Select, and_, func, or_, tuple_
from sqlalchemy.orm import aliased
from sqlalchemy.sql import visitors
from sqlalchemy.sql.expression import ColumnClause
from sqlmodel import Session, col, select

from survey.comments.rectification import OPEN_STATUSES, deadline_rule, today_utc
from survey.comments.rectification_models import Rectification, RectificationStatus
from survey.comments.topics import has_topic_code
from survey.comments.words import FILTER_WORDS, OVERDUE, UNROUTED, status_words
from survey.comments.workdays import add_working_days, latest_start_overdue
from survey.errors import N_, Invalid
from survey.models import Comment, Period, RespondentGroup, Response, Unit
from survey.models.responses import Channel
from survey.spreadsheet import Column, Reader, Table

PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
EXPORT_BATCH = 2000
MAX_WORDS = 100
# Counts stop here: beyond it a page says "more than 1,000" (see ``_count``).
COUNT_CAP = 1_000
# Statuses only a record has, which few comments hold at a time (see ``page_statement``).
RECORD_STATUSES = frozenset(
    {"in_progress", "rectified", "verified", "appealed", "upheld", "dismissed"}
)


@dataclass(frozen=True)
class CommentFilter:
    """What the office asks for; empty fields do not filter."""

    unit: str = ""  # unit code: the comment's unit, or the unit it was routed to
    group: str = ""  # respondent group code
    channel: str = ""  # qr, ballot, paper, import
    period: str = ""  # period code
    since: date | None = None  # first day, inclusive (UTC, as times are shown)
    until: date | None = None  # last day, inclusive
    words: str = ""  # a substring of the text
    status: str = ""  # a rectification status, "unrouted" or "overdue"
    # A comment topic's code (survey.comments.topics): comments tagged with it.
    topic: str = ""

    def as_query(self) -> dict[str, str]:
        """The filters as URL query parameters (only those set)."""
        raw = {
            "unit": self.unit,
            "group": self.group,
            "channel": self.channel,
            "period": self.period,
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
            "words": self.words,
            "status": self.status,
            "topic": self.topic,
        }
        return {k: v for k, v in raw.items() if v}


@dataclass(frozen=True)
class CommentRow:
    key: str  # the office's key of the comment: "<response id>-<seq>"
    submitted_at: datetime
    channel: str
    group_code: str
    group_name: str
    group_name_en: str
    period: str
    unit_code: str  # the unit it is about or was routed to; empty when not routed
    unit_name: str
    unit_name_en: str
    question: str
    text: str
    status: str  # a RectificationStatus or "unrouted"
    deadline: date | None
    overdue: bool
    rectification_id: str | None
    escalated: bool


@dataclass(frozen=True)
class CommentPage:
    rows: list[CommentRow]
    total: int  # at most COUNT_CAP + 1; -1 when not counted
    next_cursor: str | None  # where the next page starts; None on the last page
    page_size: int

    @property
    def total_capped(self) -> bool:
        """More matches than COUNT_CAP: ``total`` is a lower bound."""
        return self.total > COUNT_CAP


def comment_key(response_id: str, seq: int) -> str:
    return f"{response_id}-{seq}"


def split_key(key: str) -> tuple[str, int]:
    response_id, _, seq = key.rpartition("-")
    if not response_id or not seq.isdigit() or len(response_id) > 32:
        raise Invalid(N_("No comment has the key %(key)s."), field="key", key=key[:80])
    return response_id, int(seq)


def parse_filter(
    *,
    unit: str = "",
    group: str = "",
    channel: str = "",
    period: str = "",
    since: str = "",
    until: str = "",
    words: str = "",
    status: str = "",
    topic: str = "",
) -> CommentFilter:
    """Filters from text (a form or a query string), each checked; bad ones refused by name."""
    wanted = CommentFilter(
        unit=unit.strip(),
        group=group.strip(),
        channel=channel.strip(),
        period=period.strip(),
        since=_day(since, "since"),
        until=_day(until, "until"),
        words=words.strip()[:MAX_WORDS],
        status=status.strip(),
        topic=topic.strip(),
    )
    if wanted.since and wanted.until and wanted.since > wanted.until:
        raise Invalid(N_("The first day comes after the last day."), field="since")
    if wanted.status and wanted.status not in FILTER_WORDS:
        raise Invalid(N_("Unknown status %(status)s."), field="status", status=wanted.status)
    if wanted.channel and wanted.channel not in {c.value for c in Channel}:
        raise Invalid(N_("Unknown channel %(channel)s."), field="channel", channel=wanted.channel)
    return wanted


def _day(value: str, field: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise Invalid(
            N_("Write the date as year-month-day, for example 2026-12-01."), field=field
        ) from None


def encode_cursor(submitted_at: datetime, response_id: str, seq: int) -> str:
    moment = submitted_at if submitted_at.tzinfo else submitted_at.replace(tzinfo=UTC)
    raw = f"{moment.astimezone(UTC).isoformat()}|{response_id}|{seq}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        moment, response_id, seq = base64.urlsafe_b64decode(padded).decode().split("|")
        parsed = datetime.fromisoformat(moment)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed, response_id, int(seq)
    except (ValueError, UnicodeDecodeError):
        raise Invalid(
            N_("This page link is not valid; start again from the first page."), field="after"
        ) from None


def _lookup(session: Session, model: type, code: str, evaluation_id: int | None = None) -> int:
    statement = select(model.id).where(model.code == code)  # type: ignore[attr-defined]
    if evaluation_id is not None:
        statement = statement.where(model.evaluation_id == evaluation_id)  # type: ignore[attr-defined]
    found = session.exec(statement).first()
    if found is None:
        raise Invalid(N_("Unknown code %(code)s."), field="code", code=code)
    return int(found)


def _conditions(
    session: Session, evaluation_id: int, wanted: CommentFilter, today: date
) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = [col(Comment.evaluation_id) == evaluation_id]
    no_record = col(Rectification.id).is_(None)
    if wanted.unit:
        unit_id = _lookup(session, Unit, wanted.unit)
        # A comment about a unit is only ever routed to that unit; general ones (no unit) go
        # where the office routed them, which are few: their keys are read first, so that
        # both parts are conditions on the comment that its indexes answer.
        routed = session.exec(
            select(Rectification.response_id, Rectification.seq)
            .join(Comment, _RECORD_JOIN)
            .where(
                col(Rectification.evaluation_id) == evaluation_id,
                col(Rectification.unit_id) == unit_id,
                col(Comment.unit_id).is_(None),
            )
        ).all()
        about = col(Comment.unit_id) == unit_id
        found.append(
            or_(about, tuple_(col(Comment.response_id), col(Comment.seq)).in_(list(routed)))
            if routed
            else about
        )
    if wanted.group:
        found.append(col(Response.group_id) == _lookup(session, RespondentGroup, wanted.group))
    if wanted.channel:
        found.append(col(Response.channel) == wanted.channel)
    if wanted.period:
        found.append(
            col(Response.period_id) == _lookup(session, Period, wanted.period, evaluation_id)
        )
    if wanted.since is not None:
        found.append(col(Response.submitted_at) >= datetime.combine(wanted.since, time(), UTC))
    if wanted.until is not None:
        end = datetime.combine(wanted.until + timedelta(days=1), time(), UTC)
        found.append(col(Response.submitted_at) < end)
    if wanted.words:
        found.append(col(Comment.text).contains(wanted.words, autoescape=True))
    if wanted.status == UNROUTED:
        # NOT EXISTS rather than the outer join's NULL: the planner then expects many rows
        # and walks the time index instead of sorting every match.
        no_unit = col(Comment.unit_id).is_(None)
        if session.get_bind().dialect.name == "sqlite":
            # Keeps SQLite off the unit index (a fifth of all comments have no unit), so
            # that it walks the time index in page order as PostgreSQL does.
            no_unit = (col(Comment.unit_id) + 0).is_(None)
        found.append(and_(no_unit, ~_has_record()))
    elif wanted.status == RectificationStatus.received:
        found.append(
            or_(
                col(Rectification.status) == RectificationStatus.received,
                and_(no_record, col(Comment.unit_id).is_not(None)),
            )
        )
    elif wanted.status == OVERDUE:
        days, holidays = deadline_rule(session, evaluation_id)
        cutoff = datetime.combine(
            latest_start_overdue(today, days, holidays) + timedelta(days=1), time(), UTC
        )
        # Redundant, for the time index: nothing overdue came in after both the cutoff of
        # the comments without a record and the latest routing day of an overdue record
        # (a comment is routed on or after the day it came in).
        latest = session.exec(
            select(func.max(Rectification.routed_on)).where(
                col(Rectification.evaluation_id) == evaluation_id,
                col(Rectification.status).in_(OPEN_STATUSES),
                col(Rectification.deadline) < today,
            )
        ).one()
        bound = cutoff
        if latest is not None:
            bound = max(cutoff, datetime.combine(latest + timedelta(days=1), time(), UTC))
        found.append(col(Response.submitted_at) < bound)
        found.append(
            or_(
                and_(
                    col(Rectification.status).in_(OPEN_STATUSES),
                    col(Rectification.deadline) < today,
                ),
                and_(
                    no_record,
                    col(Comment.unit_id).is_not(None),
                    col(Response.submitted_at) < cutoff,
                ),
            )
        )
    elif wanted.status:
        found.append(col(Rectification.status) == wanted.status)
    if wanted.topic:
        found.append(has_topic_code(evaluation_id, wanted.topic))
    return found


_RECORD_JOIN = and_(
    col(Rectification.response_id) == col(Comment.response_id),
    col(Rectification.seq) == col(Comment.seq),
)


def _count(session: Session, evaluation_id: int, conditions: list[ColumnElement[bool]]) -> int:
    """How many comments the conditions keep, up to COUNT_CAP + 1 (more is "over COUNT_CAP").

    Joins only the tables the conditions name, and stops at the cap: an exact count of
    70,000 matches would read all of them on every page, where the page itself reads 51.
    When the page is the last one, the caller needs no count at all.
    """
    named = {
        str(getattr(element.table, "name", ""))
        for condition in conditions
        for element in visitors.iterate(condition)
        if isinstance(element, ColumnClause) and element.table is not None
    }
    inner = select(col(Comment.seq)).select_from(Comment)
    if session.get_bind().dialect.name == "sqlite":
        # SQLite would read the comments by their unit index, the general ones (no unit)
        # first; by the responses' time index instead, the oldest (the overdue) come first.
        named.add("response")
        conditions = [
            col(Comment.evaluation_id) + 0 == evaluation_id,
            *conditions[1:],
            col(Response.evaluation_id) == evaluation_id,
        ]
    if "response" in named:
        inner = inner.join(Response, col(Response.id) == col(Comment.response_id))
    if "rectification" in named:
        inner = inner.outerjoin(Rectification, _RECORD_JOIN)
    limited = inner.where(*conditions).limit(COUNT_CAP + 1).subquery()
    return int(session.exec(select(func.count()).select_from(limited)).one())


def _has_record() -> Exists:
    record = aliased(Rectification)
    return (
        select(record.id)
        .where(
            col(record.response_id) == col(Comment.response_id),
            col(record.seq) == col(Comment.seq),
        )
        .correlate(Comment)
        .exists()
    )


def _base(columns: tuple[object, ...]):  # type: ignore[no-untyped-def]
    return (
        select(*columns)  # type: ignore[call-overload]
        .select_from(Comment)
        .join(Response, col(Response.id) == col(Comment.response_id))
        .outerjoin(Rectification, _RECORD_JOIN)
    )


_COLUMNS = (
    Comment.response_id,
    Comment.seq,
    Comment.unit_id,
    Comment.question,
    Comment.text,
    Response.submitted_at,
    Response.channel,
    Response.group_id,
    Response.period_id,
    Rectification.id,
    Rectification.unit_id,
    Rectification.status,
    Rectification.deadline,
    Rectification.escalated_on,
)


class _Names:
    """Units, groups and periods by id, read once per call (a few hundred rows at most)."""

    def __init__(self, session: Session, evaluation_id: int) -> None:
        self.units = {u.id: u for u in session.exec(select(Unit))}
        self.groups = {g.id: g for g in session.exec(select(RespondentGroup))}
        self.periods = {
            p.id: p.code
            for p in session.exec(select(Period).where(Period.evaluation_id == evaluation_id))
        }


def _row(raw: tuple, names: _Names, rule: tuple[int, frozenset[date]], today: date) -> CommentRow:  # type: ignore[type-arg]
    (
        response_id,
        seq,
        unit_id,
        question,
        text,
        submitted_at,
        channel,
        group_id,
        period_id,
        record_id,
        routed_unit_id,
        status,
        deadline,
        escalated_on,
    ) = raw
    unit = names.units.get(routed_unit_id or unit_id)
    group = names.groups.get(group_id)
    if record_id is None:
        status = UNROUTED if unit_id is None else RectificationStatus.received
        deadline = (
            None if unit_id is None else add_working_days(submitted_at.date(), rule[0], rule[1])
        )
    overdue = deadline is not None and status in OPEN_STATUSES and deadline < today
    return CommentRow(
        key=comment_key(response_id, seq),
        submitted_at=submitted_at,
        channel=channel,
        group_code=group.code if group else "",
        group_name=group.name if group else "",
        group_name_en=group.name_en if group else "",
        period=names.periods.get(period_id, ""),
        unit_code=unit.code if unit else "",
        unit_name=unit.name if unit else "",
        unit_name_en=unit.name_en if unit else "",
        question=question or "",
        text=text,
        status=str(status),
        deadline=deadline,
        overdue=overdue,
        rectification_id=record_id,
        escalated=escalated_on is not None,
    )


_ORDER = (
    col(Response.submitted_at).desc(),
    col(Response.id).desc(),
    col(Comment.seq).desc(),
)


def page_statement(
    session: Session,
    evaluation_id: int,
    wanted: CommentFilter,
    *,
    after: str = "",
    page_size: int = PAGE_SIZE,
    today: date | None = None,
    walk: bool | None = None,
) -> Select[Any]:
    """The SELECT of one page (one row more than the page, to know whether another follows).

    Two plans serve a page. Many matches: walk the responses' time index newest first and
    keep the matches until the page is full. Few matches (one unit's comments, or a status
    only records have): read them by the comments' or records' own indexes and sort them.
    ``walk`` chooses; None decides from the filters as just said.
    """
    conditions = _conditions(session, evaluation_id, wanted, today or today_utc())
    if walk is None:
        walk = not wanted.unit and wanted.status not in RECORD_STATUSES
    if walk:
        # The response names the evaluation too, so that its time index serves the order.
        conditions.append(col(Response.evaluation_id) == evaluation_id)
        if session.get_bind().dialect.name == "sqlite":
            # SQLite would start from the comments' evaluation index and sort every match;
            # "+ 0" keeps it off that index, so that it walks the time index in page order.
            conditions[0] = col(Comment.evaluation_id) + 0 == evaluation_id
    statement = _base(_COLUMNS).where(*conditions)
    if after:
        moment, response_id, seq = decode_cursor(after)
        # Spelled so that the first part is a range of the response's time index.
        position = tuple_(col(Response.submitted_at), col(Response.id))
        statement = statement.where(
            position <= tuple_(moment, response_id),
            or_(position < tuple_(moment, response_id), col(Comment.seq) < seq),
        )
    size = max(1, min(page_size, MAX_PAGE_SIZE))
    return statement.order_by(*_ORDER).limit(size + 1)  # type: ignore[no-any-return]


def comment_page(
    session: Session,
    evaluation_id: int,
    wanted: CommentFilter,
    *,
    after: str = "",
    page_size: int = PAGE_SIZE,
    today: date | None = None,
    with_total: bool = True,
) -> CommentPage:
    """One page of the evaluation's comments, newest first, after the cursor ``after``."""
    today = today or today_utc()
    size = max(1, min(page_size, MAX_PAGE_SIZE))
    total = -1
    if with_total:
        total = _count(session, evaluation_id, _conditions(session, evaluation_id, wanted, today))
    statement = page_statement(
        session,
        evaluation_id,
        wanted,
        after=after,
        page_size=size,
        today=today,
    )
    raw = list(session.execute(statement).all())
    names = _Names(session, evaluation_id)
    rule = deadline_rule(session, evaluation_id)
    rows = [_row(tuple(r), names, rule, today) for r in raw[:size]]
    next_cursor = None
    if len(raw) > size:
        last = raw[size - 1]
        next_cursor = encode_cursor(last[5], last[0], last[1])
    return CommentPage(rows=rows, total=total, next_cursor=next_cursor, page_size=size)


def all_comments(
    session: Session, evaluation_id: int, wanted: CommentFilter, today: date | None = None
) -> Iterator[CommentRow]:
    """Every comment the filters keep, page after page (for exports)."""
    after = ""
    while True:
        page = comment_page(
            session,
            evaluation_id,
            wanted,
            after=after,
            page_size=MAX_PAGE_SIZE,
            today=today,
            with_total=False,
        )
        yield from page.rows
        if page.next_cursor is None:
            return
        after = page.next_cursor


def comments_table(rows: Iterator[CommentRow], reader: Reader, title: str) -> Table:
    """The rows as a table for ``survey.spreadsheet`` (which keeps text from being a formula)."""
    words = reader.words
    columns = [
        Column(words(N_("Received"))),
        Column(words(N_("Unit code"))),
        Column(words(N_("Unit"))),
        Column(words(N_("Respondent group"))),
        Column(words(N_("Channel"))),
        Column(words(N_("Period"))),
        Column(words(N_("Question"))),
        Column(words(N_("Comment")), width=60),
        Column(words(N_("Rectification status"))),
        Column(words(N_("Deadline"))),
        Column(words(N_("Overdue"))),
    ]
    table = Table(title=title, columns=columns)
    for row in rows:
        table.rows.append(
            [
                row.submitted_at.replace(tzinfo=None),
                row.unit_code,
                reader.named(row.unit_name, row.unit_name_en),
                reader.named(row.group_name, row.group_name_en),
                row.channel,
                row.period,
                row.question,
                row.text,
                words(status_words(row.status)),
                row.deadline,
                reader.yes_no(row.overdue),
            ]
        )
    return table


def with_status(wanted: CommentFilter, status: str) -> CommentFilter:
    return replace(wanted, status=status)
