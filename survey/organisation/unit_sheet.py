"""The unit list as an XLSX workbook: export it with Chinese headings, check and import it.

An import is checked whole before anything is stored: every problem is listed by row and
column, and one bad row stores nothing. Rows whose code exists update that unit; the others
create units. Cells that a spreadsheet would run as formulas are written as text (OWASP's
guidance on CSV/formula injection), so a unit named ``=HYPERLINK(...)`` stays a name.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from survey import audit, rules
from survey.accounts import Principal
from survey.errors import N_, Invalid, Message
from survey.models import Unit, UnitCategory
from survey.organisation.units import list_units
from survey.rules import Action
from survey.schemas import CODE_PATTERN

# Column key -> heading. The headings are the office's words; import also takes the keys.
HEADINGS: dict[str, str] = {
    "code": "单位代码",
    "name": "单位名称",
    "name_en": "英文名称",
    "category": "类别代码",
    "active": "参加考核",
    "sort_order": "排序",
}
REQUIRED = ("code", "name", "category")
YES, NO = "是", "否"
_TRUE = {"是", "1", "true", "yes", "y"}
_FALSE = {"否", "0", "false", "no", "n"}
# A spreadsheet runs a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_ROWS = 5000
_CODE = re.compile(CODE_PATTERN)


@dataclass(frozen=True)
class Problem:
    row: int
    column: str  # the heading, as the file shows it
    message: Message


@dataclass(frozen=True)
class UnitRow:
    row: int
    code: str
    name: str
    name_en: str
    category: str
    active: bool
    sort_order: int
    exists: bool


@dataclass
class SheetCheck:
    rows: list[UnitRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.rows)


def export_units(session: Session) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "单位"
    sheet.append(list(HEADINGS.values()))
    for unit in list_units(session):
        sheet.append(
            [
                unit.code,
                unit.name,
                unit.name_en,
                unit.category,
                YES if unit.active else NO,
                unit.sort_order,
            ]
        )
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
                # Stored as a string cell with Excel's quote prefix: shown and kept as text.
                cell.data_type = "s"
                cell.quotePrefix = True
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def read_sheet(data: bytes) -> list[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise Invalid(N_("The file is not a readable XLSX workbook."), field="file") from None
    try:
        rows: list[tuple[int, list[str]]] = []
        for number, values in enumerate(workbook.worksheets[0].iter_rows(values_only=True), 1):
            cells = [_text(v) for v in values]
            if any(cells):
                rows.append((number, cells))
            if len(rows) > MAX_ROWS + 1:
                raise Invalid(N_("The file has more than %(n)s units."), field="file", n=MAX_ROWS)
        return rows
    finally:
        workbook.close()


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def check_rows(session: Session, rows: list[tuple[int, list[str]]]) -> SheetCheck:
    """Every problem of the sheet, by row and column, and the rows as they would be stored."""
    result = SheetCheck()
    if not rows:
        raise Invalid(N_("The file has no rows."), field="file")
    header_row, header = rows[0]
    by_heading = {h: k for k, h in HEADINGS.items()} | {k: k for k in HEADINGS}
    columns: dict[str, int] = {}
    for index, heading in enumerate(header):
        key = by_heading.get(heading.strip())
        if key and key not in columns:
            columns[key] = index
    for key in REQUIRED:
        if key not in columns:
            result.problems.append(
                Problem(header_row, HEADINGS[key], Message(N_("This column is missing.")))
            )
    if result.problems:
        return result
    categories = {c.code for c in session.exec(select(UnitCategory))}
    existing = {u.code for u in session.exec(select(Unit))}
    seen: dict[str, int] = {}

    def cell(values: list[str], key: str) -> str:
        index = columns.get(key)
        return values[index].strip() if index is not None and index < len(values) else ""

    for number, values in rows[1:]:
        problems: list[Problem] = []

        def refuse(key: str, message: str, **params: object) -> None:
            problems.append(Problem(number, HEADINGS[key], Message(message, dict(params))))  # noqa: B023

        code, name, name_en = cell(values, "code"), cell(values, "name"), cell(values, "name_en")
        category = cell(values, "category")
        if not _CODE.match(code):
            refuse("code", N_("A code has 1 to 32 letters, digits, dots, dashes or underscores."))
        elif code in seen:
            refuse(
                "code", N_("The code %(code)s is also in row %(row)s."), code=code, row=seen[code]
            )
        else:
            seen[code] = number
        if not name:
            refuse("name", N_("The name is empty."))
        elif len(name) > 100:
            refuse("name", N_("The name has more than %(n)s characters."), n=100)
        if len(name_en) > 200:
            refuse("name_en", N_("The name has more than %(n)s characters."), n=200)
        if category not in categories:
            refuse("category", N_("No unit category has the code %(code)s."), code=category)
        active_text = cell(values, "active").lower()
        if active_text and active_text not in _TRUE | _FALSE:
            refuse("active", N_("Write 是 or 否."))
        order_text = cell(values, "sort_order")
        try:
            sort_order = int(order_text) if order_text else 0
        except ValueError:
            refuse("sort_order", N_("Write a whole number."))
            sort_order = 0
        if problems:
            result.problems.extend(problems)
            continue
        result.rows.append(
            UnitRow(
                row=number,
                code=code,
                name=name,
                name_en=name_en,
                category=category,
                active=active_text not in _FALSE,
                sort_order=sort_order,
                exists=code in existing,
            )
        )
    if len(rows) == 1:
        result.problems.append(Problem(header_row, "", Message(N_("The file has no units."))))
    return result


def import_units(session: Session, data: bytes, actor: Principal, *, ip: str = "") -> SheetCheck:
    """Check the sheet and, only when no row has a problem, store it in one transaction."""
    rules.require(actor, Action.edit)
    checked = check_rows(session, read_sheet(data))
    if not checked.ok:
        return checked
    category_ids = {c.code: c.id for c in session.exec(select(UnitCategory))}
    units = {
        u.code: u
        for u in session.exec(
            select(Unit).where(col(Unit.code).in_([r.code for r in checked.rows]))
        )
    }
    for row in checked.rows:
        unit = units.get(row.code) or Unit(code=row.code, name=row.name, category_id=0)
        unit.name, unit.name_en = row.name, row.name_en
        unit.category_id = category_ids[row.category]  # type: ignore[assignment]
        unit.active, unit.sort_order = row.active, row.sort_order
        session.add(unit)
    audit.record(
        session,
        actor.name,
        "unit.import",
        target_type="unit",
        ip=ip,
        created=[r.code for r in checked.rows if not r.exists],
        updated=[r.code for r in checked.rows if r.exists],
    )
    session.commit()
    return checked
