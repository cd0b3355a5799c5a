"""The demo's lead department (牵头部门): the Bureau of Justice scores law-based administration.

It is bound to that item of both district categories of this year's evaluation and has a draft
for each, taken from the scores the office typed for it: the urban districts' draft breaks the
differentiation rule (three of five at 90 or more), the counties' keeps it, so signing in shows
a refusal and a draft that can be submitted.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from survey.accounts import Principal, create_user
from survey.composite import lead_scores
from survey.composite.models import QualitativeScore
from survey.demo.city import DEMO_ACTOR
from survey.models import Evaluation, EvaluationStatus, Role, Unit
from survey.security import new_password

DEMO_LEAD_USER = "sifaju"
DEMO_LEAD_UNIT = "BM21"
DEMO_LEAD_ITEM = "rule_of_law"
DEMO_LEAD_CATEGORIES = ("district-urban", "district-county")


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    unit: str
    unit_name: str


def load_demo_leads(session: Session, *, password: str | None = None) -> tuple[DemoLogin, ...]:
    """Bind the demo's lead department, give it an account and drafts; returns its login."""
    evaluation = session.exec(
        select(Evaluation)
        .where(Evaluation.status == EvaluationStatus.open)
        .order_by(col(Evaluation.year).desc())
    ).first()
    unit = session.exec(select(Unit).where(Unit.code == DEMO_LEAD_UNIT)).one()
    assert evaluation is not None and evaluation.id is not None and unit.id is not None
    secret = password or new_password()
    user = create_user(
        session, DEMO_LEAD_USER, secret, Role.lead, display_name=unit.name, unit_code=unit.code
    )
    session.commit()
    lead = Principal(name=user.username, role=Role.lead, user_id=user.id, unit_id=unit.id)
    codes = {u.id: u.code for u in session.exec(select(Unit))}
    for category in DEMO_LEAD_CATEGORIES:
        bound = lead_scores.assign_lead(
            session, evaluation.id, category, DEMO_LEAD_ITEM, unit.code, DEMO_ACTOR
        )
        assert bound is not None
        typed = {
            codes[row.unit_id]: f"{row.score:g}"
            for row in session.exec(
                select(QualitativeScore).where(
                    QualitativeScore.evaluation_id == evaluation.id,
                    QualitativeScore.item == DEMO_LEAD_ITEM,
                    QualitativeScore.lead_unit_id == unit.id,
                )
            )
        }
        sheet = lead_scores.score_sheet(session, evaluation.id, bound.id, lead)
        entries = {u.code: typed.get(u.code, "") for u in sheet.units}
        lead_scores.save_draft(session, evaluation.id, bound.id, entries, lead)
    return (DemoLogin(user.username, secret, unit.code, unit.name),)
