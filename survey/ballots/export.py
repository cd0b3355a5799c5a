"""Ballot turnout as files: one row per batch (issued, cast, remaining, void, turnout), headed
in the reader's language and written through ``survey.spreadsheet``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from survey.ballots.schemas import Turnout
from survey.errors import N_
from survey.labels import label
from survey.spreadsheet import PERCENT_ONE_DECIMAL, WHOLE, Column, Reader, Table, Value

TURNOUT_COLUMNS: tuple[tuple[str, str | None], ...] = (
    (N_("Ballot"), None),
    (N_("Respondent group"), None),
    (N_("Status"), None),
    (N_("Issued"), WHOLE),
    (N_("Cast"), WHOLE),
    (N_("Remaining"), WHOLE),
    (N_("Void"), WHOLE),
    (N_("Turnout"), PERCENT_ONE_DECIMAL),
)


def turnout_table(
    turnouts: Sequence[Turnout], reader: Reader, group_names: Mapping[str, str]
) -> Table:
    columns = [Column(reader.words(heading), fmt) for heading, fmt in TURNOUT_COLUMNS]
    rows: list[Sequence[Value]] = [
        [
            t.title,
            group_names.get(t.group, t.group),
            reader.words(label(t.status)),
            t.issued,
            t.used,
            t.remaining,
            t.void,
            t.share,
        ]
        for t in turnouts
    ]
    return Table(reader.words(N_("Turnout")), columns, rows)
