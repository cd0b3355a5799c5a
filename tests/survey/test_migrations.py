"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, SQLModel

import survey.models  # noqa: F401
from survey import migrate
from survey.db import build_engine
from tests.factories import make_evaluation, make_group
from tests.workers import worker_suffix


@pytest.fixture
def empty_database_url(tmp_path: Path) -> Iterator[str]:
    base = os.environ.get("PINGYI_TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    # One per xdist worker: two workers dropping the same database would break each other.
    name = "_".join(filter(None, ["pingyi_migration_check", worker_suffix()]))
    admin = build_engine(base).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        connection.execute(text(f"CREATE DATABASE {name}"))
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


def _diff(url: str) -> list[object]:
    engine = build_engine(url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, SQLModel.metadata)
    engine.dispose()
    return list(diff)


def test_upgrade_head_on_an_empty_database_matches_the_models(empty_database_url: str) -> None:
    migrate.upgrade(empty_database_url)
    assert _diff(empty_database_url) == []
    engine = build_engine(empty_database_url)
    assert migrate.current_revision(engine) == migrate.head_revision(empty_database_url)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert {"evaluation", "unit", "response", "answer", "audit_log"} <= tables


def test_latest_migration_downgrades_and_upgrades_again(empty_database_url: str) -> None:
    migrate.upgrade(empty_database_url)
    migrate.downgrade(empty_database_url, "-1")
    engine = build_engine(empty_database_url)
    assert migrate.current_revision(engine) != migrate.head_revision(empty_database_url)
    engine.dispose()
    migrate.upgrade(empty_database_url)
    assert _diff(empty_database_url) == []


def test_counting_index_covers_the_group_by(empty_database_url: str) -> None:
    migrate.upgrade(empty_database_url)
    engine = build_engine(empty_database_url)
    indexes = {ix["name"]: ix["column_names"] for ix in inspect(engine).get_indexes("answer")}
    engine.dispose()
    assert indexes["ix_answer_counts"] == [
        "evaluation_id",
        "unit_id",
        "group_id",
        "question",
        "level",
        "cell_key",
        "stratum",
        "psu",
        "design_weight",
        "counted",
    ]


def _answers_at_0006(url: str) -> None:
    """Four responses, two answers each, stored at revision 0006 (before 0007 and 0009)."""
    migrate.upgrade(url, "0006")
    engine = build_engine(url)
    responses = {
        "r1": ("age=old", 0, None),  # counted
        "r2": (None, 2, None),  # flagged: left out
        "r3": (None, 2, "include"),  # flagged, included by the office
        "r4": ("age=young", 0, "exclude"),  # excluded by the office
    }
    with Session(engine) as session:
        evaluation, group = make_evaluation(session, quarters=False), make_group(session)
        ids = {"e": evaluation.id, "g": group.id}
    # The response table gained columns since 0006 (0012_design), so plain SQL fills it.
    with engine.begin() as connection:
        for response_id, (cell, flags, decision) in responses.items():
            connection.execute(
                text(
                    "INSERT INTO response (id, evaluation_id, group_id, channel, submitted_at, "
                    "time_precision, quality_flags, quality_decision, cell_key) "
                    "VALUES (:id, :e, :g, 'qr', :at, 'second', :flags, :decision, :cell)"
                ),
                {
                    "id": response_id,
                    "at": datetime(2026, 11, 1, tzinfo=UTC),
                    "flags": flags,
                    "decision": decision,
                    "cell": cell,
                    **ids,
                },
            )
    with engine.begin() as connection:
        for response_id in responses:
            for seq in range(2):
                connection.execute(
                    text(
                        "INSERT INTO answer (response_id, seq, evaluation_id, group_id, question) "
                        "VALUES (:id, :seq, :e, :g, 'overall')"
                    ),
                    {"id": response_id, "seq": seq, **ids},
                )
    engine.dispose()


def test_answers_of_an_earlier_schema_get_their_cell_and_whether_they_count(
    empty_database_url: str,
) -> None:
    _answers_at_0006(empty_database_url)
    migrate.upgrade(empty_database_url)
    engine = build_engine(empty_database_url)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT response_id, cell_key, counted FROM answer ORDER BY response_id, seq")
        ).all()
    engine.dispose()
    assert [(r, cell, bool(counted)) for r, cell, counted in rows] == [
        ("r1", "age=old", True),
        ("r1", "age=old", True),
        ("r2", None, False),
        ("r2", None, False),
        ("r3", None, True),
        ("r3", None, True),
        ("r4", "age=young", False),
        ("r4", "age=young", False),
    ]
