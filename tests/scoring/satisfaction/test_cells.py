"""Per-cell statistics from counts, checked against independent implementations."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from scipy import stats
from statsmodels.stats.proportion import proportion_confint
from statsmodels.stats.weightstats import DescrStatsW

from scoring import (
    CellStatistics,
    SatisfactionPolicy,
    ScoringWarning,
    cell_statistics,
    proportion_interval,
)

POLICY = SatisfactionPolicy()
SCORES = POLICY.scores  # [100, 80, 60, 0, nan]
RTOL = 1e-9

Expand = Callable[[np.ndarray, np.ndarray], np.ndarray]


def hand_trimmed_mean(ratings: np.ndarray, k: int) -> float:
    ordered = sorted(ratings.tolist())
    kept = ordered[k : len(ordered) - k]
    return float(sum(kept) / len(kept))


def random_counts(seed: int, shape: tuple[int, ...], high: int = 12) -> np.ndarray:
    rng = np.random.default_rng(seed)
    counts = rng.integers(0, high, size=(*shape, len(POLICY.levels)))
    # Sprinkle in the degenerate cells a real grid has: empty, single answer, constant.
    flat = counts.reshape(-1, counts.shape[-1])
    flat[0] = 0
    flat[1] = [0, 0, 1, 0, 3]
    flat[2] = [7, 0, 0, 0, 2]
    flat[3] = [0, 0, 0, 0, 4]
    return counts


def test_hand_worked_cell() -> None:
    # 满意 2, 比较满意 1, 基本满意 1, 不满意 1, 不了解 1 -> ratings 100 100 80 60 0
    # n = 5, mean = 340 / 5 = 68
    # deviations 32 32 12 -8 -68, squares 1024 1024 144 64 4624 = 6880
    # var = 6880 / 4 = 1720, sd = 41.47288270, se = sqrt(1720 / 5) = sqrt(344) = 18.54723699
    # t(0.975, df 4) = 2.77644511 -> half width 2.77644511 * 18.54723699 = 51.49539
    #   -> [68 - 51.49539, 68 + 51.49539] = [16.50461, 119.49539]
    # trimmed (k = 1): drop one 0 and one 100 -> (100 + 80 + 60) / 3 = 80
    # rate = 4 / 5 = 0.8; Wilson z = 1.95996398, z^2 = 3.84145882
    #   denom = 1 + 3.84145882 / 5 = 1.76829176
    #   centre = (0.8 + 3.84145882 / 10) / denom = 1.18414588 / 1.76829176 = 0.66965526
    #   half = z * sqrt(0.16 / 5 + 3.84145882 / 100) / denom
    #        = 1.95996398 * sqrt(0.07041459) / 1.76829176 = 0.29412063
    #   -> [0.37553463, 0.96377589]
    res = cell_statistics(np.array([2, 1, 1, 1, 1]))
    assert res.n_valid == 5
    assert res.n_dont_know == 1
    assert res.mean == pytest.approx(68.0, abs=1e-12)
    assert res.sd == pytest.approx(math.sqrt(1720.0), abs=1e-12)
    assert res.sd == pytest.approx(41.47288270, abs=1e-7)
    assert res.se == pytest.approx(math.sqrt(344.0), abs=1e-12)
    assert res.df == 4
    assert res.ci_low == pytest.approx(16.50461, abs=1e-5)
    assert res.ci_high == pytest.approx(119.49539, abs=1e-5)
    assert res.trimmed_mean == pytest.approx(80.0, abs=1e-12)
    assert res.rate == pytest.approx(0.8, abs=1e-15)
    assert res.rate_ci_low == pytest.approx(0.37553463, abs=1e-8)
    assert res.rate_ci_high == pytest.approx(0.96377589, abs=1e-8)
    assert res.reason == ""
    assert res.trimmed_reason == ""


def test_against_raw_arrays(expand: Expand) -> None:
    counts = random_counts(1, (6, 4, 3))
    res = cell_statistics(counts)
    assert res.shape == (6, 4, 3)
    flat = counts.reshape(-1, counts.shape[-1])
    for i, row in enumerate(flat):
        raw = expand(row, SCORES)
        idx = np.unravel_index(i, res.shape)
        assert res.n_valid[idx] == raw.size
        assert res.n_dont_know[idx] == row[-1]
        if raw.size == 0:
            assert np.isnan(res.mean[idx])
            assert np.isnan(res.rate[idx])
            assert res.reason[idx] == "no_valid_answers"
            continue
        assert_allclose(res.mean[idx], np.mean(raw), rtol=RTOL)
        assert_allclose(res.rate[idx], np.mean(raw >= 60), rtol=RTOL)
        if raw.size > 2 * POLICY.trim_k:
            assert_allclose(res.trimmed_mean[idx], hand_trimmed_mean(raw, 1), rtol=RTOL)
        else:
            assert np.isnan(res.trimmed_mean[idx])
            assert res.trimmed_reason[idx] != ""
        if raw.size < 2:
            assert np.isnan(res.sd[idx])
            assert np.isnan(res.ci_low[idx])
            continue
        assert_allclose(res.sd[idx], np.std(raw, ddof=1), rtol=RTOL, atol=1e-12)
        assert_allclose(res.se[idx], np.std(raw, ddof=1) / np.sqrt(raw.size), atol=1e-12)
        if np.ptp(raw) == 0:
            assert res.sd[idx] == 0.0
            assert np.isnan(res.ci_low[idx])
            assert "identical" in str(res.reason[idx])
            continue
        low, high = stats.t.interval(0.95, raw.size - 1, loc=np.mean(raw), scale=stats.sem(raw))
        assert_allclose([res.ci_low[idx], res.ci_high[idx]], [low, high], rtol=RTOL)


def test_wilson_matches_statsmodels() -> None:
    counts = random_counts(2, (200,), high=40)
    res = cell_statistics(counts)
    n = counts[:, :4].sum(axis=1)
    sat = counts[:, :3].sum(axis=1)
    ok = n > 0
    low, high = proportion_confint(sat[ok], n[ok], alpha=0.05, method="wilson")
    assert_allclose(res.rate_ci_low[ok], low, rtol=RTOL, atol=1e-12)
    assert_allclose(res.rate_ci_high[ok], high, rtol=RTOL, atol=1e-12)
    assert np.isnan(res.rate_ci_low[~ok]).all()


@pytest.mark.parametrize("confidence", [0.8, 0.9, 0.99])
def test_clopper_pearson_matches_statsmodels(confidence: float) -> None:
    policy = SatisfactionPolicy(rate_ci_method="clopper-pearson", confidence=confidence)
    counts = random_counts(3, (150,), high=30)
    counts[4] = [3, 0, 0, 0, 0]  # every answer satisfied: upper bound 1
    counts[5] = [0, 0, 0, 6, 1]  # none satisfied: lower bound 0
    res = cell_statistics(counts, policy)
    n = counts[:, :4].sum(axis=1)
    sat = counts[:, :3].sum(axis=1)
    ok = n > 0
    low, high = proportion_confint(sat[ok], n[ok], alpha=1 - confidence, method="beta")
    assert_allclose(res.rate_ci_low[ok], low, rtol=RTOL, atol=1e-12)
    assert_allclose(res.rate_ci_high[ok], high, rtol=RTOL, atol=1e-12)
    assert res.rate_ci_high[4] == 1.0
    assert res.rate_ci_low[5] == 0.0


def test_proportion_interval_public() -> None:
    low, high = proportion_interval([0, 3, 10], [10, 10, 10], confidence=0.9)
    ref_low, ref_high = proportion_confint([0, 3, 10], [10, 10, 10], alpha=0.1, method="wilson")
    assert_allclose(low, ref_low, rtol=RTOL, atol=1e-12)
    assert_allclose(high, ref_high, rtol=RTOL, atol=1e-12)
    with pytest.raises(ValueError, match="exceed"):
        proportion_interval(4, 3)
    with pytest.raises(ValueError, match="method"):
        proportion_interval(1, 3, method="wald")  # type: ignore[arg-type]


@pytest.mark.parametrize("n", [49, 98, 103])
def test_trimming_drops_exactly_k_where_scipy_trims_nothing(n: int) -> None:
    # int(n * (1 / n)) == 0 for these n, so scipy's trim_mean(x, 1 / n) keeps every rating.
    rng = np.random.default_rng(n)
    counts = np.append(rng.multinomial(n, [0.4, 0.3, 0.2, 0.1]), 0)
    raw = np.repeat(SCORES[:4], counts[:4])
    assert stats.trim_mean(raw, 1 / n) == pytest.approx(np.mean(raw))
    res = cell_statistics(counts)
    assert_allclose(res.trimmed_mean, hand_trimmed_mean(raw, 1), rtol=RTOL)
    assert res.trimmed_mean != pytest.approx(np.mean(raw))


@pytest.mark.parametrize("k", [0, 1, 2, 5])
def test_trimmed_mean_other_k(k: int, expand: Expand) -> None:
    policy = SatisfactionPolicy(trim_k=k)
    counts = random_counts(4, (60,), high=6)
    res = cell_statistics(counts, policy)
    for i, row in enumerate(counts):
        raw = expand(row, SCORES)
        if raw.size > 2 * k:
            assert_allclose(res.trimmed_mean[i], hand_trimmed_mean(raw, k), rtol=RTOL)
        else:
            assert np.isnan(res.trimmed_mean[i])


def test_trimmed_mean_hand_worked() -> None:
    # ratings: 0, 60, 60, 80, 100, 100, 100 (k = 2): drop 0, 60 and 100, 100 -> (60+80+100)/3
    res = cell_statistics(np.array([3, 1, 2, 1, 0]), SatisfactionPolicy(trim_k=2))
    assert res.trimmed_mean == pytest.approx(80.0, abs=1e-12)
    # n = 4 = 2k: nothing would be left
    res = cell_statistics(np.array([1, 1, 1, 1, 0]), SatisfactionPolicy(trim_k=2))
    assert np.isnan(res.trimmed_mean)
    assert str(res.trimmed_reason) == "too_few_to_trim"


def _weighted_cell(
    rng: np.random.Generator, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    levels = rng.integers(0, 5, size=n)
    weights = rng.uniform(0.2, 5.0, size=n)
    counts = np.bincount(levels, minlength=5).astype(float)
    sums = np.bincount(levels, weights=weights, minlength=5)
    sq = np.bincount(levels, weights=weights**2, minlength=5)
    return levels, weights, counts, np.stack([sums, sq])


def test_weighted_against_descrstatsw() -> None:
    rng = np.random.default_rng(5)
    for n in [3, 8, 25, 100]:
        levels, weights, counts, (sums, sq) = _weighted_cell(rng, n)
        res = cell_statistics(counts, weight_sums=sums, weight_sq_sums=sq)
        valid = levels < 4
        x, w = SCORES[levels[valid]], weights[valid]
        n_eff = w.sum() ** 2 / np.sum(w**2)
        # DescrStatsW treats weights as frequencies; rescaled to sum to n_eff, its ddof=1
        # variance is the reliability-weights variance documented in cell_statistics.
        ref = DescrStatsW(x, weights=w * n_eff / w.sum(), ddof=1)
        assert_allclose(res.n_eff, n_eff, rtol=RTOL)
        assert_allclose(res.mean, ref.mean, rtol=RTOL)
        assert_allclose(res.mean, np.average(x, weights=w), rtol=RTOL)
        assert_allclose(res.sd, ref.std, rtol=RTOL)
        assert_allclose(res.se, ref.std_mean, rtol=RTOL)
        assert_allclose(res.df, n_eff - 1, rtol=RTOL)
        assert_allclose([res.ci_low, res.ci_high], ref.tconfint_mean(alpha=0.05), rtol=RTOL)
        rate = np.sum(w[x >= 60]) / w.sum()
        assert_allclose(res.rate, rate, rtol=RTOL)
        low, high = proportion_confint(rate * n_eff, n_eff, alpha=0.05, method="wilson")
        assert_allclose([res.rate_ci_low, res.rate_ci_high], [low, high], rtol=RTOL)
        assert res.weighted
        assert "Kish" in res.formula


def test_weighted_trimmed_mean_uses_level_mean_weight() -> None:
    # satisfied: 2 people weighing 1 and 3 (mean 2); fairly: 1 person weighing 4;
    # dissatisfied: 1 person weighing 2. k = 1 drops one satisfied (weight 2) and the
    # dissatisfied -> (1 satisfied at weight 2, 1 fairly at weight 4):
    # (2*100 + 4*80) / (2 + 4) = 520 / 6
    counts = np.array([2, 1, 0, 1, 0])
    sums = np.array([4.0, 4.0, 0.0, 2.0, 0.0])
    sq = np.array([10.0, 16.0, 0.0, 4.0, 0.0])
    res = cell_statistics(counts, weight_sums=sums, weight_sq_sums=sq)
    assert res.trimmed_mean == pytest.approx(520 / 6, abs=1e-12)
    assert res.mean == pytest.approx((4 * 100 + 4 * 80 + 2 * 0) / 10, abs=1e-12)


def test_unit_weights_equal_unweighted() -> None:
    counts = random_counts(6, (40,)).astype(float)
    plain = cell_statistics(counts)
    weighted = cell_statistics(counts, weight_sums=counts, weight_sq_sums=counts)
    for name in ["mean", "sd", "se", "ci_low", "ci_high", "rate", "rate_ci_low", "trimmed_mean"]:
        assert_allclose(getattr(weighted, name), getattr(plain, name), rtol=1e-12)


def test_degenerate_cells_do_not_warn() -> None:
    res = cell_statistics(np.array([[0, 0, 0, 0, 0], [0, 0, 0, 0, 5], [0, 1, 0, 0, 0]]))
    assert np.isnan(res.mean[:2]).all()
    assert res.mean[2] == 80.0
    assert list(res.reason) == ["no_valid_answers", "no_valid_answers", res.reason[2]]
    assert str(res.reason[2]) == "one_valid_answer"
    assert res.n_dont_know[1] == 5


def test_all_empty_input_warns() -> None:
    with pytest.warns(ScoringWarning, match="none of the 2 cells"):
        res = cell_statistics(np.zeros((2, 5)))
    assert np.isnan(res.mean).all()


def test_results_are_read_only() -> None:
    res = cell_statistics(np.array([1, 2, 3, 0, 0]))
    with pytest.raises(ValueError, match="read-only"):
        res.mean[...] = 0.0


@pytest.mark.parametrize(
    ("counts", "kwargs", "match"),
    [
        (np.ones(4), {}, "last axis of length 5"),
        (np.array([1, 2, -1, 0, 0]), {}, "non-negative"),
        (np.array([1.5, 2, 1, 0, 0]), {}, "whole numbers"),
        (np.array([1, 2, np.nan, 0, 0]), {}, "NaN"),
        (np.array([1, 2, 1, 0, 0]), {"weight_sums": np.ones(5)}, "together"),
        (
            np.array([1, 2, 1, 0, 0]),
            {"weight_sums": np.ones(5), "weight_sq_sums": np.ones(5)},
            "exactly where counts are",
        ),
        (
            np.array([1, 2, 1, 0, 0]),
            {"weight_sums": np.ones(4), "weight_sq_sums": np.ones(4)},
            "shape",
        ),
    ],
)
def test_validation(counts: np.ndarray, kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        cell_statistics(counts, **kwargs)


answers = st.lists(st.integers(min_value=0, max_value=4), min_size=0, max_size=60)


@settings(max_examples=60, deadline=None)
@given(answers, st.integers(min_value=0, max_value=3))
def test_statistics_stay_within_level_bounds(levels: list[int], k: int) -> None:
    counts = np.bincount(np.array(levels, dtype=int), minlength=5)
    valid = [SCORES[i] for i in levels if i < 4]
    if not valid:
        with pytest.warns(ScoringWarning, match="none of the 1 cells"):
            res = cell_statistics(counts, SatisfactionPolicy(trim_k=k))
        assert np.isnan(res.mean)
        assert np.isnan(res.trimmed_mean)
        return
    res = cell_statistics(counts, SatisfactionPolicy(trim_k=k))
    lo, hi = min(valid), max(valid)
    assert lo - 1e-9 <= res.mean <= hi + 1e-9
    assert POLICY.min_score <= res.mean <= POLICY.max_score
    assert 0.0 <= res.rate <= 1.0
    assert res.rate_ci_low <= res.rate <= res.rate_ci_high
    if len(valid) > 2 * k:
        assert lo - 1e-9 <= res.trimmed_mean <= hi + 1e-9
    else:
        assert np.isnan(res.trimmed_mean)
    if not np.isnan(res.ci_low):
        assert res.ci_low <= res.mean <= res.ci_high


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 4), st.floats(0.1, 10.0, allow_nan=False)),
        min_size=1,
        max_size=50,
    ),
    st.randoms(use_true_random=False),
)
def test_permuting_respondents_changes_nothing(
    respondents: list[tuple[int, float]], rnd: object
) -> None:
    import random

    assert isinstance(rnd, random.Random)
    assume(any(level < 4 for level, _ in respondents))
    shuffled = respondents[:]
    rnd.shuffle(shuffled)

    def summarise(rows: list[tuple[int, float]]) -> CellStatistics:
        lv = np.array([r[0] for r in rows])
        w = np.array([r[1] for r in rows])
        return cell_statistics(
            np.bincount(lv, minlength=5),
            weight_sums=np.bincount(lv, weights=w, minlength=5),
            weight_sq_sums=np.bincount(lv, weights=w**2, minlength=5),
        )

    a, b = summarise(respondents), summarise(shuffled)
    for name in ["n_valid", "mean", "sd", "se", "rate", "rate_ci_high", "trimmed_mean"]:
        assert_allclose(getattr(a, name), getattr(b, name), rtol=1e-12, atol=1e-12)
    assert a.reason == b.reason


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_permuting_cells_permutes_results(seed: int) -> None:
    counts = np.random.default_rng(seed).integers(0, 5, size=(12, 5))
    perm = np.random.default_rng(seed + 1).permutation(12)
    a, b = cell_statistics(counts), cell_statistics(counts[perm])
    for name in ["mean", "sd", "ci_low", "rate_ci_low", "trimmed_mean", "reason"]:
        assert_array_equal(getattr(a, name)[perm], getattr(b, name))


def test_levels_sharing_a_score_count_as_constant() -> None:
    policy = SatisfactionPolicy(
        level_scores={"very good": 100.0, "good": 100.0, "bad": 0.0},
        satisfied_levels=frozenset({"very good", "good"}),
    )
    res = cell_statistics(np.array([3, 2, 0, 1]), policy)
    assert res.mean == 100.0
    assert res.sd == 0.0
    assert "identical" in str(res.reason)
    assert res.n_dont_know == 1
