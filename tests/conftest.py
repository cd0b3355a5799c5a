"""Test fixtures: one migrated database per run, emptied after each test.

The database is SQLite in a temporary folder unless ``PINGYI_TEST_DATABASE_URL`` names another
(CI sets it to PostgreSQL); ``PINGYI_TEST_REDIS_URL`` switches the shared stores to Redis.
Tests empty the tables afterwards instead of rolling back a wrapping transaction, because the
app commits in its services and several tests submit concurrently through real connections.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, SQLModel

import survey.models  # noqa: F401
from survey import migrate
from survey.config import Mode, Settings, configure
from survey.db import build_engine, dispose_engines, get_engine
from tests.demo_cache import cached
from tests.factories import TEST_SECRET
from tests.workers import worker_suffix
from web.app import create_app


def _worker_database(base: str) -> str:
    """The base PostgreSQL database itself, or one of its own per xdist worker.

    Workers run different tests at the same time and every test empties every table, so
    two workers cannot share a database: each gets ``<base>_<worker>``, created on first use.
    """
    suffix = worker_suffix()
    url = make_url(base)
    if not suffix or url.get_backend_name() != "postgresql":
        return base
    name = f"{url.database}_{suffix}"
    admin = build_engine(base).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        ).first()
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def _database_url(tmp_root: Path) -> str:
    base = os.environ.get("PINGYI_TEST_DATABASE_URL")
    if not base:
        return f"sqlite:///{tmp_root / 'test.db'}"
    return _worker_database(base)


def reset_database(url: str) -> None:
    """Drop everything, so that ``upgrade head`` starts from an empty database."""
    engine = build_engine(url)
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    if make_url(url).get_backend_name() == "sqlite":
        database = make_url(url).database
        if database:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{database}{suffix}").unlink(missing_ok=True)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = _database_url(tmp_path_factory.mktemp("db"))
    reset_database(url)
    migrate.upgrade(url)
    return url


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The test Redis, one logical database per xdist worker (``gw1`` adds 1 to the number)."""
    base = os.environ.get("PINGYI_TEST_REDIS_URL", "")
    suffix = worker_suffix()
    if not base or not suffix:
        return base
    url = urlsplit(base)
    number = int(url.path.strip("/") or 0) + int(suffix.removeprefix("gw"))
    return urlunsplit(url._replace(path=f"/{number}"))


@pytest.fixture(scope="session", autouse=True)
def demo_loaded_once() -> Iterator[None]:
    """Tests load the demo city through ``demo.load_demo``: the real loader the first time in
    a worker, a copy of its rows after that (tests/demo_cache.py)."""
    from survey import demo

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(demo, "load_demo", cached(demo.load_demo))
        yield


@pytest.fixture
def public_base_url() -> str:
    return "https://pingyi.example.gov.cn"


@pytest.fixture
def settings(
    database_url: str, redis_url: str, tmp_path: Path, public_base_url: str
) -> Iterator[Settings]:
    if redis_url:
        import redis

        redis.Redis.from_url(redis_url).flushdb()
    yield configure(
        mode=Mode.test,
        database_url=database_url,
        secret_key=TEST_SECRET,
        redis_url=redis_url,
        data_dir=tmp_path / "data",
        public_base_url=public_base_url,
        # Most tests cast one ballot at a time: a lone cast commits after this short wait
        # instead of the production default; tests of ballot secrecy set their own.
        ballot_mix_wait_seconds=0.05,
    )


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    engine = get_engine(settings)
    yield engine
    _empty_tables(engine)


def _empty_tables(engine: Engine) -> None:
    if engine.dialect.name == "postgresql" and _truncate(engine):
        return
    with engine.begin() as connection:
        for table in reversed(SQLModel.metadata.sorted_tables):
            connection.execute(table.delete())


def _truncate(engine: Engine) -> bool:
    """Empty every table at once on PostgreSQL; False if a lock did not come in time.

    DELETE leaves every row behind as a dead tuple, and tests that load the demo city write
    some 100,000 answers each: the dead rows piled up between autovacuums until emptying the
    tables took minutes (foreign-key checks wading through dead index entries). TRUNCATE leaves
    nothing behind. It needs an exclusive lock, so a connection a test left inside a transaction
    would block it: after a short wait the DELETEs run instead, as before.
    """
    names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    try:
        with engine.begin() as connection:
            connection.execute(text("SET LOCAL lock_timeout = '5s'"))
            connection.execute(text(f"TRUNCATE {names}"))
    except OperationalError:
        return False
    return True


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def app(settings: Settings, engine: Engine) -> FastAPI:
    return create_app(settings)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url="https://testserver") as client:
        yield client


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    dispose_engines()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The crash suite's counts (tests/crash), at the end of the run's output for CI's note.

    The test records them as a property of its report, which pytest-xdist carries from the
    worker that ran it to the process that prints the summary.
    """
    for reports in terminalreporter.stats.values():
        for report in reports:
            if getattr(report, "when", "") != "call":
                continue  # the teardown's report carries the same properties
            for name, value in report.user_properties:
                if name == "crash_counts":
                    terminalreporter.write_line(f"crash suite ({report.nodeid}): {value}")
