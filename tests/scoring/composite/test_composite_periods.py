"""Period aggregation: Qingdao's cumulative weights, plain averages, months into quarters."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from scoring import (
    QINGDAO_CUMULATIVE_WEIGHTS,
    ScoringWarning,
    aggregate_periods,
    monthly_to_quarterly,
    recompute,
    target_completion,
)

NAN = math.nan


def test_qingdao_weights_sum_to_one() -> None:
    assert QINGDAO_CUMULATIVE_WEIGHTS == (0.1, 0.2, 0.3, 0.4)
    assert math.fsum(QINGDAO_CUMULATIVE_WEIGHTS) == pytest.approx(1.0, abs=1e-12)


def test_cumulative_weights_renormalise() -> None:
    # unit 0: 0.1*80 + 0.2*85 + 0.3*90 + 0.4*95 = 8 + 17 + 27 + 38 = 90
    # unit 1 misses H1: (0.1*70 + 0.3*80 + 0.4*90) / (0.1 + 0.3 + 0.4) = (7 + 24 + 36) / 0.8
    #        = 67 / 0.8 = 83.75; weights used 0.1/0.8, 0, 0.3/0.8, 0.4/0.8
    scores: list[list[float]] = [[80, 85, 90, 95], [70, NAN, 80, 90]]
    res = aggregate_periods(scores, QINGDAO_CUMULATIVE_WEIGHTS)
    assert_allclose(res.total, [90, 83.75])
    assert_allclose(res.weights_used[1], [0.125, 0, 0.375, 0.5])
    assert res.periods == ("Q1", "H1", "Q1-Q3", "year")
    assert_array_equal(res.n_missing, [0, 1])
    assert "renormalised" in res.formula


def test_cumulative_weights_zero_rule() -> None:
    # unit 1 misses H1, counted as 0: 7 + 0 + 24 + 36 = 67; unit 2 misses everything: 0.
    scores: list[list[float]] = [[80, 85, 90, 95], [70, NAN, 80, 90], [NAN, NAN, NAN, NAN]]
    res = aggregate_periods(scores, QINGDAO_CUMULATIVE_WEIGHTS, missing="zero")
    assert_allclose(res.total, [90, 67, 0])
    assert_allclose(res.weights_used, np.tile(QINGDAO_CUMULATIVE_WEIGHTS, (3, 1)))


def test_all_periods_missing_warns_under_renormalise() -> None:
    with pytest.warns(ScoringWarning, match="every_period_missing"):
        res = aggregate_periods(np.array([[NAN, NAN], [60, 80]]))
    assert math.isnan(res.total[0])
    assert res.total[1] == pytest.approx(70.0)  # plain average (60 + 80) / 2
    assert res.reason[0] == "every_period_missing"


def test_plain_average_and_labels() -> None:
    res = aggregate_periods([[80, 90, 100]], periods=["Jan", "Feb", "Mar"])
    assert res.total[0] == pytest.approx(90.0)  # (80 + 90 + 100) / 3
    assert res.periods == ("Jan", "Feb", "Mar")
    assert "plain average" in res.formula


def test_weights_must_sum_to_one() -> None:
    with pytest.raises(ValueError, match="sum to 1"):
        aggregate_periods([[1, 2, 3, 4]], [0.1, 0.2, 0.3, 0.3])
    with pytest.raises(ValueError, match="non-negative"):
        aggregate_periods([[1, 2]], [1.5, -0.5])
    with pytest.raises(ValueError, match="shape"):
        aggregate_periods([[1, 2]], [1.0])


def test_period_indicator_scores_explain_and_recompute() -> None:
    # Q1..year completion of a target of 100 (full 10): 5, 8, 9, 10 points;
    # 0.1*5 + 0.2*8 + 0.3*9 + 0.4*10 = 0.5 + 1.6 + 2.7 + 4 = 8.8
    periods = [target_completion([v], 100, full_points=10) for v in (50, 80, 90, 100)]
    res = aggregate_periods(periods, QINGDAO_CUMULATIVE_WEIGHTS)
    assert res.total[0] == pytest.approx(8.8)
    assert res.max_points == 10
    e = res.explain(0)
    assert len(e["details"]) == 4
    assert recompute(e) == pytest.approx(8.8, abs=1e-12)


def test_monthly_to_quarterly() -> None:
    months = np.arange(1.0, 13.0)[None, :]  # January = 1 ... December = 12
    # sums 1+2+3 = 6, 4+5+6 = 15, 24, 33; means 2, 5, 8, 11
    assert_allclose(monthly_to_quarterly(months).values, [[6, 15, 24, 33]])
    assert_allclose(monthly_to_quarterly(months, how="mean").values, [[2, 5, 8, 11]])
    # cumulative (Q1, H1, Q1-Q3, year): sums 6, 21, 45, 78; means 2, 3.5, 5, 6.5
    cum = monthly_to_quarterly(months, cumulative=True)
    assert_allclose(cum.values, [[6, 21, 45, 78]])
    assert cum.quarters == ("Q1", "H1", "Q1-Q3", "year")
    cum_mean = monthly_to_quarterly(months, how="mean", cumulative=True)
    assert_allclose(cum_mean.values, [[2, 3.5, 5, 6.5]])


def test_monthly_missing_month_rules() -> None:
    months = np.arange(1.0, 13.0)[None, :]
    months[0, 4] = NAN  # May missing
    with pytest.warns(ScoringWarning, match="month_missing"):
        strict = monthly_to_quarterly(months)
    assert math.isnan(strict.values[0, 1])
    assert strict.reason[0, 1] == "month_missing"
    # "ignore": Q2 sum 4 + 6 = 10, mean 5; n_months 2
    loose = monthly_to_quarterly(months, missing="ignore")
    assert loose.values[0, 1] == pytest.approx(10.0)
    assert loose.n_months[0, 1] == 2
    assert monthly_to_quarterly(months, how="mean", missing="ignore").values[0, 1] == 5.0
    with pytest.raises(ValueError, match="3\\*quarters"):
        monthly_to_quarterly(np.ones((1, 5)))
