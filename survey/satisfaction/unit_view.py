"""One unit's satisfaction for the office: its score and ranks, breakdowns and trend.

Every number comes from :func:`survey.satisfaction.service.satisfaction_results` for the same
view (the unit, and the group, period or question asked), so the page shows what the JSON
results give. Breakdown rows and trend points with fewer valid answers than the policy's
suppression threshold keep their count but lose their values: the page marks them instead.
Units are matched across evaluations by code, which stays the same from year to year.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from survey import organisation as org
from survey.accounts import Principal
from survey.composite.models import CompositeSnapshotUnit
from survey.composite.scheme_store import current_schemes
from survey.composite.snapshots import snapshot_of
from survey.errors import N_, NotFound
from survey.models import Evaluation, GroupWeight, Unit, UnitCategory
from survey.satisfaction import repository
from survey.satisfaction.dashboard import Named
from survey.satisfaction.schemas import CellResult, SatisfactionResults, UnitResult
from survey.satisfaction.service import satisfaction_results
from survey.surveys.models import Survey, SurveyQuestion


@dataclass(frozen=True)
class Figure:
    """A value with its interval and valid answers; no values when below the threshold."""

    value: float | None
    ci_low: float | None
    ci_high: float | None
    n_valid: int
    suppressed: bool  # fewer valid answers than the suppression threshold: values withheld


@dataclass(frozen=True)
class GroupRow:
    group: Named
    figure: Figure
    n_dont_know: int
    satisfied_rate: float | None
    weight: float | None  # renormalised weight in the score, None when not used
    dropped: str | None  # why the score leaves the group out: "zero_weight" or "small"


@dataclass(frozen=True)
class QuestionRow:
    question: Named
    figure: Figure


@dataclass(frozen=True)
class TrendPoint:
    evaluation_id: int
    evaluation: Named
    year: int
    period: Named | None  # None: the whole evaluation
    figure: Figure
    current: bool  # the evaluation (and period) the page is about


@dataclass(frozen=True)
class UnitView:
    evaluation_id: int
    unit: Named
    category: Named
    group: Named | None  # the group the breakdowns and trend follow, None: the unit's score
    period: str | None
    threshold: int
    min_n: int  # groups with fewer valid answers are left out of the score
    result: UnitResult
    units_ranked: int  # units ranked in the category: the ranks run from 1 to this
    groups: list[GroupRow]
    questions: list[QuestionRow]
    periods: list[TrendPoint]  # this evaluation's periods, in order
    years: list[TrendPoint]  # earlier evaluations and this one, oldest first
    has_composite: bool


def _figure(
    value: float | None, low: float | None, high: float | None, n: int, hidden: bool, limit: int
) -> Figure:
    suppressed = hidden or n < limit
    if suppressed:
        return Figure(None, None, None, n, True)
    return Figure(value, low, high, n, False)


def _cell(results: SatisfactionResults, unit: str, group: str) -> CellResult | None:
    return next((c for c in results.cells if c.unit == unit and c.group == group), None)


def _focus(results: SatisfactionResults, unit: str, group: str | None) -> Figure | None:
    """The unit's score, or its cell of ``group``; None when the view has no row for it."""
    limit = results.policy.suppression_threshold
    if group is not None:
        cell = _cell(results, unit, group)
        if cell is None:
            return None
        return _figure(cell.mean, cell.ci_low, cell.ci_high, cell.n_valid, cell.suppressed, limit)
    row = next((u for u in results.units if u.unit == unit), None)
    if row is None:
        return None
    return _figure(row.score, row.ci_low, row.ci_high, row.n_valid, row.suppressed, limit)


def _in_evaluation(session: Session, evaluation_id: int, unit: Unit) -> bool:
    """A unit takes part when its category has group weights in the evaluation."""
    row = session.exec(
        select(GroupWeight.group_id).where(
            GroupWeight.evaluation_id == evaluation_id,
            GroupWeight.category_id == unit.category_id,
        )
    ).first()
    return row is not None


def _has_composite(session: Session, evaluation_id: int, unit: Unit) -> bool:
    snapshot = snapshot_of(session, evaluation_id)
    if snapshot is not None:
        return session.get(CompositeSnapshotUnit, (snapshot.id, unit.code)) is not None
    return unit.active and unit.category_id in current_schemes(session, evaluation_id)


def _question_names(session: Session, evaluation_id: int) -> dict[str, Named]:
    """Each rated question's prompt by code (the first survey that asks it names it)."""
    rows = session.exec(
        select(SurveyQuestion)
        .join(Survey, col(Survey.id) == col(SurveyQuestion.survey_id))
        .where(Survey.evaluation_id == evaluation_id)
    )
    found: dict[str, Named] = {}
    for q in rows:
        found.setdefault(q.code, Named(q.code, q.prompt, q.prompt_en))
    return found


def _empty(n: int = 0) -> Figure:
    return Figure(None, None, None, n, False)


def unit_view(
    session: Session,
    evaluation_id: int,
    unit_code: str,
    *,
    group: str | None = None,
    period: str | None = None,
    viewer: Principal | None = None,
) -> UnitView:
    """One unit of one evaluation; NotFound when the unit does not take part in it."""
    evaluation = org.get_evaluation(session, evaluation_id)
    unit = session.exec(select(Unit).where(Unit.code == unit_code)).first()
    if unit is None or not _in_evaluation(session, evaluation_id, unit):
        raise NotFound(
            N_("The unit %(code)s does not take part in this evaluation."), code=unit_code
        )
    category = session.get(UnitCategory, unit.category_id)
    assert category is not None
    group_row = org.group_by_code(session, group) if group is not None else None
    results = satisfaction_results(
        session, evaluation_id, unit=unit.code, period=period, viewer=viewer, previous=True
    )
    limit = results.policy.suppression_threshold
    result = next((u for u in results.units if u.unit == unit.code), None)
    if result is None:
        # No answers in the category yet: the unit is part of the evaluation, unscored.
        result = UnitResult(
            unit=unit.code,
            unit_name=unit.name,
            unit_name_en=unit.name_en,
            category=category.code,
            n_valid=0,
            score=None,
            se=None,
            ci_low=None,
            ci_high=None,
            groups_used=[],
            groups_dropped=[],
            rank=None,
            rank_interval=None,
            tied_with_next=None,
            p_beats_next=None,
            not_scored="no_group",
            suppressed=False,
        )
    ranked = next((c.units_ranked for c in results.categories if c.category == category.code), 0)

    used = {g.group: g.weight for g in result.groups_used}
    dropped = {g.group: g.reason for g in result.groups_dropped}
    groups: list[GroupRow] = []
    for g in repository.groups_in_order(session):
        cell = _cell(results, unit.code, g.code)
        if cell is None:
            continue
        groups.append(
            GroupRow(
                group=Named(g.code, g.name, g.name_en),
                figure=_figure(
                    cell.mean, cell.ci_low, cell.ci_high, cell.n_valid, cell.suppressed, limit
                ),
                n_dont_know=cell.n_dont_know,
                satisfied_rate=None
                if cell.suppressed or cell.n_valid < limit
                else cell.satisfied_rate,
                weight=used.get(g.code),
                dropped=dropped.get(g.code),
            )
        )

    focus_group = group_row.code if group_row is not None else None
    names = _question_names(session, evaluation_id)
    questions: list[QuestionRow] = []
    for code in results.policy.questions or sorted(names):
        asked = satisfaction_results(
            session,
            evaluation_id,
            unit=unit.code,
            group=focus_group,
            question=code,
            period=period,
            viewer=viewer,
            rank_intervals=False,
        )
        figure = _focus(asked, unit.code, focus_group)
        if figure is not None:
            questions.append(QuestionRow(names.get(code, Named(code, code)), figure))

    periods: list[TrendPoint] = []
    label = Named(str(evaluation.id), evaluation.name, evaluation.name_en)
    for p in org.periods_of(session, evaluation_id):
        seen = satisfaction_results(
            session,
            evaluation_id,
            unit=unit.code,
            group=focus_group,
            period=p.code,
            viewer=viewer,
            rank_intervals=False,
        )
        periods.append(
            TrendPoint(
                evaluation_id=evaluation_id,
                evaluation=label,
                year=evaluation.year,
                period=Named(p.code, p.name, p.name_en),
                figure=_focus(seen, unit.code, focus_group) or _empty(),
                current=p.code == period,
            )
        )

    years: list[TrendPoint] = []
    earlier = session.exec(
        select(Evaluation)
        .where(Evaluation.year < evaluation.year)
        .order_by(col(Evaluation.year), col(Evaluation.id))
    )
    for other in [*earlier, evaluation]:
        assert other.id is not None
        if other.id == evaluation_id:
            seen = (
                results
                if period is None and focus_group is None
                else satisfaction_results(
                    session,
                    evaluation_id,
                    unit=unit.code,
                    group=focus_group,
                    viewer=viewer,
                    rank_intervals=False,
                )
            )
            figure = _focus(seen, unit.code, focus_group)
        elif _in_evaluation(session, other.id, unit):
            seen = satisfaction_results(
                session,
                other.id,
                unit=unit.code,
                group=focus_group,
                viewer=viewer,
                rank_intervals=False,
            )
            figure = _focus(seen, unit.code, focus_group)
        else:
            figure = None
        years.append(
            TrendPoint(
                evaluation_id=other.id,
                evaluation=Named(str(other.id), other.name, other.name_en),
                year=other.year,
                period=None,
                figure=figure or _empty(),
                current=other.id == evaluation_id and period is None,
            )
        )

    return UnitView(
        evaluation_id=evaluation_id,
        unit=Named(unit.code, unit.name, unit.name_en),
        category=Named(category.code, category.name, category.name_en),
        group=Named(group_row.code, group_row.name, group_row.name_en) if group_row else None,
        period=results.period,
        threshold=limit,
        min_n=results.policy.min_n,
        result=result,
        units_ranked=ranked,
        groups=groups,
        questions=questions,
        periods=periods,
        years=years,
        has_composite=_has_composite(session, evaluation_id, unit),
    )
