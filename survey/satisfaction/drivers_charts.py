"""The key-driver quadrant as data for the office page's chart (static/js/charts.js)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scoring import Quadrant
from survey.errors import N_
from survey.satisfaction.drivers import QUADRANT_NAMES, DriverResult

Word = Callable[[str], str]


def quadrant_chart(result: DriverResult, word: Word, english: bool) -> dict[str, Any]:
    """One point per aspect (importance, performance), the cross-hair and the quadrant names."""
    aspects = result.aspects
    references = {round(a.reference, 6) for a in aspects}
    # A unit compares each aspect with its category's; the vertical cross-hair then shows
    # the category's mean over the aspects, and each point's table row says its own reference.
    cut = sum(a.reference for a in aspects) / len(aspects) if aspects else None
    return {
        "kind": "quadrant",
        "labels": [a.prompt_en if english and a.prompt_en else a.prompt for a in aspects],
        "importance": [round(a.importance, 4) for a in aspects],
        "performance": [round(a.performance, 2) for a in aspects],
        "quadrants": [a.quadrant.value for a in aspects],
        "quadrant_names": [word(QUADRANT_NAMES[a.quadrant]) for a in aspects],
        "importance_cut": None
        if result.importance_cut is None
        else round(result.importance_cut, 4),
        "performance_cut": None if cut is None else round(cut, 2),
        "per_aspect_reference": len(references) > 1,
        "x_axis": word(N_("Importance (share of R²)")),
        "y_axis": word(N_("Performance (mean score)")),
        "corner": {q.value: word(QUADRANT_NAMES[q]) for q in Quadrant},
    }
