"""Rank changes that know their own noise: do the rank intervals of two years overlap?"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from scoring._common import BoolArray, frozen_array
from scoring.composite._base import vector


@dataclass(frozen=True, eq=False)
class RankChangeNoise:
    """Whether each unit's rank change stands out from the noise of both years' ranks.

    Attributes
    ----------
    known : ndarray of bool, shape (U,)
        Both years have a rank interval.
    distinct : ndarray of bool, shape (U,)
        The intervals do not overlap (False where not ``known``): the change in rank is
        larger than the ranks' own uncertainty. Where they overlap, the two years' ranks
        cannot be told apart (差异不显著) and a rise or fall is no evidence of one.
    method : str
    """

    known: BoolArray
    distinct: BoolArray
    method: str


def rank_change_noise(
    rank_low: ArrayLike,
    rank_high: ArrayLike,
    previous_low: ArrayLike,
    previous_high: ArrayLike,
) -> RankChangeNoise:
    """Compare the rank intervals of the same units in two evaluations.

    Parameters
    ----------
    rank_low, rank_high : array_like, shape (U,)
        This year's rank interval (e.g. the 5th and 95th percentiles of the rank over
        Monte Carlo draws); NaN = none.
    previous_low, previous_high : array_like, shape (U,)
        The same units' interval last year, matched by unit code (NaN = none).

    Returns
    -------
    RankChangeNoise
        Intervals ``[a, b]`` and ``[c, d]`` overlap when ``a <= d`` and ``c <= b`` (ranks
        are whole places, so sharing an end point is overlapping).
    """
    lo = vector(rank_low, "rank_low")
    hi = vector(rank_high, "rank_high", size=lo.size)
    plo = vector(previous_low, "previous_low", size=lo.size)
    phi = vector(previous_high, "previous_high", size=lo.size)
    known = ~(np.isnan(lo) | np.isnan(hi) | np.isnan(plo) | np.isnan(phi))
    if ((lo > hi) & known).any() or ((plo > phi) & known).any():
        raise ValueError("each interval must run from its low to its high end")
    with np.errstate(invalid="ignore"):
        overlap = (lo <= phi) & (plo <= hi)
    return RankChangeNoise(
        known=frozen_array(known, dtype=np.bool_),
        distinct=frozen_array(known & ~overlap, dtype=np.bool_),
        method="distinct when this year's and last year's rank intervals do not overlap",
    )
