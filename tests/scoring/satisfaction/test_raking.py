"""Raking to population margins: R survey reference, samplics and hand-worked tables."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from scoring import ScoringWarning, rake, rake_cells

Table = dict[str, np.ndarray]

API_TARGETS = {
    "stype": {"E": 4421.0, "H": 755.0, "M": 1018.0},
    "sch_wide": {"No": 1072.0, "Yes": 5122.0},
}
# Published by R survey 4.5: rake(dclus1, list(~stype, ~sch_wide), ...) weights per cell.
R_CELL_WEIGHTS = {
    ("E", "No"): 39.8392,
    ("E", "Yes"): 29.8707,
    ("H", "No"): 67.1255,
    ("H", "Yes"): 50.3294,
    ("M", "No"): 49.0691,
    ("M", "Yes"): 36.7910,
}


def _samplics_rake(
    weights: np.ndarray, margins: dict[str, np.ndarray], targets: dict[str, dict[Any, float]]
) -> np.ndarray | None:
    """samplics' raking, or None when it is not installed."""
    with warnings.catch_warnings():
        # samplics announces on import that it is archived (FutureWarning).
        warnings.simplefilter("ignore")
        try:
            from samplics.weighting import SampleWeight
        except ImportError:
            return None
        raked = SampleWeight().rake(
            samp_weight=weights,
            margins=margins,  # type: ignore[arg-type]
            control=targets,  # type: ignore[arg-type]
            tol=1e-14,
            ctrl_tol=1e-14,
            max_iter=2000,
        )
    return np.asarray(raked, dtype=float)


def test_apiclus1_raked_weights_match_r(apiclus1: Table) -> None:
    res = rake(
        {"stype": apiclus1["stype"], "sch_wide": apiclus1["sch_wide"]},
        API_TARGETS,
        apiclus1["pw"],
    )
    assert res.converged
    assert res.total == pytest.approx(6194.0, abs=1e-6)
    for (stype, sch_wide), expected in R_CELL_WEIGHTS.items():
        cell = (apiclus1["stype"] == stype) & (apiclus1["sch_wide"] == sch_wide)
        assert cell.any()
        assert np.ptp(res.weights[cell]) < 1e-9  # one weight per weighting cell
        assert round(float(res.weights[cell][0]), 4) == pytest.approx(expected, abs=1e-12)
    # Raked mean of api00, published 641.23.
    mean = np.sum(res.weights * apiclus1["api00"]) / res.weights.sum()
    assert round(mean, 2) == 641.23
    w = res.weights
    assert res.n_eff == pytest.approx(w.sum() ** 2 / np.sum(w**2), rel=1e-12)
    assert res.design_effect == pytest.approx(w.size * np.sum(w**2) / w.sum() ** 2, rel=1e-12)
    assert res.max_margin_error <= 1e-10 * 6194.0


def test_apiclus1_cells_match_respondents(apiclus1: Table) -> None:
    keys = sorted(R_CELL_WEIGHTS)
    counts = [int(np.sum((apiclus1["stype"] == a) & (apiclus1["sch_wide"] == b))) for a, b in keys]
    res = rake_cells(
        {"stype": [k[0] for k in keys], "sch_wide": [k[1] for k in keys]},
        counts,
        API_TARGETS,
        base_weights=np.full(len(keys), apiclus1["pw"][0]),
    )
    assert res.converged
    assert_allclose(res.weights.round(4), [R_CELL_WEIGHTS[k] for k in keys], rtol=0, atol=1e-12)
    assert_allclose(res.cell_totals, np.array(counts) * res.weights, rtol=1e-15)
    assert res.total == pytest.approx(6194.0, abs=1e-6)
    per_person = rake(
        {"stype": apiclus1["stype"], "sch_wide": apiclus1["sch_wide"]},
        API_TARGETS,
        apiclus1["pw"],
    )
    assert res.n_eff == pytest.approx(per_person.n_eff, rel=1e-12)
    assert res.design_effect == pytest.approx(per_person.design_effect, rel=1e-12)


def test_apiclus1_against_samplics(apiclus1: Table) -> None:
    margins = {"stype": apiclus1["stype"], "sch_wide": apiclus1["sch_wide"]}
    ref = _samplics_rake(apiclus1["pw"], margins, API_TARGETS)
    if ref is None:
        pytest.skip("samplics is not installed; raking is checked against R figures only")
    res = rake(margins, API_TARGETS, apiclus1["pw"], tol=1e-14)
    assert_allclose(res.weights, ref, rtol=1e-9)


def test_random_survey_against_samplics() -> None:
    rng = np.random.default_rng(11)
    n = 400
    margins = {
        "sex": rng.choice(["F", "M"], size=n, p=[0.6, 0.4]),
        "age": rng.choice([1, 2, 3, 4], size=n),
        "district": rng.choice(["A", "B", "C"], size=n, p=[0.5, 0.3, 0.2]),
    }
    targets: dict[str, dict[Any, float]] = {
        "sex": {"F": 5100.0, "M": 4900.0},
        "age": {1: 2000.0, 2: 3000.0, 3: 3000.0, 4: 2000.0},
        "district": {"A": 3000.0, "B": 3500.0, "C": 3500.0},
    }
    base = rng.uniform(10, 40, size=n)
    res = rake(margins, targets, base, tol=1e-14)
    for name, target in targets.items():
        for label, total in target.items():
            assert res.weights[margins[name] == label].sum() == pytest.approx(total, rel=1e-12)
    ref = _samplics_rake(base, margins, targets)
    if ref is None:
        pytest.skip("samplics is not installed; margins checked without it")
    assert_allclose(res.weights, ref, rtol=1e-9)


def test_hand_worked_two_by_two() -> None:
    # One respondent per cell, weight 1. Targets: sex M 60, F 40; age young 50, old 50.
    # Sweep 1, sex: M cells 30 each, F cells 20 each. Age: young = 30 + 20 = 50 = target,
    # so nothing moves and the weights are M 30, F 20 after one sweep.
    res = rake(
        {"sex": ["M", "M", "F", "F"], "age": ["young", "old", "young", "old"]},
        {"sex": {"M": 60, "F": 40}, "age": {"young": 50, "old": 50}},
    )
    assert_allclose(res.weights, [30, 30, 20, 20], rtol=1e-15)
    assert res.iterations == 1
    # n_eff = 100^2 / (2 * 900 + 2 * 400) = 10000 / 2600 = 3.846154; deff = 4 / n_eff = 1.04
    assert res.n_eff == pytest.approx(3.846154, abs=1e-6)
    assert res.design_effect == pytest.approx(1.04, abs=1e-12)


def test_hand_worked_cells_with_unequal_counts() -> None:
    # Cells (sex, age): (M, y) 2 people, (M, o) 1, (F, y) 1, (F, o) 0 (empty cell).
    # Targets sex M 30, F 10; age y 25, o 15.
    # The only weights meeting all four: F-y total must be 10 (F has one cell), so M-y = 15 and
    # M-o = 15. Per person: M-y 15 / 2 = 7.5, M-o 15, F-y 10. The empty cell's weight is the
    # product of its row and column factors: F-o = F-y * (M-o / M-y per person) = 10 * 2 = 20.
    res = rake_cells(
        {"sex": ["M", "M", "F", "F"], "age": ["y", "o", "y", "o"]},
        [2, 1, 1, 0],
        {"sex": {"M": 30, "F": 10}, "age": {"y": 25, "o": 15}},
        tol=1e-13,
    )
    assert res.converged
    assert_allclose(res.cell_totals, [15, 15, 10, 0], atol=1e-9)
    assert_allclose(res.weights, [7.5, 15, 10, 20], rtol=1e-9)


def test_integer_codes_and_label_order_do_not_matter() -> None:
    rng = np.random.default_rng(3)
    a = rng.integers(0, 3, size=200)
    b = rng.integers(0, 2, size=200)
    t1 = {"a": {0: 50.0, 1: 30.0, 2: 20.0}, "b": {0: 40.0, 1: 60.0}}
    t2 = {"b": {1: 60.0, 0: 40.0}, "a": {2: 20.0, 0: 50.0, 1: 30.0}}
    r1 = rake({"a": a, "b": b}, t1)
    r2 = rake({"b": b.astype(float), "a": a.tolist()}, t2)
    # The order of margins changes the path of IPF but not its fixed point.
    assert_allclose(r1.weights, r2.weights, rtol=1e-8)


def test_incompatible_margins_do_not_converge_and_warn() -> None:
    # Respondents only in (M, y) and (F, o): sex and age are the same variable in the sample,
    # so sex M 70 and age y 30 cannot both hold.
    with pytest.warns(ScoringWarning, match="did not converge"):
        res = rake(
            {"sex": ["M", "F", "M", "F"], "age": ["y", "o", "y", "o"]},
            {"sex": {"M": 70, "F": 30}, "age": {"y": 30, "o": 70}},
            max_iter=50,
        )
    assert not res.converged
    assert res.iterations == 50
    assert res.max_margin_error > 1.0


@pytest.mark.parametrize(
    ("margins", "targets", "kwargs", "match"),
    [
        ({"s": ["a", "b"]}, {"s": {"a": 1.0}}, {}, "without a target"),
        ({"s": ["a", "a"]}, {"s": {"a": 1.0, "b": 2.0}}, {}, "no weighted respondents"),
        ({"s": ["a", "b"]}, {"s": {"a": 1.0, "b": 0.0}}, {}, "positive"),
        ({"s": ["a", "b"]}, {"t": {"a": 1.0, "b": 1.0}}, {}, "same variables"),
        (
            {"s": ["a", "b"], "t": ["x", "y"]},
            {"s": {"a": 1.0, "b": 1.0}, "t": {"x": 5.0, "y": 5.0}},
            {},
            "same population total",
        ),
        ({"s": ["a", "b"], "t": ["x"]}, {"s": {"a": 1, "b": 1}, "t": {"x": 2}}, {}, "same"),
        ({"s": ["a", "b"]}, {"s": {"a": 1.0, "b": 1.0}}, {"base_weights": [1.0, -1.0]}, "positive"),
        ({"s": ["a", "b"]}, {"s": {"a": 1.0, "b": 1.0}}, {"tol": 0.0}, "tol"),
        ({"s": ["a", "b"]}, {"s": {"a": 1.0, "b": 1.0}}, {"max_iter": 0}, "max_iter"),
        ({"s": [["a", "b"]]}, {"s": {"a": 1.0, "b": 1.0}}, {}, "1-D"),
    ],
)
def test_validation(
    margins: dict[str, Any], targets: dict[str, Any], kwargs: dict[str, Any], match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        rake(margins, targets, **kwargs)


def test_cell_validation() -> None:
    with pytest.raises(ValueError, match="whole numbers"):
        rake_cells({"s": ["a", "b"]}, [1.5, 2], {"s": {"a": 1.0, "b": 1.0}})
    with pytest.raises(ValueError, match="all zero"):
        rake_cells({"s": ["a", "b"]}, [0, 0], {"s": {"a": 1.0, "b": 1.0}})
    with pytest.raises(ValueError, match="same, non-zero number of cells"):
        rake_cells({"s": ["a", "b"]}, [1, 2, 3], {"s": {"a": 1.0, "b": 1.0}})


@settings(max_examples=40, deadline=None)
@given(
    st.integers(2, 4),
    st.integers(2, 5),
    st.integers(0, 2**32 - 1),
)
def test_raked_cells_hit_the_margins(rows: int, cols: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    # Every cell occupied, so any positive margins with one total are reachable.
    counts = rng.integers(1, 30, size=(rows, cols))
    row_t = rng.uniform(1.0, 100.0, size=rows)
    col_t = rng.uniform(1.0, 100.0, size=cols)
    col_t *= row_t.sum() / col_t.sum()
    r, c = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")
    res = rake_cells(
        {"row": r.ravel(), "col": c.ravel()},
        counts.ravel(),
        {"row": dict(enumerate(row_t)), "col": dict(enumerate(col_t))},
        base_weights=rng.uniform(0.5, 2.0, size=rows * cols),
    )
    assert res.converged
    totals = res.cell_totals.reshape(rows, cols)
    assert_allclose(totals.sum(axis=1), row_t, rtol=1e-8)
    assert_allclose(totals.sum(axis=0), col_t, rtol=1e-8)
    assert (res.weights > 0).all()
    assert res.design_effect >= 1.0 - 1e-12
    assert res.n_eff <= counts.sum() + 1e-9


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_respondent_and_cell_raking_agree(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(30, 120))
    a = rng.integers(0, 3, size=n)
    b = rng.integers(0, 2, size=n)
    a[:6], b[:6] = [0, 0, 1, 1, 2, 2], [0, 1, 0, 1, 0, 1]  # all six cells occupied
    targets = {"a": {0: 10.0, 1: 20.0, 2: 30.0}, "b": {0: 35.0, 1: 25.0}}
    per_person = rake({"a": a, "b": b}, targets)
    cells = [(i, j) for i in range(3) for j in range(2)]
    counts = [int(np.sum((a == i) & (b == j))) for i, j in cells]
    by_cell = rake_cells({"a": [i for i, _ in cells], "b": [j for _, j in cells]}, counts, targets)
    for k, (i, j) in enumerate(cells):
        assert_allclose(per_person.weights[(a == i) & (b == j)], by_cell.weights[k], rtol=1e-9)
    assert per_person.n_eff == pytest.approx(by_cell.n_eff, rel=1e-9)
