"""An evaluation's hard-indicator values, read straight from the driver into arrays per unit."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from operator import itemgetter
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlmodel import Session

from survey.composite.collector import collector_paused

Float = NDArray[np.float64]
NAN = math.nan


# One key column per row, "<length of the indicator code>:<indicator><period>": one string
# for the driver to decode instead of two, and a key that splits back whatever the codes hold.
_VALUES_QMARK = (
    "SELECT unit_id, length(indicator) || ':' || indicator || period, value, target, "
    "benchmark FROM indicator_value WHERE evaluation_id = ?"
)
# A category's computation reads its own units' values only (methods, coefficients and
# warnings are all relative to the category), so a request for some categories reads theirs.
_CATEGORY_VALUES_QMARK = (
    "SELECT v.unit_id, length(v.indicator) || ':' || v.indicator || v.period, v.value, "
    "v.target, v.benchmark FROM indicator_value v JOIN unit u ON u.id = v.unit_id "
    "WHERE v.evaluation_id = ? AND u.category_id = ?"
)
_FORMAT = ("format", "pyformat")


def fetch_values(
    session: Session, evaluation_id: int, category_ids: Sequence[int] | None = None
) -> list[tuple[Any, ...]]:
    """The indicator values of an evaluation (or of some categories) as plain driver tuples.

    Straight from the driver's cursor: building a SQLAlchemy row for each of several hundred
    thousand values costs more than the query itself.
    """
    connection = session.connection()
    format_style = connection.dialect.paramstyle in _FORMAT
    driver: Any = connection.connection.driver_connection
    # psycopg's binary transfer decodes numbers without text parsing: about 40 % faster here.
    cursor = (
        driver.cursor(binary=True) if connection.dialect.name == "postgresql" else driver.cursor()
    )

    def run(statement: str, params: tuple[int, ...]) -> list[tuple[Any, ...]]:
        cursor.execute(statement.replace("?", "%s") if format_style else statement, params)
        return list(cursor.fetchall())

    try:
        if category_ids is None:
            return run(_VALUES_QMARK, (evaluation_id,))
        rows: list[tuple[Any, ...]] = []
        for category_id in category_ids:
            rows.extend(run(_CATEGORY_VALUES_QMARK, (evaluation_id, category_id)))
        return rows
    finally:
        cursor.close()


def _float_column(rows: list[tuple[Any, ...]], index: int) -> Float:
    """One column of the rows as floats; a missing target or benchmark (None) becomes NaN."""
    try:
        return np.fromiter(map(itemgetter(index), rows), dtype=np.float64, count=len(rows))
    except TypeError:  # a None: numpy's array constructor reads it as NaN
        return np.array(list(map(itemgetter(index), rows)), dtype=np.float64)


def _split_key(key: str) -> tuple[str, str]:
    """(indicator, period) from the key column of ``_VALUES_QMARK``."""
    length, _, rest = key.partition(":")
    n = int(length)
    return rest[:n], rest[n:]


class HardStore:
    """Every value of one evaluation, as arrays over all units (NaN where none)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.columns: dict[tuple[str, str], tuple[Float, Float, Float]] = {}
        self._empty = np.full(size, NAN)

    @classmethod
    def load(
        cls,
        session: Session,
        evaluation_id: int | None,
        positions: Mapping[int, int],
        category_ids: Sequence[int] | None = None,
    ) -> HardStore:
        store = cls(len(positions))
        if evaluation_id is None or not positions:
            return store
        with collector_paused():
            return store._fill(fetch_values(session, evaluation_id, category_ids), positions)

    def _fill(self, rows: list[tuple[Any, ...]], positions: Mapping[int, int]) -> HardStore:
        store = self
        if not rows:
            return store
        # Hundreds of thousands of rows at city scale: columns at once, not row by row, and
        # through C-level iteration (map, itemgetter, dict.fromkeys): no Python frame per row.
        size = len(rows)
        unit_ids = np.fromiter(map(itemgetter(0), rows), dtype=np.intp, count=size)
        lookup = np.full(max(max(positions), int(unit_ids.max())) + 1, -1, dtype=np.intp)
        for unit_id, position in positions.items():
            lookup[unit_id] = position
        at = lookup[unit_ids]
        keyed = list(map(itemgetter(1), rows))
        keys = {key: i for i, key in enumerate(dict.fromkeys(keyed))}
        code = np.fromiter(map(keys.__getitem__, keyed), dtype=np.intp, count=size)
        table_values = np.full((3, len(keys), store.size), NAN)
        known = at >= 0
        if known.all():  # the usual case: no mask to apply
            for k in range(3):
                table_values[k, code, at] = _float_column(rows, 2 + k)
        else:
            for k in range(3):
                table_values[k, code[known], at[known]] = _float_column(rows, 2 + k)[known]
        store.columns = {
            _split_key(key): (table_values[0, i], table_values[1, i], table_values[2, i])
            for key, i in keys.items()
        }
        return store

    def get(self, indicator: str, period: str) -> tuple[Float, Float, Float]:
        found = self.columns.get((indicator, period))
        if found is None:
            return self._empty, self._empty, self._empty
        return found
