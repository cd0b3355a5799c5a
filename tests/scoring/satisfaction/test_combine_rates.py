"""Combined satisfaction rates: a hand-worked case, statsmodels, and the score of 0/100 answers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import stats
from statsmodels.stats.proportion import proportion_confint
from statsmodels.stats.weightstats import DescrStatsW

from scoring import SatisfactionPolicy, cell_statistics, combine_rates, unit_score

TWO_LEVELS = SatisfactionPolicy(
    level_scores={"satisfied": 100.0, "dissatisfied": 0.0},
    satisfied_levels=frozenset({"satisfied"}),
    dont_know_code=None,
)


def test_hand_worked_two_groups() -> None:
    # Group A: 8 of 10 satisfied, weight 3; group B: 2 of 5, weight 2 (0.6 and 0.4).
    # var(p_A) = 0.8 * 0.2 / 9, var(p_B) = 0.4 * 0.6 / 4 = 0.06;
    # p = 0.6 * 0.8 + 0.4 * 0.4 = 0.64; var = 0.36 * 0.16 / 9 + 0.16 * 0.06 = 0.016;
    # n* = 0.64 * 0.36 / 0.016 = 14.4.
    stats_ = cell_statistics([[[8, 2], [2, 3]]], TWO_LEVELS)
    assert_allclose(stats_.rate_se, [[math.sqrt(0.16 / 9), math.sqrt(0.06)]], rtol=1e-12)
    found = combine_rates(
        stats_.rate, stats_.rate_se, stats_.n_valid, stats_.n_eff, [3.0, 2.0], min_n=5
    )
    assert_allclose(found.rate, [0.64], rtol=1e-12)
    assert_allclose(found.se, [math.sqrt(0.016)], rtol=1e-12)
    assert_allclose(found.n_eff, [14.4], rtol=1e-12)
    assert_allclose(found.weights, [[0.6, 0.4]], rtol=1e-12)
    # Wilson with n = 14.4 and x = 0.64 * 14.4 = 9.216, by hand.
    z = stats.norm.ppf(0.975)
    n, p = 14.4, 0.64
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert_allclose([found.ci_low[0], found.ci_high[0]], [centre - half, centre + half], rtol=1e-12)
    # Satterthwaite: 0.016^2 / (0.0064^2 / 9 + 0.0096^2 / 4).
    assert_allclose(found.df, [0.016**2 / (0.0064**2 / 9 + 0.0096**2 / 4)], rtol=1e-12)
    assert found.reason == ("",)


def test_korn_graubard_against_statsmodels_beta() -> None:
    stats_ = cell_statistics([[[8, 2], [2, 3]]], TWO_LEVELS)
    found = combine_rates(
        stats_.rate,
        stats_.rate_se,
        stats_.n_valid,
        stats_.n_eff,
        [3.0, 2.0],
        ci_method="clopper-pearson",
    )
    nu = 0.016**2 / (0.0064**2 / 9 + 0.0096**2 / 4)
    n_kg = 14.4 * (stats.norm.ppf(0.975) / stats.t.ppf(0.975, nu)) ** 2
    low, high = proportion_confint(0.64 * n_kg, n_kg, alpha=0.05, method="beta")
    assert_allclose([found.ci_low[0], found.ci_high[0]], [low, high], rtol=1e-9)


def _weighted_sample(
    rng: np.random.Generator, size: int, share: float
) -> tuple[np.ndarray, np.ndarray]:
    satisfied = (rng.uniform(size=size) < share).astype(np.float64)
    weights = rng.choice([0.5, 1.0, 2.5, 4.0], size=size)
    return satisfied, weights


def test_weighted_groups_against_statsmodels() -> None:
    # Respondents with raking-like weights in three groups; statsmodels' DescrStatsW with the
    # weights scaled to sum to Kish's n_eff gives the sample variance over n_eff - 1.
    rng = np.random.default_rng(17)
    samples = [_weighted_sample(rng, k, s) for k, s in ((60, 0.7), (25, 0.45), (12, 0.9))]
    group_weights = np.array([0.5, 0.3, 0.2])
    counts = np.array([[[y.sum(), (1 - y).sum()] for y, _ in samples]])
    wsum = np.array([[[w[y == 1].sum(), w[y == 0].sum()] for y, w in samples]])
    wsq = np.array([[[(w[y == 1] ** 2).sum(), (w[y == 0] ** 2).sum()] for y, w in samples]])
    cells = cell_statistics(counts, TWO_LEVELS, weight_sums=wsum, weight_sq_sums=wsq)
    found = combine_rates(
        cells.rate, cells.rate_se, cells.n_valid, cells.n_eff, group_weights, min_n=5
    )

    means, variances, dfs = [], [], []
    for y, w in samples:
        n_eff = w.sum() ** 2 / (w**2).sum()
        described = DescrStatsW(y, weights=w * n_eff / w.sum())
        means.append(described.mean)
        variances.append(described.std_mean**2)
        dfs.append(n_eff - 1)
    assert_allclose(cells.rate[0], means, rtol=1e-12)
    assert_allclose(cells.rate_se[0] ** 2, variances, rtol=1e-9)
    p = float(np.dot(group_weights, means))
    var = float(np.dot(group_weights**2, variances))
    n_star = p * (1 - p) / var
    assert_allclose(found.rate, [p], rtol=1e-12)
    assert_allclose(found.se, [math.sqrt(var)], rtol=1e-9)
    assert_allclose(found.n_eff, [n_star], rtol=1e-9)
    low, high = proportion_confint(p * n_star, n_star, alpha=0.05, method="wilson")
    assert_allclose([found.ci_low[0], found.ci_high[0]], [low, high], rtol=1e-9)


def test_rate_error_equals_the_score_error_of_the_same_answers() -> None:
    # Answers coded 100 (satisfied) and 0: the score is 100 x the rate and, raked or not,
    # its standard error is 100 x the rate's (the composite saw 18.0 against 15.1 before).
    rng = np.random.default_rng(5)
    samples = [_weighted_sample(rng, k, s) for k, s in ((40, 0.6), (15, 0.8))]
    counts = np.array([[y.sum(), (1 - y).sum()] for y, _ in samples])
    wsum = np.array([[w[y == 1].sum(), w[y == 0].sum()] for y, w in samples])
    wsq = np.array([[(w[y == 1] ** 2).sum(), (w[y == 0] ** 2).sum()] for y, w in samples])
    score = unit_score(counts, [2.0, 1.0], TWO_LEVELS, weight_sums=wsum, weight_sq_sums=wsq)
    cells = cell_statistics(counts, TWO_LEVELS, weight_sums=wsum, weight_sq_sums=wsq)
    rate = combine_rates(
        cells.rate[None], cells.rate_se[None], cells.n_valid[None], cells.n_eff[None], [2.0, 1.0]
    )
    assert_allclose(100 * rate.rate[0], score.score, rtol=1e-12)
    assert_allclose(100 * rate.se[0], score.se, rtol=1e-9)


def test_groups_follow_the_score_and_degenerate_units() -> None:
    # Unit 0: group B below min_n is left out; unit 1: all satisfied, so var = 0 and n* falls
    # back to 1 / sum W'^2 / (n_eff - 1) = 9; unit 2: nothing answered.
    counts = np.array([[[8, 2], [2, 1]], [[10, 0], [0, 0]], [[0, 0], [0, 0]]])
    cells = cell_statistics(counts, TWO_LEVELS, warn=False)
    found = combine_rates(cells.rate, cells.rate_se, cells.n_valid, cells.n_eff, [1.0, 1.0])
    assert found.used.tolist() == [[True, False], [True, False], [False, False]]
    assert_allclose(found.rate[:2], [0.8, 1.0])
    assert_allclose(found.n_eff[1], 9.0)
    assert found.ci_high[1] == 1.0
    low, _ = proportion_confint(9, 9, alpha=0.05, method="wilson")
    assert_allclose(found.ci_low[1], low, rtol=1e-12)
    assert math.isnan(found.rate[2]) and found.reason[2] == "no_usable_group"
    assert found.reasons[0].params["units"] == 1


def test_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match="shares"):
        combine_rates([[1.5]], [[0.1]], [[10]], [[10]], [1.0])
    with pytest.raises(ValueError, match="shape"):
        combine_rates([[0.5]], [[0.1, 0.1]], [[10]], [[10]], [1.0])


def test_weights_per_unit_row_equal_one_call_per_category() -> None:
    rng = np.random.default_rng(2)
    counts = rng.integers(0, 12, size=(6, 3, 2))
    cells = cell_statistics(counts, TWO_LEVELS, warn=False)
    first, second = np.array([0.5, 0.3, 0.2]), np.array([0.0, 1.0, 1.0])
    rows = np.array([first, first, first, second, second, second])
    together = combine_rates(cells.rate, cells.rate_se, cells.n_valid, cells.n_eff, rows)
    for block, w in ((slice(0, 3), first), (slice(3, 6), second)):
        alone = combine_rates(
            cells.rate[block], cells.rate_se[block], cells.n_valid[block], cells.n_eff[block], w
        )
        assert_allclose(together.rate[block], alone.rate, rtol=1e-12)
        assert_allclose(together.se[block], alone.se, rtol=1e-12)
        assert_allclose(together.ci_low[block], alone.ci_low, rtol=1e-12)
