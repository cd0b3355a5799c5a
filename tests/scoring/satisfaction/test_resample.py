"""Exact draws of cell mean scores: tables against enumeration, draws against numpy."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import stats

import scoring.satisfaction._resample as resample
from scoring.satisfaction._resample import (
    cell_mean_draws,
    mean_distribution,
    multinomial_cell_means,
)

SCORES = np.array([100.0, 80.0, 60.0, 0.0])


def _enumerate(counts: list[int], scores: np.ndarray) -> dict[float, float]:
    """Distribution of the mean score by listing every multinomial outcome (scipy's pmf)."""
    n = sum(counts)
    p = np.array(counts) / n
    out: dict[float, float] = {}
    for x in itertools.product(range(n + 1), repeat=len(counts) - 1):
        if sum(x) > n:
            continue
        outcome = [*x, n - sum(x)]
        mean = round(float(np.dot(outcome, scores)) / n, 9)
        out[mean] = out.get(mean, 0.0) + float(stats.multinomial.pmf(outcome, n, p))
    return {m: q for m, q in out.items() if q > 0}


def _moments(counts: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and variance of the cell mean under Multinomial(n, shares): mu, sigma^2 / n."""
    n = counts.sum(axis=1)
    p = counts / n[:, None]
    mu = p @ scores
    return mu, (p @ scores**2 - mu**2) / n


def test_two_answers_hand_worked() -> None:
    # One 满意 (100) and one 比较满意 (80): redrawing two answers with shares 1/2, 1/2 gives
    # 100 (both 100) with 1/4, 90 with 1/2 and 80 with 1/4.
    support, probability = mean_distribution(np.array([1.0, 1.0, 0.0, 0.0]), SCORES)
    assert_allclose(support, [80.0, 90.0, 100.0])
    assert_allclose(probability, [0.25, 0.5, 0.25], atol=1e-15)
    draws = multinomial_cell_means(
        np.random.default_rng(7), np.array([[1.0, 1.0, 0.0, 0.0]]), SCORES, 40_000
    )[0]
    observed = [np.sum(draws == v) for v in (80.0, 90.0, 100.0)]
    assert sum(observed) == 40_000
    assert stats.chisquare(observed, [10_000, 20_000, 10_000]).pvalue > 1e-3


@pytest.mark.parametrize(
    "counts", [[3, 2, 1, 1], [5, 0, 2, 3], [0, 4, 0, 6], [2, 2, 2, 2], [1, 0, 0, 9], [6, 1, 1, 0]]
)
def test_table_matches_enumeration(counts: list[int]) -> None:
    expected = _enumerate(counts, SCORES)
    support, probability = mean_distribution(np.array(counts, dtype=float), SCORES)
    got = dict(zip(np.round(support, 9).tolist(), probability.tolist(), strict=True))
    for mean in set(expected) | set(got):
        assert got.get(mean, 0.0) == pytest.approx(expected.get(mean, 0.0), abs=1e-14)


def test_windowed_table_matches_repeated_convolution() -> None:
    # 3,000 answers: the lattice runs 0..15,000 but the table is a window of a few thousand
    # points around the mean; direct convolution powers give the whole distribution.
    counts = np.array([1400.0, 900.0, 500.0, 200.0])
    n = int(counts.sum())
    support, probability = mean_distribution(counts, SCORES)
    assert support.size < 5 * n
    one = np.zeros(6)
    one[[5, 4, 3, 0]] = counts / n
    total, base, k = np.array([1.0]), one, n
    while k:
        if k & 1:
            total = np.convolve(total, base)
        k >>= 1
        if k:
            base = np.convolve(base, base)
    lattice = np.round(support * n / 20).astype(int)
    inside = total[lattice]
    # Total variation: the differences inside the window plus the mass outside it.
    assert np.abs(inside - probability).sum() + (1.0 - inside.sum()) < 1e-10
    assert_allclose(np.dot(support, probability), counts @ SCORES / n, rtol=1e-12)


def test_coarser_lattice_of_a_cell() -> None:
    # Only 100 and 60 chosen: the cell's lattice steps by 40 points, a binomial.
    support, probability = mean_distribution(np.array([3.0, 0.0, 1.0, 0.0]), SCORES)
    assert_allclose(support, [60.0, 70.0, 80.0, 90.0, 100.0])
    assert_allclose(probability, stats.binom.pmf(range(5), 4, 0.75), atol=1e-15)


def _cells() -> np.ndarray:
    return np.array(
        [
            [8000.0, 5000.0, 2500.0, 800.0],  # windowed table
            [300.0, 100.0, 50.0, 20.0],
            [3.0, 2.0, 0.0, 1.0],  # a level never chosen
            [0.0, 5.0, 5.0, 0.0],  # two levels: binomial
            [10.0, 0.0, 0.0, 0.0],  # constant
            [1.0, 0.0, 0.0, 40.0],  # skewed
        ]
    )


@pytest.mark.parametrize("max_table", [1 << 14, 64])
def test_draws_match_numpy_multinomial(max_table: int) -> None:
    # Independent reference: numpy's multinomial redraws of the same cells. With max_table
    # 64 the larger cells take the multinomial path themselves and the rest use tables.
    counts = _cells()
    n = counts.sum(axis=1)
    draws = multinomial_cell_means(
        np.random.default_rng(11), counts, SCORES, 20_000, max_table=max_table
    )
    sample = np.random.default_rng(12).multinomial(
        n.astype(int), counts / n[:, None], size=(20_000, len(counts))
    )
    reference = (sample @ SCORES / n).T
    mu, var = _moments(counts, SCORES)
    for c in range(len(counts)):
        assert draws[c].mean() == pytest.approx(mu[c], abs=5 * np.sqrt(var[c] / 20_000) + 1e-12)
        assert draws[c].var() == pytest.approx(var[c], rel=0.05, abs=1e-12)
        if var[c] > 0:
            assert stats.ks_2samp(draws[c], reference[c]).pvalue > 1e-3
        else:
            assert_array_equal(draws[c], reference[c])


def test_scores_without_decimal_lattice_use_numpy_multinomial() -> None:
    scores = np.array([100.0, 200.0 / 3.0, 100.0 / 3.0, 0.0])
    counts = _cells()[:3]
    with pytest.raises(ValueError, match="decimals"):
        mean_distribution(counts[0], scores)
    draws = multinomial_cell_means(np.random.default_rng(3), counts, scores, 20_000)
    mu, var = _moments(counts, scores)
    assert_allclose(draws.mean(axis=1), mu, atol=float(5 * np.sqrt(var.max() / 20_000)))
    assert_allclose(draws.var(axis=1), var, rtol=0.05)


def test_decimal_scores() -> None:
    # Half points: the lattice is scaled by 10 and the draws keep the exact moments.
    scores = np.array([100.0, 87.5, 62.5, 0.0])
    counts = np.array([[40.0, 30.0, 20.0, 10.0]])
    support, probability = mean_distribution(counts[0], scores)
    mu, var = _moments(counts, scores)
    mean = np.dot(support, probability)
    assert mean == pytest.approx(mu[0], rel=1e-12)
    assert np.dot(support**2, probability) - mean**2 == pytest.approx(var[0], rel=1e-9)


def test_seeded_and_chunked_draws(monkeypatch: pytest.MonkeyPatch) -> None:
    counts = _cells()
    a = multinomial_cell_means(np.random.default_rng(5), counts, SCORES, 3_000)
    b = multinomial_cell_means(np.random.default_rng(5), counts, SCORES, 3_000)
    assert_array_equal(a, b)
    # Small memory bounds split the cells into several chunks; the draws keep their law.
    monkeypatch.setattr(resample, "_TABLE_ELEMENTS", 256)
    monkeypatch.setattr(resample, "_DRAW_ELEMENTS", 6_000)
    c = multinomial_cell_means(np.random.default_rng(5), counts, SCORES, 3_000)
    mu, var = _moments(counts, SCORES)
    assert_allclose(c.mean(axis=1), mu, atol=float(5 * np.sqrt(var.max() / 3_000)))
    assert_allclose(c.var(axis=1), var, rtol=0.1)


def test_guide_inversion_equals_searchsorted() -> None:
    # Tables with flat stretches (levels of probability 0) and of different lengths, laid
    # end to end as the sampler lays them; the guide lookup must give searchsorted's answer.
    rng = np.random.default_rng(2)
    lengths = np.array([1, 3, 7, 64, 100, 1000], dtype=np.int64)
    tables = []
    for size in lengths:
        pmf = rng.random(size) * (rng.random(size) < 0.6)
        pmf[-1] += 1e-3
        cdf = np.cumsum(pmf)
        tables.append(cdf / cdf[-1])
    cdf, guide, buckets, guide_offset = resample._guides([t[None, :] for t in tables])
    u = rng.random((lengths.size, 5_000))
    u[:, :4] = [0.0, 0.5, 1.0 - 2.0**-53, 0.25]  # edges and exact bucket boundaries
    bucket = (u * buckets[:, None]).astype(np.int64) + guide_offset[:, None]
    got = resample._invert(cdf, guide, bucket.ravel(), u.ravel()).reshape(u.shape)
    offset = np.cumsum(lengths) - lengths
    for t, table in enumerate(tables):
        assert_array_equal(got[t] - offset[t], np.searchsorted(table, u[t], side="right"))


def test_cell_streams_match_numpy_multinomial() -> None:
    # Each cell from its own stream: the same law as numpy's multinomial (both table and
    # fallback paths), checked as for the single-generator sampler.
    counts = _cells()
    n = counts.sum(axis=1)
    streams = np.array([7, 0, 2**64 - 1, 3, 12, 5], dtype=np.uint64)
    for max_table in (1 << 14, 64):
        draws = cell_mean_draws(
            counts, SCORES, 20_000, seed=31, streams=streams, max_table=max_table
        )
        sample = np.random.default_rng(32).multinomial(
            n.astype(int), counts / n[:, None], size=(20_000, len(counts))
        )
        reference = (sample @ SCORES / n).T
        mu, var = _moments(counts, SCORES)
        for c in range(len(counts)):
            assert draws[c].mean() == pytest.approx(mu[c], abs=5 * np.sqrt(var[c] / 20_000) + 1e-12)
            if var[c] > 0:
                assert stats.ks_2samp(draws[c], reference[c]).pvalue > 1e-3
            else:
                assert_array_equal(draws[c], reference[c])


@pytest.mark.parametrize("scores", [SCORES, np.array([100.0, 200.0 / 3.0, 100.0 / 3.0, 0.0])])
def test_a_cells_draws_depend_on_its_stream_and_counts_only(scores: np.ndarray) -> None:
    counts = _cells()
    streams = np.arange(10, 10 + len(counts), dtype=np.int64)
    together = cell_mean_draws(counts, scores, 500, seed=8, streams=streams)
    # Drawn alone, in another order or beside other cells: the same numbers.
    for c in range(len(counts)):
        alone = cell_mean_draws(counts[c : c + 1], scores, 500, seed=8, streams=streams[c : c + 1])
        assert_array_equal(alone[0], together[c])
    order = np.array([5, 3, 1, 0, 2, 4])
    shuffled = cell_mean_draws(counts[order], scores, 500, seed=8, streams=streams[order])
    assert_array_equal(shuffled, together[order])
    # Another seed or stream number gives other draws; distinct streams are independent.
    assert not np.array_equal(
        cell_mean_draws(counts[:1], scores, 500, seed=9, streams=streams[:1]), together[:1]
    )
    same_counts = np.repeat(counts[1:2], 2, axis=0)
    pair = cell_mean_draws(same_counts, scores, 20_000, seed=8, streams=[1, 2])
    assert abs(np.corrcoef(pair)[0, 1]) < 0.03


def test_cell_streams_validation() -> None:
    counts = _cells()[:2]
    with pytest.raises(ValueError, match="streams"):
        cell_mean_draws(counts, SCORES, 10, seed=1, streams=[1])
    with pytest.raises(ValueError, match="streams"):
        cell_mean_draws(counts, SCORES, 10, seed=1, streams=[1, -2])
    with pytest.raises(ValueError, match="seed"):
        cell_mean_draws(counts, SCORES, 10, seed=-1, streams=[1, 2])
    with pytest.raises(ValueError, match="n_draws"):
        cell_mean_draws(counts, SCORES, 0, seed=1, streams=[1, 2])
    with pytest.raises(ValueError, match="at least one answer"):
        cell_mean_draws(np.zeros((1, 4)), SCORES, 10, seed=1, streams=[1])
    with pytest.raises(ValueError, match="shape"):
        cell_mean_draws(counts[:, :3], SCORES, 10, seed=1, streams=[1, 2])


def test_cell_streams_far_apart_and_out_of_order() -> None:
    # Stream numbers as the service makes them (unit id << 32 | group id), up to 2**64 - 1,
    # in falling order: each cell's draws are those it gets alone.
    counts = _cells()[:4]
    streams = np.array([2**64 - 1, (7 << 32) | 3, (7 << 32) | 2, 5], dtype=np.uint64)
    together = cell_mean_draws(counts, SCORES, 300, seed=3, streams=streams)
    for c in range(len(counts)):
        alone = cell_mean_draws(counts[c : c + 1], SCORES, 300, seed=3, streams=streams[c : c + 1])
        assert_array_equal(alone[0], together[c])
