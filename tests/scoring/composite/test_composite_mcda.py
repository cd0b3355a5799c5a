"""Entropy weights, TOPSIS and AHP: hand-worked cases and independent implementations."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.spatial import distance

from scoring import SAATY_RANDOM_INDEX, ahp_weights, entropy_weights, topsis

# ------------------------------------------------------------------ entropy weights, by hand
#
# Units A, B, C on three criteria: c1 benefit [1, 2, 3], c2 benefit [10, 10, 40],
# c3 cost [5, 1, 3].
# Normalised (benefit (x-min)/(max-min), cost (max-x)/(max-min)):
#   c1 -> [0, 1/2, 1]      p = [0, 1/3, 2/3]
#   c2 -> [0, 0, 1]        p = [0, 0, 1]
#   c3 -> [0, 1, 1/2]      p = [0, 2/3, 1/3]
# e(c1) = e(c3) = -(1/3 ln 1/3 + 2/3 ln 2/3) / ln 3 = (ln 3 - 2/3 ln 2) / ln 3
#       = (1.0986123 - 0.4620981) / 1.0986123 = 0.5793802
# e(c2) = -(1 ln 1) / ln 3 = 0
# d = 1 - e = [0.4206198, 1, 0.4206198], sum 1.8412396
# w = [0.2284438, 0.5431124, 0.2284438]
ENTROPY_VALUES = [[1.0, 10.0, 5.0], [2.0, 10.0, 1.0], [3.0, 40.0, 3.0]]
ENTROPY_DIRECTIONS = ["higher", "higher", "lower"]


def test_entropy_weights_hand_worked() -> None:
    result = entropy_weights(ENTROPY_VALUES, ENTROPY_DIRECTIONS)
    e13 = (math.log(3) - 2 / 3 * math.log(2)) / math.log(3)
    assert_allclose(result.entropy, [e13, 0.0, e13], atol=1e-12)
    assert_allclose(result.weights, [0.2284438, 0.5431124, 0.2284438], atol=1e-7)
    assert result.units_used == 3 and result.reasons == ()


def _entropy_by_scipy(values: np.ndarray, benefit: list[bool]) -> np.ndarray:
    """Written differently: scipy.stats.entropy of each normalised column (base n)."""
    from scipy.stats import entropy as shannon

    n = values.shape[0]
    out = []
    for j in range(values.shape[1]):
        col = values[:, j]
        y = col - col.min() if benefit[j] else col.max() - col
        out.append(1.0 - shannon(y, base=n) if y.sum() > 0 else 0.0)
    d = np.array(out)
    return d / d.sum()


def test_entropy_weights_against_scipy_on_random_data() -> None:
    rng = np.random.default_rng(7)
    values = rng.gamma(2.0, 10.0, size=(40, 6))
    benefit = [True, False, True, True, False, True]
    dirs = ["higher" if b else "lower" for b in benefit]
    result = entropy_weights(values, dirs)
    assert_allclose(result.weights, _entropy_by_scipy(values, benefit), rtol=1e-12)
    assert math.isclose(float(result.weights.sum()), 1.0)


def test_entropy_weights_skip_incomplete_units_and_refuse_to_invent() -> None:
    with_gap = [*ENTROPY_VALUES, [np.nan, 20.0, 2.0]]
    kept = entropy_weights(with_gap, ENTROPY_DIRECTIONS, warn=False)
    assert kept.units_used == 3
    assert_allclose(kept.weights, entropy_weights(ENTROPY_VALUES, ENTROPY_DIRECTIONS).weights)
    flat = entropy_weights([[1.0, 2.0], [1.0, 2.0]], warn=False)
    assert np.isnan(flat.weights).all() and flat.reasons[0].code == "undefined"


# ------------------------------------------------------------------ TOPSIS, by hand
#
# X = [[3, 4], [4, 3], [0, 0]], weights [0.5, 0.5], c1 benefit, c2 cost.
# Vector normalisation: both column norms are sqrt(9 + 16) = 5:
#   r = [[.6, .8], [.8, .6], [0, 0]];  v = w r = [[.3, .4], [.4, .3], [0, 0]]
# ideal = [max c1, min c2] = [.4, 0];  anti-ideal = [min c1, max c2] = [0, .4]
#   unit 1: d+ = sqrt(.1^2 + .4^2) = sqrt(.17) = .4123106, d- = .3        C = .4211646
#   unit 2: d+ = .3,                            d- = sqrt(.17) = .4123106  C = .5788354
#   unit 3: d+ = .4,                            d- = .4                    C = .5
# Min-max normalisation: r = [[.75, 1], [1, .75], [0, 0]]; v = [[.375, .5], [.5, .375], [0, 0]]
# ideal = [.5, 0], anti = [0, .5]:
#   unit 1: d+ = sqrt(.125^2 + .5^2) = .5153882, d- = .375  C = .375 / .8903882 = .4211646
#   (the same as vector here because both columns are scaled alike)
TOPSIS_VALUES = [[3.0, 4.0], [4.0, 3.0], [0.0, 0.0]]


def test_topsis_hand_worked_vector() -> None:
    r = topsis(TOPSIS_VALUES, [0.5, 0.5], ["higher", "lower"])
    assert_allclose(r.d_best, [math.sqrt(0.17), 0.3, 0.4], atol=1e-12)
    assert_allclose(r.d_worst, [0.3, math.sqrt(0.17), 0.4], atol=1e-12)
    assert_allclose(r.closeness, [0.4211646, 0.5788354, 0.5], atol=1e-7)


def test_topsis_hand_worked_min_max() -> None:
    r = topsis(TOPSIS_VALUES, [0.5, 0.5], ["higher", "lower"], normalisation="min_max")
    assert_allclose(r.d_best[0], math.sqrt(0.125**2 + 0.5**2), atol=1e-12)
    assert_allclose(r.closeness[0], 0.375 / (0.375 + math.sqrt(0.125**2 + 0.5**2)), atol=1e-12)


def _topsis_by_scipy(
    values: np.ndarray, weights: np.ndarray, benefit: np.ndarray, how: str
) -> np.ndarray:
    """Written differently: cost criteria turned into benefit ones by negation after
    normalising, distances by scipy.spatial.distance.cdist."""
    if how == "vector":
        r = values / np.linalg.norm(values, axis=0)
    else:
        r = (values - values.min(axis=0)) / np.ptp(values, axis=0)
    v = np.where(benefit, 1.0, -1.0) * r * weights
    best = v.max(axis=0, keepdims=True)
    worst = v.min(axis=0, keepdims=True)
    plus = distance.cdist(v, best).ravel()
    minus = distance.cdist(v, worst).ravel()
    return minus / (plus + minus)


@pytest.mark.parametrize("how", ["vector", "min_max"])
def test_topsis_against_scipy_distances(how: str) -> None:
    rng = np.random.default_rng(11)
    values = rng.uniform(1, 100, size=(25, 5))
    weights = rng.dirichlet(np.ones(5))
    benefit = np.array([True, False, True, False, True])
    dirs = ["higher" if b else "lower" for b in benefit]
    r = topsis(values, weights, dirs, normalisation=how)  # type: ignore[arg-type]
    assert_allclose(r.closeness, _topsis_by_scipy(values, weights, benefit, how), rtol=1e-12)


def test_topsis_missing_value_and_no_spread() -> None:
    r = topsis([[1.0, np.nan], [2.0, 3.0], [4.0, 5.0]], [0.5, 0.5], warn=False)
    assert np.isnan(r.closeness[0]) and r.reason[0] == "value_missing"
    assert_allclose(r.closeness[1:], [0.0, 1.0])
    flat = topsis([[2.0, 3.0], [2.0, 3.0]], [0.5, 0.5], warn=False)
    assert np.isnan(flat.closeness).all() and set(flat.reason) == {"no_spread"}


# ------------------------------------------------------------------ AHP, by hand
#
# Consistent: w = (4/7, 2/7, 1/7), a_ij = w_i / w_j -> [[1, 2, 4], [1/2, 1, 2], [1/4, 1/2, 1]];
# A w = 3 w, so lambda_max = 3, CI = 0, CR = 0.
#
# Saaty-style [[1, 3, 5], [1/3, 1, 3], [1/5, 1/3, 1]] with a = a12 = 3, b = a13 = 5,
# c = a23 = 3: for a 3x3 reciprocal matrix lambda_max = 1 + (b / (a c))^(1/3) + (a c / b)^(1/3)
#   = 1 + (5/9)^(1/3) + (9/5)^(1/3) = 1 + 0.8220706 + 1.2164404 = 3.0385111
# CI = (3.0385111 - 3) / 2 = 0.0192555; RI(3) = 0.58 -> CR = 0.0331992.
# For n = 3 the eigenvector equals the normalised row geometric means:
#   (15^(1/3), 1, 15^(-1/3)) = (2.4662121, 1, 0.4054801), sum 3.8716922
#   w = (0.6369856, 0.2582850, 0.1047294)
SAATY = [[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 1]]


def test_ahp_consistent_matrix_by_hand() -> None:
    r = ahp_weights([[1, 2, 4], [1 / 2, 1, 2], [1 / 4, 1 / 2, 1]])
    assert_allclose(r.weights, [4 / 7, 2 / 7, 1 / 7], atol=1e-12)
    assert_allclose(r.lambda_max, 3.0, atol=1e-12)
    assert r.consistency_ratio < 1e-12 and r.consistent


def test_ahp_saaty_matrix_by_hand() -> None:
    r = ahp_weights(SAATY)
    assert_allclose(r.weights, [0.6369856, 0.2582850, 0.1047294], atol=1e-7)
    lam = 1 + (5 / 9) ** (1 / 3) + (9 / 5) ** (1 / 3)
    assert_allclose(r.lambda_max, lam, atol=1e-12)
    assert_allclose(r.consistency_index, (lam - 3) / 2, atol=1e-12)
    assert r.random_index == 0.58
    assert_allclose(r.consistency_ratio, 0.0331992, atol=1e-7)
    assert r.consistent


def _power_iteration(a: np.ndarray) -> tuple[np.ndarray, float]:
    """Written differently from numpy.linalg.eig: repeated multiplication to convergence."""
    w = np.ones(a.shape[0]) / a.shape[0]
    for _ in range(10_000):
        nxt = a @ w
        nxt /= nxt.sum()
        if np.abs(nxt - w).max() < 1e-15:
            break
        w = nxt
    return nxt, float(np.mean((a @ nxt) / nxt))


def test_ahp_against_power_iteration_and_the_consistency_limit() -> None:
    rng = np.random.default_rng(3)
    scale = np.array([1 / 9, 1 / 7, 1 / 5, 1 / 3, 1, 3, 5, 7, 9])
    for n in (3, 4, 5, 6, 7, 9):
        a = np.ones((n, n))
        for i in range(n):
            for j in range(i + 1, n):
                a[i, j] = rng.choice(scale)
                a[j, i] = 1 / a[i, j]
        r = ahp_weights(a)
        w, lam = _power_iteration(a)
        assert_allclose(r.weights, w, atol=1e-9)
        assert_allclose(r.lambda_max, lam, rtol=1e-9)
        cr = (lam - n) / (n - 1) / SAATY_RANDOM_INDEX[n]
        assert_allclose(r.consistency_ratio, cr, rtol=1e-8)
        assert r.consistent == (cr <= 0.1)
    circular = ahp_weights([[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]])
    assert circular.consistency_ratio > 0.1 and not circular.consistent


def test_ahp_refuses_matrices_that_are_not_reciprocal() -> None:
    with pytest.raises(ValueError, match="reciprocal"):
        ahp_weights([[1, 3], [3, 1]])
    with pytest.raises(ValueError, match="positive"):
        ahp_weights([[1, -3], [-1 / 3, 1]])
    with pytest.raises(ValueError, match="square"):
        ahp_weights([[1, 3, 5], [1 / 3, 1, 3]])
    assert ahp_weights([[1, 0.33], [3, 1]]).consistency_ratio == 0.0
