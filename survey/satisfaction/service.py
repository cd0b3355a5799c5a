"""Satisfaction results of an evaluation: counts from SQL, statistics from ``scoring``.

One call computes every unit of the categories involved, because ranks and rank intervals
need the whole category; the filters then choose what is returned. Who is asking decides what
is shown: the office sees everything, a unit only itself, the public only published
evaluations, and both of the latter see small cells suppressed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlmodel import Session

from scoring import suppression_mask
from survey import organisation as org
from survey.accounts import Principal
from survey.errors import N_, Invalid, NotAuthenticated, NotFound, NotPermitted
from survey.models import (
    Evaluation,
    EvaluationStatus,
    RespondentGroup,
    Role,
    Unit,
    UnitCategory,
    User,
)
from survey.models.responses import Channel
from survey.satisfaction import comparisons, repository, sample_design, tables
from survey.satisfaction import counts as sql
from survey.satisfaction.cells import (
    add_unit_design_effects,
    cell_results,
    question_cell_results,
    suppress_unit,
)
from survey.satisfaction.models import SatisfactionPolicyVersion
from survey.satisfaction.policy import (
    current_version,
    policy_public,
    scoring_policy,
    settings_of,
)
from survey.satisfaction.raking import rake_tables
from survey.satisfaction.schemas import (
    Audience,
    CategoryResult,
    CellResult,
    GroupDesign,
    PolicySettings,
    RakingReport,
    SatisfactionResults,
    UnitResult,
)
from survey.satisfaction.units import rank_method, unit_results
from survey.schemas import WeightPublic

# Who is asking -----------------------------------------------------------------------------


def audience_of(
    session: Session, evaluation: Evaluation, viewer: Principal | None
) -> tuple[Audience, int | None]:
    """The audience and, for a unit account, its unit; refuses callers who may not look."""
    if viewer is not None and viewer.has(Role.viewer):
        return "office", None
    if viewer is not None and viewer.role == Role.unit:
        unit_id = viewer.unit_id
        if unit_id is None and viewer.user_id is not None:
            # Tokens carry their user, not the user's unit.
            user = session.get(User, viewer.user_id)
            unit_id = user.unit_id if user else None
        if unit_id is None:
            raise NotPermitted()
        return "unit", unit_id
    if evaluation.status != EvaluationStatus.published:
        raise NotAuthenticated(N_("Results of this evaluation are not published yet."))
    return "public", None


def _unit_row(
    session: Session, code: str | None, audience: Audience, own_unit_id: int | None
) -> Unit | None:
    """The unit the rows are filtered to: the one asked for, and for a unit account its own."""
    unit_row = org.unit_by_code(session, code) if code is not None else None
    if audience == "unit":
        if unit_row is not None and unit_row.id != own_unit_id:
            # To a unit, another unit's results do not exist (404, not 403).
            raise NotFound(N_("There is no such unit."))
        unit_row = session.get(Unit, own_unit_id)
        if unit_row is None:
            raise NotPermitted()
    return unit_row


# Results -------------------------------------------------------------------------------------


def satisfaction_results(
    session: Session,
    evaluation_id: int,
    *,
    unit: str | None = None,
    group: str | None = None,
    question: str | None = None,
    period: str | None = None,
    by_question: bool = False,
    viewer: Principal | None = None,
    rank_intervals: bool = True,
    channel: str | None = None,
    category: str | None = None,
    previous: bool = False,
) -> SatisfactionResults:
    """Satisfaction of every unit of an evaluation, per group and combined, with ranks.

    ``unit`` and ``group`` choose which rows come back (scores and ranks are always those of
    the whole category); ``question`` scores that question alone instead of the policy's
    questions, ``period`` counts that period's answers alone, ``channel`` the answers of
    responses from that channel alone (``qr``, ``ballot``, ``paper``, ``import``, as the
    responses store it), ranks included. ``by_question`` adds a
    unit x group x question breakdown. ``viewer`` None is the public. ``rank_intervals``
    False leaves out the resampled rank intervals and ties (callers that use the scores only,
    such as the composite, need not pay for the draws). ``previous`` adds each unit's test
    against the same unit code in the evaluation's previous one (computing that one too).
    """
    evaluation = org.get_evaluation(session, evaluation_id)
    audience, own_unit_id = audience_of(session, evaluation, viewer)
    if channel is not None and channel not in set(Channel):
        raise Invalid(
            N_("There is no channel %(code)s; channels are %(channels)s."),
            field="channel",
            code=channel,
            channels=", ".join(Channel),
        )
    unit_row = _unit_row(session, unit, audience, own_unit_id)
    group_row = org.group_by_code(session, group) if group is not None else None
    run = _evaluate(
        session,
        evaluation_id,
        audience,
        unit_row=unit_row,
        category=category,
        period=period,
        question=question,
        channel=channel,
        by_question=by_question,
        rank_intervals=rank_intervals,
    )
    computed = run.computed
    if previous and evaluation.previous_id is not None:
        _compare_previous(
            session,
            evaluation.previous_id,
            computed.units,
            run.settings,
            viewer=viewer,
            period=period,
            question=question,
            channel=channel,
            category=run.category,
        )
    shown = _chosen(computed, unit_row, group_row)
    return SatisfactionResults(
        evaluation_id=evaluation_id,
        evaluation_status=evaluation.status,
        period=run.period,
        question=question,
        channel=channel,
        audience=audience,
        policy=policy_public(session, evaluation_id, run.policy_row, run.weight_list),
        categories=_category_results(run.categories, computed.units, shown.units),
        units=shown.units,
        cells=shown.cells,
        question_cells=shown.question_cells,
        raking=computed.raking,
        design=computed.design,
        rank_method=rank_method(run.settings),
        unscored_answers=computed.unscored,
        significance_method=comparisons.method_text(run.settings.significance),
    )


@dataclass(frozen=True)
class _Run:
    """One evaluation computed for an audience: every unit of the categories involved."""

    computed: _Computed
    settings: PolicySettings
    policy_row: SatisfactionPolicyVersion | None
    weight_list: list[WeightPublic]
    categories: dict[int | None, UnitCategory]
    category: str | None  # the one category computed, if only one was
    period: str | None


def _evaluate(
    session: Session,
    evaluation_id: int,
    audience: Audience,
    *,
    unit_row: Unit | None,
    category: str | None,
    period: str | None,
    question: str | None,
    channel: str | None,
    by_question: bool,
    rank_intervals: bool,
) -> _Run:
    """Every unit of the categories involved (the unit's, or the one asked for, or all), as
    ``audience`` sees them; the caller chooses the rows to return."""
    period_row = repository.period_by_code(session, evaluation_id, period)
    policy_row = current_version(session, evaluation_id)
    settings = settings_of(policy_row)
    categories = repository.categories_by_id(session)
    all_units = repository.units_in_order(session)
    # Raking weighs each group's respondents over the whole evaluation, not per unit, so
    # leaving the other categories' units out changes none of the numbers shown.
    only_category = _only_category(categories, unit_row, category)
    if only_category is not None:
        all_units = [u for u in all_units if u.category_id == only_category]
    where = sql.CountFilter(
        evaluation_id=evaluation_id,
        period_id=period_row.id if period_row else None,
        unit_ids={u.id for u in all_units if u.id} if only_category is not None else None,
        questions=[question] if question is not None else (settings.questions or None),
        channel=channel,
    )
    weight_list = org.get_weights(session, evaluation_id)
    computed = _compute(
        session,
        settings,
        where,
        _Scope(all_units, categories, weight_list, audience != "office"),
        question=question,
        by_question=by_question,
        rank_intervals=rank_intervals,
    )
    return _Run(
        computed=computed,
        settings=settings,
        policy_row=policy_row,
        weight_list=weight_list,
        categories=categories,
        category=categories[only_category].code if only_category is not None else None,
        period=period_row.code if period_row else None,
    )


def _compare_previous(
    session: Session,
    previous_id: int,
    units: list[UnitResult],
    settings: PolicySettings,
    *,
    viewer: Principal | None,
    period: str | None,
    question: str | None,
    channel: str | None,
    category: str | None,
) -> None:
    """The units against the same codes in the previous evaluation (the same period code,
    question and channel), when the viewer may read it and it has that period.

    The previous evaluation is computed for the whole category even for a unit account, so
    that the adjustment counts the same units (and gives the same adjusted p) as on the
    office's pages; the other units' figures are only counted, never returned."""
    try:
        before = org.get_evaluation(session, previous_id)
        audience, _ = audience_of(session, before, viewer)
        run = _evaluate(
            session,
            previous_id,
            audience,
            unit_row=None,
            category=category,
            period=period,
            question=question,
            channel=channel,
            by_question=False,
            rank_intervals=False,
        )
    except (NotFound, NotAuthenticated, NotPermitted, Invalid):
        return
    comparisons.add_previous_comparisons(
        units, run.computed.units, previous_id, run.period, settings.significance
    )


def _only_category(
    categories: dict[int | None, UnitCategory], unit_row: Unit | None, category: str | None
) -> int | None:
    """The one category to compute, if a unit or a category is asked for."""
    if category is not None:
        chosen = next((cid for cid, c in categories.items() if c.code == category), None)
        if chosen is None:
            raise NotFound(N_("No unit category has the code %(code)s."), code=category)
        # A unit of another category is then among no units computed and shows no rows.
        return chosen
    if unit_row is not None:
        return unit_row.category_id
    return None


@dataclass(frozen=True)
class _Scope:
    """What the computation covers: every unit, the categories, the weights, and whether
    the audience sees small cells suppressed."""

    all_units: list[Unit]
    categories: dict[int | None, UnitCategory]
    weight_list: list[WeightPublic]
    restricted: bool


@dataclass
class _Rows:
    """Result rows: units, unit x group cells and unit x group x question cells."""

    units: list[UnitResult]
    cells: list[CellResult]
    question_cells: list[CellResult]


@dataclass
class _Computed(_Rows):
    raking: list[RakingReport]
    unscored: int
    design: list[GroupDesign]


def _compute(
    session: Session,
    settings: PolicySettings,
    where: sql.CountFilter,
    scope: _Scope,
    *,
    question: str | None,
    by_question: bool,
    rank_intervals: bool,
) -> _Computed:
    """Every unit of the categories involved, scored, ranked and (when restricted) hidden."""
    design = sample_design.load(session, settings, where)
    rows, cell_rows = (
        design.count_rows(settings)
        if design is not None
        else repository.count_rows(session, settings, where)
    )
    policy = scoring_policy(settings, tables.answer_codes(rows))
    axes = tables.build_axes(
        repository.groups_in_order(session),
        scope.weight_list,
        rows,
        scope.all_units,
        scope.categories,
        policy,
    )
    counted, unscored = tables.build_tables(axes, rows)
    raking = (
        design.weigh(settings, axes, counted)
        if design is not None
        else rake_tables(session, settings, axes, counted, where, cell_rows)
    )

    weights = tables.weight_rows(scope.weight_list, axes, scope.categories)
    pooled = tables.pool(counted)
    stats = tables.statistics(pooled, policy)
    design_cells = None
    if design is not None and stats is not None:
        stats, design_cells = design.errors(stats, axes, policy)
    respondents = tables.respondents_lower_bound(counted.counts, policy)
    suppressed_cells = suppression_mask(respondents, policy.suppression_threshold)

    units_out = unit_results(
        axes, scope.categories, weights, stats, settings, policy, pooled, rank_intervals
    )
    add_unit_design_effects(units_out, axes, stats)
    if scope.restricted:
        for result in units_out:
            suppress_unit(result, policy.suppression_threshold)
    comparisons.annotate(
        units_out,
        axes,
        stats,
        settings,
        pooled.weight_sums is not None,
        suppressed_cells if scope.restricted else None,
    )

    single_question = axes.questions[0] if len(axes.questions) == 1 else None
    cells_out = cell_results(
        axes,
        stats,
        suppressed_cells if scope.restricted else None,
        question or single_question,
        design_cells,
    )
    question_cells: list[CellResult] = []
    if by_question and axes.questions:
        per_question = tables.statistics(counted, policy)
        n_valid_q = tables.n_valid(counted.counts, policy)
        question_cells = question_cell_results(
            axes,
            per_question,
            suppression_mask(n_valid_q, policy.suppression_threshold) if scope.restricted else None,
        )
    design_groups = [
        GroupDesign.model_validate({"group": code, **info})
        for code, info in (design_cells.groups.items() if design_cells is not None else [])
    ]
    return _Computed(units_out, cells_out, question_cells, raking, unscored, design_groups)


def _chosen(computed: _Rows, unit_row: Unit | None, group_row: RespondentGroup | None) -> _Rows:
    """Filters choose rows; the computation always covers whole categories."""
    units_out, cells_out, question_cells = computed.units, computed.cells, computed.question_cells
    if unit_row is not None:
        units_out = [u for u in units_out if u.unit == unit_row.code]
        cells_out = [c for c in cells_out if c.unit == unit_row.code]
        question_cells = [c for c in question_cells if c.unit == unit_row.code]
    if group_row is not None:
        cells_out = [c for c in cells_out if c.group == group_row.code]
        question_cells = [c for c in question_cells if c.group == group_row.code]
    return _Rows(units_out, cells_out, question_cells)


def _category_results(
    categories: dict[int | None, UnitCategory],
    every_unit: list[UnitResult],
    shown_units: list[UnitResult],
) -> list[CategoryResult]:
    """The categories of the units shown, with how many of their units are ranked."""
    ranked: dict[str, int] = defaultdict(int)
    for result in every_unit:
        if result.rank is not None:
            ranked[result.category] += 1
    shown = {u.category for u in shown_units}
    return [
        CategoryResult(category=c.code, name=c.name, name_en=c.name_en, units_ranked=ranked[c.code])
        for c in sorted(categories.values(), key=lambda c: (c.sort_order, c.code))
        if c.code in shown
    ]
