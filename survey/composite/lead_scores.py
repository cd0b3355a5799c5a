"""Lead departments (牵头部门) score the qualitative items the office binds them to.

The office binds one department to each qualitative item of a category's scheme
(``LeadAssignment``). The department's accounts keep a draft (``LeadDraftScore``) that the
composite never reads, see the scheme's differentiation rule (差别化打分) applied to it, and
submit it: only a complete draft that keeps the rule is accepted, and submitting copies it into
``qualitative_score``, where the composite reads it. After that the department cannot change it
until the office reopens it, with a reason. Every step is in the audit log.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from scoring import differentiation_check
from survey import audit, rules
from survey import organisation as org
from survey.accounts import Principal
from survey.composite import scheme as schemes
from survey.composite.inputs import qualitative_items
from survey.composite.models import LeadAssignment, LeadDraftScore, LeadStatus, QualitativeScore
from survey.composite.schemas import DifferentiationSpec
from survey.errors import N_, Conflict, Invalid, Named, NotFound
from survey.models import Evaluation, Unit, UnitCategory
from survey.rules import Action
from survey.timeutil import utcnow

REASON_MAX = 500


class ScoresRefused(Invalid):
    """A draft or a submission refused whole; ``errors`` holds one ``Invalid`` per problem."""

    def __init__(self, message: str, errors: Sequence[Invalid], **params: Any) -> None:
        self.errors = tuple(errors)
        super().__init__(message, **params)


class EntriesRefused(ScoresRefused):
    """The form's entries themselves are wrong (not a number, out of range): nothing stored."""


# What the pages show -------------------------------------------------------------------------


@dataclass(frozen=True)
class LeadIndicator:
    """One binding of a lead department to a qualitative item of one category."""

    id: int
    evaluation_id: int
    evaluation: Named
    evaluation_status: str
    category: str
    category_name: Named
    item: str
    item_name: Named
    in_scheme: bool  # the category's current scheme still scores the item
    full_marks: float
    lead: str
    lead_name: Named
    status: LeadStatus
    submitted_at: datetime | None
    submitted_by: str
    reopen_reason: str
    n_units: int
    n_drafted: int

    @property
    def editable(self) -> bool:
        """Whether the department may change its draft now."""
        return (
            self.status == LeadStatus.draft
            and self.in_scheme
            and rules.allowed_in(Action.edit, self.evaluation_status)
        )


@dataclass(frozen=True)
class ScoredUnit:
    code: str
    name: Named
    draft: float | None  # in the department's draft
    counted: float | None  # in qualitative_score from this department: what the composite uses


@dataclass(frozen=True)
class RuleCheck:
    """The scheme's differentiation rule applied to a draft, with what breaks it.

    ``max_high`` and ``min_low`` are the count limits for all the units the department
    scores (as the composite rounds them); the counts are over the units scored so far.
    """

    applies: bool  # the category's scheme states the rule for this item
    n_units: int
    n_scored: int
    missing: tuple[str, ...]
    high: float
    max_high_share: float
    max_high: int
    high_units: tuple[str, ...]
    low: float
    min_low_share: float
    min_low: int
    low_units: tuple[str, ...]
    full_marks: float
    forbid_full_marks: bool
    full_mark_units: tuple[str, ...]
    problems: tuple[Invalid, ...]

    @property
    def passed(self) -> bool:
        return not self.problems

    def share(self, count: int) -> float:
        return count / self.n_units if self.n_units else 0.0


@dataclass(frozen=True)
class ScoreSheet:
    indicator: LeadIndicator
    units: tuple[ScoredUnit, ...]
    check: RuleCheck
    rule: DifferentiationSpec | None


@dataclass(frozen=True)
class QualitativeSlot:
    """A qualitative item of a category's current scheme and the department bound to it."""

    category: str
    category_name: Named
    item: str
    item_name: Named
    assignment: LeadIndicator | None


# Lookups -------------------------------------------------------------------------------------


def _named(row: Unit | UnitCategory | Evaluation) -> Named:
    return Named(row.name, row.name_en)


def _units_scored(session: Session, row: LeadAssignment) -> list[Unit]:
    """The active units of the category, in the office's order; a department never scores itself."""
    return list(
        session.exec(
            select(Unit)
            .where(
                Unit.category_id == row.category_id,
                col(Unit.active).is_(True),
                Unit.id != row.lead_unit_id,
            )
            .order_by(col(Unit.sort_order), col(Unit.code))
        )
    )


def _category_items(session: Session, evaluation_id: int) -> dict[tuple[str, str], object]:
    return {(i.category, i.item): i for i in qualitative_items(session, evaluation_id)}


def _indicator(session: Session, row: LeadAssignment) -> LeadIndicator:
    assert row.id is not None
    evaluation = org.get_evaluation(session, row.evaluation_id)
    category = session.get(UnitCategory, row.category_id)
    lead = session.get(Unit, row.lead_unit_id)
    assert category is not None and lead is not None
    item = next(
        (
            i
            for i in qualitative_items(session, row.evaluation_id)
            if i.category == category.code and i.item == row.item
        ),
        None,
    )
    drafted = session.exec(
        select(LeadDraftScore.unit_id).where(LeadDraftScore.assignment_id == row.id)
    ).all()
    scored = {u.id for u in _units_scored(session, row)}
    return LeadIndicator(
        id=row.id,
        evaluation_id=row.evaluation_id,
        evaluation=_named(evaluation),
        evaluation_status=str(evaluation.status),
        category=category.code,
        category_name=_named(category),
        item=row.item,
        item_name=Named(item.name, item.name_en) if item else Named(row.item),
        in_scheme=item is not None,
        full_marks=item.full_marks if item else 100.0,
        lead=lead.code,
        lead_name=_named(lead),
        status=LeadStatus(row.status),
        submitted_at=row.submitted_at,
        submitted_by=row.submitted_by,
        reopen_reason=row.reopen_reason,
        n_units=len(scored),
        n_drafted=sum(1 for unit_id in drafted if unit_id in scored),
    )


def _assignment(session: Session, evaluation_id: int, assignment_id: int) -> LeadAssignment:
    row = session.get(LeadAssignment, assignment_id)
    if row is None or row.evaluation_id != evaluation_id:
        raise NotFound(N_("No qualitative indicator has the id %(id)s."), id=assignment_id)
    return row


def _own_assignment(
    session: Session, evaluation_id: int, assignment_id: int, actor: Principal
) -> LeadAssignment:
    """The binding, if ``actor`` belongs to its department; another department's is not found."""
    row = _assignment(session, evaluation_id, assignment_id)
    if actor.unit_id is None or row.lead_unit_id != actor.unit_id:
        raise NotFound(N_("No qualitative indicator has the id %(id)s."), id=assignment_id)
    return row


def indicators_for_lead(session: Session, actor: Principal) -> list[LeadIndicator]:
    """The indicators ``actor``'s department scores, newest evaluation first."""
    if actor.unit_id is None:
        return []
    rows = session.exec(
        select(LeadAssignment, Evaluation, UnitCategory)
        .join(Evaluation, col(Evaluation.id) == LeadAssignment.evaluation_id)
        .join(UnitCategory, col(UnitCategory.id) == LeadAssignment.category_id)
        .where(LeadAssignment.lead_unit_id == actor.unit_id)
        .order_by(
            col(Evaluation.year).desc(),
            col(Evaluation.id).desc(),
            col(UnitCategory.sort_order),
            col(UnitCategory.code),
            col(LeadAssignment.item),
        )
    )
    return [_indicator(session, row) for row, _, _ in rows]


def qualitative_slots(session: Session, evaluation_id: int) -> list[QualitativeSlot]:
    """Every qualitative item of the current schemes, by category, with its lead department."""
    org.get_evaluation(session, evaluation_id)
    categories = {c.code: c for c in session.exec(select(UnitCategory))}
    bound = {
        (row.category_id, row.item): row
        for row in session.exec(
            select(LeadAssignment).where(LeadAssignment.evaluation_id == evaluation_id)
        )
    }
    slots: list[QualitativeSlot] = []
    for item in qualitative_items(session, evaluation_id):
        category = categories[item.category]
        row = bound.pop((category.id or 0, item.item), None)
        slots.append(
            QualitativeSlot(
                category=category.code,
                category_name=_named(category),
                item=item.item,
                item_name=Named(item.name, item.name_en),
                assignment=_indicator(session, row) if row else None,
            )
        )
    # Bindings whose item the current scheme no longer scores stay visible, to be removed.
    by_id = {c.id: c for c in categories.values()}
    for (category_id, item_code), row in bound.items():
        category = by_id[category_id]
        slots.append(
            QualitativeSlot(
                category=category.code,
                category_name=_named(category),
                item=item_code,
                item_name=Named(item_code),
                assignment=_indicator(session, row),
            )
        )
    return slots


# The differentiation rule on a draft ---------------------------------------------------------


def _rule_for(session: Session, row: LeadAssignment) -> DifferentiationSpec | None:
    current = schemes.current_schemes(session, row.evaluation_id).get(row.category_id)
    if current is None:
        return None
    rule = schemes.spec_of(current).differentiation
    if rule is None or (rule.items and row.item not in rule.items):
        return None
    return rule


def _unit_list(units: Sequence[Unit]) -> Named:
    return Named("、".join(u.name for u in units), ", ".join(u.name_en or u.name for u in units))


def _percent(count: int, n: int) -> str:
    return f"{100 * count / n:.0f}%" if n else "0%"


def check_scores(
    units: Sequence[Unit], scores: Mapping[int, float], rule: DifferentiationSpec | None
) -> RuleCheck:
    """The differentiation rule on ``scores`` (unit id -> score) of the units to score.

    A complete draft is checked by ``scoring.differentiation_check``, the function the
    composite applies, so a draft accepted here is one the composite finds compliant. The
    count limits are those for every unit to score, also while some are missing: a high
    score given too often or a full mark is already a break; too few low scores may still
    be made good by the units left.
    """
    spec = rule or DifferentiationSpec()
    n = len(units)
    scored = [u for u in units if u.id in scores]
    missing = [u for u in units if u.id not in scores]
    problems: list[Invalid] = []
    if missing:
        problems.append(
            Invalid(
                N_("%(n)s units have no score yet: %(units)s."),
                field="missing",
                n=len(missing),
                units=_unit_list(missing),
            )
        )
    # The limits for all n units, as the composite rounds them; the values checked here are
    # placeholders that fall in neither group (at the low bound, below the high one).
    neutral = spec.low if spec.low < spec.high else spec.high
    limits = differentiation_check(
        [neutral] * max(n, 1),
        high=spec.high,
        max_high_share=spec.max_high_share,
        low=spec.low,
        min_low_share=spec.min_low_share,
        full_marks=spec.full_marks,
        forbid_full_marks=spec.forbid_full_marks,
        penalty_points=spec.penalty,
    )
    high_units = [u for u in scored if scores[u.id or 0] >= spec.high]
    low_units = [u for u in scored if scores[u.id or 0] < spec.low]
    full_units = [u for u in scored if scores[u.id or 0] >= spec.full_marks]
    if rule is not None and scored and not missing:
        # The composite's own check: the same counts, or this page would lie.
        complete = differentiation_check(
            [scores[u.id or 0] for u in units],
            units=[u.code for u in units],
            high=spec.high,
            max_high_share=spec.max_high_share,
            low=spec.low,
            min_low_share=spec.min_low_share,
            full_marks=spec.full_marks,
            forbid_full_marks=spec.forbid_full_marks,
            penalty_points=spec.penalty,
        )
        assert complete.n_high == len(high_units) and complete.n_low == len(low_units)
        assert complete.max_high == limits.max_high and complete.min_low == limits.min_low
    if rule is not None:
        share = {"high": f"{spec.high:g}", "low": f"{spec.low:g}", "units": n}
        if len(high_units) > limits.max_high:
            problems.append(
                Invalid(
                    N_(
                        "%(n)s of %(units)s units (%(share)s) are scored %(high)s or more; at "
                        "most %(max)s may be (%(max_share)s, rounded down): %(names)s."
                    ),
                    field="high",
                    n=len(high_units),
                    share=_percent(len(high_units), n),
                    max=limits.max_high,
                    max_share=_percent_of(spec.max_high_share),
                    names=_unit_list(high_units),
                    **share,
                )
            )
        if len(low_units) < limits.min_low:
            problems.append(
                Invalid(
                    N_(
                        "%(n)s of %(units)s units (%(share)s) are scored below %(low)s; at "
                        "least %(min)s must be (%(min_share)s, rounded up)."
                    ),
                    field="low",
                    n=len(low_units),
                    share=_percent(len(low_units), n),
                    min=limits.min_low,
                    min_share=_percent_of(spec.min_low_share),
                    **share,
                )
            )
        if spec.forbid_full_marks and full_units:
            problems.append(
                Invalid(
                    N_("No unit may be given full marks (%(full)s); given to: %(names)s."),
                    field="full_marks",
                    full=f"{spec.full_marks:g}",
                    names=_unit_list(full_units),
                )
            )
    return RuleCheck(
        applies=rule is not None,
        n_units=n,
        n_scored=len(scored),
        missing=tuple(u.code for u in missing),
        high=spec.high,
        max_high_share=spec.max_high_share,
        max_high=limits.max_high,
        high_units=tuple(u.code for u in high_units),
        low=spec.low,
        min_low_share=spec.min_low_share,
        min_low=limits.min_low,
        low_units=tuple(u.code for u in low_units),
        full_marks=spec.full_marks,
        forbid_full_marks=spec.forbid_full_marks,
        full_mark_units=tuple(u.code for u in full_units),
        problems=tuple(problems),
    )


def _percent_of(share: float) -> str:
    return f"{100 * share:g}%"


def _drafts(session: Session, row: LeadAssignment) -> dict[int, float]:
    return {
        d.unit_id: d.score
        for d in session.exec(select(LeadDraftScore).where(LeadDraftScore.assignment_id == row.id))
    }


def _sheet(session: Session, row: LeadAssignment) -> ScoreSheet:
    units = _units_scored(session, row)
    drafts = _drafts(session, row)
    counted = {
        q.unit_id: q.score
        for q in session.exec(
            select(QualitativeScore).where(
                QualitativeScore.evaluation_id == row.evaluation_id,
                QualitativeScore.item == row.item,
                QualitativeScore.lead_unit_id == row.lead_unit_id,
            )
        )
    }
    rule = _rule_for(session, row)
    return ScoreSheet(
        indicator=_indicator(session, row),
        units=tuple(
            ScoredUnit(u.code, _named(u), drafts.get(u.id or 0), counted.get(u.id or 0))
            for u in units
        ),
        check=check_scores(units, drafts, rule),
        rule=rule,
    )


def score_sheet(
    session: Session, evaluation_id: int, assignment_id: int, actor: Principal
) -> ScoreSheet:
    """The department's form for one indicator: its units, draft, counted scores and the check."""
    return _sheet(session, _own_assignment(session, evaluation_id, assignment_id, actor))


# Draft, submit, reopen -----------------------------------------------------------------------


def _editable(session: Session, row: LeadAssignment) -> LeadIndicator:
    indicator = _indicator(session, row)
    if not rules.allowed_in(Action.edit, indicator.evaluation_status):
        raise Conflict(N_("A published evaluation cannot be changed."))
    if indicator.status == LeadStatus.submitted:
        raise Conflict(
            N_(
                "These scores have been submitted and can no longer be changed; ask the "
                "evaluation office to reopen them."
            )
        )
    if not indicator.in_scheme:
        raise Conflict(
            N_("The current scheme of this category no longer scores %(item)s."), item=row.item
        )
    return indicator


def _parse(
    units: Sequence[Unit], entries: Mapping[str, str], full_marks: float
) -> dict[int, float]:
    """Unit id -> score from the form's text per unit code; an empty field is no score yet."""
    problems: list[Invalid] = []
    parsed: dict[int, float] = {}
    known = {u.code for u in units}
    for code in entries:
        if code not in known:
            problems.append(
                Invalid(N_("The unit %(unit)s is not one you score here."), field=code, unit=code)
            )
    for unit in units:
        text = (entries.get(unit.code) or "").strip()
        if not text:
            continue
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            problems.append(
                Invalid(
                    N_("%(unit)s: a number is expected, not “%(text)s”."),
                    field=unit.code,
                    unit=_named(unit),
                    text=text[:40],
                )
            )
        elif not 0 <= value <= full_marks:
            problems.append(
                Invalid(
                    N_("%(unit)s: the score must lie between 0 and %(full)s."),
                    field=unit.code,
                    unit=_named(unit),
                    full=f"{full_marks:g}",
                )
            )
        else:
            assert unit.id is not None
            parsed[unit.id] = value
    if problems:
        raise EntriesRefused(N_("Nothing was saved: correct the scores marked below."), problems)
    return parsed


def _store_draft(
    session: Session, row: LeadAssignment, scores: Mapping[int, float], actor: Principal
) -> None:
    existing = {
        d.unit_id: d
        for d in session.exec(select(LeadDraftScore).where(LeadDraftScore.assignment_id == row.id))
    }
    now = utcnow()
    for unit_id, draft in existing.items():
        if unit_id not in scores:
            session.delete(draft)
    for unit_id, score in scores.items():
        found = existing.get(unit_id)
        if found is not None and found.score == score:
            continue
        assert row.id is not None
        draft = found or LeadDraftScore(assignment_id=row.id, unit_id=unit_id, score=score)
        draft.score = score
        draft.updated_at = now
        draft.updated_by = actor.name
        session.add(draft)


def _codes(units: Sequence[Unit], scores: Mapping[int, float]) -> dict[str, float]:
    return {u.code: scores[u.id] for u in units if u.id is not None and u.id in scores}


def save_draft(
    session: Session,
    evaluation_id: int,
    assignment_id: int,
    entries: Mapping[str, str],
    actor: Principal,
    *,
    ip: str = "",
) -> ScoreSheet:
    """Replace the department's draft with ``entries`` (unit code -> the text typed).

    A field left empty removes that unit's draft score. Any bad entry refuses the whole form
    and stores nothing. The draft is never counted: only ``submit`` moves scores on.
    """
    row = _own_assignment(session, evaluation_id, assignment_id, actor)
    indicator = _editable(session, row)
    units = _units_scored(session, row)
    scores = _parse(units, entries, indicator.full_marks)
    _store_draft(session, row, scores, actor)
    row.updated_at = utcnow()
    row.updated_by = actor.name
    session.add(row)
    audit.record(
        session,
        actor.name,
        "lead_scores.draft",
        target_type="lead_assignment",
        target_id=row.id,
        ip=ip,
        evaluation_id=evaluation_id,
        category=indicator.category,
        item=row.item,
        lead=indicator.lead,
        scores=_codes(units, scores),
    )
    session.commit()
    return _sheet(session, row)


def submit(
    session: Session,
    evaluation_id: int,
    assignment_id: int,
    actor: Principal,
    *,
    entries: Mapping[str, str] | None = None,
    ip: str = "",
) -> ScoreSheet:
    """Submit the draft: complete and within the differentiation rule, or refused with why.

    ``entries``, when given, are saved as the draft first (and stay saved when the submission
    is refused). An accepted draft replaces the units' scores for the item in
    ``qualitative_score``, with the department as their lead, and locks the indicator.
    """
    if entries is not None:
        save_draft(session, evaluation_id, assignment_id, entries, actor, ip=ip)
    row = _own_assignment(session, evaluation_id, assignment_id, actor)
    indicator = _editable(session, row)
    units = _units_scored(session, row)
    drafts = _drafts(session, row)
    check = check_scores(units, drafts, _rule_for(session, row))
    if not units:
        raise Invalid(N_("This category has no other unit to score."))
    if not check.passed:
        raise ScoresRefused(
            N_("Not submitted: the draft breaks the differentiation rule or is incomplete."),
            check.problems,
        )
    existing = {
        q.unit_id: q
        for q in session.exec(
            select(QualitativeScore).where(
                QualitativeScore.evaluation_id == evaluation_id,
                QualitativeScore.item == row.item,
                col(QualitativeScore.unit_id).in_([u.id for u in units]),
            )
        )
    }
    now = utcnow()
    for unit in units:
        assert unit.id is not None
        stored = existing.get(unit.id) or QualitativeScore(
            evaluation_id=evaluation_id,
            unit_id=unit.id,
            item=row.item,
            lead_unit_id=row.lead_unit_id,
            score=drafts[unit.id],
        )
        stored.lead_unit_id = row.lead_unit_id
        stored.score = drafts[unit.id]
        stored.updated_at = now
        stored.updated_by = actor.name
        session.add(stored)
    row.status = LeadStatus.submitted
    row.submitted_at = now
    row.submitted_by = actor.name
    row.updated_at = now
    row.updated_by = actor.name
    session.add(row)
    audit.record(
        session,
        actor.name,
        "lead_scores.submit",
        target_type="lead_assignment",
        target_id=row.id,
        ip=ip,
        evaluation_id=evaluation_id,
        category=indicator.category,
        item=row.item,
        lead=indicator.lead,
        scores=_codes(units, drafts),
    )
    session.commit()
    return _sheet(session, row)


def reopen(
    session: Session,
    evaluation_id: int,
    assignment_id: int,
    reason: str,
    actor: Principal,
    *,
    ip: str = "",
) -> LeadIndicator:
    """The office lets the department change submitted scores again, saying why.

    The submitted scores stay counted until the department submits again; its draft starts
    from them.
    """
    rules.require(actor, Action.edit)
    row = _assignment(session, evaluation_id, assignment_id)
    evaluation = org.get_evaluation(session, evaluation_id)
    if not rules.allowed_in(Action.edit, evaluation.status):
        raise Conflict(N_("A published evaluation cannot be changed."))
    reason = reason.strip()
    if not reason:
        raise Invalid(N_("Give the reason for reopening."), field="reason")
    if len(reason) > REASON_MAX:
        raise Invalid(
            N_("The reason may have at most %(n)s characters."), field="reason", n=REASON_MAX
        )
    if row.status != LeadStatus.submitted:
        raise Conflict(N_("These scores have not been submitted, so there is nothing to reopen."))
    indicator = _indicator(session, row)
    row.status = LeadStatus.draft
    row.reopen_reason = reason
    row.updated_at = utcnow()
    row.updated_by = actor.name
    session.add(row)
    audit.record(
        session,
        actor.name,
        "lead_scores.reopen",
        target_type="lead_assignment",
        target_id=row.id,
        ip=ip,
        evaluation_id=evaluation_id,
        category=indicator.category,
        item=row.item,
        lead=indicator.lead,
        reason=reason,
    )
    session.commit()
    return _indicator(session, row)


# The office binds departments ----------------------------------------------------------------


def assign_lead(
    session: Session,
    evaluation_id: int,
    category: str,
    item: str,
    lead: str,
    actor: Principal,
    *,
    ip: str = "",
) -> LeadIndicator | None:
    """Bind ``lead`` (a unit code; empty: nobody) to ``item`` of ``category``'s scheme.

    The item must be one the category's current scheme scores. A submitted indicator keeps
    its department until the office reopens it; changing the department of a draft drops the
    draft, which was the other department's.
    """
    rules.require(actor, Action.edit)
    evaluation = org.get_evaluation(session, evaluation_id)
    if not rules.allowed_in(Action.edit, evaluation.status):
        raise Conflict(N_("A published evaluation cannot be changed."))
    found = session.exec(select(UnitCategory).where(UnitCategory.code == category)).first()
    if found is None or found.id is None:
        raise NotFound(N_("No unit category has the code %(code)s."), code=category)
    row = session.exec(
        select(LeadAssignment).where(
            LeadAssignment.evaluation_id == evaluation_id,
            LeadAssignment.category_id == found.id,
            LeadAssignment.item == item,
        )
    ).first()
    if row is None and (category, item) not in _category_items(session, evaluation_id):
        raise Invalid(
            N_("The scheme of the category %(category)s has no qualitative item %(item)s."),
            field="item",
            category=category,
            item=item,
        )
    lead_unit = None
    if lead:
        lead_unit = session.exec(select(Unit).where(Unit.code == lead)).first()
        if lead_unit is None:
            raise Invalid(N_("No unit has the code %(code)s."), field="lead", code=lead)
    if row is not None and lead_unit is not None and row.lead_unit_id == lead_unit.id:
        return _indicator(session, row)
    if row is not None and row.status == LeadStatus.submitted:
        raise Conflict(
            N_(
                "The lead department has submitted these scores; reopen them before binding "
                "another department."
            )
        )
    before = ""
    if row is not None:
        old = session.get(Unit, row.lead_unit_id)
        before = old.code if old else ""
        for draft in session.exec(
            select(LeadDraftScore).where(LeadDraftScore.assignment_id == row.id)
        ):
            session.delete(draft)
    if lead_unit is None:
        if row is None:
            return None
        session.delete(row)
    else:
        assert lead_unit.id is not None
        if row is None:
            row = LeadAssignment(
                evaluation_id=evaluation_id,
                category_id=found.id,
                item=item,
                lead_unit_id=lead_unit.id,
            )
        row.lead_unit_id = lead_unit.id
        row.status = LeadStatus.draft
        row.updated_at = utcnow()
        row.updated_by = actor.name
        session.add(row)
    audit.record(
        session,
        actor.name,
        "lead_assignment.set" if lead_unit else "lead_assignment.remove",
        target_type="evaluation",
        target_id=evaluation_id,
        ip=ip,
        category=category,
        item=item,
        lead=lead,
        previous_lead=before,
    )
    session.commit()
    return _indicator(session, row) if lead_unit is not None and row is not None else None
