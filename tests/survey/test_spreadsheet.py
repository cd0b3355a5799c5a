"""The one spreadsheet writer: text stays text, numbers keep their precision behind the
office's rounding, sheets read well, and CSV opens as UTF-8 in Excel."""

from __future__ import annotations

import csv
import io
import zipfile

from openpyxl import load_workbook

from survey.spreadsheet import (
    ONE_DECIMAL,
    PERCENT_ONE_DECIMAL,
    Column,
    Table,
    csv_bytes,
    csv_safe,
    decimals_format,
    xlsx_bytes,
)

PAYLOADS = ['=HYPERLINK("http://x","点我")', "+1", "-2+3", "@SUM(A1)", "\t=1+2", "\r=1+2"]


def _table(rows: list[list[object]]) -> Table:
    return Table(
        "满意度",
        [Column("单位"), Column("得分", ONE_DECIMAL), Column("满意率", PERCENT_ONE_DECIMAL)],
        rows,  # type: ignore[arg-type]
    )


def test_formula_starts_are_text_in_xlsx() -> None:
    book = load_workbook(io.BytesIO(xlsx_bytes([_table([[p, 1.0, 0.5] for p in PAYLOADS])])))
    sheet = book.active
    assert sheet is not None
    names = [sheet.cell(row=r, column=1) for r in range(2, 2 + len(PAYLOADS))]
    assert all(cell.data_type == "s" for cell in names)
    # XML turns a bare carriage return into a line feed; the rest is kept as typed.
    assert [cell.value for cell in names] == [p.replace("\r", "\n") for p in PAYLOADS]
    assert all(cell.quotePrefix for cell in names)  # Excel keeps them text when edited
    raw = zipfile.ZipFile(io.BytesIO(xlsx_bytes([_table([[PAYLOADS[0], 1.0, 0.5]])])))
    assert b"<f>" not in raw.read("xl/worksheets/sheet1.xml")


def test_formula_starts_are_quoted_in_csv() -> None:
    content = csv_bytes(_table([[p, -2.5, None] for p in PAYLOADS]))
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["单位", "得分", "满意率"]
    assert [r[0] for r in rows[1:]] == ["'" + p for p in PAYLOADS]
    assert [r[1] for r in rows[1:]] == ["-2.5"] * len(PAYLOADS)  # a number is no formula
    assert csv_safe("市发展改革委") == "市发展改革委" and csv_safe("a=1") == "a=1"


def test_numbers_keep_full_precision_behind_the_rounding() -> None:
    book = load_workbook(io.BytesIO(xlsx_bytes([_table([["甲", 83.456789, 0.85126]])])))
    sheet = book.active
    assert sheet is not None
    assert sheet["B2"].value == 83.456789 and sheet["B2"].number_format == "0.0"
    assert sheet["C2"].value == 0.85126 and sheet["C2"].number_format == "0.0%"
    assert sheet.freeze_panes == "A2"
    # Chinese text counts double, so the column is wide enough for its heading and values.
    assert sheet.column_dimensions["A"].width >= 4
    rows = list(
        csv.reader(io.StringIO(csv_bytes(_table([["甲", 83.456789, 0.85126]])).decode("utf-8-sig")))
    )
    assert rows[1] == ["甲", "83.5", "85.1%"]
    assert decimals_format(0) == "0" and decimals_format(3) == "0.000"


def test_sheet_names_excel_accepts() -> None:
    tables = [
        Table("a/b:c*?[d]", [Column("x")], [["1"]]),
        Table("长" * 40, [Column("x")], []),
        Table("长" * 40, [Column("x")], []),
    ]
    book = load_workbook(io.BytesIO(xlsx_bytes(tables)))
    assert book.sheetnames[0] == "a_b_c___d_"
    assert len(book.sheetnames[1]) == 31 and len(book.sheetnames[2]) == 31
    assert book.sheetnames[1] != book.sheetnames[2]


def test_control_characters_xml_cannot_hold_are_dropped() -> None:
    book = load_workbook(io.BytesIO(xlsx_bytes([_table([["甲\x00乙\x1b", None, None]])])))
    sheet = book.active
    assert sheet is not None and sheet["A2"].value == "甲乙"
