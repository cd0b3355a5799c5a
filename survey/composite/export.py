"""Composite results as files: JSON (the API's fields), and for people XLSX (a sheet per
category with its own block columns, the differentiation checks and a method sheet) and CSV
(one row per unit, blocks as ``name=value``), headed in the reader's language and written
through ``survey.spreadsheet``. Totals carry each scheme's ranking rounding as their format.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlmodel import Session

from survey.composite import describe, terms
from survey.composite import scheme as schemes
from survey.composite.schemas import CompositeResults, SchemeSpec, UnitComposite
from survey.errors import N_, Message
from survey.spreadsheet import (
    ONE_DECIMAL,
    PERCENT_WHOLE,
    WHOLE,
    Column,
    Reader,
    Table,
    Value,
    csv_text,
    decimals_format,
    method_sheet,
    xlsx_bytes,
)
from survey.timeutil import utcnow

DEFAULT_DECIMALS = 2
RANK_CHANGE_STATUS = {
    "new": N_("new"),
    "not ranked now": N_("not ranked now"),
    "not ranked before": N_("not ranked before"),
}


def scheme_specs(session: Session, results: CompositeResults) -> dict[str, SchemeSpec]:
    """Category -> the scheme version the results were computed with (its rounding, rules)."""
    return {
        category: schemes.spec_of(
            schemes.get_scheme(session, results.evaluation_id, category, version)
        )
        for category, version in results.scheme_versions.items()
    }


def _text(reader: Reader, item: object) -> str:
    if isinstance(item, list | tuple):
        return reader.words(N_("; ")).join(_text(reader, i) for i in item)
    if isinstance(item, Message | str):
        return reader.words(item) if item else ""
    return str(item)


def _lead_columns(reader: Reader, total_format: str) -> list[Column]:
    return [
        Column(reader.words(N_("Rank")), WHOLE),
        Column(reader.words(N_("Unit code"))),
        Column(reader.words(N_("Unit"))),
        Column(reader.words(N_("Total")), total_format),
    ]


def _tail_columns(reader: Reader, sensitivity: bool) -> list[Column]:
    columns = [
        Column(reader.words(N_("Grade"))),
        Column(reader.words(N_("Previous rank")), WHOLE),
        Column(reader.words(N_("Rank change")), WHOLE),
        Column(reader.words(N_("Interview"))),
        Column(reader.words(N_("Progress award"))),
        Column(reader.words(N_("Warnings"))),
        Column(reader.words(N_("Why not scored"))),
    ]
    if sensitivity:
        columns += [
            Column(reader.words(N_("Median rank")), ONE_DECIMAL),
            Column(reader.words(N_("Rank band from")), ONE_DECIMAL),
            Column(reader.words(N_("Rank band to")), ONE_DECIMAL),
            Column(reader.words(N_("Probability of the grade")), PERCENT_WHOLE),
            Column(reader.words(N_("Grade robust"))),
            Column(reader.words(N_("Last year's rank band from")), ONE_DECIMAL),
            Column(reader.words(N_("Last year's rank band to")), ONE_DECIMAL),
            Column(reader.words(N_("Rank change significant"))),
        ]
    return columns


def _tail(unit: UnitComposite, reader: Reader, sensitivity: bool) -> list[Value]:
    separator = reader.words(N_("; "))
    reasons = [
        reader.words(word)
        for word, on in (
            (N_("bottom"), unit.flags.interview_bottom),
            (N_("fell"), unit.flags.interview_fell),
        )
        if on
    ]
    change: Value = unit.rank_change
    if change is None and unit.rank_change_status in RANK_CHANGE_STATUS:
        change = reader.words(RANK_CHANGE_STATUS[unit.rank_change_status])
    row: list[Value] = [
        unit.grade,
        unit.previous_rank,
        change,
        _interview(unit, reader, reasons),
        reader.yes_no(unit.flags.progress_award),
        separator.join(f"{w.indicator} {w.period}" for w in unit.flags.warnings),
        _text(reader, terms.reason(unit.not_scored)) if unit.not_scored else None,
    ]
    if sensitivity:
        s = unit.sensitivity
        row += [
            s.median_rank if s else None,
            s.rank_low if s else None,
            s.rank_high if s else None,
            s.p_point_grade if s else None,
            reader.yes_no(s.robust) if s else None,
            s.previous_rank_low if s else None,
            s.previous_rank_high if s else None,
            reader.yes_no(s.rank_change_distinct)
            if s and s.rank_change_distinct is not None
            else None,
        ]
    return row


def _interview(unit: UnitComposite, reader: Reader, reasons: list[str]) -> str:
    if not unit.flags.interview:
        return reader.words(N_("no"))
    said = reader.words(N_("yes"))
    return f"{said} ({reader.words(N_('; ')).join(reasons)})" if reasons else said


def _sensitivity(results: CompositeResults) -> bool:
    return results.sensitivity_method is not None


def category_table(
    results: CompositeResults, category: str, title: str, reader: Reader, decimals: int
) -> Table:
    """One category: its units by rank, each of its blocks a column."""
    total_format = decimals_format(decimals)
    units = sorted(
        (u for u in results.units if u.category == category),
        key=lambda u: (u.rank is None, u.rank or 0, u.unit),
    )
    blocks = units[0].blocks if units else []
    sensitivity = _sensitivity(results)
    columns = [
        *_lead_columns(reader, total_format),
        *(
            Column(f"{reader.named(b.name, b.name_en)} / {b.max_points:g}", total_format)
            for b in blocks
        ),
        *_tail_columns(reader, sensitivity),
    ]
    rows: list[Sequence[Value]] = []
    for unit in units:
        values = {b.code: b.value for b in unit.blocks}
        rows.append(
            [
                unit.rank,
                unit.unit,
                reader.named(unit.unit_name, unit.unit_name_en),
                unit.total,
                *(values.get(b.code) for b in blocks),
                *_tail(unit, reader, sensitivity),
            ]
        )
    return Table(title, columns, rows)


def units_table(
    results: CompositeResults, reader: Reader, decimals: Mapping[str, int] | None = None
) -> Table:
    """Every unit in one table (CSV): the category first, blocks as ``name=value`` pairs."""
    names = {c.category: reader.named(c.name, c.name_en) for c in results.categories}
    sensitivity = _sensitivity(results)
    # One table holds every category; the finest rounding of them keeps each total readable.
    places = max((decimals or {}).values(), default=DEFAULT_DECIMALS)
    columns = [
        Column(reader.words(N_("Category"))),
        *_lead_columns(reader, decimals_format(places)),
        Column(reader.words(N_("Blocks"))),
        *_tail_columns(reader, sensitivity),
    ]
    separator = reader.words(N_("; "))
    rows: list[Sequence[Value]] = []
    for unit in results.units:
        places_here = (decimals or {}).get(unit.category, DEFAULT_DECIMALS)
        blocks = separator.join(
            f"{reader.named(b.name, b.name_en)}="
            + ("" if b.value is None else f"{b.value:.{places_here}f}")
            for b in unit.blocks
        )
        rows.append(
            [
                names.get(unit.category, unit.category),
                unit.rank,
                unit.unit,
                reader.named(unit.unit_name, unit.unit_name_en),
                unit.total,
                blocks,
                *_tail(unit, reader, sensitivity),
            ]
        )
    return Table(reader.words(N_("Units")), columns, rows)


def differentiation_table(results: CompositeResults, reader: Reader) -> Table:
    words = reader.words
    columns = [
        Column(words(N_("Lead department"))),
        Column(words(N_("Category"))),
        Column(words(N_("Item"))),
        Column(words(N_("Units")), WHOLE),
        Column(words(N_("Full marks")), WHOLE),
        Column(words(N_("At most")), WHOLE),
        Column(words(N_("Low marks")), WHOLE),
        Column(words(N_("At least")), WHOLE),
        Column(words(N_("Complies"))),
        Column(words(N_("Deduction")), ONE_DECIMAL),
        Column(words(N_("Deducted on its own score"))),
        Column(words(N_("Violations"))),
    ]
    names = {c.category: reader.named(c.name, c.name_en) for c in results.categories}
    rows: list[Sequence[Value]] = [
        [
            reader.named(r.lead_name, r.lead_name_en),
            names.get(r.category, r.category),
            r.item,
            r.n_units,
            r.n_high,
            r.max_high,
            r.n_low,
            r.min_low,
            reader.yes_no(r.passed),
            r.penalty,
            reader.yes_no(r.penalty_applied),
            "\n".join(r.violations),
        ]
        for r in results.differentiation
    ]
    return Table(words(N_("Differentiation")), columns, rows)


def method_table(
    results: CompositeResults,
    reader: Reader,
    specs: Mapping[str, SchemeSpec],
    evaluation_name: str,
    when: datetime,
) -> Table:
    """What the numbers mean: the schemes, their rules, when the figures were frozen."""
    words = reader.words
    rows: list[Sequence[Value]] = [
        [
            words(N_("Figures")),
            words(
                Message(
                    N_("Frozen at publication on %(when)s"),
                    {"when": results.published_at.strftime("%Y-%m-%d %H:%M")},
                )
            )
            if results.frozen and results.published_at
            else words(N_("Computed now from the current schemes and data.")),
        ],
        [
            words(N_("Method")),
            words(
                N_(
                    "Each indicator is scored by the method its scheme names, weighted into "
                    "blocks and a total; bonuses and deductions are added; totals are ranked "
                    "per category after the scheme's rounding."
                )
            ),
        ],
    ]
    for category in results.categories:
        name = reader.named(category.name, category.name_en)
        spec = specs.get(category.category)
        version = Message(N_("Scheme version %(version)s"), {"version": category.scheme_version})
        points = Message(
            N_("Full points of the scheme: %(points)s"), {"points": f"{category.max_total:g}"}
        )
        title = f" · {category.title}" if category.title else ""
        rows.append([name, words(version) + title])
        rows.append([name, words(points)])
        if spec is None:
            continue
        for key, heading in (
            ("rank", N_("Ranking")),
            ("grades", N_("Grades")),
            ("interview", N_("Interview")),
            ("progress_award", N_("Progress award")),
        ):
            rows.append([f"{name} · {words(heading)}", _text(reader, describe.rules(spec)[key])])
    if results.sensitivity_method:
        rows.append([words(N_("Sensitivity")), results.sensitivity_method])
    return method_sheet(reader, evaluation_name, when, rows)


def to_json(results: CompositeResults) -> str:
    return json.dumps(results.model_dump(mode="json"), ensure_ascii=False, indent=2)


def workbook_tables(
    results: CompositeResults,
    reader: Reader,
    *,
    specs: Mapping[str, SchemeSpec],
    evaluation_name: str,
    when: datetime | None = None,
) -> list[Table]:
    tables = [
        category_table(
            results,
            c.category,
            reader.named(c.name, c.name_en),
            reader,
            specs[c.category].ranking.decimals if c.category in specs else DEFAULT_DECIMALS,
        )
        for c in results.categories
    ]
    if results.differentiation:
        tables.append(differentiation_table(results, reader))
    tables.append(method_table(results, reader, specs, evaluation_name, when or utcnow()))
    return tables


def to_xlsx(
    results: CompositeResults,
    reader: Reader,
    *,
    specs: Mapping[str, SchemeSpec],
    evaluation_name: str,
) -> bytes:
    return xlsx_bytes(
        workbook_tables(results, reader, specs=specs, evaluation_name=evaluation_name)
    )


def to_csv(results: CompositeResults, reader: Reader, *, specs: Mapping[str, SchemeSpec]) -> str:
    """One row per unit as CSV text (the caller adds the byte-order mark for a file)."""
    decimals = {category: spec.ranking.decimals for category, spec in specs.items()}
    return csv_text(units_table(results, reader, decimals))
