"""Respondent groups and the weight each group has in each unit category."""

from __future__ import annotations

import math
from collections import defaultdict

from sqlmodel import Session, col, delete, select

from survey import audit, rules
from survey.accounts import Principal
from survey.errors import N_, Conflict, Invalid, NotFound
from survey.models import (
    GroupWeight,
    RespondentGroup,
    UnitCategory,
)
from survey.organisation.evaluations import get_evaluation
from survey.organisation.units import category_by_code
from survey.rules import Action
from survey.schemas import (
    GroupCreate,
    GroupPublic,
    GroupUpdate,
    WeightEntry,
    WeightPublic,
)

WEIGHT_TOLERANCE = 1e-6


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
    # A null leaves a field as it is: none of these can be empty.
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
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
