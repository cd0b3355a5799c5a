"""A published version's open data as a table (CSV or XLSX through ``survey.spreadsheet``):
n and answers per level for every unit, group and question, small cells left blank."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from survey.errors import N_, Message
from survey.spreadsheet import WHOLE, Column, Reader, Table, Value
from survey.surveys.scales import SCALES


def level_label(code: str) -> str:
    """The message id of a level code (满意 …), or the code itself (numeric scales)."""
    for scale in SCALES.values():
        level = scale.level(code)
        if level is not None:
            return level.label
    return code


def open_data_tables(
    results: dict[str, Any], words: Reader, *, evaluation_name: str, version: Any
) -> list[Table]:
    """The answers table, then a sheet that says what the file is and how it was made."""
    data = results["open_data"]
    levels: list[str] = data["levels"]
    say = words.words
    columns = [
        Column(say(N_("Category code"))),
        Column(say(N_("Unit code"))),
        Column(say(N_("Unit")), width=24),
        Column(say(N_("Respondent group"))),
        Column(say(N_("Question"))),
        Column("n", WHOLE),
        *(Column(say(level_label(lv)), WHOLE) for lv in levels),
        Column(say(N_("Suppressed"))),
    ]
    rows: list[Sequence[Value]] = []
    for row in data["rows"]:
        rows.append(
            [
                row["category"],
                row["unit"],
                words.named(row["unit_name"], row["unit_name_en"]),
                words.named(row["group_name"], row["group_name_en"]),
                row["question"],
                row["n"],
                *(row["levels"].get(lv) for lv in levels),
                words.yes_no(row["suppressed"]),
            ]
        )
    about = Table(
        title=say(N_("About")),
        columns=[Column(say(N_("Item")), width=24), Column(say(N_("Value")), width=70)],
        rows=[
            [say(N_("Evaluation")), evaluation_name],
            [say(N_("Version")), version.version],
            [say(N_("Published on")), version.published_at.date().isoformat()],
            [say(N_("Reason")), version.reason],
            [say(N_("Results digest (SHA-256)")), version.results_digest],
            [say(N_("Inputs digest (SHA-256)")), version.inputs_digest],
            [
                say(N_("Small cells")),
                say(
                    Message(
                        N_("Cells with fewer than %(n)s answers are left blank."),
                        {"n": data["threshold"]},
                    )
                ),
            ],
        ],
    )
    return [Table(title=say(N_("Answers per level")), columns=columns, rows=rows), about]
