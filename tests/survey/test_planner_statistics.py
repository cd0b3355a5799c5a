"""After a bulk load, PostgreSQL's planner knows how many rows the filled tables hold.

Without statistics it took the demo city's answers for a nearly empty table and planned a
satisfaction result restricted to one channel as a nested loop over every answer of every
response (131 s instead of 0.1 s). ``ANALYZE`` sets ``pg_class.reltuples`` to the rows it
counted; an unanalysed table has -1 there (PostgreSQL 14 and later) or 0. SQLite keeps no
such statistics, so these tests are PostgreSQL's.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlmodel import Session, func, select

from survey import demo
from survey.models import Answer, Response
from survey.satisfaction.importer import import_responses
from tests.factories import ACTOR
from tests.survey.test_satisfaction_import import Setup, _csv


def _planner_rows(session: Session, table: str) -> float:
    found = session.connection().execute(
        text("SELECT reltuples FROM pg_class WHERE relname = :t AND relkind = 'r'"), {"t": table}
    )
    return float(found.scalar_one())


def _rows(session: Session, model: type) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


@pytest.fixture
def postgres(session: Session) -> Session:
    if session.connection().dialect.name != "postgresql":
        pytest.skip("planner statistics are PostgreSQL's (PINGYI_TEST_DATABASE_URL)")
    return session


def test_an_import_of_responses_leaves_the_planner_their_numbers(postgres: Session) -> None:
    setup = Setup(postgres)
    setup.numeric_scale(postgres, 0, 10)
    report = import_responses(
        postgres, setup.evaluation_id, _csv(setup.good_rows()), "a.csv", actor=ACTOR
    )
    assert report.answers == _rows(postgres, Answer) > 0
    assert _planner_rows(postgres, "answer") == _rows(postgres, Answer)
    assert _planner_rows(postgres, "response") == _rows(postgres, Response)


def test_the_demo_city_leaves_the_planner_every_table_counted(postgres: Session) -> None:
    demo.load_demo(postgres, office_password="demo-password-1")
    assert _planner_rows(postgres, "answer") == _rows(postgres, Answer) > 10_000
    assert _planner_rows(postgres, "response") == _rows(postgres, Response)
