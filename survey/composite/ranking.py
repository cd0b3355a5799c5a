"""A category's ranks, grades, rank changes, interview list, progress awards and warnings."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from scoring import (
    GradeRule,
    Grades,
    SchemeResult,
    assign_grades,
    early_warnings,
    interview_list,
    progress_awards,
    rank_changes,
    rank_units,
)
from survey.composite import describe
from survey.composite import scheme as schemes
from survey.composite.category_data import CategoryData
from survey.composite.json_values import finite_or_none
from survey.composite.schemas import SchemeSpec, WarningFlag

Float = NDArray[np.float64]
NAN = math.nan


def interview_rule(spec: SchemeSpec) -> str:
    """The scheme's interview rule in words."""
    # The words come from ``describe``, which the office pages translate.
    return str(describe.interview_rule(spec))


def progress_rule(spec: SchemeSpec) -> str:
    """The scheme's progress-award rule in words."""
    return str(describe.progress_rule(spec))


def grade_rule_of(spec: SchemeSpec) -> GradeRule:
    """The scheme's grades as the library's rule."""
    g = spec.grades
    return GradeRule(
        grades=tuple(g.names),
        thresholds=tuple(g.thresholds) if g.thresholds is not None else None,
        max_shares=tuple(g.max_shares) if g.max_shares is not None else None,
    )


def ranked_totals(spec: SchemeSpec, result: SchemeResult) -> tuple[Float, list[tuple[Float, Any]]]:
    """The totals as the scheme ranks and grades them (rounded) and its tie-break keys."""
    rounded = np.asarray(
        np.round(np.asarray(result.total, dtype=np.float64), spec.ranking.decimals),
        dtype=np.float64,
    )
    keys = [
        (
            np.nan_to_num(
                np.asarray(result.subtotals[f"{schemes.ROOT}/{t.block}"], dtype=np.float64),
                nan=-1e300,
            ),
            t.direction,
        )
        for t in spec.ranking.tie_break
    ]
    return rounded, keys


def grade_units(spec: SchemeSpec, result: SchemeResult, codes: list[str]) -> Grades:
    """The category's grades under the scheme (what the results and the simulator use)."""
    rounded, keys = ranked_totals(spec, result)
    return assign_grades(rounded, grade_rule_of(spec), units=codes, tie_break=keys, warn=False)


def rank_and_flag(
    spec: SchemeSpec,
    data: CategoryData,
    result: SchemeResult,
    codes: list[str],
    previous_ranks: Mapping[str, int | None] | None,
) -> tuple[Any, Any, tuple[Float, Float, list[str]], Any, set[str], list[list[WarningFlag]], str]:
    """Ranks, grades, rank changes, interview list, progress awards and warnings; the rank rule."""
    rounded, keys = ranked_totals(spec, result)
    ranking = rank_units(rounded, units=codes, tie_break=keys, warn=False)
    rule = str(describe.rank_rule(spec))
    grades = grade_units(spec, result, codes)
    size = len(codes)
    previous = np.full(size, NAN)
    change = np.full(size, NAN)
    status = ["" for _ in codes]
    change_obj = None
    if previous_ranks:
        prev_codes = list(previous_ranks)
        change_obj = rank_changes(
            ranking.rank,
            [NAN if r is None else float(r) for r in previous_ranks.values()],
            units=codes,
            previous_units=prev_codes,
        )
        previous = np.asarray(change_obj.previous_rank, dtype=np.float64)
        change = np.asarray(change_obj.change, dtype=np.float64)
        status = [str(s) for s in change_obj.status]
    else:
        status = ["new" if previous_ranks is not None else "" for _ in codes]
    interview = spec.interview
    if interview is not None:
        listed = interview_list(
            ranking.rank,
            units=codes,
            rank_change=change,
            bottom_k=interview.bottom,
            fall_places=interview.fall_places,
            boundary_ties=interview.boundary_ties,
        )
    else:
        listed = interview_list(
            ranking.rank, units=codes, rank_change=change, bottom_k=None, fall_places=None
        )
    awarded: set[str] = set()
    if spec.progress_award is not None:
        awards = progress_awards(
            change,
            units=codes,
            min_rise=spec.progress_award.min_rise,
            top_k=spec.progress_award.top_k,
            boundary_ties=spec.progress_award.boundary_ties,
        )
        awarded = set(awards.awarded)
    flags = warning_flags(spec, data, codes)
    return ranking, grades, (previous, change, status), listed, awarded, flags, rule


def warning_flags(
    spec: SchemeSpec, data: CategoryData, codes: list[str]
) -> list[list[WarningFlag]]:
    """Each unit\'s early warnings under the scheme\'s rules (drops and thresholds)."""
    out: list[list[WarningFlag]] = [[] for _ in codes]
    rules = spec.warnings
    if not rules:
        return out
    current, previous, periods = [], [], []
    for rule in rules:
        period = rule.period or schemes.default_period(spec)
        assert period is not None
        periods.append(period)
        current.append(data.hard(rule.indicator, period)[0])
        if rule.against == "previous_evaluation":
            previous.append(data.previous(rule.indicator, period))
        else:
            previous.append(data.hard(rule.indicator, rule.against)[0])
    cur = np.stack(current, axis=1)
    prev = np.stack(previous, axis=1)
    found = early_warnings(
        cur,
        prev,
        units=codes,
        indicators=[str(k) for k in range(len(rules))],
        max_drop=[NAN if r.max_drop is None else r.max_drop for r in rules],
        thresholds=[NAN if r.threshold is None else r.threshold for r in rules],
        directions=[r.direction for r in rules],
    )
    detail = {(u, ind): text for u, ind, text in found.messages}
    for i, code in enumerate(codes):
        for k, rule in enumerate(rules):
            if not found.warned[i, k]:
                continue
            out[i].append(
                WarningFlag(
                    indicator=rule.indicator,
                    period=periods[k],
                    against=rule.against,
                    dropped=bool(found.dropped[i, k]),
                    breached=bool(found.breached[i, k]),
                    value=finite_or_none(cur[i, k]),
                    previous=finite_or_none(prev[i, k]),
                    change=finite_or_none(found.change[i, k]),
                    max_drop=rule.max_drop,
                    threshold=rule.threshold,
                    detail=detail.get((code, str(k)), ""),
                )
            )
    return out


# The whole evaluation ----------------------------------------------------------------------
