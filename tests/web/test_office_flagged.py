"""The review of flagged answers over HTTP: reasons and answers in words, bulk decisions with
a reason, their effect on what is counted, and their place in the audit log."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlmodel import Session, col, func, select

from survey import demo
from survey.models import Answer, AuditLog, QualityFlag, Response, Role
from tests.factories import PASSWORD, make_user
from tests.web.test_pages_speak_chinese import SNAKE, _visible

TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
SHOWN = re.compile(r'<tr data-response="([0-9a-zA-Z_-]+)">')


def _sign_in(client: TestClient, username: str) -> str:
    token = TOKEN.search(client.get("/office/login").text).group(1)  # type: ignore[union-attr]
    client.post(
        "/office/login", data={"username": username, "password": PASSWORD, "csrf_token": token}
    )
    return token


def _counted(session: Session, evaluation_id: int) -> tuple[int, int]:
    """Counted responses and counted answers, straight from the tables."""
    session.expire_all()
    responses = session.exec(select(Response).where(Response.evaluation_id == evaluation_id)).all()
    counted = sum(
        1
        for r in responses
        if r.quality_decision == "include" or (r.quality_flags == 0 and r.quality_decision is None)
    )
    answers = session.exec(
        select(func.count())
        .select_from(Answer)
        .where(Answer.evaluation_id == evaluation_id, col(Answer.counted).is_(True))
    ).one()
    return counted, answers


def _flagged_evaluation(session: Session) -> int:
    return session.exec(
        select(Response.evaluation_id).where(Response.quality_flags != 0).limit(1)
    ).one()


def test_review_and_decide_in_bulk(client: TestClient, session: Session) -> None:
    demo.load_demo(session, office_password="demo-password-1")
    make_user(session, username="reviewer", role=Role.office)
    token = _sign_in(client, "reviewer")
    evaluation_id = _flagged_evaluation(session)

    overview = client.get("/office/flagged")
    assert overview.status_code == 200
    assert f"/office/flagged/{evaluation_id}" in overview.text

    page = client.get(f"/office/flagged/{evaluation_id}")
    assert page.status_code == 200
    visible = " ".join(_visible(page.text))
    assert "答题用时短于问卷规定的最短时间" in visible
    assert "填写了只有机器程序才会看到的隐藏栏" in visible
    assert re.search(r"：\s*(满意|比较满意|基本满意|不满意|不了解)", visible)
    assert not SNAKE.findall(visible), SNAKE.findall(visible)
    flagged_total = session.exec(
        select(func.count())
        .select_from(Response)
        .where(Response.evaluation_id == evaluation_id, Response.quality_flags != 0)
    ).one()
    assert f"存疑答卷 {flagged_total} 份" in visible

    honeypot = client.get(f"/office/flagged/{evaluation_id}", params={"reason": "honeypot"})
    shown = SHOWN.findall(honeypot.text)
    assert shown
    for response_id in shown:
        response = session.get(Response, response_id)
        assert response is not None and response.quality_flags & QualityFlag.honeypot

    chosen = SHOWN.findall(page.text)[:2]
    before = _counted(session, evaluation_id)
    included = client.post(
        f"/office/flagged/{evaluation_id}/decide",
        data={
            "csrf_token": token,
            "response": chosen,
            "decision": "include",
            "reason": "电话回访确认为本人填写",
            "back": "decision=waiting",
        },
    )
    assert included.status_code == 200
    assert "decision=waiting" in str(included.url)
    middle = _counted(session, evaluation_id)
    assert middle[0] == before[0] + 2 and middle[1] > before[1]
    assert f"计入统计的答卷：之前 {before[0]} 份，现在 {middle[0]} 份" in included.text

    excluded = client.post(
        f"/office/flagged/{evaluation_id}/decide",
        data={
            "csrf_token": token,
            "response": chosen,
            "decision": "exclude",
            "reason": "同一人重复填写",
        },
    )
    assert excluded.status_code == 200
    after = _counted(session, evaluation_id)
    assert after == before
    assert f"计入统计的答卷：之前 {middle[0]} 份，现在 {after[0]} 份" in excluded.text
    for response_id in chosen:
        response = session.get(Response, response_id)
        assert response is not None and response.quality_decision == "exclude"

    entries = session.exec(
        select(AuditLog).where(AuditLog.action == "responses.quality").order_by(col(AuditLog.id))
    ).all()
    assert [e.detail["reason"] for e in entries] == ["电话回访确认为本人填写", "同一人重复填写"]
    assert entries[1].detail["counted_before"] == middle[0]
    assert entries[1].detail["counted_after"] == after[0]
    assert sorted(entries[1].detail["responses"]) == sorted(chosen)  # type: ignore[arg-type]
    log = client.get("/office/audit", params={"action": "responses.quality"})
    assert "批量审核存疑答卷" in log.text and "同一人重复填写" in log.text


def test_bad_decisions_change_nothing(client: TestClient, session: Session) -> None:
    demo.load_demo(session, office_password="demo-password-1")
    make_user(session, username="reviewer", role=Role.office)
    token = _sign_in(client, "reviewer")
    evaluation_id = _flagged_evaluation(session)
    chosen = SHOWN.findall(client.get(f"/office/flagged/{evaluation_id}").text)[:1]
    clean = session.exec(
        select(Response.id).where(
            Response.evaluation_id == evaluation_id, Response.quality_flags == 0
        )
    ).first()
    before = _counted(session, evaluation_id)
    url = f"/office/flagged/{evaluation_id}/decide"
    no_reason = client.post(
        url, data={"csrf_token": token, "response": chosen, "decision": "include", "reason": " "}
    )
    assert no_reason.status_code == 422 and "请填写作出此决定的理由" in no_reason.text
    unflagged = client.post(
        url,
        data={
            "csrf_token": token,
            "response": [*chosen, clean],
            "decision": "exclude",
            "reason": "试图排除正常答卷",
        },
    )
    assert unflagged.status_code == 422 and "只能处理本次考核的存疑答卷" in unflagged.text
    nothing = client.post(url, data={"csrf_token": token, "decision": "include", "reason": "x"})
    assert nothing.status_code == 422
    no_csrf = client.post(url, data={"response": chosen, "decision": "include", "reason": "x"})
    assert no_csrf.status_code == 403
    assert _counted(session, evaluation_id) == before
    assert not session.exec(select(AuditLog).where(AuditLog.action == "responses.quality")).all()

    make_user(session, username="looker", role=Role.viewer)
    viewer_token = _sign_in(client, "looker")
    page = client.get(f"/office/flagged/{evaluation_id}")
    assert page.status_code == 200 and 'name="response"' not in page.text
    refused = client.post(
        url,
        data={"csrf_token": viewer_token, "response": chosen, "decision": "include", "reason": "x"},
    )
    assert refused.status_code == 403
    assert _counted(session, evaluation_id) == before
