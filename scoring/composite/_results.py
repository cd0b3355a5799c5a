"""Results per category: rank, grade, rank change, interview list, progress award, warnings."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from scoring._common import (
    BoolArray,
    FloatArray,
    IntArray,
    StrArray,
    as_float_array,
    frozen_array,
)
from scoring._reasons import Reason, emit
from scoring.composite._base import (
    Direction,
    check_choice,
    check_count,
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


# --------------------------------------------------------------------------- rank change


@dataclass(frozen=True, eq=False)
class RankChange:
    """Rank change (进位 / 退位) against the previous evaluation, matched by unit code.

    Attributes
    ----------
    units : tuple[str, ...]
        Current units.
    rank, previous_rank : ndarray of float, shape (U,)
        Current rank and the rank the same code had last time (NaN: new or not ranked).
    change : ndarray of float, shape (U,)
        ``previous_rank - rank``: positive = rose (进位), negative = fell (退位); NaN for new
        units and units not ranked in either evaluation (no change is computed for them).
    is_new : ndarray of bool, shape (U,)
        Code absent from the previous evaluation.
    status : ndarray of str, shape (U,)
        ``"new"``, ``"not ranked now"``, ``"not ranked before"`` or ``""``.
    left : tuple[str, ...]
        Previous units absent now.
    """

    units: tuple[str, ...]
    rank: FloatArray
    previous_rank: FloatArray
    change: FloatArray
    is_new: BoolArray
    status: StrArray
    left: tuple[str, ...]


def rank_changes(
    rank: ArrayLike,
    previous_rank: ArrayLike,
    *,
    units: ArrayLike,
    previous_units: ArrayLike,
) -> RankChange:
    """Match the current and the previous ranking by unit code.

    Parameters
    ----------
    rank : array_like, shape (U,)
        Current ranks (NaN = not ranked).
    previous_rank : array_like, shape (V,)
        Previous ranks (NaN = not ranked).
    units : array_like, shape (U,)
        Current unit codes (unique).
    previous_units : array_like, shape (V,)
        Previous unit codes (unique).

    Returns
    -------
    RankChange
        New units get no change (NaN) and ``is_new``; the raw difference of ranks is
        reported even when the category grew or shrank.
    """
    r = vector(rank, "rank")
    pr = vector(previous_rank, "previous_rank")
    names = labels(units, r.size, "units")
    prev_names = labels(previous_units, pr.size, "previous_units")
    for name, arr in (("rank", r), ("previous_rank", pr)):
        ok = arr[~np.isnan(arr)]
        if (ok < 1).any() or (ok != np.floor(ok)).any():
            raise ValueError(f"{name} must hold whole numbers >= 1 (or NaN)")
    where = {u: k for k, u in enumerate(prev_names)}
    is_new = np.array([u not in where for u in names], dtype=bool)
    previous = np.array([pr[where[u]] if u in where else np.nan for u in names], dtype=np.float64)
    change = previous - r
    status = np.where(
        is_new,
        "new",
        np.where(
            np.isnan(r), "not ranked now", np.where(np.isnan(previous), "not ranked before", "")
        ),
    )
    current = set(names)
    return RankChange(
        units=names,
        rank=frozen_array(r),
        previous_rank=frozen_array(previous),
        change=frozen_array(change),
        is_new=frozen_array(is_new, dtype=np.bool_),
        status=frozen_array(status, dtype=np.str_),
        left=tuple(u for u in prev_names if u not in current),
    )


def _tie_sizes(rank: FloatArray) -> FloatArray:
    finite = rank[~np.isnan(rank)]
    values, counts = np.unique(finite, return_counts=True)
    lookup = dict(zip(values.tolist(), counts.tolist(), strict=True))
    return np.array(
        [lookup.get(x, 0) if not np.isnan(x) else 0 for x in rank.tolist()], dtype=np.float64
    )


# --------------------------------------------------------------------------- interview list


@dataclass(frozen=True, eq=False)
class InterviewList:
    """Units to be interviewed (约谈).

    Attributes
    ----------
    units : tuple[str, ...]
    listed : tuple[str, ...]
        Units on the list, worst current rank first.
    bottom, fell : ndarray of bool, shape (U,)
        Why: among the bottom ``bottom_k``; fell ``fall_places`` places or more.
    reason : ndarray of str, shape (U,)
    bottom_k, fall_places : int or None
    boundary_ties : {"include", "exclude"}
    """

    units: tuple[str, ...]
    listed: tuple[str, ...]
    bottom: BoolArray
    fell: BoolArray
    reason: StrArray
    bottom_k: int | None
    fall_places: int | None
    boundary_ties: BoundaryTies


def interview_list(
    rank: ArrayLike | RankChange,
    *,
    units: ArrayLike | None = None,
    rank_change: ArrayLike | RankChange | None = None,
    bottom_k: int | None = 3,
    fall_places: int | None = 10,
    boundary_ties: BoundaryTies = "include",
) -> InterviewList:
    """Qingdao 2019: the bottom 3 overall and every unit that fell 10 or more places.

    Parameters
    ----------
    rank : array_like of shape (U,), or RankChange
        Current competition ranks (NaN = not ranked); a :class:`RankChange` supplies the
        ranks, the units and the change at once.
    units : array_like, shape (U,), optional
    rank_change : array_like of shape (U,), or RankChange, optional
        ``previous - current`` (positive = rose; NaN = no change, e.g. new units). Required
        when ``fall_places`` is set, unless ``rank`` is a RankChange.
    bottom_k : int or None
        Size of the bottom group (None or 0 = no bottom rule).
    fall_places : int or None
        A fall of at least this many places lists the unit (None = no fall rule).
    boundary_ties : {"include", "exclude"}
        A tied block straddling the bottom-``k`` boundary: ``"include"`` (default) lists the
        whole block (the list may exceed ``k``), ``"exclude"`` lists none of it.

    Returns
    -------
    InterviewList
    """
    if isinstance(rank, RankChange):
        r = np.asarray(rank.rank, dtype=np.float64)
        names = rank.units
        change = np.asarray(rank.change, dtype=np.float64) if rank_change is None else None
    else:
        r = vector(rank, "rank")
        names = labels(units, r.size, "units")
        change = None
    if rank_change is not None:
        change = (
            np.asarray(rank_change.change, dtype=np.float64)
            if isinstance(rank_change, RankChange)
            else vector(rank_change, "rank_change", size=r.size)
        )
    if change is not None and change.size != r.size:
        raise ValueError("rank_change must cover the same units as rank")
    check_choice(boundary_ties, BoundaryTies, "boundary_ties")
    k = None if bottom_k is None else check_count(bottom_k, "bottom_k", minimum=0)
    m = None if fall_places is None else check_count(fall_places, "fall_places", minimum=1)
    if m is not None and change is None:
        raise ValueError("fall_places needs rank_change (or a RankChange as rank)")
    n = int((~np.isnan(r)).sum())
    size = _tie_sizes(r)
    with np.errstate(invalid="ignore"):
        if not k:
            bottom = np.zeros(r.size, dtype=bool)
        elif boundary_ties == "include":
            bottom = r + size - 1 > n - k
        else:
            bottom = r > n - k
        drop = -change if change is not None else np.full(r.size, np.nan)
        fell = drop >= m if m is not None else np.zeros(r.size, dtype=bool)
    bottom &= ~np.isnan(r)
    reason = []
    for i in range(r.size):
        why = []
        if bottom[i]:
            why.append(f"rank {int(r[i])} of {n}: bottom {k}")
        if fell[i]:
            why.append(f"fell {int(drop[i])} places (>= {m})")
        reason.append("; ".join(why))
    listed_idx = np.flatnonzero(bottom | fell)
    listed_idx = listed_idx[np.argsort(-np.nan_to_num(r[listed_idx], nan=np.inf), kind="stable")]
    return InterviewList(
        units=names,
        listed=tuple(names[i] for i in listed_idx),
        bottom=frozen_array(bottom, dtype=np.bool_),
        fell=frozen_array(fell, dtype=np.bool_),
        reason=frozen_array(np.array(reason, dtype=str), dtype=np.str_),
        bottom_k=k,
        fall_places=m,
        boundary_ties="exclude" if boundary_ties == "exclude" else "include",
    )


# --------------------------------------------------------------------------- progress award


@dataclass(frozen=True, eq=False)
class ProgressAwards:
    """Progress awards (进位显著奖).

    Attributes
    ----------
    units : tuple[str, ...]
    awarded : tuple[str, ...]
        Award winners, largest rise first.
    rise : ndarray of float, shape (U,)
        Places gained (NaN = no change computed).
    rise_rank : ndarray of float, shape (U,)
        Competition rank of the rise among units that rose (NaN otherwise).
    eligible : ndarray of bool, shape (U,)
    min_rise, top_k : int or None
    boundary_ties : {"include", "exclude"}
    rule : str
    """

    units: tuple[str, ...]
    awarded: tuple[str, ...]
    rise: FloatArray
    rise_rank: FloatArray
    eligible: BoolArray
    min_rise: int | None
    top_k: int | None
    boundary_ties: BoundaryTies
    rule: str


def progress_awards(
    rank_change: ArrayLike | RankChange,
    *,
    units: ArrayLike | None = None,
    min_rise: int | None = None,
    top_k: int | None = None,
    boundary_ties: BoundaryTies = "include",
) -> ProgressAwards:
    """Award units whose rank rose markedly.

    Parameters
    ----------
    rank_change : array_like of shape (U,), or RankChange
        Places gained, ``previous - current`` (NaN = no change computed, never awarded).
    units : array_like, shape (U,), optional
    min_rise : int, optional
        Rise of at least this many places.
    top_k : int, optional
        The ``k`` largest rises (among units that rose at all).
    boundary_ties : {"include", "exclude"}
        Tied rises straddling the top-``k`` boundary: all awarded (default) or none.

    Returns
    -------
    ProgressAwards
        With both ``min_rise`` and ``top_k``, a unit needs both; at least one is required.
    """
    if isinstance(rank_change, RankChange):
        rise = np.asarray(rank_change.change, dtype=np.float64)
        names = rank_change.units
    else:
        rise = vector(rank_change, "rank_change")
        names = labels(units, rise.size, "units")
    if min_rise is None and top_k is None:
        raise ValueError("give min_rise, top_k or both")
    m = None if min_rise is None else check_count(min_rise, "min_rise", minimum=1)
    k = None if top_k is None else check_count(top_k, "top_k", minimum=1)
    check_choice(boundary_ties, BoundaryTies, "boundary_ties")
    with np.errstate(invalid="ignore"):
        rose = rise > 0
    rr, size = competition_ranks(np.where(rose, rise, np.nan)[None, :])
    rr0 = rr[0]
    ok = rose.copy()
    rules = []
    if m is not None:
        ok &= rise >= m
        rules.append(f"rose >= {m} places")
    if k is not None:
        last = rr0 + size[0] - 1
        with np.errstate(invalid="ignore"):
            ok &= (rr0 <= k) if boundary_ties == "include" else (last <= k)
        rules.append(f"among the top {k} risers (ties at the boundary {boundary_ties}d)")
    idx = np.flatnonzero(ok)
    idx = idx[np.argsort(-rise[idx], kind="stable")]
    return ProgressAwards(
        units=names,
        awarded=tuple(names[i] for i in idx),
        rise=frozen_array(rise),
        rise_rank=frozen_array(rr0),
        eligible=frozen_array(rose, dtype=np.bool_),
        min_rise=m,
        top_k=k,
        boundary_ties="exclude" if boundary_ties == "exclude" else "include",
        rule=" and ".join(rules),
    )


# --------------------------------------------------------------------------- early warnings


@dataclass(frozen=True, eq=False)
class EarlyWarnings:
    """Early warnings (预警) on indicators against the last period and thresholds.

    Attributes
    ----------
    units, indicators : tuple[str, ...]
    change : ndarray of float, shape (U, I)
        Relative change ``(current - previous) / |previous|`` (NaN when previous is 0 or a
        value is missing).
    dropped : ndarray of bool, shape (U, I)
        Worsened by more than ``max_drop``: fell (higher-is-better) or rose
        (lower-is-better) by more than that share of ``|previous|``.
    breached : ndarray of bool, shape (U, I)
        Beyond the threshold: below it (higher-is-better) or above it (lower-is-better).
    warned : ndarray of bool, shape (U, I)
        ``dropped | breached``.
    messages : tuple[tuple[str, str, str], ...]
        ``(unit, indicator, text)`` per warning.
    notes : tuple[tuple[str, str, str], ...]
        ``(unit, indicator, text)`` where a rule could not be checked (missing value,
        previous value 0).
    max_drop, thresholds, directions
        The rules as applied.
    """

    units: tuple[str, ...]
    indicators: tuple[str, ...]
    change: FloatArray
    dropped: BoolArray
    breached: BoolArray
    warned: BoolArray
    messages: tuple[tuple[str, str, str], ...]
    notes: tuple[tuple[str, str, str], ...]
    max_drop: FloatArray
    thresholds: FloatArray
    directions: tuple[Direction, ...]


def early_warnings(
    current: ArrayLike,
    previous: ArrayLike | None = None,
    *,
    units: ArrayLike | None = None,
    indicators: ArrayLike | None = None,
    max_drop: ArrayLike | None = None,
    thresholds: ArrayLike | None = None,
    directions: Direction | Sequence[Direction] = "higher",
) -> EarlyWarnings:
    """Flag indicators that fell clearly against the last period, or below a threshold.

    Parameters
    ----------
    current : array_like, shape (U, I)
        Indicator values this period (NaN = missing).
    previous : array_like, shape (U, I), optional
        Values of the last period; required with ``max_drop``.
    units, indicators : array_like, optional
        Labels.
    max_drop : float or array_like of shape (I,), optional
        Largest tolerated worsening as a share of ``|previous|`` (0.1 = 10 %); a worsening
        strictly greater warns. NaN entries switch the rule off for an indicator.
    thresholds : float or array_like of shape (I,), optional
        Warning level per indicator: a value strictly below it (higher-is-better) or above
        it (lower-is-better) warns. NaN entries switch the rule off.
    directions : "higher", "lower" or sequence of them, length I
        Which values are better, per indicator.

    Returns
    -------
    EarlyWarnings
        A previous value of 0 makes the relative change undefined: no drop warning, a note.
    """
    cur = as_float_array(current, "current", allow_nan=True)
    if cur.ndim == 1:
        cur = cur[:, None]
    if cur.ndim != 2 or cur.size == 0:
        raise ValueError(f"current must have shape (units, indicators), got {cur.shape}")
    n_u, n_i = cur.shape
    names = labels(units, n_u, "units")
    inds = labels(indicators, n_i, "indicators")
    dirs: tuple[Direction, ...] = (
        (check_direction(directions),) * n_i
        if isinstance(directions, str)
        else tuple(check_direction(d) for d in directions)
    )
    if len(dirs) != n_i:
        raise ValueError(f"directions must have {n_i} entries")
    sign = np.array([1.0 if d == "higher" else -1.0 for d in dirs])
    drop = np.full(n_i, np.nan) if max_drop is None else _per_indicator(max_drop, "max_drop", n_i)
    if (drop[~np.isnan(drop)] < 0).any():
        raise ValueError("max_drop must be non-negative")
    thr = (
        np.full(n_i, np.nan)
        if thresholds is None
        else _per_indicator(thresholds, "thresholds", n_i)
    )
    if max_drop is None and thresholds is None:
        raise ValueError("give max_drop, thresholds or both")
    if previous is None:
        if max_drop is not None:
            raise ValueError("max_drop needs previous values")
        prev = np.full(cur.shape, np.nan)
    else:
        prev = as_float_array(previous, "previous", allow_nan=True)
        if prev.ndim == 1:
            prev = prev[:, None]
        if prev.shape != cur.shape:
            raise ValueError(f"previous must have shape {cur.shape}, got {prev.shape}")
    with np.errstate(invalid="ignore", divide="ignore"):
        change = np.where(prev != 0, (cur - prev) / np.abs(prev), np.nan)
        worsening = -sign * change
        dropped = ~np.isnan(drop) & (worsening > drop)
        breached = ~np.isnan(thr) & (sign * (cur - thr) < 0)
    warned = dropped | breached
    messages: list[tuple[str, str, str]] = []
    notes: list[tuple[str, str, str]] = []
    for u in range(n_u):
        for i in range(n_i):
            why = []
            if dropped[u, i]:
                word = "fell" if dirs[i] == "higher" else "rose"
                why.append(f"{word} {abs(change[u, i]):.1%} vs last period (limit {drop[i]:.1%})")
            if breached[u, i]:
                side = "below" if dirs[i] == "higher" else "above"
                why.append(f"{cur[u, i]:g} {side} the warning level {thr[i]:g}")
            if why:
                messages.append((names[u], inds[i], "; ".join(why)))
            if not np.isnan(drop[i]) and np.isnan(change[u, i]):
                what = "previous value 0" if prev[u, i] == 0 else "value missing"
                notes.append((names[u], inds[i], f"drop rule not checked: {what}"))
            if not np.isnan(thr[i]) and np.isnan(cur[u, i]):
                notes.append((names[u], inds[i], "threshold rule not checked: value missing"))
    return EarlyWarnings(
        units=names,
        indicators=inds,
        change=frozen_array(change),
        dropped=frozen_array(dropped, dtype=np.bool_),
        breached=frozen_array(breached, dtype=np.bool_),
        warned=frozen_array(warned, dtype=np.bool_),
        messages=tuple(messages),
        notes=tuple(notes),
        max_drop=frozen_array(drop),
        thresholds=frozen_array(thr),
        directions=dirs,
    )


def _per_indicator(values: ArrayLike, name: str, n: int) -> FloatArray:
    arr = as_float_array(values, name, allow_nan=True)
    if arr.ndim == 0:
        return np.full(n, float(arr))
    if arr.shape != (n,):
        raise ValueError(f"{name} must be a scalar or have shape ({n},), got {arr.shape}")
    return arr
