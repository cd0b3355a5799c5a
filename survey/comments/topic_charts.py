"""The topics page's charts as plain JSON data, in the reader's language.

``web/static/js/charts.js`` draws them; the numbers are the topic x unit table's own, so
the chart and the table under it never disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from survey.comments.topics import TopicTable, TopicUnitRow, TopicView
from survey.errors import N_

TopicName = Callable[[TopicView], str]
RowName = Callable[[TopicUnitRow], str]
Word = Callable[[str], str]


def totals_chart(table: TopicTable, topic_name: TopicName, word: Word) -> dict[str, Any]:
    """Bars: comments per topic, in the office's order of topics."""
    return {
        "kind": "bars",
        "axis": word(N_("Comments")),
        "digits": 0,
        "labels": [topic_name(t) for t in table.topics],
        "values": [table.total(t.id) for t in table.topics],
    }


def topic_unit_chart(
    table: TopicTable, topic_name: TopicName, row_name: RowName, word: Word
) -> dict[str, Any]:
    """Heat map of counts: topics across, units down; cells with no comment are left out."""
    cells = [
        [x, y, row.counts[topic.id]]
        for y, row in enumerate(table.rows)
        for x, topic in enumerate(table.topics)
        if row.counts.get(topic.id)
    ]
    return {
        "kind": "counts",
        "x": [topic_name(t) for t in table.topics],
        "y": [row_name(r) for r in table.rows],
        "cells": cells,
        "value": word(N_("Comments")),
    }
