"""The demo city loaded once per test worker and database, then copied back row for row.

Some seventy tests start from the demo city. Loading it runs the real loader end to end (about
100,000 seeded answers, ballots, composite schemes, two publications, password hashes) and
takes seconds each time; CI runs the suite twice within a time limit. The first call in a
worker runs ``survey.demo.load_demo`` itself; the rows it left in every table are kept, and
later calls with the same arguments, on an empty database of the same kind, insert exactly
those rows again. What a test sees is what the loader wrote, not a hand-made stand-in: the
tests of the loader's own output read the same rows either way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, func, select, text
from sqlmodel import Session, SQLModel

from survey.db import refresh_statistics
from survey.demo import DemoInfo
from survey.models import Unit

Rows = list[dict[str, Any]]


@dataclass(frozen=True)
class _Snapshot:
    info: DemoInfo
    tables: list[tuple[Table, Rows]]


_snapshots: dict[tuple[str, str | None, str | None], _Snapshot] = {}


def _take(connection: Connection) -> list[tuple[Table, Rows]]:
    taken: list[tuple[Table, Rows]] = []
    for table in SQLModel.metadata.sorted_tables:
        order = list(table.primary_key.columns) or list(table.columns)
        rows = [dict(r) for r in connection.execute(select(table).order_by(*order)).mappings()]
        taken.append((table, rows))
    return taken


def _restore(connection: Connection, tables: list[tuple[Table, Rows]]) -> None:
    for table, rows in tables:
        if rows:
            connection.execute(table.insert(), rows)
    if connection.dialect.name != "postgresql":
        return
    # Rows came back with their ids: move each id sequence past them, as the loader's
    # own inserts would have.
    for table, rows in tables:
        for column in table.primary_key.columns:
            if not rows or not column.autoincrement or column.type.python_type is not int:
                continue
            sequence = connection.execute(
                text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": column.name}
            ).scalar()
            if sequence is not None:
                largest = connection.execute(select(func.max(column))).scalar()
                connection.execute(text("SELECT setval(:s, :v)"), {"s": sequence, "v": largest})


def cached(real: Callable[..., DemoInfo]) -> Callable[..., DemoInfo]:
    """``load_demo`` that runs ``real`` once per (database kind, password, secret)."""

    def load_demo(
        session: Session, *, office_password: str | None = None, **options: Any
    ) -> DemoInfo:
        connection = session.connection()
        key = (connection.dialect.name, office_password, options.get("secret"))
        empty = session.exec(select(Unit.id).limit(1)).first() is None  # type: ignore[call-overload]
        snapshot = _snapshots.get(key)
        if snapshot is None or not empty or office_password is None:
            # A random password (None) is the loader's to draw: no copy would be faithful.
            info = real(session, office_password=office_password, **options)
            if empty and office_password is not None:
                session.flush()
                _snapshots[key] = _Snapshot(info, _take(session.connection()))
            return info
        _restore(connection, snapshot.tables)
        # As the loader itself ends: the planner's statistics of the tables just filled.
        refresh_statistics(session, None)
        return snapshot.info

    return load_demo
