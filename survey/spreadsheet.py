"""The one writer of tables as files (XLSX and CSV) that every export of the app goes through.

Cells that a spreadsheet program would run as a formula are written as text (OWASP's CSV
injection guidance): a unit renamed ``=HYPERLINK(...)`` must reach the office as the words it
typed, never as a live link or a calculation. Numbers keep their full precision; the office's
rounding travels as a number format (XLSX) or as the written figure (CSV, which has no formats).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from survey.errors import N_, Message

# What makes a spreadsheet program read a cell as a formula (OWASP: = + - @, tab, CR).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Control characters that XLSX (XML 1.0) cannot hold at all; tab, LF and CR it can.
_NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# Characters Excel refuses in a sheet name.
_NOT_IN_SHEET_NAME = re.compile(r"[\[\]:*?/\\]")
SHEET_NAME_LIMIT = 31
MAX_COLUMN_WIDTH = 60
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Number formats for the office's usual roundings.
ONE_DECIMAL = "0.0"
TWO_DECIMALS = "0.00"
WHOLE = "0"
PERCENT_ONE_DECIMAL = "0.0%"
PERCENT_WHOLE = "0%"

Value = str | int | float | bool | date | datetime | None


def decimals_format(decimals: int) -> str:
    """The number format that shows ``decimals`` places ("0", "0.0", "0.00", …)."""
    return "0" if decimals <= 0 else "0." + "0" * decimals


@dataclass(frozen=True)
class Reader:
    """Who reads the file: the language, and how a message id or ``Message`` reads in it."""

    language: str
    words: Callable[[str | Message], str]

    def named(self, name: str, name_en: str = "") -> str:
        """A name the office entered, in the reader's language when it has one."""
        return name_en if self.language == "en" and name_en else name

    def yes_no(self, flag: bool | None) -> str | None:
        if flag is None:
            return None
        return self.words(N_("yes") if flag else N_("no"))


@dataclass(frozen=True)
class Column:
    """One column: its heading (already in the reader's language) and its number format."""

    heading: str
    number_format: str | None = None
    width: int | None = None


@dataclass
class Table:
    """A sheet of the workbook, or the whole of a CSV file."""

    title: str
    columns: Sequence[Column]
    rows: list[Sequence[Value]] = field(default_factory=list)


def method_sheet(
    reader: Reader, evaluation_name: str, when: datetime, rows: Iterable[Sequence[Value]]
) -> Table:
    """The method sheet every export ends with: which evaluation, when it was exported, then
    the export's own item/value ``rows`` (what the figures mean and how they were made)."""
    words = reader.words
    heading: list[Sequence[Value]] = [
        [words(N_("Evaluation")), evaluation_name],
        [words(N_("Exported at (UTC)")), when.strftime("%Y-%m-%d %H:%M")],
    ]
    columns = [Column(words(N_("Item"))), Column(words(N_("Value")), width=90)]
    return Table(words(N_("Method")), columns, [*heading, *rows])


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def csv_safe(text: str) -> str:
    """``text`` as a CSV field no spreadsheet program runs: a leading quote when it could start
    a formula (OWASP), so the program shows it as text."""
    return "'" + text if is_formula_like(text) else text


def _xml_safe(text: str) -> str:
    """``text`` as XML can hold it: no control characters it forbids, and line ends as LF,
    since every XML reader turns a bare CR into LF anyway (XML 1.0, section 2.11); writing it
    so makes the workbook read back exactly as written."""
    return _NOT_IN_XML.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def _csv_value(value: Value, column: Column) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return _formatted(value, column.number_format)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return csv_safe(value)


def _formatted(number: float, number_format: str | None) -> str:
    """The figure as the number format shows it, for CSV readers that see no formats."""
    if number_format is None or number != number:  # NaN has no rounding
        return repr(number) if isinstance(number, float) else str(number)
    percent = number_format.endswith("%")
    pattern = number_format.rstrip("%")
    decimals = len(pattern.partition(".")[2])
    shown = number * 100 if percent else number
    return f"{shown:.{decimals}f}" + ("%" if percent else "")


def csv_text(table: Table) -> str:
    """The table as CSV text: a heading row, then the rows; every field quoted when needed."""
    buffer = io.StringIO()
    # QUOTE_ALL also keeps a field such as 'a,=1' from splitting into a new cell (OWASP).
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    writer.writerow([csv_safe(c.heading) for c in table.columns])
    for row in table.rows:
        writer.writerow(
            [_csv_value(value, column) for value, column in zip(row, table.columns, strict=True)]
        )
    return buffer.getvalue()


def csv_bytes(table: Table) -> bytes:
    """CSV in UTF-8 with a byte-order mark, so that Excel opens Chinese text as Chinese."""
    return csv_text(table).encode("utf-8-sig")


def _sheet_names(tables: Iterable[Table]) -> list[str]:
    """Names Excel accepts: no reserved characters, at most 31 characters, none twice."""
    names: list[str] = []
    taken: set[str] = set()
    for number, table in enumerate(tables, start=1):
        base = _xml_safe(_NOT_IN_SHEET_NAME.sub("_", table.title)).strip("'").strip()
        base = (base or f"Sheet{number}")[:SHEET_NAME_LIMIT]
        name, n = base, 2
        while name.lower() in taken:
            suffix = f" ({n})"
            name = base[: SHEET_NAME_LIMIT - len(suffix)] + suffix
            n += 1
        taken.add(name.lower())
        names.append(name)
    return names


def _display_width(text: str) -> int:
    """Columns are measured in Latin characters; a Chinese character takes two."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def xlsx_bytes(tables: Sequence[Table]) -> bytes:
    """The tables as one workbook, a sheet each, with the header row frozen."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.worksheets[0])
    for table, name in zip(tables, _sheet_names(tables), strict=True):
        sheet = workbook.create_sheet(name)
        widths = [_display_width(c.heading) for c in table.columns]
        for col, column in enumerate(table.columns, start=1):
            _put(sheet.cell(row=1, column=col), column.heading)
        for r, row in enumerate(table.rows, start=2):
            for col, (value, column) in enumerate(zip(row, table.columns, strict=True), start=1):
                cell = sheet.cell(row=r, column=col)
                _put(cell, value)
                number = isinstance(value, int | float) and not isinstance(value, bool)
                if column.number_format and number:
                    cell.number_format = column.number_format
                if isinstance(value, str):
                    longest = max((_display_width(p) for p in value.splitlines()), default=0)
                    widths[col - 1] = max(widths[col - 1], longest)
                elif value is not None:
                    widths[col - 1] = max(widths[col - 1], 10)
        for col, column in enumerate(table.columns, start=1):
            width = column.width or min(MAX_COLUMN_WIDTH, widths[col - 1] + 2)
            sheet.column_dimensions[get_column_letter(col)].width = width
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _put(cell: object, value: Value) -> None:
    """Set the cell; a string stays a string even when it starts like a formula."""
    from openpyxl.cell.cell import Cell

    assert isinstance(cell, Cell)
    if isinstance(value, str):
        cell.value = _xml_safe(value)
        # openpyxl reads a leading '=' as a formula: force the text type, and the quote prefix
        # tells Excel to keep it text when someone edits the cell.
        cell.data_type = "s"
        if is_formula_like(value):
            cell.quotePrefix = True
        return
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.replace(tzinfo=None)  # XLSX has no time zones; stored times are UTC
    cell.value = value
