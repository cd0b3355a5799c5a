"""Rank changes that know their own noise: last evaluation's rank bands beside this year's.

A rise or fall (进位 / 退位) and the interview rule for a fall of N places compare two ranks
that each carry uncertainty (weights within their band, satisfaction sampling error). Where
the two years' 5-95 % rank bands overlap, the change is marked not distinguishable
(差异不显著). Last year's bands are not stored, so they are computed the same way (same draws
and seed, each year's own scheme and its weight band) from the previous evaluation: its
published snapshot when it has one (the figures the change is measured against), else its
current data. Nothing is dropped from an interview list: the mark is for the office to weigh.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from scoring import rank_change_noise
from survey.composite.schemas import CompositeResults, UnitComposite


def mark_rank_noise(units: Sequence[UnitComposite], previous: CompositeResults | None) -> None:
    """Set each unit's previous rank band and whether its rank change is distinct."""
    if previous is None:
        return
    bands = {
        (u.category, u.unit): (u.sensitivity.rank_low, u.sensitivity.rank_high)
        for u in previous.units
        if u.sensitivity is not None
    }
    marked = [u for u in units if u.sensitivity is not None]
    if not marked:
        return

    def column(get: Callable[[UnitComposite], float | None]) -> np.ndarray:
        return np.array([math.nan if (v := get(u)) is None else v for u in marked], dtype=float)

    before = [bands.get((u.category, u.unit), (None, None)) for u in marked]
    found = rank_change_noise(
        column(lambda u: u.sensitivity.rank_low if u.sensitivity else None),
        column(lambda u: u.sensitivity.rank_high if u.sensitivity else None),
        np.array([math.nan if b[0] is None else b[0] for b in before], dtype=float),
        np.array([math.nan if b[1] is None else b[1] for b in before], dtype=float),
    )
    for k, unit in enumerate(marked):
        s = unit.sensitivity
        assert s is not None
        s.previous_rank_low, s.previous_rank_high = before[k]
        # Only a change that was computed (same code ranked in both years) is judged.
        known = bool(found.known[k]) and unit.rank_change is not None
        s.rank_change_distinct = bool(found.distinct[k]) if known else None
