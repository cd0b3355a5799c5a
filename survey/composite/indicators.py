"""Hard-indicator values: importing a CSV or XLSX file, and values pushed through the API.

A file has a header row with ``unit, indicator, period, value`` and optionally ``target``
and ``benchmark``, in any order; one row per unit, indicator and period (codes such as
``Q1``, ``H1``, ``Q1-Q3``, ``year`` or ``M01``). Importing is all or nothing: every row is
checked first, each problem is reported with its row (the header is row 1) and column, and
nothing is stored unless the whole file is good. Both paths upsert: a value already stored
for the same unit, indicator and period is replaced, so sending the same values twice
changes nothing.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from survey import audit
from survey import organisation as org
from survey.accounts import Principal
from survey.composite.inputs import editable_evaluation
from survey.composite.models import IndicatorValue
from survey.composite.schemas import (
    IndicatorPushResult,
    IndicatorValueIn,
    IndicatorValuePublic,
)
from survey.errors import N_, Invalid
from survey.import_problems import ImportProblem, ImportRejected
from survey.models import Unit
from survey.satisfaction.importer import read_table
from survey.schemas import CODE_PATTERN
from survey.timeutil import utcnow

REQUIRED_COLUMNS = ("unit", "indicator", "period", "value")
OPTIONAL_COLUMNS = ("target", "benchmark")
MAX_PROBLEMS = 200
_CODE = re.compile(CODE_PATTERN)
_CHUNK = 500


@dataclass(frozen=True)
class IndicatorImportReport:
    evaluation_id: int
    rows: int
    inserted: int
    updated: int
    unchanged: int


@dataclass(frozen=True)
class _Value:
    unit_id: int
    indicator: str
    period: str
    value: float
    target: float | None
    benchmark: float | None


class _Problems:
    def __init__(self) -> None:
        self.items: list[ImportProblem] = []
        self.more = 0

    def add(self, row: int, column: str, message: str, /, **params: Any) -> None:
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(ImportProblem(row, column, message, params))
        else:
            self.more += 1


def _number(text: str) -> float | None:
    cleaned = text.replace(",", "").replace(" ", "")
    try:
        number = float(cleaned)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _parse(session: Session, table: Iterator[tuple[int, list[str]]]) -> list[_Value]:
    problems = _Problems()
    header_row = next(table, None)
    if header_row is None:
        raise Invalid(N_("The file is empty."))
    header = [name.strip().lower() for name in header_row[1]]
    position = _columns(header, problems)
    if problems.items:
        raise ImportRejected(problems.items, more=problems.more)

    units = {u.code: u.id for u in session.exec(select(Unit)) if u.id is not None}
    values: list[_Value] = []
    seen: dict[tuple[int, str, str], int] = {}
    rows_seen = 0
    for number, raw in table:
        cells = [(raw[i].strip() if i < len(raw) else "") for i in range(len(header))]
        if not any(cells):
            continue
        rows_seen += 1
        cell = {name: cells[i] for name, i in position.items()}
        found = _row_value(number, cell, units, problems)
        if found is None:
            continue
        key = (found.unit_id, found.indicator, found.period)
        earlier = seen.get(key)
        if earlier is not None:
            problems.add(
                number,
                "period",
                N_("Row %(row)s already gives this unit, indicator and period."),
                row=earlier,
            )
            continue
        seen[key] = number
        values.append(found)
    if problems.items:
        raise ImportRejected(problems.items, more=problems.more)
    if rows_seen == 0:
        raise Invalid(N_("The file has a header but no values."))
    return values


def _columns(header: list[str], problems: _Problems) -> dict[str, int]:
    """Column name -> position; unknown, doubled and missing columns go to ``problems``."""
    position: dict[str, int] = {}
    for i, name in enumerate(header):
        if not name:
            continue
        if name in position:
            problems.add(1, name, N_("This column appears twice."))
        elif name not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS:
            problems.add(
                1,
                name,
                N_(
                    "Unknown column; the columns are unit, indicator, period, value, target and "
                    "benchmark."
                ),
            )
        position[name] = i
    for name in REQUIRED_COLUMNS:
        if name not in position:
            problems.add(1, name, N_("This column is missing."))
    return position


def _row_value(
    number: int, cell: dict[str, str], units: dict[str, int], problems: _Problems
) -> _Value | None:
    """One row's value, or None when a cell is wrong (each problem goes to ``problems``)."""
    before = len(problems.items) + problems.more
    unit_id = None
    if not cell["unit"]:
        problems.add(number, "unit", N_("This cell is empty."))
    else:
        unit_id = units.get(cell["unit"])
        if unit_id is None:
            problems.add(number, "unit", N_("No unit has the code %(code)s."), code=cell["unit"])
    for name in ("indicator", "period"):
        if not cell[name]:
            problems.add(number, name, N_("This cell is empty."))
        elif not _CODE.match(cell[name]):
            problems.add(
                number,
                name,
                N_("%(value)s is not a valid code: up to 32 letters, digits, . _ or -."),
                value=cell[name],
            )
    value = _number(cell["value"]) if cell["value"] else None
    if not cell["value"]:
        problems.add(number, "value", N_("This cell is empty."))
    elif value is None:
        problems.add(number, "value", N_("%(value)s is not a number."), value=cell["value"])
    optional: dict[str, float | None] = {}
    for name in OPTIONAL_COLUMNS:
        text = cell.get(name, "")
        optional[name] = _number(text) if text else None
        if text and optional[name] is None:
            problems.add(number, name, N_("%(value)s is not a number."), value=text)
    if len(problems.items) + problems.more > before:
        return None
    assert unit_id is not None and value is not None
    return _Value(
        unit_id,
        cell["indicator"],
        cell["period"],
        value,
        optional["target"],
        optional["benchmark"],
    )


def _upsert(
    session: Session, evaluation_id: int, values: Sequence[_Value], source: str, actor: str
) -> tuple[int, int, int]:
    """Insert or replace ``values``; returns (inserted, updated, unchanged)."""
    existing: dict[tuple[int, str, str], tuple[float, float | None, float | None]] = {}
    # Sorted, so that each chunk covers few units and its IN lists stay short.
    keys = sorted({(v.unit_id, v.indicator, v.period) for v in values})
    table = IndicatorValue.__table__  # type: ignore[attr-defined]
    for start in range(0, len(keys), _CHUNK):
        chunk = set(keys[start : start + _CHUNK])
        # One IN per key column, which the unique index serves as a search; a row-value IN
        # over the key tuples makes SQLite scan every value of the evaluation per chunk. The
        # cross product may name a few rows outside the chunk; they are skipped.
        rows = session.connection().execute(
            sa_select(
                table.c.unit_id,
                table.c.indicator,
                table.c.period,
                table.c.value,
                table.c.target,
                table.c.benchmark,
            ).where(
                table.c.evaluation_id == evaluation_id,
                table.c.unit_id.in_({k[0] for k in chunk}),
                table.c.indicator.in_({k[1] for k in chunk}),
                table.c.period.in_({k[2] for k in chunk}),
            )
        )
        for unit_id, indicator, period, value, target, bench in rows:
            if (unit_id, indicator, period) in chunk:
                existing[(unit_id, indicator, period)] = (value, target, bench)
    inserted = updated = unchanged = 0
    changed: list[dict[str, Any]] = []
    now = utcnow()
    for v in values:
        before = existing.get((v.unit_id, v.indicator, v.period))
        if before is None:
            inserted += 1
        elif before == (v.value, v.target, v.benchmark):
            unchanged += 1
            continue
        else:
            updated += 1
        changed.append(
            {
                "evaluation_id": evaluation_id,
                "unit_id": v.unit_id,
                "indicator": v.indicator,
                "period": v.period,
                "value": v.value,
                "target": v.target,
                "benchmark": v.benchmark,
                "source": source,
                "updated_at": now,
                "updated_by": actor[:100],
            }
        )
    if changed:
        table = IndicatorValue.__table__  # type: ignore[attr-defined]
        dialect = session.connection().dialect.name
        build = pg_insert if dialect == "postgresql" else sqlite_insert
        for start in range(0, len(changed), _CHUNK):
            statement = build(table).values(changed[start : start + _CHUNK])
            statement = statement.on_conflict_do_update(
                index_elements=["evaluation_id", "unit_id", "indicator", "period"],
                set_={
                    name: statement.excluded[name]
                    for name in (
                        "value",
                        "target",
                        "benchmark",
                        "source",
                        "updated_at",
                        "updated_by",
                    )
                },
            )
            session.connection().execute(statement)
    return inserted, updated, unchanged


def import_indicators(
    session: Session,
    evaluation_id: int,
    data: bytes,
    filename: str,
    *,
    actor: Principal,
    ip: str = "",
) -> IndicatorImportReport:
    """Check the whole file, then store it in one transaction, or store nothing."""
    editable_evaluation(session, evaluation_id)
    values = _parse(session, read_table(data, filename))
    try:
        inserted, updated, unchanged = _upsert(session, evaluation_id, values, "import", actor.name)
        audit.record(
            session,
            actor.name,
            "indicators.import",
            target_type="evaluation",
            target_id=evaluation_id,
            ip=ip,
            file=Path(filename).name[:200],
            rows=len(values),
            inserted=inserted,
            updated=updated,
            unchanged=unchanged,
        )
        session.commit()
    except Exception:
        session.rollback()
        raise
    return IndicatorImportReport(evaluation_id, len(values), inserted, updated, unchanged)


def check_indicators(session: Session, evaluation_id: int, data: bytes, filename: str) -> int:
    """Every check ``import_indicators`` makes, storing nothing: the number of values an
    import would store, or the same refusals (``ImportRejected`` lists every problem)."""
    org.get_evaluation(session, evaluation_id)
    return len(_parse(session, read_table(data, filename)))


def push_indicators(
    session: Session,
    evaluation_id: int,
    values: Sequence[IndicatorValueIn],
    actor: Principal,
    *,
    ip: str = "",
) -> IndicatorPushResult:
    """Values sent by another system (a statistics bureau): upserted, all or nothing."""
    # A published evaluation's figures are frozen with their inputs; a revised figure waits
    # until the office reopens the results for correction (and publishes a new version).
    editable_evaluation(session, evaluation_id)
    units = {u.code: u.id for u in session.exec(select(Unit)) if u.id is not None}
    problems: list[PushProblem] = []
    parsed: list[_Value] = []
    seen: dict[tuple[int, str, str], int] = {}
    for k, item in enumerate(values):
        unit_id = units.get(item.unit)
        if unit_id is None:
            problems.append(
                PushProblem(k, "unit", N_("No unit has the code %(code)s."), {"code": item.unit})
            )
            continue
        key = (unit_id, item.indicator, item.period)
        if key in seen:
            problems.append(
                PushProblem(
                    k,
                    "period",
                    N_("Entry %(row)s already gives this unit, indicator and period."),
                    {"row": seen[key]},
                )
            )
            continue
        seen[key] = k
        parsed.append(
            _Value(unit_id, item.indicator, item.period, item.value, item.target, item.benchmark)
        )
    if problems:
        raise PushRejected(problems[:MAX_PROBLEMS])
    try:
        inserted, updated, unchanged = _upsert(session, evaluation_id, parsed, "push", actor.name)
        audit.record(
            session,
            actor.name,
            "indicators.push",
            target_type="evaluation",
            target_id=evaluation_id,
            ip=ip,
            received=len(parsed),
            inserted=inserted,
            updated=updated,
            unchanged=unchanged,
            indicators=sorted({v.indicator for v in parsed})[:50],
            periods=sorted({v.period for v in parsed})[:50],
        )
        session.commit()
    except Exception:
        session.rollback()
        raise
    return IndicatorPushResult(
        evaluation_id=evaluation_id,
        received=len(parsed),
        inserted=inserted,
        updated=updated,
        unchanged=unchanged,
    )


@dataclass(frozen=True)
class PushProblem:
    """One entry of a push that cannot be stored: its position, the field and a message."""

    index: int
    column: str
    message: str
    params: dict[str, Any]

    @property
    def field(self) -> str:
        return f"values[{self.index}].{self.column}"


class PushRejected(Invalid):
    """Entries of a push that refer to unknown units or repeat each other; nothing stored."""

    message = N_("The values were not stored because of %(count)s problems; nothing was stored.")

    def __init__(self, errors: list[PushProblem]) -> None:
        self.errors = errors
        super().__init__(None, field=errors[0].field if errors else None, count=len(errors))


def list_values(
    session: Session,
    evaluation_id: int,
    *,
    unit: str | None = None,
    indicator: str | None = None,
    period: str | None = None,
    limit: int = 10000,
) -> list[IndicatorValuePublic]:
    org.get_evaluation(session, evaluation_id)
    query = (
        select(IndicatorValue, Unit)
        .join(Unit, col(Unit.id) == IndicatorValue.unit_id)
        .where(IndicatorValue.evaluation_id == evaluation_id)
    )
    if unit is not None:
        query = query.where(Unit.code == unit)
    if indicator is not None:
        query = query.where(IndicatorValue.indicator == indicator)
    if period is not None:
        query = query.where(IndicatorValue.period == period)
    query = query.order_by(
        col(Unit.sort_order),
        col(Unit.code),
        col(IndicatorValue.indicator),
        col(IndicatorValue.period),
    ).limit(limit)
    return [
        IndicatorValuePublic(
            unit=u.code,
            indicator=v.indicator,
            period=v.period,
            value=v.value,
            target=v.target,
            benchmark=v.benchmark,
            source=v.source,
            updated_at=v.updated_at,
            updated_by=v.updated_by,
        )
        for v, u in session.exec(query)
    ]
