"""Helpers the older benchmarks share: a 10-unit benchmark survey, servers, own databases.

(Once part of ``benchmarks/submit.py``, which now measures the demo's own form; see there.)
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import Session

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from survey import migrate  # noqa: E402
from survey.accounts import Principal  # noqa: E402
from survey.config import Mode, configure  # noqa: E402
from survey.db import build_engine  # noqa: E402
from survey.models import Role  # noqa: E402
from survey.surveys import service  # noqa: E402
from survey.surveys.schemas import SurveyCreate, SurveyUpdate  # noqa: E402

SECRET = "benchmark-secret-" + "b" * 32
UNITS = 10


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def fresh_schema(url: str) -> None:
    """An empty, migrated schema at ``url`` and the app configured for it."""
    engine = build_engine(url)
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    migrate.upgrade(url)
    configure(mode=Mode.development, database_url=url, secret_key=SECRET)


def app_env(url: str, redis_url: str = "") -> dict[str, str]:
    """The environment of a Pingyi server for a benchmark (no Redis unless given)."""
    return {
        **os.environ,
        "PINGYI_MODE": "development",
        "PINGYI_SECRET_KEY": SECRET,
        "PINGYI_DATABASE_URL": url,
        "PINGYI_REDIS_URL": redis_url,
    }


def end_group(process: subprocess.Popen[bytes]) -> None:
    """End a server started in a process group of its own, workers and writers with it."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=30)
    # Whatever of the group is still there (a worker, a writer child) ends with it.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)


def prepare(url: str) -> str:
    """A fresh schema with the demo organisation and an open 10-unit survey; returns its slug."""
    fresh_schema(url)
    from survey import demo

    engine = build_engine(url)
    with Session(engine) as session:
        info = demo.load_demo(session, office_password="benchmark-password")
        existing = service.get_survey(session, 1)
        data = SurveyCreate.model_validate(
            {
                **service.survey_create_from(
                    service.survey_public(session, existing, "")
                ).model_dump(),
                "title": "benchmark",
                "categories": [],
                "units": [f"BM{n:02d}" for n in range(1, UNITS + 1)],
                "one_per_device": False,
                "min_seconds": 0,
            }
        )
        actor = Principal(name="benchmark", role=Role.admin)
        survey = service.create_survey(session, data, actor)
        service.update_survey(session, survey.id, SurveyUpdate(status="open"), actor)  # type: ignore[arg-type]
        del info
        slug = survey.slug
    engine.dispose()
    return slug


WORKERS = 1


def start(app: str, env: dict[str, str], port: int, factory: bool) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        app,
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
        "--workers",
        str(WORKERS),
    ]
    if factory:
        command.append("--factory")
    server = subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return server
        except httpx.TransportError:
            time.sleep(0.2)
    end_group(server)
    raise RuntimeError(f"{app} did not start")


def form_body(client: httpx.Client, slug: str) -> tuple[str, str]:
    page = client.get(f"/s/{slug}")
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page.text))
    hidden.pop("key")
    fields = {**hidden, "group": "citizens", "p.district": "QX01", "p.age": "18-34"}
    for number in range(1, UNITS + 1):
        fields[f"r.overall.BM{number:02d}"] = "satisfied" if number % 3 else "basically_satisfied"
    body = httpx.QueryParams(fields)
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    return str(body), cookie


@contextmanager
def own_database(server_url: str, name: str) -> Iterator[str]:
    """A database of the benchmark's own, so that it never touches the test database; its
    name is ``name`` with a random suffix, so two runs on one server cannot collide."""
    name = f"{name}_{secrets.token_hex(4)}"
    admin = build_engine(server_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()
