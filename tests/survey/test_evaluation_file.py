"""An evaluation's set-up file through the service, on the test database (SQLite or
PostgreSQL): the round trip, and a refusal that leaves every table as it was."""

from __future__ import annotations

import pytest
from sqlalchemy import func
from sqlmodel import Session, SQLModel, select

from survey import demo
from survey.accounts import Principal
from survey.composite import scheme as schemes
from survey.evaluation_file import SetupRejected, export_setup, import_setup
from survey.models import Evaluation, Role

OFFICE = Principal(name="test", role=Role.office)


def _row_counts(session: Session) -> dict[str, int]:
    return {
        name: session.exec(select(func.count()).select_from(table)).one()
        for name, table in SQLModel.metadata.tables.items()
    }


def test_round_trip_and_refusals_store_nothing(session: Session) -> None:
    demo.load_demo(session, office_password="demo-password-1")
    current = session.exec(select(Evaluation).where(Evaluation.year == 2026)).one()
    assert current.id is not None
    text = export_setup(session, current.id)

    copy = import_setup(session, text, OFFICE)
    assert copy.id is not None and copy.id != current.id
    assert export_setup(session, copy.id) == text
    assert len(schemes.list_schemes(session, copy.id)) == 8

    before = _row_counts(session)
    with pytest.raises(schemes.SchemeRejected):
        import_setup(session, text.replace("method: target_completion", "method: nope", 1), OFFICE)
    with pytest.raises(SetupRejected):
        import_setup(session, text.replace("  name: 中心城区\n", "  name: 城区\n", 1), OFFICE)
    assert _row_counts(session) == before
