"""Key drivers: the Shapley decomposition of R^2 against statsmodels, a hand-worked case, IPA."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import statsmodels.api as sm

from scoring import CrossProducts, Quadrant, driver_importance, ipa_quadrants, shapley_r_squared


def _respondents(n: int = 400, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=n)
    aspects = np.column_stack([latent + rng.normal(scale=s, size=n) for s in (0.5, 1.0, 2.0, 1.5)])
    overall = 0.8 * aspects[:, 0] + 0.3 * aspects[:, 1] + 0.1 * aspects[:, 3]
    overall = overall + rng.normal(scale=1.0, size=n)
    return overall * 10 + 60, aspects * 10 + 70


def _shapley_by_ols(y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Shapley values as the average gain over all orderings of the aspects, each R^2 by OLS."""
    k = x.shape[1]

    def fit(cols: tuple[int, ...]) -> float:
        if not cols:
            return 0.0
        return float(sm.OLS(y, sm.add_constant(x[:, list(cols)])).fit().rsquared)

    cache: dict[tuple[int, ...], float] = {}

    def r2(cols: set[int]) -> float:
        key = tuple(sorted(cols))
        if key not in cache:
            cache[key] = fit(key)
        return cache[key]

    gains = np.zeros(k)
    orderings = list(itertools.permutations(range(k)))
    for order in orderings:
        entered: set[int] = set()
        for j in order:
            gains[j] += r2(entered | {j}) - r2(entered)
            entered.add(j)
    return gains / len(orderings)


def test_shapley_shares_match_statsmodels_over_every_ordering() -> None:
    y, x = _respondents()
    expected = _shapley_by_ols(y, x)
    got = shapley_r_squared(CrossProducts.from_scores(y, x).centred())
    np.testing.assert_allclose(got, expected, atol=1e-10)
    full = sm.OLS(y, sm.add_constant(x)).fit().rsquared
    assert got.sum() == pytest.approx(full, abs=1e-12)


def test_two_aspects_by_hand() -> None:
    # Correlations r_y1 = 0.6, r_y2 = 0.5, r_12 = 0.4 (a correlation matrix is a scatter).
    r = np.array([[1.0, 0.6, 0.5], [0.6, 1.0, 0.4], [0.5, 0.4, 1.0]])
    # Two-predictor R^2: (0.36 + 0.25 - 2 * 0.6 * 0.5 * 0.4) / (1 - 0.16) = 0.37 / 0.84.
    full = 0.37 / 0.84
    # Shapley with two players: the mean of the two orders of entry, e.g.
    # share_1 = (0.36 + (full - 0.25)) / 2 = 0.275238, share_2 = (0.25 + (full - 0.36)) / 2.
    share_1, share_2 = 0.2752381, 0.1652381
    got = shapley_r_squared(r)
    np.testing.assert_allclose(got, [share_1, share_2], atol=1e-7)
    assert got.sum() == pytest.approx(full, abs=1e-12)


def test_pooled_cross_products_are_the_sum_of_the_parts() -> None:
    y, x = _respondents()
    whole = CrossProducts.from_scores(y, x)
    parts = CrossProducts.from_scores(y[:150], x[:150]) + CrossProducts.from_scores(
        y[150:], x[150:]
    )
    assert parts.n == whole.n
    np.testing.assert_allclose(parts.centred(), whole.centred(), rtol=1e-10)
    np.testing.assert_allclose(parts.centred() / (whole.n - 1), np.cov(np.column_stack([y, x]).T))


def test_interval_covers_the_estimate_and_tracks_a_respondent_bootstrap() -> None:
    y, x = _respondents(n=300, seed=11)
    result = driver_importance(CrossProducts.from_scores(y, x), draws=200, seed=5)
    assert np.all(result.lower <= result.shares) and np.all(result.shares <= result.upper)
    assert result.r_squared_lower <= result.r_squared <= result.r_squared_upper
    np.testing.assert_allclose(result.relative.sum(), 1.0)
    # An independent check of the interval's width: resample respondents (numpy lstsq R^2).
    rng = np.random.default_rng(9)
    boot = []
    for _ in range(200):
        idx = rng.integers(0, len(y), len(y))
        boot.append(shapley_r_squared(np.cov(np.column_stack([y[idx], x[idx]]).T)))
    width = np.subtract(*np.quantile(np.array(boot), [0.975, 0.025], axis=0))
    np.testing.assert_allclose(result.upper - result.lower, width, rtol=0.35)


def test_aspect_without_variance_adds_nothing() -> None:
    y, x = _respondents(n=100)
    x[:, 2] = 80.0
    shares = shapley_r_squared(CrossProducts.from_scores(y, x).centred())
    assert shares[2] == pytest.approx(0.0, abs=1e-12)
    assert math.isfinite(driver_importance(CrossProducts.from_scores(y, x)).upper[2])


def test_too_few_respondents_is_refused() -> None:
    y, x = _respondents(n=4)
    with pytest.raises(ValueError):
        driver_importance(CrossProducts.from_scores(y, x))


def test_quadrants_by_hand() -> None:
    # Mean importance 0.25: aspects 0 and 1 are important. Reference per aspect.
    importance = [0.40, 0.30, 0.20, 0.10]
    performance = [85.0, 70.0, 60.0, 90.0]
    reference = [80.0, 75.0, 65.0, 80.0]
    assert ipa_quadrants(importance, performance, reference) == [
        Quadrant.keep_up,
        Quadrant.concentrate_here,
        Quadrant.low_priority,
        Quadrant.possible_overkill,
    ]
    # One reference for all aspects (classic IPA cross-hair at the mean performance).
    assert ipa_quadrants(importance, performance, 76.25) == [
        Quadrant.keep_up,
        Quadrant.concentrate_here,
        Quadrant.low_priority,
        Quadrant.possible_overkill,
    ]
