"""What the office and lead departments enter: bonus and deduction entries, qualitative
scores and excellence goals. Every change is audit-logged; a published evaluation is frozen.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from survey import audit
from survey import organisation as org
from survey.accounts import Principal
from survey.composite import scheme as schemes
from survey.composite.models import (
    CompositeAdjustment,
    ExcellenceGoal,
    LeadAssignment,
    QualitativeScore,
)
from survey.composite.schemas import (
    AdjustmentCreate,
    AdjustmentPublic,
    AdjustmentSpec,
    BlockSpec,
    ExcellenceGoalIn,
    ExcellenceGoalPublic,
    ExcellenceSource,
    IndicatorSpec,
    InputsStored,
    QualitativeScoreIn,
    QualitativeScorePublic,
    QualitativeSource,
    SchemeSpec,
)
from survey.errors import N_, Conflict, Invalid, NotFound
from survey.models import Evaluation, EvaluationStatus, Unit, UnitCategory
from survey.timeutil import utcnow


def editable_evaluation(session: Session, evaluation_id: int) -> Evaluation:
    """The evaluation, if its inputs may still change (not while it is published)."""
    evaluation = org.get_evaluation(session, evaluation_id)
    if evaluation.status == EvaluationStatus.published:
        raise Conflict(N_("A published evaluation cannot be changed."))
    return evaluation


def _units(session: Session) -> dict[str, Unit]:
    return {u.code: u for u in session.exec(select(Unit))}


def _unit(units: dict[str, Unit], code: str) -> Unit:
    found = units.get(code)
    if found is None:
        raise NotFound(N_("No unit has the code %(code)s."), code=code)
    return found


# Bonus and deduction ---------------------------------------------------------------------------


def _adjustment_items(spec: SchemeSpec) -> dict[str, tuple[float, float]]:
    found: dict[str, tuple[float, float]] = {}

    def walk(block: BlockSpec | SchemeSpec) -> None:
        adjustments: Sequence[AdjustmentSpec] = block.adjustments
        for adj in adjustments:
            for item in adj.items:
                found[item.code] = (item.low, item.high)
        for child in block.blocks:
            walk(child)

    walk(spec)
    return found


def add_adjustment(
    session: Session,
    evaluation_id: int,
    data: AdjustmentCreate,
    actor: Principal,
    *,
    ip: str = "",
) -> AdjustmentPublic:
    """A bonus or deduction for one unit, checked against its category's scheme."""
    editable_evaluation(session, evaluation_id)
    unit = _unit(_units(session), data.unit)
    current = schemes.current_schemes(session, evaluation_id).get(unit.category_id)
    if current is None:
        raise Invalid(
            N_("The unit's category has no scheme yet, so it has no bonus or deduction items."),
            field="unit",
        )
    items = _adjustment_items(schemes.spec_of(current))
    bounds = items.get(data.item)
    if bounds is None:
        raise Invalid(
            N_("The scheme has no bonus or deduction item %(item)s; it has %(items)s."),
            field="item",
            item=data.item,
            items=", ".join(items) or "-",
        )
    low, high = bounds
    if data.points == 0 or (data.points > 0 and high < 0) or (data.points < 0 and low > 0):
        raise Invalid(
            N_("The item %(item)s takes points between %(low)s and %(high)s."),
            field="points",
            item=data.item,
            low=f"{low:g}",
            high=f"{high:g}",
        )
    assert unit.id is not None
    entry = CompositeAdjustment(
        evaluation_id=evaluation_id,
        unit_id=unit.id,
        item=data.item,
        points=data.points,
        reason=data.reason,
        approved_by=data.approved_by,
        created_by=actor.name,
    )
    session.add(entry)
    session.flush()
    audit.record(
        session,
        actor.name,
        "composite_adjustment.add",
        target_type="unit",
        target_id=unit.code,
        ip=ip,
        evaluation_id=evaluation_id,
        adjustment_id=entry.id,
        item=data.item,
        points=data.points,
        reason=data.reason,
        approved_by=data.approved_by,
    )
    session.commit()
    return _adjustment_public(entry, unit.code)


def delete_adjustment(
    session: Session, evaluation_id: int, adjustment_id: int, actor: Principal, *, ip: str = ""
) -> None:
    editable_evaluation(session, evaluation_id)
    entry = session.get(CompositeAdjustment, adjustment_id)
    if entry is None or entry.evaluation_id != evaluation_id:
        raise NotFound(N_("No bonus or deduction has the id %(id)s."), id=adjustment_id)
    unit = session.get(Unit, entry.unit_id)
    audit.record(
        session,
        actor.name,
        "composite_adjustment.delete",
        target_type="unit",
        target_id=unit.code if unit else entry.unit_id,
        ip=ip,
        evaluation_id=evaluation_id,
        adjustment_id=adjustment_id,
        item=entry.item,
        points=entry.points,
        reason=entry.reason,
        approved_by=entry.approved_by,
    )
    session.delete(entry)
    session.commit()


def list_adjustments(session: Session, evaluation_id: int) -> list[AdjustmentPublic]:
    org.get_evaluation(session, evaluation_id)
    rows = session.exec(
        select(CompositeAdjustment, Unit)
        .join(Unit, col(Unit.id) == CompositeAdjustment.unit_id)
        .where(CompositeAdjustment.evaluation_id == evaluation_id)
        .order_by(col(Unit.sort_order), col(Unit.code), col(CompositeAdjustment.id))
    )
    return [_adjustment_public(entry, unit.code) for entry, unit in rows]


def _adjustment_public(entry: CompositeAdjustment, unit: str) -> AdjustmentPublic:
    assert entry.id is not None
    return AdjustmentPublic(
        id=entry.id,
        unit=unit,
        item=entry.item,
        points=entry.points,
        reason=entry.reason,
        approved_by=entry.approved_by,
        created_at=entry.created_at,
        created_by=entry.created_by,
    )


# Qualitative scores ------------------------------------------------------------------------------


def put_qualitative(
    session: Session,
    evaluation_id: int,
    scores: Sequence[QualitativeScoreIn],
    actor: Principal,
    *,
    ip: str = "",
) -> InputsStored:
    """Store (or replace) the scores lead departments gave, all or nothing. Items bound to a
    lead department's account (``LeadAssignment``) are its own to enter."""
    editable_evaluation(session, evaluation_id)
    units = _units(session)
    bound = {
        (row.category_id, row.item)
        for row in session.exec(
            select(LeadAssignment).where(LeadAssignment.evaluation_id == evaluation_id)
        )
    }
    existing = {
        (row.unit_id, row.item): row
        for row in session.exec(
            select(QualitativeScore).where(QualitativeScore.evaluation_id == evaluation_id)
        )
    }
    seen: set[tuple[str, str]] = set()
    for k, item in enumerate(scores):
        unit = _unit(units, item.unit)
        lead = _unit(units, item.lead)
        if (item.unit, item.item) in seen:
            raise Invalid(
                N_("The unit %(unit)s has two scores for %(item)s."),
                field=f"scores[{k}]",
                unit=item.unit,
                item=item.item,
            )
        seen.add((item.unit, item.item))
        assert unit.id is not None and lead.id is not None
        if (unit.category_id, item.item) in bound:
            # The lead department scores it; typing over its submission would bypass the
            # lock its submission holds (the office reopens it for the lead instead).
            raise Conflict(
                N_(
                    "A lead department scores %(item)s for this category: reopen its scores "
                    "for it on the lead departments page instead of typing them here."
                ),
                item=item.item,
            )
        row = existing.get((unit.id, item.item))
        if row is None:
            row = QualitativeScore(
                evaluation_id=evaluation_id,
                unit_id=unit.id,
                item=item.item,
                lead_unit_id=lead.id,
                score=item.score,
            )
        row.lead_unit_id = lead.id
        row.score = item.score
        row.updated_at = utcnow()
        row.updated_by = actor.name
        session.add(row)
    audit.record(
        session,
        actor.name,
        "qualitative_scores.put",
        target_type="evaluation",
        target_id=evaluation_id,
        ip=ip,
        scores=[s.model_dump() for s in scores][:500],
        count=len(scores),
    )
    session.commit()
    return InputsStored(evaluation_id=evaluation_id, stored=len(scores))


def list_qualitative(session: Session, evaluation_id: int) -> list[QualitativeScorePublic]:
    org.get_evaluation(session, evaluation_id)
    codes = {u.id: u.code for u in session.exec(select(Unit))}
    rows = session.exec(
        select(QualitativeScore)
        .where(QualitativeScore.evaluation_id == evaluation_id)
        .order_by(col(QualitativeScore.item), col(QualitativeScore.unit_id))
    )
    return [
        QualitativeScorePublic(
            unit=codes[r.unit_id],
            item=r.item,
            lead=codes[r.lead_unit_id],
            score=r.score,
            updated_at=r.updated_at,
            updated_by=r.updated_by,
        )
        for r in rows
    ]


# Excellence goals --------------------------------------------------------------------------------


def put_excellence(
    session: Session,
    evaluation_id: int,
    goals: Sequence[ExcellenceGoalIn],
    actor: Principal,
    *,
    ip: str = "",
) -> InputsStored:
    """Store (or replace) excellence goals with their difficulty and four-way appraisal."""
    editable_evaluation(session, evaluation_id)
    units = _units(session)
    existing = {
        (row.unit_id, row.code): row
        for row in session.exec(
            select(ExcellenceGoal).where(ExcellenceGoal.evaluation_id == evaluation_id)
        )
    }
    for goal in goals:
        unit = _unit(units, goal.unit)
        assert unit.id is not None
        score = math.fsum(goal.dimensions.values()) / len(goal.dimensions)
        row = existing.get((unit.id, goal.code))
        if row is None:
            row = ExcellenceGoal(
                evaluation_id=evaluation_id,
                unit_id=unit.id,
                code=goal.code,
                title=goal.title,
                difficulty=goal.difficulty,
                dimensions=dict(goal.dimensions),
                score=score,
            )
            existing[(unit.id, goal.code)] = row
        row.title = goal.title
        row.difficulty = goal.difficulty
        row.dimensions = dict(goal.dimensions)
        row.score = score
        row.updated_at = utcnow()
        row.updated_by = actor.name
        session.add(row)
    audit.record(
        session,
        actor.name,
        "excellence_goals.put",
        target_type="evaluation",
        target_id=evaluation_id,
        ip=ip,
        goals=[g.model_dump() for g in goals][:200],
        count=len(goals),
    )
    session.commit()
    return InputsStored(evaluation_id=evaluation_id, stored=len(goals))


def list_excellence(session: Session, evaluation_id: int) -> list[ExcellenceGoalPublic]:
    org.get_evaluation(session, evaluation_id)
    codes = {u.id: u.code for u in session.exec(select(Unit))}
    rows = session.exec(
        select(ExcellenceGoal)
        .where(ExcellenceGoal.evaluation_id == evaluation_id)
        .order_by(col(ExcellenceGoal.unit_id), col(ExcellenceGoal.code))
    )
    return [
        ExcellenceGoalPublic(
            unit=codes[r.unit_id],
            code=r.code,
            title=r.title,
            difficulty=r.difficulty,
            dimensions=dict(r.dimensions),
            score=r.score,
            updated_at=r.updated_at,
            updated_by=r.updated_by,
        )
        for r in rows
    ]


# One entry at a time, as the office pages make them -----------------------------------------------

# The four-way appraisal of an excellence goal (创优性 / 攻坚性 / 创新性 / 效益性): the keys
# are stored as written in Chinese; the second element is the message id of their label.
EXCELLENCE_DIMENSIONS: tuple[tuple[str, str], ...] = (
    ("创优性", N_("Excellence of the goal")),
    ("攻坚性", N_("Difficulty overcome")),
    ("创新性", N_("Innovation")),
    ("效益性", N_("Benefit")),
)


@dataclass(frozen=True)
class QualitativeItem:
    """A qualitative item that a category's current scheme scores."""

    category: str
    item: str
    name: str
    name_en: str
    full_marks: float


@dataclass(frozen=True)
class ExcellenceSlot:
    """An indicator of a category's current scheme that scores excellence goals."""

    category: str
    name: str
    name_en: str
    low: float
    high: float


def _indicators(spec: SchemeSpec) -> Iterator[IndicatorSpec]:
    def walk(block: BlockSpec | SchemeSpec) -> Iterator[IndicatorSpec]:
        yield from block.indicators
        for child in block.blocks:
            yield from walk(child)

    yield from walk(spec)


def _current_specs(session: Session, evaluation_id: int) -> list[tuple[str, SchemeSpec]]:
    categories = {c.id: c for c in session.exec(select(UnitCategory))}
    rows = schemes.current_schemes(session, evaluation_id)
    ordered = sorted(
        rows.items(), key=lambda kv: (categories[kv[0]].sort_order, categories[kv[0]].code)
    )
    return [(categories[cid].code, schemes.spec_of(row)) for cid, row in ordered]


def qualitative_items(session: Session, evaluation_id: int) -> list[QualitativeItem]:
    """Every qualitative item of the current schemes, by category, in scheme order."""
    org.get_evaluation(session, evaluation_id)
    found: list[QualitativeItem] = []
    for category, spec in _current_specs(session, evaluation_id):
        seen: set[str] = set()
        for ind in _indicators(spec):
            source = ind.source
            if isinstance(source, QualitativeSource) and source.item not in seen:
                seen.add(source.item)
                found.append(
                    QualitativeItem(category, source.item, ind.name, ind.name_en, source.full_marks)
                )
    return found


def excellence_slots(session: Session, evaluation_id: int) -> list[ExcellenceSlot]:
    """The categories whose current scheme scores excellence goals, with the difficulty bounds."""
    org.get_evaluation(session, evaluation_id)
    found: list[ExcellenceSlot] = []
    for category, spec in _current_specs(session, evaluation_id):
        for ind in _indicators(spec):
            if isinstance(ind.source, ExcellenceSource):
                low, high = ind.source.difficulty
                found.append(ExcellenceSlot(category, ind.name, ind.name_en, low, high))
                break
    return found


def _category_code(session: Session, unit: Unit) -> str:
    category = session.get(UnitCategory, unit.category_id)
    assert category is not None
    return category.code


def enter_qualitative(
    session: Session,
    evaluation_id: int,
    data: QualitativeScoreIn,
    actor: Principal,
    *,
    ip: str = "",
) -> None:
    """Store (or replace) one qualitative score, checked against the unit's scheme.

    The item must be one the scheme of the unit's category scores, and the score may not
    exceed the item's full marks; so a typing slip is refused instead of stored unused.
    """
    editable_evaluation(session, evaluation_id)
    units = _units(session)
    unit = _unit(units, data.unit)
    _unit(units, data.lead)
    category = _category_code(session, unit)
    items = {i.item: i for i in qualitative_items(session, evaluation_id) if i.category == category}
    if not items:
        raise Invalid(
            N_("The scheme of the category %(category)s scores no qualitative item."),
            field="unit",
            category=category,
        )
    found = items.get(data.item)
    if found is None:
        raise Invalid(
            N_(
                "The scheme of the category %(category)s has no qualitative item %(item)s; "
                "it has %(items)s."
            ),
            field="item",
            category=category,
            item=data.item,
            items=", ".join(items),
        )
    if data.score > found.full_marks:
        raise Invalid(
            N_("The score must lie between 0 and %(full)s, the full marks of %(item)s."),
            field="score",
            full=f"{found.full_marks:g}",
            item=data.item,
        )
    put_qualitative(session, evaluation_id, [data], actor, ip=ip)


def delete_qualitative(
    session: Session, evaluation_id: int, unit: str, item: str, actor: Principal, *, ip: str = ""
) -> None:
    editable_evaluation(session, evaluation_id)
    scored = _unit(_units(session), unit)
    row = session.exec(
        select(QualitativeScore).where(
            QualitativeScore.evaluation_id == evaluation_id,
            QualitativeScore.unit_id == scored.id,
            QualitativeScore.item == item,
        )
    ).first()
    if row is None:
        raise NotFound(N_("The unit %(unit)s has no score for %(item)s."), unit=unit, item=item)
    lead = session.get(Unit, row.lead_unit_id)
    audit.record(
        session,
        actor.name,
        "qualitative_score.delete",
        target_type="unit",
        target_id=unit,
        ip=ip,
        evaluation_id=evaluation_id,
        item=item,
        lead=lead.code if lead else row.lead_unit_id,
        score=row.score,
    )
    session.delete(row)
    session.commit()


def enter_excellence(
    session: Session,
    evaluation_id: int,
    goal: ExcellenceGoalIn,
    actor: Principal,
    *,
    ip: str = "",
) -> None:
    """Store (or replace) one excellence goal, checked against the unit's scheme.

    The difficulty coefficient must lie within the scheme's bounds: the computation would
    clip it silently, while the one who enters it can still correct it.
    """
    editable_evaluation(session, evaluation_id)
    unit = _unit(_units(session), goal.unit)
    category = _category_code(session, unit)
    slot = next(
        (s for s in excellence_slots(session, evaluation_id) if s.category == category), None
    )
    if slot is None:
        raise Invalid(
            N_("The scheme of the category %(category)s scores no excellence goals."),
            field="unit",
            category=category,
        )
    if not slot.low <= goal.difficulty <= slot.high:
        raise Invalid(
            N_(
                "The difficulty coefficient must lie between %(low)s and %(high)s, as the "
                "scheme of the category %(category)s states."
            ),
            field="difficulty",
            low=f"{slot.low:g}",
            high=f"{slot.high:g}",
            category=category,
        )
    put_excellence(session, evaluation_id, [goal], actor, ip=ip)


def delete_excellence(
    session: Session, evaluation_id: int, unit: str, code: str, actor: Principal, *, ip: str = ""
) -> None:
    editable_evaluation(session, evaluation_id)
    owner = _unit(_units(session), unit)
    row = session.exec(
        select(ExcellenceGoal).where(
            ExcellenceGoal.evaluation_id == evaluation_id,
            ExcellenceGoal.unit_id == owner.id,
            ExcellenceGoal.code == code,
        )
    ).first()
    if row is None:
        raise NotFound(
            N_("The unit %(unit)s has no excellence goal %(code)s."), unit=unit, code=code
        )
    audit.record(
        session,
        actor.name,
        "excellence_goal.delete",
        target_type="unit",
        target_id=unit,
        ip=ip,
        evaluation_id=evaluation_id,
        code=code,
        title=row.title,
        difficulty=row.difficulty,
        dimensions=dict(row.dimensions),
    )
    session.delete(row)
    session.commit()
