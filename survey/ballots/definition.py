"""A batch's ballot as voters see it (units in order, scale, question) and a checked ballot."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from survey.ballots.models import (
    BallotBatch,
    BallotBatchCategory,
    BallotBatchUnit,
)
from survey.models import (
    Unit,
    UnitCategory,
)
from survey.surveys.definition import UnitItem
from survey.surveys.scales import Scale, scale


@dataclass(frozen=True)
class BallotDefinition:
    batch_id: int
    evaluation_id: int
    period_id: int | None
    group_id: int
    title: str
    title_en: str
    status: str
    scale: Scale
    question: str
    unit_comments: bool
    uniform_rule: str
    units: tuple[UnitItem, ...]

    def unit(self, code: str) -> UnitItem | None:
        return next((u for u in self.units if u.code == code), None)

    def categories(self) -> list[tuple[str, str, str, list[UnitItem]]]:
        """Units grouped by category, in ballot order: (code, name, name_en, units)."""
        grouped: dict[str, tuple[str, str, str, list[UnitItem]]] = {}
        for unit in self.units:
            entry = grouped.setdefault(
                unit.category_code,
                (unit.category_code, unit.category_name, unit.category_name_en, []),
            )
            entry[3].append(unit)
        return list(grouped.values())


@dataclass(frozen=True)
class BallotPlan:
    answers: tuple[tuple[int, str, float | None], ...]  # unit id, level, value
    comments: tuple[tuple[int, str], ...]  # unit id, text
    uniform: bool


def load_ballot(session: Session, batch: BallotBatch) -> BallotDefinition:
    assert batch.id is not None
    explicit = select(BallotBatchUnit.unit_id).where(BallotBatchUnit.batch_id == batch.id)
    whole = select(BallotBatchCategory.category_id).where(BallotBatchCategory.batch_id == batch.id)
    query = (
        select(Unit, UnitCategory)
        .join(UnitCategory, col(UnitCategory.id) == Unit.category_id)
        .where(col(Unit.id).in_(explicit) | (col(Unit.category_id).in_(whole) & col(Unit.active)))
        .order_by(col(UnitCategory.sort_order), col(Unit.sort_order), col(Unit.code))
    )
    if batch.excluded_unit_id is not None:
        query = query.where(col(Unit.id) != batch.excluded_unit_id)
    units = tuple(
        UnitItem(u.id, u.code, u.name, u.name_en, c.code, c.name, c.name_en)  # type: ignore[arg-type]
        for u, c in session.exec(query).all()
    )
    return BallotDefinition(
        batch_id=batch.id,
        evaluation_id=batch.evaluation_id,
        period_id=batch.period_id,
        group_id=batch.group_id,
        title=batch.title,
        title_en=batch.title_en,
        status=batch.status,
        scale=scale(batch.scale),
        question=batch.question,
        unit_comments=batch.unit_comments,
        uniform_rule=batch.uniform_rule,
        units=units,
    )
