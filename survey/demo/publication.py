"""The demo's publication history: last year's results published, then corrected once.

After the first publication the office found that a bonus approved by the city's evaluation
committee (QX05, 省级文明城区 +2) had been left out; it reopened the evaluation for
correction, entered the bonus and published version 2 with that reason.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from survey.accounts import Principal
from survey.composite import inputs
from survey.composite.schemas import AdjustmentCreate
from survey.models import Evaluation, EvaluationStatus
from survey.publication import service

CORRECTION_REASON = "补录市考核委已批准的QX05省级文明城区加分（+2分），相关排名与等次随之更正。"


def load_demo_publication(session: Session, actor: Principal) -> int:
    """Correct the published evaluation once; the number of versions it then has."""
    published = session.exec(
        select(Evaluation)
        .where(Evaluation.status == EvaluationStatus.published)
        .order_by(col(Evaluation.year))
    ).first()
    if published is None or published.id is None:
        return 0
    if not service.versions_of(session, published.id):
        service.publish(session, published.id, actor)
    service.reopen_for_correction(session, published.id, actor)
    inputs.add_adjustment(
        session,
        published.id,
        AdjustmentCreate(
            unit="QX05",
            item="honour",
            points=2,
            reason="省级文明城区",
            approved_by="市考核委",
        ),
        actor,
    )
    service.publish(session, published.id, actor, reason=CORRECTION_REASON)
    return len(service.versions_of(session, published.id))
