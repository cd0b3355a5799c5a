"""Composite results as files: JSON, CSV (one row per unit) and XLSX (units, categories,
differentiation). Column names are the JSON fields; block subtotals go in one column as
``code=value`` pairs because each category has its own blocks.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from survey.composite.schemas import CompositeResults, UnitComposite

UNIT_COLUMNS = (
    "category",
    "unit",
    "unit_name",
    "scheme_version",
    "total",
    "rank",
    "grade",
    "previous_rank",
    "rank_change",
    "rank_change_status",
    "blocks",
    "interview",
    "interview_reason",
    "progress_award",
    "warnings",
    "not_scored",
    "median_rank",
    "rank_low",
    "rank_high",
    "p_point_grade",
    "robust",
)
CATEGORY_COLUMNS = (
    "category",
    "name",
    "scheme_version",
    "units",
    "units_ranked",
    "max_total",
    "rank_rule",
    "grade_rule",
    "interview_rule",
    "progress_rule",
    "notes",
)
DIFFERENTIATION_COLUMNS = (
    "lead",
    "lead_name",
    "category",
    "item",
    "n_units",
    "n_high",
    "max_high",
    "n_low",
    "min_low",
    "passed",
    "penalty",
    "penalty_applied",
    "violations",
)


def unit_row(unit: UnitComposite) -> dict[str, Any]:
    reasons = [
        r
        for r, on in (("bottom", unit.flags.interview_bottom), ("fell", unit.flags.interview_fell))
        if on
    ]
    s = unit.sensitivity
    return {
        "category": unit.category,
        "unit": unit.unit,
        "unit_name": unit.unit_name,
        "scheme_version": unit.scheme_version,
        "total": unit.total,
        "rank": unit.rank,
        "grade": unit.grade,
        "previous_rank": unit.previous_rank,
        "rank_change": unit.rank_change,
        "rank_change_status": unit.rank_change_status,
        "blocks": ";".join(
            f"{b.code}={'' if b.value is None else f'{b.value:.6g}'}" for b in unit.blocks
        ),
        "interview": unit.flags.interview,
        "interview_reason": ";".join(reasons),
        "progress_award": unit.flags.progress_award,
        "warnings": ";".join(f"{w.indicator}:{w.period}" for w in unit.flags.warnings),
        "not_scored": unit.not_scored,
        "median_rank": s.median_rank if s else None,
        "rank_low": s.rank_low if s else None,
        "rank_high": s.rank_high if s else None,
        "p_point_grade": s.p_point_grade if s else None,
        "robust": s.robust if s else None,
    }


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def to_json(results: CompositeResults) -> str:
    return json.dumps(results.model_dump(mode="json"), ensure_ascii=False, indent=2)


def to_csv(results: CompositeResults) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(UNIT_COLUMNS)
    for unit in results.units:
        row = unit_row(unit)
        writer.writerow([_text(row[c]) for c in UNIT_COLUMNS])
    return buffer.getvalue()


def to_xlsx(results: CompositeResults) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    units = workbook.create_sheet("units")
    units.append(list(UNIT_COLUMNS))
    for unit in results.units:
        row = unit_row(unit)
        units.append([_cell(row[c]) for c in UNIT_COLUMNS])
    categories = workbook.create_sheet("categories")
    categories.append(list(CATEGORY_COLUMNS))
    for category in results.categories:
        data = category.model_dump()
        data["notes"] = "\n".join(n.text for n in category.notes)
        categories.append([_cell(data[c]) for c in CATEGORY_COLUMNS])
    checks = workbook.create_sheet("differentiation")
    checks.append(list(DIFFERENTIATION_COLUMNS))
    for report in results.differentiation:
        data = report.model_dump()
        data["violations"] = "\n".join(report.violations)
        checks.append([_cell(data[c]) for c in DIFFERENTIATION_COLUMNS])
    about = workbook.create_sheet("about")
    about.append(["evaluation_id", results.evaluation_id])
    about.append(["evaluation_status", results.evaluation_status])
    about.append(["frozen", results.frozen])
    about.append(["published_at", _cell(results.published_at)])
    about.append(["scheme_versions", json.dumps(results.scheme_versions, ensure_ascii=False)])
    about.append(["sensitivity_method", results.sensitivity_method or ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _cell(value: object) -> object:
    if value is None or isinstance(value, (int, float, str)):
        return value
    return str(value)
