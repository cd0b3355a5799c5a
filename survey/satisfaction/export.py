"""Satisfaction results as files: JSON, CSV (one table) and XLSX (units, cells, policy).

Column names are stable English keys, the same as the JSON fields, so that scripts can
rely on them; suppressed values are empty cells.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any, Literal

from survey.satisfaction.schemas import CellResult, SatisfactionResults, UnitResult

Table = Literal["units", "cells"]

UNIT_COLUMNS = (
    "category",
    "unit",
    "unit_name",
    "n_valid",
    "score",
    "se",
    "ci_low",
    "ci_high",
    "rank",
    "rank_low",
    "rank_high",
    "tied_with_next",
    "groups_used",
    "groups_dropped",
    "not_scored",
    "suppressed",
)
CELL_COLUMNS = (
    "unit",
    "group",
    "question",
    "n_valid",
    "n_dont_know",
    "n_eff",
    "mean",
    "se",
    "ci_low",
    "ci_high",
    "satisfied_rate",
    "rate_ci_low",
    "rate_ci_high",
    "trimmed_mean",
    "weighted",
    "suppressed",
)


def unit_row(unit: UnitResult) -> dict[str, Any]:
    low, high = unit.rank_interval or (None, None)
    return {
        "category": unit.category,
        "unit": unit.unit,
        "unit_name": unit.unit_name,
        "n_valid": unit.n_valid,
        "score": unit.score,
        "se": unit.se,
        "ci_low": unit.ci_low,
        "ci_high": unit.ci_high,
        "rank": unit.rank,
        "rank_low": low,
        "rank_high": high,
        "tied_with_next": unit.tied_with_next,
        "groups_used": ";".join(f"{g.group}:{g.weight:.6g}" for g in unit.groups_used),
        "groups_dropped": ";".join(
            f"{g.group}:{g.reason}:{g.n_valid}" for g in unit.groups_dropped
        ),
        "not_scored": unit.not_scored,
        "suppressed": unit.suppressed,
    }


def cell_row(cell: CellResult) -> dict[str, Any]:
    return {name: getattr(cell, name) for name in CELL_COLUMNS}


def _rows(
    results: SatisfactionResults, table: Table
) -> tuple[tuple[str, ...], list[dict[str, Any]]]:
    if table == "units":
        return UNIT_COLUMNS, [unit_row(u) for u in results.units]
    return CELL_COLUMNS, [cell_row(c) for c in (results.question_cells or results.cells)]


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def to_json(results: SatisfactionResults) -> str:
    return json.dumps(results.model_dump(mode="json"), ensure_ascii=False, indent=2)


def to_csv(results: SatisfactionResults, table: Table = "units") -> str:
    columns, rows = _rows(results, table)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([_text(row[c]) for c in columns] for row in rows)
    return buffer.getvalue()


def to_xlsx(results: SatisfactionResults) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for table in ("units", "cells"):
        columns, rows = _rows(results, table)
        sheet = workbook.create_sheet(table)
        sheet.append(list(columns))
        for row in rows:
            sheet.append([_cell_value(row[c]) for c in columns])
    policy = workbook.create_sheet("policy")
    for key, value in _policy_items(results):
        policy.append([key, value])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _cell_value(value: object) -> object:
    if value is None or isinstance(value, (int, float, str)):
        return value
    return str(value)


def _policy_items(results: SatisfactionResults) -> Iterable[tuple[str, object]]:
    yield "evaluation_id", results.evaluation_id
    yield "period", results.period or ""
    yield "question", results.question or ""
    yield "audience", results.audience
    for key, value in results.policy.model_dump(mode="json").items():
        if isinstance(value, (list, dict)):
            value = json.dumps(value, ensure_ascii=False)
        yield key, value
    yield "rank_method", results.rank_method
