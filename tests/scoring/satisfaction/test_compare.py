"""Significance of comparisons: Welch tests against scipy and statsmodels, the unit against
the rest of its category by hand, p-value adjustment against statsmodels, reliability flags."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

from scoring import (
    SatisfactionPolicy,
    adjust_p_values,
    cell_statistics,
    coefficient_of_variation,
    compare_estimates,
    compare_group_pairs,
    compare_with_rest,
    group_pairs,
    kish_design_effect,
    reliability,
)


def test_two_estimates_is_welch_from_summary_statistics() -> None:
    mean1, sd1, n1 = (
        np.array([82.0, 70.0, 55.5]),
        np.array([12.0, 20.0, 8.0]),
        np.array([41, 9, 120]),
    )
    mean2, sd2, n2 = (
        np.array([75.0, 71.0, 60.0]),
        np.array([15.0, 5.0, 30.0]),
        np.array([31, 50, 6]),
    )
    found = compare_estimates(
        mean1, sd1 / np.sqrt(n1), mean2, sd2 / np.sqrt(n2), df_a=n1 - 1, df_b=n2 - 1
    )
    expected = stats.ttest_ind_from_stats(mean1, sd1, n1, mean2, sd2, n2, equal_var=False)
    assert_allclose(found.statistic, expected.statistic, rtol=1e-12)
    assert_allclose(found.p_value, expected.pvalue, rtol=1e-10)
    assert_allclose(found.difference, mean1 - mean2)


def test_without_df_it_is_a_z_test() -> None:
    # Docstring case: 82 (se 2) against 75 (se 2.5): d = 7, se = sqrt(10.25).
    found = compare_estimates(82.0, 2.0, 75.0, 2.5)
    z = 7.0 / math.sqrt(10.25)
    assert_allclose(found.statistic, z, rtol=1e-12)
    assert_allclose(found.p_value, 2 * stats.norm.sf(z), rtol=1e-12)
    assert found.df == np.inf


def test_missing_or_zero_spread_gives_no_test() -> None:
    found = compare_estimates(
        [80.0, np.nan, 90.0], [0.0, 1.0, 1.0], [80.0, 70.0, 80.0], [0.0, 1.0, 1.0]
    )
    assert np.isnan(found.p_value[:2]).all()
    assert math.isfinite(found.p_value[2])
    with pytest.raises(ValueError, match="non-negative"):
        compare_estimates(1.0, -1.0, 2.0, 1.0)


def test_group_pairs_match_statsmodels_on_raw_answers() -> None:
    # Three groups of one unit answer on the 100/80/60/0 scale; each pair of groups is
    # Welch's t test of the raw answers (statsmodels), the same numbers from the counts.
    policy = SatisfactionPolicy()
    levels = np.array([100.0, 80.0, 60.0, 0.0])
    counts = np.array([[[12, 5, 2, 1, 0], [3, 4, 6, 5, 1], [8, 8, 2, 0, 2]]], dtype=float)
    cells = cell_statistics(counts, policy)
    found = compare_group_pairs(cells.mean, cells.se, cells.df)
    first, second = group_pairs(3)
    assert list(zip(first.tolist(), second.tolist(), strict=True)) == [(0, 1), (0, 2), (1, 2)]
    for k, (g, h) in enumerate(zip(first, second, strict=True)):
        a = np.repeat(levels, counts[0, g, :4].astype(int))
        b = np.repeat(levels, counts[0, h, :4].astype(int))
        t, p, df = CompareMeans(DescrStatsW(a), DescrStatsW(b)).ttest_ind(usevar="unequal")
        assert_allclose(found.statistic[0, k], t, rtol=1e-10)
        assert_allclose(found.p_value[0, k], p, rtol=1e-9)
        assert_allclose(found.df[0, k], df, rtol=1e-10)


def test_unit_against_rest_of_category_by_hand() -> None:
    # Category A: 80 (se 2, df 10), 70 (se 3, df 20), 60 (se 4, df 30); category B: one unit.
    score = [80.0, 70.0, 60.0, 50.0, np.nan]
    se = [2.0, 3.0, 4.0, 1.0, np.nan]
    df = [10.0, 20.0, 30.0, 9.0, np.nan]
    found = compare_with_rest(score, se, ["A", "A", "A", "B", "A"], df=df)
    # Unit 0: rest mean (70 + 60)/2 = 65; var = 4 + (9 + 16)/4 = 10.25; Satterthwaite over
    # the terms 4 (df 10), 9/4 (df 20), 16/4 (df 30).
    nu = 10.25**2 / (4**2 / 10 + 2.25**2 / 20 + 4**2 / 30)
    t = 15 / math.sqrt(10.25)
    assert_allclose(found.difference[:3], [15.0, 0.0, -15.0])
    assert_allclose(found.se[0], math.sqrt(10.25), rtol=1e-12)
    assert_allclose(found.df[0], nu, rtol=1e-12)
    assert_allclose(found.p_value[0], 2 * stats.t.sf(t, nu), rtol=1e-10)
    # Unit 1: rest (80 + 60)/2 = 70, difference 0, p = 1.
    assert_allclose(found.p_value[1], 1.0)
    # Alone in its category, or unscored: no test.
    assert np.isnan(found.p_value[3:]).all()


def test_rest_of_category_without_df_is_a_z_test() -> None:
    found = compare_with_rest([80.0, 70.0, 60.0], [2.0, 3.0, 4.0], ["A", "A", "A"])
    z = -15 / math.sqrt(16 + (4 + 9) / 4)
    assert_allclose(found.p_value[2], 2 * stats.norm.sf(abs(z)), rtol=1e-12)


@pytest.mark.parametrize("method", ["holm", "bonferroni", "fdr_bh"])
def test_adjustment_matches_statsmodels(method: str) -> None:
    rng = np.random.default_rng(7)
    p = rng.uniform(0, 0.2, size=(4, 9))
    p[1, 3] = p[1, 5]  # a tie
    p[2, [0, 4, 8]] = np.nan  # tests not made
    found = adjust_p_values(p, method)  # type: ignore[arg-type]
    for row, got in zip(p, found, strict=True):
        made = ~np.isnan(row)
        expected = multipletests(row[made], method=method)[1]
        assert_allclose(got[made], expected, rtol=1e-12)
        assert np.isnan(got[~made]).all()


def test_holm_by_hand_and_by_family() -> None:
    # Holm on 0.01, 0.04, 0.03: sorted 0.01*3 = 0.03, 0.03*2 = 0.06, max(0.04*1, 0.06) = 0.06.
    assert_allclose(adjust_p_values([0.01, 0.04, 0.03]), [0.03, 0.06, 0.06])
    found = adjust_p_values([0.01, 0.2, 0.04, 0.03, np.nan], families=["a", "b", "a", "a", "b"])
    assert_allclose(found, [0.03, 0.2, 0.06, 0.06, np.nan])


def test_reliability_flags_and_design_effect() -> None:
    cv = coefficient_of_variation([80.0, 10.0, 20.0, np.nan, 0.0], [4.0, 2.0, 7.0, 1.0, 1.0])
    assert_allclose(cv, [0.05, 0.2, 0.35, np.nan, np.nan])
    assert reliability(cv).tolist() == ["reliable", "caution", "not_reliable", "", ""]
    assert reliability(cv, caution=0.3, unreliable=0.5).tolist()[:3] == [
        "reliable",
        "reliable",
        "caution",
    ]
    # Kish: 50 respondents worth 20 effective ones, deff 2.5.
    assert_allclose(kish_design_effect([50.0, 10.0], [20.0, np.nan]), [2.5, np.nan])
