"""Engine and session construction for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

from survey.config import Settings

_engines: dict[str, Engine] = {}


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def build_engine(url: str, *, busy_timeout_ms: int = 5000) -> Engine:
    """An engine with the pragmas Pingyi relies on: WAL, foreign keys, a busy timeout."""
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000},
            # An error's message must not carry the rows it was writing (code hashes, ballots).
            hide_parameters=True,
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            # NORMAL is durable in WAL mode across application crashes; FULL adds
            # durability across power loss, which an acknowledged submission needs.
            cursor.execute("PRAGMA synchronous=FULL")
            # Deleted content is overwritten with zeros, so a closed ballot batch's old rows
            # (ids, pages of the order they arrived in) do not linger in free pages.
            cursor.execute("PRAGMA secure_delete=ON")
            cursor.close()

        return engine
    return create_engine(
        url, pool_pre_ping=True, pool_size=10, max_overflow=20, hide_parameters=True
    )


# The tables a bulk load fills (an import of responses, the demo city).
BULK_TABLES = ("response", "answer")


def refresh_statistics(session: Session, tables: Sequence[str] | None = BULK_TABLES) -> None:
    """Give PostgreSQL's planner the statistics of tables a bulk load has just filled.

    Until autovacuum analyses them (up to a minute later, or never while the load is in one
    long transaction), the planner takes a freshly filled table for nearly empty and picks
    nested loops over it: measured on the demo city, a satisfaction result restricted to one
    channel took 131 s instead of 0.1 s. SQLite plans from its indexes alone unless ANALYZE
    has been run on it, so it is left alone. ``tables`` None: every table. Commits the
    session's transaction first.
    """
    session.commit()
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("ANALYZE " + ", ".join(tables or ())))
    session.commit()


def get_engine(settings: Settings) -> Engine:
    """One engine per database URL for the life of the process."""
    url = settings.resolved_database_url
    engine = _engines.get(url)
    if engine is None:
        engine = build_engine(url, busy_timeout_ms=settings.sqlite_busy_timeout_ms)
        _engines[url] = engine
    return engine


def dispose_engines() -> None:
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session for scripts and the CLI; services commit explicitly."""
    with Session(engine, expire_on_commit=False) as session:
        yield session
