"""Domain means from sufficient statistics agree with the observation-level estimators and
with samplics: strata, clusters, finite populations, domains and calibration."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose

from scoring import Calibration, design_mean, domain_design_means, rake

Table = dict[str, np.ndarray]
API_TARGETS = {
    "stype": {"E": 4421.0, "H": 755.0, "M": 1018.0},
    "sch_wide": {"No": 1072.0, "Yes": 5122.0},
}


def _codes(labels: np.ndarray) -> np.ndarray:
    return np.unique(labels, return_inverse=True)[1].reshape(-1)


def _samplics_domain_means(
    y: np.ndarray, w: np.ndarray, domain: np.ndarray, **design: object
) -> tuple[dict[object, float], dict[object, float]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from samplics.estimation import TaylorEstimator
        from samplics.utils.types import PopParam

        estimator = TaylorEstimator(PopParam.mean)
        estimator.estimate(y=y, samp_weight=w, domain=domain, remove_nan=True, **design)
    return estimator.point_est, estimator.stderror


def test_stratified_domains_match_samplics_from_one_row_per_observation(apistrat: Table) -> None:
    y, w, stype = apistrat["api00"], apistrat["pw"], apistrat["stype"]
    domain = apistrat["sch_wide"]
    n = y.size
    strata = _codes(stype)
    pop = np.array([apistrat["fpc"][strata == k][0] for k in range(3)])
    n_h = np.bincount(strata)
    res = domain_design_means(
        _codes(domain),
        y,
        w,
        w * w,
        np.ones(n),
        strata,
        np.full(n, -1),
        n_domains=2,
        finite=1.0 - n_h / pop,
    )
    fpc = {label: 1.0 - n_h[k] / pop[k] for k, label in enumerate(np.unique(stype))}
    means, ses = _samplics_domain_means(y, w, domain, stratum=stype, fpc=fpc)
    assert_allclose(res.estimate, [means["No"], means["Yes"]], rtol=1e-12)
    assert_allclose(res.se, [ses["No"], ses["Yes"]], rtol=1e-10)
    assert (res.n_psu, res.n_strata, res.df) == (200, 3, 197)


def test_rows_grouped_by_value_give_the_observation_level_answer(apistrat: Table) -> None:
    # Group the observations of each (stratum, value, weight) as SQL would: same result.
    y = np.round(apistrat["api00"] / 50.0) * 50.0  # few distinct values, so rows merge
    w, strata = apistrat["pw"], _codes(apistrat["stype"])
    keys = np.stack([strata, y, w], axis=1)
    rows, inverse = np.unique(keys, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    count = np.bincount(inverse).astype(float)
    grouped = domain_design_means(
        np.zeros(len(rows), dtype=int),
        rows[:, 1],
        rows[:, 2] * count,
        rows[:, 2] ** 2 * count,
        count,
        rows[:, 0].astype(int),
        np.full(len(rows), -1),
        n_domains=1,
    )
    assert len(rows) < y.size
    single = design_mean(y, w, strata=strata)
    assert_allclose(grouped.se[0], single.se, rtol=1e-10)
    assert_allclose(grouped.estimate[0], single.estimate, rtol=1e-12)


def test_clusters_and_calibration_reproduce_design_mean(apiclus1: Table) -> None:
    y, pw = apiclus1["api00"], apiclus1["pw"]
    n = y.size
    psu = _codes(apiclus1["dnum"])
    finite = np.array([1.0 - 15 / 757.0])
    ones, zeros = np.ones(n), np.zeros(n, dtype=int)
    plain = domain_design_means(zeros, y, pw, pw * pw, ones, zeros, psu, n_domains=1, finite=finite)
    assert round(float(plain.estimate[0]), 2) == 644.17
    assert round(float(plain.se[0]), 3) == 23.542
    assert plain.df == 14

    margins = {"stype": apiclus1["stype"], "sch_wide": apiclus1["sch_wide"]}
    raked = rake(margins, API_TARGETS, pw)
    cell_labels = np.char.add(apiclus1["stype"].astype(str), apiclus1["sch_wide"].astype(str))
    cells, cell = np.unique(cell_labels, return_inverse=True)
    cell = cell.reshape(-1)
    g = np.array([raked.weights[cell == c][0] / pw[cell == c][0] for c in range(len(cells))])
    dummies = np.array(
        [[s[0] == t for t in "EHM"] + [s[1:] == v for v in ("No", "Yes")] for s in cells],
        dtype=float,
    )
    w = raked.weights
    calibrated = domain_design_means(
        zeros,
        y,
        w,
        w * w,
        ones,
        zeros,
        psu,
        n_domains=1,
        finite=finite,
        calibration=Calibration(cell=cell, factor=g, dummies=dummies),
    )
    assert round(float(calibrated.estimate[0]), 2) == 641.23
    assert round(float(calibrated.se[0]), 3) == 23.704
    assert calibrated.calibrated


@pytest.mark.parametrize("clustered", [False, True])
def test_calibrated_domains_equal_the_linearisation_of_each_domain(
    apiclus1: Table, clustered: bool
) -> None:
    # A domain's calibrated influence values, written out observation by observation and
    # passed through design_mean's variance (one domain = the indicator-weighted variable).
    y, pw = apiclus1["api00"], apiclus1["pw"]
    n = y.size
    domain = _codes(apiclus1["comp_imp"]) if "comp_imp" in apiclus1 else np.arange(n) % 2
    margins = {"stype": apiclus1["stype"], "sch_wide": apiclus1["sch_wide"]}
    raked = rake(margins, API_TARGETS, pw)
    w = raked.weights
    cell_labels = np.char.add(apiclus1["stype"].astype(str), apiclus1["sch_wide"].astype(str))
    cells, cell = np.unique(cell_labels, return_inverse=True)
    cell = cell.reshape(-1)
    g = np.array([w[cell == c][0] / pw[cell == c][0] for c in range(len(cells))])
    x_cell = np.array(
        [[s[0] == t for t in "EHM"] + [s[1:] == v for v in ("No", "Yes")] for s in cells],
        dtype=float,
    )
    psu = _codes(apiclus1["dnum"]) if clustered else np.full(n, -1)
    res = domain_design_means(
        domain,
        y,
        w,
        w * w,
        np.ones(n),
        np.zeros(n, dtype=int),
        psu,
        n_domains=2,
        calibration=Calibration(cell=cell, factor=g, dummies=x_cell),
    )
    for k in range(2):
        inside = domain == k
        mean = np.sum(w[inside] * y[inside]) / np.sum(w[inside])
        ystar = np.where(inside, (y - mean) / np.sum(w[inside]), 0.0)
        x = x_cell[cell]
        beta = np.linalg.lstsq(x * np.sqrt(pw)[:, None], ystar * np.sqrt(pw), rcond=None)[0]
        z = w * (ystar - x @ beta)
        totals = np.bincount(psu, weights=z) if clustered else z
        m = totals.size
        expected = m / (m - 1) * np.sum((totals - totals.mean()) ** 2)
        assert_allclose(res.estimate[k], mean, rtol=1e-12)
        assert_allclose(res.variance[k], expected, rtol=1e-8)
