"""Unit categories and the units under evaluation."""

from __future__ import annotations

from sqlmodel import Session, col, select

from survey import audit
from survey.accounts import Principal
from survey.errors import N_, Conflict, NotFound
from survey.models import (
    Unit,
    UnitCategory,
)
from survey.schemas import (
    CategoryCreate,
    CategoryPublic,
    CategoryUpdate,
    UnitCreate,
    UnitPublic,
    UnitUpdate,
)

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
    # A null leaves a field as it is: none of these can be empty.
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
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
    # A null leaves a field as it is: none of these can be empty.
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
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
