"""Reasons from the satisfaction statistics reach pages in the reader's language and the API
as codes."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlmodel import Session

from survey.models import Role
from survey.satisfaction import policy as policy_service
from survey.satisfaction.schemas import SatisfactionPolicyPut
from tests.factories import (
    ACTOR,
    PASSWORD,
    make_category,
    make_evaluation,
    make_group,
    make_token,
    make_unit,
    make_user,
    set_weight,
)
from tests.survey.satisfaction_data import Case, add_many

TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
# English that scoring once wrote into the results (rake_cells' error for this case).
SCORING_ENGLISH = ("positive target", "no weighted respondents", "margin 'age'")


def _impossible_margins(session: Session) -> int:
    """An evaluation whose margins name a category (middle) that no respondent is in."""
    evaluation = make_evaluation(session)
    category = make_category(session)
    unit = make_unit(session, category)
    citizens = make_group(session)
    set_weight(session, evaluation, category, citizens, 1.0)
    add_many(session, evaluation, citizens, unit, {"satisfied": 8}, cell_key="age=young")
    add_many(session, evaluation, citizens, unit, {"dissatisfied": 2}, cell_key="age=old")
    assert evaluation.id is not None
    policy_service.set_policy(
        session,
        evaluation.id,
        SatisfactionPolicyPut(margins={"age": {"young": 500, "middle": 300, "old": 200}}),
        ACTOR,
    )
    return evaluation.id


def test_a_group_left_unweighted_says_why_in_chinese(client: TestClient, session: Session) -> None:
    evaluation_id = _impossible_margins(session)
    make_user(session, Role.viewer, username="reasons-reader")
    token = TOKEN.search(client.get("/office/login").text).group(1)  # type: ignore[union-attr]
    client.post(
        "/office/login",
        data={"username": "reasons-reader", "password": PASSWORD, "csrf_token": token},
    )
    client.cookies.set("pingyi_lang", "zh-CN")
    page = client.get(f"/office/evaluations/{evaluation_id}/satisfaction")
    assert page.status_code == 200
    assert 'data-reason="margin_category_empty"' in page.text
    assert "总体边际 age 中 middle 有人口数，但没有答卷人。" in page.text
    assert not [s for s in SCORING_ENGLISH if s in page.text]

    client.cookies.set("pingyi_lang", "en")
    english = client.get(f"/office/evaluations/{evaluation_id}/satisfaction").text
    assert "The margin age has a population but no respondents in middle." in english


def test_the_api_gives_the_reason_as_a_code_beside_the_text(
    client: TestClient, session: Session
) -> None:
    evaluation_id = _impossible_margins(session)
    bearer = make_token(session, Role.office)
    body = client.get(
        f"/api/v1/evaluations/{evaluation_id}/satisfaction",
        headers={"Authorization": f"Bearer {bearer}"},
    ).json()
    [report] = body["raking"]
    assert report["reasons"] == [
        {
            "code": "margin_category_empty",
            "params": {"categories": "middle", "margin": "age"},
            "text": "The margin age has a population but no respondents in middle.",
        }
    ]
    assert report["problem"] == report["reasons"][0]["text"]


def test_dropped_groups_are_worded_in_chinese_not_by_code(
    client: TestClient, session: Session
) -> None:
    case = Case(session)  # U1's group D has 3 answers, below min_n 5
    make_user(session, Role.viewer, username="reasons-reader2")
    token = TOKEN.search(client.get("/office/login").text).group(1)  # type: ignore[union-attr]
    client.post(
        "/office/login",
        data={"username": "reasons-reader2", "password": PASSWORD, "csrf_token": token},
    )
    client.cookies.set("pingyi_lang", "zh-CN")
    page = client.get(f"/office/evaluations/{case.evaluation.id}/satisfaction").text
    assert "n = 3，少于 5" in page
    codes = ("below_min_n", "zero_weight", "no_usable_group", "no_group", "no_weights")
    assert not [c for c in codes if c in page]
