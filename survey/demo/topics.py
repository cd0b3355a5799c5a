"""The demo city's comment topics: the suggested rules in the current evaluation, its
comments tagged."""

from __future__ import annotations

from sqlmodel import Session, col, select

from survey.comments.topics import TaggingReport, load_default_topics, tag_pending
from survey.demo.city import DEMO_ACTOR
from survey.models import Evaluation, EvaluationStatus


def load_demo_topics(session: Session) -> TaggingReport:
    """Suggested topics for every evaluation still open to changes, and every comment tagged
    (run last, after every loader that adds comments)."""
    report = TaggingReport(0, 0, 0, 0, 0.0)
    evaluations = session.exec(
        select(Evaluation)
        .where(col(Evaluation.status) != EvaluationStatus.published)
        .order_by(col(Evaluation.year))
    ).all()
    for evaluation in evaluations:
        assert evaluation.id is not None
        load_default_topics(session, evaluation.id, DEMO_ACTOR)
        report = tag_pending(session, evaluation.id)
        session.commit()
    return report
