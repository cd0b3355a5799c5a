"""Multi-criteria methods common in Chinese evaluation practice: entropy weights (熵权法),
TOPSIS (逼近理想解排序法) and AHP weights (层次分析法) with Saaty's consistency ratio.

Each works on the units of one category: a decision matrix of shape (U, K) holds one row per
unit and one column per criterion, in input order. Directions say whether more is better
(``"higher"``, a benefit criterion) or worse (``"lower"``, a cost criterion).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from scoring._common import FloatArray, StrArray, as_float_array, frozen_array
from scoring._reasons import Reason, emit
from scoring.composite._base import (
    Direction,
    Explanation,
    check_choice,
    check_direction,
    check_sums_to_one,
    plain,
    vector,
)

Normalisation = Literal["vector", "min_max"]

# Saaty's random consistency index by matrix order (Saaty 1980, The Analytic Hierarchy
# Process, table 1.7 for n <= 10; n = 11..15 from Saaty & Vargas 2012, section 2.7).
SAATY_RANDOM_INDEX: dict[int, float] = {
    1: 0.0,
    2: 0.0,
    3: 0.58,
    4: 0.90,
    5: 1.12,
    6: 1.24,
    7: 1.32,
    8: 1.41,
    9: 1.45,
    10: 1.49,
    11: 1.51,
    12: 1.48,
    13: 1.56,
    14: 1.57,
    15: 1.59,
}
# Saaty's rule: a comparison matrix is acceptably consistent when CR <= 0.1.
CONSISTENCY_LIMIT = 0.1
# A comparison and its mirror entry are reciprocal when their product is 1 within this
# (so that 0.33 may stand for 1/3, as offices type it).
RECIPROCAL_TOLERANCE = 0.01


def _matrix(values: ArrayLike, name: str) -> FloatArray:
    arr = as_float_array(values, name, allow_nan=True)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be 2-D (units x criteria), got shape {arr.shape}")
    if arr.shape[1] < 1:
        raise ValueError(f"{name} needs at least one criterion")
    return arr


def _directions(directions: Sequence[str] | str, k: int) -> tuple[Direction, ...]:
    if isinstance(directions, str):
        return (check_direction(directions),) * k
    out = tuple(check_direction(d) for d in directions)
    if len(out) != k:
        raise ValueError(f"directions has {len(out)} entries, expected {k}")
    return out


# --------------------------------------------------------------------------- entropy weights


@dataclass(frozen=True)
class EntropyWeights:
    """Entropy weights of K criteria.

    Attributes
    ----------
    weights : ndarray, shape (K,)
        ``d_j / sum(d)``, summing to 1; all NaN when undefined (see ``reasons``).
    entropy : ndarray, shape (K,)
        ``e_j = -sum_i p_ij ln p_ij / ln n`` in [0, 1] (``0 ln 0 = 0``).
    divergence : ndarray, shape (K,)
        ``d_j = 1 - e_j``, the criterion's information.
    units_used : int
        Units with a value on every criterion (the only ones the weights are computed from).
    reasons : tuple of Reason
        ``undefined`` when fewer than two units are complete or no criterion varies.
    """

    weights: FloatArray
    entropy: FloatArray
    divergence: FloatArray
    units_used: int
    reasons: tuple[Reason, ...]

    def explain(self) -> Explanation:
        out: Explanation = plain(
            {
                "method": "entropy",
                "weights": self.weights,
                "entropy": self.entropy,
                "divergence": self.divergence,
                "units_used": self.units_used,
            }
        )
        return out


def entropy_weights(
    values: ArrayLike, directions: Sequence[str] | str = "higher", *, warn: bool = True
) -> EntropyWeights:
    """Criterion weights by the entropy weight method (熵权法).

    Parameters
    ----------
    values : array_like, shape (U, K)
        Criterion values of each unit; a unit with NaN on any criterion is left out.
    directions : "higher", "lower" or a sequence of K of them
        Benefit criteria are normalised as ``(x - min) / (max - min)``, cost criteria as
        ``(max - x) / (max - min)``.
    warn : bool
        Raise the reasons as warnings as well.

    Returns
    -------
    EntropyWeights

    Notes
    -----
    With ``y`` the normalised values, ``p_ij = y_ij / sum_i y_ij``,
    ``e_j = -sum_i p_ij ln p_ij / ln n`` and ``w_j = (1 - e_j) / sum_k (1 - e_k)``. A
    criterion on which every unit is equal carries no information: its entropy is taken as 1
    (the limit of an even spread), so its weight is 0.
    """
    x = _matrix(values, "values")
    k = x.shape[1]
    dirs = _directions(directions, k)
    complete = x[~np.isnan(x).any(axis=1)]
    n = complete.shape[0]
    nan_k = np.full(k, np.nan)
    if n < 2:
        found = (Reason("undefined", function="entropy_weights", count=k),)
        emit(found, warn=warn)
        return EntropyWeights(
            frozen_array(nan_k), frozen_array(nan_k), frozen_array(nan_k), n, found
        )
    low, high = complete.min(axis=0), complete.max(axis=0)
    spread = high - low
    entropy = np.ones(k)
    for j in range(k):
        if spread[j] <= 0:
            continue
        if dirs[j] == "higher":
            y = (complete[:, j] - low[j]) / spread[j]
        else:
            y = (high[j] - complete[:, j]) / spread[j]
        p = y / y.sum()
        nonzero = p[p > 0]
        entropy[j] = float(-(nonzero * np.log(nonzero)).sum() / math.log(n))
    divergence = 1.0 - entropy
    total = float(divergence.sum())
    if total <= 0:
        found = (Reason("undefined", function="entropy_weights", count=k),)
        emit(found, warn=warn)
        return EntropyWeights(
            frozen_array(nan_k), frozen_array(entropy), frozen_array(divergence), n, found
        )
    return EntropyWeights(
        frozen_array(divergence / total), frozen_array(entropy), frozen_array(divergence), n, ()
    )


# --------------------------------------------------------------------------- AHP


@dataclass(frozen=True)
class AhpWeights:
    """Weights from a pairwise comparison matrix by the principal eigenvector.

    Attributes
    ----------
    weights : ndarray, shape (n,)
        The principal right eigenvector, scaled to sum to 1.
    lambda_max : float
        The principal eigenvalue (``>= n``; ``n`` for a consistent matrix).
    consistency_index : float
        ``CI = (lambda_max - n) / (n - 1)`` (0 for n <= 2).
    random_index : float
        Saaty's RI for order n.
    consistency_ratio : float
        ``CR = CI / RI`` (0 for n <= 2, where every reciprocal matrix is consistent).
    """

    weights: FloatArray
    lambda_max: float
    consistency_index: float
    random_index: float
    consistency_ratio: float

    @property
    def consistent(self) -> bool:
        """Saaty's rule: CR at most 0.1."""
        return self.consistency_ratio <= CONSISTENCY_LIMIT

    def explain(self) -> Explanation:
        out: Explanation = plain(
            {
                "method": "ahp",
                "weights": self.weights,
                "lambda_max": self.lambda_max,
                "consistency_index": self.consistency_index,
                "random_index": self.random_index,
                "consistency_ratio": self.consistency_ratio,
            }
        )
        return out


def check_comparison_matrix(matrix: ArrayLike) -> FloatArray:
    """A pairwise comparison matrix: square, order 1..15, positive, ones on the diagonal and
    reciprocal (``a_ji * a_ij = 1`` within 1%); a ValueError names the first fault."""
    a = as_float_array(matrix, "matrix")
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise ValueError(f"the comparison matrix must be square, got shape {a.shape}")
    n = a.shape[0]
    if not 1 <= n <= max(SAATY_RANDOM_INDEX):
        raise ValueError(f"the comparison matrix must have 1 to 15 rows, got {n}")
    if (a <= 0).any():
        raise ValueError("every comparison must be positive")
    for i in range(n):
        if abs(a[i, i] - 1.0) > 1e-12:
            raise ValueError(f"entry ({i + 1}, {i + 1}) must be 1, got {a[i, i]:g}")
        for j in range(i + 1, n):
            if abs(a[i, j] * a[j, i] - 1.0) > RECIPROCAL_TOLERANCE + 1e-12:
                raise ValueError(
                    f"entries ({i + 1}, {j + 1}) = {a[i, j]:g} and ({j + 1}, {i + 1}) = "
                    f"{a[j, i]:g} must be reciprocal"
                )
    return a


def ahp_weights(matrix: ArrayLike) -> AhpWeights:
    """Weights and consistency of an AHP pairwise comparison matrix (层次分析法).

    Parameters
    ----------
    matrix : array_like, shape (n, n)
        ``a_ij``: how many times more important criterion i is than j (Saaty's 1-9 scale);
        checked by :func:`check_comparison_matrix`.

    Returns
    -------
    AhpWeights
        The caller decides what an inconsistent matrix means (``consistent`` is Saaty's
        ``CR <= 0.1``); nothing is refused here on consistency.
    """
    a = check_comparison_matrix(matrix)
    n = a.shape[0]
    eigenvalues, eigenvectors = np.linalg.eig(a)
    # Perron-Frobenius: a positive matrix has one real eigenvalue of largest modulus, with a
    # positive eigenvector; the others may be complex.
    top = int(np.argmax(eigenvalues.real))
    lambda_max = float(eigenvalues[top].real)
    vec = np.abs(eigenvectors[:, top].real)
    weights = vec / vec.sum()
    ri = SAATY_RANDOM_INDEX[n]
    if n <= 2:
        ci = cr = 0.0
    else:
        # Rounding can put lambda_max a hair below n for a consistent matrix.
        ci = max(lambda_max - n, 0.0) / (n - 1)
        cr = ci / ri
    return AhpWeights(frozen_array(weights), lambda_max, ci, ri, cr)


# --------------------------------------------------------------------------- TOPSIS


@dataclass(frozen=True)
class TopsisResult:
    """Closeness of each unit to the ideal solution.

    Attributes
    ----------
    closeness : ndarray, shape (U,)
        ``C = d_worst / (d_best + d_worst)`` in [0, 1], 1 = the ideal; NaN per ``reason``.
    d_best, d_worst : ndarray, shape (U,)
        Euclidean distance of the weighted normalised row to the ideal and anti-ideal.
    weighted : ndarray, shape (U, K)
        Weighted normalised values ``w_j * r_ij``.
    ideal, anti_ideal : ndarray, shape (K,)
        Best and worst weighted value of each criterion (max and min for benefit criteria,
        the other way round for cost criteria), over the complete units.
    scale : ndarray, shape (2, K)
        How values were normalised, ``r = (x - scale[0]) / scale[1]``: (0, the column's
        Euclidean norm) for ``vector``, (min, max - min) for ``min_max``.
    reason : ndarray of str, shape (U,)
        ``value_missing`` (a criterion has no value), ``no_spread`` (every complete unit
        equal, so no distance to compare), else ``""``.
    """

    closeness: FloatArray
    d_best: FloatArray
    d_worst: FloatArray
    weighted: FloatArray
    ideal: FloatArray
    anti_ideal: FloatArray
    scale: FloatArray
    values: FloatArray
    weights: FloatArray
    directions: tuple[Direction, ...]
    normalisation: Normalisation
    reason: StrArray
    reasons: tuple[Reason, ...]

    def explain(self, unit: int) -> Explanation:
        """How unit ``unit``'s closeness was obtained, in plain data."""
        out: Explanation = plain(
            {
                "method": "topsis",
                "normalisation": self.normalisation,
                "values": self.values[unit],
                "weights": self.weights,
                "directions": list(self.directions),
                "scale": self.scale,
                "weighted": self.weighted[unit],
                "ideal": self.ideal,
                "anti_ideal": self.anti_ideal,
                "d_best": self.d_best[unit],
                "d_worst": self.d_worst[unit],
                "closeness": self.closeness[unit],
                "reason": str(self.reason[unit]),
            }
        )
        return out


def topsis(
    values: ArrayLike,
    weights: ArrayLike,
    directions: Sequence[str] | str = "higher",
    *,
    normalisation: Normalisation = "vector",
    warn: bool = True,
) -> TopsisResult:
    """TOPSIS closeness of each unit (逼近理想解排序法).

    Parameters
    ----------
    values : array_like, shape (U, K)
        Criterion values; a unit with NaN on any criterion gets NaN and is left out of the
        normalisation and of the ideal points.
    weights : array_like, shape (K,)
        Criterion weights, non-negative, summing to 1.
    directions : "higher", "lower" or a sequence of K of them
        Benefit (``higher``) or cost (``lower``) criteria.
    normalisation : {"vector", "min_max"}
        ``x / sqrt(sum x^2)`` (the classical form, for ratio-scale values) or
        ``(x - min) / (max - min)``. A column of zeros (vector) or of equal values
        (min-max) normalises to 0 and so plays no part.
    warn : bool

    Returns
    -------
    TopsisResult
    """
    x = _matrix(values, "values")
    u, k = x.shape
    w = vector(weights, "weights", allow_nan=False, size=k)
    check_sums_to_one(w, "weights")
    dirs = _directions(directions, k)
    check_choice(normalisation, Normalisation, "normalisation")
    missing = np.isnan(x).any(axis=1)
    complete = x[~missing]
    scale = np.zeros((2, k))
    if complete.shape[0]:
        if normalisation == "vector":
            scale[1] = np.sqrt((complete**2).sum(axis=0))
        else:
            scale[0] = complete.min(axis=0)
            scale[1] = complete.max(axis=0) - scale[0]
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.where(scale[1] > 0, (x - scale[0]) / np.where(scale[1] > 0, scale[1], 1.0), 0.0)
    r[missing] = np.nan
    v = r * w
    benefit = np.array([d == "higher" for d in dirs])
    if complete.shape[0]:
        top, bottom = np.nanmax(v, axis=0), np.nanmin(v, axis=0)
    else:
        top = bottom = np.full(k, np.nan)
    ideal = np.where(benefit, top, bottom)
    anti = np.where(benefit, bottom, top)
    d_best = np.sqrt(((v - ideal) ** 2).sum(axis=1))
    d_worst = np.sqrt(((v - anti) ** 2).sum(axis=1))
    total = d_best + d_worst
    no_spread = ~missing & (total <= 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        closeness = np.where(missing | no_spread, np.nan, d_worst / np.where(total > 0, total, 1))
    reason = np.full(u, "", dtype=object)
    reason[missing] = "value_missing"
    reason[no_spread] = "no_spread"
    reason_arr = np.asarray(reason.astype(str), dtype=np.str_)
    found: list[Reason] = []
    for code in ("value_missing", "no_spread"):
        count = int((reason_arr == code).sum())
        if count:
            found.append(Reason(code, function="topsis", count=count))
    emit(tuple(found), warn=warn)
    return TopsisResult(
        closeness=frozen_array(closeness),
        d_best=frozen_array(d_best),
        d_worst=frozen_array(d_worst),
        weighted=frozen_array(v),
        ideal=frozen_array(ideal),
        anti_ideal=frozen_array(anti),
        scale=frozen_array(scale),
        values=frozen_array(x),
        weights=frozen_array(w),
        directions=dirs,
        normalisation=normalisation,
        reason=reason_arr,
        reasons=tuple(found),
    )
