"""Results per category: ranks and grades (rank changes, interviews, awards, warnings beside)."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from scoring._common import (
    FloatArray,
    IntArray,
    StrArray,
    frozen_array,
)
from scoring._reasons import Reason, emit
from scoring.composite._base import (
    Direction,
    check_direction,
    check_number,
    competition_ranks,
    exact_share,
    labels,
    vector,
)

BoundaryTies = Literal["include", "exclude"]

COMPETITION_RULE = (
    "competition ranking (1224): 1 + number of units strictly ahead; units equal on the score "
    "and every tie-break key share the best rank of their block"
)


def _tie_keys(
    tie_break: Sequence[tuple[ArrayLike, Direction]], size: int
) -> tuple[list[FloatArray], list[str]]:
    keys: list[FloatArray] = []
    text: list[str] = []
    for k, item in enumerate(tie_break):
        if not isinstance(item, tuple) or len(item) != 2:
            raise ValueError("tie_break entries must be (values, direction) pairs")
        values, direction = item
        arr = vector(values, f"tie_break[{k}]", allow_nan=False, size=size)
        d = check_direction(direction, f"tie_break[{k}] direction")
        keys.append(arr if d == "higher" else -arr)
        text.append(f"key {k} ({d} better)")
    return keys, text


# --------------------------------------------------------------------------- ranking


@dataclass(frozen=True, eq=False)
class Ranking:
    """Ranks of the units of one category.

    Attributes
    ----------
    units : tuple[str, ...]
    score : ndarray of float, shape (U,)
    rank : ndarray of float, shape (U,)
        Competition rank, 1 = best; NaN for units without a score.
    tie_size : ndarray of int, shape (U,)
        Units sharing the rank (1 = untied, 0 = not ranked).
    order : tuple[str, ...]
        Ranked units, best first; tied units in input order.
    n_ranked : int
    direction : {"higher", "lower"}
    tie_rule : str
    not_ranked : tuple[tuple[str, str], ...]
        ``(unit, reason code)`` for units left out (``score_missing``).
    reasons : tuple of Reason
        One ``not_ranked`` reason per unit left out.
    """

    units: tuple[str, ...]
    score: FloatArray
    rank: FloatArray
    tie_size: IntArray
    order: tuple[str, ...]
    n_ranked: int
    direction: Direction
    tie_rule: str
    not_ranked: tuple[tuple[str, str], ...]
    reasons: tuple[Reason, ...] = ()


def rank_units(
    scores: ArrayLike,
    *,
    units: ArrayLike | None = None,
    direction: Direction = "higher",
    tie_break: Sequence[tuple[ArrayLike, Direction]] = (),
    warn: bool = True,
) -> Ranking:
    """Rank the units of one category by their total.

    Parameters
    ----------
    scores : array_like, shape (U,)
        Totals; NaN units are left out with a :class:`ScoringWarning`.
    units : array_like, shape (U,), optional
    direction : {"higher", "lower"}
        Which totals are better (default higher).
    tie_break : sequence of (array_like of shape (U,), direction)
        Keys that order units with equal totals, in order of use (e.g. the hard-indicator
        subtotal, higher better). Units equal on all keys share a rank.
    warn : bool
        Raise a :class:`ScoringWarning` per unit left out (default); False leaves the
        reasons on the result only.

    Returns
    -------
    Ranking

    Notes
    -----
    Scores are compared exactly as floats. To rank on published totals rounded to, say, two
    decimals (so that 88.004 and 88.001 tie), round them before calling.
    """
    s = vector(scores, "scores")
    if s.size == 0:
        raise ValueError("scores must hold at least one unit")
    names = labels(units, s.size, "units")
    d = check_direction(direction)
    keys, key_text = _tie_keys(tie_break, s.size)
    rank, size = competition_ranks((s if d == "higher" else -s)[None, :], keys)
    r = rank[0]
    missing = np.isnan(s)
    not_ranked = tuple((names[i], "score_missing") for i in np.flatnonzero(missing))
    found = tuple(Reason("not_ranked", unit=u, cause=code) for u, code in not_ranked)
    emit(found, warn=warn)
    ranked = np.flatnonzero(~missing)
    order = ranked[np.argsort(r[ranked], kind="stable")]
    rule = COMPETITION_RULE + (f"; tie-break: {', '.join(key_text)}" if key_text else "")
    return Ranking(
        units=names,
        score=frozen_array(s),
        rank=frozen_array(r),
        tie_size=frozen_array(size[0], dtype=np.intp),
        order=tuple(names[i] for i in order),
        n_ranked=int(ranked.size),
        direction=d,
        tie_rule=rule,
        not_ranked=not_ranked,
        reasons=found,
    )


# --------------------------------------------------------------------------- grades


@dataclass(frozen=True)
class GradeRule:
    """How totals become grades (等次), best grade first.

    Parameters
    ----------
    grades : tuple[str, ...]
        Grade names, best first; default 优秀, 良好, 合格, 不合格.
    thresholds : tuple[float or None, ...] or None
        Minimum total for each grade but the last (``>=``), non-increasing; None entries (or
        None for all) mean "no threshold". Default ``(90, 80, 60)``.
    max_shares : tuple[float or None, ...] or None
        Quota of each grade but the last as a share of the units graded; the count limit is
        ``floor(share * n)`` on the share as written (0.3 is exactly 3/10). None = no quota.
        Default ``(0.3, None, None)``: at most 30 % 优秀 (Lanzhou steers it within 15-30 %).

    Notes
    -----
    Grades are filled best first. A unit gets grade ``g`` when it meets ``g``'s threshold
    and, taking the units that meet it in rank order, its whole tie block still fits in the
    quota; otherwise it is considered for the next grade. Ties at the quota boundary are
    therefore never split: the whole tied block goes down (after any tie-break keys), so
    quotas are never exceeded and equal totals always get equal grades. The last grade takes
    every unit left.
    """

    grades: tuple[str, ...] = ("优秀", "良好", "合格", "不合格")
    thresholds: tuple[float | None, ...] | None = (90.0, 80.0, 60.0)
    max_shares: tuple[float | None, ...] | None = (0.3, None, None)

    def __post_init__(self) -> None:
        g = tuple(self.grades)
        if len(g) < 2 or len(set(g)) != len(g) or not all(isinstance(x, str) and x for x in g):
            raise ValueError("grades must be at least two distinct non-empty names")
        object.__setattr__(self, "grades", g)
        n = len(g) - 1
        th = self.thresholds if self.thresholds is not None else (None,) * n
        sh = self.max_shares if self.max_shares is not None else (None,) * n
        th = tuple(None if x is None else check_number(x, "threshold") for x in th)
        sh = tuple(
            None if x is None else check_number(x, "max_share", minimum=0.0, maximum=1.0)
            for x in sh
        )
        if len(th) != n or len(sh) != n:
            raise ValueError(
                f"thresholds and max_shares need {n} entries (all grades but the last)"
            )
        given = [x for x in th if x is not None]
        if any(b > a for a, b in itertools.pairwise(given)):
            raise ValueError("thresholds must not increase from the best grade down")
        object.__setattr__(self, "thresholds", th)
        object.__setattr__(self, "max_shares", sh)

    def caps(self, n: int) -> tuple[int | None, ...]:
        """Count limit of each grade but the last for ``n`` graded units."""
        assert self.max_shares is not None
        return tuple(None if s is None else int(exact_share(s) * n) for s in self.max_shares)

    @property
    def description(self) -> str:
        assert self.thresholds is not None and self.max_shares is not None
        parts = []
        for name, t, s in zip(self.grades, self.thresholds, self.max_shares, strict=False):
            cond = [f">= {t:g}"] if t is not None else []
            if s is not None:
                cond.append(f"at most floor({s:g} n) units")
            parts.append(f"{name}: {' and '.join(cond) or 'no condition'}")
        parts.append(f"{self.grades[-1]}: the rest")
        return "; ".join(parts) + "; tied blocks at a quota boundary go down whole"


def grade_kernel(
    score: FloatArray, rule: GradeRule, keys: Sequence[FloatArray] = ()
) -> tuple[IntArray, IntArray]:
    """Grade index (S, U) (-1 = not graded) and the best grade lost to a quota (-1 = none)."""
    assert rule.thresholds is not None and rule.max_shares is not None
    graded = ~np.isnan(score)
    n = graded.sum(axis=1)
    assigned = np.full(score.shape, -1, dtype=np.intp)
    demoted = np.full(score.shape, -1, dtype=np.intp)
    for g, (thr, share) in enumerate(zip(rule.thresholds, rule.max_shares, strict=True)):
        cand = graded & (assigned < 0)
        meets = cand & (score >= thr) if thr is not None else cand
        if share is None:
            admit = meets
        else:
            frac = exact_share(share)
            cap = (frac.numerator * n) // frac.denominator
            rank, size = competition_ranks(np.where(meets, score, np.nan), keys)
            with np.errstate(invalid="ignore"):
                admit = meets & (rank + size - 1 <= cap[:, None])
            demoted[meets & ~admit & (demoted < 0)] = g
        assigned[admit] = g
    assigned[graded & (assigned < 0)] = len(rule.grades) - 1
    return assigned, demoted


@dataclass(frozen=True, eq=False)
class Grades:
    """Grades of the units of one category.

    Attributes
    ----------
    units : tuple[str, ...]
    score : ndarray of float, shape (U,)
    grade : ndarray of str, shape (U,)
        Grade name; ``""`` for units without a score.
    grade_index : ndarray of int, shape (U,)
        0 = best grade; -1 = not graded.
    rank : ndarray of float, shape (U,)
        Competition rank used for the quotas (with the tie-break keys).
    counts : Mapping[str, int]
        Units per grade.
    caps : Mapping[str, int or None]
        Count limit per grade (None = no quota).
    demoted_from : ndarray of str, shape (U,)
        The best grade whose threshold the unit met but whose quota it did not fit, else
        ``""`` (e.g. tied units at the 优秀 boundary).
    n_graded : int
    rule : GradeRule
    description : str
    reasons : tuple of Reason
        One ``not_graded`` reason per unit without a score.
    """

    units: tuple[str, ...]
    score: FloatArray
    grade: StrArray
    grade_index: IntArray
    rank: FloatArray
    counts: Mapping[str, int]
    caps: Mapping[str, int | None]
    demoted_from: StrArray
    n_graded: int
    rule: GradeRule
    description: str
    reasons: tuple[Reason, ...] = ()


def assign_grades(
    scores: ArrayLike,
    rule: GradeRule | None = None,
    *,
    units: ArrayLike | None = None,
    tie_break: Sequence[tuple[ArrayLike, Direction]] = (),
    warn: bool = True,
) -> Grades:
    """Grade the units of one category by threshold, quota or both.

    Parameters
    ----------
    scores : array_like, shape (U,)
        Totals (higher better); NaN units get no grade, with a :class:`ScoringWarning`.
    rule : GradeRule, optional
        Default :class:`GradeRule` ``()``.
    units : array_like, shape (U,), optional
    tie_break : sequence of (array_like, direction)
        Keys ordering equal totals for the quotas (see :func:`rank_units`).
    warn : bool
        Raise a :class:`ScoringWarning` per unit without a grade (default); False leaves
        the reasons on the result only.

    Returns
    -------
    Grades
    """
    rule = GradeRule() if rule is None else rule
    if not isinstance(rule, GradeRule):
        raise ValueError("rule must be a GradeRule")
    s = vector(scores, "scores")
    if s.size == 0:
        raise ValueError("scores must hold at least one unit")
    names = labels(units, s.size, "units")
    keys, _ = _tie_keys(tie_break, s.size)
    idx, dem = grade_kernel(s[None, :], rule, keys)
    rank = competition_ranks(s[None, :], keys)[0][0]
    missing = np.isnan(s)
    found = tuple(
        Reason("not_graded", unit=names[i], cause="score_missing") for i in np.flatnonzero(missing)
    )
    emit(found, warn=warn)
    grade_names = np.array(("", *rule.grades), dtype=object)
    n = int((~missing).sum())
    caps = rule.caps(n)
    return Grades(
        units=names,
        score=frozen_array(s),
        grade=frozen_array(grade_names[idx[0] + 1].astype(str), dtype=np.str_),
        grade_index=frozen_array(idx[0], dtype=np.intp),
        rank=frozen_array(rank),
        counts=MappingProxyType({g: int((idx[0] == k).sum()) for k, g in enumerate(rule.grades)}),
        caps=MappingProxyType(
            {g: (caps[k] if k < len(caps) else None) for k, g in enumerate(rule.grades)}
        ),
        demoted_from=frozen_array(grade_names[dem[0] + 1].astype(str), dtype=np.str_),
        n_graded=n,
        rule=rule,
        description=rule.description,
        reasons=found,
    )
