"""Answer counts per unit, group, question and level, straight from SQL.

Scoring only ever needs counts, so no answer row is loaded into Python. Flagged responses are
rare, so the counted answers are computed as *all* answers of the evaluation (an index-only
``GROUP BY`` over ``ix_answer_counts``) minus the answers of the few responses that do not
count, reached through the answer primary key, in one statement that reads the same on
SQLite and PostgreSQL; only cell counts (a few thousand rows at most, tens of thousands per
weighting cell when raking) come back to Python.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Table,
    and_,
    func,
    or_,
    select,
    text,
    union_all,
)
from sqlmodel import Session, SQLModel

import survey.models
import survey.satisfaction.models  # noqa: F401
from survey.models.responses import LEFT_OUT_PREDICATE

INCLUDE = "include"
EXCLUDE = "exclude"


def _table(name: str) -> Table:
    return SQLModel.metadata.tables[name]


@dataclass(frozen=True)
class CountFilter:
    """Which answers to count: one evaluation, optionally one period, units and questions."""

    evaluation_id: int
    period_id: int | None = None
    unit_ids: Collection[int] | None = None
    questions: Collection[str] | None = None


def not_counted(response: Table) -> ColumnElement[bool]:
    """SQL form of ``survey.surveys.service.is_counted`` negated.

    A response is left out when the office excluded it, or when it carries a quality flag
    and the office has not included it.
    """
    decision = response.c.quality_decision
    return and_(
        func.coalesce(decision, "") != INCLUDE,
        or_(decision == EXCLUDE, response.c.quality_flags != 0),
    )


def counted(response: Table) -> ColumnElement[bool]:
    decision = response.c.quality_decision
    return or_(
        decision == INCLUDE,
        and_(func.coalesce(decision, "") != EXCLUDE, response.c.quality_flags == 0),
    )


def _answer_filters(
    answer: Table, where: CountFilter, *, by_evaluation: bool = True
) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = [answer.c.unit_id.is_not(None)]
    if by_evaluation:
        clauses.append(answer.c.evaluation_id == where.evaluation_id)
    if where.period_id is not None:
        clauses.append(answer.c.period_id == where.period_id)
    if where.unit_ids is not None:
        clauses.append(answer.c.unit_id.in_(sorted(where.unit_ids)))
    if where.questions is not None:
        clauses.append(answer.c.question.in_(sorted(where.questions)))
    return clauses


Count = tuple[int, int, str, str, int]


def _all_minus_left_out(where: CountFilter, *, cell: bool) -> CompoundSelect[Any]:
    """Every answer's ``GROUP BY`` and, negated, that of the answers of left-out responses.

    The keys follow ``ix_answer_counts`` (unit, group, question, level, then the weighting
    cell when ``cell``), so that the first part is an index-only scan read in index order.
    """
    answer, response = _table("answer"), _table("response")
    keys = [answer.c.unit_id, answer.c.group_id, answer.c.question, answer.c.level]
    if cell:
        keys.append(answer.c.cell_key)
    everything = select(*keys, func.count().label("n")).where(*_answer_filters(answer, where))
    left_out = (
        select(*keys, (-func.count()).label("n"))
        .select_from(response.join(answer, answer.c.response_id == response.c.id))
        .where(
            response.c.evaluation_id == where.evaluation_id,
            # Implied by not_counted; spelled as the partial index's predicate so that SQLite
            # and PostgreSQL read the index of the flagged or decided responses, not them all.
            and_(text(f"({LEFT_OUT_PREDICATE})")),
            not_counted(response),
            *_answer_filters(answer, where, by_evaluation=False),
        )
    )
    return union_all(everything.group_by(*keys), left_out.group_by(*keys))


def _summed(rows: Iterable[tuple[Any, ...]]) -> dict[tuple[Any, ...], int]:
    """The last column summed over rows with equal other columns (the two parts above)."""
    totals: dict[tuple[Any, ...], int] = {}
    for *key, n in rows:
        at = tuple(key)
        totals[at] = totals.get(at, 0) + n
    return totals


def counts_statement(where: CountFilter) -> CompoundSelect[tuple[int, int, str, str, int]]:
    """``(unit_id, group_id, question, level, n)``: all answers, then minus the left-out ones.

    The first part is the plain ``GROUP BY`` that ``ix_answer_counts`` covers (PostgreSQL runs
    it as a parallel index-only scan). The second counts, negated, the answers of the
    responses that do not count: those (usually few) responses come from the partial index
    ``ix_response_left_out``, their answers through the answer primary key. Summing ``n``
    per cell gives the counted answers. A join of every answer with its response reads the
    same but runs several times slower: SQLite then probes the response of every answer, and
    PostgreSQL (with the default ``random_page_cost``) hashes every answer and cannot run
    the big ``GROUP BY`` in parallel. One statement sees one snapshot, so an answer that
    arrives meanwhile is either in both parts or in neither.
    """
    return _all_minus_left_out(where, cell=False)


def answer_counts(session: Session, where: CountFilter) -> list[Count]:
    """Counted answers per unit, group, question and level (levels may be NULL), sorted.

    All answers of the evaluation minus the answers of the responses that do not count, in
    one statement (:func:`counts_statement`), summed cell by cell here.
    """
    # fetchall, not row-by-row iteration: a thousand rows or more come back at 1M answers.
    rows: list[Any] = list(session.connection().execute(counts_statement(where)).all())
    return _sorted_counts(_summed(rows))


def _sorted_counts(totals: dict[tuple[Any, ...], int]) -> list[Count]:
    return sorted(
        ((u, g, q, lv, n) for (u, g, q, lv), n in totals.items() if n > 0),
        key=lambda row: (row[0], row[1], row[2], row[3] or ""),
    )


CellCount = tuple[int, int, str, str | None, str | None, int]


def cell_counts_statement(
    where: CountFilter,
) -> CompoundSelect[tuple[int, int, str, str, str | None, int]]:
    """Counted answers per unit, group, question, level and weighting cell.

    Built like :func:`counts_statement`: the answers carry their response's weighting cell,
    last in ``ix_answer_counts``, so the answers are still counted from that index in its
    order, with no join with the responses and no sort, and the left-out responses' answers
    are subtracted. When the policy rakes, this statement replaces :func:`counts_statement`:
    summed over the cells (:func:`without_cells`) it gives the same counts, so the plain and
    the weighted counts come from one scan and one snapshot.
    """
    return _all_minus_left_out(where, cell=True)


def cell_answer_counts(session: Session, where: CountFilter) -> list[CellCount]:
    """``(unit_id, group_id, question, level, cell_key, n)`` of the counted answers."""
    rows: list[Any] = list(session.connection().execute(cell_counts_statement(where)).all())
    return [(u, g, q, lv, cell, n) for (u, g, q, lv, cell), n in _summed(rows).items() if n > 0]


def without_cells(rows: Iterable[CellCount]) -> list[Count]:
    """The rows of :func:`cell_answer_counts` summed over the cells, as :func:`answer_counts`."""
    return _sorted_counts(_summed((u, g, q, lv, n) for u, g, q, lv, _, n in rows))


def respondent_cells(
    session: Session, evaluation_id: int, group_ids: Collection[int], period_id: int | None
) -> list[tuple[int, str | None, int]]:
    """Counted respondents per group and weighting cell: what raking adjusts."""
    if not group_ids:
        return []
    response = _table("response")
    clauses = [
        response.c.evaluation_id == evaluation_id,
        response.c.group_id.in_(sorted(group_ids)),
        counted(response),
    ]
    if period_id is not None:
        clauses.append(response.c.period_id == period_id)
    statement = (
        select(response.c.group_id, response.c.cell_key, func.count())
        .where(*clauses)
        .group_by(response.c.group_id, response.c.cell_key)
    )
    rows = session.connection().execute(statement).all()
    return [(int(g), cell, int(n)) for g, cell, n in rows]
