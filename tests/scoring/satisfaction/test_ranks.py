"""Rank uncertainty by resampling the count tables."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import stats

from scoring import (
    SatisfactionPolicy,
    ScoringWarning,
    cell_mean_draws,
    rank_uncertainty,
    unit_score,
)

W = np.array([0.6, 0.4])


def _counts(seed: int, units: int = 6) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 15, size=(units, 2, 5))


def test_point_scores_match_unit_score() -> None:
    counts = _counts(1)
    res = rank_uncertainty(counts, W, n_draws=200, seed=1)
    for i in range(counts.shape[0]):
        assert res.score[i] == pytest.approx(unit_score(counts[i], W).score, rel=1e-12)


def test_shapes_and_probability_rows() -> None:
    counts = _counts(2, units=7)
    res = rank_uncertainty(counts, W, unit_labels=list("ABCDEFG"), n_draws=500, seed=2)
    assert res.units == tuple("ABCDEFG")
    assert res.rank_probabilities.shape == (7, 7)
    assert_allclose(res.rank_probabilities.sum(axis=1), 1.0, rtol=1e-12)
    assert (res.rank_low <= res.median_rank).all()
    assert (res.median_rank <= res.rank_high).all()
    assert set(np.unique(res.median_rank)) <= set(range(1, 8))
    assert len(res.adjacent_pairs) == 6
    order = np.argsort(-res.score, kind="stable")
    assert [p.higher for p in res.adjacent_pairs] == [res.units[i] for i in order[:-1]]
    assert res.n_draws == 500
    assert res.interval_level == 0.90


def test_seeded_runs_are_reproducible() -> None:
    counts = _counts(3)
    a = rank_uncertainty(counts, W, n_draws=300, seed=42)
    b = rank_uncertainty(counts, W, n_draws=300, seed=np.random.default_rng(42))
    assert_array_equal(a.rank_probabilities, b.rank_probabilities)
    assert a.adjacent_pairs == b.adjacent_pairs


def test_constant_answers_give_certain_ranks() -> None:
    # Every respondent of a unit gives the same answer, so every draw repeats the point
    # scores: 100 > 80 > 60 for units A, B, C; rank probabilities are exactly 0 or 1.
    counts = np.zeros((3, 2, 5), dtype=int)
    counts[0, :, 0] = 10
    counts[1, :, 1] = 10
    counts[2, :, 2] = 10
    for method in ("multinomial", "dirichlet"):
        res = rank_uncertainty(
            counts, W, unit_labels=["A", "B", "C"], n_draws=50, seed=0, method=method
        )
        assert_array_equal(res.point_rank, [1, 2, 3])
        assert_array_equal(res.rank_probabilities, np.eye(3))
        assert [p.p_higher_beats_lower for p in res.adjacent_pairs] == [1.0, 1.0]
        assert not any(p.tied for p in res.adjacent_pairs)


def test_identical_units_are_tied_and_share_ranks() -> None:
    counts = np.tile(np.array([[8, 6, 4, 2, 1], [5, 5, 5, 5, 0]]), (2, 1, 1))
    res = rank_uncertainty(counts, W, unit_labels=["X", "Y"], n_draws=2000, seed=5)
    assert_array_equal(res.point_rank, [1, 1])  # competition ranking of equal scores
    pair = res.adjacent_pairs[0]
    assert pair.tied
    assert pair.p_higher_beats_lower == pytest.approx(0.5, abs=0.05)
    assert_allclose(res.rank_probabilities, 0.5, atol=0.05)


def test_clearly_separated_units() -> None:
    big = np.zeros((2, 2, 5), dtype=int)
    big[0, :, :4] = [400, 50, 30, 20]
    big[1, :, :4] = [100, 150, 150, 100]
    res = rank_uncertainty(big, W, n_draws=400, seed=9, method="dirichlet")
    assert res.rank_probabilities[0, 0] == 1.0
    assert not res.adjacent_pairs[0].tied


def test_two_units_rank_probability_equals_beat_probability() -> None:
    counts = _counts(8, units=2)
    res = rank_uncertainty(counts, W, n_draws=1000, seed=8)
    higher = res.units.index(res.adjacent_pairs[0].higher)
    p = res.adjacent_pairs[0].p_higher_beats_lower
    # P(rank 1) = P(strictly ahead) + P(tied), the pair probability counts ties as one half,
    # so the two agree up to half the tie share; with continuous-ish scores ties are rare.
    assert res.rank_probabilities[higher, 0] == pytest.approx(p, abs=0.02)


def test_unscorable_unit_is_left_out_with_warning() -> None:
    counts = _counts(4, units=4)
    counts[2] = 0
    counts[2, :, 0] = 2  # below min_n in both groups
    with pytest.warns(ScoringWarning, match="left out of the ranking"):
        res = rank_uncertainty(counts, W, unit_labels=list("ABCD"), n_draws=200, seed=1)
    assert np.isnan(res.score[2])
    assert np.isnan(res.point_rank[2])
    assert np.isnan(res.rank_probabilities[2]).all()
    assert res.rank_probabilities.shape == (4, 3)
    assert res.not_ranked[0][0] == "C"
    assert "C" not in {p.higher for p in res.adjacent_pairs} | {p.lower for p in res.adjacent_pairs}


def test_min_n_from_policy_fixes_groups_across_draws() -> None:
    counts = _counts(6, units=3)
    counts[:, 1] = 0
    counts[:, 1, 3] = 2  # group 1 has 2 answers, all dissatisfied: dropped under min_n 5
    lenient = SatisfactionPolicy(min_n=1)
    dropped = rank_uncertainty(counts, W, n_draws=100, seed=3)
    kept = rank_uncertainty(counts, W, lenient, n_draws=100, seed=3)
    assert (kept.score < dropped.score).all()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_draws": 0}, "n_draws"),
        ({"method": "jackknife"}, "method"),
        ({"tie_alpha": 0.5}, "tie_alpha"),
        ({"unit_labels": ["a"]}, "unit_labels"),
    ],
)
def test_validation(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        rank_uncertainty(_counts(1, units=2), W, **kwargs)  # type: ignore[arg-type]


def test_bad_shapes() -> None:
    with pytest.raises(ValueError, match="units, groups"):
        rank_uncertainty(np.ones((2, 5)), W)
    with pytest.raises(ValueError, match="group_weights"):
        rank_uncertainty(_counts(1), [1.0, 2.0, 3.0])


def test_two_units_hand_worked() -> None:
    # A: one 满意 and one 比较满意 -> redrawn mean 100, 90, 80 with 1/4, 1/2, 1/4.
    # B: four 比较满意 -> always 80. A beats B with 3/4 and ties with 1/4, so
    # P(A beats B) = 3/4 + 1/8 = 7/8 (tied: 0.05 < 7/8 < 0.95); A has rank 1 in every
    # draw (a tie shares the best rank) and B rank 1 in the tied quarter, rank 2 otherwise.
    counts = np.zeros((2, 1, 5), dtype=int)
    counts[0, 0, :2] = 1
    counts[1, 0, 1] = 4
    res = rank_uncertainty(
        counts, [1.0], SatisfactionPolicy(min_n=1), unit_labels=["A", "B"], n_draws=20_000, seed=4
    )
    assert_array_equal(res.point_rank, [1, 2])
    assert_allclose(res.rank_probabilities, [[1.0, 0.0], [0.25, 0.75]], atol=0.015)
    pair = res.adjacent_pairs[0]
    assert (pair.higher, pair.lower) == ("A", "B")
    assert pair.p_higher_beats_lower == pytest.approx(0.875, abs=0.01)
    assert pair.tied
    assert_array_equal(res.rank_low, [1, 1])
    assert_array_equal(res.median_rank, [1, 2])
    assert_array_equal(res.rank_high, [1, 2])


def _reference_rank_probabilities(counts: np.ndarray, w: np.ndarray, draws: int) -> np.ndarray:
    """Rank probabilities by numpy's multinomial redraws and a plain competition ranking."""
    rng = np.random.default_rng(99)
    x = np.array([100.0, 80.0, 60.0, 0.0])
    valid = counts[..., :4]
    n = valid.sum(axis=-1)
    sample = rng.multinomial(n, valid / n[..., None], size=(draws, *n.shape))
    means = sample @ x / n
    scores = (means * w).sum(axis=-1) / w.sum()
    ranks = 1 + (scores[:, None, :] > scores[:, :, None]).sum(axis=-1)
    units = counts.shape[0]
    return np.stack([(ranks == r).mean(axis=0) for r in range(1, units + 1)], axis=1)


def test_rank_probabilities_match_independent_resampling() -> None:
    # Five units whose scores overlap, 40-400 answers per group: the table sampler and a
    # plain numpy multinomial resampling must give the same rank distributions.
    rng = np.random.default_rng(21)
    shares = rng.dirichlet([6, 3, 2, 1, 2], size=5)
    sizes = np.array([400, 40])
    counts = np.stack([[rng.multinomial(s, p) for s in sizes] for p in shares])
    res = rank_uncertainty(counts, W, n_draws=8_000, seed=22)
    reference = _reference_rank_probabilities(counts, W, 8_000)
    assert_allclose(res.rank_probabilities, reference, atol=0.03)
    assert_allclose(res.rank_probabilities.sum(axis=1), 1.0, rtol=1e-12)
    assert res.rank_probabilities.sum() == pytest.approx(5.0, rel=1e-12)
    assert ((res.rank_low <= res.point_rank) & (res.point_rank <= res.rank_high)).all()


def test_given_cell_draws_hand_worked() -> None:
    # Four draws given by hand, one group: A = 70, 80, 90, 100 and B = 85 throughout.
    # A beats B in two draws of four, and ranks follow draw by draw.
    counts = np.zeros((2, 1, 5), dtype=int)
    counts[0, 0, :2] = 1
    counts[1, 0, 1] = 4
    draws = np.array([[[70.0, 80.0, 90.0, 100.0]], [[85.0, 85.0, 85.0, 85.0]]])
    res = rank_uncertainty(
        counts,
        [1.0],
        SatisfactionPolicy(min_n=1),
        unit_labels=["A", "B"],
        n_draws=4,
        cell_draws=draws,
    )
    assert_allclose(res.rank_probabilities, [[0.5, 0.5], [0.5, 0.5]])
    assert res.adjacent_pairs[0].p_higher_beats_lower == 0.5
    assert res.adjacent_pairs[0].tied


def test_given_cell_draws_from_streams_match_independent_resampling() -> None:
    # The service's path: cell draws from a stream per cell, then ranked.
    rng = np.random.default_rng(21)
    shares = rng.dirichlet([6, 3, 2, 1, 2], size=5)
    sizes = np.array([400, 40])
    counts = np.stack([[rng.multinomial(s, p) for s in sizes] for p in shares])
    cells = counts.reshape(10, 5)[:, :4]
    draws = cell_mean_draws(cells, [100.0, 80.0, 60.0, 0.0], 8_000, seed=5, streams=range(10))
    res = rank_uncertainty(counts, W, n_draws=8_000, cell_draws=draws.reshape(5, 2, 8_000))
    reference = _reference_rank_probabilities(counts, W, 8_000)
    assert_allclose(res.rank_probabilities, reference, atol=0.03)


def test_given_cell_draws_validation() -> None:
    counts = _counts(3, units=3)
    with pytest.raises(ValueError, match="shape"):
        rank_uncertainty(counts, W, n_draws=10, cell_draws=np.zeros((3, 2, 9)))
    with pytest.raises(ValueError, match="multinomial"):
        rank_uncertainty(counts, W, n_draws=10, cell_draws=np.zeros((3, 2, 10)), method="dirichlet")
    with pytest.raises(ValueError, match="finite"):
        rank_uncertainty(counts, W, n_draws=10, cell_draws=np.full((3, 2, 10), np.nan))


@pytest.mark.parametrize(("units", "draws"), [(5, 999), (40, 2000), (70, 333)])
def test_rank_intervals_of_given_draws_match_scipy(units: int, draws: int) -> None:
    # Rank intervals and probabilities from given draws, recomputed independently: scipy's
    # "min" ranks of every draw's combined scores and numpy's inverted-CDF quantiles. Scores
    # rounded to whole points tie often, in categories below and above the pairwise path.
    rng = np.random.default_rng(units)
    counts = rng.integers(5, 15, size=(units, 2, 5))
    cell = np.round(rng.normal(80, 3, size=(units, 2, draws)))
    res = rank_uncertainty(counts, W, SatisfactionPolicy(min_n=1), n_draws=draws, cell_draws=cell)
    combined = np.einsum("ugd,g->du", cell, W) / W.sum()
    ranks = stats.rankdata(-combined, method="min", axis=1)
    low, median, high = np.quantile(ranks, [0.05, 0.5, 0.95], axis=0, method="inverted_cdf")
    assert_array_equal(res.rank_low, low)
    assert_array_equal(res.median_rank, median)
    assert_array_equal(res.rank_high, high)
    expected = np.stack([(ranks == r).mean(axis=0) for r in range(1, units + 1)], axis=1)
    assert_allclose(res.rank_probabilities, expected)
