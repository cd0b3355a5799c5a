"""Answer counts as arrays: the unit, group, question and level axes, the count tables, the
group weights on the group axis and the cell statistics of the tables."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import repeat
from operator import itemgetter
from typing import Any

import numpy as np
from numpy.typing import NDArray

from scoring import CellStatistics, SatisfactionPolicy, cell_statistics, group_weight_matrix
from survey.models import RespondentGroup, Unit, UnitCategory
from survey.schemas import WeightPublic

Float = NDArray[np.float64]


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


def build_axes(
    groups_in_order: Sequence[RespondentGroup],
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
    groups = [g for g in groups_in_order if g.id in answered_groups or g.code in weighted_groups]
    questions = sorted({r[2] for r in rows})
    return Axes(units=units, groups=groups, questions=questions, levels=policy.levels)


def answer_codes(rows: Iterable[tuple[int, int, str, str | None, int]]) -> set[str]:
    """The answer codes counted (levels and numbers as stored), for the policy's level axis."""
    return {level for _, _, _, level, _ in rows if level is not None}


def build_tables(axes: Axes, rows: Sequence[tuple[int, int, str, str, int]]) -> tuple[Tables, int]:
    """The count tables, and how many answers are on levels the policy does not score."""
    unit_ix, group_ix, question_ix, level_ix = axes.index()
    counts = np.zeros((len(axes.units), len(axes.groups), len(axes.questions), len(axes.levels)))
    if not rows:
        return Tables(counts=counts), 0
    # Positions looked up column by column and added in one pass: at city scale (57,000 count
    # rows) a Python loop over the rows cost as much as the counting query. The columns are
    # read through the rows, not transposed into new tuples (whose allocation woke the
    # garbage collector over every object the process holds).
    n = np.fromiter(map(itemgetter(4), rows), np.float64, len(rows))
    lookups: tuple[dict[Any, int], ...] = (unit_ix, group_ix, question_ix, level_ix)
    u, g, q, lv = (
        np.fromiter(map(ix.get, map(itemgetter(k), rows), repeat(-1)), np.intp, len(rows))
        for k, ix in enumerate(lookups)
    )
    scored = (u >= 0) & (g >= 0) & (q >= 0) & (lv >= 0)
    at = np.ravel_multi_index((u[scored], g[scored], q[scored], lv[scored]), counts.shape)
    summed = np.bincount(at, weights=n[scored], minlength=counts.size)
    counts = summed.astype(np.float64, copy=False).reshape(counts.shape)
    return Tables(counts=counts), int(n[~scored].sum())


def pool(tables: Tables) -> Tables:
    """Unit x group tables over all questions scored together."""
    return Tables(
        counts=tables.counts.sum(axis=2),
        weight_sums=None if tables.weight_sums is None else tables.weight_sums.sum(axis=2),
        weight_sq_sums=None if tables.weight_sq_sums is None else tables.weight_sq_sums.sum(axis=2),
    )


def statistics(tables: Tables, policy: SatisfactionPolicy) -> CellStatistics | None:
    """Cell statistics, or None when no cell has a valid answer (nothing to summarise)."""
    valid = ~np.isnan(policy.scores)
    if tables.counts.size == 0 or not (tables.counts[..., valid] > 0).any():
        return None
    if tables.weight_sums is None:
        return cell_statistics(tables.counts, policy, warn=False)
    return cell_statistics(
        tables.counts,
        policy,
        weight_sums=tables.weight_sums,
        weight_sq_sums=tables.weight_sq_sums,
        warn=False,
    )


def n_valid(counts: Float, policy: SatisfactionPolicy) -> Float:
    """Valid answers (don't-know left out) per cell, the level axis summed."""
    valid = ~np.isnan(policy.scores)
    result: Float = counts[..., valid].sum(axis=-1)
    return result


def respondents_lower_bound(counts: Float, policy: SatisfactionPolicy) -> Float:
    """Fewest respondents a unit x group cell can stand for.

    One respondent answers each question about a unit at most once, so the busiest question
    is a lower bound on the people behind a cell whose questions are pooled, and exact when
    there is one question: small-cell protection errs on the side of suppressing.
    """
    per_question = n_valid(counts, policy)
    if per_question.shape[-1] == 0:
        return np.zeros(per_question.shape[:-1])
    result: Float = per_question.max(axis=-1)
    return result


def weight_rows(
    weight_list: list[WeightPublic],
    axes: Axes,
    categories: dict[int | None, UnitCategory],
) -> dict[int, Float]:
    """Category id -> weight per group on the group axis (0 where the matrix has none);
    categories without a weight for any group on the axis are left out."""
    ids = [cid for cid in categories if cid is not None]
    matrix = group_weight_matrix(
        ((w.category, w.group, w.weight) for w in weight_list),
        [categories[cid].code for cid in ids],
        [g.code for g in axes.groups],
    )
    return {cid: matrix.weights[k] for k, cid in enumerate(ids) if matrix.listed[k]}
