"""Key drivers as files: JSON (the API's fields), CSV (one row per aspect of the unit and of its
category) and XLSX (that table and a method sheet), headed in the reader's language and written
through ``survey.spreadsheet`` like every other export."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from survey.errors import N_, Message
from survey.satisfaction.drivers import QUADRANT_NAMES, DriverReport, DriverResult
from survey.spreadsheet import (
    PERCENT_ONE_DECIMAL,
    TWO_DECIMALS,
    WHOLE,
    Column,
    Reader,
    Table,
    Value,
    csv_text,
    method_sheet,
    xlsx_bytes,
)
from survey.timeutil import utcnow

ASPECT_COLUMNS: tuple[tuple[str, str | None], ...] = (
    (N_("Scope"), None),
    (N_("Code"), None),
    (N_("Name"), None),
    (N_("Respondents with every aspect scored"), WHOLE),
    (N_("R squared"), PERCENT_ONE_DECIMAL),
    (N_("Aspect code"), None),
    (N_("Aspect"), None),
    (N_("Importance (share of R squared)"), PERCENT_ONE_DECIMAL),
    (N_("Importance interval low"), PERCENT_ONE_DECIMAL),
    (N_("Importance interval high"), PERCENT_ONE_DECIMAL),
    (N_("Relative importance"), PERCENT_ONE_DECIMAL),
    (N_("Performance"), TWO_DECIMALS),
    (N_("Compared with"), TWO_DECIMALS),
    (N_("Quadrant"), None),
    (N_("Focus area"), None),
)
SCOPE_NAMES = {"unit": N_("Unit"), "category": N_("Category")}


def to_json(report: DriverReport) -> str:
    return json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=2)


def _results(report: DriverReport) -> list[DriverResult]:
    return [r for r in (report.unit, report.category) if r is not None]


def _rows(result: DriverResult, reader: Reader) -> list[Sequence[Value]]:
    head: list[Value] = [
        reader.words(SCOPE_NAMES.get(result.scope, result.scope)),
        result.code,
        reader.named(result.name, result.name_en),
        result.n,
        result.r_squared,
    ]
    if not result.aspects:
        # A row that says so, rather than a scope that silently vanishes from the file.
        return [[*head, None, reader.words(N_("Too few complete answers to estimate drivers"))]]
    return [
        [
            *head,
            aspect.code,
            reader.named(aspect.prompt, aspect.prompt_en),
            aspect.importance,
            aspect.importance_low,
            aspect.importance_high,
            aspect.relative,
            aspect.performance,
            aspect.reference,
            reader.words(QUADRANT_NAMES[aspect.quadrant]),
            reader.yes_no(aspect.focus),
        ]
        for aspect in result.aspects
    ]


def aspects_table(report: DriverReport, reader: Reader) -> Table:
    columns = [Column(reader.words(heading), fmt) for heading, fmt in ASPECT_COLUMNS]
    rows = [row for result in _results(report) for row in _rows(result, reader)]
    return Table(reader.words(N_("Key drivers")), columns, rows)


def method_table(
    report: DriverReport, reader: Reader, evaluation_name: str, when: datetime
) -> Table:
    """What the figures mean: the model, the uncertainty and the quadrant rule."""
    words = reader.words
    rows: list[Sequence[Value]] = [
        [words(N_("Survey")), report.survey_title],
        [words(N_("Overall question")), report.overall],
        [words(N_("Aspect questions")), ", ".join(report.aspects)],
        [
            words(N_("Method")),
            words(
                N_(
                    "Importance is each aspect's Shapley share of the R squared of a linear "
                    "regression of the overall score on the aspect scores (LMG), over the "
                    "respondents who scored every one of them; a category's fit pools its "
                    "units within each unit, so differences between units do not count as a "
                    "driver."
                )
            ),
        ],
        [
            words(N_("Interval")),
            words(
                Message(
                    N_(
                        "%(confidence)s percentile interval of %(draws)s parametric bootstrap "
                        "draws (Wishart covariance matrices)"
                    ),
                    {"confidence": f"{report.confidence:.0%}", "draws": report.draws},
                )
            ),
        ],
        [
            words(N_("Quadrant")),
            words(
                N_(
                    "A unit's aspect is important when its share is above the mean share of "
                    "the unit's aspects, and performs well when its mean score is at or above "
                    "its category's on the same aspect; a focus area is important and below."
                )
            ),
        ],
    ]
    for result in _results(report):
        rows.append(
            [
                f"{words(SCOPE_NAMES.get(result.scope, result.scope))} · "
                f"{reader.named(result.name, result.name_en)}",
                words(
                    Message(
                        N_("%(n)s complete answers (at least %(minimum)s needed)"),
                        {"n": result.n, "minimum": result.minimum},
                    )
                ),
            ]
        )
    return method_sheet(reader, evaluation_name, when, rows)


def to_csv(report: DriverReport, reader: Reader) -> str:
    """The aspects table as CSV text (the caller adds the byte-order mark for a file)."""
    return csv_text(aspects_table(report, reader))


def to_xlsx(
    report: DriverReport, reader: Reader, *, evaluation_name: str, when: datetime | None = None
) -> bytes:
    return xlsx_bytes(
        [
            aspects_table(report, reader),
            method_table(report, reader, evaluation_name, when or utcnow()),
        ]
    )
