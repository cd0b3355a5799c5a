"""Each unit's combined score and its rank and rank interval inside its category, as rows.

The arithmetic is ``scoring``'s (:func:`scoring.combine_groups_many`, the rank resampling);
this module picks each category's units and weights and shapes the arrays into results.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pydantic import TypeAdapter

from scoring import (
    CellStatistics,
    CombinedRates,
    CombinedScores,
    RankUncertainty,
    SatisfactionPolicy,
    combine_groups_many,
    combine_rates,
)
from survey.models import Unit, UnitCategory
from survey.satisfaction import rank_draws
from survey.satisfaction.schemas import (
    CombineCIMethod,
    PolicySettings,
    UnitResult,
)
from survey.satisfaction.tables import Axes, Tables

Float = NDArray[np.float64]
RANK_INTERVAL = "90%"


def combine_units(
    stats: CellStatistics | None,
    members: list[int],
    n_valid: Float,
    w: Float,
    *,
    min_n: int,
    confidence: float,
    ci_method: CombineCIMethod = "satterthwaite",
) -> CombinedScores:
    """The units ``members`` (rows of the pooled statistics) combined over their groups.

    Without statistics (no valid answer anywhere) every unit gets NaN and its answered or
    weighted groups are reported as dropped, as ``scoring`` does for groups below ``min_n``.
    """
    n = n_valid[members]
    if stats is None:
        mean = se = df = np.full(n.shape, np.nan)
    else:
        mean = np.asarray(stats.mean)[members]
        se = np.asarray(stats.se)[members]
        df = np.asarray(stats.df)[members]
    return combine_groups_many(
        mean,
        se,
        n,
        w,
        df=df,
        min_n=min_n,
        confidence=confidence,
        ci_method=ci_method,
    )


def unit_weights(units: list[Unit], weights: dict[int, Float], groups: int) -> Float:
    """Each unit's category weights on the group axis, ``(units, groups)``; 0 without any."""
    rows = np.zeros((len(units), groups))
    for i, unit in enumerate(units):
        found = weights.get(unit.category_id) if unit.category_id is not None else None
        if found is not None:
            rows[i] = found
    return rows


def combine_unit_rates(
    stats: CellStatistics | None, n_valid: Float, w: Float, policy: SatisfactionPolicy
) -> CombinedRates:
    """Every unit's satisfaction rate, combined over the groups of its score with the same
    weights (``w``: one row per unit), in one :func:`scoring.combine_rates` call."""
    if stats is None:
        rate = se = np.full(n_valid.shape, np.nan)
        n_eff = n_valid
    else:
        rate, se, n_eff = np.asarray(stats.rate), np.asarray(stats.rate_se), stats.n_eff
    return combine_rates(
        rate,
        se,
        n_valid,
        n_eff,
        w,
        min_n=policy.min_n,
        confidence=policy.confidence,
        ci_method=policy.rate_ci_method,
    )


def unit_results(
    axes: Axes,
    categories: dict[int | None, UnitCategory],
    weights: dict[int, Float],
    stats: CellStatistics | None,
    settings: PolicySettings,
    policy: SatisfactionPolicy,
    pooled: Tables,
    rank_intervals: bool = True,
) -> list[UnitResult]:
    """Every unit of the axes, scored and ranked inside its category."""
    n_valid = (
        np.asarray(stats.n_valid)
        if stats is not None
        else np.zeros((len(axes.units), len(axes.groups)))
    )
    results: list[UnitResult] = []
    resampled: list[tuple[rank_draws.Category, list[tuple[int, UnitResult]]]] = []
    rates = combine_unit_rates(
        stats, n_valid, unit_weights(axes.units, weights, len(axes.groups)), policy
    )
    for category_id in dict.fromkeys(u.category_id for u in axes.units):
        members = [i for i, u in enumerate(axes.units) if u.category_id == category_id]
        w = weights.get(category_id) if category_id is not None else None
        category = categories[category_id]
        combined = _category_results(
            axes, members, category.code, w, stats, n_valid, settings, policy
        )
        _add_rates(combined, members, rates)
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


def _num(value: object) -> float | None:
    number = float(value)  # type: ignore[arg-type]
    return number if math.isfinite(number) else None


_UNIT_ROWS: TypeAdapter[list[UnitResult]] = TypeAdapter(list[UnitResult])


def _category_results(
    axes: Axes,
    members: list[int],
    category_code: str,
    w: Float | None,
    stats: CellStatistics | None,
    n_valid: Float,
    settings: PolicySettings,
    policy: SatisfactionPolicy,
) -> list[UnitResult]:
    """The units ``members`` of one category, each combined over its groups.

    Rows are built as plain values and validated as one list (a category of 100 units with
    7 groups made 800 models one by one, each then changed field by field).
    """
    rows: list[dict[str, Any]] = [
        {
            "unit": axes.units[i].code,
            "unit_name": axes.units[i].name,
            "unit_name_en": axes.units[i].name_en,
            "category": category_code,
            "n_valid": total,
            "score": None,
            "se": None,
            "ci_low": None,
            "ci_high": None,
            "groups_used": [],
            "groups_dropped": [],
            "rank": None,
            "rank_interval": None,
            "tied_with_next": None,
            "p_beats_next": None,
            "not_scored": None,
            "suppressed": False,
        }
        for i, total in zip(
            members, n_valid[members].sum(axis=1).astype(np.int64).tolist(), strict=True
        )
    ]
    if w is None or not (w > 0).any():
        for row in rows:
            row["not_scored"] = "no_weights"
        return _UNIT_ROWS.validate_python(rows)
    n = n_valid[members].astype(np.int64).tolist()
    combined = combine_units(
        stats,
        members,
        n_valid,
        w,
        min_n=policy.min_n,
        confidence=policy.confidence,
        ci_method=settings.combine_ci_method,
    )
    codes = [g.code for g in axes.groups]
    drop_reason = combined.drop_reason.tolist()
    used = np.asarray(combined.used, dtype=np.bool_)
    used_any = [bool(used[j].any()) for j in range(used.shape[0])]
    numbers: dict[str, list[float | None]] = {
        name: np.where(np.isfinite(a), a, np.array(None)).tolist()
        for name, a in (
            ("score", combined.score),
            ("se", combined.se),
            ("ci_low", combined.ci_low),
            ("ci_high", combined.ci_high),
            ("df", combined.df),
        )
    }
    weights = combined.weights.tolist()
    used_at = [np.flatnonzero(used[j]).tolist() for j in range(used.shape[0])]
    for j, row in enumerate(rows):
        # Groups that count for the category, and any others that answered (as dropped).
        row["groups_dropped"] = [
            {"group": codes[g], "n_valid": n[j][g], "reason": reason}
            for g, reason in enumerate(drop_reason[j])
            if reason
        ]
        if stats is None or not used_any[j]:
            row["not_scored"] = "no_group"
            continue
        for name, values in numbers.items():
            row[name] = values[j]
        row["groups_used"] = [
            {"group": codes[g], "weight": weights[j][g], "n_valid": n[j][g]} for g in used_at[j]
        ]
    return _UNIT_ROWS.validate_python(rows)


def _add_rates(results: list[UnitResult], members: list[int], rates: CombinedRates) -> None:
    """The combined rates of the scored units (rows ``members`` of ``rates``)."""
    for result, i in zip(results, members, strict=True):
        if result.score is None:
            continue
        result.satisfied_rate = _num(rates.rate[i])
        result.rate_se = _num(rates.se[i])
        result.rate_n_eff = _num(rates.n_eff[i])
        result.rate_ci_low = _num(rates.ci_low[i])
        result.rate_ci_high = _num(rates.ci_high[i])


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


def rank_method(settings: PolicySettings) -> str:
    """How ranks and rank intervals were obtained, for the API's readers."""
    return (
        f"rank = competition rank of the score inside the category (1 = best); "
        f"rank_interval = {RANK_INTERVAL} interval over {settings.rank_draws} parametric "
        f"bootstrap draws (Multinomial(n, observed shares) per unit x group, unweighted "
        f"counts, each unit x group from a random stream of its own under seed "
        f"{settings.rank_seed}); tied_with_next when "
        f"0.05 < P(unit beats the next one) < 0.95"
    )
