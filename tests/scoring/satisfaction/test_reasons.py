"""Reasons as data on the satisfaction results: codes with parameters, warn=False is silent."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from scoring import (
    Reason,
    ScoringWarning,
    cell_statistics,
    combine_groups,
    combine_groups_many,
    rank_uncertainty,
    unit_score,
)


def test_cells_with_no_valid_answer_anywhere() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = cell_statistics(np.zeros((3, 5)), warn=False)
    assert res.reasons == (Reason("no_cell_answered", cells=3),)
    assert cell_statistics(np.array([[2, 1, 0, 0, 0]])).reasons == ()
    with pytest.warns(ScoringWarning, match="no_cell_answered"):
        cell_statistics(np.zeros((3, 5)))


def test_combined_score_reasons() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        none_left = combine_groups([80.0, 70.0], [4.0, 3.0], [3, 2], [1.0, 1.0], warn=False)
        silent_unit = unit_score(np.zeros((2, 5)), [1.0, 1.0], warn=False)
    assert none_left.reasons == (Reason("no_usable_group", min_n=5),)
    assert silent_unit.reasons == none_left.reasons
    flat = combine_groups([100.0, 80.0], [0.0, 0.0], [10, 12], [1.0, 1.0])
    assert flat.reasons == (Reason("zero_spread"),)
    fine = combine_groups([80.0, 70.0], [4.0, 3.0], [30, 20], [1.0, 1.0])
    assert fine.reasons == () and fine.reason == ""


def test_many_units_carry_drop_reasons_per_group() -> None:
    # Unit 0: group b below min_n; group c has weight 0 but answers. Unit 1: nothing usable.
    mean = np.array([[80.0, 70.0, 60.0], [np.nan, np.nan, np.nan]])
    se = np.array([[4.0, 3.0, 2.0], [np.nan, np.nan, np.nan]])
    n = np.array([[20.0, 3.0, 9.0], [0.0, 2.0, 0.0]])
    res = combine_groups_many(mean, se, n, [1.0, 1.0, 0.0])
    assert res.drop_reason.tolist() == [
        ["", "below_min_n", "zero_weight"],
        ["below_min_n", "below_min_n", ""],
    ]
    assert res.reason == ("", "no_usable_group")
    assert res.reasons == (Reason("no_usable_group", units=1, min_n=5),)


def test_units_left_out_of_the_ranking() -> None:
    counts = np.zeros((3, 1, 5))
    counts[:, 0, 0] = [10, 8, 2]  # the third unit has 2 answers, below min_n 5
    counts[:, 0, 3] = [2, 4, 0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = rank_uncertainty(counts, [1.0], n_draws=100, seed=1, warn=False)
    assert res.not_ranked == (("2", "no_usable_group"),)
    assert res.reasons == (Reason("units_not_ranked", units=1, min_n=5),)
