"""Ballot services: batches, codes, casting (one code, one ballot), turnout, closing."""

from __future__ import annotations

import logging
import secrets
from collections import Counter
from collections.abc import Collection
from typing import Any

from sqlalchemy import delete as sa_delete
from sqlalchemy import func, update
from sqlalchemy.engine import Connection
from sqlmodel import Session, col, select

from survey import audit, rules
from survey import organisation as org
from survey.accounts import Principal
from survey.ballots import box, codes, secrecy
from survey.ballots.definition import BallotDefinition, BallotPlan, load_ballot
from survey.ballots.errors import (
    BallotInvalid,
    BatchClosed,
    BatchNotOpen,
    CodeMistyped,
    CodeUnknown,
    CodeUsed,
    CodeVoid,
    StorageNotScrubbed,
    UniformNeedsConfirmation,
    UniformRefused,
)
from survey.ballots.models import (
    BallotBatch,
    BallotBatchCategory,
    BallotBatchUnit,
    BallotCode,
    BatchStatus,
    CodeStatus,
    UniformRule,
)
from survey.ballots.schemas import BALLOT_SCALES, BatchCreate, BatchPublic, IssuedCode, Turnout
from survey.config import get_settings
from survey.errors import N_, Conflict, DomainError, Invalid, NotFound
from survey.models import (
    Answer,
    Comment,
    EvaluationStatus,
    GroupKind,
    Period,
    RespondentGroup,
    Response,
    TimePrecision,
    Unit,
)
from survey.rules import Action
from survey.security import random_id
from survey.surveys.scales import DONT_KNOW
from survey.surveys.submission import COMMENT_MAX_LENGTH, FieldError, clean_text
from survey.surveys.writer import (
    ANSWER_COLUMNS,
    COMMENT_COLUMNS,
    RESPONSE_COLUMNS,
    insert_rows,
)
from survey.timeutil import truncate_to_day, utcnow

log = logging.getLogger("pingyi.ballots")

# The refusals and the ballot definition live in their own modules; callers (routes, the CLI,
# benchmarks) reach them through this service as before.
__all__ = [
    "MAX_CODES_PER_ISSUE",
    "UNIFORM_MINIMUM_UNITS",
    "BallotDefinition",
    "BallotInvalid",
    "BallotPlan",
    "BatchClosed",
    "BatchNotOpen",
    "CodeMistyped",
    "CodeUnknown",
    "CodeUsed",
    "CodeVoid",
    "StorageNotScrubbed",
    "UniformNeedsConfirmation",
    "UniformRefused",
    "batch_public",
    "cast",
    "check_ballot",
    "create_batch",
    "find_code",
    "get_batch",
    "issue_codes",
    "list_batches",
    "load_ballot",
    "open_turnouts",
    "remix",
    "set_status",
    "store_ballot",
    "turnout",
    "void_codes",
]

MAX_CODES_PER_ISSUE = 20_000
UNIFORM_MINIMUM_UNITS = 3

# The ballot box says why it refused a cast; each reason is a domain error with its message.
_REFUSALS: dict[box.Refusal, type[DomainError]] = {
    box.Refusal.code_used: CodeUsed,
    box.Refusal.code_void: CodeVoid,
    box.Refusal.batch_closed: BatchClosed,
    box.Refusal.batch_not_open: BatchNotOpen,
}


# Batches ------------------------------------------------------------------------------


def get_batch(session: Session, batch_id: int) -> BallotBatch:
    batch = session.get(BallotBatch, batch_id)
    if batch is None:
        raise NotFound(N_("No ballot batch has the id %(id)s."), id=batch_id)
    return batch


def create_batch(session: Session, data: BatchCreate, actor: Principal) -> BallotBatch:
    evaluation = org.get_evaluation(session, data.evaluation_id)
    if not rules.allowed_in(Action.set_up, evaluation.status):
        raise Conflict(N_("Ballots can only be added to a draft or open evaluation."))
    if data.scale not in BALLOT_SCALES:
        raise Invalid(N_("This scale is not used on ballots."), field="scale")
    group = org.group_by_code(session, data.group)
    if group.kind != GroupKind.delegate:
        raise Invalid(
            N_("%(code)s is a public group; the public answers surveys, not ballots."),
            field="group",
            code=data.group,
        )
    if not (data.units or data.categories):
        raise Invalid(N_("A ballot needs units or categories."), field="units")
    period_id = None
    if data.period:
        period = session.exec(
            select(Period).where(
                Period.evaluation_id == data.evaluation_id, Period.code == data.period
            )
        ).first()
        if period is None:
            raise NotFound(N_("The evaluation has no period %(code)s."), code=data.period)
        period_id = period.id
    excluded = org.unit_by_code(session, data.excluded_unit) if data.excluded_unit else None
    batch = BallotBatch(
        evaluation_id=data.evaluation_id,
        period_id=period_id,
        group_id=group.id,  # type: ignore[arg-type]
        title=data.title,
        title_en=data.title_en,
        scale=data.scale,
        question=data.question,
        unit_comments=data.unit_comments,
        excluded_unit_id=excluded.id if excluded else None,
        uniform_rule=data.uniform_rule,
    )
    session.add(batch)
    session.flush()
    assert batch.id is not None
    for code in dict.fromkeys(data.units):
        unit = org.unit_by_code(session, code)
        session.add(BallotBatchUnit(batch_id=batch.id, unit_id=unit.id))  # type: ignore[arg-type]
    for code in dict.fromkeys(data.categories):
        category = org.category_by_code(session, code)
        session.add(BallotBatchCategory(batch_id=batch.id, category_id=category.id))  # type: ignore[arg-type]
    audit.record(
        session,
        actor.name,
        "ballot_batch.create",
        target_type="ballot_batch",
        target_id=batch.id,
        title=data.title,
        group=data.group,
    )
    session.commit()
    return batch


def batch_public(session: Session, batch: BallotBatch) -> BatchPublic:
    assert batch.id is not None
    group = session.get(RespondentGroup, batch.group_id)
    period = session.get(Period, batch.period_id) if batch.period_id else None
    excluded = session.get(Unit, batch.excluded_unit_id) if batch.excluded_unit_id else None
    assert group is not None
    return BatchPublic(
        id=batch.id,
        evaluation_id=batch.evaluation_id,
        period=period.code if period else None,
        group=group.code,
        title=batch.title,
        title_en=batch.title_en,
        scale=batch.scale,
        question=batch.question,
        status=batch.status,
        uniform_rule=batch.uniform_rule,
        excluded_unit=excluded.code if excluded else None,
        units=[u.code for u in load_ballot(session, batch).units],
    )


def list_batches(session: Session, *, evaluation_id: int | None = None) -> list[BallotBatch]:
    query = select(BallotBatch).order_by(col(BallotBatch.id))
    if evaluation_id is not None:
        query = query.where(col(BallotBatch.evaluation_id) == evaluation_id)
    return list(session.exec(query))


_TRANSITIONS = {
    BatchStatus.draft: {BatchStatus.open},
    BatchStatus.open: {BatchStatus.closed},
    BatchStatus.closed: {BatchStatus.open},
}


def set_status(
    session: Session, batch_id: int, status: BatchStatus, actor: Principal
) -> BallotBatch:
    batch = get_batch(session, batch_id)
    if status == batch.status:
        if status == BatchStatus.closed:
            # Closing a closed batch again retries a clean-up that failed; this session's own
            # transaction ends first, or the clean-up would wait for it.
            session.rollback()
            _scrub(session)
        return batch
    if status not in _TRANSITIONS[BatchStatus(batch.status)]:
        raise Conflict(
            N_("A ballot batch cannot go from %(old)s to %(new)s."), old=batch.status, new=status
        )
    if status == BatchStatus.open:
        evaluation = org.get_evaluation(session, batch.evaluation_id)
        if evaluation.status != EvaluationStatus.open:
            raise Conflict(N_("Ballots can only open while their evaluation is open."))
    batch.status = status
    session.add(batch)
    audit.record(
        session,
        actor.name,
        "ballot_batch.status",
        target_type="ballot_batch",
        target_id=batch_id,
        status=status,
    )
    if status == BatchStatus.closed:
        # Write the new status before reading the ballots: it takes the batch row's lock
        # (SQLite: the write lock), so a ballot group of the box commits wholly before this
        # close, and is remixed with the rest, or finds the batch closed; never in between.
        session.flush()
        remix(session.connection(), batch_id)
        secrecy.forget_paper_times(session.connection(), batch_id)
    session.commit()
    if status == BatchStatus.closed:
        _scrub(session)
    return batch


def _scrub(session: Session) -> None:
    try:
        secrecy.scrub_storage(secrecy.engine_of(session))
    except Exception as error:  # the close has committed; say what is left, and how to finish
        log.exception("removing old ballot row versions after a close failed")
        raise StorageNotScrubbed() from error


def remix(connection: Connection, batch_id: int) -> int:
    """Rewrite the batch's ballots in a random order.

    While a meeting votes, the database stores ballots in the order their groups arrive.
    Closing the batch deletes and re-inserts them shuffled under new ids (in the same
    transaction), so that afterwards neither row order, rowid, physical position nor an id
    noted during voting says which ballot came when; ``set_status`` then removes the old row
    versions (``secrecy.scrub_storage``).
    """
    ids = list(
        connection.execute(
            select(Response.id).where(Response.ballot_batch_id == batch_id)
        ).scalars()
    )
    if not ids:
        return 0
    responses = [
        tuple(row)
        for row in connection.execute(
            select(
                *(getattr(Response, c) for c in RESPONSE_COLUMNS), Response.ballot_batch_id
            ).where(Response.ballot_batch_id == batch_id)  # type: ignore[call-overload]
        )
    ]
    answers = [
        tuple(row)
        for row in connection.execute(
            select(*(getattr(Answer, c) for c in ANSWER_COLUMNS)).where(
                col(Answer.response_id).in_(ids)
            )
        )
    ]
    comments = [
        tuple(row)
        for row in connection.execute(
            select(*(getattr(Comment, c) for c in COMMENT_COLUMNS)).where(
                col(Comment.response_id).in_(ids)
            )
        )
    ]
    connection.execute(sa_delete(Response).where(col(Response.ballot_batch_id) == batch_id))
    responses, answers, comments = secrecy.fresh_ids(responses, answers, comments)
    shuffle = secrets.SystemRandom().shuffle
    shuffle(responses)
    shuffle(answers)
    shuffle(comments)
    _insert_ballots(connection, responses, answers, comments)
    return len(responses)


def _insert_ballots(
    connection: Connection,
    responses: list[tuple[Any, ...]],
    answers: list[tuple[Any, ...]],
    comments: list[tuple[Any, ...]],
) -> None:
    """Responses carry their batch id as an extra last column; the rest is the shared store."""
    insert_rows(connection, [r[:-1] for r in responses], answers, comments)
    for batch_id in {r[-1] for r in responses}:
        connection.execute(
            update(Response)
            .where(col(Response.id).in_([r[0] for r in responses if r[-1] == batch_id]))
            .values(ballot_batch_id=batch_id)
        )


# Codes ------------------------------------------------------------------------------


def issue_codes(
    session: Session, batch_id: int, count: int, secret: str, actor: Principal
) -> list[IssuedCode]:
    """Create ``count`` codes and return their plaintext: the only time it exists."""
    batch = get_batch(session, batch_id)
    if batch.status == BatchStatus.closed:
        raise Conflict(N_("Codes cannot be issued for a closed ballot."))
    if not 1 <= count <= MAX_CODES_PER_ISSUE:
        raise Invalid(
            N_("Issue between 1 and %(n)s codes at a time."), field="count", n=MAX_CODES_PER_ISSUE
        )
    last = session.exec(
        select(func.max(BallotCode.serial)).where(BallotCode.batch_id == batch_id)
    ).one()
    start = (last or 0) + 1
    issued = []
    rows = []
    for serial in range(start, start + count):
        code = codes.new_code()
        issued.append(IssuedCode(serial=serial, code=code))
        rows.append(
            {
                "code_hash": codes.code_hash(secret, code),
                "batch_id": batch_id,
                "serial": serial,
                "status": CodeStatus.unused,
            }
        )
    session.connection().execute(BallotCode.__table__.insert(), rows)  # type: ignore[attr-defined]
    audit.record(
        session,
        actor.name,
        "ballot_codes.issue",
        target_type="ballot_batch",
        target_id=batch_id,
        count=count,
        first_serial=start,
        last_serial=start + count - 1,
    )
    session.commit()
    return issued


def void_codes(
    session: Session,
    batch_id: int,
    actor: Principal,
    *,
    serials: list[int] | None = None,
    typed_codes: list[str] | None = None,
    secret: str = "",
) -> int:
    """Cancel unused codes (lost cards), by the serial printed on the card or by the code."""
    get_batch(session, batch_id)
    hashes = []
    for typed in typed_codes or []:
        code = codes.normalise(typed)
        if code is None:
            raise CodeMistyped()
        hashes.append(codes.code_hash(secret, code))
    condition = col(BallotCode.serial).in_(serials or []) | col(BallotCode.code_hash).in_(hashes)
    result = session.connection().execute(
        update(BallotCode)
        .where(col(BallotCode.batch_id) == batch_id, col(BallotCode.status) == CodeStatus.unused)
        .where(condition)
        .values(status=CodeStatus.void)
    )
    audit.record(
        session,
        actor.name,
        "ballot_codes.void",
        target_type="ballot_batch",
        target_id=batch_id,
        serials=serials or [],
        by_code=len(hashes),
        voided=result.rowcount,
    )
    session.commit()
    return int(result.rowcount)


def turnout(session: Session, batch: BallotBatch) -> Turnout:
    assert batch.id is not None
    rows = session.exec(
        select(BallotCode.status, func.count())
        .where(BallotCode.batch_id == batch.id)
        .group_by(BallotCode.status)
    ).all()
    counts = Counter({status: n for status, n in rows})
    issued = counts[CodeStatus.unused] + counts[CodeStatus.used]
    group = session.get(RespondentGroup, batch.group_id)
    assert group is not None
    return Turnout(
        batch_id=batch.id,
        title=batch.title,
        group=group.code,
        status=batch.status,
        issued=issued,
        used=counts[CodeStatus.used],
        void=counts[CodeStatus.void],
        remaining=counts[CodeStatus.unused],
        share=counts[CodeStatus.used] / issued if issued else 0.0,
    )


def open_turnouts(session: Session, *, evaluation_id: int | None = None) -> list[Turnout]:
    """The turnout of every batch that is open now, of one evaluation or of all, oldest first.

    Draft and closed batches are left out: a meeting room's screen shows the votes under way.
    """
    return [
        turnout(session, batch)
        for batch in list_batches(session, evaluation_id=evaluation_id)
        if batch.status == BatchStatus.open
    ]


# Casting ------------------------------------------------------------------------------


def find_code(session: Session, secret: str, typed: str) -> tuple[str, BallotBatch]:
    """The canonical code and its batch, or the precise reason the code cannot vote."""
    code = codes.normalise(typed)
    if code is None:
        raise CodeMistyped()
    found = session.exec(
        select(BallotCode.batch_id, BallotCode.status).where(
            BallotCode.code_hash == codes.code_hash(secret, code)
        )
    ).first()
    if found is None:
        raise CodeUnknown()
    batch_id, status = found
    batch = get_batch(session, batch_id)
    _check_open(batch)
    if status == CodeStatus.void:
        raise CodeVoid()
    if status == CodeStatus.used:
        raise CodeUsed()
    return code, batch


def _check_open(batch: BallotBatch) -> None:
    if batch.status == BatchStatus.draft:
        raise BatchNotOpen()
    if batch.status == BatchStatus.closed:
        raise BatchClosed()


def check_ballot(
    ballot: BallotDefinition,
    answers: dict[str, str],
    comments: dict[str, str],
    *,
    confirm_uniform: bool,
    conflicting: Collection[str] = (),
) -> BallotPlan:
    """Every unit rated on the scale, comments readable, the uniform rule respected.

    ``conflicting``: codes of units the form rated twice with different levels; which one
    the delegate meant cannot be known, so the ballot is refused rather than keep either.
    """
    errors: list[FieldError] = []
    rows: list[tuple[int, str, float | None]] = []
    for code in sorted(conflicting):
        errors.append(
            FieldError(f"r.{code}", N_("This question was answered twice with different answers."))
        )
    for code in answers:
        if ballot.unit(code) is None:
            errors.append(FieldError(f"r.{code}", N_("This unit is not on the ballot.")))
    for unit in ballot.units:
        chosen = answers.get(unit.code, "")
        level = ballot.scale.level(chosen) if chosen else None
        if not chosen:
            errors.append(FieldError(f"r.{unit.code}", N_("Please choose an answer.")))
        elif level is None:
            errors.append(FieldError(f"r.{unit.code}", N_("This answer is not on the scale.")))
        else:
            rows.append((unit.id, level.code, level.value))
    kept: list[tuple[int, str]] = []
    for code, raw in comments.items():
        if not raw.strip():
            continue
        commented = ballot.unit(code)
        if commented is None or not ballot.unit_comments:
            errors.append(FieldError(f"c.{code}", N_("Comments are not taken for this unit.")))
            continue
        text, problem = clean_text(raw, COMMENT_MAX_LENGTH)
        if problem:
            errors.append(FieldError(f"c.{code}", problem, {"n": COMMENT_MAX_LENGTH}))
        else:
            kept.append((commented.id, text))
    if errors:
        raise BallotInvalid(errors)
    levels = {level for _, level, _ in rows}
    uniform = len(rows) >= UNIFORM_MINIMUM_UNITS and len(levels) == 1 and DONT_KNOW not in levels
    if uniform and ballot.uniform_rule == UniformRule.refuse:
        raise UniformRefused()
    if uniform and ballot.uniform_rule == UniformRule.warn and not confirm_uniform:
        raise UniformNeedsConfirmation()
    return BallotPlan(answers=tuple(rows), comments=tuple(kept), uniform=uniform)


def cast(
    session: Session, secret: str, code: str, plan: BallotPlan, ballot: BallotDefinition
) -> None:
    """Consume the code and store the ballot in the mixing ballot box: one code, one ballot.

    The box commits this cast together with at least k others (see ``survey.ballots.box``)
    and returns only once that transaction has committed, so a voter is never told a ballot is
    stored before it is.
    """
    rows = box.BallotRows(
        ballot.batch_id,
        ballot.evaluation_id,
        ballot.period_id,
        ballot.group_id,
        ballot.question,
        plan.answers,
        plan.comments,
    )
    # Hold no connection while the group forms: the request thread only waits.
    session.rollback()
    settings = get_settings()
    refusal = box.box_for(
        secrecy.engine_of(session),
        anonymity_set=settings.ballot_anonymity_set,
        mix_wait=settings.ballot_mix_wait_seconds,
    ).cast(codes.code_hash(secret, code), rows)
    if refusal is not None:
        raise _REFUSALS[refusal]()


def store_ballot(
    connection: Connection, ballot: BallotDefinition, plan: BallotPlan, channel: str
) -> None:
    """Insert one ballot as a response with answer rows. Only the day is kept as its time."""
    response_id = random_id()
    response = (
        response_id,
        ballot.evaluation_id,
        ballot.period_id,
        ballot.group_id,
        channel,
        truncate_to_day(utcnow()),
        TimePrecision.day.value,
        0,
        None,
        None,
        None,
        None,
        ballot.batch_id,
    )
    answers = [
        (
            response_id,
            seq,
            ballot.evaluation_id,
            ballot.period_id,
            ballot.group_id,
            unit_id,
            ballot.question,
            level,
            value,
            None,  # ballots have no weighting cell
            True,  # nor quality flags
        )
        for seq, (unit_id, level, value) in enumerate(plan.answers)
    ]
    comments = [
        (response_id, seq, ballot.evaluation_id, unit_id, None, text)
        for seq, (unit_id, text) in enumerate(plan.comments)
    ]
    _insert_ballots(connection, [response], answers, comments)
