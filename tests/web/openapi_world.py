"""A small, real organisation for the API contract test: every kind of id the API names exists.

Built through the project's own services and factories (the composite worked example's two
years of schemes, values and adjustments; a survey with answers sent through the API; a ballot
batch with codes), so that schemathesis reaches past the 404s into the routes' real work.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from survey.accounts import create_token
from survey.ballots import service as ballots
from survey.ballots.schemas import BatchCreate
from survey.composite.models import CompositeAdjustment
from survey.models import GroupKind, Response, Role, UnitCategory
from survey.surveys import service as surveys
from survey.surveys.schemas import QuestionIn, SurveyCreate, SurveyUpdate
from tests.factories import ACTOR, TEST_SECRET, make_group, set_weight
from tests.survey.test_composite_worked_example import _setup


@dataclass(frozen=True)
class ContractWorld:
    """The ids and codes the API's paths and filters name, and an office token."""

    token: str
    evaluation_ids: list[int]
    survey_ids: list[int]
    batch_ids: list[int]
    adjustment_ids: list[int]
    response_ids: list[str]
    unit_codes: list[str]
    category_codes: list[str]
    group_codes: list[str]
    period_codes: list[str]


def build_contract_world(session: Session, client: TestClient) -> ContractWorld:
    """Seed the database; ``client`` (an app of its own, started) sends the survey answers."""
    current, units, dist, dept = _setup(session)
    assert current.id is not None and current.previous_id is not None
    citizens = make_group(session, code="citizens", name="市民")
    deputies = make_group(session, code="deputies", name="人大代表", kind=GroupKind.delegate)
    categories = session.exec(select(UnitCategory).where(col(UnitCategory.code).in_([dist, dept])))
    for category in categories:
        for group, weight in ((citizens, 0.6), (deputies, 0.4)):
            set_weight(session, current, category, group, weight)
    survey = surveys.create_survey(
        session,
        SurveyCreate(
            evaluation_id=current.id,
            period="Q1",
            title="二〇二六年度群众满意度调查",
            units=["U01", "U02", "L1"],
            groups=[citizens.code],
            questions=[
                QuestionIn(code="overall", kind="rating", prompt="总体评价", scale="satisfaction")
            ],
            min_seconds=0,
        ),
        ACTOR,
    )
    assert survey.id is not None
    surveys.update_survey(session, survey.id, SurveyUpdate(status="open"), ACTOR)
    for n, level in enumerate(("satisfied", "fairly_satisfied", "dissatisfied")):
        sent = client.post(
            f"/api/v1/surveys/{survey.id}/responses",
            headers={"Idempotency-Key": f"seed-{n}"},
            json={
                "ratings": [
                    {"unit": code, "question": "overall", "level": level}
                    for code in ("U01", "U02", "L1")
                ],
                "comments": [{"unit": "U01", "text": f"窗口服务第{n + 1}条意见"}],
            },
        )
        assert sent.status_code == 201, sent.text
    batch = ballots.create_batch(
        session,
        BatchCreate(
            evaluation_id=current.id,
            period="Q1",
            group=deputies.code,
            title="二〇二六年度民主测评",
            categories=[dept],
        ),
        ACTOR,
    )
    assert batch.id is not None
    ballots.issue_codes(session, batch.id, 3, TEST_SECRET, ACTOR)
    _, token = create_token(session, "schemathesis", Role.office)
    session.commit()
    adjustments = session.exec(
        select(CompositeAdjustment.id).order_by(col(CompositeAdjustment.id))
    ).all()
    responses = session.exec(select(Response.id).order_by(col(Response.id))).all()
    return ContractWorld(
        token=token,
        evaluation_ids=[current.id, current.previous_id],
        survey_ids=[survey.id],
        batch_ids=[batch.id],
        adjustment_ids=[a for a in adjustments if a is not None],
        response_ids=list(responses),
        unit_codes=sorted(units),
        category_codes=[dist, dept],
        group_codes=[citizens.code, deputies.code],
        period_codes=["Q1", "Q2", "Q3", "Q4", "year"],
    )
