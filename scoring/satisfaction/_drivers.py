"""Key drivers: the Shapley decomposition of R^2 of the overall score on its aspects, and IPA.

Everything works on sufficient statistics (the count, the sums and the sums of cross-products
of the overall and aspect scores of complete respondents), so the caller can push the pass
over the answers into SQL and hand over a (k+1) x (k+1) matrix per unit instead of every
respondent. R^2 of a linear regression depends on the data only through the covariance
matrix, hence so does its Shapley decomposition (also called LMG or dominance analysis).

Uncertainty cannot resample respondents from sufficient statistics; it is a parametric
bootstrap instead: covariance matrices drawn from the Wishart distribution that the sample
covariance follows for multivariate-normal answers (n - 1 degrees of freedom), decomposed
like the estimate, with percentile intervals. Rating answers are discrete, so the normal
theory is an approximation; it is the same one the usual R^2 inference makes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from itertools import combinations

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from scoring._common import FloatArray

DRIVER_DRAWS = 200
DRIVER_SEED = 20261207
# Above this many aspects the 2^k fits per draw stop being cheap.
MAX_DRIVER_ASPECTS = 10


@dataclass(frozen=True)
class CrossProducts:
    """Sufficient statistics of complete respondents: column 0 is the overall score.

    Attributes
    ----------
    n : int
        Respondents who answered the overall question and every aspect with a scored level.
    sums : ndarray, shape (k + 1,)
        Sum of each score (overall first, then the aspects).
    cross : ndarray, shape (k + 1, k + 1)
        Sum of the products of every pair of scores (symmetric).
    """

    n: int
    sums: FloatArray
    cross: FloatArray

    @classmethod
    def from_scores(cls, overall: ArrayLike, aspects: ArrayLike) -> CrossProducts:
        """From respondent-level arrays: ``overall`` shape (n,), ``aspects`` shape (n, k)."""
        y = np.asarray(overall, dtype=float).reshape(-1, 1)
        x = np.asarray(aspects, dtype=float)
        data = np.hstack([y, x])
        return cls(n=data.shape[0], sums=data.sum(axis=0), cross=data.T @ data)

    def __add__(self, other: CrossProducts) -> CrossProducts:
        return CrossProducts(self.n + other.n, self.sums + other.sums, self.cross + other.cross)

    @property
    def means(self) -> FloatArray:
        return self.sums / self.n

    def centred(self) -> FloatArray:
        """The sum of squares and cross-products about the means (n - 1 times the covariance)."""
        return self.cross - np.outer(self.sums, self.sums) / self.n


def r_squared(scatter: ArrayLike, subset: tuple[int, ...]) -> float:
    """R^2 of column 0 on the columns ``subset`` (1-based, aspects) of a scatter matrix.

    A pseudo-inverse keeps an aspect without variance (everyone gave it the same level) or
    two identical aspects from breaking the fit: they simply add nothing.
    """
    s = np.asarray(scatter, dtype=float)
    if not subset:
        return 0.0
    idx = list(subset)
    syy = float(s[0, 0])
    sxy = s[idx, 0]
    sxx = s[np.ix_(idx, idx)]
    explained = float(sxy @ np.linalg.pinv(sxx) @ sxy)
    return min(max(explained / syy, 0.0), 1.0)


def shapley_r_squared(scatter: ArrayLike) -> FloatArray:
    """Each aspect's Shapley share of R^2; the shares add up to the R^2 of all aspects.

    ``scatter`` is a (k+1) x (k+1) covariance or centred cross-product matrix with the overall
    score first. Exact over all 2^k subsets: share_j = sum over S not holding j of
    |S|! (k - |S| - 1)! / k! * (R^2(S + j) - R^2(S)).
    """
    s = np.asarray(scatter, dtype=float)
    k = s.shape[0] - 1
    if k < 1 or k > MAX_DRIVER_ASPECTS:
        raise ValueError(f"between 1 and {MAX_DRIVER_ASPECTS} aspects, got {k}")
    fits: dict[frozenset[int], float] = {}
    aspects = range(1, k + 1)
    for size in range(k + 1):
        for subset in combinations(aspects, size):
            fits[frozenset(subset)] = r_squared(s, subset)
    shares = np.zeros(k)
    for j in aspects:
        others = [a for a in aspects if a != j]
        for size in range(k):
            weight = math.factorial(size) * math.factorial(k - size - 1) / math.factorial(k)
            for subset in combinations(others, size):
                base = frozenset(subset)
                shares[j - 1] += weight * (fits[base | {j}] - fits[base])
    return shares


@dataclass(frozen=True)
class DriverImportance:
    """The Shapley decomposition with its parametric-bootstrap percentile intervals.

    Attributes
    ----------
    n : int
        Complete respondents behind the fit.
    r_squared : float
        R^2 of the overall score on all aspects.
    shares : ndarray, shape (k,)
        Each aspect's share of R^2 (adds up to ``r_squared``).
    relative : ndarray, shape (k,)
        ``shares / r_squared``: the importance as parts of one (NaN when R^2 is 0).
    lower, upper : ndarray, shape (k,)
        Percentile interval of each share over the draws.
    r_squared_lower, r_squared_upper : float
        The same interval for R^2.
    draws : int
        Bootstrap draws behind the intervals.
    """

    n: int
    r_squared: float
    shares: FloatArray
    relative: FloatArray
    lower: FloatArray
    upper: FloatArray
    r_squared_lower: float
    r_squared_upper: float
    draws: int


def driver_importance(
    stats_: CrossProducts,
    *,
    df: int | None = None,
    confidence: float = 0.95,
    draws: int = DRIVER_DRAWS,
    seed: int = DRIVER_SEED,
) -> DriverImportance:
    """Shapley importance of each aspect, with a percentile interval from Wishart draws.

    ``df`` is the degrees of freedom of the centred scatter (``n - 1`` for one sample; the
    caller pooling units within a category passes ``n - units``).
    """
    scatter = stats_.centred()
    k = scatter.shape[0] - 1
    dof = stats_.n - 1 if df is None else df
    if dof <= k or scatter[0, 0] <= 0:
        raise ValueError("too few respondents, or no variation in the overall score")
    shares = shapley_r_squared(scatter)
    total = float(shares.sum())
    covariance = scatter / dof
    rng = np.random.default_rng(seed)
    # A small ridge keeps the Wishart scale positive definite when an aspect has no variance.
    scale = covariance + np.eye(k + 1) * 1e-9 * max(float(np.trace(covariance)), 1.0)
    drawn = stats.wishart(df=dof, scale=scale / dof).rvs(size=draws, random_state=rng)
    drawn = np.asarray(drawn).reshape(draws, k + 1, k + 1)
    boot = np.array([shapley_r_squared(c) for c in drawn])
    alpha = (1.0 - confidence) / 2.0
    lower, upper = np.quantile(boot, [alpha, 1.0 - alpha], axis=0)
    r2_lower, r2_upper = np.quantile(boot.sum(axis=1), [alpha, 1.0 - alpha])
    relative = shares / total if total > 0 else np.full(k, np.nan)
    return DriverImportance(
        n=stats_.n,
        r_squared=total,
        shares=shares,
        relative=relative,
        lower=lower,
        upper=upper,
        r_squared_lower=float(r2_lower),
        r_squared_upper=float(r2_upper),
        draws=draws,
    )


class Quadrant(StrEnum):
    """The importance-performance quadrants (IPA, Martilla and James 1977)."""

    keep_up = "keep_up"  # important and performing well: 继续保持
    concentrate_here = "concentrate_here"  # important and performing poorly: 重点改进
    low_priority = "low_priority"  # unimportant and performing poorly: 次要改进
    possible_overkill = "possible_overkill"  # unimportant and performing well: 过度投入


def ipa_quadrants(
    importance: ArrayLike, performance: ArrayLike, performance_reference: ArrayLike
) -> list[Quadrant]:
    """Each aspect's quadrant.

    Importance is high when at or above the mean importance of the aspects; performance is
    high when at or above ``performance_reference`` (one number, or one per aspect, such as
    the category's mean of the same aspect).
    """
    imp = np.asarray(importance, dtype=float)
    perf = np.asarray(performance, dtype=float)
    ref = np.broadcast_to(np.asarray(performance_reference, dtype=float), perf.shape)
    cut = float(imp.mean())
    quadrants = []
    for i, p, r in zip(imp, perf, ref, strict=True):
        important = bool(i >= cut)
        good = bool(p >= r)
        if important:
            quadrants.append(Quadrant.keep_up if good else Quadrant.concentrate_here)
        else:
            quadrants.append(Quadrant.possible_overkill if good else Quadrant.low_priority)
    return quadrants
