"""Entropy weights, TOPSIS and AHP blocks through ``pingyi scheme`` and ``pingyi results
composite``, run as subprocesses on the demo city, checked against independent formulas."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.spatial import distance
from scipy.stats import entropy as shannon

from tests.cli_runs import demo_into
from tests.cli_runs import run_cli as _run

pytestmark = pytest.mark.own_sqlite  # pingyi runs on a SQLite file in the test's folder

UNITS = [f"BM{k:02d}" for k in range(9, 17)]  # the demo's dept-social category
# Three criteria per unit: a and b benefit, c cost.
VALUES = {
    "BM09": (31, 74, 22),
    "BM10": (12, 18, 95),
    "BM11": (56, 40, 47),
    "BM12": (44, 61, 60),
    "BM13": (70, 25, 81),
    "BM14": (88, 90, 35),
    "BM15": (95, 52, 12),
    "BM16": (23, 83, 58),
}
CRITERIA = """
      - {code: a, name: 甲, METHOD source: {type: hard, indicator: m_a, period: year}}
      - {code: b, name: 乙, METHOD source: {type: hard, indicator: m_b, period: year}}
      - {code: c, name: 丙, METHOD direction: lower,
         source: {type: hard, indicator: m_c, period: year}}
"""
SCHEME = (
    """category: dept-social
title: 三种方法
blocks:
  - code: ent
    name: 熵权法
    points: 100
    weighting: {method: entropy}
    indicators:"""
    + CRITERIA.replace("METHOD", "method: min_max,")
    + """  - code: top
    name: TOPSIS
    points: 100
    topsis: {normalisation: vector}
    indicators:"""
    + CRITERIA.replace("METHOD", "weight: WEIGHT,")
    .replace("甲, weight: WEIGHT", "甲, weight: 0.5")
    .replace("乙, weight: WEIGHT", "乙, weight: 0.3")
    .replace("丙, weight: WEIGHT", "丙, weight: 0.2")
    + """  - code: ahp
    name: 层次分析法
    points: 100
    weighting:
      method: ahp
      matrix: [[1, 3, 5], [1/3, 1, 3], [1/5, 1/3, 1]]
    indicators:"""
    + CRITERIA.replace("METHOD", "method: min_max,")
)


def _independent(x: np.ndarray) -> dict[str, np.ndarray]:
    """Block values computed here without Pingyi: min-max shares, scipy's entropy,
    scipy distances, and the AHP weights by the row geometric means (equal to the
    eigenvector for a 3x3 matrix)."""
    benefit = np.array([True, True, False])
    low, span = x.min(axis=0), np.ptp(x, axis=0)
    shares = np.where(benefit, (x - low) / span, (x.max(axis=0) - x) / span)
    d = np.array([1 - shannon(shares[:, j], base=len(x)) for j in range(3)])
    entropy_block = 100 * shares @ (d / d.sum())
    w = np.array([0.5, 0.3, 0.2])
    v = np.where(benefit, 1.0, -1.0) * x / np.linalg.norm(x, axis=0) * w
    plus = distance.cdist(v, v.max(axis=0, keepdims=True)).ravel()
    minus = distance.cdist(v, v.min(axis=0, keepdims=True)).ravel()
    topsis_block = 100 * minus / (plus + minus)
    geo = np.array([15 ** (1 / 3), 1.0, 15 ** (-1 / 3)])
    ahp_block = 100 * shares @ (geo / geo.sum())
    return {"ent": entropy_block, "top": topsis_block, "ahp": ahp_block}


def test_entropy_topsis_and_ahp_blocks_from_the_command_line(tmp_path: Path) -> None:
    assert demo_into(tmp_path).returncode == 0
    scheme = tmp_path / "methods.yaml"
    scheme.write_text(SCHEME, encoding="utf-8")
    stored = _run(tmp_path, "scheme", "import", str(scheme), "--evaluation", "2")
    assert stored.returncode == 0, stored.stderr
    values = tmp_path / "values.csv"
    rows = ["unit,indicator,period,value"] + [
        f"{unit},m_{code},year,{v}"
        for unit, triple in VALUES.items()
        for code, v in zip("abc", triple, strict=True)
    ]
    values.write_text("\n".join(rows) + "\n", encoding="utf-8")
    imported = _run(tmp_path, "import", "indicators", str(values), "--evaluation", "2")
    assert imported.returncode == 0, imported.stderr

    out = _run(tmp_path, "results", "composite", "2", "--format", "json")
    assert out.returncode == 0, out.stderr
    results = json.loads(out.stdout)
    units = {u["unit"]: u for u in results["units"] if u["category"] == "dept-social"}
    x = np.array([VALUES[u] for u in UNITS], dtype=float)
    expected = _independent(x)
    for block in ("ent", "top", "ahp"):
        got = [next(b["value"] for b in units[u]["blocks"] if b["code"] == block) for u in UNITS]
        assert_allclose(got, expected[block], rtol=1e-9, err_msg=block)
    totals = [units[u]["total"] for u in UNITS]
    assert_allclose(totals, sum(expected.values()), rtol=1e-9)
    ranks = [units[u]["rank"] for u in UNITS]
    assert sorted(ranks) == list(range(1, 9))
    assert math.isclose(max(totals), totals[ranks.index(1)])


def test_inconsistent_ahp_matrix_refused_in_chinese_naming_the_ratio(tmp_path: Path) -> None:
    assert demo_into(tmp_path).returncode == 0
    scheme = tmp_path / "bad.yaml"
    bad = SCHEME.replace(
        "[[1, 3, 5], [1/3, 1, 3], [1/5, 1/3, 1]]", "[[1, 9, 1/9], [1/9, 1, 9], [9, 1/9, 1]]"
    ).replace(
        "topsis: {normalisation: vector}",
        "topsis: {normalisation: vector}\n    weighting: {method: entropy, matrix: [[1]]}",
    )
    scheme.write_text(bad, encoding="utf-8")
    zh = {"PINGYI_DEFAULT_LANGUAGE": "zh-CN"}
    refused = _run(tmp_path, "scheme", "import", str(scheme), "--evaluation", "2", **zh)
    assert refused.returncode == 1
    # lambda_max = 1 + (1/729)^(1/3) + 729^(1/3) = 10.111; CI = 3.5556; CR = CI / 0.58 = 6.130
    assert "一致性比率 CR = 6.130" in refused.stderr, refused.stderr
    assert "超过 0.1" in refused.stderr and "未保存" in refused.stderr
    assert "只有层次分析法" in refused.stderr
    assert "blocks[1].indicators[0].weight" in refused.stderr
    listed = _run(tmp_path, "scheme", "export", "--evaluation", "2", "--category", "dept-social")
    assert "三种方法" not in listed.stdout
