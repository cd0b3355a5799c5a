"""Schemes as XLSX workbooks: written for editing in a spreadsheet and read back, checked by cell.

``to_workbook`` writes one sheet per part of the scheme (layout in
``scheme_workbook_layout``). ``read_workbook`` turns the sheets back into the same mapping a
YAML file gives and runs the same checks as a YAML import; each problem names its sheet, row
and column. Every text cell is written as text, so a name such as ``=HYPERLINK(…)`` never
becomes a formula.
"""

from __future__ import annotations

import io
import json
import math
import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session

from survey.composite import scheme_workbook_layout as layout
from survey.composite.schemas import BlockSpec, SchemeSpec
from survey.composite.scheme_check import _check_against_database, check_scheme
from survey.composite.scheme_parse import GENERIC, Loc, SchemeProblem, _Problems, field_path
from survey.errors import N_
from survey.validation import problem_message

Translate = Callable[[str], str]
MAX_WORKBOOK_BYTES = 5_000_000
MAX_ROWS = 5000
_TAGS = frozenset({"hard", "satisfaction", "qualitative", "excellence"})
_SPLIT = re.compile(r"\s*[,，;；、]\s*")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# Writing -------------------------------------------------------------------------------------


def _joined(values: Iterable[Any]) -> str:
    return ", ".join(_number_text(v) if isinstance(v, float | int) else str(v) for v in values)


def _number_text(value: float | int) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def _shown(kind: str, choice: str, value: Any, translate: Translate) -> Any:
    """A scheme value as its cell shows it."""
    if value is None:
        return None
    if kind == layout.CHOICE:
        return translate(layout.CHOICES[choice].get(value, value))
    if kind == layout.YESNO:
        return translate(layout.YES if value else layout.NO)
    if kind in (layout.CODES, layout.NUMBERS, layout.PAIR):
        return _joined(value)
    if kind == layout.JSON:
        return _json(value) if value else None
    return value


def _blocks(node: SchemeSpec | BlockSpec, prefix: str) -> Iterable[tuple[str, BlockSpec]]:
    for block in node.blocks:
        path = f"{prefix}/{block.code}" if prefix else block.code
        yield path, block
        yield from _blocks(block, path)


def _nodes(spec: SchemeSpec) -> list[tuple[str, SchemeSpec | BlockSpec]]:
    """The root (path "") and every block, parents before children."""
    return [("", spec), *_blocks(spec, "")]


def _source_cells(source: Any) -> dict[str, Any]:
    if source is None:
        return {}
    data = source.model_dump(mode="json", exclude_defaults=True)
    cells: dict[str, Any] = {"source": data.pop("type", source.type)}
    code = data.pop("indicator", None) or data.pop("item", None)
    cells["source_code"] = code
    cells["period"] = data.pop("period", None)
    if source.type == "satisfaction":
        cells["groups"] = data.pop("groups", None) or None
    periods = data.pop("periods", None)
    if periods is not None:
        cells["periods"] = periods.pop("codes")
        cells["period_weights"] = periods.pop("weights", None)
        if periods:
            data["periods"] = periods
    cells["source_other"] = data or None
    return cells


def sheet_rows(spec: SchemeSpec) -> dict[str, list[dict[str, Any]]]:
    """Each sheet's rows as column key -> scheme value (codes, numbers, lists)."""
    settings: list[dict[str, Any]] = []
    for setting in layout.SETTINGS:
        settings.append({"key": setting.key, "value": _setting_value(spec, setting.key)})
    rows: dict[str, list[dict[str, Any]]] = {"scheme": settings}
    rows["blocks"] = [
        {
            "path": path,
            "name": b.name,
            "name_en": b.name_en or None,
            "points": b.points,
            "weight": b.weight,
            "missing": b.missing,
            "cap": b.cap,
            "weighting": (
                b.weighting.model_dump(mode="json", exclude_none=True) if b.weighting else None
            ),
            "topsis": b.topsis.model_dump(mode="json") if b.topsis else None,
        }
        for path, b in _blocks(spec, "")
    ]
    rows["indicators"] = [
        {
            "block": path or None,
            "code": ind.code,
            "name": ind.name,
            "name_en": ind.name_en or None,
            "points": ind.points,
            "weight": ind.weight,
            "direction": ind.direction,
            "method": ind.method,
            "params": ind.params,
            **_source_cells(ind.source),
            "parts": (
                {k: p.model_dump(mode="json", exclude_defaults=True) for k, p in ind.parts.items()}
                if ind.parts is not None
                else None
            ),
        }
        for path, node in _nodes(spec)
        for ind in node.indicators
    ]
    g = spec.grades
    rows["grades"] = [
        {
            "name": name,
            "threshold": g.thresholds[k] if g.thresholds and k < len(g.thresholds) else None,
            "max_share": g.max_shares[k] if g.max_shares and k < len(g.max_shares) else None,
        }
        for k, name in enumerate(g.names)
    ]
    p = spec.periods
    rows["periods"] = (
        []
        if p is None
        else [
            {"code": code, "weight": p.weights[k] if p.weights and k < len(p.weights) else None}
            for k, code in enumerate(p.codes)
        ]
    )
    adjustments: list[dict[str, Any]] = []
    for path, node in _nodes(spec):
        for adj in node.adjustments:
            head: dict[str, Any] = {
                "block": path or None,
                "code": adj.code,
                "name": adj.name,
                "name_en": adj.name_en or None,
                "source": adj.source,
                "bonus_total_max": adj.bonus_total_max,
                "deduction_total_min": adj.deduction_total_min,
                "total_bounds": adj.total_bounds,
                "low": adj.low,
            }
            if not adj.items:
                adjustments.append(head)
            for k, item in enumerate(adj.items):
                row: dict[str, Any] = (
                    dict(head) if k == 0 else {"block": path or None, "code": adj.code}
                )
                row.update(
                    item_code=item.code,
                    item_name=item.name,
                    item_name_en=item.name_en or None,
                    item_low=item.low,
                    item_high=item.high,
                )
                adjustments.append(row)
    rows["adjustments"] = adjustments
    rows["coefficients"] = [
        {"block": path or None, **node.coefficient.model_dump(mode="json")}
        for path, node in _nodes(spec)
        if node.coefficient is not None
    ]
    rows["warnings"] = [w.model_dump(mode="json") for w in spec.warnings]
    rows["tie_breaks"] = [t.model_dump(mode="json") for t in spec.ranking.tie_break]
    return rows


def _setting_value(spec: SchemeSpec, key: str) -> Any:
    if key == "grades.use_thresholds":
        return spec.grades.thresholds is not None
    if key == "grades.use_max_shares":
        return spec.grades.max_shares is not None
    if key in ("interview", "progress_award", "differentiation"):
        return getattr(spec, key) is not None
    value: Any = spec
    for part in key.split("."):
        if value is None:
            return None
        value = getattr(value, part)
    if isinstance(value, tuple):
        return list(value)
    return value


def _text_cell(cell: Any, value: str) -> None:
    """Text stays text: a leading = + - @ tab or CR must not turn into a formula."""
    cell.value = value
    cell.data_type = "s"
    if value.startswith(_FORMULA_START):
        cell.quotePrefix = True


def to_workbook(spec: SchemeSpec, translate: Translate) -> bytes:
    """The scheme as an XLSX workbook in the reader's language."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    workbook.remove(workbook.active)
    rows = sheet_rows(spec)
    choices = workbook.create_sheet(translate(layout.CHOICE_SHEET))
    ranges: dict[str, str] = {}
    for k, (name, options) in enumerate(layout.CHOICES.items()):
        letter = get_column_letter(k + 1)
        choices.cell(1, k + 1, name)
        for j, label in enumerate(options.values()):
            _text_cell(choices.cell(j + 2, k + 1), translate(label))
        ranges[name] = f"'{choices.title}'!${letter}$2:${letter}${len(options) + 1}"
    choices.sheet_state = "hidden"
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDE7F3")
    for sheet in layout.SHEETS:
        ws = workbook.create_sheet(translate(sheet.title))
        for c, column in enumerate(sheet.columns, start=1):
            cell = ws.cell(1, c)
            _text_cell(cell, translate(column.heading))
            cell.font = bold
            cell.fill = fill
            cell.alignment = Alignment(wrap_text=True, vertical="center")
            ws.column_dimensions[get_column_letter(c)].width = column.width
        ws.freeze_panes = "A2"
        body = rows[sheet.key]
        for r, row in enumerate(body, start=2):
            if sheet is layout.SCHEME:
                setting = _setting(row["key"])
                values = {
                    "label": translate(setting.label),
                    "value": _shown(setting.kind, setting.choice, row["value"], translate),
                    "key": setting.key,
                }
                if setting.kind in (layout.CHOICE, layout.YESNO):
                    choice = setting.choice or "yesno"
                    validation = DataValidation(type="list", formula1=ranges[choice])
                    ws.add_data_validation(validation)
                    validation.add(f"B{r}")
            else:
                values = {
                    col.key: _shown(col.kind, col.choice, row.get(col.key), translate)
                    for col in sheet.columns
                }
            for c, column in enumerate(sheet.columns, start=1):
                value = values.get(column.key)
                if isinstance(value, str):
                    _text_cell(ws.cell(r, c), value)
                elif value is not None:
                    ws.cell(r, c, value)
        if sheet is not layout.SCHEME:
            last = max(len(body) + 200, 500)
            for c, column in enumerate(sheet.columns, start=1):
                if column.kind == layout.CHOICE:
                    letter = get_column_letter(c)
                    validation = DataValidation(
                        type="list", formula1=ranges[column.choice], allow_blank=True
                    )
                    ws.add_data_validation(validation)
                    validation.add(f"{letter}2:{letter}{last}")
    workbook.move_sheet(choices, offset=len(layout.SHEETS))
    workbook.active = 0
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _setting(key: str) -> layout.Setting:
    return next(s for s in layout.SETTINGS if s.key == key)


# Reading -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    sheet: str
    row: int
    column: str
    heading: str

    @property
    def ref(self) -> str:
        return f"{self.sheet}!{self.column}{self.row}"


@dataclass(frozen=True)
class WorkbookProblem:
    """One problem of an uploaded workbook: where it is and what is wrong.

    ``checked`` problems come from the scheme checks YAML imports share; their message starts
    with a line and a field, which the web layer replaces by the cell.
    """

    sheet: str
    row: int
    column: str
    heading: str
    message: str
    params: dict[str, Any]
    checked: bool = False

    @property
    def cell(self) -> str:
        return f"{self.sheet}!{self.column}{self.row}"


@dataclass
class WorkbookReading:
    """What an uploaded workbook holds: the scheme, or the problems that keep it out."""

    spec: SchemeSpec | None
    problems: list[WorkbookProblem]


class _Bad(Exception):
    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message)
        self.message = message
        self.params = params


class _Reader:
    """Sheets -> the scheme mapping, with the cell of every value for locating problems."""

    def __init__(self, translations: Sequence[Translate]) -> None:
        self.translations = translations
        self.cells: dict[Loc, Cell] = {}
        self.problems: list[WorkbookProblem] = []
        self.first_cell = Cell("-", 1, "A", "")

    def words(self, message: str) -> set[str]:
        return {t(message).strip() for t in self.translations} | {message}

    def bad(self, cell: Cell, message: str, **params: Any) -> None:
        self.problems.append(
            WorkbookProblem(cell.sheet, cell.row, cell.column, cell.heading, message, params)
        )

    # Values

    def value(self, cell: Cell, raw: Any, kind: str, choice: str = "") -> Any:
        if isinstance(raw, str):
            raw = raw.strip()
            if raw == "":
                return None
        if raw is None:
            return None
        if kind == layout.TEXT:
            return _number_text(raw) if isinstance(raw, float | int) else str(raw)
        if kind == layout.NUMBER:
            return _to_number(raw)
        if kind == layout.WHOLE:
            number = _to_number(raw)
            if not float(number).is_integer():
                raise _Bad(N_("%(value)s is not a whole number."), value=raw)
            return int(number)
        if kind in (layout.CHOICE, layout.YESNO):
            options = layout.CHOICES[choice or "yesno"]
            if isinstance(raw, bool):
                found: str | None = "yes" if raw else "no"
            else:
                found = next(
                    (code for code, label in options.items() if str(raw) in self.words(label)),
                    str(raw) if str(raw) in options else None,
                )
            if found is None:
                raise _Bad(
                    N_("%(value)s is not one of the choices (%(choices)s)."),
                    value=raw,
                    choices=" / ".join(self.translations[0](label) for label in options.values()),
                )
            return found == "yes" if kind == layout.YESNO else found
        if kind == layout.CODES:
            return [p for p in _SPLIT.split(str(raw)) if p]
        if kind in (layout.NUMBERS, layout.PAIR):
            numbers = [_to_number(p) for p in _SPLIT.split(str(raw)) if p]
            if kind == layout.PAIR and len(numbers) != 2:
                raise _Bad(N_("Give two numbers: low, high."))
            return numbers
        if kind == layout.JSON:
            try:
                data = json.loads(str(raw))
            except ValueError as error:
                raise _Bad(
                    N_("The cell is not valid JSON (%(problem)s)."), problem=str(error)
                ) from None
            if not isinstance(data, dict):
                raise _Bad(N_('The cell must hold a JSON object such as {"key": 1}.'))
            return data
        raise AssertionError(kind)

    def sheet_rows(
        self, workbook: Any, sheet: layout.Sheet
    ) -> list[tuple[int, dict[str, tuple[Cell, Any]]]]:
        """Rows of one sheet as column key -> (cell, raw value); blank rows left out."""
        names = self.words(sheet.title)
        ws = next((w for w in workbook.worksheets if w.title.strip() in names), None)
        if ws is None:
            if sheet is layout.SCHEME:
                self.bad(
                    Cell(self.translations[0](sheet.title), 1, "A", ""),
                    N_("The workbook has no sheet %(sheet)s."),
                    sheet=self.translations[0](sheet.title),
                )
            return []
        header = [c.value for c in next(ws.iter_rows(min_row=1, max_row=1), ())]
        letters: dict[str, tuple[int, str, str]] = {}
        for column in sheet.columns:
            names = self.words(column.heading)
            for k, text in enumerate(header):
                if isinstance(text, str) and text.strip() in names:
                    from openpyxl.utils import get_column_letter

                    letters[column.key] = (k, get_column_letter(k + 1), str(text).strip())
                    break
            else:
                if column.optional:
                    continue
                self.bad(
                    Cell(ws.title, 1, "A", ""),
                    N_("The column %(column)s is missing."),
                    column=self.translations[0](column.heading),
                )
        out: list[tuple[int, dict[str, tuple[Cell, Any]]]] = []
        for r, values in enumerate(ws.iter_rows(min_row=2, values_only=True), start=2):
            if r > MAX_ROWS:
                self.bad(Cell(ws.title, r, "A", ""), N_("The sheet has too many rows."))
                break
            row: dict[str, tuple[Cell, Any]] = {}
            for key, (k, letter, heading) in letters.items():
                raw = values[k] if k < len(values) else None
                row[key] = (Cell(ws.title, r, letter, heading), raw)
            if all(v is None or (isinstance(v, str) and not v.strip()) for _, v in row.values()):
                continue
            out.append((r, row))
        return out

    def read(self, row: dict[str, tuple[Cell, Any]], column: layout.Column) -> Any:
        if column.key not in row:
            return None
        cell, raw = row[column.key]
        try:
            return self.value(cell, raw, column.kind, column.choice)
        except _Bad as error:
            self.bad(cell, error.message, **error.params)
            return None


def _to_number(raw: Any) -> float | int:
    if isinstance(raw, bool):
        raise _Bad(N_("%(value)s is not a number."), value=raw)
    if isinstance(raw, int | float):
        number = raw
    else:
        try:
            number = float(str(raw).replace("，", ",").strip().rstrip("%"))
        except ValueError:
            raise _Bad(N_("%(value)s is not a number."), value=raw) from None
        if str(raw).strip().endswith("%"):
            number = number / 100
    if isinstance(number, float) and not math.isfinite(number):
        raise _Bad(N_("%(value)s is not a number."), value=raw)
    return number


def _row_values(
    reader: _Reader, sheet: layout.Sheet, row: dict[str, tuple[Cell, Any]]
) -> dict[str, Any]:
    return {c.key: reader.read(row, c) for c in sheet.columns}


def _put(target: dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        target[key] = value


def _build(reader: _Reader, workbook: Any) -> dict[str, Any]:
    """The scheme mapping from the sheets; where each value came from goes to ``reader.cells``."""
    raw: dict[str, Any] = {}
    cells = reader.cells
    scheme_rows = reader.sheet_rows(workbook, layout.SCHEME)
    if scheme_rows:
        reader.first_cell = (
            scheme_rows[0][1]["value"][0] if "value" in scheme_rows[0][1] else (reader.first_cell)
        )
    flags: dict[str, bool] = {}
    nested: dict[str, dict[str, Any]] = {}
    for _, row in scheme_rows:
        key_cell, key_raw = row.get("key", (None, None))
        value_cell, value_raw = row.get("value", (None, None))
        if key_cell is None or value_cell is None:
            continue
        key = str(key_raw or "").strip()
        setting = next((s for s in layout.SETTINGS if s.key == key), None)
        if setting is None:
            label = str(row.get("label", (None, ""))[1] or "").strip()
            setting = next((s for s in layout.SETTINGS if label in reader.words(s.label)), None)
        if setting is None:
            reader.bad(key_cell, N_("There is no setting %(value)s."), value=key or "-")
            continue
        try:
            value = reader.value(value_cell, value_raw, setting.kind, setting.choice)
        except _Bad as error:
            reader.bad(value_cell, error.message, **error.params)
            continue
        parts = setting.key.split(".")
        if (
            setting.key in ("interview", "progress_award", "differentiation")
            or parts[0] == "grades"
        ):
            if value is not None:
                flags[setting.key] = bool(value)
            cells[tuple(parts)] = value_cell
            continue
        cells[tuple(parts)] = value_cell
        if value is None and not setting.nullable:
            continue
        if len(parts) == 1:
            raw[parts[0]] = value
        else:
            nested.setdefault(parts[0], {})[parts[1]] = value
    for name in ("interview", "progress_award", "differentiation"):
        values = nested.pop(name, None)
        if flags.get(name) is False:
            raw[name] = None
        elif flags.get(name) or values is not None:
            raw[name] = values or {}
    for name, values in nested.items():
        if name != "periods":
            raw[name] = values
    _read_blocks(reader, workbook, raw)
    _read_grades(reader, workbook, raw, flags)
    _read_periods(reader, workbook, raw, nested.get("periods", {}))
    _read_warnings(reader, workbook, raw)
    return raw


def _read_blocks(reader: _Reader, workbook: Any, raw: dict[str, Any]) -> None:
    nodes: dict[str, tuple[dict[str, Any], Loc]] = {"": (raw, ())}
    cells = reader.cells
    for _, row in reader.sheet_rows(workbook, layout.BLOCKS):
        v = _row_values(reader, layout.BLOCKS, row)
        path_cell = row["path"][0] if "path" in row else reader.first_cell
        path = "/".join(p.strip() for p in str(v["path"] or "").split("/"))
        parent, _, code = path.rpartition("/")
        if not code:
            reader.bad(path_cell, N_("Give the block's path, such as growth or growth/revenue."))
            continue
        if path in nodes:
            reader.bad(path_cell, N_("The block %(path)s is listed twice."), path=path)
            continue
        if parent not in nodes:
            reader.bad(
                path_cell,
                N_("No block above has the path %(path)s; list a block before its sub-blocks."),
                path=parent,
            )
            continue
        holder, holder_loc = nodes[parent]
        siblings = holder.setdefault("blocks", [])
        loc: Loc = (*holder_loc, "blocks", len(siblings))
        block: dict[str, Any] = {"code": code}
        for key in ("name", "name_en", "points", "weight", "missing", "cap", "weighting", "topsis"):
            _put(block, key, v[key])
        siblings.append(block)
        nodes[path] = (block, loc)
        cells[loc] = path_cell
        cells[(*loc, "code")] = path_cell
        for key, (cell, _raw) in row.items():
            if key != "path":
                cells[(*loc, key)] = cell
    _read_indicators(reader, workbook, nodes)
    _read_adjustments(reader, workbook, nodes)
    _read_coefficients(reader, workbook, nodes)
    ties: list[dict[str, Any]] = []
    for _, row in reader.sheet_rows(workbook, layout.TIE_BREAKS):
        v = _row_values(reader, layout.TIE_BREAKS, row)
        loc = ("ranking", "tie_break", len(ties))
        ties.append({k: val for k, val in v.items() if val is not None})
        cells[loc] = row["block"][0] if "block" in row else reader.first_cell
        for key, (cell, _raw) in row.items():
            cells[(*loc, key)] = cell
    if ties:
        raw.setdefault("ranking", {})["tie_break"] = ties


def _holder(
    reader: _Reader,
    nodes: dict[str, tuple[dict[str, Any], Loc]],
    row: dict[str, tuple[Cell, Any]],
    value: Any,
) -> tuple[dict[str, Any], Loc] | None:
    path = "/".join(p.strip() for p in str(value or "").split("/")) if value else ""
    if path not in nodes:
        cell = row["block"][0] if "block" in row else reader.first_cell
        reader.bad(
            cell,
            N_("No block has the path %(path)s; list it on the sheet %(sheet)s."),
            path=path,
            sheet=reader.translations[0](layout.BLOCKS.title),
        )
        return None
    return nodes[path]


def _read_indicators(
    reader: _Reader, workbook: Any, nodes: dict[str, tuple[dict[str, Any], Loc]]
) -> None:
    cells = reader.cells
    for _, row in reader.sheet_rows(workbook, layout.INDICATORS):
        v = _row_values(reader, layout.INDICATORS, row)
        found = _holder(reader, nodes, row, v["block"])
        if found is None:
            continue
        holder, holder_loc = found
        siblings = holder.setdefault("indicators", [])
        loc: Loc = (*holder_loc, "indicators", len(siblings))
        indicator: dict[str, Any] = {}
        for key in ("code", "name", "name_en", "points", "weight", "direction", "method"):
            _put(indicator, key, v[key])
        _put(indicator, "params", v["params"])
        _put(indicator, "parts", v["parts"])
        source: dict[str, Any] | None = None
        if v["source"] is not None:
            source = dict(v["source_other"] or {})
            source["type"] = v["source"]
            if v["source_code"] is not None:
                source["item" if v["source"] == "qualitative" else "indicator"] = v["source_code"]
            _put(source, "period", v["period"])
            _put(source, "groups", v["groups"])
            if v["periods"] is not None or v["period_weights"] is not None:
                periods = dict(source.get("periods") or {})
                _put(periods, "codes", v["periods"])
                _put(periods, "weights", v["period_weights"])
                source["periods"] = periods
            indicator["source"] = source
        siblings.append(indicator)
        first = row["code"][0] if "code" in row else reader.first_cell
        cells[loc] = first
        for key, (cell, _raw) in row.items():
            cells[(*loc, key)] = cell
        src = (*loc, "source")
        for key, target in (
            ("source", ()),
            ("source_code", ("indicator",)),
            ("source_code", ("item",)),
            ("period", ("period",)),
            ("periods", ("periods",)),
            ("periods", ("periods", "codes")),
            ("period_weights", ("periods", "weights")),
            ("groups", ("groups",)),
        ):
            if key in row:
                cells[(*src, *target)] = row[key][0]
        if "source_other" in row and source is not None:
            for key in source:
                if key not in ("type", "indicator", "item", "period", "groups", "periods"):
                    cells[(*src, key)] = row["source_other"][0]
            if v["source_other"] and "periods" in v["source_other"]:
                cells[(*src, "periods", "missing")] = row["source_other"][0]


def _read_adjustments(
    reader: _Reader, workbook: Any, nodes: dict[str, tuple[dict[str, Any], Loc]]
) -> None:
    cells = reader.cells
    seen: dict[tuple[str, str], tuple[dict[str, Any], Loc]] = {}
    for _, row in reader.sheet_rows(workbook, layout.ADJUSTMENTS):
        v = _row_values(reader, layout.ADJUSTMENTS, row)
        found = _holder(reader, nodes, row, v["block"])
        if found is None:
            continue
        holder, holder_loc = found
        key = (str(v["block"] or ""), str(v["code"] or ""))
        first = row["code"][0] if "code" in row else reader.first_cell
        if key in seen and v["code"] is not None:
            adjustment, loc = seen[key]
        else:
            siblings = holder.setdefault("adjustments", [])
            loc = (*holder_loc, "adjustments", len(siblings))
            adjustment = {"items": []}
            siblings.append(adjustment)
            seen[key] = (adjustment, loc)
            cells[loc] = first
        for name in (
            "code",
            "name",
            "name_en",
            "source",
            "bonus_total_max",
            "deduction_total_min",
            "total_bounds",
            "low",
        ):
            if v[name] is not None and name not in adjustment:
                adjustment[name] = v[name]
                cells[(*loc, name)] = row[name][0]
        item_keys = ("item_code", "item_name", "item_name_en", "item_low", "item_high")
        if any(v[k] is not None for k in item_keys):
            item_loc: Loc = (*loc, "items", len(adjustment["items"]))
            item: dict[str, Any] = {}
            for name in item_keys:
                _put(item, name.removeprefix("item_"), v[name])
                if name in row:
                    cells[(*item_loc, name.removeprefix("item_"))] = row[name][0]
            cells[item_loc] = row["item_code"][0] if "item_code" in row else first
            adjustment["items"].append(item)


def _read_coefficients(
    reader: _Reader, workbook: Any, nodes: dict[str, tuple[dict[str, Any], Loc]]
) -> None:
    cells = reader.cells
    for _, row in reader.sheet_rows(workbook, layout.COEFFICIENTS):
        v = _row_values(reader, layout.COEFFICIENTS, row)
        found = _holder(reader, nodes, row, v["block"])
        if found is None:
            continue
        holder, holder_loc = found
        first = row["indicator"][0] if "indicator" in row else reader.first_cell
        if "coefficient" in holder:
            reader.bad(
                first,
                N_("The block %(path)s already has a coefficient."),
                path=v["block"] or "-",
            )
            continue
        loc: Loc = (*holder_loc, "coefficient")
        holder["coefficient"] = {k: val for k, val in v.items() if k != "block" and val is not None}
        cells[loc] = first
        for key, (cell, _raw) in row.items():
            cells[(*loc, key)] = cell


def _read_grades(
    reader: _Reader, workbook: Any, raw: dict[str, Any], flags: dict[str, bool]
) -> None:
    rows = reader.sheet_rows(workbook, layout.GRADES)
    grades: dict[str, Any] = {}
    names: list[Any] = []
    thresholds: list[Any] = []
    shares: list[Any] = []
    for k, (_, row) in enumerate(rows):
        v = _row_values(reader, layout.GRADES, row)
        names.append(v["name"])
        thresholds.append(v["threshold"])
        shares.append(v["max_share"])
        for key, target in (
            ("name", "names"),
            ("threshold", "thresholds"),
            ("max_share", "max_shares"),
        ):
            if key in row:
                reader.cells[("grades", target, k)] = row[key][0]
    header = Cell(reader.translations[0](layout.GRADES.title), 1, "A", "")
    reader.cells[("grades",)] = rows[0][1]["name"][0] if rows and "name" in rows[0][1] else header
    if names:
        grades["names"] = names
    # Score lines and quotas stop one grade before the last: the last grade takes the rest.
    for flag, values, key in (
        ("grades.use_thresholds", thresholds, "thresholds"),
        ("grades.use_max_shares", shares, "max_shares"),
    ):
        if flags.get(flag) is False:
            grades[key] = None
        elif names:
            if len(values) > 1 and values[-1] is None:
                values = values[:-1]
            grades[key] = values
    if grades:
        raw["grades"] = grades


def _read_periods(
    reader: _Reader, workbook: Any, raw: dict[str, Any], settings: dict[str, Any]
) -> None:
    rows = reader.sheet_rows(workbook, layout.PERIODS)
    codes: list[Any] = []
    weights: list[Any] = []
    for k, (_, row) in enumerate(rows):
        v = _row_values(reader, layout.PERIODS, row)
        codes.append(v["code"])
        weights.append(v["weight"])
        if "code" in row:
            reader.cells[("periods", "codes", k)] = row["code"][0]
            reader.cells[("periods",)] = rows[0][1]["code"][0]
        if "weight" in row:
            reader.cells[("periods", "weights", k)] = row["weight"][0]
            reader.cells[("periods", "weights")] = row["weight"][0]
    if not codes:
        return
    periods: dict[str, Any] = {"codes": codes, **settings}
    if any(w is not None for w in weights):
        periods["weights"] = weights
    raw["periods"] = periods


def _read_warnings(reader: _Reader, workbook: Any, raw: dict[str, Any]) -> None:
    warnings: list[dict[str, Any]] = []
    for _, row in reader.sheet_rows(workbook, layout.WARNINGS):
        v = _row_values(reader, layout.WARNINGS, row)
        loc: Loc = ("warnings", len(warnings))
        warnings.append({k: val for k, val in v.items() if val is not None})
        reader.cells[loc] = row["indicator"][0] if "indicator" in row else reader.first_cell
        for key, (cell, _raw) in row.items():
            reader.cells[(*loc, key)] = cell
    if warnings:
        raw["warnings"] = warnings


class _CellProblems(_Problems):
    """The scheme checks' problems, located by the cell their value came from."""

    def __init__(self, reader: _Reader) -> None:
        super().__init__(None)
        self.reader = reader

    def add(self, loc: Loc, message: str, /, **params: Any) -> None:
        cell = _locate(self.reader, loc)
        where = field_path(loc)
        self.reader.problems.append(
            WorkbookProblem(
                cell.sheet,
                cell.row,
                cell.column,
                cell.heading,
                message,
                {"line": "-", "field": where, **params},
                checked=True,
            )
        )
        self.items.append(SchemeProblem(None, where, message, params))


def _locate(reader: _Reader, loc: Loc) -> Cell:
    """The cell of ``loc``, or of its nearest ancestor that has one."""
    plain: list[str | int] = []
    for k, part in enumerate(loc):
        if k > 0 and loc[k - 1] == "source" and part in _TAGS:
            continue
        plain.append(part)
    for end in range(len(plain), 0, -1):
        cell = reader.cells.get(tuple(plain[:end]))
        if cell is not None:
            return cell
    return reader.first_cell


def read_workbook(
    data: bytes, translations: Sequence[Translate], session: Session | None = None
) -> WorkbookReading:
    """The scheme an uploaded workbook holds, checked as a YAML import is checked.

    ``translations`` are the languages headings and choices may be written in; the first one
    names sheets and columns in problems.
    """
    from openpyxl import load_workbook

    reader = _Reader(translations)
    if len(data) > MAX_WORKBOOK_BYTES:
        reader.bad(reader.first_cell, N_("What you sent is too large."))
        return WorkbookReading(None, reader.problems)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=False, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError):
        reader.bad(reader.first_cell, N_("The file cannot be read as an XLSX workbook."))
        return WorkbookReading(None, reader.problems)
    reader.first_cell = Cell(translations[0](layout.SCHEME.title), 1, "A", "")
    raw = _build(reader, workbook)
    if reader.problems:
        return WorkbookReading(None, reader.problems)
    problems = _CellProblems(reader)
    try:
        spec = SchemeSpec.model_validate(raw)
    except ValidationError as error:
        for item in error.errors():
            problems.add(tuple(item["loc"]), GENERIC, problem=problem_message(item))
        return WorkbookReading(None, reader.problems)
    check_scheme(spec, problems)
    if session is not None:
        _check_against_database(session, spec, problems)
    return WorkbookReading(None if reader.problems else spec, reader.problems)
