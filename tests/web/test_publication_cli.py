"""``pingyi results verify``, run as a subprocess on the suite's database (SQLite or
PostgreSQL): it passes, then fails and says where once a stored input is altered."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session

from survey.publication import service
from tests.cli_runs import run_cli as _run
from tests.factories import ACTOR, TEST_SECRET
from tests.survey.test_publication import _reset_ids, build_city

pytestmark = pytest.mark.own_sqlite  # pingyi runs on a SQLite file in the test's folder


def test_results_verify_passes_then_fails_where_an_input_was_altered(
    tmp_path: Path, session: Session, engine: Engine, database_url: str
) -> None:
    _reset_ids(engine)
    build_city(session)
    first = service.publish(session, 2, ACTOR)
    service.reopen_for_correction(session, 2, ACTOR)
    service.publish(session, 2, ACTOR, reason="复核")
    env = {"PINGYI_DATABASE_URL": database_url, "PINGYI_SECRET_KEY": TEST_SECRET}

    passed = _run(tmp_path, "results", "verify", "2", **env)
    assert passed.returncode == 0, passed.stderr
    assert f"Version 1: inputs {first.inputs_digest}, results {first.results_digest}" in (
        passed.stdout.replace("\n", "")
    )
    assert "Verified" in passed.stdout

    # A live input of the published evaluation changed with raw SQL.
    session.execute(text("UPDATE qualitative_score SET score = 60 WHERE unit_id = 1"))
    session.commit()
    live = _run(tmp_path, "results", "verify", "2", **env)
    assert live.returncode == 1
    assert "Live data: inputs.tables.qualitative_score differs from the newest version" in (
        live.stderr
    )
    session.execute(text("UPDATE qualitative_score SET score = 91 WHERE unit_id = 1"))
    session.commit()
    assert _run(tmp_path, "results", "verify", "2", **env).returncode == 0

    # The frozen inputs of version 1 altered with raw SQL.
    altered = first.inputs_json.replace('"score":91.0', '"score":99.0')
    session.execute(
        text("UPDATE publication_version SET inputs_json = :t WHERE id = :id"),
        {"t": altered, "id": first.id},
    )
    session.commit()
    failed = _run(tmp_path, "results", "verify", "2", **env)
    assert failed.returncode == 1
    assert "Version 1: inputs.tables.qualitative_score differs" in failed.stderr
    assert "Version 1: results.composite differs" in failed.stderr
    assert "Version 2" not in failed.stderr
    session.close()
