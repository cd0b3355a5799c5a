"""Freezing an evaluation's inputs, and computing results again from frozen inputs alone.

The inputs are plain rows: the organisation (categories, units, groups), the evaluation's
periods, weights, satisfaction policy versions, composite schemes, hard-indicator values,
qualitative scores, excellence goals and adjustments, the previous evaluation's indicator
values and ranks (rank changes and growth rates are measured against them), and the counted
answers per period, channel, unit, group, question, level and weighting cell; with a sample
design, also the design's counts and weight sums per stratum and PSU and its respondents.

``replay`` loads them into a private in-memory SQLite database and runs the same services as
the live application on it (``survey.satisfaction.service``, ``survey.composite.compute``),
with the answers read from the frozen counts: the same scoring code, no live table.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    DateTime,
    Engine,
    Select,
    Table,
    create_engine,
    func,
    select,
)
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, SQLModel

import survey.models  # noqa: F401  (registers every table)
from survey.composite.compute import _previous_ranks
from survey.composite.models import CompositeSnapshot, CompositeSnapshotUnit
from survey.models import Evaluation, EvaluationStatus
from survey.satisfaction import counts as sql
from survey.satisfaction.frozen import FrozenCounts, from_inputs, frozen_counts
from survey.satisfaction.policy import current_version, settings_of

FORMAT = 1
# Read whole: the organisation the evaluation's units and groups belong to.
ORGANISATION_TABLES = ("unit_category", "unit", "respondent_group")
# Read for the evaluation alone.
EVALUATION_TABLES = (
    "period",
    "group_weight",
    "satisfaction_policy",
    "composite_scheme",
    "indicator_value",
    "qualitative_score",
    "excellence_goal",
    "composite_adjustment",
    # The rectification rates a scheme may score (survey.comments.rates): the records and
    # the comments they count, the comments without their text (frozen_rows blanks it).
    "rectification",
    "comment",
)
# Columns a frozen copy leaves out: what people wrote is not an input of any figure.
BLANKED = {"comment": {"text": ""}}


def _table(name: str) -> Table:
    return SQLModel.metadata.tables[name]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _rows(session: Session, table: Table, evaluation_id: int | None = None) -> list[dict[str, Any]]:
    statement = select(table)
    if evaluation_id is not None:
        statement = statement.where(table.c.evaluation_id == evaluation_id)
    keys = [c for c in table.primary_key.columns] or list(table.c)
    statement = statement.order_by(*keys)
    return [
        {name: _plain(value) for name, value in row._mapping.items()}
        for row in session.connection().execute(statement)
    ]


def _frozen_answers(session: Session, evaluation_id: int) -> list[list[Any]]:
    answer = _table("answer")
    keys = _per_period_and_channel(answer.c.cell_key)
    statement = _counted_answers(evaluation_id, keys, [func.count()])
    rows = [list(row) for row in session.connection().execute(statement)]
    return sorted(rows, key=lambda r: tuple("" if v is None else str(v) for v in r[:7]))


def _per_period_and_channel(*last: ColumnElement[Any]) -> list[ColumnElement[Any]]:
    """The keys of frozen answer counts: period, channel, unit, group, question, level, then
    ``last``."""
    answer, response = _table("answer"), _table("response")
    return [
        answer.c.period_id,
        response.c.channel,
        answer.c.unit_id,
        answer.c.group_id,
        answer.c.question,
        answer.c.level,
        *last,
    ]


def _counted_answers(
    evaluation_id: int, keys: list[ColumnElement[Any]], aggregates: list[ColumnElement[Any]]
) -> Select[Any]:
    """The evaluation's counted answers grouped by ``keys`` (which may name the response's
    channel), with ``aggregates``."""
    answer, response = _table("answer"), _table("response")
    return (
        select(*keys, *aggregates)
        .select_from(answer.join(response, response.c.id == answer.c.response_id))
        .where(
            answer.c.evaluation_id == evaluation_id,
            answer.c.unit_id.is_not(None),
            answer.c.counted.is_(True),
        )
        .group_by(*keys)
    )


def _frozen_respondents(session: Session, evaluation_id: int) -> list[list[Any]]:
    response = _table("response")
    keys = [response.c.period_id, response.c.channel, response.c.group_id, response.c.cell_key]
    statement = (
        select(*keys, func.count())
        .where(
            response.c.evaluation_id == evaluation_id,
            response.c.group_id.is_not(None),
            sql.counted(response),
        )
        .group_by(*keys)
    )
    rows = [list(row) for row in session.connection().execute(statement)]
    return sorted(rows, key=lambda r: tuple("" if v is None else str(v) for v in r[:4]))


def _frozen_design_answers(session: Session, evaluation_id: int) -> list[list[Any]]:
    """``counts.design_answer_counts`` with the cells, per period and channel."""
    answer = _table("answer")
    keys = _per_period_and_channel(answer.c.cell_key, answer.c.stratum, answer.c.psu)
    statement = _counted_answers(evaluation_id, keys, sql.design_sums(answer))
    rows = [
        [*key, int(n), int(nw), float(sw), float(sw2)]
        for *key, n, nw, sw, sw2 in session.connection().execute(statement)
    ]
    return sorted(rows, key=lambda r: tuple("" if v is None else str(v) for v in r[:9]))


def _frozen_design_respondents(session: Session, evaluation_id: int) -> list[list[Any]]:
    """``counts.design_respondents`` per period and channel."""
    response = _table("response")
    has_psu = response.c.psu.is_not(None)
    keys = [
        response.c.period_id,
        response.c.channel,
        response.c.group_id,
        response.c.cell_key,
        response.c.stratum,
        has_psu,
    ]
    weight = func.coalesce(response.c.design_weight, 1.0)
    statement = (
        select(*keys, func.count(), func.sum(weight), func.sum(weight * weight))
        .where(
            response.c.evaluation_id == evaluation_id,
            response.c.group_id.is_not(None),
            sql.counted(response),
        )
        .group_by(*keys)
    )
    found: list[Any] = list(session.connection().execute(statement))
    # has_psu comes back as 0/1 from SQLite and as a boolean from PostgreSQL.
    rows = [
        [period, channel, int(group), cell, stratum, bool(psu), int(n), float(sw), float(sw2)]
        for period, channel, group, cell, stratum, psu, n, sw, sw2 in found
    ]
    return sorted(rows, key=lambda r: tuple("" if v is None else str(v) for v in r[:6]))


def _has_design(session: Session, evaluation_id: int) -> bool:
    """Whether the results take the design path (``sample_design.load``'s condition)."""
    settings = settings_of(current_version(session, evaluation_id))
    return bool(settings.finite_population) or sql.has_design(session, evaluation_id)


def _frozen_counts(session: Session, evaluation_id: int) -> dict[str, Any]:
    counts: dict[str, Any] = {
        "answers": _frozen_answers(session, evaluation_id),
        "respondents": _frozen_respondents(session, evaluation_id),
    }
    # Only with a design, so that a publication without one freezes what it always did.
    if _has_design(session, evaluation_id):
        counts["design"] = {
            "answers": _frozen_design_answers(session, evaluation_id),
            "respondents": _frozen_design_respondents(session, evaluation_id),
        }
    return counts


def freeze_inputs(session: Session, evaluation: Evaluation) -> dict[str, Any]:
    """Everything the evaluation's results are computed from, as plain JSON-ready data."""
    assert evaluation.id is not None
    tables: dict[str, list[dict[str, Any]]] = {}
    for name in ORGANISATION_TABLES:
        tables[name] = _rows(session, _table(name))
    for name in EVALUATION_TABLES:
        blank = BLANKED.get(name, {})
        tables[name] = [{**row, **blank} for row in _rows(session, _table(name), evaluation.id)]
    previous: dict[str, Any] | None = None
    if evaluation.previous_id is not None:
        before = session.get(Evaluation, evaluation.previous_id)
        if before is not None and before.id is not None:
            categories = set(
                session.connection().execute(select(_table("unit_category").c.code)).scalars()
            )
            ranks = _previous_ranks(session, evaluation, categories) or {}
            previous = {
                "evaluation": {
                    "id": before.id,
                    "name": before.name,
                    "name_en": before.name_en,
                    "year": before.year,
                },
                "indicator_value": _rows(session, _table("indicator_value"), before.id),
                "ranks": ranks,
            }
    return {
        "format": FORMAT,
        "evaluation": {
            "id": evaluation.id,
            "name": evaluation.name,
            "name_en": evaluation.name_en,
            "year": evaluation.year,
            "previous_id": evaluation.previous_id,
        },
        "tables": tables,
        "previous": previous,
        "counts": _frozen_counts(session, evaluation.id),
    }


# Replaying ---------------------------------------------------------------------------------


def _typed(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    for column in table.c:
        value = out.get(column.name)
        if not isinstance(value, str):
            continue
        kind = getattr(column.type, "impl", column.type)  # a TypeDecorator's underlying type
        if isinstance(kind, DateTime) or _python_type(column) is datetime:
            out[column.name] = datetime.fromisoformat(value)
        elif isinstance(kind, Date) or _python_type(column) is date:
            out[column.name] = date.fromisoformat(value)
    return out


def _python_type(column: Any) -> type | None:
    try:
        found: type = column.type.python_type
    except NotImplementedError:
        return None
    return found


def _insert(session: Session, name: str, rows: list[dict[str, Any]]) -> None:
    if rows:
        table = _table(name)
        session.connection().execute(table.insert(), [_typed(table, r) for r in rows])


def _scratch_engine() -> Engine:
    engine = create_engine("sqlite://", poolclass=StaticPool)
    # A private, throw-away database for one recomputation: the schema of the models.
    SQLModel.metadata.create_all(engine)
    return engine


@contextmanager
def replayed(inputs: dict[str, Any]) -> Iterator[tuple[Session, Evaluation, FrozenCounts]]:
    """A session on a private database that holds the frozen inputs and nothing else, with
    the evaluation marked published and its answers read from the frozen counts."""
    engine = _scratch_engine()
    try:
        with Session(engine) as session:
            meta = inputs["evaluation"]
            previous = inputs.get("previous")
            tables = inputs["tables"]
            for name in ORGANISATION_TABLES:
                _insert(session, name, tables[name])
            if previous is not None:
                before = previous["evaluation"]
                session.add(Evaluation(status=EvaluationStatus.published, **before))
                session.flush()
                _insert(session, "indicator_value", previous["indicator_value"])
                snapshot = CompositeSnapshot(
                    evaluation_id=before["id"], published_by="", scheme_versions={}, summary={}
                )
                session.add(snapshot)
                session.flush()
                assert snapshot.id is not None
                position = 0
                for category, ranks in sorted(previous["ranks"].items()):
                    for unit, rank in sorted(ranks.items()):
                        session.add(
                            CompositeSnapshotUnit(
                                snapshot_id=snapshot.id,
                                unit_code=unit,
                                position=position,
                                result={"category": category, "rank": rank},
                                explanation={},
                            )
                        )
                        position += 1
            evaluation = Evaluation(
                id=meta["id"],
                name=meta["name"],
                name_en=meta["name_en"],
                year=meta["year"],
                previous_id=meta["previous_id"] if previous is not None else None,
                status=EvaluationStatus.published,
            )
            session.add(evaluation)
            session.flush()
            for name in EVALUATION_TABLES:
                # Versions frozen before a table joined the list simply lack it.
                _insert(session, name, tables.get(name, []))
            session.flush()
            counts: FrozenCounts = from_inputs(meta["id"], inputs)
            with frozen_counts(counts):
                yield session, evaluation, counts
    finally:
        engine.dispose()
