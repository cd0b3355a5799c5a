"""``pingyi scheme export-xlsx`` and ``import-xlsx`` as subprocesses on the demo city."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.cli_runs import demo_into
from tests.cli_runs import run_cli as _run

pytestmark = pytest.mark.own_sqlite  # pingyi runs on a SQLite file in the test's folder


def _points_row(sheet: object, code: str) -> int:
    for row in sheet.iter_rows(min_row=2):  # type: ignore[attr-defined]
        if row[1].value == code:
            return int(row[0].row)
    raise AssertionError(code)


def test_a_scheme_workbook_from_and_to_the_command_line(tmp_path: Path) -> None:
    assert demo_into(tmp_path).returncode == 0
    book_path = tmp_path / "dept-social.xlsx"
    exported = _run(
        tmp_path,
        "scheme",
        "export-xlsx",
        str(book_path),
        "--evaluation",
        "2",
        "--category",
        "dept-social",
    )
    assert exported.returncode == 0, exported.stderr
    book = load_workbook(book_path)
    indicators = book["Indicators"]  # the test installation speaks English
    key, excellence = _points_row(indicators, "key_tasks"), _points_row(indicators, "excellence")
    assert (indicators.cell(key, 5).value, indicators.cell(excellence, 5).value) == (35, 15)

    indicators.cell(key, 5).value = "many"
    book.save(book_path)
    refused = _run(
        tmp_path, "scheme", "import-xlsx", str(book_path), "--evaluation", "2", "--note", "x"
    )
    assert refused.returncode == 1
    assert (
        f"Sheet Indicators, row {key}, column E (Points): many is not a number." in refused.stderr
    )

    indicators.cell(key, 5).value = 30
    indicators.cell(excellence, 5).value = 20
    book.save(book_path)
    stored = _run(
        tmp_path, "scheme", "import-xlsx", str(book_path), "--evaluation", "2", "--note", "复核"
    )
    assert stored.returncode == 0, stored.stderr
    assert "Indicator 重点目标 (key_tasks), Points: 35 → 30." in stored.stdout
    assert "Indicator 创优目标 (excellence), Points: 15 → 20." in stored.stdout
    assert "Stored dept-social v2." in stored.stdout
