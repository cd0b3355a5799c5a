"""Reading back the published snapshots of composite results."""

from __future__ import annotations

from sqlmodel import Session, col, select

from survey.composite.models import CompositeSnapshot, CompositeSnapshotUnit


def snapshot_of(session: Session, evaluation_id: int) -> CompositeSnapshot | None:
    """The evaluation's published snapshot, if it has one."""
    return session.exec(
        select(CompositeSnapshot).where(CompositeSnapshot.evaluation_id == evaluation_id)
    ).first()


def snapshot_units(session: Session, snapshot: CompositeSnapshot) -> list[CompositeSnapshotUnit]:
    """The snapshot's unit rows in their published order."""
    return list(
        session.exec(
            select(CompositeSnapshotUnit)
            .where(CompositeSnapshotUnit.snapshot_id == snapshot.id)
            .order_by(col(CompositeSnapshotUnit.position))
        )
    )
