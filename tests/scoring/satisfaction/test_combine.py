"""Combined unit score over respondent groups."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy import stats

from scoring import (
    SatisfactionPolicy,
    ScoringWarning,
    cell_statistics,
    combine_groups,
    combine_groups_many,
    unit_score,
)


def test_hand_worked_combination() -> None:
    # A: mean 80, se 4, n 20, W 0.6 | B: mean 70, se 6, n 10, W 0.3 | C: n 3 < 5, W 0.1
    # C is dropped; weights renormalise to 0.6/0.9 = 2/3 and 0.3/0.9 = 1/3
    # score = 2/3 * 80 + 1/3 * 70 = 76.666667
    # a_A = (2/3)^2 * 16 = 7.111111, a_B = (1/3)^2 * 36 = 4, var = 11.111111, se = 3.333333
    # Satterthwaite df = 11.111111^2 / (7.111111^2 / 19 + 4^2 / 9)
    #                  = 123.45679 / (2.661468 + 1.777778) = 123.45679 / 4.439246 = 27.81030
    res = combine_groups(
        [80.0, 70.0, 50.0],
        [4.0, 6.0, 9.0],
        [20, 10, 3],
        [0.6, 0.3, 0.1],
        group_labels=["citizens", "enterprises", "deputies"],
    )
    assert res.score == pytest.approx(76.666667, abs=1e-6)
    assert res.se == pytest.approx(10.0 / 3.0, abs=1e-12)
    assert res.df == pytest.approx(27.81030, abs=1e-5)
    q = stats.t.ppf(0.975, res.df)
    assert res.ci_low == pytest.approx(res.score - q * res.se, abs=1e-12)
    assert res.ci_high == pytest.approx(res.score + q * res.se, abs=1e-12)
    assert res.groups_used == ("citizens", "enterprises")
    assert res.weights_used == pytest.approx((2 / 3, 1 / 3), abs=1e-15)
    assert [d.group for d in res.groups_dropped] == ["deputies"]
    assert res.groups_dropped[0].reason == "below_min_n"
    assert "Satterthwaite" in res.ci_method
    assert res.reason == ""


def test_normal_interval() -> None:
    res = combine_groups([80.0, 70.0], [4.0, 6.0], [20, 10], [2, 1], ci_method="normal")
    z = stats.norm.ppf(0.975)
    assert res.df == math.inf
    assert res.ci_low == pytest.approx(res.score - z * res.se, abs=1e-12)
    assert "normal" in res.ci_method


def test_zero_weight_group_is_ignored() -> None:
    res = combine_groups([80.0, 10.0], [4.0, 1.0], [20, 50], [1.0, 0.0])
    assert res.score == 80.0
    assert res.groups_dropped[0].reason == "zero_weight"


def test_no_group_left_warns_and_returns_nan() -> None:
    with pytest.warns(ScoringWarning, match="no respondent group"):
        res = combine_groups([80.0, np.nan], [4.0, np.nan], [3, 0], [1.0, 1.0])
    assert math.isnan(res.score)
    assert math.isnan(res.ci_low)
    assert res.groups_used == ()
    assert len(res.groups_dropped) == 2
    assert res.reason == "no_usable_group"


def test_constant_groups_give_nan_interval_with_reason() -> None:
    res = combine_groups([100.0, 80.0], [0.0, 0.0], [10, 12], [1.0, 1.0])
    assert res.score == 90.0
    assert res.se == 0.0
    assert math.isnan(res.ci_low)
    assert res.reason == "zero_spread"


def test_single_answer_group_with_min_n_one() -> None:
    res = combine_groups([100.0, 80.0], [np.nan, 2.0], [1, 12], [1.0, 1.0], min_n=1)
    assert res.score == 90.0
    assert math.isnan(res.se)
    assert "undefined" in res.reason


def test_unit_score_from_counts_matches_two_steps() -> None:
    counts = np.array([[10, 5, 3, 2, 4], [3, 2, 1, 0, 0], [1, 6, 2, 1, 0]])
    w = np.array([0.5, 0.3, 0.2])
    res = unit_score(counts, w, group_labels=["a", "b", "c"])
    cells = cell_statistics(counts)
    ref = combine_groups(cells.mean, cells.se, cells.n_valid, w, group_labels=["a", "b", "c"])
    assert res == ref
    # b has 6 valid answers, c has 10: all used
    assert res.groups_used == ("a", "b", "c")


def test_unit_score_all_empty_warns_once() -> None:
    with pytest.warns(ScoringWarning) as record:
        res = unit_score(np.zeros((2, 5)), [1.0, 1.0])
    assert len(record) == 1
    assert math.isnan(res.score)


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        (([80.0], [1.0], [10], [-1.0]), {}, "non-negative"),
        (([80.0, 70.0], [1.0], [10, 10], [1.0, 1.0]), {}, "se must have shape"),
        (([np.nan], [1.0], [10], [1.0]), {}, "NaN mean"),
        (([80.0], [1.0], [10], [1.0]), {"min_n": 0}, "min_n"),
        (([80.0], [1.0], [10], [1.0]), {"ci_method": "bootstrap"}, "ci_method"),
        (([80.0, 1.0], [1.0, 1.0], [10, 10], [1.0, 1.0]), {"group_labels": ["a", "a"]}, "unique"),
    ],
)
def test_validation(args: tuple[list[float], ...], kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        combine_groups(*args, **kwargs)  # type: ignore[arg-type]


group = st.tuples(
    st.floats(0.0, 100.0, allow_nan=False),  # mean
    st.floats(0.0, 20.0, allow_nan=False),  # se
    st.integers(0, 60),  # n_valid
    st.floats(0.0, 5.0, allow_nan=False),  # weight
)


@settings(max_examples=80, deadline=None)
@given(st.lists(group, min_size=1, max_size=8))
def test_weights_sum_to_one_and_score_in_range(
    groups: list[tuple[float, float, int, float]],
) -> None:
    mean, se, n, w = (np.array(col, dtype=float) for col in zip(*groups, strict=True))
    usable = (w > 0) & (n >= 5)
    if not usable.any():
        with pytest.warns(ScoringWarning):
            res = combine_groups(mean, se, n, w)
        assert math.isnan(res.score)
        return
    res = combine_groups(mean, se, n, w)
    assert sum(res.weights_used) == pytest.approx(1.0, abs=1e-12)
    assert all(v >= 0 for v in res.weights_used)
    assert mean[usable].min() - 1e-9 <= res.score <= mean[usable].max() + 1e-9
    assert 0.0 <= res.score <= 100.0
    assert len(res.groups_used) + len(res.groups_dropped) == len(groups)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(group, min_size=1, max_size=6),
    st.tuples(
        st.one_of(st.floats(0.0, 100.0), st.just(float("nan"))),
        st.integers(0, 4),
        st.floats(0.0, 5.0, allow_nan=False),
    ),
    st.integers(0, 6),
)
def test_group_below_min_n_never_changes_score(
    groups: list[tuple[float, float, int, float]],
    small: tuple[float, int, float],
    position: int,
) -> None:
    groups = [(m, s, max(n, 5), w + 0.01) for m, s, n, w in groups]
    mean, se, n, w = (np.array(col, dtype=float) for col in zip(*groups, strict=True))
    base = combine_groups(mean, se, n, w)
    at = min(position, len(groups))
    extra_mean, extra_n, extra_w = small
    with_small = combine_groups(
        np.insert(mean, at, extra_mean),
        np.insert(se, at, np.nan),
        np.insert(n, at, extra_n),
        np.insert(w, at, extra_w),
    )
    # Bit-for-bit: the dropped group must not even reorder the arithmetic.
    assert with_small.score == base.score
    assert with_small.se == base.se
    assert (with_small.df == base.df) or (math.isnan(with_small.df) and math.isnan(base.df))
    assert with_small.weights_used == base.weights_used
    assert len(with_small.groups_dropped) == 1


def test_policy_min_n_is_used_by_unit_score() -> None:
    counts = np.array([[3, 0, 0, 0, 0], [0, 0, 0, 3, 0]])
    with pytest.warns(ScoringWarning, match="min_n = 5"):
        strict = unit_score(counts, [1.0, 1.0], group_labels=["a", "b"])
    assert math.isnan(strict.score)
    assert strict.groups_used == ()
    lenient = unit_score(counts, [1.0, 1.0], SatisfactionPolicy(min_n=3))
    assert lenient.score == 50.0
    assert_allclose(lenient.weights_used, [0.5, 0.5])


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


@pytest.mark.parametrize("ci_method", ["satterthwaite", "normal"])
@pytest.mark.parametrize("groups", [1, 3, 7, 9, 12])
def test_many_units_at_once_equal_combine_groups_bit_for_bit(ci_method: str, groups: int) -> None:
    # Random units with dropped groups (small n, zero weight), groups of one answer (NaN se),
    # zero spread, NaN means in dropped groups and units left with no group at all.
    rng = np.random.default_rng(groups)
    units = 60
    n = rng.integers(0, 40, size=(units, groups)).astype(float)
    n[rng.random((units, groups)) < 0.2] = rng.integers(0, 5, size=1)[0]
    n[-1] = 2.0  # below min_n everywhere
    mean = rng.uniform(0, 100, size=(units, groups))
    mean[n == 0] = np.nan
    se = rng.uniform(0, 9, size=(units, groups))
    se[rng.random((units, groups)) < 0.1] = 0.0
    se[n == 1] = np.nan
    w = rng.uniform(0, 1, size=groups)
    w[rng.random(groups) < 0.2] = 0.0
    w[0] = max(w[0], 0.1)
    many = combine_groups_many(mean, se, n, w, min_n=5, ci_method=ci_method)  # type: ignore[arg-type]
    for u in range(units):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ScoringWarning)
            one = combine_groups(mean[u], se[u], n[u], w, min_n=5, ci_method=ci_method)  # type: ignore[arg-type]
        for name in ("score", "se", "ci_low", "ci_high", "df"):
            assert _same(getattr(many, name)[u], getattr(one, name)), (u, name)
        assert many.reason[u] == one.reason
        assert tuple(many.weights[u][many.used[u]]) == one.weights_used
    assert many.reason[-1] and np.isnan(many.score[-1])


def test_many_units_refuse_what_combine_groups_refuses() -> None:
    n = np.array([[10.0, 10.0]])
    with pytest.raises(ValueError, match="NaN mean"):
        combine_groups_many([[np.nan, 50.0]], [[1.0, 1.0]], n, [0.5, 0.5])
    with pytest.raises(ValueError, match="non-negative"):
        combine_groups_many([[50.0, 50.0]], [[-1.0, 1.0]], n, [0.5, 0.5])
    with pytest.raises(ValueError, match="shape"):
        combine_groups_many([[50.0, 50.0]], [[1.0]], n, [0.5, 0.5])
