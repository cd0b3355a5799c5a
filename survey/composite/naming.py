"""The names a results page shows for the codes of an evaluation's schemes and periods."""

from __future__ import annotations

from sqlmodel import Session, col, select

from survey.composite.models import CompositeScheme
from survey.composite.terms import Label, scheme_labels
from survey.models import Period


def code_labels(session: Session, evaluation_id: int) -> dict[str, Label]:
    """Blocks, indicators, items and data series of the evaluation's current schemes."""
    rows = session.exec(
        select(CompositeScheme)
        .where(CompositeScheme.evaluation_id == evaluation_id)
        .order_by(col(CompositeScheme.version).desc())
    ).all()
    latest: dict[int, CompositeScheme] = {}
    for row in rows:
        latest.setdefault(row.category_id, row)
    # Earlier versions name what the current ones dropped (a published snapshot may use them).
    current = scheme_labels(r.definition for r in latest.values())
    return {**scheme_labels(r.definition for r in rows), **current}


def period_labels(session: Session, evaluation_id: int) -> dict[str, Period]:
    return {
        p.code: p for p in session.exec(select(Period).where(Period.evaluation_id == evaluation_id))
    }
