"""The key-driver quadrant as data for the office page's chart (static/js/charts.js)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scoring import Quadrant
from survey.errors import N_
from survey.satisfaction.drivers import QUADRANT_NAMES, DriverResult

Word = Callable[[str], str]


def quadrant_chart(result: DriverResult, word: Word, english: bool) -> dict[str, Any]:
    """One point per aspect (importance, performance), the cross-hair and the quadrant names.

    A unit compares each aspect with its category's performance on that aspect, so its chart
    plots the difference (unit minus category) against a cross-hair at 0: each point then lies
    in the quadrant it is classed in. A category's chart plots performance itself against the
    mean performance of its aspects.
    """
    aspects = result.aspects
    gap = result.scope == "unit"
    if gap:
        values = [a.performance - a.reference for a in aspects]
        cut: float | None = 0.0
        axis = word(N_("Performance against the category (points)"))
    else:
        values = [a.performance for a in aspects]
        cut = aspects[0].reference if aspects else None
        axis = word(N_("Performance (mean score)"))
    return {
        "kind": "quadrant",
        "labels": [a.prompt_en if english and a.prompt_en else a.prompt for a in aspects],
        "importance": [round(a.importance, 4) for a in aspects],
        "performance": [round(v, 2) for v in values],
        "quadrants": [a.quadrant.value for a in aspects],
        "quadrant_names": [word(QUADRANT_NAMES[a.quadrant]) for a in aspects],
        "importance_cut": None
        if result.importance_cut is None
        else round(result.importance_cut, 4),
        "performance_cut": None if cut is None else round(cut, 2),
        "x_axis": word(N_("Importance (share of R²)")),
        "y_axis": axis,
        "corner": {q.value: word(QUADRANT_NAMES[q]) for q in Quadrant},
    }
