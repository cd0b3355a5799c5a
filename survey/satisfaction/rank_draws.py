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
from collections.abc import Sequence
from dataclasses import dataclass
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
# Draws (units x groups x draws) held at once while ranking: 4M are 32 MB, a category of
# 280 units x 7 groups at 2,000 draws, or many small categories together.
BATCH_ELEMENTS = 4_000_000


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

    @property
    def capacity(self) -> int:
        return self._capacity

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._used = 0

    def __len__(self) -> int:
        return len(self._items)

    def keys(self) -> set[object]:
        """The keys held now (a copy)."""
        with self._lock:
            return set(self._items)


RANK_CACHE: _Lru[RankUncertainty] = _Lru(RANK_CACHE_ENTRIES)
CELL_DRAWS: _Lru[Float] = _Lru(CELL_DRAW_BYTES)


def clear() -> None:
    """Forget every kept draw (as in a process that has just started)."""
    RANK_CACHE.clear()
    CELL_DRAWS.clear()


def stream_of(unit_id: int, group_id: int) -> int:
    """The random stream of a unit x group: distinct for every pair of database ids."""
    return (unit_id << 32) | group_id


@dataclass(frozen=True)
class Category:
    """The rank resampling inputs of one category.

    ``counts`` is ``(units, groups, levels)`` (unweighted), ``weights`` the group weights,
    ``units`` the unit labels, and ``unit_ids`` and ``group_ids`` the database ids along the
    first two axes of ``counts``.
    """

    counts: Float
    weights: Float
    units: tuple[str, ...]
    unit_ids: tuple[int, ...]
    group_ids: tuple[int, ...]

    def key(self) -> tuple[object, ...]:
        """The inputs by value, for the cache."""
        shape, counts, weights = self.counts.shape, self.counts.tobytes(), self.weights.tobytes()
        return (shape, counts, weights, self.units, self.unit_ids, self.group_ids)


def rank_uncertainties(
    categories: Sequence[Category], policy: SatisfactionPolicy, draws: int, seed: int
) -> list[RankUncertainty]:
    """``scoring.rank_uncertainty`` of each category, reusing what the caches hold.

    The cells missing from ``CELL_DRAWS`` are drawn in one call for all categories, so that
    tables of equal length share their transforms.
    """
    common = (policy.scores.tobytes(), policy.min_n, draws, seed)
    keys = [(c.key(), common) for c in categories]
    found: list[RankUncertainty | None] = [RANK_CACHE.get(key) for key in keys]
    batches = _batches([k for k, f in enumerate(found) if f is None], categories, draws)
    # Cells the cache can hold, and the cells each batch may draw and keep: those of the
    # later batches would push out whatever an earlier one keeps beyond the room left.
    room = CELL_DRAWS.capacity // max(8 * draws, 1)
    usable = [[int(_usable(categories[k], policy)[0].size) for k in b] for b in batches]
    later = [sum(map(sum, usable[b + 1 :])) for b in range(len(batches))]
    for number, batch in enumerate(batches):
        if len(batch) == 1 and _elements(categories[batch[0]], draws) > BATCH_ELEMENTS:
            # Too large to hold every draw of every cell at once: scoring draws it in blocks
            # from one generator of its own (reproducible, but no cell's draws are kept).
            c = categories[batch[0]]
            rng = np.random.default_rng([seed, *c.unit_ids])
            given: list[Float | None] = [None]
        else:
            rng = None
            given = list(
                _cell_draws(
                    [categories[k] for k in batch], policy, draws, seed, room - later[number]
                )
            )
        for k, cell_draws in zip(batch, given, strict=True):
            c = categories[k]
            result = rank_uncertainty(
                c.counts,
                c.weights,
                policy,
                unit_labels=list(c.units),
                n_draws=draws,
                seed=rng,
                cell_draws=cell_draws,
            )
            RANK_CACHE.put(keys[k], result)
            found[k] = result
    return [f for f in found if f is not None]


def _elements(category: Category, draws: int) -> int:
    return int(category.counts.shape[0] * category.counts.shape[1] * draws)


def _batches(todo: list[int], categories: Sequence[Category], draws: int) -> list[list[int]]:
    """Consecutive categories whose draws together stay within ``BATCH_ELEMENTS``."""
    batches: list[list[int]] = []
    size = 0
    for k in todo:
        elements = _elements(categories[k], draws)
        if not batches or size + elements > BATCH_ELEMENTS:
            batches.append([])
            size = 0
        batches[-1].append(k)
        size += elements
    return batches


def _usable(category: Category, policy: SatisfactionPolicy) -> tuple[NDArray[np.intp], ...]:
    """Positions of the unit x group cells that enter a score (rank_uncertainty's used groups)."""
    valid = ~np.isnan(policy.scores)
    answers = category.counts[..., valid].sum(axis=-1)
    return np.nonzero((answers >= max(policy.min_n, 1)) & (category.weights > 0))


def _cell_draws(
    categories: Sequence[Category],
    policy: SatisfactionPolicy,
    draws: int,
    seed: int,
    room: int | None = None,
) -> list[Float]:
    """``(units, groups, draws)`` mean-score draws per category; cells no score uses hold 0.

    ``room``: how many of the cells drawn here may be kept (the last ones drawn); by default
    as many as the cache holds.
    """
    valid = ~np.isnan(policy.scores)
    scores = policy.scores[valid]
    common = (seed, draws, scores.tobytes())
    outs: list[Float] = []
    missing: list[tuple[Float, int, int, tuple[object, ...]]] = []
    missing_counts: list[Float] = []
    streams: list[int] = []
    for c in categories:
        scored = c.counts[..., valid]
        out = np.zeros((*c.counts.shape[:2], draws))
        outs.append(out)
        # Only cells that enter a score are read (rank_uncertainty's used groups).
        usable = _usable(c, policy)
        for u, g, row in zip(*usable, scored[usable].tolist(), strict=True):
            unit_id, group_id = c.unit_ids[u], c.group_ids[g]
            key = (*common, unit_id, group_id, *row)
            kept = CELL_DRAWS.get(key)
            if kept is None:
                missing.append((out, int(u), int(g), key))
                missing_counts.append(scored[u, g])
                streams.append(stream_of(unit_id, group_id))
            else:
                out[u, g] = kept
    if missing:
        fresh = cell_mean_draws(
            np.array(missing_counts),
            scores,
            draws,
            seed=seed,
            streams=np.array(streams, dtype=np.uint64),
        )
        # Cells put before the last ``room`` would be dropped again by the later ones (least
        # recently used first), so only those are copied and kept: the same cells kept as
        # when putting every one, without copying and dropping thousands at city scale.
        if room is None:
            room = CELL_DRAWS.capacity // max(fresh[:1].nbytes, 1)
        keep_from = len(missing) - room
        for k, ((out, u, g, key), row) in enumerate(zip(missing, fresh, strict=True)):
            out[u, g] = row
            if k >= keep_from:
                kept = row.copy()  # an array of its own, so that dropping it frees memory
                kept.flags.writeable = False
                CELL_DRAWS.put(key, kept, kept.nbytes)
    return outs
