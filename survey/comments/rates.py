"""Rectification rates per unit: a source of composite indicators (``rectification_rate``).

For each unit of an evaluation: ``routed`` comments (routed to it by the office or about it),
less those whose appeal the office upheld (nothing to rectify), make the base; ``rectified``
counts those rectified or verified by callback, ``on_time`` those among them rectified on or
before their deadline. Rates are shares of the base (0..1); a unit with an empty base has no
rate (NaN in the composite, like any missing value).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import and_, case, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from survey.comments.rectification_models import Rectification, RectificationStatus
from survey.models import Comment

DONE = (RectificationStatus.rectified, RectificationStatus.verified)


@dataclass(frozen=True)
class UnitRate:
    unit_id: int
    routed: int
    upheld: int
    rectified: int
    on_time: int

    @property
    def base(self) -> int:
        return self.routed - self.upheld

    @property
    def rate(self) -> float | None:
        return self.rectified / self.base if self.base else None

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.base if self.base else None


def rectification_rates(session: Session, evaluation_id: int) -> dict[int, UnitRate]:
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    done = col(Rectification.status).in_(DONE)
    rows = session.execute(
        sa_select(
            col(Rectification.unit_id),
            func.count(),
            func.sum(case((col(Rectification.status) == RectificationStatus.upheld, 1), else_=0)),
            func.sum(case((done, 1), else_=0)),
            func.sum(
                case(
                    (and_(done, col(Rectification.rectified_on) <= col(Rectification.deadline)), 1),
                    else_=0,
                )
            ),
        )
        .where(col(Rectification.evaluation_id) == evaluation_id)
        .group_by(col(Rectification.unit_id))
    ).all()
    for unit_id, routed, upheld, rectified, on_time in rows:
        counts[unit_id] = [int(routed), int(upheld or 0), int(rectified or 0), int(on_time or 0)]
    # Comments about a unit that nobody has acted on yet have no record: received, routed.
    pending = session.exec(
        select(Comment.unit_id, func.count())
        .outerjoin(
            Rectification,
            and_(
                col(Rectification.response_id) == col(Comment.response_id),
                col(Rectification.seq) == col(Comment.seq),
            ),
        )
        .where(
            Comment.evaluation_id == evaluation_id,
            col(Comment.unit_id).is_not(None),
            col(Rectification.id).is_(None),
        )
        .group_by(col(Comment.unit_id))
    ).all()
    for unit_id, n in pending:
        assert unit_id is not None
        counts[unit_id][0] += int(n)
    return {unit_id: UnitRate(unit_id, *values) for unit_id, values in counts.items()}
