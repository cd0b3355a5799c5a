"""Publication: storing a computation as the evaluation's snapshot of composite results."""

from __future__ import annotations

from sqlmodel import Session

from survey.composite.compute import Computation
from survey.composite.json_values import json_safe
from survey.composite.models import CompositeSnapshot, CompositeSnapshotUnit
from survey.composite.reasons import reason_public


def store_snapshot(
    session: Session, computed: Computation, evaluation_id: int, published_by: str
) -> tuple[dict[str, int], int]:
    """Store every unit's result and explanation; the scheme versions and the unit count."""
    versions = {run.category.code: run.scheme.version for run in computed.runs}
    snapshot = CompositeSnapshot(
        evaluation_id=evaluation_id,
        published_by=published_by,
        scheme_versions=versions,
        summary=json_safe(
            {
                "categories": [run.summary().model_dump(mode="json") for run in computed.runs],
                "differentiation": [r.model_dump(mode="json") for r in computed.differentiation],
                "notes": [reason_public(r).model_dump(mode="json") for r in computed.notes],
            }
        ),
    )
    session.add(snapshot)
    session.flush()
    assert snapshot.id is not None
    position = 0
    for run in computed.runs:
        for i, unit in enumerate(run.units):
            session.add(
                CompositeSnapshotUnit(
                    snapshot_id=snapshot.id,
                    unit_code=unit.unit,
                    position=position,
                    result=json_safe(unit.model_dump(mode="json")),
                    explanation=run.explanation(i, evaluation_id),
                )
            )
            position += 1
    return versions, position
