"""Rates as points with their standard error, by hand and against scipy and statsmodels."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from scipy import stats
from statsmodels.stats.proportion import std_prop

from scoring import RatePoints, rate_points


def test_hand_worked_rates() -> None:
    # 80 % of 100 answers: sqrt(0.8 * 0.2 / 100) = 0.04, i.e. 4 points; half of 25: 10 points.
    found = rate_points([0.8, 0.5, 1.0, 0.0], [100, 25, 7, 3])
    assert isinstance(found, RatePoints)
    assert_allclose(found.points, [80.0, 50.0, 100.0, 0.0], rtol=0, atol=1e-12)
    assert_allclose(found.se, [4.0, 10.0, 0.0, 0.0], rtol=0, atol=1e-12)


def test_missing_rates_and_empty_groups_give_nan_without_warning() -> None:
    found = rate_points([math.nan, 0.6, 0.6], [10, 0, 5])
    assert_array_equal(np.isnan(found.points), [True, False, False])
    assert_array_equal(np.isnan(found.se), [True, True, False])
    assert found.points[1] == 60.0


def test_bitwise_the_formula_the_composite_service_used() -> None:
    # The composite service computed 100 * sqrt(rate * (1 - rate) / n) inline, element by
    # element; moving it into scoring must not change a single bit.
    rng = np.random.default_rng(3)
    rates = rng.uniform(0, 1, 200)
    n = rng.integers(1, 500, 200)
    found = rate_points(rates, n)
    for p, k, points, se in zip(rates, n, found.points, found.se, strict=True):
        assert points == 100.0 * float(p)
        assert se == 100.0 * math.sqrt(float(p) * (1 - float(p)) / int(k))


@given(
    st.lists(
        st.tuples(st.floats(0, 1), st.integers(1, 10_000)),
        min_size=1,
        max_size=30,
    )
)
def test_agrees_with_scipy_and_statsmodels(pairs: list[tuple[float, int]]) -> None:
    rates = np.array([p for p, _ in pairs])
    n = np.array([k for _, k in pairs])
    found = rate_points(rates, n)
    assert_allclose(found.se, 100 * std_prop(rates, n), rtol=1e-12, atol=1e-12)
    assert_allclose(found.se, 100 * stats.binom.std(n, rates) / n, rtol=1e-9, atol=1e-6)
    assert (found.se <= 50 / np.sqrt(n) + 1e-12).all()
    # 1 - rate is rounded, which moves an error of about 1e-7 points near p = 0 or 1.
    assert_allclose(rate_points(1 - rates, n).se, found.se, rtol=1e-9, atol=1e-6)


def test_results_are_read_only() -> None:
    found = rate_points([0.5], [4])
    with pytest.raises(ValueError):
        found.se[0] = 1.0


@pytest.mark.parametrize(
    ("rates", "n_valid"),
    [([1.2], [3]), ([-0.1], [3]), ([0.5], [-1]), ([0.5, 0.5], [3]), ([math.inf], [3])],
)
def test_bad_input_is_refused(rates: list[float], n_valid: list[int]) -> None:
    with pytest.raises(ValueError):
        rate_points(rates, n_valid)
