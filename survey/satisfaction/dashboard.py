"""The office's satisfaction dashboard for one category: plain data for its charts and tables.

Scores, intervals and cells come from :func:`survey.satisfaction.service.satisfaction_results`
for the same view, so the dashboard shows the numbers the JSON results give. The level
distribution and the per-question profile are counts of the same counted answers
(``survey.satisfaction.counts``), over the category's units only.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlmodel import Session, select

from survey.accounts import Principal
from survey.errors import N_, NotFound
from survey.overview import CHANNEL_NAMES
from survey.satisfaction import counts as sql
from survey.satisfaction import repository, tables
from survey.satisfaction.policy import scoring_policy
from survey.satisfaction.schemas import SatisfactionResults, UnitResult
from survey.satisfaction.service import satisfaction_results
from survey.surveys.models import Survey, SurveyQuestion
from survey.surveys.scales import SCALES


@dataclass(frozen=True)
class Named:
    """A code with its Chinese name and optional English one (what ``named`` shows)."""

    code: str
    name: str
    name_en: str = ""


@dataclass(frozen=True)
class HeatCell:
    """One unit x group cell: its mean, valid answers and whether it is small or left out."""

    unit: str
    group: str
    mean: float | None
    n_valid: int
    below_threshold: bool  # fewer answers than the suppression threshold
    dropped: bool  # left out of the unit's score (below min_n or weight 0)


@dataclass(frozen=True)
class LevelRow:
    """A unit's counted answers per level, in the order of ``SatisfactionDashboard.levels``."""

    unit: Named
    counts: list[int]

    @property
    def total(self) -> int:
        return sum(self.counts)

    def shares(self) -> list[float]:
        """Per cent of the unit's answers on each level (0 when it has none)."""
        total = self.total
        return [100.0 * n / total if total else 0.0 for n in self.counts]


@dataclass(frozen=True)
class QuestionProfile:
    """One question over the category's units: mean points of its scored answers."""

    question: Named
    mean: float | None
    n_valid: int
    n_dont_know: int


@dataclass(frozen=True)
class SatisfactionDashboard:
    results: SatisfactionResults  # the JSON results for the same view
    categories: list[Named]
    category: Named | None
    groups: list[Named]  # the groups shown (one when the view is filtered to a group)
    all_groups: list[Named]
    questions: list[Named]  # every rated question with answers in this evaluation
    channels: list[Named]  # every channel; names are message ids
    units: list[UnitResult]  # the category's units, best score first, unscored last
    heat: list[HeatCell]
    levels: list[Named]
    level_rows: list[LevelRow]
    profile: list[QuestionProfile]

    def cell(self, unit: str, group: str) -> HeatCell | None:
        for cell in self.heat:
            if cell.unit == unit and cell.group == group:
                return cell
        return None


def _level_names() -> dict[str, str]:
    """Every scale level's message id by code (the first scale that has the code wins)."""
    names: dict[str, str] = {}
    for scale in SCALES.values():
        for level in scale.levels:
            names.setdefault(level.code, level.label)
    return names


def _question_names(session: Session, evaluation_id: int) -> dict[str, Named]:
    rows = session.exec(
        select(SurveyQuestion)
        .join(Survey, Survey.id == SurveyQuestion.survey_id)  # type: ignore[arg-type]
        .where(Survey.evaluation_id == evaluation_id)
    )
    found: dict[str, Named] = {}
    for q in rows:
        found.setdefault(q.code, Named(q.code, q.prompt, q.prompt_en))
    return found


def _first_answered(
    session: Session,
    evaluation_id: int,
    categories: list[Named],
    period_id: int | None,
    channel: str | None,
) -> Named | None:
    """The first category, in the office's order, whose units have counted answers in the
    period and channel asked for (an office filtering by a quarter lands on a category
    answered in that quarter, not on an empty one)."""
    by_code = {c.code: cid for cid, c in repository.categories_by_id(session).items()}
    members: dict[int | None, list[int]] = defaultdict(list)
    for unit in repository.units_in_order(session):
        if unit.id is not None:
            members[unit.category_id].append(unit.id)
    for named in categories:
        unit_ids = members.get(by_code.get(named.code), [])
        # One probe of the counts index per category, not a count of every answer.
        where = sql.CountFilter(evaluation_id, period_id, unit_ids, channel=channel)
        if unit_ids and sql.has_counted_answers(session, where):
            return named
    return None


def _score_order(unit: UnitResult) -> tuple[bool, float, str]:
    return (unit.score is None, -(unit.score or 0.0), unit.unit)


def satisfaction_dashboard(
    session: Session,
    evaluation_id: int,
    *,
    category: str | None = None,
    group: str | None = None,
    period: str | None = None,
    question: str | None = None,
    channel: str | None = None,
    viewer: Principal | None = None,
) -> SatisfactionDashboard:
    """One category of the satisfaction results (the first with units when none is named)."""
    # Every category, so a view with no answers yet still offers (and names) them all.
    categories = [
        Named(c.code, c.name, c.name_en)
        for c in sorted(
            repository.categories_by_id(session).values(), key=lambda c: (c.sort_order, c.code)
        )
    ]
    if category is not None:
        chosen = next((c for c in categories if c.code == category), None)
        if chosen is None:
            raise NotFound(N_("No unit category has the code %(code)s."), code=category)
    else:
        period_row = repository.period_by_code(session, evaluation_id, period)
        first = _first_answered(
            session, evaluation_id, categories, period_row.id if period_row else None, channel
        )
        chosen = first or next(iter(categories), None)
    # One category computed, not all: its scores and ranks do not depend on the others.
    results = satisfaction_results(
        session,
        evaluation_id,
        group=group,
        period=period,
        question=question,
        channel=channel,
        viewer=viewer,
        category=chosen.code if chosen is not None else None,
        previous=True,
    )
    units = sorted(
        (u for u in results.units if chosen is not None and u.category == chosen.code),
        key=_score_order,
    )
    group_rows = repository.groups_in_order(session)
    all_groups = [Named(g.code, g.name, g.name_en) for g in group_rows]
    groups = [g for g in all_groups if group is None or g.code == group]
    threshold = results.policy.suppression_threshold
    cells = {(c.unit, c.group): c for c in results.cells}
    heat: list[HeatCell] = []
    for unit in units:
        dropped = {d.group for d in unit.groups_dropped}
        for g in groups:
            cell = cells.get((unit.unit, g.code))
            if cell is None:
                continue
            heat.append(
                HeatCell(
                    unit=unit.unit,
                    group=g.code,
                    mean=cell.mean,
                    n_valid=cell.n_valid,
                    below_threshold=cell.suppressed or cell.n_valid < threshold,
                    dropped=g.code in dropped,
                )
            )

    # Counts of the category's answers, every question, for the levels and the profile.
    shown_by_code = {u.unit: u for u in units}
    unit_ids: dict[int, UnitResult] = {}
    for row in repository.units_in_order(session):
        shown = shown_by_code.get(row.code)
        if shown is not None and row.id is not None:
            unit_ids[row.id] = shown
    period_row = repository.period_by_code(session, evaluation_id, period)
    group_id = next((g.id for g in group_rows if g.code == group), None)
    rows = (
        sql.answer_counts(
            session,
            sql.CountFilter(
                evaluation_id=evaluation_id,
                period_id=period_row.id if period_row else None,
                unit_ids=set(unit_ids),
                channel=channel,
            ),
        )
        if unit_ids
        else []
    )
    rows = [r for r in rows if group is None or r[1] == group_id]
    listed = [ls.code for ls in results.policy.level_scores]
    # Numbers on the policy's numeric scale are scored like levels, as in the results.
    scored = dict(scoring_policy(results.policy, tables.answer_codes(rows)).level_scores)
    dont_know = results.policy.dont_know_code
    counted_questions = [question] if question is not None else (results.policy.questions or None)

    level_codes = [*listed, *([dont_know] if dont_know else [])]
    for *_, level, _n in rows:
        if level is not None and level not in level_codes:
            level_codes.append(level)
    label_of = _level_names()
    levels = [Named(code, label_of.get(code, code)) for code in level_codes]
    per_unit: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for unit_id, _g, q, level, n in rows:
        if level is not None and (counted_questions is None or q in counted_questions):
            per_unit[unit_id][level] += n
    level_rows = [
        LevelRow(
            Named(unit.unit, unit.unit_name, unit.unit_name_en),
            [per_unit[uid][code] for code in level_codes],
        )
        for uid, unit in sorted(unit_ids.items(), key=lambda item: _score_order(item[1]))
    ]

    names = _question_names(session, evaluation_id)
    points: dict[str, float] = defaultdict(float)
    valid: dict[str, int] = defaultdict(int)
    unknown: dict[str, int] = defaultdict(int)
    for _u, _g, q, level, n in rows:
        if level in scored:
            points[q] += scored[level] * n
            valid[q] += n
        elif level is not None and level == dont_know:
            unknown[q] += n
    asked = sorted({r[2] for r in rows})
    profile = [
        QuestionProfile(
            names.get(q, Named(q, q)),
            points[q] / valid[q] if valid[q] else None,
            valid[q],
            unknown[q],
        )
        for q in asked
    ]
    return SatisfactionDashboard(
        results=results,
        categories=categories,
        category=chosen,
        groups=groups,
        all_groups=all_groups,
        questions=[names.get(q, Named(q, q)) for q in asked],
        channels=[Named(code, name) for code, name in CHANNEL_NAMES.items()],
        units=units,
        heat=heat,
        levels=levels,
        level_rows=level_rows,
        profile=profile,
    )
