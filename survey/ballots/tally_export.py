"""A batch's tally as files: the accounting lines and, once voting has closed, the count per unit
and rating level, headed in the reader's language and written through ``survey.spreadsheet``."""

from __future__ import annotations

from collections.abc import Sequence

from survey.ballots.tally import REASON_WORDS, STATE_WORDS, Tally
from survey.errors import N_
from survey.spreadsheet import PERCENT_ONE_DECIMAL, WHOLE, Column, Reader, Table, Value


def accounting_table(tally: Tally, reader: Reader) -> Table:
    """One line per figure of the tally sheet's accounting: number, share of issued, note."""
    words = reader.words
    columns = [
        Column(words(N_("Item"))),
        Column(words(N_("Number")), WHOLE),
        Column(words(N_("Share of codes issued")), PERCENT_ONE_DECIMAL),
        Column(words(N_("Note"))),
    ]

    spoilt = words(N_("Spoilt"))

    def share(n: int) -> float | None:
        return n / tally.issued if tally.issued else None

    rows: list[Sequence[Value]] = [
        [words(N_("Codes issued")), tally.issued, None, None],
        [words(N_("Codes cancelled (lost cards)")), tally.void, None, None],
        [words(N_("Ballots returned")), tally.returned, share(tally.returned), None],
        [words(N_("of which electronic")), tally.electronic, None, None],
        [words(N_("of which paper")), tally.paper, None, None],
        [words(N_("Blank ballots")), tally.blank, None, None],
        [words(N_("Spoilt ballots")), tally.invalid, None, None],
        *(
            [f"{spoilt}: {words(REASON_WORDS[reason])}", n, None, None]
            for reason, n in tally.invalid_reasons
            if n
        ),
        [words(N_("Valid ballots")), tally.valid, share(tally.valid), None],
        [words(N_("Paper sheets awaiting a matching reading")), tally.paper_unsettled, None, None],
        [
            words(N_("Quorum: ballots needed")),
            tally.required,
            tally.quorum.share,
            tally.quorum.text,
        ],
        [words(N_("Result")), None, None, words(STATE_WORDS[tally.state])],
    ]
    return Table(words(N_("Ballot accounting")), columns, rows)


def units_table(tally: Tally, reader: Reader) -> Table:
    """Per unit: the ballots at each rating level and their total (voting must have closed)."""
    words = reader.words
    columns = [
        Column(words(N_("Unit code"))),
        Column(words(N_("Unit"))),
        Column(words(N_("Category"))),
        *(Column(words(level.label), WHOLE) for level in tally.levels),
        Column(words(N_("Ballots in all")), WHOLE),
    ]
    rows: list[Sequence[Value]] = [
        [
            u.unit.code,
            reader.named(u.unit.name, u.unit.name_en),
            reader.named(u.unit.category_name, u.unit.category_name_en),
            *u.counts,
            u.total,
        ]
        for u in tally.units or ()
    ]
    return Table(words(N_("Count per unit")), columns, rows)


def tally_tables(tally: Tally, reader: Reader) -> list[Table]:
    """The workbook's sheets: accounting, and the count per unit once voting has closed."""
    tables = [accounting_table(tally, reader)]
    if tally.units is not None:
        tables.append(units_table(tally, reader))
    return tables
