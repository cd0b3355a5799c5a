"""``pingyi scheme``, ``pingyi import indicators`` and ``pingyi results composite|publish``,
run as subprocesses on the demo city."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.cli_runs import demo_into
from tests.cli_runs import run_cli as _run

pytestmark = pytest.mark.own_sqlite  # pingyi runs on a SQLite file in the test's folder

# The tests run the command in English; the exports are checked as the office reads them.
CHINESE = {"PINGYI_DEFAULT_LANGUAGE": "zh-CN"}


def test_schemes_indicators_and_results_from_the_command_line(tmp_path: Path) -> None:
    assert demo_into(tmp_path).returncode == 0

    schemes = tmp_path / "schemes.yaml"
    exported = _run(tmp_path, "scheme", "export", str(schemes), "--evaluation", "2")
    assert exported.returncode == 0, exported.stderr
    text = schemes.read_text(encoding="utf-8")
    assert text.count("category: ") == 8 and text.count("\n---\n") == 7
    one = _run(tmp_path, "scheme", "export", "--evaluation", "2", "--category", "dept-social")
    assert one.stdout.startswith("# 云江市2026年度市直部门考核方案")

    valid = _run(tmp_path, "scheme", "validate", str(schemes), "--evaluation", "2")
    assert valid.returncode == 0, valid.stderr
    assert "valid" in valid.stdout and "zone-specialised" in valid.stdout

    broken = tmp_path / "broken.yaml"
    lines = text.splitlines()
    at = lines.index("    points: 220")
    lines[at] = "    points: many"
    assert lines[at + 5] == "        method: target_completion"
    lines[at + 5] = "        method: target_complete"
    broken.write_text("\n".join(lines) + "\n", encoding="utf-8")
    refused = _run(tmp_path, "scheme", "validate", str(broken), "--evaluation", "2")
    assert refused.returncode == 1
    assert f"Line {at + 1}, blocks[0].points:" in refused.stderr
    assert f"Line {at + 6}, blocks[0].indicators[0].method:" in refused.stderr
    not_stored = _run(tmp_path, "scheme", "import", str(broken), "--evaluation", "2")
    assert not_stored.returncode == 1 and "nothing was stored" in not_stored.stderr

    stored = _run(tmp_path, "scheme", "import", str(schemes), "--evaluation", "2", "--note", "复核")
    assert stored.returncode == 0, stored.stderr
    assert "district-urban v2" in stored.stdout and "dept-service v2" in stored.stdout

    values = tmp_path / "values.csv"
    values.write_text(
        "unit,indicator,period,value,target\nQX01,fdi,year,9.5,8\nQX02,fdi,year,abc,8\n",
        encoding="utf-8",
    )
    bad = _run(tmp_path, "import", "indicators", str(values), "--evaluation", "2")
    assert bad.returncode == 1
    assert "Row 3, column value: abc is not a number." in bad.stderr
    values.write_text(
        "unit,indicator,period,value,target\nQX01,fdi,year,9.5,8\nQX02,fdi,year,7,8\n",
        encoding="utf-8",
    )
    good = _run(tmp_path, "import", "indicators", str(values), "--evaluation", "2")
    assert good.returncode == 0, good.stderr
    assert "Imported 2 values: 0 new, 2 changed, 0 unchanged." in good.stdout

    as_csv = _run(tmp_path, "results", "composite", "2", "--format", "csv", **CHINESE)
    assert as_csv.returncode == 0, as_csv.stderr
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert len(rows) == 48
    assert {"考核类别", "单位代码", "总分", "名次", "等次", "位次变化", "约谈", "预警"} <= set(
        rows[0]
    )
    ranks: dict[str, list[int]] = {}
    for row in rows:
        if row["名次"]:
            ranks.setdefault(row["考核类别"], []).append(int(row["名次"]))
    assert len(ranks) >= 2 and all(min(r) == 1 for r in ranks.values())
    # Totals as the schemes round them for ranking (two decimals), blocks by name.
    assert all(re.fullmatch(r"-?\d+\.\d\d", r["总分"]) for r in rows if r["总分"])
    assert all("=" in r["板块得分"] for r in rows)

    book = tmp_path / "results.xlsx"
    as_xlsx = _run(
        tmp_path, "results", "composite", "2", "--format", "xlsx", "--out", str(book), **CHINESE
    )
    assert as_xlsx.returncode == 0, as_xlsx.stderr
    workbook = load_workbook(book)
    assert workbook.sheetnames[-1] == "方法"
    categories = [n for n in workbook.sheetnames if n in {r["考核类别"] for r in rows}]
    assert len(categories) == len({r["考核类别"] for r in rows})
    assert sum(workbook[n].max_row - 1 for n in categories) == 48
    first = workbook[categories[0]]
    assert first.freeze_panes == "A2" and first["D1"].value == "总分"
    assert first["D2"].number_format == "0.00"
    workbook.close()

    last_year = _run(tmp_path, "results", "composite", "1")
    body = json.loads(last_year.stdout)
    assert body["frozen"] is True and body["evaluation_status"] == "published"
    with_draws = _run(
        tmp_path,
        "results",
        "composite",
        "2",
        "--category",
        "dept-service",
        "--sensitivity",
        "--draws",
        "200",
    )
    units = json.loads(with_draws.stdout)["units"]
    assert len(units) == 7 and all(u["sensitivity"]["grade_probabilities"] for u in units)

    still_open = _run(tmp_path, "results", "publish", "2")
    assert still_open.returncode == 1 and "Close the evaluation" in still_open.stderr
    again = _run(tmp_path, "results", "publish", "1")
    assert again.returncode == 1 and "already published" in again.stderr
