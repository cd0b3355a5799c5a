"""The office overview's charts as plain JSON data in the reader's language (see charts.js)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from survey.errors import N_
from survey.overview import CHANNEL_NAMES, GroupTurnout, Overview

Word = Callable[[str], str]


def overview_charts(
    data: Overview, name: Callable[[GroupTurnout], str], word: Word
) -> dict[str, dict[str, Any]]:
    """Responses per day stacked by channel, and counted responses per group."""
    return {
        "chart-days": {
            "kind": "columns",
            "axis": word(N_("Responses")),
            "labels": data.days,
            "series": [
                {
                    "name": word(CHANNEL_NAMES.get(channel, channel)),
                    "values": [data.on(day, channel) for day in data.days],
                }
                for channel in data.channels
            ],
        },
        "chart-groups": {
            "kind": "bars",
            "axis": word(N_("Counted responses")),
            "labels": [name(g) for g in data.groups],
            "values": [g.counted for g in data.groups],
            "digits": 0,
        },
    }
