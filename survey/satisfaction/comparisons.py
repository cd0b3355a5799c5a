"""Significance of the comparisons the office reads, and the reliability flags, on unit rows.

The tests are ``scoring``'s (:func:`scoring.compare_with_rest`, :func:`scoring.compare_group_pairs`,
:func:`scoring.compare_estimates`, :func:`scoring.adjust_p_values`); this module feeds them the
units' scores and the cells' means as arrays and writes the answers onto the rows.

Families for the multiplicity adjustment are fixed by what a page shows, not by the filter of
one request, so a unit's adjusted p is the same on the category table and on its own page:
the units of one category against the rest of it (one family per category), the units of one
category against the previous evaluation (one family per category), and the pairs of one
unit's groups (one family per unit).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

import numpy as np
from numpy.typing import NDArray

from scoring import (
    ADJUST_NAMES,
    TEST_FORMULA,
    CellStatistics,
    Comparison,
    adjust_p_values,
    coefficient_of_variation,
    compare_estimates,
    compare_group_pairs,
    compare_with_rest,
    group_pairs,
    kish_design_effect,
    reliability,
)
from survey.satisfaction.schemas import (
    CategoryComparison,
    GroupComparison,
    PolicySettings,
    PreviousComparison,
    Significance,
    SignificanceSettings,
    UnitResult,
)
from survey.satisfaction.tables import Axes

Float = NDArray[np.float64]
NAN = math.nan


def _num(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _column(values: Sequence[float | None], missing: float = NAN) -> Float:
    return np.array([missing if v is None else v for v in values], dtype=np.float64)


def _scores(units: Sequence[UnitResult]) -> tuple[Float, Float, Float]:
    """Scores, SEs and df; a df of None beside a defined SE is a normal interval (inf)."""
    return (
        _column([u.score for u in units]),
        _column([u.se for u in units]),
        _column([u.df for u in units], missing=math.inf),
    )


def _tested_per_category(
    found: Comparison, categories: Sequence[str], sig: SignificanceSettings
) -> Iterator[tuple[int, Significance]]:
    """Per unit tested: its row and its test, adjusted within the units of its category (one
    family per comparison kind)."""
    adjusted = adjust_p_values(found.p_value, sig.p_adjust, families=categories)
    sizes = _family_sizes(found.p_value, categories)
    columns = zip(
        found.difference.tolist(),
        found.se.tolist(),
        found.p_value.tolist(),
        adjusted.tolist(),
        sizes.tolist(),
        strict=True,
    )
    for k, (difference, se, p, p_adj, size) in enumerate(columns):
        if not math.isnan(p):
            yield (
                k,
                Significance(
                    difference=difference,
                    se=se,
                    p_value=p,
                    p_adjusted=p_adj,
                    significant=p_adj < sig.alpha,
                    family_size=int(size),
                ),
            )


def _family_sizes(p: Float, labels: Sequence[str]) -> Float:
    """Per test, how many tests its family (same label) holds."""
    _, code = np.unique(np.asarray(labels), return_inverse=True)
    code = code.reshape(-1)
    counts = np.bincount(code, weights=(~np.isnan(p)).astype(np.float64))
    return np.asarray(counts[code], dtype=np.float64)


def add_reliability(
    units: Sequence[UnitResult],
    rows: Sequence[int],
    stats: CellStatistics | None,
    group_codes: Sequence[str],
    weighted: bool,
    sig: SignificanceSettings,
) -> None:
    """CV and its band per unit; with weighted groups, the largest Kish deff of the score's
    groups (``rows``: each unit's row in the cell statistics)."""
    score, se, _ = _scores(units)
    cv = coefficient_of_variation(score, se)
    band = reliability(cv, caution=sig.cv_caution, unreliable=sig.cv_unreliable).tolist()
    deff: Float | None = None
    if weighted and stats is not None and len(rows):
        deff = kish_design_effect(stats.n_valid, stats.n_eff)[list(rows)]
    position = {code: g for g, code in enumerate(group_codes)}
    for k, unit in enumerate(units):
        unit.cv = _num(float(cv[k]))
        unit.reliability = band[k] or None
        # The unit's own design effect (its score's variance against simple random samples,
        # set with the score) comes first; the groups' Kish effects only stand in for it.
        if unit.design_effect is None and deff is not None and unit.groups_used:
            values = [float(deff[k, position[g.group]]) for g in unit.groups_used]
            largest = max((v for v in values if math.isfinite(v)), default=NAN)
            unit.design_effect = _num(largest)
        if unit.design_effect is not None:
            unit.design_effect_high = unit.design_effect > sig.design_effect_flag


def add_category_comparisons(units: Sequence[UnitResult], sig: SignificanceSettings) -> None:
    """Each scored unit against the mean of the rest of its category; Holm (or the policy's
    adjustment) over the units of each category."""
    if not units:
        return
    score, se, df = _scores(units)
    categories = [u.category for u in units]
    found = compare_with_rest(score, se, categories, df=df)
    for k, test in _tested_per_category(found, categories, sig):
        units[k].vs_category = CategoryComparison(
            **test, reference=float(score[k] - test["difference"])
        )


def add_group_comparisons(
    units: Sequence[UnitResult],
    rows: Sequence[int],
    stats: CellStatistics | None,
    group_codes: Sequence[str],
    min_n: int,
    hidden: NDArray[np.bool_] | None,
    sig: SignificanceSettings,
) -> None:
    """Every pair of a unit's groups that each have ``min_n`` valid answers (and are not
    ``hidden`` from the audience), adjusted over the pairs of that unit."""
    if stats is None or len(group_codes) < 2 or not len(rows):
        return
    index = np.asarray(rows, dtype=np.intp)
    n = np.asarray(stats.n_valid)[index]
    usable = n >= min_n
    if hidden is not None:
        usable &= ~hidden[index]
    mean = np.where(usable, np.asarray(stats.mean)[index], np.nan)
    se = np.where(usable, np.asarray(stats.se)[index], np.nan)
    found = compare_group_pairs(mean, se, np.asarray(stats.df)[index])
    adjusted = adjust_p_values(found.p_value, sig.p_adjust)
    first, second = group_pairs(len(group_codes))
    tested = (~np.isnan(found.p_value)).sum(axis=1)
    # Only the significant pairs become dicts: their entries are picked out of the arrays
    # at once, and the loop runs over the pairs found, not over every unit's pairs.
    rows_k, cols_j = np.nonzero(adjusted < sig.alpha)  # NaN (no test) is never below
    picked = zip(
        rows_k.tolist(),
        first[cols_j].tolist(),
        second[cols_j].tolist(),
        found.difference[rows_k, cols_j].tolist(),
        found.se[rows_k, cols_j].tolist(),
        found.p_value[rows_k, cols_j].tolist(),
        adjusted[rows_k, cols_j].tolist(),
        tested[rows_k].tolist(),
        strict=True,
    )
    listed: dict[int, list[GroupComparison]] = {}
    for k, g, h, difference, se_d, p, p_adj, size in picked:
        listed.setdefault(k, []).append(
            {
                "group": group_codes[g],
                "other": group_codes[h],
                "difference": difference,
                "se": se_d,
                "p_value": p,
                "p_adjusted": p_adj,
                "significant": True,
                "family_size": size,
            }
        )
    for k in np.flatnonzero(tested).tolist():
        unit = units[k]
        unit.group_pairs_tested = int(tested[k])
        unit.groups_disagree = k in listed
        if k in listed:
            unit.group_disagreements = listed[k]


def add_previous_comparisons(
    units: Sequence[UnitResult],
    previous: Sequence[UnitResult],
    evaluation_id: int,
    period: str | None,
    sig: SignificanceSettings,
) -> None:
    """Each unit against the same unit code in the previous evaluation; adjusted over the
    units of each category that have a score in both."""
    before = {u.unit: u for u in previous}
    pairs = [(u, before.get(u.unit)) for u in units]
    if not pairs:
        return
    score, se, df = _scores(units)
    earlier = [b for _, b in pairs]
    prev_score = _column([b.score if b is not None else None for b in earlier])
    prev_se = _column([b.se if b is not None else None for b in earlier])
    prev_df = _column([b.df if b is not None else None for b in earlier], missing=math.inf)
    found = compare_estimates(score, se, prev_score, prev_se, df_a=df, df_b=prev_df)
    categories = [u.category for u in units]
    for k, test in _tested_per_category(found, categories, sig):
        units[k].vs_previous = PreviousComparison(
            **test,
            evaluation_id=evaluation_id,
            period=period,
            previous_score=float(prev_score[k]),
            previous_se=float(prev_se[k]),
        )


def annotate(
    units: Sequence[UnitResult],
    axes: Axes,
    stats: CellStatistics | None,
    settings: PolicySettings,
    weighted: bool,
    hidden: NDArray[np.bool_] | None,
) -> None:
    """Reliability, the unit against its category and its groups against each other, for
    every unit computed (rows in the order of ``axes.units``)."""
    sig = settings.significance
    position = {u.code: i for i, u in enumerate(axes.units)}
    rows = [position[u.unit] for u in units]
    codes = [g.code for g in axes.groups]
    add_reliability(units, rows, stats, codes, weighted, sig)
    add_category_comparisons(units, sig)
    add_group_comparisons(units, rows, stats, codes, settings.min_n, hidden, sig)


def method_text(sig: SignificanceSettings) -> str:
    """The test, the adjustment and the flags, for the API's readers and the export."""
    return (
        f"{TEST_FORMULA} Adjustment: {ADJUST_NAMES[sig.p_adjust]}, significant when the "
        f"adjusted p < {sig.alpha:g}; families: the units of a category (vs the rest of the "
        f"category; vs the previous evaluation), the group pairs of a unit (groups with at "
        f"least min_n valid answers). CV = se/score: caution above {sig.cv_caution:g}, not "
        f"reliable above {sig.cv_unreliable:g}; design effect = the score's variance over that "
        f"of simple random samples of its groups' sizes, flagged above {sig.design_effect_flag:g}."
    )
