"""Each unit's combined satisfaction score and its standard error, and nothing more.

The composite scoring needs a score and a standard error per unit (and, for some leaves, the
unit x group cells to combine again); :func:`unit_scores` gives exactly those from the same
counts, raking and cell statistics as :func:`survey.satisfaction.service.satisfaction_results`,
combined by the same :func:`scoring.combine_groups_many`. What it leaves out: ranks and their
intervals, and the response models of every unit and cell. At city scale (2,000 units) that
is most of the cost of a results call.

The office's view: nothing is suppressed.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlmodel import Session

from scoring import CellStatistics, CombinedRates, SatisfactionPolicy
from survey import organisation as org
from survey.models import Unit
from survey.satisfaction import counts as sql
from survey.satisfaction import repository, sample_design, tables
from survey.satisfaction.policy import current_version, scoring_policy, settings_of
from survey.satisfaction.raking import rake_tables
from survey.satisfaction.units import combine_unit_rates, combine_units, unit_weights

Float = NDArray[np.float64]


@dataclass(frozen=True)
class GroupCell:
    """One unit x group cell, pooled over the policy's questions (None where undefined)."""

    n_valid: int
    n_eff: float
    mean: float | None
    se: float | None
    satisfied_rate: float | None
    rate_se: float | None


@dataclass
class UnitScore:
    """A unit's combined score as ``UnitResult`` has it; groups as their ``model_dump()``."""

    unit: str
    category: str
    n_valid: int
    score: float | None
    se: float | None
    groups_used: list[dict[str, Any]]
    groups_dropped: list[dict[str, Any]]
    satisfied_rate: float | None = None
    rate_se: float | None = None


@dataclass
class UnitScores:
    """Scores by unit code, weights by category and group code, and the cells on request."""

    by_unit: dict[str, UnitScore]
    weights: dict[str, dict[str, float]]
    min_n: int
    _units: dict[str, int]
    _groups: list[str]
    _stats: CellStatistics | None

    def cells(self, unit: str) -> dict[str, GroupCell]:
        """The unit's cells that have answers, by group code (as ``_cell_results`` lists)."""
        i = self._units.get(unit)
        stats = self._stats
        if i is None or stats is None:
            return {}
        return {
            group: GroupCell(
                n_valid=int(stats.n_valid[i, g]),
                n_eff=float(stats.n_eff[i, g]),
                mean=_num(float(stats.mean[i, g])),
                se=_num(float(stats.se[i, g])),
                satisfied_rate=_num(float(stats.rate[i, g])),
                rate_se=_num(float(stats.rate_se[i, g])),
            )
            for g, group in enumerate(self._groups)
            if stats.n_valid[i, g] + stats.n_dont_know[i, g] > 0
        }


def _num(value: float) -> float | None:
    return value if math.isfinite(value) else None


def unit_scores(
    session: Session,
    evaluation_id: int,
    *,
    period: str | None = None,
    question: str | None = None,
    units: Sequence[Unit] | None = None,
    category_ids: Collection[int] | None = None,
) -> UnitScores:
    """Every unit's combined satisfaction score and standard error (office view).

    ``period`` counts that period's answers alone, ``question`` scores that question alone,
    as in ``satisfaction_results``; the scores and standard errors are the same numbers.
    ``units``: every unit, when the caller has read them already. ``category_ids``: score
    the units of these categories alone (the same numbers: scores, weights and raking do not
    depend on other categories), so one category's page does not count every unit's answers.
    """
    org.get_evaluation(session, evaluation_id)
    period_row = repository.period_by_code(session, evaluation_id, period)
    settings = settings_of(current_version(session, evaluation_id))
    categories = repository.categories_by_id(session)
    all_units = list(units) if units is not None else repository.units_in_order(session)
    if category_ids is not None:
        all_units = [u for u in all_units if u.category_id in category_ids]
    where = sql.CountFilter(
        evaluation_id=evaluation_id,
        period_id=period_row.id if period_row else None,
        unit_ids={u.id for u in all_units if u.id} if category_ids is not None else None,
        questions=[question] if question is not None else (settings.questions or None),
    )
    design = sample_design.load(session, settings, where)
    rows, cell_rows = (
        design.count_rows(settings)
        if design is not None
        else repository.count_rows(session, settings, where)
    )
    policy = scoring_policy(settings, tables.answer_codes(rows))
    weight_list = org.get_weights(session, evaluation_id)
    axes = tables.build_axes(
        repository.groups_in_order(session), weight_list, rows, all_units, categories, policy
    )
    counted, _ = tables.build_tables(axes, rows)
    if design is not None:
        design.weigh(settings, axes, counted)
    else:
        rake_tables(session, settings, axes, counted, where, cell_rows)
    weights = tables.weight_rows(weight_list, axes, categories)
    stats = tables.statistics(tables.pool(counted), policy)
    if design is not None and stats is not None:
        stats, _ = design.errors(stats, axes, policy)

    by_category: dict[str, dict[str, float]] = {}
    for entry in weight_list:
        by_category.setdefault(entry.category, {})[entry.group] = entry.weight
    groups = [g.code for g in axes.groups]
    n_valid = (
        np.asarray(stats.n_valid)
        if stats is not None
        else np.zeros((len(axes.units), len(axes.groups)))
    )
    members_of: dict[int | None, list[int]] = {}
    for i, unit in enumerate(axes.units):
        members_of.setdefault(unit.category_id, []).append(i)
    by_unit: dict[str, UnitScore] = {}
    rates = combine_unit_rates(
        stats, n_valid, unit_weights(axes.units, weights, len(groups)), policy
    )
    for category_id, members in members_of.items():
        w = weights.get(category_id) if category_id is not None else None
        code = categories[category_id].code
        combined = _combine_category(
            axes.units, members, code, w, stats, n_valid, groups, policy, rates
        )
        by_unit.update((u.unit, u) for u in combined)
    return UnitScores(
        by_unit=by_unit,
        weights=by_category,
        min_n=policy.min_n,
        _units={u.code: i for i, u in enumerate(axes.units)},
        _groups=groups,
        _stats=stats,
    )


def _combine_category(
    units: Sequence[Unit],
    members: list[int],
    category: str,
    w: Float | None,
    stats: CellStatistics | None,
    n_valid: Float,
    groups: list[str],
    policy: SatisfactionPolicy,
    rates: CombinedRates,
) -> list[UnitScore]:
    """The units of one category, combined over their groups as the results service does."""
    out = [
        UnitScore(units[i].code, category, int(n_valid[i].sum()), None, None, [], [])
        for i in members
    ]
    if w is None or not (w > 0).any():
        return out
    n = n_valid[members]
    combined = combine_units(
        stats, members, n_valid, w, min_n=policy.min_n, confidence=policy.confidence
    )
    drop_reason = combined.drop_reason.tolist()
    for j, base in enumerate(out):
        if any(drop_reason[j]):
            base.groups_dropped = [
                {"group": groups[g], "n_valid": int(n[j, g]), "reason": reason}
                for g, reason in enumerate(drop_reason[j])
                if reason
            ]
        cols = np.flatnonzero(combined.used[j]).tolist()
        if stats is None or not cols:
            continue
        base.score = _num(float(combined.score[j]))
        base.se = _num(float(combined.se[j]))
        base.satisfied_rate = _num(float(rates.rate[members[j]]))
        base.rate_se = _num(float(rates.se[members[j]]))
        base.groups_used = [
            {"group": groups[g], "weight": float(combined.weights[j, g]), "n_valid": int(n[j, g])}
            for g in cols
        ]
    return out
