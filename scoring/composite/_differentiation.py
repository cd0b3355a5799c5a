"""Taixing's differentiation rule (差别化打分) for qualitative scores of a lead department."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from scoring.composite._base import (
    ceil_share,
    check_number,
    floor_share,
    labels,
    vector,
)


@dataclass(frozen=True)
class DifferentiationCheck:
    """Whether a lead department's qualitative scores for one category are differentiated.

    Attributes
    ----------
    n_units : int
        Units scored.
    n_high : int
        Units scoring ``>= high``.
    max_high : int
        ``floor(max_high_share * n_units)``: the most units allowed ``>= high``.
    n_low : int
        Units scoring ``< low``.
    min_low : int
        ``ceil(min_low_share * n_units)``: the fewest units required ``< low``.
    high_units, low_units, full_mark_units : tuple[str, ...]
        The units in each group (full marks: score ``>= full_marks``).
    violations : tuple[str, ...]
        One sentence per broken rule; empty when the scores comply.
    passed : bool
    penalty : float
        Points the lead department loses for this category: ``penalty_points`` when any rule
        is broken, else 0 (Taixing: 0.2 per category; sum over categories for the total).
    high, low, max_high_share, min_low_share, full_marks, forbid_full_marks
        The rule as applied.
    rounding : str
        How the count limits were rounded.
    """

    n_units: int
    n_high: int
    max_high: int
    n_low: int
    min_low: int
    high_units: tuple[str, ...]
    low_units: tuple[str, ...]
    full_mark_units: tuple[str, ...]
    violations: tuple[str, ...]
    passed: bool
    penalty: float
    high: float
    low: float
    max_high_share: float
    min_low_share: float
    full_marks: float
    forbid_full_marks: bool
    rounding: str


def differentiation_check(
    scores: ArrayLike,
    *,
    units: ArrayLike | None = None,
    high: float = 90.0,
    max_high_share: float = 0.3,
    low: float = 80.0,
    min_low_share: float = 0.2,
    full_marks: float = 100.0,
    forbid_full_marks: bool = True,
    penalty_points: float = 0.2,
) -> DifferentiationCheck:
    """Check the differentiation rule on one department's scores for one category.

    Taixing 2020: scores of 90 or more (含90分) for at most 30 % of the units, scores below
    80 for at least 20 %, in principle no full marks; a lead department whose scores break
    the rule loses 0.2 points per category.

    Parameters
    ----------
    scores : array_like, shape (U,)
        The qualitative scores the department gave to the units of the category (points on
        its 0-``full_marks`` scale). Must be finite: a unit left unscored is an input error.
    units : array_like, shape (U,), optional
        Unit labels for the report.
    high, max_high_share : float
        At most ``floor(max_high_share * U)`` units may score ``>= high``.
    low, min_low_share : float
        At least ``ceil(min_low_share * U)`` units must score ``< low`` (strictly below).
    full_marks : float
        The full mark of the scale; a score ``>= full_marks`` counts as full marks.
    forbid_full_marks : bool
        Whether full marks are a violation (default True).
    penalty_points : float
        Penalty when any rule is broken (default 0.2).

    Returns
    -------
    DifferentiationCheck

    Notes
    -----
    The count limits are rounded against the department: the share of high scores down
    (``floor``) and the share of low scores up (``ceil``), computed on the shares as written
    (``0.3`` is exactly 3/10), so with 12 units at most 3 may score >= 90 and at least 3 must
    score < 80; with 3 units none may score >= 90 and one must score < 80.
    """
    s = vector(scores, "scores", allow_nan=False)
    if s.size == 0:
        raise ValueError("scores must hold at least one unit")
    names = labels(units, s.size, "units")
    high = check_number(high, "high")
    low = check_number(low, "low")
    if low > high:
        raise ValueError(f"low {low:g} must not exceed high {high:g}")
    full = check_number(full_marks, "full_marks")
    if full < high:
        raise ValueError("full_marks must be at least high")
    hs = check_number(max_high_share, "max_high_share", minimum=0.0, maximum=1.0)
    ls = check_number(min_low_share, "min_low_share", minimum=0.0, maximum=1.0)
    pen = check_number(penalty_points, "penalty_points", minimum=0.0)
    if not isinstance(forbid_full_marks, bool):
        raise ValueError("forbid_full_marks must be True or False")
    n = int(s.size)
    max_high = floor_share(hs, n)
    min_low = ceil_share(ls, n)
    is_high = s >= high
    is_low = s < low
    is_full = s >= full
    pick = np.flatnonzero
    high_units = tuple(names[i] for i in pick(is_high))
    low_units = tuple(names[i] for i in pick(is_low))
    full_units = tuple(names[i] for i in pick(is_full))
    violations: list[str] = []
    if len(high_units) > max_high:
        violations.append(
            f"{len(high_units)} of {n} units score >= {high:g}; at most {max_high} "
            f"(floor({hs:g} * {n})) may"
        )
    if len(low_units) < min_low:
        violations.append(
            f"{len(low_units)} of {n} units score < {low:g}; at least {min_low} "
            f"(ceil({ls:g} * {n})) must"
        )
    if forbid_full_marks and full_units:
        violations.append(f"full marks ({full:g}) given to: {', '.join(full_units)}")
    return DifferentiationCheck(
        n_units=n,
        n_high=len(high_units),
        max_high=max_high,
        n_low=len(low_units),
        min_low=min_low,
        high_units=high_units,
        low_units=low_units,
        full_mark_units=full_units,
        violations=tuple(violations),
        passed=not violations,
        penalty=pen if violations else 0.0,
        high=high,
        low=low,
        max_high_share=hs,
        min_low_share=ls,
        full_marks=full,
        forbid_full_marks=forbid_full_marks,
        rounding="max_high = floor(max_high_share * n), min_low = ceil(min_low_share * n), "
        "on the shares as written in decimal",
    )
