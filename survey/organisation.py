"""Services over the organisation: evaluations and periods, categories, units, groups, weights."""

from __future__ import annotations

import math
from collections import defaultdict

from sqlmodel import Session, col, delete, select

from survey import audit, rules
from survey.accounts import Principal
from survey.errors import N_, Conflict, Invalid, NotFound
from survey.models import (
    Evaluation,
    EvaluationStatus,
    GroupWeight,
    Period,
    RespondentGroup,
    Unit,
    UnitCategory,
)
from survey.rules import Action
from survey.schemas import (
    CategoryCreate,
    CategoryPublic,
    CategoryUpdate,
    EvaluationCreate,
    EvaluationPublic,
    EvaluationUpdate,
    GroupCreate,
    GroupPublic,
    GroupUpdate,
    PeriodCreate,
    PeriodPublic,
    UnitCreate,
    UnitPublic,
    UnitUpdate,
    WeightEntry,
    WeightPublic,
)

# Which status may follow which. Publication is final: published results are not reopened.
_TRANSITIONS: dict[str, set[str]] = {
    EvaluationStatus.draft: {EvaluationStatus.open},
    EvaluationStatus.open: {EvaluationStatus.closed},
    EvaluationStatus.closed: {EvaluationStatus.open, EvaluationStatus.published},
    EvaluationStatus.published: set(),
}
WEIGHT_TOLERANCE = 1e-6


# Evaluations and periods ---------------------------------------------------------------


def get_evaluation(session: Session, evaluation_id: int) -> Evaluation:
    evaluation = session.get(Evaluation, evaluation_id)
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
    changes = data.model_dump(exclude_unset=True)
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


# Categories ------------------------------------------------------------------------------


def category_by_code(session: Session, code: str) -> UnitCategory:
    category = session.exec(select(UnitCategory).where(UnitCategory.code == code)).first()
    if category is None:
        raise NotFound(N_("No unit category has the code %(code)s."), code=code)
    return category


def list_categories(session: Session) -> list[CategoryPublic]:
    rows = session.exec(
        select(UnitCategory).order_by(col(UnitCategory.sort_order), col(UnitCategory.code))
    )
    return [CategoryPublic.model_validate(c, from_attributes=True) for c in rows]


def create_category(session: Session, data: CategoryCreate, actor: Principal) -> UnitCategory:
    if session.exec(select(UnitCategory).where(UnitCategory.code == data.code)).first():
        raise Conflict(N_("The code %(code)s is already in use."), code=data.code)
    category = UnitCategory(**data.model_dump())
    session.add(category)
    session.flush()
    audit.record(
        session, actor.name, "category.create", target_type="category", target_id=data.code
    )
    session.commit()
    return category


def update_category(
    session: Session, code: str, data: CategoryUpdate, actor: Principal
) -> UnitCategory:
    category = category_by_code(session, code)
    changes = data.model_dump(exclude_unset=True)
    for key, value in changes.items():
        setattr(category, key, value)
    session.add(category)
    audit.record(
        session,
        actor.name,
        "category.update",
        target_type="category",
        target_id=code,
        **{k: str(v) for k, v in changes.items()},
    )
    session.commit()
    return category


# Units -----------------------------------------------------------------------------------


def unit_by_code(session: Session, code: str) -> Unit:
    unit = session.exec(select(Unit).where(Unit.code == code)).first()
    if unit is None:
        raise NotFound(N_("No unit has the code %(code)s."), code=code)
    return unit


def list_units(
    session: Session, *, category: str | None = None, active: bool | None = None
) -> list[UnitPublic]:
    query = select(Unit, UnitCategory).join(UnitCategory, col(UnitCategory.id) == Unit.category_id)
    if category is not None:
        query = query.where(UnitCategory.code == category)
    if active is not None:
        query = query.where(Unit.active == active)
    query = query.order_by(col(UnitCategory.sort_order), col(Unit.sort_order), col(Unit.code))
    return [_unit_public(unit, cat) for unit, cat in session.exec(query)]


def _unit_public(unit: Unit, category: UnitCategory) -> UnitPublic:
    assert unit.id is not None
    return UnitPublic(
        id=unit.id,
        code=unit.code,
        name=unit.name,
        name_en=unit.name_en,
        category=category.code,
        category_name=category.name,
        active=unit.active,
        sort_order=unit.sort_order,
    )


def unit_public(session: Session, unit: Unit) -> UnitPublic:
    category = session.get(UnitCategory, unit.category_id)
    assert category is not None
    return _unit_public(unit, category)


def create_unit(session: Session, data: UnitCreate, actor: Principal) -> Unit:
    if session.exec(select(Unit).where(Unit.code == data.code)).first():
        raise Conflict(N_("The code %(code)s is already in use."), code=data.code)
    category = category_by_code(session, data.category)
    assert category.id is not None
    unit = Unit(
        code=data.code,
        name=data.name,
        name_en=data.name_en,
        category_id=category.id,
        active=data.active,
        sort_order=data.sort_order,
    )
    session.add(unit)
    session.flush()
    audit.record(
        session,
        actor.name,
        "unit.create",
        target_type="unit",
        target_id=data.code,
        category=data.category,
    )
    session.commit()
    return unit


def update_unit(session: Session, code: str, data: UnitUpdate, actor: Principal) -> Unit:
    unit = unit_by_code(session, code)
    changes = data.model_dump(exclude_unset=True)
    if "category" in changes:
        unit.category_id = category_by_code(session, changes.pop("category")).id  # type: ignore[assignment]
    for key, value in changes.items():
        setattr(unit, key, value)
    session.add(unit)
    audit.record(
        session,
        actor.name,
        "unit.update",
        target_type="unit",
        target_id=code,
        **{k: str(v) for k, v in data.model_dump(exclude_unset=True).items()},
    )
    session.commit()
    return unit


# Respondent groups -------------------------------------------------------------------


def group_by_code(session: Session, code: str) -> RespondentGroup:
    group = session.exec(select(RespondentGroup).where(RespondentGroup.code == code)).first()
    if group is None:
        raise NotFound(N_("No respondent group has the code %(code)s."), code=code)
    return group


def list_groups(session: Session) -> list[GroupPublic]:
    rows = session.exec(
        select(RespondentGroup).order_by(col(RespondentGroup.sort_order), col(RespondentGroup.code))
    )
    return [GroupPublic.model_validate(g, from_attributes=True) for g in rows]


def create_group(session: Session, data: GroupCreate, actor: Principal) -> RespondentGroup:
    if session.exec(select(RespondentGroup).where(RespondentGroup.code == data.code)).first():
        raise Conflict(N_("The code %(code)s is already in use."), code=data.code)
    group = RespondentGroup(**data.model_dump())
    session.add(group)
    session.flush()
    audit.record(session, actor.name, "group.create", target_type="group", target_id=data.code)
    session.commit()
    return group


def update_group(
    session: Session, code: str, data: GroupUpdate, actor: Principal
) -> RespondentGroup:
    group = group_by_code(session, code)
    changes = data.model_dump(exclude_unset=True)
    for key, value in changes.items():
        setattr(group, key, value)
    session.add(group)
    audit.record(
        session,
        actor.name,
        "group.update",
        target_type="group",
        target_id=code,
        **{k: str(v) for k, v in changes.items()},
    )
    session.commit()
    return group


# Group weights -------------------------------------------------------------------------


def get_weights(session: Session, evaluation_id: int) -> list[WeightPublic]:
    get_evaluation(session, evaluation_id)
    rows = session.exec(
        select(GroupWeight, UnitCategory, RespondentGroup)
        .join(UnitCategory, col(UnitCategory.id) == GroupWeight.category_id)
        .join(RespondentGroup, col(RespondentGroup.id) == GroupWeight.group_id)
        .where(GroupWeight.evaluation_id == evaluation_id)
        .order_by(col(UnitCategory.sort_order), col(RespondentGroup.sort_order))
    )
    return [WeightPublic(category=c.code, group=g.code, weight=w.weight) for w, c, g in rows]


def replace_weights(
    session: Session, evaluation_id: int, entries: list[WeightEntry], actor: Principal
) -> None:
    """Replace the weights of every category named in ``entries``, without committing.

    The weights of one category must sum to 1: a matrix that does not is refused whole,
    because a silently renormalised scheme is not the scheme the office published. The
    weight matrix is part of the satisfaction policy, so only
    ``survey.satisfaction.policy`` calls this, and commits the change as a policy version.
    """
    evaluation = get_evaluation(session, evaluation_id)
    if not rules.allowed_in(Action.edit, evaluation.status):
        raise Conflict(N_("A published evaluation cannot be changed."))
    by_category: dict[str, dict[str, float]] = defaultdict(dict)
    for entry in entries:
        if entry.group in by_category[entry.category]:
            raise Invalid(
                N_("The group %(group)s appears twice for the category %(category)s."),
                field="weights",
                group=entry.group,
                category=entry.category,
            )
        by_category[entry.category][entry.group] = entry.weight
    resolved: list[tuple[UnitCategory, RespondentGroup, float]] = []
    for category_code, weights in by_category.items():
        total = math.fsum(weights.values())
        if abs(total - 1.0) > WEIGHT_TOLERANCE:
            raise Invalid(
                N_("The weights of the category %(category)s add up to %(total)s, not 1."),
                field="weights",
                category=category_code,
                total=round(total, 6),
            )
        category = category_by_code(session, category_code)
        for group_code, weight in weights.items():
            resolved.append((category, group_by_code(session, group_code), weight))
    category_ids = {c.id for c, _, _ in resolved}
    session.exec(
        delete(GroupWeight).where(
            col(GroupWeight.evaluation_id) == evaluation_id,
            col(GroupWeight.category_id).in_(category_ids),
        )
    )
    for category, group, weight in resolved:
        assert category.id is not None and group.id is not None
        session.add(
            GroupWeight(
                evaluation_id=evaluation_id,
                category_id=category.id,
                group_id=group.id,
                weight=weight,
            )
        )
    audit.record(
        session,
        actor.name,
        "weights.set",
        target_type="evaluation",
        target_id=evaluation_id,
        weights=[e.model_dump() for e in entries],
    )
