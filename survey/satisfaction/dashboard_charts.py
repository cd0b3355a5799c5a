"""The satisfaction dashboard's charts as plain JSON data, in the reader's language.

``web/static/js/charts.js`` turns each block into an ECharts option; the numbers here are the
dashboard's own, rounded as the tables beside the charts round them, so a chart and its table
never disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from survey.errors import N_
from survey.satisfaction.dashboard import Named, SatisfactionDashboard

NameOf = Callable[[Named], str]
Word = Callable[[str], str]


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def score_chart(dashboard: SatisfactionDashboard, name: NameOf, word: Word) -> dict[str, Any]:
    """Dot and whisker: each unit's score and confidence interval, best first."""
    units = [u for u in dashboard.units if u.score is not None]
    return {
        "kind": "whisker",
        "axis": word(N_("Score")),
        "interval": word(N_("Confidence interval")),
        "labels": [name(Named(u.unit, u.unit_name, u.unit_name_en)) for u in units],
        "values": [_round(u.score, 2) for u in units],
        "low": [_round(u.ci_low, 2) for u in units],
        "high": [_round(u.ci_high, 2) for u in units],
    }


def heat_chart(dashboard: SatisfactionDashboard, name: NameOf, word: Word) -> dict[str, Any]:
    """Unit x group means; each cell carries its n and whether it is below the threshold."""
    unit_index = {u.unit: i for i, u in enumerate(dashboard.units)}
    group_index = {g.code: i for i, g in enumerate(dashboard.groups)}
    cells = [
        [
            group_index[c.group],
            unit_index[c.unit],
            _round(c.mean, 2),
            c.n_valid,
            c.below_threshold,
        ]
        for c in dashboard.heat
    ]
    return {
        "kind": "heatmap",
        "x": [name(g) for g in dashboard.groups],
        "y": [name(Named(u.unit, u.unit_name, u.unit_name_en)) for u in dashboard.units],
        "cells": cells,
        "value": word(N_("Mean")),
        "n": word(N_("Valid answers")),
        "small": word(N_("Below the suppression threshold")),
    }


def level_chart(dashboard: SatisfactionDashboard, name: NameOf, word: Word) -> dict[str, Any]:
    """Stacked bars: each unit's answers per level, as per cent of its answers."""
    return {
        "kind": "stacked",
        "axis": word(N_("Share of answers (%)")),
        "labels": [name(row.unit) for row in dashboard.level_rows],
        "series": [
            {
                "name": word(level.name),
                "values": [round(row.shares()[i], 1) for row in dashboard.level_rows],
            }
            for i, level in enumerate(dashboard.levels)
        ],
    }


def profile_chart(dashboard: SatisfactionDashboard, name: NameOf, word: Word) -> dict[str, Any]:
    """Bars: the mean points of each question over the category's answers."""
    return {
        "kind": "bars",
        "axis": word(N_("Mean")),
        "labels": [name(p.question) for p in dashboard.profile],
        "values": [_round(p.mean, 2) for p in dashboard.profile],
    }


def dashboard_charts(
    dashboard: SatisfactionDashboard, name: NameOf, word: Word
) -> dict[str, dict[str, Any]]:
    """Every chart of the dashboard by its id on the page."""
    return {
        "chart-scores": score_chart(dashboard, name, word),
        "chart-heat": heat_chart(dashboard, name, word),
        "chart-levels": level_chart(dashboard, name, word),
        "chart-profile": profile_chart(dashboard, name, word),
    }
