"""Rank resampling draws kept in memory between results calls.

A results call redraws every unit x group mean 2,000 times to rank the units of each category.
Two caches spare repeating that work, and neither changes a result:

- ``RANK_CACHE`` keeps a category's whole rank distribution by its exact inputs, for calls on
  unchanged answers (a closed evaluation, pages reloaded between two submissions).
- ``CELL_DRAWS`` keeps each unit x group's draws by that cell's own counts. Every cell reads
  a random stream of its own (``scoring.cell_mean_draws``), so its draws depend on nothing
  but the seed, the unit, the group and its counts. A new response changes the cells of one
  group only; the next call redraws those and reuses the rest, and gets the same numbers as
  drawing everything afresh, in whichever process of a deployment serves it.

Both live in the process and are bounded; nothing here is state the results depend on.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Generic, TypeVar

import numpy as np
from numpy.typing import NDArray

from scoring import RankUncertainty, SatisfactionPolicy, cell_mean_draws, rank_uncertainty

Float = NDArray[np.float64]
V = TypeVar("V")

# Whole categories kept, and bytes of single-cell draws kept (2,000 draws are 16 kB a cell,
# so 64 MB holds about 4,000 unit x group cells: several evaluations of a city).
RANK_CACHE_ENTRIES = 256
CELL_DRAW_BYTES = 64 * 2**20


class _Lru(Generic[V]):
    """Least recently used entries dropped first, past a total size; safe across threads."""

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._used = 0
        self._items: OrderedDict[object, tuple[V, int]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: object) -> V | None:
        with self._lock:
            found = self._items.get(key)
            if found is None:
                return None
            self._items.move_to_end(key)
            return found[0]

    def put(self, key: object, value: V, size: int = 1) -> None:
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._used -= old[1]
            self._items[key] = (value, size)
            self._used += size
            while self._used > self._capacity and self._items:
                _, (_, dropped) = self._items.popitem(last=False)
                self._used -= dropped

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._used = 0

    def __len__(self) -> int:
        return len(self._items)


RANK_CACHE: _Lru[RankUncertainty] = _Lru(RANK_CACHE_ENTRIES)
CELL_DRAWS: _Lru[Float] = _Lru(CELL_DRAW_BYTES)


def clear() -> None:
    """Forget every kept draw (as in a process that has just started)."""
    RANK_CACHE.clear()
    CELL_DRAWS.clear()


def stream_of(unit_id: int, group_id: int) -> int:
    """The random stream of a unit x group: distinct for every pair of database ids."""
    return (unit_id << 32) | group_id


def category_rank_uncertainty(
    counts: Float,
    weights: Float,
    policy: SatisfactionPolicy,
    units: tuple[str, ...],
    unit_ids: list[int],
    group_ids: list[int],
    draws: int,
    seed: int,
) -> RankUncertainty:
    """``scoring.rank_uncertainty`` of one category, with its cells' draws kept and reused.

    ``counts`` is ``(units, groups, levels)`` (unweighted), ``unit_ids`` and ``group_ids``
    the database ids along its first two axes.
    """
    key = (
        counts.shape,
        counts.tobytes(),
        weights.tobytes(),
        policy.scores.tobytes(),
        policy.min_n,
        units,
        tuple(unit_ids),
        tuple(group_ids),
        draws,
        seed,
    )
    found = RANK_CACHE.get(key)
    if found is None:
        found = rank_uncertainty(
            counts,
            weights,
            policy,
            unit_labels=list(units),
            n_draws=draws,
            cell_draws=_cell_draws(counts, policy, unit_ids, group_ids, draws, seed),
        )
        RANK_CACHE.put(key, found)
    return found


def _cell_draws(
    counts: Float,
    policy: SatisfactionPolicy,
    unit_ids: list[int],
    group_ids: list[int],
    draws: int,
    seed: int,
) -> Float:
    """``(units, groups, draws)`` mean-score draws; cells without a valid answer hold 0."""
    valid = ~np.isnan(policy.scores)
    scores = policy.scores[valid]
    scored = counts[..., valid]
    out = np.zeros((*counts.shape[:2], draws))
    common = (seed, draws, scores.tobytes())
    missing: list[tuple[int, int, tuple[object, ...]]] = []
    answered = np.nonzero(scored.sum(axis=-1) > 0)
    for u, g, row in zip(*answered, scored[answered].tolist(), strict=True):
        key = (*common, unit_ids[u], group_ids[g], *row)
        found = CELL_DRAWS.get(key)
        if found is None:
            missing.append((int(u), int(g), key))
        else:
            out[u, g] = found
    if missing:
        rows = np.array([u for u, _, _ in missing]), np.array([g for _, g, _ in missing])
        streams = [stream_of(unit_ids[u], group_ids[g]) for u, g, _ in missing]
        fresh = cell_mean_draws(
            scored[rows], scores, draws, seed=seed, streams=np.array(streams, dtype=np.uint64)
        )
        out[rows] = fresh
        for (_, _, cell_key), row_draws in zip(missing, fresh, strict=True):
            kept = row_draws.copy()  # an array of its own, so that dropping it frees memory
            kept.flags.writeable = False
            CELL_DRAWS.put(cell_key, kept, kept.nbytes)
    return out
