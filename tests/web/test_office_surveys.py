"""The office's survey builder over HTTP, signed in as the office."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from survey import demo
from survey.models import Answer, AuditLog, RespondentGroup, Response, Role, Survey, Unit
from survey.surveys.definition import load_definition
from tests.factories import PASSWORD, bearer, make_token, make_user

TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def _sign_in(client: TestClient, username: str) -> str:
    token = TOKEN.search(client.get("/office/login").text).group(1)  # type: ignore[union-attr]
    client.post(
        "/office/login", data={"username": username, "password": PASSWORD, "csrf_token": token}
    )
    return token


def test_build_open_and_close_a_survey(client: TestClient, session: Session) -> None:
    demo.load_demo(session, office_password="demo-password-1")
    make_user(session, username="builder")
    token = _sign_in(client, "builder")
    page = client.get("/office/surveys")
    assert "2026年度市直部门群众满意度调查" in page.text
    evaluation_id = re.search(r'<option value="(\d+)">云江市2026', page.text).group(1)  # type: ignore[union-attr]
    created = client.post(
        "/office/surveys",
        data={
            "csrf_token": token,
            "evaluation_id": evaluation_id,
            "period": "Q4",
            "title": "营商环境满意度",
            "prompt": "您对该单位的服务满意吗？",
            "scale": "satisfaction",
            "categories": ["dept-economic"],
            "groups": ["enterprise"],
        },
        follow_redirects=False,
    )
    assert created.status_code == 303
    detail_url = created.headers["location"]
    survey_id = int(detail_url.rsplit("/", 1)[1])
    add = client.post(
        f"{detail_url}/questions",
        data={
            "csrf_token": token,
            "code": "size",
            "kind": "cell",
            "prompt": "企业规模",
            "variable": "size",
            "options": "small=小微企业\nlarge=规模以上企业",
            "required": "true",
        },
    )
    assert add.status_code == 200, add.text
    client.post(
        f"{detail_url}/targets", data={"csrf_token": token, "action": "add", "unit": "BM24"}
    )
    survey = session.get(Survey, survey_id)
    assert survey is not None
    definition = load_definition(session, survey)
    assert [q.code for q in definition.questions] == ["overall", "size"]
    assert "BM24" in {u.code for u in definition.units} and len(definition.units) == 9
    bad = client.post(
        f"{detail_url}/questions",
        data={
            "csrf_token": token,
            "code": "x",
            "kind": "single",
            "prompt": "只有一个选项",
            "options": "a=甲",
        },
    )
    assert bad.status_code == 422 and "问卷在" in bad.text and "two options" in bad.text
    client.post(f"{detail_url}/status", data={"csrf_token": token, "status": "open"})
    session.refresh(survey)
    assert survey.status == "open"
    locked = client.post(f"{detail_url}/questions/size/delete", data={"csrf_token": token})
    assert locked.status_code == 409
    poster = client.get(f"{detail_url}/poster", params={"unit": "BM24"})
    assert (
        "请用手机扫一扫" in poster.text
        and f"/api/v1/surveys/{survey_id}/qr.svg?unit=BM24" in poster.text
    )
    assert f"/s/{survey.slug}?u=BM24" in poster.text
    client.post(f"{detail_url}/status", data={"csrf_token": token, "status": "closed"})
    session.refresh(survey)
    assert survey.status == "closed"
    actions = session.exec(select(AuditLog.action).where(AuditLog.actor == "builder")).all()
    assert {"survey.create", "survey.replace", "survey.update"} <= set(actions)


def test_include_a_flagged_response(client: TestClient, session: Session) -> None:
    info = demo.load_demo(session, office_password="demo-password-1")
    make_user(session, username="reviewer")
    token = _sign_in(client, "reviewer")
    survey = session.exec(select(Survey).where(Survey.slug == info.survey_slug)).one()
    flagged = session.exec(
        select(Response).where(Response.survey_id == survey.id, Response.quality_flags != 0)
    ).first()
    assert flagged is not None
    page = client.get(f"/office/surveys/{survey.id}")
    assert flagged.id in page.text
    group = session.get(RespondentGroup, flagged.group_id)
    units = {
        unit.code
        for unit in session.exec(
            select(Unit)
            .join(Answer, col(Answer.unit_id) == Unit.id)
            .where(Answer.response_id == flagged.id)
        )
    }
    assert group is not None and units
    office = bearer(make_token(session, Role.office))

    def answered() -> dict[str, int]:
        url = f"/api/v1/evaluations/{flagged.evaluation_id}/satisfaction"
        reply = client.get(url, params={"group": group.code}, headers=office)
        cells = reply.json()["cells"]
        return {c["unit"]: c["n_valid"] + c["n_dont_know"] for c in cells if c["unit"] in units}

    before = answered()
    client.post(
        f"/office/surveys/{survey.id}/responses/{flagged.id}/quality",
        data={"csrf_token": token, "decision": "include"},
    )
    session.refresh(flagged)
    assert flagged.quality_decision == "include"
    # The included response now counts in the satisfaction results: one more answer a unit.
    assert answered() == {unit: n + 1 for unit, n in before.items()}


def test_viewers_read_but_cannot_change(client: TestClient, session: Session) -> None:
    info = demo.load_demo(session, office_password="demo-password-1")
    make_user(session, role="viewer", username="reader")  # type: ignore[arg-type]
    token = _sign_in(client, "reader")
    survey = session.exec(select(Survey).where(Survey.slug == info.survey_slug)).one()
    assert client.get(f"/office/surveys/{survey.id}").status_code == 200
    refused = client.post(
        f"/office/surveys/{survey.id}/status", data={"csrf_token": token, "status": "closed"}
    )
    assert refused.status_code == 403
