"""``pingyi import responses`` and ``pingyi results satisfaction``, run as subprocesses."""

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


def test_results_in_every_format_and_audience(tmp_path: Path) -> None:
    assert demo_into(tmp_path).returncode == 0
    as_csv = _run(tmp_path, "results", "satisfaction", "2", "--format", "csv", **CHINESE)
    assert as_csv.returncode == 0, as_csv.stderr
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert len(rows) == 30
    # Headed in Chinese by default, scores as the pages round them.
    assert {"考核类别", "单位代码", "单位", "满意度得分", "置信区间下限", "名次"} <= set(rows[0])
    assert all(re.fullmatch(r"\d+\.\d\d", r["满意度得分"]) for r in rows)
    by_category: dict[str, list[int]] = {}
    for row in rows:
        by_category.setdefault(row["考核类别"], []).append(int(row["名次"]))
    assert len(by_category) >= 2
    assert all(sorted(ranks) == list(range(1, len(ranks) + 1)) for ranks in by_category.values())

    cells = _run(
        tmp_path, "results", "satisfaction", "2", "--format", "csv", "--table", "cells", **CHINESE
    )
    cell_rows = list(csv.DictReader(io.StringIO(cells.stdout)))
    assert {r["单位代码"] for r in cell_rows} == {r["单位代码"] for r in rows}
    # The demo's evaluation has two surveys (the service-window one adds aspect questions), and
    # its policy scores every question: the group cells are over all of them.
    assert cell_rows[0]["题目"] == "计分规则中的全部题目" and cell_rows[0]["评议主体"] == "市民群众"

    english = _run(tmp_path, "results", "satisfaction", "2", "--format", "csv")
    assert english.returncode == 0, english.stderr
    assert english.stdout.startswith('"Category","Unit code","Unit","Valid answers"')

    as_json = _run(tmp_path, "results", "satisfaction", "2", "--period", "Q4")
    assert as_json.returncode == 0, as_json.stderr
    body = json.loads(as_json.stdout)
    assert body["period"] == "Q4" and body["policy"]["version"] == 0
    assert body["cells"] and body["units"][0]["unit"]

    book = tmp_path / "results.xlsx"
    as_xlsx = _run(
        tmp_path, "results", "satisfaction", "2", "--format", "xlsx", "--out", str(book), **CHINESE
    )
    assert as_xlsx.returncode == 0, as_xlsx.stderr
    workbook = load_workbook(book)
    # A sheet per category, the groups' cells, the comments, and what the numbers mean.
    assert workbook.sheetnames[-3:] == ["分评议主体结果", "意见建议", "方法"]
    assert set(workbook.sheetnames[:-3]) == set(by_category)
    assert sum(ws.max_row - 1 for ws in workbook.worksheets[:-3]) == 30
    first = workbook.worksheets[0]
    assert first.freeze_panes == "A2" and first["D1"].value == "满意度得分"
    assert first["D2"].number_format == "0.00"
    workbook.close()

    written = tmp_path / "unit.csv"
    for_unit = _run(
        tmp_path,
        "results",
        "satisfaction",
        "2",
        "--format",
        "csv",
        "--unit",
        "BM01",
        "--out",
        str(written),
        **CHINESE,
    )
    assert for_unit.returncode == 0, for_unit.stderr
    assert written.read_bytes().startswith(b"\xef\xbb\xbf")  # spreadsheet programs need it
    [own] = list(csv.DictReader(io.StringIO(written.read_text(encoding="utf-8-sig"))))
    assert own["单位代码"] == "BM01"

    public = _run(tmp_path, "results", "satisfaction", "2", "--public")
    assert public.returncode == 1 and "not published" in public.stderr
    wrong = _run(tmp_path, "results", "satisfaction", "2", "--format", "pdf")
    assert wrong.returncode == 2


def test_import_is_all_or_nothing_and_refuses_a_second_time(tmp_path: Path) -> None:
    assert demo_into(tmp_path).returncode == 0
    good = tmp_path / "paper.csv"
    good.write_text(
        "respondent_id,group,unit,question,answer,district\n"
        "p1,npc,BM01,overall,满意,QX01\n"
        "p1,npc,BM02,overall,基本满意,QX01\n"
        "p2,npc,BM01,overall,不满意,QX02\n",
        encoding="utf-8-sig",
    )
    imported = _run(tmp_path, "import", "responses", str(good), "--evaluation", "2")
    assert imported.returncode == 0, imported.stderr
    assert "Imported 2 respondents with 3 answers into evaluation 2." in imported.stdout
    again = _run(tmp_path, "import", "responses", str(good), "--evaluation", "2")
    assert again.returncode == 1
    assert "2 respondents of this file were already imported" in again.stderr

    bad = tmp_path / "bad.csv"
    bad.write_text(
        "respondent_id,group,unit,question,answer\n"
        "q1,npc,BM01,overall,满意\n"
        "q2,npc,XX,overall,满意\n"
        "q3,nobody,BM01,overall,很好\n",
        encoding="utf-8",
    )
    refused = _run(tmp_path, "import", "responses", str(bad), "--evaluation", "2")
    assert refused.returncode == 1
    assert "3 problems; nothing was stored" in refused.stderr
    assert "Row 3, column unit: No unit has the code XX." in refused.stderr
    assert "Row 4, column group: No respondent group has the code nobody." in refused.stderr
    assert "Row 4, column answer: 很好 is neither a satisfaction level nor a number." in (
        refused.stderr
    )
    # Nothing of the bad file arrived: q1 can still be imported on its own.
    fixed = tmp_path / "fixed.csv"
    fixed.write_text(
        "respondent_id,group,unit,question,answer\nq1,npc,BM01,overall,满意\n", encoding="utf-8"
    )
    assert _run(tmp_path, "import", "responses", str(fixed), "--evaluation", "2").returncode == 0
    chinese = _run(
        tmp_path,
        "import",
        "responses",
        str(bad),
        "--evaluation",
        "2",
        PINGYI_DEFAULT_LANGUAGE="zh-CN",
    )
    assert chinese.returncode == 1
