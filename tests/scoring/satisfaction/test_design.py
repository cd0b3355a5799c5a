"""Design-based estimators reproduce the figures R `survey` publishes for the api samples."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose

from scoring import design_mean, design_total, rake

Table = dict[str, np.ndarray]

API_TARGETS = {
    "stype": {"E": 4421.0, "H": 755.0, "M": 1018.0},
    "sch_wide": {"No": 1072.0, "Yes": 5122.0},
}


def test_apistrat_stratified_mean(apistrat: Table) -> None:
    # svymean(~api00, svydesign(id=~1, strata=~stype, weights=~pw, fpc=~fpc)): 662.29, SE 9.4089
    res = design_mean(
        apistrat["api00"], apistrat["pw"], strata=apistrat["stype"], fpc=apistrat["fpc"]
    )
    assert round(res.estimate, 2) == 662.29
    assert round(res.se, 4) == 9.4089
    assert (res.n, res.n_psu, res.n_strata, res.df) == (200, 200, 3, 197)
    assert not res.calibrated


def test_apiclus1_cluster_mean_and_total(apiclus1: Table) -> None:
    # svydesign(id=~dnum, weights=~pw, fpc=~fpc): mean 644.17 (SE 23.542), total enroll 3,404,940
    mean = design_mean(
        apiclus1["api00"], apiclus1["pw"], clusters=apiclus1["dnum"], fpc=apiclus1["fpc"]
    )
    assert round(mean.estimate, 2) == 644.17
    assert round(mean.se, 3) == 23.542
    assert (mean.n_psu, mean.df) == (15, 14)
    total = design_total(
        apiclus1["enroll"], apiclus1["pw"], clusters=apiclus1["dnum"], fpc=apiclus1["fpc"]
    )
    assert round(total.estimate) == 3_404_940


def test_apiclus1_raked_estimates(apiclus1: Table) -> None:
    margins = {"stype": apiclus1["stype"], "sch_wide": apiclus1["sch_wide"]}
    raked = rake(margins, API_TARGETS, apiclus1["pw"])
    design: dict[str, Any] = {"clusters": apiclus1["dnum"], "fpc": apiclus1["fpc"]}
    calibrated = design_mean(
        apiclus1["api00"],
        raked.weights,
        calibration_margins=margins,
        base_weights=apiclus1["pw"],
        **design,
    )
    # Published: 641.23, calibration-aware SE 23.704, 23.806 when calibration is ignored.
    assert round(calibrated.estimate, 2) == 641.23
    assert round(calibrated.se, 3) == 23.704
    assert calibrated.calibrated
    naive = design_mean(apiclus1["api00"], raked.weights, **design)
    assert round(naive.se, 3) == 23.806
    # Published: total enroll 3,647,280, SE 400,603.
    total = design_total(
        apiclus1["enroll"],
        raked.weights,
        calibration_margins=margins,
        base_weights=apiclus1["pw"],
        **design,
    )
    assert round(total.estimate) == 3_647_280
    assert round(total.se) == 400_603


def test_hand_worked_srs_mean() -> None:
    # y = 1, 2, 3, 6 with weights 1: mean 3, z_i = (y_i - 3) / 4 = -0.5, -0.25, 0, 0.75
    # var = n/(n-1) * sum z^2 = 4/3 * (0.25 + 0.0625 + 0 + 0.5625) = 4/3 * 0.875 = 1.166667
    # which is the textbook s^2/n = (14/3)/4 = 1.166667
    res = design_mean([1.0, 2.0, 3.0, 6.0], [1.0, 1.0, 1.0, 1.0])
    assert res.estimate == 3.0
    assert res.variance == pytest.approx(7 / 6, abs=1e-12)
    # With fpc N = 8: factor 1 - 4/8 = 0.5
    half = design_mean([1.0, 2.0, 3.0, 6.0], [2.0] * 4, fpc=[8.0] * 4)
    assert half.variance == pytest.approx(7 / 12, abs=1e-12)


def test_total_with_clusters_hand_worked() -> None:
    # Two strata of two clusters; weights 2. Cluster totals of w*y:
    # stratum 1: c1 = 2*(1+3) = 8, c2 = 2*5 = 10 -> mean 9, sum sq dev 1 + 1 = 2, * 2/1 = 4
    # stratum 2: c3 = 2*2 = 4, c4 = 2*(4+4) = 16 -> mean 10, sum sq dev 36 + 36 = 72, * 2 = 144
    # var = 148, total = 8 + 10 + 4 + 16 = 38
    res = design_total(
        [1.0, 3.0, 5.0, 2.0, 4.0, 4.0],
        [2.0] * 6,
        strata=["s1", "s1", "s1", "s2", "s2", "s2"],
        clusters=[1, 1, 2, 1, 2, 2],
    )
    assert res.estimate == 38.0
    assert res.variance == pytest.approx(148.0, abs=1e-12)
    assert (res.n_psu, res.n_strata, res.df) == (4, 2, 2)


def test_calibration_residuals_vanish_for_margin_variables(apiclus1: Table) -> None:
    # A variable that is a margin indicator is known exactly after raking: its SE must be 0.
    margins = {"stype": apiclus1["stype"], "sch_wide": apiclus1["sch_wide"]}
    raked = rake(margins, API_TARGETS, apiclus1["pw"])
    is_high = (apiclus1["stype"] == "H").astype(float)
    res = design_total(
        is_high,
        raked.weights,
        clusters=apiclus1["dnum"],
        fpc=apiclus1["fpc"],
        calibration_margins=margins,
        base_weights=apiclus1["pw"],
    )
    assert res.estimate == pytest.approx(755.0, rel=1e-9)
    assert_allclose(res.se, 0.0, atol=1e-6)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"strata": ["a", "a", "b"]}, "single PSU"),
        ({"fpc": [1.0, 1.0, 1.0]}, "cannot be smaller"),
        ({"fpc": [5.0, 6.0, 5.0]}, "constant within each stratum"),
        ({"calibration_margins": {"m": ["a", "b", "a"]}}, "base_weights"),
        ({"strata": ["a", "b"]}, "shape"),
    ],
)
def test_validation(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        design_mean([1.0, 2.0, 3.0], [1.0, 1.0, 1.0], **kwargs)  # type: ignore[arg-type]


def test_weights_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        design_total([1.0, 2.0], [1.0, 0.0])
