"""Evaluations, their status changes and their periods."""

from __future__ import annotations

from sqlmodel import Session, col, select

from survey import audit
from survey.accounts import Principal
from survey.errors import N_, Conflict, Invalid, NotFound
from survey.inputs import LARGEST_INTEGER
from survey.models import (
    Evaluation,
    EvaluationStatus,
    Period,
)
from survey.schemas import (
    EvaluationCreate,
    EvaluationPublic,
    EvaluationUpdate,
    PeriodCreate,
    PeriodPublic,
)

# Which status may follow which. Publication is final: published results are not reopened.
_TRANSITIONS: dict[str, set[str]] = {
    EvaluationStatus.draft: {EvaluationStatus.open},
    EvaluationStatus.open: {EvaluationStatus.closed},
    EvaluationStatus.closed: {EvaluationStatus.open, EvaluationStatus.published},
    EvaluationStatus.published: set(),
}


# Evaluations and periods ---------------------------------------------------------------


def get_evaluation(session: Session, evaluation_id: int) -> Evaluation:
    # An id beyond 64 bits (typed into a form) names no row; the databases cannot even look.
    in_range = abs(evaluation_id) <= LARGEST_INTEGER
    evaluation = session.get(Evaluation, evaluation_id) if in_range else None
    if evaluation is None:
        raise NotFound(N_("No evaluation has the id %(id)s."), id=evaluation_id)
    return evaluation


def periods_of(session: Session, evaluation_id: int) -> list[Period]:
    return list(
        session.exec(
            select(Period)
            .where(Period.evaluation_id == evaluation_id)
            .order_by(col(Period.sort_order), col(Period.id))
        )
    )


def evaluation_public(session: Session, evaluation: Evaluation) -> EvaluationPublic:
    assert evaluation.id is not None
    return EvaluationPublic(
        id=evaluation.id,
        name=evaluation.name,
        name_en=evaluation.name_en,
        year=evaluation.year,
        status=evaluation.status,
        previous_id=evaluation.previous_id,
        periods=[
            PeriodPublic.model_validate(p, from_attributes=True)
            for p in periods_of(session, evaluation.id)
        ],
    )


def list_evaluations(session: Session) -> list[EvaluationPublic]:
    evaluations = session.exec(
        select(Evaluation).order_by(col(Evaluation.year).desc(), col(Evaluation.id).desc())
    )
    return [evaluation_public(session, e) for e in evaluations]


def create_evaluation(session: Session, data: EvaluationCreate, actor: Principal) -> Evaluation:
    if data.previous_id is not None:
        get_evaluation(session, data.previous_id)
    codes = [p.code for p in data.periods]
    if len(codes) != len(set(codes)):
        raise Invalid(N_("Period codes must be unique within an evaluation."), field="periods")
    evaluation = Evaluation(
        name=data.name, name_en=data.name_en, year=data.year, previous_id=data.previous_id
    )
    session.add(evaluation)
    session.flush()
    assert evaluation.id is not None
    for period in data.periods:
        _insert_period(session, evaluation.id, period)
    audit.record(
        session,
        actor.name,
        "evaluation.create",
        target_type="evaluation",
        target_id=evaluation.id,
        name=data.name,
        year=data.year,
    )
    session.commit()
    return evaluation


def update_evaluation(
    session: Session, evaluation_id: int, data: EvaluationUpdate, actor: Principal
) -> Evaluation:
    evaluation = get_evaluation(session, evaluation_id)
    # A null leaves a field as it is; only the previous evaluation can be cleared with one.
    changes = {
        key: value
        for key, value in data.model_dump(exclude_unset=True).items()
        if value is not None or key == "previous_id"
    }
    if "status" in changes and changes["status"] != evaluation.status:
        new_status = changes["status"]
        if new_status not in _TRANSITIONS[evaluation.status]:
            raise Conflict(
                N_("An evaluation cannot go from %(old)s to %(new)s."),
                old=evaluation.status,
                new=new_status,
            )
    if changes.get("previous_id") is not None:
        if changes["previous_id"] == evaluation_id:
            raise Invalid(N_("An evaluation cannot follow itself."), field="previous_id")
        get_evaluation(session, changes["previous_id"])
    for key, value in changes.items():
        setattr(evaluation, key, value)
    session.add(evaluation)
    audit.record(
        session,
        actor.name,
        "evaluation.update",
        target_type="evaluation",
        target_id=evaluation_id,
        **{k: str(v) for k, v in changes.items()},
    )
    session.commit()
    return evaluation


def _insert_period(session: Session, evaluation_id: int, data: PeriodCreate) -> Period:
    if data.starts_on and data.ends_on and data.ends_on < data.starts_on:
        raise Invalid(N_("A period cannot end before it starts."), field="ends_on")
    period = Period(evaluation_id=evaluation_id, **data.model_dump())
    session.add(period)
    return period


def add_period(
    session: Session, evaluation_id: int, data: PeriodCreate, actor: Principal
) -> Period:
    get_evaluation(session, evaluation_id)
    existing = session.exec(
        select(Period).where(Period.evaluation_id == evaluation_id, Period.code == data.code)
    ).first()
    if existing:
        raise Conflict(N_("This evaluation already has a period %(code)s."), code=data.code)
    period = _insert_period(session, evaluation_id, data)
    session.flush()
    audit.record(
        session,
        actor.name,
        "period.create",
        target_type="period",
        target_id=period.id,
        evaluation_id=evaluation_id,
        code=data.code,
    )
    session.commit()
    return period
