"""Excellence goals (Qingdao's 创优目标): a unit's goal score and its difficulty coefficient."""

from __future__ import annotations

import math
from dataclasses import dataclass

from numpy.typing import ArrayLike

from scoring._common import as_float_array


@dataclass(frozen=True)
class ExcellenceScore:
    """A unit's excellence goals taken together.

    Attributes
    ----------
    score : float
        Mean of the goals' scores, in the goals' points (0-100); NaN without goals.
    difficulty : float
        Score-weighted mean difficulty, ``sum(d * score) / sum(score)``, so that
        ``score * difficulty == mean(d * score)``; the plain mean difficulty when every score
        is 0; NaN without goals.
    """

    score: float
    difficulty: float


def excellence_score(scores: ArrayLike, difficulties: ArrayLike) -> ExcellenceScore:
    """The score and difficulty coefficient of one unit's excellence goals.

    The block multiplies the score by the coefficient, which gives the mean of each goal's
    score times its difficulty: a hard goal well achieved counts for more than an easy one.

    Parameters
    ----------
    scores : array_like, shape (n_goals,)
        Each goal's appraised score in points (0-100).
    difficulties : array_like, shape (n_goals,)
        Each goal's difficulty factor (already clipped to the scheme's bounds), a ratio
        around 1.

    Returns
    -------
    ExcellenceScore
        Missing-value policy: no goals (``n_goals == 0``) give NaN score and difficulty;
        no warning, since a unit without goals is a normal case the explanation shows. A
        NaN goal score makes the score NaN and the difficulty the plain mean.

    Raises
    ------
    ValueError
        When the shapes differ, a score is infinite or a difficulty is NaN or infinite.
    """
    values = as_float_array(scores, "scores", allow_nan=True)
    factors = as_float_array(difficulties, "difficulties")
    if values.shape != factors.shape or values.ndim != 1:
        raise ValueError(
            f"scores and difficulties must be 1-d of one shape, got {values.shape}, {factors.shape}"
        )
    if values.size == 0:
        return ExcellenceScore(score=math.nan, difficulty=math.nan)
    total = float(values.sum())
    difficulty = float((factors * values).sum()) / total if total > 0 else float(factors.mean())
    return ExcellenceScore(score=float(values.mean()), difficulty=difficulty)
