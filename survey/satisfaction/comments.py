"""The free text of an evaluation: comments on units and short-text answers, for the office.

Comments carry no respondent, group or time (ballot secrecy shuffles them at the close), so a
list of them reveals nothing about who wrote what.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from survey import rules
from survey.accounts import Principal
from survey.models import Comment, Evaluation, Unit
from survey.rules import Action


@dataclass(frozen=True)
class CommentLine:
    unit: str  # empty for a short-text answer not about a unit
    unit_name: str
    unit_name_en: str
    question: str
    text: str


def evaluation_comments(
    session: Session, evaluation: Evaluation, viewer: Principal | None
) -> list[CommentLine]:
    """Every comment and short-text answer of the evaluation, by unit then question.

    Only the office reads them: citizens wrote them to the office, not to the units.
    """
    rules.require(viewer, Action.view, evaluation.status)
    rows = session.exec(
        select(Comment, Unit)
        .outerjoin(Unit, col(Unit.id) == col(Comment.unit_id))
        .where(Comment.evaluation_id == evaluation.id)
        .order_by(col(Unit.code), col(Comment.question), col(Comment.text))
    ).all()
    return [
        CommentLine(
            unit=unit.code if unit else "",
            unit_name=unit.name if unit else "",
            unit_name_en=unit.name_en if unit else "",
            question=comment.question or "",
            text=comment.text,
        )
        for comment, unit in rows
    ]
