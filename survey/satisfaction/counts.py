"""Answer counts per unit, group, question and level, straight from SQL.

Scoring only ever needs counts, so no answer row is loaded into Python. Each answer carries
whether its response counts (``Answer.counted``: the quality flags and the office's decision,
kept current by ``survey.surveys.service.decide_quality``), so the counts are one ``GROUP BY``
of the answers, read from the covering index ``ix_answer_counts`` alone, with no join, on
SQLite and PostgreSQL alike. Only cell counts (a few thousand rows at most, tens of thousands
per weighting cell when raking) come back to Python.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, Table, and_, func, null, or_, select
from sqlmodel import Session, SQLModel

import survey.models
import survey.satisfaction.models  # noqa: F401

INCLUDE = "include"
EXCLUDE = "exclude"


def _table(name: str) -> Table:
    return SQLModel.metadata.tables[name]


@dataclass(frozen=True)
class CountFilter:
    """Which answers to count: one evaluation, optionally one period, units, questions and
    the channel the responses came through."""

    evaluation_id: int
    period_id: int | None = None
    unit_ids: Collection[int] | None = None
    questions: Collection[str] | None = None
    channel: str | None = None


def counted(response: Table) -> ColumnElement[bool]:
    """SQL form of ``survey.models.responses.is_counted`` over the response table."""
    decision = response.c.quality_decision
    return or_(
        decision == INCLUDE,
        and_(func.coalesce(decision, "") != EXCLUDE, response.c.quality_flags == 0),
    )


def _answer_filters(answer: Table, where: CountFilter) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = [
        answer.c.evaluation_id == where.evaluation_id,
        answer.c.unit_id.is_not(None),
        answer.c.counted.is_(True),
    ]
    if where.period_id is not None:
        clauses.append(answer.c.period_id == where.period_id)
    if where.unit_ids is not None:
        clauses.append(answer.c.unit_id.in_(sorted(where.unit_ids)))
    if where.questions is not None:
        clauses.append(answer.c.question.in_(sorted(where.questions)))
    if where.channel is not None:
        # Answers do not carry the channel; only this filter pays for asking the responses.
        response = _table("response")
        from_channel = select(response.c.id).where(
            response.c.evaluation_id == where.evaluation_id,
            response.c.channel == where.channel,
        )
        clauses.append(answer.c.response_id.in_(from_channel))
    return clauses


Count = tuple[int, int, str, str, int]
CellCount = tuple[int, int, str, str | None, str | None, int]


def _counted_answers(where: CountFilter, *, cell: bool) -> Select[Any]:
    """The counted answers' ``GROUP BY`` unit, group, question and level (and cell).

    The keys follow ``ix_answer_counts`` (unit, group, question, level, then the weighting
    cell when ``cell``) and ``counted`` is its last column, so the statement is an index-only
    scan read in index order, the shape of the bare ``GROUP BY`` (PostgreSQL runs it in
    parallel). A join of every answer with its response instead runs several times slower:
    SQLite probes the response of every answer, and PostgreSQL (with the default
    ``random_page_cost``) hashes every answer and cannot run the big ``GROUP BY`` in parallel.
    """
    answer = _table("answer")
    keys = [answer.c.unit_id, answer.c.group_id, answer.c.question, answer.c.level]
    if cell:
        keys.append(answer.c.cell_key)
    return (
        select(*keys, func.count().label("n"))
        .where(*_answer_filters(answer, where))
        .group_by(*keys)
    )


def counts_statement(where: CountFilter) -> Select[tuple[int, int, str, str, int]]:
    """``(unit_id, group_id, question, level, n)`` of the counted answers."""
    return _counted_answers(where, cell=False)


def _fetch(session: Session, statement: Select[Any]) -> list[Any]:
    """Every row as the driver's own tuples.

    Counts come back as plain integers and text, which need no conversion, and at city scale
    (57,000 count rows) building SQLAlchemy rows for them cost a third of the query itself.
    """
    result = session.connection().execute(statement)
    try:
        return list(result.cursor.fetchall())
    finally:
        result.close()


def answer_counts(session: Session, where: CountFilter) -> list[Count]:
    """Counted answers per unit, group, question and level (levels may be NULL), sorted."""
    # The GROUP BY keys are unique, so the rows only need sorting.
    return _sorted_rows(_fetch(session, counts_statement(where)))


def has_counted_answers(session: Session, where: CountFilter) -> bool:
    """Whether any answer ``where`` chooses (its units, period, channel) is counted."""
    answer = _table("answer")
    probe = select(answer.c.unit_id).where(*_answer_filters(answer, where)).limit(1)
    return session.connection().execute(probe).first() is not None


def sorted_counts(totals: dict[tuple[Any, ...], int]) -> list[Count]:
    """``(unit, group, question, level, n)`` rows of totals keyed by the first four, sorted."""
    return _sorted_rows([(u, g, q, lv, n) for (u, g, q, lv), n in totals.items()])


def _sorted_rows(rows: list[Count]) -> list[Count]:
    """Rows with unique keys sorted by unit, group, question and level, a NULL level first."""
    try:
        # Unique keys never reach the count; tuples compare in C, and rows read in index
        # order are already sorted, so this is one pass at city scale.
        rows.sort()
    except TypeError:
        # A NULL level met a level of the same unit, group and question.
        rows.sort(key=lambda row: (row[0], row[1], row[2], row[3] or ""))
    return rows


def cell_counts_statement(
    where: CountFilter,
) -> Select[tuple[int, int, str, str, str | None, int]]:
    """Counted answers per unit, group, question, level and weighting cell.

    The answers carry their response's weighting cell too, just before ``counted`` in
    ``ix_answer_counts``, so this is the same index-only scan in index order, with no join
    with the responses and no sort. When the policy rakes, this statement replaces
    :func:`counts_statement`: summed over the cells (:func:`without_cells`) it gives the same
    counts, from the same scan and snapshot.
    """
    return _counted_answers(where, cell=True)


def cell_answer_counts(session: Session, where: CountFilter) -> list[CellCount]:
    """``(unit_id, group_id, question, level, cell_key, n)`` of the counted answers."""
    return _fetch(session, cell_counts_statement(where))


def without_cells(rows: Iterable[CellCount]) -> list[Count]:
    """The rows of :func:`cell_answer_counts` summed over the cells, as :func:`answer_counts`."""
    totals: dict[tuple[Any, ...], int] = {}
    for u, g, q, lv, _, n in rows:
        totals[(u, g, q, lv)] = totals.get((u, g, q, lv), 0) + n
    return sorted_counts(totals)


def respondent_cells(
    session: Session,
    evaluation_id: int,
    group_ids: Collection[int],
    period_id: int | None,
    channel: str | None = None,
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
    if channel is not None:
        clauses.append(response.c.channel == channel)
    statement = (
        select(response.c.group_id, response.c.cell_key, func.count())
        .where(*clauses)
        .group_by(response.c.group_id, response.c.cell_key)
    )
    rows = session.connection().execute(statement).all()
    return [(int(g), cell, int(n)) for g, cell, n in rows]


# Sample designs ------------------------------------------------------------------------------

# (unit_id, group_id, question, level, cell_key, stratum, psu, n, weighted, sum w, sum w^2):
# ``weighted`` counts the answers that carry a design weight; w is 1 for the others.
DesignCount = tuple[
    int, int, str, str | None, str | None, str | None, str | None, int, int, float, float
]
# (group_id, cell_key, stratum, has_psu, respondents, sum w, sum w^2)
DesignRespondents = tuple[int, str | None, str | None, bool, int, float, float]


def has_design(session: Session, evaluation_id: int) -> bool:
    """Whether any response of the evaluation carries a design weight, stratum or PSU.

    The condition is the one of the partial index ``ix_response_design``, so an evaluation
    without a design answers from an empty index range instead of a scan.
    """
    response = _table("response")
    probe = (
        select(response.c.evaluation_id)
        .where(
            response.c.evaluation_id == evaluation_id,
            or_(
                response.c.design_weight.is_not(None),
                response.c.stratum.is_not(None),
                response.c.psu.is_not(None),
            ),
        )
        .limit(1)
    )
    return session.connection().execute(probe).first() is not None


def design_sums(answer: Table) -> list[ColumnElement[Any]]:
    """The answers' count, how many carry a design weight, and the sums of the weights (1
    where none is given) and of their squares: labelled n, weighted, sw and sw2."""
    weight = func.coalesce(answer.c.design_weight, 1.0)
    return [
        func.count().label("n"),
        func.count(answer.c.design_weight).label("weighted"),
        func.sum(weight).label("sw"),
        func.sum(weight * weight).label("sw2"),
    ]


def design_counts_statement(where: CountFilter, *, cells: bool = True) -> Select[Any]:
    """Counted answers per unit, group, question, level, weighting cell, stratum and PSU,
    with their count, how many carry a weight, and the sums of the weights and squares.

    With the answer's value fixed by its level, these are the sufficient statistics of every
    design-based estimate (sum w, sum w y, sum w y^2 and, per stratum where each respondent
    is its own PSU, sum w^2, w^2 y, w^2 y^2); no answer row leaves the database.

    ``cells`` False (a policy that does not rake) sums the weighting cells away (NULL in their
    place): they then weigh nothing, and kept they multiply the rows by the cells per stratum
    (three at city scale, where this statement returned 450,000 rows). The cells are summed
    by an outer ``GROUP BY`` over the grouped rows, because the inner one follows
    ``ix_answer_counts`` in order; grouping the answers without the cell made SQLite sort
    every answer instead (1.04 s against 0.36 s at 1M answers over 30 units).
    """
    answer = _table("answer")
    keys = [
        answer.c.unit_id,
        answer.c.group_id,
        answer.c.question,
        answer.c.level,
        answer.c.cell_key,
        answer.c.stratum,
        answer.c.psu,
    ]
    grouped = (
        select(*keys, *design_sums(answer)).where(*_answer_filters(answer, where)).group_by(*keys)
    )
    if cells:
        return grouped
    inner = grouped.subquery("per_cell")
    outer_keys = [inner.c[k.name] for k in keys if k.name != "cell_key"]
    return select(
        *outer_keys[:4],
        null().label("cell_key"),
        *outer_keys[4:],
        func.sum(inner.c.n),
        func.sum(inner.c.weighted),
        func.sum(inner.c.sw),
        func.sum(inner.c.sw2),
    ).group_by(*outer_keys)


def design_answer_counts(
    session: Session, where: CountFilter, *, cells: bool = True
) -> list[DesignCount]:
    rows = _fetch(session, design_counts_statement(where, cells=cells))
    return [
        (u, g, q, lv, cell, h, j, int(n), int(nw), float(sw), float(sw2))
        for u, g, q, lv, cell, h, j, n, nw, sw, sw2 in rows
    ]


def design_respondents(
    session: Session,
    evaluation_id: int,
    period_id: int | None,
    channel: str | None = None,
) -> list[DesignRespondents]:
    """Counted respondents per group, weighting cell and stratum, whether they have a PSU,
    and their design weights' sum and sum of squares: what raking from the design weights
    adjusts, and the sampled numbers of the finite population correction."""
    response = _table("response")
    clauses = [response.c.evaluation_id == evaluation_id, counted(response)]
    if period_id is not None:
        clauses.append(response.c.period_id == period_id)
    if channel is not None:
        clauses.append(response.c.channel == channel)
    weight = func.coalesce(response.c.design_weight, 1.0)
    has_psu = response.c.psu.is_not(None)
    statement = (
        select(
            response.c.group_id,
            response.c.cell_key,
            response.c.stratum,
            has_psu,
            func.count(),
            func.sum(weight),
            func.sum(weight * weight),
        )
        .where(*clauses)
        .group_by(response.c.group_id, response.c.cell_key, response.c.stratum, has_psu)
    )
    rows: list[Any] = list(session.connection().execute(statement).all())
    return [
        (int(g), cell, h, bool(p), int(n), float(sw), float(sw2))
        for g, cell, h, p, n, sw, sw2 in rows
    ]


# (response id, external ref, group_id, cell_key, stratum, psu, design weight)
ResponseDesign = tuple[str, str | None, int, str | None, str | None, str | None, float | None]


def response_designs(
    session: Session, evaluation_id: int, period_id: int | None
) -> list[ResponseDesign]:
    """Every counted response's group, cell and design, for the weights export."""
    response = _table("response")
    clauses = [response.c.evaluation_id == evaluation_id, counted(response)]
    if period_id is not None:
        clauses.append(response.c.period_id == period_id)
    statement = (
        select(
            response.c.id,
            response.c.external_ref,
            response.c.group_id,
            response.c.cell_key,
            response.c.stratum,
            response.c.psu,
            response.c.design_weight,
        )
        .where(*clauses)
        .order_by(response.c.group_id, response.c.external_ref, response.c.id)
    )
    rows: list[Any] = list(session.connection().execute(statement).all())
    return [(r, ref, int(g), c, h, j, w) for r, ref, g, c, h, j, w in rows]
