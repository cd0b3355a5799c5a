"""Frozen answer counts: what satisfaction is computed from once an evaluation is published.

A publication stores the counted answers of its evaluation per period, channel, unit, group,
question, level and weighting cell, and the counted respondents per period, channel, group
and cell (for raking); with a sample design, also the design's counts per stratum and PSU
with their weight sums, and its respondents. While the evaluation is published, or while a
publication is being computed or verified (``frozen_counts``), every satisfaction
computation reads these instead of the answer table, through the same filters as the SQL,
so that nothing arriving or changing later moves a published figure.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from survey.models.org import Evaluation, EvaluationStatus
from survey.publication.models import PublicationVersion
from survey.satisfaction import counts as sql

# (period_id, channel, unit_id, group_id, question, level, cell_key, n)
FrozenCount = tuple[int | None, str, int, int, str, str | None, str | None, int]
# (period_id, channel, group_id, cell_key, n)
FrozenRespondents = tuple[int | None, str, int, str | None, int]
# (period_id, channel, *sql.DesignCount)
FrozenDesignCount = tuple[
    int | None,
    str,
    int,
    int,
    str,
    str | None,
    str | None,
    str | None,
    str | None,
    int,
    int,
    float,
    float,
]
# (period_id, channel, *sql.DesignRespondents)
FrozenDesignRespondents = tuple[
    int | None, str, int, str | None, str | None, bool, int, float, float
]


@dataclass(frozen=True)
class FrozenDesign:
    """The sample design's counts of one evaluation as a publication froze them."""

    answers: Sequence[FrozenDesignCount]
    respondents: Sequence[FrozenDesignRespondents]

    def design_counts(self, where: sql.CountFilter, *, cells: bool) -> list[sql.DesignCount]:
        """As ``counts.design_answer_counts``: summed over periods and channels (and over the
        weighting cells, NULL in their place, when not ``cells``), filtered."""
        units = set(where.unit_ids) if where.unit_ids is not None else None
        questions = set(where.questions) if where.questions is not None else None
        totals: dict[tuple[Any, ...], list[Any]] = {}
        for period, channel, *key_and_sums in self.answers:
            u, g, q, lv, cell, h, j, n, nw, sw, sw2 = key_and_sums
            if where.period_id is not None and period != where.period_id:
                continue
            if where.channel is not None and channel != where.channel:
                continue
            if units is not None and u not in units:
                continue
            if questions is not None and q not in questions:
                continue
            key = (u, g, q, lv, cell if cells else None, h, j)
            entry = totals.setdefault(key, [0, 0, 0.0, 0.0])
            entry[0] += n
            entry[1] += nw
            entry[2] += sw
            entry[3] += sw2
        return [
            (*key, n, nw, sw, sw2)
            for key, (n, nw, sw, sw2) in sorted(totals.items(), key=lambda t: _text_key(t[0]))
        ]

    def design_respondents(
        self, period_id: int | None, channel: str | None
    ) -> list[sql.DesignRespondents]:
        """As ``counts.design_respondents``: summed over periods and channels, filtered."""
        totals: dict[tuple[Any, ...], list[Any]] = {}
        for period, ch, g, cell, h, has_psu, n, sw, sw2 in self.respondents:
            if period_id is not None and period != period_id:
                continue
            if channel is not None and ch != channel:
                continue
            entry = totals.setdefault((g, cell, h, bool(has_psu)), [0, 0.0, 0.0])
            entry[0] += n
            entry[1] += sw
            entry[2] += sw2
        return [
            (*key, n, sw, sw2)
            for key, (n, sw, sw2) in sorted(totals.items(), key=lambda t: _text_key(t[0]))
        ]


def _text_key(key: tuple[Any, ...]) -> tuple[Any, ...]:
    """A sort key for rows whose columns may be NULL: NULL first, then numbers, then text."""
    return tuple((0, "") if v is None else (2, v) if isinstance(v, str) else (1, v) for v in key)


@dataclass(frozen=True)
class FrozenCounts:
    """The counts of one evaluation as a publication froze them."""

    evaluation_id: int
    answers: Sequence[FrozenCount]
    respondents: Sequence[FrozenRespondents]
    # None: frozen without a design (none was there, or the version predates keeping it).
    design: FrozenDesign | None = None

    def cell_counts(self, where: sql.CountFilter) -> list[sql.CellCount]:
        """As ``counts.cell_answer_counts``: summed over periods and channels, filtered."""
        units = set(where.unit_ids) if where.unit_ids is not None else None
        questions = set(where.questions) if where.questions is not None else None
        totals: dict[tuple[Any, ...], int] = {}
        for period, channel, unit, group, question, level, cell, n in self.answers:
            if where.period_id is not None and period != where.period_id:
                continue
            if where.channel is not None and channel != where.channel:
                continue
            if units is not None and unit not in units:
                continue
            if questions is not None and question not in questions:
                continue
            key = (unit, group, question, level, cell)
            totals[key] = totals.get(key, 0) + n
        return sorted(
            ((u, g, q, lv, c, n) for (u, g, q, lv, c), n in totals.items()),
            key=lambda r: (r[0], r[1], r[2], r[3] or "", r[4] or ""),
        )

    def respondent_cells(
        self, group_ids: Collection[int], period_id: int | None, channel: str | None
    ) -> list[tuple[int, str | None, int]]:
        """As ``counts.respondent_cells``."""
        totals: dict[tuple[int, str | None], int] = {}
        for period, ch, group, cell, n in self.respondents:
            if group not in group_ids:
                continue
            if period_id is not None and period != period_id:
                continue
            if channel is not None and ch != channel:
                continue
            totals[(group, cell)] = totals.get((group, cell), 0) + n
        return [
            (g, c, n)
            for (g, c), n in sorted(totals.items(), key=lambda t: (t[0][0], t[0][1] or ""))
        ]


_active: ContextVar[FrozenCounts | None] = ContextVar("frozen_counts", default=None)

# Parsed counts of publication versions by (id, inputs digest): versions never change, and
# the digest keys a version whose text was altered apart from its earlier reading.
_cache: dict[tuple[int, str], FrozenCounts] = {}
_CACHE_SIZE = 8


def from_inputs(evaluation_id: int, inputs: dict[str, Any]) -> FrozenCounts:
    """The counts part of a publication's inputs."""
    counts = inputs["counts"]
    # Versions published before designs were frozen have no "design" key: they keep being
    # computed as they were published (model-based, unweighted), so that verifying them
    # still finds their stored results.
    design = counts.get("design")
    return FrozenCounts(
        evaluation_id=evaluation_id,
        answers=[tuple(row) for row in counts["answers"]],
        respondents=[tuple(row) for row in counts["respondents"]],
        design=FrozenDesign(
            answers=[tuple(row) for row in design["answers"]],
            respondents=[tuple(row) for row in design["respondents"]],
        )
        if design is not None
        else None,
    )


def published_counts(session: Session, evaluation_id: int) -> FrozenCounts | None:
    """The newest publication's counts while the evaluation is published, else None."""
    row = session.exec(
        select(PublicationVersion.id, PublicationVersion.inputs_digest)
        .join(Evaluation, col(Evaluation.id) == PublicationVersion.evaluation_id)
        .where(
            PublicationVersion.evaluation_id == evaluation_id,
            Evaluation.status == EvaluationStatus.published,
        )
        .order_by(col(PublicationVersion.version).desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    version_id, inputs_digest = row
    key = (int(version_id or 0), str(inputs_digest))
    if key not in _cache:
        text = session.exec(
            select(PublicationVersion.inputs_json).where(PublicationVersion.id == version_id)
        ).one()
        if len(_cache) >= _CACHE_SIZE:
            _cache.pop(next(iter(_cache)))
        _cache[key] = from_inputs(evaluation_id, json.loads(text))
    return _cache[key]


@contextmanager
def frozen_counts(counts: FrozenCounts) -> Iterator[None]:
    """Compute from ``counts`` within the block (publishing and verifying)."""
    token = _active.set(counts)
    try:
        yield
    finally:
        _active.reset(token)


def source_for(session: Session, evaluation_id: int) -> FrozenCounts | None:
    """The frozen counts to read for the evaluation, or None to read the answers."""
    active = _active.get()
    if active is not None and active.evaluation_id == evaluation_id:
        return active
    return published_counts(session, evaluation_id)
