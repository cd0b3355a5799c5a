"""The composite page's charts per category as plain JSON data, in the reader's language.

Totals by rank coloured by grade, and, when the sensitivity analysis ran, each unit's rank
with its Monte Carlo rank band (5th to 95th percentile). ``web/static/js/charts.js`` draws
them; the page's table holds the same numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from survey.composite.schemas import CategoryComposite, CompositeResults, UnitComposite
from survey.errors import N_

Word = Callable[[str], str]
NameOf = Callable[[UnitComposite], str]


def _ranked(results: CompositeResults, category: str) -> list[UnitComposite]:
    units = [u for u in results.units if u.category == category]
    return sorted(units, key=lambda u: (u.rank is None, u.rank or 0, u.unit))


def _total_chart(
    category: CategoryComposite, units: list[UnitComposite], name: NameOf, word: Word
) -> dict[str, Any]:
    scored = [u for u in units if u.total is not None]
    return {
        "kind": "bars",
        "axis": word(N_("Total")),
        "labels": [name(u) for u in scored],
        "values": [round(u.total, 2) for u in scored if u.total is not None],
        # Grades in the scheme's order (best first); "–" for a unit without a grade.
        "classes": [u.grade or "–" for u in scored],
        "class_order": [*category.grade_counts, "–"],
    }


def _band_chart(units: list[UnitComposite], name: NameOf, word: Word) -> dict[str, Any]:
    banded = [
        u
        for u in units
        if u.rank is not None and u.sensitivity is not None and u.sensitivity.rank_low is not None
    ]
    return {
        "kind": "whisker",
        "axis": word(N_("Rank")),
        "interval": word(N_("Rank band (5–95%)")),
        "labels": [name(u) for u in banded],
        "values": [u.rank for u in banded],
        "low": [u.sensitivity.rank_low for u in banded if u.sensitivity],
        "high": [u.sensitivity.rank_high for u in banded if u.sensitivity],
        "digits": 0,
        "min": 1,
    }


def composite_charts(
    results: CompositeResults, name: NameOf, word: Word
) -> dict[str, dict[str, Any]]:
    """Every chart of the page by its id: ``chart-total-CATEGORY`` and ``chart-bands-CATEGORY``."""
    charts: dict[str, dict[str, Any]] = {}
    for category in results.categories:
        units = _ranked(results, category.category)
        charts[f"chart-total-{category.category}"] = _total_chart(category, units, name, word)
        if results.sensitivity_method:
            charts[f"chart-bands-{category.category}"] = _band_chart(units, name, word)
    return charts
