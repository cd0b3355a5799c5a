"""The demo's rectification: every status shown, exactly one item overdue, and BM09's."""

from __future__ import annotations

from collections import Counter

from sqlmodel import Session, select

from survey import demo
from survey.comments import listing
from survey.comments.rectification_models import Rectification, RectificationStatus
from survey.models import Evaluation, EvaluationStatus, Unit


def test_demo_has_every_status_and_one_overdue(session: Session) -> None:
    demo.load_demo(session, office_password="demo-password-1")
    current = session.exec(
        select(Evaluation).where(Evaluation.status == EvaluationStatus.open)
    ).first()
    assert current is not None and current.id is not None
    statuses = Counter(r.status for r in session.exec(select(Rectification)))
    assert set(statuses) == set(RectificationStatus)
    overdue = listing.comment_page(session, current.id, listing.CommentFilter(status="overdue"))
    assert overdue.total == 1
    assert overdue.rows[0].unit_code == "BM09"
    bm09 = session.exec(select(Unit).where(Unit.code == "BM09")).one()
    assert session.exec(select(Rectification).where(Rectification.unit_id == bm09.id)).first()
