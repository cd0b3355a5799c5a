"""Satisfaction results of an evaluation: counts from SQL, statistics from ``scoring``.

One call computes every unit of the categories involved, because ranks and rank intervals
need the whole category; the filters then choose what is returned. Who is asking decides what
is shown: the office sees everything, a unit only itself, the public only published
evaluations, and both of the latter see small cells suppressed.
"""

from __future__ import annotations

import math
import warnings
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlmodel import Session, col, select

from scoring import (
    CellStatistics,
    RankUncertainty,
    SatisfactionPolicy,
    ScoringWarning,
    cell_statistics,
    combine_groups_many,
    rake_cells,
    suppression_mask,
)
from survey import organisation as org
from survey.accounts import Principal
from survey.errors import N_, NotAuthenticated, NotFound, NotPermitted
from survey.models import (
    Evaluation,
    EvaluationStatus,
    GroupKind,
    Period,
    RespondentGroup,
    Role,
    Unit,
    UnitCategory,
    User,
)
from survey.satisfaction import counts as sql
from survey.satisfaction import rank_draws
from survey.satisfaction.policy import (
    current_version,
    policy_public,
    scoring_policy,
    settings_of,
)
from survey.satisfaction.schemas import (
    Audience,
    CategoryResult,
    CellResult,
    GroupDropped,
    GroupUsed,
    PolicySettings,
    RakingReport,
    SatisfactionResults,
    UnitResult,
)
from survey.schemas import WeightPublic

Float = NDArray[np.float64]
RANK_INTERVAL = "90%"


@dataclass(frozen=True)
class Axes:
    """Positions of units, groups, questions and levels in the count arrays."""

    units: list[Unit]
    groups: list[RespondentGroup]
    questions: list[str]
    levels: tuple[str, ...]

    def index(self) -> tuple[dict[int, int], dict[int, int], dict[str, int], dict[str, int]]:
        return (
            {u.id: i for i, u in enumerate(self.units) if u.id is not None},
            {g.id: i for i, g in enumerate(self.groups) if g.id is not None},
            {q: i for i, q in enumerate(self.questions)},
            {lv: i for i, lv in enumerate(self.levels)},
        )


@dataclass
class Tables:
    """Counts ``[unit, group, question, level]`` and, when raked, the weight sums."""

    counts: Float
    weight_sums: Float | None = None
    weight_sq_sums: Float | None = None


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
) -> SatisfactionResults:
    """Satisfaction of every unit of an evaluation, per group and combined, with ranks.

    ``unit`` and ``group`` choose which rows come back (scores and ranks are always those of
    the whole category); ``question`` scores that question alone instead of the policy's
    questions, ``period`` counts that period's answers alone. ``by_question`` adds a
    unit x group x question breakdown. ``viewer`` None is the public. ``rank_intervals``
    False leaves out the resampled rank intervals and ties (callers that use the scores only,
    such as the composite, need not pay for the draws).
    """
    evaluation = org.get_evaluation(session, evaluation_id)
    audience, own_unit_id = audience_of(session, evaluation, viewer)
    period_row = _period(session, evaluation_id, period)
    policy_row = current_version(session, evaluation_id)
    settings = settings_of(policy_row)
    policy = scoring_policy(settings)

    unit_row = org.unit_by_code(session, unit) if unit is not None else None
    if audience == "unit":
        if unit_row is not None and unit_row.id != own_unit_id:
            raise NotPermitted()
        unit_row = session.get(Unit, own_unit_id)
        if unit_row is None:
            raise NotPermitted()
    group_row = org.group_by_code(session, group) if group is not None else None

    categories = {c.id: c for c in session.exec(select(UnitCategory))}
    all_units = list(session.exec(select(Unit).order_by(col(Unit.sort_order), col(Unit.code))))
    where = sql.CountFilter(
        evaluation_id=evaluation_id,
        period_id=period_row.id if period_row else None,
        unit_ids=(
            {u.id for u in all_units if u.category_id == unit_row.category_id and u.id}
            if unit_row is not None
            else None
        ),
        questions=[question] if question is not None else (settings.questions or None),
    )
    rows, cell_rows = _count_rows(session, settings, where)
    weight_list = org.get_weights(session, evaluation_id)
    axes = _axes(session, weight_list, rows, all_units, categories, policy)
    tables, unscored = _tables(axes, rows)
    raking = _rake(session, settings, axes, tables, where, cell_rows)

    weights = _weight_matrix(weight_list, axes, categories)
    pooled = _pool(tables)
    stats = _statistics(pooled, policy)
    respondents = _respondents_lower_bound(tables.counts, policy)
    suppressed_cells = suppression_mask(respondents, policy.suppression_threshold)

    units_out = _unit_results(
        axes, categories, weights, stats, settings, policy, pooled, rank_intervals
    )
    restricted = audience != "office"
    if restricted:
        for result in units_out:
            _suppress_unit(result, policy.suppression_threshold)

    single_question = axes.questions[0] if len(axes.questions) == 1 else None
    cells_out = _cell_results(
        axes, stats, suppressed_cells if restricted else None, question or single_question
    )
    question_cells: list[CellResult] = []
    if by_question and axes.questions:
        per_question = _statistics(tables, policy)
        n_valid_q = _n_valid(tables.counts, policy)
        question_cells = _question_cell_results(
            axes,
            per_question,
            suppression_mask(n_valid_q, policy.suppression_threshold) if restricted else None,
        )

    ranked: dict[str, int] = defaultdict(int)
    for result in units_out:
        if result.rank is not None:
            ranked[result.category] += 1
    # Filters choose rows; the computation above always covers whole categories.
    if unit_row is not None:
        units_out = [u for u in units_out if u.unit == unit_row.code]
        cells_out = [c for c in cells_out if c.unit == unit_row.code]
        question_cells = [c for c in question_cells if c.unit == unit_row.code]
    if group_row is not None:
        cells_out = [c for c in cells_out if c.group == group_row.code]
        question_cells = [c for c in question_cells if c.group == group_row.code]
    shown_categories = {u.category for u in units_out}
    category_out = [
        CategoryResult(category=c.code, name=c.name, name_en=c.name_en, units_ranked=ranked[c.code])
        for c in sorted(categories.values(), key=lambda c: (c.sort_order, c.code))
        if c.code in shown_categories
    ]

    return SatisfactionResults(
        evaluation_id=evaluation_id,
        evaluation_status=evaluation.status,
        period=period_row.code if period_row else None,
        question=question,
        audience=audience,
        policy=policy_public(session, evaluation_id, policy_row, weight_list),
        categories=category_out,
        units=units_out,
        cells=cells_out,
        question_cells=question_cells,
        raking=raking,
        rank_method=_rank_method(settings),
        unscored_answers=unscored,
    )


def _period(session: Session, evaluation_id: int, code: str | None) -> Period | None:
    if code is None:
        return None
    period = session.exec(
        select(Period).where(Period.evaluation_id == evaluation_id, Period.code == code)
    ).first()
    if period is None:
        raise NotFound(N_("The evaluation has no period %(code)s."), code=code)
    return period


def _axes(
    session: Session,
    weight_list: list[WeightPublic],
    rows: Sequence[tuple[int, int, str, str, int]],
    all_units: list[Unit],
    categories: dict[int | None, UnitCategory],
    policy: SatisfactionPolicy,
) -> Axes:
    """Units of every category that has answers (active ones, and any that were answered)."""
    answered_units = {r[0] for r in rows}
    answered_categories = {u.category_id for u in all_units if u.id in answered_units}
    units = [
        u
        for u in all_units
        if u.category_id in answered_categories and (u.active or u.id in answered_units)
    ]
    units.sort(
        key=lambda u: (
            categories[u.category_id].sort_order,
            categories[u.category_id].code,
            u.sort_order,
            u.code,
        )
    )
    weighted_groups = {
        w.group
        for w in weight_list
        if any(c.code == w.category for c in categories.values() if c.id in answered_categories)
    }
    answered_groups = {r[1] for r in rows}
    groups = [
        g
        for g in session.exec(
            select(RespondentGroup).order_by(
                col(RespondentGroup.sort_order), col(RespondentGroup.code)
            )
        )
        if g.id in answered_groups or g.code in weighted_groups
    ]
    questions = sorted({r[2] for r in rows})
    return Axes(units=units, groups=groups, questions=questions, levels=policy.levels)


def _tables(axes: Axes, rows: Iterable[tuple[int, int, str, str, int]]) -> tuple[Tables, int]:
    unit_ix, group_ix, question_ix, level_ix = axes.index()
    counts = np.zeros((len(axes.units), len(axes.groups), len(axes.questions), len(axes.levels)))
    unscored = 0
    for unit_id, group_id, question, level, n in rows:
        lv = level_ix.get(level)
        if lv is None or unit_id not in unit_ix or group_id not in group_ix:
            unscored += n
            continue
        counts[unit_ix[unit_id], group_ix[group_id], question_ix[question], lv] += n
    return Tables(counts=counts), unscored


def _pool(tables: Tables) -> Tables:
    """Unit x group tables over all questions scored together."""
    return Tables(
        counts=tables.counts.sum(axis=2),
        weight_sums=None if tables.weight_sums is None else tables.weight_sums.sum(axis=2),
        weight_sq_sums=None if tables.weight_sq_sums is None else tables.weight_sq_sums.sum(axis=2),
    )


def _statistics(tables: Tables, policy: SatisfactionPolicy) -> CellStatistics | None:
    """Cell statistics, or None when no cell has a valid answer (nothing to summarise)."""
    valid = ~np.isnan(policy.scores)
    if tables.counts.size == 0 or not (tables.counts[..., valid] > 0).any():
        return None
    if tables.weight_sums is None:
        return cell_statistics(tables.counts, policy)
    return cell_statistics(
        tables.counts,
        policy,
        weight_sums=tables.weight_sums,
        weight_sq_sums=tables.weight_sq_sums,
    )


def _n_valid(counts: Float, policy: SatisfactionPolicy) -> Float:
    valid = ~np.isnan(policy.scores)
    result: Float = counts[..., valid].sum(axis=-1)
    return result


def _respondents_lower_bound(counts: Float, policy: SatisfactionPolicy) -> Float:
    """Fewest respondents a unit x group cell can stand for.

    One respondent answers each question about a unit at most once, so the busiest question
    is a lower bound on the people behind a cell whose questions are pooled, and exact when
    there is one question: small-cell protection errs on the side of suppressing.
    """
    n_valid = _n_valid(counts, policy)
    if n_valid.shape[-1] == 0:
        return np.zeros(n_valid.shape[:-1])
    result: Float = n_valid.max(axis=-1)
    return result


# Raking --------------------------------------------------------------------------------------


def _count_rows(
    session: Session, settings: PolicySettings, where: sql.CountFilter
) -> tuple[list[sql.Count], list[sql.CellCount]]:
    """The counts and, when the policy rakes, the counts per weighting cell they sum.

    One statement either way: raking reads the cell counts and sums them itself.
    """
    if not settings.margins:
        return sql.answer_counts(session, where), []
    cell_rows = sql.cell_answer_counts(session, where)
    return sql.without_cells(cell_rows), cell_rows


def _parse_cell(cell_key: str | None) -> dict[str, str]:
    if not cell_key:
        return {}
    pairs = (part.partition("=") for part in cell_key.split(";") if part)
    return {name: value for name, _, value in pairs}


def _rake(
    session: Session,
    settings: PolicySettings,
    axes: Axes,
    tables: Tables,
    where: sql.CountFilter,
    cell_rows: list[sql.CellCount],
) -> list[RakingReport]:
    """Weight the raked groups' answers to the population margins, in place in ``tables``.

    Each group is raked on its own, so that each group's weighted respondents look like the
    population. Respondents whose cell the margins do not cover keep weight 1, the mean of
    the raked weights, and are reported; a group that cannot be raked at all stays
    unweighted with the reason.
    """
    if not settings.margins:
        return []
    wanted = set(settings.raked_groups)
    raked = [
        g
        for g in axes.groups
        if (g.code in wanted if wanted else g.kind == GroupKind.public) and g.id is not None
    ]
    if not raked:
        return []
    group_ids = {g.id for g in raked if g.id is not None}
    cells_by_group: dict[int, list[tuple[str | None, int]]] = defaultdict(list)
    for group_id, cell_key, n in sql.respondent_cells(
        session, where.evaluation_id, group_ids, where.period_id
    ):
        cells_by_group[group_id].append((cell_key, n))

    variables = list(settings.margins)
    reports: list[RakingReport] = []
    cell_weight: dict[tuple[int, str | None], float] = {}
    for group in raked:
        assert group.id is not None
        entries = cells_by_group.get(group.id, [])
        report, weights = _rake_group(group.code, entries, variables, settings.margins)
        reports.append(report)
        for cell_key, weight in weights.items():
            cell_weight[(group.id, cell_key)] = weight

    unit_ix, group_ix, question_ix, level_ix = axes.index()
    counts = tables.counts
    weight_sums = counts.copy()
    weight_sq_sums = counts.copy()
    raked_ix = [group_ix[g.id] for g in raked if g.id in group_ix]
    # The counts are these rows summed over the cells, so only the raked groups' weighted
    # sums are rebuilt from them.
    weight_sums[:, raked_ix] = 0.0
    weight_sq_sums[:, raked_ix] = 0.0
    for unit_id, group_id, question, level, cell_key, n in cell_rows:
        lv = level_ix.get(level) if level is not None else None
        if group_id not in group_ids or lv is None or unit_id not in unit_ix:
            continue
        w = cell_weight.get((group_id, cell_key), 1.0)
        at = (unit_ix[unit_id], group_ix[group_id], question_ix[question], lv)
        weight_sums[at] += n * w
        weight_sq_sums[at] += n * w * w
    tables.weight_sums = weight_sums
    tables.weight_sq_sums = weight_sq_sums
    return reports


def _rake_group(
    code: str,
    entries: list[tuple[str | None, int]],
    variables: list[str],
    margins: dict[str, dict[str, float]],
) -> tuple[RakingReport, dict[str | None, float]]:
    usable: list[tuple[str | None, dict[str, str], int]] = []
    unusable = 0
    for cell_key, n in entries:
        cell = _parse_cell(cell_key)
        if all(cell.get(v) in margins[v] for v in variables):
            usable.append((cell_key, cell, n))
        else:
            unusable += n
    respondents = sum(n for _, n in entries)

    def unweighted(problem: str) -> tuple[RakingReport, dict[str | None, float]]:
        return (
            RakingReport(
                group=code,
                respondents=respondents,
                respondents_unweighted=respondents,
                cells=len(entries),
                converged=False,
                iterations=0,
                n_eff=float(respondents) if respondents else None,
                design_effect=1.0 if respondents else None,
                problem=problem,
            ),
            {},
        )

    if not usable:
        return unweighted("no respondent has a cell the margins cover")
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always", ScoringWarning)
        try:
            result = rake_cells(
                {v: [cell[v] for _, cell, _ in usable] for v in variables},
                [n for *_, n in usable],
                margins,
            )
        except ValueError as error:
            return unweighted(str(error))
    sizes = np.array([n for *_, n in usable], dtype=np.float64)
    raw = np.asarray(result.weights, dtype=np.float64)
    # Relative weights, mean 1 over the raked respondents: means are ratios, so the scale
    # is free, and respondents outside the margins then count as average ones.
    relative = raw / (float(np.sum(sizes * raw)) / float(sizes.sum()))
    weights = {key: float(w) for (key, _, _), w in zip(usable, relative, strict=True)}
    all_n = np.append(sizes, unusable) if unusable else sizes
    all_w = np.append(relative, 1.0) if unusable else relative
    total, sq = float(np.sum(all_n * all_w)), float(np.sum(all_n * all_w**2))
    n_eff = total * total / sq
    return (
        RakingReport(
            group=code,
            respondents=respondents,
            respondents_unweighted=unusable,
            cells=len(entries),
            converged=result.converged,
            iterations=result.iterations,
            n_eff=n_eff,
            design_effect=respondents / n_eff,
            problem=None,
        ),
        weights,
    )


# Combining groups and ranking ------------------------------------------------------------------


def _weight_matrix(
    weight_list: list[WeightPublic],
    axes: Axes,
    categories: dict[int | None, UnitCategory],
) -> dict[int, Float]:
    """Category id -> weight per group on the group axis (0 where the matrix has none)."""
    group_pos = {g.code: i for i, g in enumerate(axes.groups)}
    by_code = {c.code: cid for cid, c in categories.items() if cid is not None}
    matrix: dict[int, Float] = {}
    for entry in weight_list:
        category_id = by_code.get(entry.category)
        if category_id is None or entry.group not in group_pos:
            continue
        row = matrix.setdefault(category_id, np.zeros(len(axes.groups)))
        row[group_pos[entry.group]] = entry.weight
    return matrix


def _num(value: object) -> float | None:
    number = float(value)  # type: ignore[arg-type]
    return number if math.isfinite(number) else None


def _unit_results(
    axes: Axes,
    categories: dict[int | None, UnitCategory],
    weights: dict[int, Float],
    stats: CellStatistics | None,
    settings: PolicySettings,
    policy: SatisfactionPolicy,
    pooled: Tables,
    rank_intervals: bool = True,
) -> list[UnitResult]:
    n_valid = (
        np.asarray(stats.n_valid)
        if stats is not None
        else np.zeros((len(axes.units), len(axes.groups)))
    )
    results: list[UnitResult] = []
    resampled: list[tuple[rank_draws.Category, list[tuple[int, UnitResult]]]] = []
    for category_id in dict.fromkeys(u.category_id for u in axes.units):
        members = [i for i, u in enumerate(axes.units) if u.category_id == category_id]
        w = weights.get(category_id) if category_id is not None else None
        category = categories[category_id]
        combined = _combine(axes, members, category.code, w, stats, n_valid, settings, policy)
        results.extend(combined)
        scored = [(i, r) for i, r in zip(members, combined, strict=True) if r.score is not None]
        if w is not None and scored:
            _rank(scored)
            if rank_intervals and len(scored) == 1:
                scored[0][1].rank_interval = (1, 1)
            elif rank_intervals:
                resampled.append((_resampling_inputs(axes, scored, w, pooled), scored))
    # Every category's rank intervals at once: the cells to draw share one batched call.
    uncertainties = rank_draws.rank_uncertainties(
        [inputs for inputs, _ in resampled], policy, settings.rank_draws, settings.rank_seed
    )
    for (_, scored), uncertainty in zip(resampled, uncertainties, strict=True):
        _rank_intervals(scored, uncertainty)
    return results


def _combine(
    axes: Axes,
    members: list[int],
    category_code: str,
    w: Float | None,
    stats: CellStatistics | None,
    n_valid: Float,
    settings: PolicySettings,
    policy: SatisfactionPolicy,
) -> list[UnitResult]:
    """The units ``members`` of one category, each combined over its groups."""
    out = [
        UnitResult(
            unit=axes.units[i].code,
            unit_name=axes.units[i].name,
            unit_name_en=axes.units[i].name_en,
            category=category_code,
            n_valid=int(n_valid[i].sum()),
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
            not_scored=None,
            suppressed=False,
        )
        for i in members
    ]
    if w is None or not (w > 0).any():
        for base in out:
            base.not_scored = "no_weights"
        return out
    n = n_valid[members]
    combined = (
        combine_groups_many(
            np.asarray(stats.mean)[members],
            np.asarray(stats.se)[members],
            n,
            w,
            df=np.asarray(stats.df)[members],
            min_n=policy.min_n,
            confidence=policy.confidence,
            ci_method=settings.combine_ci_method,
        )
        if stats is not None
        else None
    )
    codes = [g.code for g in axes.groups]
    for j, base in enumerate(out):
        # Groups that count for the category, and any others that answered (reported as
        # dropped).
        used = combined.used[j] if combined is not None else np.zeros(len(codes), np.bool_)
        dropped = ((w > 0) | (n[j] > 0)) & ~used
        base.groups_dropped = [
            GroupDropped(
                group=codes[g],
                n_valid=int(n[j, g]),
                reason="zero_weight" if w[g] <= 0 else "below_min_n",
            )
            for g in np.flatnonzero(dropped).tolist()
        ]
        if combined is None or not used.any():
            base.not_scored = "no_group"
            continue
        base.score = _num(combined.score[j])
        base.se = _num(combined.se[j])
        base.ci_low = _num(combined.ci_low[j])
        base.ci_high = _num(combined.ci_high[j])
        base.groups_used = [
            GroupUsed(group=codes[g], weight=float(combined.weights[j, g]), n_valid=int(n[j, g]))
            for g in np.flatnonzero(used).tolist()
        ]
    return out


def _rank(scored: list[tuple[int, UnitResult]]) -> None:
    """Competition ranks of the scores inside a category (1 = best, ties share a rank)."""
    scores = np.array([r.score for _, r in scored], dtype=np.float64)
    for (_, result), score in zip(scored, scores, strict=True):
        result.rank = 1 + int(np.sum(scores > score))


def _resampling_inputs(
    axes: Axes, scored: list[tuple[int, UnitResult]], w: Float, pooled: Tables
) -> rank_draws.Category:
    """What the rank resampling of a category of two or more ranked units needs."""
    index = [i for i, _ in scored]
    # Groups no unit of the category uses cannot move a score; leaving them out of the
    # resampling saves drawing empty tables.
    position = {g.code: k for k, g in enumerate(axes.groups)}
    in_use = sorted({position[g.group] for _, r in scored for g in r.groups_used})
    # The resampling redraws whole respondents, so it works on the unweighted counts.
    return rank_draws.Category(
        counts=np.ascontiguousarray(pooled.counts[np.ix_(index, in_use)]),
        weights=np.ascontiguousarray(w[in_use]),
        units=tuple(r.unit for _, r in scored),
        unit_ids=tuple(axes.units[i].id for i in index),  # type: ignore[misc]
        group_ids=tuple(axes.groups[g].id for g in in_use),  # type: ignore[misc]
    )


def _rank_intervals(scored: list[tuple[int, UnitResult]], uncertainty: RankUncertainty) -> None:
    """Rank intervals and ties next to the following unit, from the resampling."""
    by_code = {r.unit: r for _, r in scored}
    for k, code in enumerate(uncertainty.units):
        low, high = uncertainty.rank_low[k], uncertainty.rank_high[k]
        if math.isfinite(low) and math.isfinite(high):
            by_code[code].rank_interval = (int(low), int(high))
    for pair in uncertainty.adjacent_pairs:
        by_code[pair.higher].tied_with_next = pair.tied
        by_code[pair.higher].p_beats_next = pair.p_higher_beats_lower


def _rank_method(settings: PolicySettings) -> str:
    return (
        f"rank = competition rank of the score inside the category (1 = best); "
        f"rank_interval = {RANK_INTERVAL} interval over {settings.rank_draws} parametric "
        f"bootstrap draws (Multinomial(n, observed shares) per unit x group, unweighted "
        f"counts, each unit x group from a random stream of its own under seed "
        f"{settings.rank_seed}); tied_with_next when "
        f"0.05 < P(unit beats the next one) < 0.95"
    )


# Cells and suppression -------------------------------------------------------------------------


def _cell_results(
    axes: Axes,
    stats: CellStatistics | None,
    suppressed: NDArray[np.bool_] | None,
    question: str | None,
) -> list[CellResult]:
    if stats is None:
        return []
    cells = _CellValues(stats, suppressed)
    return [
        cells.result((i, g), unit.code, group.code, question)
        for i, unit in enumerate(axes.units)
        for g, group in enumerate(axes.groups)
        if cells.answered(i, g)
    ]


def _question_cell_results(
    axes: Axes, stats: CellStatistics | None, suppressed: NDArray[np.bool_] | None
) -> list[CellResult]:
    if stats is None:
        return []
    cells = _CellValues(stats, suppressed)
    return [
        cells.result((i, g, q), unit.code, group.code, question)
        for i, unit in enumerate(axes.units)
        for g, group in enumerate(axes.groups)
        for q, question in enumerate(axes.questions)
        if cells.answered(i, g, q)
    ]


class _CellValues:
    """A cell's statistics as Python numbers, read from arrays converted once per call.

    Reading numpy scalars cell by cell, field by field, cost more than the statistics.
    """

    _FIELDS = (
        "mean",
        "se",
        "ci_low",
        "ci_high",
        "rate",
        "rate_ci_low",
        "rate_ci_high",
        "trimmed_mean",
    )

    def __init__(self, stats: CellStatistics, suppressed: NDArray[np.bool_] | None) -> None:
        self._weighted = stats.weighted
        arrays: dict[str, Float] = {name: getattr(stats, name) for name in self._FIELDS}
        if stats.weighted:
            arrays["n_eff"] = np.asarray(stats.n_eff)
        # NaN and infinities become None here, once for every cell.
        self._values = {
            name: np.where(np.isfinite(a), a, np.array(None)).tolist() for name, a in arrays.items()
        }
        self._n_valid = np.asarray(stats.n_valid).astype(np.int64).tolist()
        self._n_dont_know = np.asarray(stats.n_dont_know).astype(np.int64).tolist()
        self._hidden = None if suppressed is None else np.asarray(suppressed).tolist()

    @staticmethod
    def _at(nested: list[Any], at: tuple[int, ...]) -> Any:
        for k in at:
            nested = nested[k]
        return nested

    def answered(self, *at: int) -> bool:
        return bool(self._at(self._n_valid, at) + self._at(self._n_dont_know, at) > 0)

    def result(
        self, at: tuple[int, ...], unit: str, group: str, question: str | None
    ) -> CellResult:
        hidden = bool(self._at(self._hidden, at)) if self._hidden is not None else False
        values = {
            name: None if hidden else self._at(nested, at) for name, nested in self._values.items()
        }
        return CellResult(
            unit=unit,
            group=group,
            question=question,
            n_valid=self._at(self._n_valid, at),
            n_dont_know=self._at(self._n_dont_know, at),
            n_eff=values["n_eff"] if self._weighted else None,
            mean=values["mean"],
            se=values["se"],
            ci_low=values["ci_low"],
            ci_high=values["ci_high"],
            satisfied_rate=values["rate"],
            rate_ci_low=values["rate_ci_low"],
            rate_ci_high=values["rate_ci_high"],
            trimmed_mean=values["trimmed_mean"],
            weighted=self._weighted,
            suppressed=hidden,
        )


def _suppress_unit(result: UnitResult, threshold: int) -> None:
    """A unit's score rests on its used groups; too few people behind it, and it is hidden."""
    behind = sum(g.n_valid for g in result.groups_used)
    if result.score is not None and behind < threshold:
        result.suppressed = True
        result.score = result.se = result.ci_low = result.ci_high = None
        result.rank = None
        result.rank_interval = None
        result.tied_with_next = None
        result.p_beats_next = None
