"""Rank changes against the previous period, and the interview list and progress awards."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from scoring._common import (
    BoolArray,
    FloatArray,
    StrArray,
    frozen_array,
)
from scoring._reasons import Reason
from scoring.composite._base import (
    check_choice,
    check_count,
    competition_ranks,
    labels,
    vector,
)
from scoring.composite._results import BoundaryTies

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
        Reason code of a listed unit: ``interview_bottom`` (also when it fell, see
        ``fell``), ``interview_fell``; empty when not listed.
    bottom_k, fall_places : int or None
    boundary_ties : {"include", "exclude"}
    reasons : tuple of Reason
        Per listed unit, ``interview_bottom`` (``unit``, ``rank``, ``n_ranked``,
        ``bottom_k``) and ``interview_fell`` (``unit``, ``places``, ``fall_places``).
    """

    units: tuple[str, ...]
    listed: tuple[str, ...]
    bottom: BoolArray
    fell: BoolArray
    reason: StrArray
    bottom_k: int | None
    fall_places: int | None
    boundary_ties: BoundaryTies
    reasons: tuple[Reason, ...] = ()


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
    reason = np.where(bottom, "interview_bottom", np.where(fell, "interview_fell", ""))
    found: list[Reason] = []
    for i in np.flatnonzero(bottom | fell):
        if bottom[i]:
            assert k is not None  # bottom is all False without a bottom_k
            found.append(
                Reason("interview_bottom", unit=names[i], rank=int(r[i]), n_ranked=n, bottom_k=k)
            )
        if fell[i]:
            assert m is not None
            found.append(
                Reason("interview_fell", unit=names[i], places=int(drop[i]), fall_places=m)
            )
    listed_idx = np.flatnonzero(bottom | fell)
    listed_idx = listed_idx[np.argsort(-np.nan_to_num(r[listed_idx], nan=np.inf), kind="stable")]
    return InterviewList(
        units=names,
        listed=tuple(names[i] for i in listed_idx),
        bottom=frozen_array(bottom, dtype=np.bool_),
        fell=frozen_array(fell, dtype=np.bool_),
        reason=frozen_array(reason.astype(np.str_), dtype=np.str_),
        bottom_k=k,
        fall_places=m,
        boundary_ties="exclude" if boundary_ties == "exclude" else "include",
        reasons=tuple(found),
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
