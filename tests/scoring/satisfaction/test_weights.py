"""The group weight matrix: entries laid out on the category and group axes."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from scoring import group_weight_matrix


def test_entries_land_on_their_category_and_group() -> None:
    matrix = group_weight_matrix(
        [
            ("econ", "citizens", 0.6),
            ("econ", "deputies", 0.3),
            ("social", "citizens", 1.0),
            ("econ", "unknown_group", 0.5),  # not on the group axis: ignored
            ("unknown_category", "citizens", 0.5),
        ],
        ["econ", "social", "law"],
        ["citizens", "enterprises", "deputies"],
    )
    assert_array_equal(matrix.weights, [[0.6, 0.0, 0.3], [1.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    assert matrix.listed.tolist() == [True, True, False]
    row = matrix.row("econ")
    assert row is not None and row.tolist() == [0.6, 0.0, 0.3]
    assert matrix.row("law") is None  # no weights at all, not weights of 0
    assert matrix.row("missing") is None


def test_a_category_with_only_groups_off_the_axis_is_not_listed() -> None:
    matrix = group_weight_matrix([("econ", "gone", 1.0)], ["econ"], ["citizens"])
    assert matrix.listed.tolist() == [False]


def test_a_later_entry_replaces_an_earlier_one_and_results_are_read_only() -> None:
    matrix = group_weight_matrix([("c", "g", 0.2), ("c", "g", 0.7)], ["c"], ["g"])
    assert matrix.weights[0, 0] == 0.7
    with pytest.raises(ValueError, match="read-only"):
        matrix.weights[0, 0] = 1.0


@pytest.mark.parametrize("bad", [-0.1, float("nan"), float("inf")])
def test_weights_must_be_finite_and_non_negative(bad: float) -> None:
    with pytest.raises(ValueError, match=">= 0"):
        group_weight_matrix([("c", "g", bad)], ["c"], ["g"])


def test_no_entries_give_zeros() -> None:
    matrix = group_weight_matrix([], ["a", "b"], ["g"])
    assert_array_equal(matrix.weights, np.zeros((2, 1)))
    assert not matrix.listed.any()
