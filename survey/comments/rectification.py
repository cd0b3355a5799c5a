"""Routing comments to units and their rectification (整改): every transition checked against
one table, every change in the audit log.

received -> in_progress -> rectified -> verified (the office's callback, 回访), or back to
in_progress when the callback finds the problem unsolved; received or in_progress ->
appealed (申诉) -> upheld or dismissed by the office with a reason; a dismissed appeal
leaves the unit to rectify after all.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from survey import audit, rules
from survey.accounts import Principal
from survey.ballots.models import BallotBatch, BatchStatus
from survey.comments.rectification_models import (
    DEFAULT_DEADLINE_DAYS,
    Rectification,
    RectificationSetting,
    RectificationStatus,
)
from survey.comments.words import status_words
from survey.comments.workdays import add_working_days, format_holidays, parse_holidays
from survey.errors import N_, Invalid, Message, NotFound, NotPermitted
from survey.models import Comment, Evaluation, Response, Role, Unit
from survey.rules import Action
from survey.timeutil import utcnow

S = RectificationStatus
# Still waiting for the unit: these can be overdue.
OPEN_STATUSES = (S.received, S.in_progress, S.dismissed)
UNIT = "unit"
OFFICE = "office"
# (from, to) -> who may make the move.
TRANSITIONS: dict[tuple[str, str], str] = {
    (S.received, S.in_progress): UNIT,
    (S.received, S.rectified): UNIT,
    (S.received, S.appealed): UNIT,
    (S.in_progress, S.in_progress): UNIT,  # a new measure or deadline while working on it
    (S.in_progress, S.rectified): UNIT,
    (S.in_progress, S.appealed): UNIT,
    (S.dismissed, S.in_progress): UNIT,
    (S.dismissed, S.rectified): UNIT,
    (S.rectified, S.verified): OFFICE,  # the callback confirms it
    (S.rectified, S.in_progress): OFFICE,  # the callback finds it unsolved
    (S.appealed, S.upheld): OFFICE,
    (S.appealed, S.dismissed): OFFICE,
}


def today_utc() -> date:
    return datetime.now(UTC).date()


def check_transition(current: str, target: str, side: str) -> None:
    """Refuse a move the table does not list for ``side``, saying what the item is now."""
    who = TRANSITIONS.get((current, target))
    if who == side:
        return
    if who is None:
        raise Invalid(
            N_("This comment is %(current)s; it cannot become %(target)s."),
            field="status",
            current=Message(status_words(current)),
            target=Message(status_words(target)),
        )
    raise Invalid(
        N_("Only the evaluation office can make a comment %(target)s.")
        if who == OFFICE
        else N_("Only the unit can make a comment %(target)s."),
        field="status",
        target=Message(status_words(target)),
    )


# Settings ------------------------------------------------------------------------------------


def deadline_rule(session: Session, evaluation_id: int) -> tuple[int, frozenset[date]]:
    """The default number of working days and the holidays of the evaluation."""
    found = session.get(RectificationSetting, evaluation_id)
    if found is None:
        return DEFAULT_DEADLINE_DAYS, frozenset()
    return found.deadline_days, parse_holidays(found.holidays)


def set_deadline_rule(
    session: Session,
    evaluation_id: int,
    days: int,
    holidays: str,
    actor: Principal,
    ip: str = "",
) -> RectificationSetting:
    evaluation = _evaluation(session, evaluation_id)
    rules.require(actor, Action.edit, evaluation.status)
    if not 1 <= days <= 120:
        raise Invalid(
            N_("The deadline must be between 1 and 120 working days."), field="deadline_days"
        )
    parsed = parse_holidays(holidays)
    found = session.get(RectificationSetting, evaluation_id) or RectificationSetting(
        evaluation_id=evaluation_id
    )
    found.deadline_days = days
    found.holidays = format_holidays(parsed)
    session.add(found)
    audit.record(
        session,
        actor.name,
        "rectification_setting.set",
        target_type="evaluation",
        target_id=evaluation_id,
        ip=ip,
        deadline_days=days,
        holidays=found.holidays,
    )
    session.commit()
    return found


def default_deadline(session: Session, evaluation_id: int, routed_on: date) -> date:
    days, holidays = deadline_rule(session, evaluation_id)
    return add_working_days(routed_on, days, holidays)


# Finding ---------------------------------------------------------------------------------------


def _evaluation(session: Session, evaluation_id: int) -> Evaluation:
    found = session.get(Evaluation, evaluation_id)
    if found is None:
        raise NotFound(N_("No evaluation has the id %(id)s."), id=evaluation_id)
    return found


def find_comment(session: Session, evaluation_id: int, key: str) -> Comment:
    response_id, _, seq = key.rpartition("-")
    found = session.get(Comment, (response_id, int(seq))) if response_id and seq.isdigit() else None
    if found is None or found.evaluation_id != evaluation_id:
        raise NotFound(N_("No comment has the key %(key)s."), key=key[:80])
    return found


def record_of(session: Session, comment: Comment) -> Rectification | None:
    return session.exec(
        select(Rectification).where(
            Rectification.response_id == comment.response_id, Rectification.seq == comment.seq
        )
    ).first()


def _in_open_ballot(session: Session, response: Response) -> bool:
    if response.ballot_batch_id is None:
        return False
    batch = session.get(BallotBatch, response.ballot_batch_id)
    return batch is not None and batch.status != BatchStatus.closed


def _new_record(
    session: Session, comment: Comment, unit_id: int, routed_on: date, routed_by: str
) -> Rectification:
    return Rectification(
        id=secrets.token_hex(16),
        response_id=comment.response_id,
        seq=comment.seq,
        evaluation_id=comment.evaluation_id,
        unit_id=unit_id,
        routed_on=routed_on,
        routed_by=routed_by,
        deadline=default_deadline(session, comment.evaluation_id, routed_on),
    )


def ensure_record(session: Session, comment: Comment) -> Rectification:
    """The comment's record; a comment about a unit gets one on its submission day."""
    found = record_of(session, comment)
    if found is not None:
        return found
    if comment.unit_id is None:
        raise Invalid(N_("Route this comment to a unit first."), field="unit")
    response = session.get(Response, comment.response_id)
    assert response is not None
    if _in_open_ballot(session, response):
        # Closing a ballot re-inserts its comments under new keys; a record made now would go.
        raise Invalid(
            N_("This comment comes from a ballot that is still open; wait until it closes.")
        )
    record = _new_record(session, comment, comment.unit_id, response.submitted_at.date(), "")
    session.add(record)
    session.flush()
    return record


def materialise_for_unit(session: Session, unit_id: int) -> int:
    """Write the records of the unit's comments that have none yet (they were routed to it
    automatically on their submission day). Returns how many were written."""
    statement = (
        select(Comment, Response.submitted_at)
        .join(Response, col(Response.id) == col(Comment.response_id))
        .outerjoin(
            Rectification,
            (col(Rectification.response_id) == col(Comment.response_id))
            & (col(Rectification.seq) == col(Comment.seq)),
        )
        .outerjoin(BallotBatch, col(BallotBatch.id) == col(Response.ballot_batch_id))
        .where(
            Comment.unit_id == unit_id,
            col(Rectification.id).is_(None),
            (col(Response.ballot_batch_id).is_(None))
            | (col(BallotBatch.status) == BatchStatus.closed),
        )
    )
    rows = list(session.exec(statement))
    if not rows:
        return 0
    for comment, submitted_at in rows:
        session.add(_new_record(session, comment, unit_id, submitted_at.date(), ""))
    try:
        session.commit()
    except IntegrityError:
        # Another request wrote them first: theirs are as good as ours.
        session.rollback()
        return 0
    return len(rows)


# The office ------------------------------------------------------------------------------------


def _office_check(session: Session, actor: Principal, evaluation_id: int) -> Evaluation:
    evaluation = _evaluation(session, evaluation_id)
    rules.require(actor, Action.handle_comments, evaluation.status)
    return evaluation


def route_comment(
    session: Session,
    evaluation_id: int,
    key: str,
    unit_code: str,
    actor: Principal,
    ip: str = "",
    today: date | None = None,
) -> Rectification:
    """Route a general comment (about no unit) to a unit, from today."""
    _office_check(session, actor, evaluation_id)
    comment = find_comment(session, evaluation_id, key)
    if comment.unit_id is not None:
        raise Invalid(
            N_("This comment is about a unit and went to it automatically."), field="unit"
        )
    if record_of(session, comment) is not None:
        raise Invalid(N_("This comment has already been routed."), field="unit")
    unit = session.exec(select(Unit).where(Unit.code == unit_code.strip())).first()
    if unit is None or unit.id is None:
        raise Invalid(N_("Choose the unit to route the comment to."), field="unit")
    record = _new_record(session, comment, unit.id, today or today_utc(), actor.name)
    session.add(record)
    audit.record(
        session,
        actor.name,
        "comment.route",
        target_type="rectification",
        target_id=record.id,
        ip=ip,
        evaluation=evaluation_id,
        unit=unit.code,
        deadline=record.deadline.isoformat(),
    )
    session.commit()
    return record


def _office_record(
    session: Session, actor: Principal, evaluation_id: int, key: str
) -> Rectification:
    _office_check(session, actor, evaluation_id)
    return ensure_record(session, find_comment(session, evaluation_id, key))


def _required(text: str, field: str, message: str) -> str:
    text = text.strip()
    if not text:
        raise Invalid(message, field=field)
    if len(text) > 2000:
        raise Invalid(N_("At most 2000 characters."), field=field)
    return text


def record_callback(
    session: Session,
    evaluation_id: int,
    key: str,
    solved: bool,
    result: str,
    actor: Principal,
    ip: str = "",
) -> Rectification:
    """The office's callback (回访) on a rectified comment: verified, or back in progress."""
    record = _office_record(session, actor, evaluation_id, key)
    result = _required(result, "callback_result", N_("Write what the callback found."))
    target = S.verified if solved else S.in_progress
    check_transition(record.status, target, OFFICE)
    return _move(
        session, record, target, actor.name, "rectification.callback", ip, callback_result=result
    )


def decide_appeal(
    session: Session,
    evaluation_id: int,
    key: str,
    upheld: bool,
    reason: str,
    actor: Principal,
    ip: str = "",
) -> Rectification:
    record = _office_record(session, actor, evaluation_id, key)
    reason = _required(reason, "decision_reason", N_("Give the reason for the decision."))
    target = S.upheld if upheld else S.dismissed
    check_transition(record.status, target, OFFICE)
    return _move(
        session,
        record,
        target,
        actor.name,
        "rectification.appeal_decision",
        ip,
        decision_reason=reason,
    )


def escalate(
    session: Session,
    evaluation_id: int,
    key: str,
    note: str,
    actor: Principal,
    ip: str = "",
    today: date | None = None,
) -> Rectification:
    """Escalate (督办) an overdue rectification: recorded on the item and in the audit log."""
    record = _office_record(session, actor, evaluation_id, key)
    note = _required(note, "escalation_note", N_("Say how the item is escalated."))
    today = today or today_utc()
    if record.status not in OPEN_STATUSES or record.deadline >= today:
        raise Invalid(N_("Only an overdue rectification can be escalated."), field="status")
    record.escalated_on = today
    record.escalated_by = actor.name
    record.escalation_note = note
    record.updated_at = utcnow()
    session.add(record)
    audit.record(
        session,
        actor.name,
        "rectification.escalate",
        target_type="rectification",
        target_id=record.id,
        ip=ip,
        note=note,
        deadline=record.deadline.isoformat(),
    )
    session.commit()
    return record


def _move(
    session: Session,
    record: Rectification,
    target: str,
    actor: str,
    action: str,
    ip: str,
    **changes: object,
) -> Rectification:
    before = record.status
    for name, value in changes.items():
        setattr(record, name, value)
    record.status = target
    record.updated_at = utcnow()
    session.add(record)
    audit.record(
        session,
        actor,
        action,
        target_type="rectification",
        target_id=record.id,
        ip=ip,
        before=before,
        after=target,
        **{k: v.isoformat() if isinstance(v, date) else v for k, v in changes.items()},
    )
    session.commit()
    return record


# The unit --------------------------------------------------------------------------------------


def unit_record(session: Session, principal: Principal, record_id: str) -> Rectification:
    """A record of the principal's own unit; any other answers as not found."""
    if principal.role != Role.unit or principal.unit_id is None:
        raise NotPermitted()
    found = session.get(Rectification, record_id[:32])
    if found is None or found.unit_id != principal.unit_id:
        raise NotFound(N_("No such comment for your unit."))
    return found


@dataclass(frozen=True)
class UnitAnswer:
    status: str  # in_progress, rectified or appealed
    measure: str = ""
    responsible_office: str = ""
    deadline: date | None = None
    appeal_reason: str = ""


def answer(
    session: Session,
    principal: Principal,
    record_id: str,
    given: UnitAnswer,
    ip: str = "",
    today: date | None = None,
) -> Rectification:
    """The unit's answer: its measure, the office responsible and the deadline, or an appeal."""
    record = unit_record(session, principal, record_id)
    if given.status not in (S.in_progress, S.rectified, S.appealed):
        raise Invalid(
            N_("Choose what to record: in progress, rectified or an appeal."), field="status"
        )
    check_transition(record.status, given.status, UNIT)
    today = today or today_utc()
    changes: dict[str, object] = {}
    if given.status == S.appealed:
        changes["appeal_reason"] = _required(
            given.appeal_reason, "appeal_reason", N_("Give the reason for the appeal.")
        )
    else:
        changes["measure"] = _required(
            given.measure, "measure", N_("Describe the rectification measure.")
        )
        changes["responsible_office"] = _required(
            given.responsible_office,
            "responsible_office",
            N_("Name the office responsible for the rectification."),
        )[:200]
        if given.deadline is not None and given.deadline != record.deadline:
            latest = default_deadline(session, record.evaluation_id, record.routed_on)
            if not record.routed_on <= given.deadline <= latest:
                raise Invalid(
                    N_("The deadline must lie between %(first)s and %(last)s."),
                    field="deadline",
                    first=record.routed_on.isoformat(),
                    last=latest.isoformat(),
                )
            changes["deadline"] = given.deadline
        if given.status == S.rectified:
            changes["rectified_on"] = today
    return _move(
        session, record, given.status, principal.name, "rectification.answer", ip, **changes
    )
