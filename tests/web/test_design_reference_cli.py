"""The published design-based figures of the shared reference (R ``survey``'s api samples),
reproduced through ``pingyi`` itself: the set-up imported as an evaluation file, the schools
imported as responses with their weights, strata and PSUs, the results read as JSON. The same
numbers are checked against samplics. Run as subprocesses."""

from __future__ import annotations

import csv
import io
import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from tests.cli_runs import run_cli as _run

pytestmark = pytest.mark.own_sqlite  # pingyi runs on a SQLite file in the test's folder

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "reference"
MARGINS = {
    "stype": {"E": 4421.0, "H": 755.0, "M": 1018.0},
    "sch_wide": {"No": 1072.0, "Yes": 5122.0},
}


def _read(name: str) -> list[dict[str, str]]:
    with (REFERENCE / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _setup(path: Path) -> None:
    """One unit; three groups: the stratified sample, the cluster sample, and the cluster
    sample again, raked. api00 is answered as api00/10 on a 0-100 numeric scale, which the
    policy maps to itself, so means and standard errors are the published ones over 10."""
    setup = {
        "format": "pingyi-evaluation/1",
        "evaluation": {"name": "api", "year": 2026},
        "categories": [{"code": "schools", "name": "学校"}],
        "units": [{"code": "api", "name": "加州学校", "category": "schools"}],
        "groups": [
            {"code": "strat", "name": "分层样本", "kind": "public"},
            {"code": "clus", "name": "整群样本", "kind": "public"},
            {"code": "clusraked", "name": "整群样本（加权）", "kind": "public"},
        ],
        "weights": [
            {"category": "schools", "group": g, "weight": w}
            for g, w in (("strat", 0.5), ("clus", 0.25), ("clusraked", 0.25))
        ],
        "policy": {
            "numeric_scale": {"low": 0, "high": 100},
            "trim_k": 0,
            "margins": MARGINS,
            "raked_groups": ["clusraked"],
            "finite_population": {
                "strat": {"E": 4421, "H": 755, "M": 1018},
                "clus": 757,
                "clusraked": 757,
            },
        },
    }
    path.write_text(yaml.safe_dump(setup, allow_unicode=True), encoding="utf-8")


def _answers(path: Path) -> None:
    columns = [
        "respondent_id",
        "group",
        "unit",
        "question",
        "answer",
        "weight",
        "stratum",
        "psu",
        "stype",
        "sch_wide",
    ]
    rows: list[list[str]] = []
    for r in _read("apistrat_min.csv"):
        rows.append(
            [
                "s" + r["cds"],
                "strat",
                "api",
                "api00",
                f"{int(r['api00']) / 10:g}",
                r["pw"],
                r["stype"],
                "",
                r["stype"],
                r["sch_wide"],
            ]
        )
    for group in ("clus", "clusraked"):
        for r in _read("apiclus1_min.csv"):
            rows.append(
                [
                    group + r["cds"],
                    group,
                    "api",
                    "api00",
                    f"{int(r['api00']) / 10:g}",
                    r["pw"],
                    "",
                    r["dnum"],
                    r["stype"],
                    r["sch_wide"],
                ]
            )
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerows(rows)


def _samplics_mean(data: list[dict[str, str]], **design: Any) -> tuple[float, float]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from samplics.estimation import TaylorEstimator
        from samplics.utils.types import PopParam

        estimator = TaylorEstimator(PopParam.mean)
        estimator.estimate(
            y=np.array([float(r["api00"]) for r in data]),
            samp_weight=np.array([float(r["pw"]) for r in data]),
            remove_nan=True,
            **design,
        )
    return float(estimator.point_est), float(estimator.stderror)


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp_path = tmp_path_factory.mktemp("design")
    assert _run(tmp_path, "migrate").returncode == 0
    _setup(tmp_path / "setup.yaml")
    done = _run(tmp_path, "evaluation", "import", str(tmp_path / "setup.yaml"))
    assert done.returncode == 0, done.stderr
    _answers(tmp_path / "answers.csv")
    done = _run(tmp_path, "import", "responses", str(tmp_path / "answers.csv"), "--evaluation", "1")
    assert done.returncode == 0, done.stderr
    out = _run(tmp_path, "results", "satisfaction", "1", "--format", "json")
    assert out.returncode == 0, out.stderr
    parsed: dict[str, Any] = json.loads(out.stdout)
    weights = _run(tmp_path, "results", "weights", "1", "--format", "csv")
    assert weights.returncode == 0, weights.stderr
    workbook = _run(tmp_path, "results", "satisfaction", "1", "--format", "xlsx", "--out", "r.xlsx")
    assert workbook.returncode == 0, workbook.stderr
    return {
        "cells": {c["group"]: c for c in parsed["cells"]},
        "raking": {r["group"]: r for r in parsed["raking"]},
        "design": {d["group"]: d for d in parsed["design"]},
        "weights": list(csv.DictReader(io.StringIO(weights.stdout.lstrip("\ufeff")))),
        "workbook": tmp_path / "r.xlsx",
    }


def test_stratified_sample_with_fpc(results: dict[str, Any]) -> None:
    cell = results["cells"]["strat"]
    # Published: svymean(~api00, design(strata=~stype, weights=~pw, fpc=~fpc)) 662.29, SE 9.4089
    assert round(cell["mean"] * 10, 2) == 662.29
    assert round(cell["se"] * 10, 4) == 9.4089
    assert cell["estimator"] == "design" and cell["weighted"]
    data = _read("apistrat_min.csv")
    n_h = {h: sum(r["stype"] == h for r in data) for h in "EHM"}
    fpc = {h: 1 - n_h[h] / float(next(r["fpc"] for r in data if r["stype"] == h)) for h in "EHM"}
    mean, se = _samplics_mean(data, stratum=np.array([r["stype"] for r in data]), fpc=fpc)
    assert cell["mean"] * 10 == pytest.approx(mean, rel=1e-9)
    assert cell["se"] * 10 == pytest.approx(se, rel=1e-9)
    assert cell["design_effect"] > 0 and cell["n_eff"] < cell["n_valid"]


def test_cluster_sample_with_fpc(results: dict[str, Any]) -> None:
    cell = results["cells"]["clus"]
    # Published: svymean(~api00, design(id=~dnum, weights=~pw, fpc=~fpc)) 644.17, SE 23.542
    assert round(cell["mean"] * 10, 2) == 644.17
    assert round(cell["se"] * 10, 3) == 23.542
    data = _read("apiclus1_min.csv")
    psu = np.array([r["dnum"] for r in data])
    mean, se = _samplics_mean(data, psu=psu, fpc=1 - len(set(psu)) / 757.0)
    assert cell["mean"] * 10 == pytest.approx(mean, rel=1e-9)
    assert cell["se"] * 10 == pytest.approx(se, rel=1e-9)
    # Clustering makes the mean far less precise than a simple random sample of 183 schools.
    assert cell["design_effect"] > 5


def test_raked_cluster_sample_from_the_design_weights(results: dict[str, Any]) -> None:
    cell = results["cells"]["clusraked"]
    # Published: raked from pw to the stype and sch_wide margins, 641.23, calibration-aware
    # SE 23.704 (23.806 if the calibration were ignored).
    assert round(cell["mean"] * 10, 2) == 641.23
    assert round(cell["se"] * 10, 3) == 23.704
    assert cell["estimator"] == "design_calibrated"
    report = results["raking"]["clusraked"]
    assert report["converged"] and report["respondents"] == 183


def test_final_weights_are_exported_per_respondent(results: dict[str, Any]) -> None:
    by_cell: dict[str, set[float]] = {}
    total = 0.0
    for row in results["weights"]:
        if row["Respondent"].startswith("clusraked"):
            by_cell.setdefault(row["Weighting cell"], set()).add(
                round(float(row["Final weight"]), 4)
            )
            total += float(row["Final weight"])
    # Published raked weights per cell (each cell's schools share one pw, so one weight).
    assert by_cell == {
        "sch_wide=No;stype=E": {39.8392},
        "sch_wide=Yes;stype=E": {29.8707},
        "sch_wide=No;stype=H": {67.1255},
        "sch_wide=Yes;stype=H": {50.3294},
        "sch_wide=No;stype=M": {49.0691},
        "sch_wide=Yes;stype=M": {36.791},
    }
    assert total == pytest.approx(6194.0)
    strat = [r for r in results["weights"] if r["Respondent"].startswith("s")]
    assert len(strat) == 200 and all(r["Raking factor"] == "" for r in strat)
    assert {r["Final weight"] == r["Design weight"] for r in strat} == {True}


def test_the_method_sheet_names_the_estimators(results: dict[str, Any]) -> None:
    from openpyxl import load_workbook

    assert results["design"]["clusraked"]["estimator"] == "design_calibrated"
    assert (results["design"]["clus"]["psu"], results["design"]["clus"]["df"]) == (15, 14)
    sheet = load_workbook(results["workbook"], read_only=True)["Method"]
    text = "\n".join(str(v) for row in sheet.iter_rows(values_only=True) for v in row if v)
    assert "Taylor linearisation, calibration-aware (PSU 15, strata 1, df 14)" in text
    assert "Taylor linearisation (PSU 200, strata 3, df 197)" in text
