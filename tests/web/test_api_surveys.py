"""The survey API: definitions, QR codes, idempotent submissions and counts."""

from __future__ import annotations

import io

import zxingcpp
from fastapi.testclient import TestClient
from PIL import Image
from sqlmodel import Session, func, select

from survey.models import Response, Role
from survey.surveys import service
from survey.surveys.schemas import SurveyUpdate
from tests.factories import (
    ACTOR,
    bearer,
    make_category,
    make_evaluation,
    make_group,
    make_survey,
    make_token,
    make_unit,
)


def _body(units: list, level: str = "satisfied") -> dict:  # type: ignore[type-arg]
    return {"ratings": [{"unit": u.code, "question": "overall", "level": level} for u in units]}


def test_list_and_read_surveys(client: TestClient, session: Session) -> None:
    survey, units, groups = make_survey(session, units=2)
    draft, _, _ = make_survey(session, status="draft")
    listed = client.get("/api/v1/surveys").json()
    assert [s["id"] for s in listed] == [survey.id]
    assert listed[0]["public_url"] == f"https://pingyi.example.gov.cn/s/{survey.slug}"
    office = bearer(make_token(session, Role.viewer))
    assert {s["id"] for s in client.get("/api/v1/surveys", headers=office).json()} == {
        survey.id,
        draft.id,
    }
    assert client.get(f"/api/v1/surveys/{draft.id}").status_code == 404
    full = client.get(f"/api/v1/surveys/{survey.id}").json()
    assert [u["code"] for u in full["units"]] == [u.code for u in units]
    assert full["questions"][0]["scale"] == "satisfaction"
    assert full["groups"][0]["code"] == groups[0].code


def test_office_creates_and_opens_a_survey(client: TestClient, session: Session) -> None:
    office = bearer(make_token(session, Role.office))
    evaluation = make_evaluation(session)
    category = make_category(session)
    make_unit(session, category)
    group = make_group(session)
    body = {
        "evaluation_id": evaluation.id,
        "period": "Q2",
        "title": "窗口服务满意度",
        "categories": [category.code],
        "groups": [group.code],
        "questions": [{"code": "overall", "kind": "rating", "prompt": "评价", "scale": "zero_ten"}],
    }
    assert client.post("/api/v1/surveys", json=body).status_code == 401
    created = client.post("/api/v1/surveys", json=body, headers=office)
    assert created.status_code == 201, created.text
    survey_id = created.json()["id"]
    assert created.json()["status"] == "draft" and created.json()["period"] == "Q2"
    bad = {**body, "questions": [{"code": "x", "kind": "rating", "prompt": "p"}]}
    assert client.post("/api/v1/surveys", json=bad, headers=office).status_code == 422
    opened = client.patch(f"/api/v1/surveys/{survey_id}", json={"status": "open"}, headers=office)
    assert opened.json()["status"] == "open"


def test_qr_codes_decode_to_the_short_address(client: TestClient, session: Session) -> None:
    survey, units, groups = make_survey(session, units=2)
    base = f"https://pingyi.example.gov.cn/s/{survey.slug}"
    for query, expected in [
        ({}, base),
        ({"unit": units[1].code}, f"{base}?u={units[1].code}"),
        ({"group": groups[0].code}, f"{base}?g={groups[0].code}"),
    ]:
        png = client.get(f"/api/v1/surveys/{survey.id}/qr.png", params=query)
        assert png.headers["content-type"] == "image/png"
        [code] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content)))
        assert code.text == expected
    svg = client.get(f"/api/v1/surveys/{survey.id}/qr.svg", params={"unit": units[0].code})
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.text.lstrip().startswith("<?xml") and "<svg" in svg.text
    assert (
        client.get(f"/api/v1/surveys/{survey.id}/qr.png", params={"unit": "NOPE"}).status_code
        == 404
    )


def test_idempotency_rules(client: TestClient, session: Session) -> None:
    survey, units, _ = make_survey(session, units=2)
    url = f"/api/v1/surveys/{survey.id}/responses"
    missing = client.post(url, json=_body(units))
    assert missing.status_code == 400 and "Idempotency-Key" in missing.json()["error"]["message"]
    first = client.post(url, json=_body(units), headers={"Idempotency-Key": "abc"})
    assert first.status_code == 201
    again = client.post(url, json=_body(units), headers={"Idempotency-Key": "abc"})
    assert again.status_code == 200
    assert again.json() == {**first.json(), "duplicate": True}
    different = client.post(
        url, json=_body(units, "dissatisfied"), headers={"Idempotency-Key": "abc"}
    )
    assert different.status_code == 422
    assert session.exec(select(func.count()).select_from(Response)).one() == 1


def test_invalid_answers_list_every_problem(client: TestClient, session: Session) -> None:
    survey, units, _ = make_survey(session, units=2)
    body = {"ratings": [{"unit": units[0].code, "question": "overall", "level": "great"}]}
    response = client.post(
        f"/api/v1/surveys/{survey.id}/responses", json=body, headers={"Idempotency-Key": "k1"}
    )
    assert response.status_code == 422
    problems = {p["field"]: p["message"] for p in response.json()["error"]["problems"]}
    assert problems == {
        f"r.overall.{units[0].code}": "该答案不在量表范围内。",
        f"r.overall.{units[1].code}": "请选择一个答案。",
    }
    assert session.exec(select(func.count()).select_from(Response)).one() == 0


def test_closed_survey_answers_409(client: TestClient, session: Session) -> None:
    survey, units, _ = make_survey(session, units=1)
    service.update_survey(session, survey.id, SurveyUpdate(status="closed"), ACTOR)  # type: ignore[arg-type]
    response = client.post(
        f"/api/v1/surveys/{survey.id}/responses",
        json=_body(units),
        headers={"Idempotency-Key": "k"},
    )
    assert response.status_code == 409


def test_counts_need_an_office_token(client: TestClient, session: Session) -> None:
    survey, units, _ = make_survey(session, units=1)
    client.post(
        f"/api/v1/surveys/{survey.id}/responses",
        json=_body(units),
        headers={"Idempotency-Key": "k"},
    )
    url = f"/api/v1/surveys/{survey.id}/responses/count"
    assert client.get(url).status_code == 401
    counted = client.get(url, headers=bearer(make_token(session, Role.viewer))).json()
    assert counted == {"total": 1, "counted": 1, "flagged": 0, "by_flag": {}}
