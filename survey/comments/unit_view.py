"""What a unit sees of the comments routed to it: the text, its status and deadline, and
the respondent group only where enough comments share it.

Disclosure rule (``survey.satisfaction.disclosure.comment_group_visible``): a comment shown to
a unit carries no respondent detail but its group, and the group only when the unit has at
least the evaluation's comment minimum (its policy's ``comment_threshold``, default
``COMMENT_MINIMUM``) routed comments from that group in the evaluation; no channel, period,
time of day or answers. The day shown is the routing day (the deadline counts from
it).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from survey.accounts import Principal
from survey.comments.rectification import (
    OPEN_STATUSES,
    default_deadline,
    materialise_for_unit,
    today_utc,
    unit_record,
)
from survey.comments.rectification_models import Rectification
from survey.errors import NotPermitted
from survey.models import Comment, Evaluation, RespondentGroup, Response, Role
from survey.satisfaction.disclosure import comment_group_visible
from survey.satisfaction.policy import current_version

COMMENT_MINIMUM = 10


@dataclass(frozen=True)
class UnitComment:
    key: str  # the rectification's random id
    evaluation: str
    evaluation_en: str
    question: str
    text: str
    group: str  # empty when the group has fewer than COMMENT_MINIMUM comments for the unit
    group_en: str
    routed_on: date
    deadline: date
    latest_deadline: date
    status: str
    overdue: bool
    measure: str
    responsible_office: str
    appeal_reason: str
    decision_reason: str
    callback_result: str
    escalated_on: date | None
    escalation_note: str


def _member(principal: Principal) -> int:
    if principal.role != Role.unit or principal.unit_id is None:
        raise NotPermitted()
    return principal.unit_id


def _shown_groups(session: Session, unit_id: int) -> dict[tuple[int, int], RespondentGroup]:
    """(evaluation, group id) -> group, for groups with enough comments for the unit."""
    counts: Counter[tuple[int, int]] = Counter()
    rows = session.exec(
        select(Rectification.evaluation_id, Response.group_id)
        .join(Response, col(Response.id) == col(Rectification.response_id))
        .where(Rectification.unit_id == unit_id)
    )
    for evaluation_id, group_id in rows:
        counts[(evaluation_id, group_id)] += 1
    groups = {g.id: g for g in session.exec(select(RespondentGroup))}
    minimums: dict[int, int] = {}
    for evaluation_id, _ in counts:
        if evaluation_id not in minimums:
            # The evaluation's own comment minimum (its satisfaction policy), the same rule
            # the unit's home applies (survey.satisfaction.disclosure).
            row = current_version(session, evaluation_id)
            minimums[evaluation_id] = row.comment_threshold if row else COMMENT_MINIMUM
    return {
        key: groups[key[1]]
        for key, n in counts.items()
        if comment_group_visible(n, minimums[key[0]]) and key[1] in groups
    }


def unit_comments(
    session: Session, principal: Principal, *, status: str = "", today: date | None = None
) -> list[UnitComment]:
    """Every comment routed to the principal's unit, newest routing first."""
    unit_id = _member(principal)
    materialise_for_unit(session, unit_id)
    today = today or today_utc()
    statement = (
        select(Rectification, Comment, Response.group_id, Evaluation)
        .join(
            Comment,
            (col(Comment.response_id) == col(Rectification.response_id))
            & (col(Comment.seq) == col(Rectification.seq)),
        )
        .join(Response, col(Response.id) == col(Rectification.response_id))
        .join(Evaluation, col(Evaluation.id) == col(Rectification.evaluation_id))
        .where(Rectification.unit_id == unit_id)
        .order_by(col(Rectification.routed_on).desc(), col(Rectification.id))
    )
    if status:
        statement = statement.where(Rectification.status == status)
    shown = _shown_groups(session, unit_id)
    return [
        _line(
            session, record, comment, shown.get((record.evaluation_id, group_id)), evaluation, today
        )
        for record, comment, group_id, evaluation in session.exec(statement)
    ]


def _line(
    session: Session,
    record: Rectification,
    comment: Comment,
    group: RespondentGroup | None,
    evaluation: Evaluation,
    today: date,
) -> UnitComment:
    return UnitComment(
        key=record.id,
        evaluation=evaluation.name,
        evaluation_en=evaluation.name_en,
        question=comment.question or "",
        text=comment.text,
        group=group.name if group else "",
        group_en=group.name_en if group else "",
        routed_on=record.routed_on,
        deadline=record.deadline,
        latest_deadline=default_deadline(session, record.evaluation_id, record.routed_on),
        status=record.status,
        overdue=record.status in OPEN_STATUSES and record.deadline < today,
        measure=record.measure,
        responsible_office=record.responsible_office,
        appeal_reason=record.appeal_reason,
        decision_reason=record.decision_reason,
        callback_result=record.callback_result,
        escalated_on=record.escalated_on,
        escalation_note=record.escalation_note,
    )


def unit_comment(
    session: Session, principal: Principal, key: str, today: date | None = None
) -> UnitComment:
    """One comment of the principal's unit; another unit's answers as not found."""
    record = unit_record(session, principal, key)
    comment = session.get(Comment, (record.response_id, record.seq))
    response = session.get(Response, record.response_id)
    evaluation = session.get(Evaluation, record.evaluation_id)
    assert comment is not None and response is not None and evaluation is not None
    assert principal.unit_id is not None
    group = _shown_groups(session, principal.unit_id).get((record.evaluation_id, response.group_id))
    return _line(session, record, comment, group, evaluation, today or today_utc())
