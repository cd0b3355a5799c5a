"""One unit's satisfaction trend as plain JSON chart data, in the reader's language.

``web/static/js/charts.js`` draws each block as a line with its interval; the numbers are the
unit view's own, rounded as the tables beside the charts round them. Withheld points (below
the suppression threshold) and points without answers are gaps in the line.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from survey.errors import N_
from survey.satisfaction.unit_view import TrendPoint

Word = Callable[[str], str]


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def trend_chart(
    points: list[TrendPoint], labels: list[str], word: Word, axis: str
) -> dict[str, Any]:
    """A line through the points' values, with their confidence intervals as whiskers."""
    return {
        "kind": "line",
        "axis": axis,
        "interval": word(N_("Confidence interval")),
        "n": word(N_("Valid answers")),
        "small": word(N_("Below the suppression threshold")),
        "labels": labels,
        "values": [_round(p.figure.value) for p in points],
        "low": [_round(p.figure.ci_low) for p in points],
        "high": [_round(p.figure.ci_high) for p in points],
        "counts": [p.figure.n_valid for p in points],
        "suppressed": [p.figure.suppressed for p in points],
    }
