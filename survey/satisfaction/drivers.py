"""Key drivers per unit and category: which aspects move overall satisfaction, and how each does.

A survey names its overall question and its aspect questions (``SurveyQuestion.role``). For
each unit, SQL pivots every counted response's answers on those questions into one row of
scores (the policy's level scores, 0-100 by default), keeps the respondents who scored all of
them, and returns only n, the sums and the sums of cross-products per unit: (k+1)(k+2)/2
numbers, however many respondents. ``scoring`` decomposes R^2 from them (Shapley) and sets the
importance-performance quadrants.

- A unit's quadrant: importance against the mean importance of its aspects, performance (the
  aspect's mean score) against the category's performance on the same aspect, so its focus
  areas (重点改进) are important aspects where it trails its category.
- A category's drivers: the within-unit pooled fit (each unit's cross-products centred on its
  own means, so that differences between units do not pass for a driver), performance the mean
  of its units' means, and the classic cross-hair at the mean performance of its aspects.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel
from sqlalchemy import Table, and_, case, func
from sqlalchemy import select as core_select
from sqlmodel import Session, SQLModel, col, select

from scoring import DRIVER_DRAWS, CrossProducts, Quadrant, driver_importance, ipa_quadrants
from survey import organisation as org
from survey.errors import N_, NotFound
from survey.models import Survey, SurveyQuestion, Unit, UnitCategory
from survey.satisfaction.policy import current_version, settings_of
from survey.surveys.definition import load_definition
from survey.surveys.models import QuestionRole

QUADRANT_NAMES = {
    Quadrant.keep_up: N_("Keep up the good work"),
    Quadrant.concentrate_here: N_("Concentrate here"),
    Quadrant.low_priority: N_("Low priority"),
    Quadrant.possible_overkill: N_("Possible overkill"),
}


class AspectDriver(BaseModel):
    code: str
    prompt: str
    prompt_en: str
    importance: float  # Shapley share of R^2
    relative: float | None  # share / R^2
    importance_low: float
    importance_high: float
    performance: float  # mean score, 0-100 on the default policy
    reference: float  # the performance the quadrant compares with
    quadrant: Quadrant
    focus: bool  # important and below the reference: a focus area


class DriverResult(BaseModel):
    """The drivers of one unit or one category; ``aspects`` is empty when too few answered."""

    scope: str  # "unit" or "category"
    code: str
    name: str
    name_en: str
    category_code: str
    category_name: str
    category_name_en: str
    n: int  # respondents who scored the overall question and every aspect
    minimum: int
    r_squared: float | None
    r_squared_low: float | None
    r_squared_high: float | None
    importance_cut: float | None
    overall_performance: float | None
    aspects: list[AspectDriver]


class DriverReport(BaseModel):
    evaluation_id: int
    survey_id: int
    survey_title: str
    survey_title_en: str = ""
    overall: str
    aspects: list[str]
    draws: int
    confidence: float
    unit: DriverResult | None
    category: DriverResult


@dataclass(frozen=True)
class _Model:
    survey: Survey
    overall: SurveyQuestion
    aspects: list[SurveyQuestion]


def _table(name: str) -> Table:
    return SQLModel.metadata.tables[name]


def driver_model(
    session: Session, evaluation_id: int, unit_ids: set[int] | None = None
) -> _Model | None:
    """The first survey of the evaluation with an overall question (covering one of the units)."""
    surveys = session.exec(
        select(Survey).where(Survey.evaluation_id == evaluation_id).order_by(col(Survey.id))
    ).all()
    for survey in surveys:
        questions = session.exec(
            select(SurveyQuestion)
            .where(SurveyQuestion.survey_id == survey.id, col(SurveyQuestion.role).is_not(None))
            .order_by(col(SurveyQuestion.sort_order), col(SurveyQuestion.id))
        ).all()
        overall = [q for q in questions if q.role == QuestionRole.overall]
        aspects = [q for q in questions if q.role == QuestionRole.aspect]
        if not overall or len(aspects) < 2:
            continue
        if unit_ids is not None:
            covered = {u.id for u in load_definition(session, survey).units}
            if not covered & unit_ids:
                continue
        return _Model(survey, overall[0], aspects)
    return None


def has_drivers(session: Session, evaluation_id: int, unit_code: str) -> bool:
    """Whether a survey of the evaluation asks the unit an overall question and aspects."""
    unit = session.exec(select(Unit).where(Unit.code == unit_code)).first()
    return (
        unit is not None
        and unit.id is not None
        and driver_model(session, evaluation_id, {unit.id}) is not None
    )


def cross_products(
    session: Session,
    evaluation_id: int,
    survey_id: int,
    questions: list[str],
    level_scores: dict[str, float],
    unit_ids: list[int],
) -> dict[int, CrossProducts]:
    """Per unit, the sufficient statistics of the respondents who scored every question.

    The inner query turns each (response, unit)'s answers into one row of scores; the outer
    one sums them and their pairwise products per unit. Nothing per respondent leaves SQL.
    """
    answer = _table("answer")
    response = _table("response")
    score = case(
        *[(answer.c.level == level, value) for level, value in level_scores.items()],
        else_=None,
    )
    columns = [
        func.max(case((answer.c.question == q, score), else_=None)).label(f"v{i}")
        for i, q in enumerate(questions)
    ]
    from_survey = core_select(response.c.id).where(
        response.c.evaluation_id == evaluation_id, response.c.survey_id == survey_id
    )
    pivot = (
        core_select(answer.c.unit_id, *columns)
        .where(
            answer.c.evaluation_id == evaluation_id,
            answer.c.counted.is_(True),
            answer.c.unit_id.in_(unit_ids),
            answer.c.question.in_(questions),
            answer.c.response_id.in_(from_survey),
        )
        .group_by(answer.c.unit_id, answer.c.response_id)
        .subquery()
    )
    v = [pivot.c[f"v{i}"] for i in range(len(questions))]
    pairs = [(i, j) for i in range(len(v)) for j in range(i, len(v))]
    query = (
        core_select(
            pivot.c.unit_id,
            func.count(),
            *[func.sum(x) for x in v],
            *[func.sum(v[i] * v[j]) for i, j in pairs],
        )
        .where(and_(*[x.is_not(None) for x in v]))
        .group_by(pivot.c.unit_id)
    )
    found: dict[int, CrossProducts] = {}
    size = len(questions)
    for row in session.execute(query):
        unit_id, n = int(row[0]), int(row[1])
        sums = np.array([float(x) for x in row[2 : 2 + size]])
        cross = np.zeros((size, size))
        for (i, j), value in zip(pairs, row[2 + size :], strict=True):
            cross[i, j] = cross[j, i] = float(value)
        found[unit_id] = CrossProducts(n=n, sums=sums, cross=cross)
    return found


def _result(
    scope: str,
    names: tuple[str, str, str],
    category: UnitCategory,
    stats_: CrossProducts | None,
    *,
    df: int | None,
    performance: np.ndarray | None,
    reference: np.ndarray,
    model: _Model,
    minimum: int,
    confidence: float,
    overall: float | None = None,
) -> DriverResult:
    base = {
        "scope": scope,
        "code": names[0],
        "name": names[1],
        "name_en": names[2],
        "category_code": category.code,
        "category_name": category.name,
        "category_name_en": category.name_en,
        "minimum": minimum,
    }
    n = stats_.n if stats_ else 0
    overall_performance = (
        overall if overall is not None else (float(stats_.means[0]) if stats_ and n else None)
    )
    if stats_ is None or performance is None or n < minimum:
        return DriverResult(
            **base,
            n=n,
            r_squared=None,
            r_squared_low=None,
            r_squared_high=None,
            importance_cut=None,
            overall_performance=None,
            aspects=[],
        )
    try:
        importance = driver_importance(stats_, df=df, confidence=confidence)
    except ValueError:  # no variation in the overall score: nothing to explain
        importance = None
    if importance is None:
        return DriverResult(
            **base,
            n=n,
            r_squared=None,
            r_squared_low=None,
            r_squared_high=None,
            importance_cut=None,
            overall_performance=overall_performance,
            aspects=[],
        )
    quadrants = ipa_quadrants(importance.shares, performance, reference)
    aspects = [
        AspectDriver(
            code=q.code,
            prompt=q.prompt,
            prompt_en=q.prompt_en,
            importance=float(importance.shares[i]),
            relative=None if np.isnan(importance.relative[i]) else float(importance.relative[i]),
            importance_low=float(importance.lower[i]),
            importance_high=float(importance.upper[i]),
            performance=float(performance[i]),
            reference=float(reference[i]),
            quadrant=quadrants[i],
            focus=quadrants[i] == Quadrant.concentrate_here,
        )
        for i, q in enumerate(model.aspects)
    ]
    return DriverResult(
        **base,
        n=n,
        r_squared=importance.r_squared,
        r_squared_low=importance.r_squared_lower,
        r_squared_high=importance.r_squared_upper,
        importance_cut=float(importance.shares.mean()),
        overall_performance=overall_performance,
        aspects=aspects,
    )


def drivers(
    session: Session,
    evaluation_id: int,
    *,
    unit_code: str | None = None,
    category_code: str | None = None,
) -> DriverReport:
    """The key drivers of one unit (with its category's) or of one category."""
    org.get_evaluation(session, evaluation_id)
    unit = org.unit_by_code(session, unit_code) if unit_code is not None else None
    if unit is not None:
        category = session.get(UnitCategory, unit.category_id)
    else:
        category = org.category_by_code(session, category_code or "")
    assert category is not None and category.id is not None
    in_category = {
        u.id
        for u in session.exec(select(Unit).where(Unit.category_id == category.id))
        if u.id is not None
    }
    scope = {unit.id} if unit is not None and unit.id is not None else in_category
    model = driver_model(session, evaluation_id, scope)
    if model is None:
        raise NotFound(
            N_("No survey of this evaluation has an overall question with aspect questions.")
        )
    assert model.survey.id is not None and category.id is not None
    settings = settings_of(current_version(session, evaluation_id))
    level_scores = {level.code: level.score for level in settings.level_scores}
    k = len(model.aspects)
    minimum = max(settings.min_n, settings.suppression_threshold, k + 2)
    covered = {u.id for u in load_definition(session, model.survey).units}
    members = [
        u
        for u in session.exec(
            select(Unit).where(Unit.category_id == category.id).order_by(col(Unit.sort_order))
        )
        if u.id in covered
    ]
    questions = [model.overall.code, *[q.code for q in model.aspects]]
    stats_by_unit = cross_products(
        session,
        evaluation_id,
        model.survey.id,
        questions,
        level_scores,
        [u.id for u in members if u.id is not None],
    )
    unit_means = [s.means for s in stats_by_unit.values() if s.n > 0]
    # Each unit counts once in its category's performance, whatever its number of respondents.
    category_means = np.mean(unit_means, axis=0) if unit_means else np.full(k + 1, np.nan)
    category_performance = category_means[1:]
    pooled_scatter = np.zeros((k + 1, k + 1))
    for s in stats_by_unit.values():
        pooled_scatter += s.centred()
    total = sum(s.n for s in stats_by_unit.values())
    # The within-unit scatter as cross-products about zero means, so that CrossProducts
    # .centred() gives it back; its degrees of freedom are n minus one mean per unit.
    pooled = CrossProducts(n=total, sums=np.zeros(k + 1), cross=pooled_scatter) if total else None
    confidence = settings.confidence
    category_result = _result(
        "category",
        (category.code, category.name, category.name_en),
        category,
        pooled,
        df=total - len(stats_by_unit),
        performance=category_performance if unit_means else None,
        reference=np.full(k, float(np.mean(category_performance))),
        model=model,
        minimum=minimum,
        confidence=confidence,
        overall=float(category_means[0]) if unit_means else None,
    )
    unit_result = None
    if unit is not None:
        own = stats_by_unit.get(unit.id) if unit.id is not None else None
        unit_result = _result(
            "unit",
            (unit.code, unit.name, unit.name_en),
            category,
            own,
            df=None,
            performance=own.means[1:] if own else None,
            reference=category_performance,
            model=model,
            minimum=minimum,
            confidence=confidence,
        )
    return DriverReport(
        evaluation_id=evaluation_id,
        survey_id=model.survey.id,
        survey_title=model.survey.title,
        survey_title_en=model.survey.title_en,
        overall=model.overall.code,
        aspects=[q.code for q in model.aspects],
        draws=DRIVER_DRAWS,
        confidence=confidence,
        unit=unit_result,
        category=category_result,
    )
