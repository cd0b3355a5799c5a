"""Raking one respondent group's weighting cells to relative weights: hand-worked tables,
respondent-level raking as the independent check, and reasons instead of warnings."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose

from scoring import Reason, ScoringWarning, rake, rake_cells, rake_group

HALF_AND_HALF = {"age": {"young": 500.0, "old": 500.0}}


def test_hand_worked_group_with_a_respondent_outside_the_margins() -> None:
    # 8 young and 2 old, population half and half: raw weights 500/8 = 62.5 and 500/2 = 250;
    # their mean over the 10 raked is 100, so relative weights are 0.625 and 2.5. The one
    # respondent without a cell keeps 1. Kish: 11^2 / (8*0.625^2 + 2*2.5^2 + 1) = 121/16.625.
    res = rake_group([{"age": "young"}, {"age": "old"}, {}], [8, 2, 1], HALF_AND_HALF)
    assert res.raked and res.converged and res.reasons == ()
    assert_allclose(res.weights, [0.625, 2.5, 1.0], rtol=1e-12)
    assert res.covered.tolist() == [True, True, False]
    assert (res.respondents, res.respondents_unweighted) == (11, 1)
    assert res.n_eff == pytest.approx(121 / 16.625, rel=1e-12)
    assert res.design_effect == pytest.approx(11 / (121 / 16.625), rel=1e-12)


def test_relative_weights_are_the_respondent_raking_rescaled() -> None:
    # Independent route: rake every respondent with rake(), then divide by the mean weight.
    cells = [
        {"age": "young", "district": "east"},
        {"age": "young", "district": "west"},
        {"age": "old", "district": "east"},
        {"age": "old", "district": "west"},
    ]
    counts = np.array([5, 3, 2, 6])
    targets = {
        "age": {"young": 600.0, "old": 400.0},
        "district": {"east": 300.0, "west": 700.0},
    }
    res = rake_group(cells, counts, targets)
    people = np.repeat(np.arange(4), counts)
    per_person = rake(
        {v: [cells[i][v] for i in people] for v in targets}, targets, tol=1e-12
    ).weights
    relative = per_person / per_person.mean()
    assert_allclose(res.weights[people], relative, rtol=1e-9)
    # Weighted margins of the group keep the population's shares.
    young = float(np.sum(counts[:2] * res.weights[:2])) / float(np.sum(counts * res.weights))
    assert young == pytest.approx(0.6, rel=1e-9)
    sw, sw2 = float(relative.sum()), float(np.sum(relative**2))
    assert res.n_eff == pytest.approx(sw * sw / sw2, rel=1e-9)


def test_no_cell_covered_leaves_the_group_unweighted_with_a_reason() -> None:
    res = rake_group([{"age": "child"}, {}], [3, 2], HALF_AND_HALF, warn=False)
    assert not res.raked
    assert res.reasons == (Reason("no_cell_covered"),)
    assert_allclose(res.weights, [1.0, 1.0])
    assert (res.respondents, res.respondents_unweighted, res.iterations) == (5, 5, 0)
    assert (res.n_eff, res.design_effect) == (5.0, 1.0)
    with pytest.warns(ScoringWarning, match="no_cell_covered"):
        rake_group([{"age": "child"}], [3], HALF_AND_HALF)


def test_a_margin_category_without_respondents_is_a_reason_with_its_name() -> None:
    targets = {"age": {"young": 500.0, "middle": 300.0, "old": 200.0}}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = rake_group([{"age": "young"}, {"age": "old"}], [8, 2], targets, warn=False)
    assert not res.raked
    assert res.reasons == (Reason("margin_category_empty", margin="age", categories="middle"),)


def test_an_empty_group_has_no_effective_size() -> None:
    res = rake_group([], [], HALF_AND_HALF, warn=False)
    assert not res.raked and res.respondents == 0
    assert math.isnan(res.n_eff) and math.isnan(res.design_effect)


def test_non_convergence_is_a_reason_and_warns_only_when_asked() -> None:
    # Structural zeros: no (a, y) or (b, x) respondents, so the margins cannot all be met.
    cells, counts = {"s": ["a", "b"], "t": ["x", "y"]}, [5, 5]
    targets = {"s": {"a": 1.0, "b": 1.0}, "t": {"x": 1.5, "y": 0.5}}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = rake_cells(cells, counts, targets, max_iter=20, warn=False)
    assert not res.converged
    assert [r.code for r in res.reasons] == ["raking_not_converged"]
    assert res.reasons[0].params["sweeps"] == 20
    with pytest.warns(ScoringWarning, match="did not converge"):
        rake_cells(cells, counts, targets, max_iter=20)
