"""The lead department's pages and the office's binding page: who sees what, and bad input."""

from __future__ import annotations

import re
from html import unescape

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from survey.composite import lead_scores
from survey.composite.models import LeadAssignment, LeadDraftScore, QualitativeScore
from survey.models import AuditLog, Role
from tests.factories import ACTOR, PASSWORD, make_user
from tests.survey.test_lead_scores import BREAKING, KEEPING, World
from tests.web.setup_world import TOKEN, sign_in

ALERT = re.compile(r'<div class="error" role="alert">(.*?)</div>', re.S)


def _text(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", html))


def _world(session: Session) -> World:
    world = World(session)
    make_user(session, Role.lead, username="sifa", unit_code="LEAD")
    make_user(session, Role.lead, username="shenji", unit_code="OTHER")
    make_user(session, Role.office, username="kaohe")
    make_user(session, Role.viewer, username="reader")
    make_user(session, Role.unit, username="town1", unit_code="T1")
    return world


def _sheet_url(world: World) -> str:
    return f"/lead/evaluations/{world.evaluation}/indicators/{world.assignment}"


def test_a_lead_lands_on_its_indicators_and_sees_nothing_of_the_office(
    client: TestClient, session: Session
) -> None:
    world = _world(session)
    page = client.get("/office/login")
    token = TOKEN.search(page.text).group(1)  # type: ignore[union-attr]
    landed = client.post(
        "/office/login",
        data={"username": "sifa", "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert landed.headers["location"] == "/lead"
    home = client.get("/lead")
    assert home.status_code == 200
    assert "我负责评分的指标" in home.text and _sheet_url(world) in home.text
    assert client.get(_sheet_url(world)).status_code == 200

    office_pages = [
        "/office",
        f"/office/evaluations/{world.evaluation}/composite",
        f"/office/evaluations/{world.evaluation}/composite/qualitative",
        f"/office/evaluations/{world.evaluation}/composite/leads",
        "/office/audit",
    ]
    for url in office_pages:
        assert client.get(url, follow_redirects=False).status_code == 403, url
    reopen = client.post(
        f"/office/evaluations/{world.evaluation}/composite/leads/{world.assignment}/reopen",
        data={"csrf_token": token, "reason": "x"},
    )
    assert reopen.status_code == 403
    bind = client.post(
        f"/office/evaluations/{world.evaluation}/composite/leads",
        data={"csrf_token": token, "category": "towns", "item": "rule_of_law", "lead": "LEAD"},
    )
    assert bind.status_code == 403

    # Another department's indicator, or one that does not exist, is not found.
    other = sign_in(client, "shenji")
    assert "尚未为本部门指定" in client.get("/lead").text
    assert client.get(_sheet_url(world)).status_code == 404
    assert client.get(f"/lead/evaluations/{world.evaluation}/indicators/999999").status_code == 404
    posted = client.post(_sheet_url(world) + "/draft", data={"csrf_token": other, "score.T1": "70"})
    assert posted.status_code == 404
    assert session.exec(select(LeadDraftScore)).all() == []

    # Office roles and unit accounts do not use the lead pages.
    for username in ("kaohe", "reader", "town1"):
        sign_in(client, username)
        assert client.get("/lead", follow_redirects=False).status_code == 403, username
        assert client.get(_sheet_url(world), follow_redirects=False).status_code == 403
    client.cookies.clear()
    assert client.get("/lead", follow_redirects=False).status_code == 303


def test_bad_input_is_refused_in_chinese_and_changes_nothing(
    client: TestClient, session: Session
) -> None:
    world = _world(session)
    token = sign_in(client, "sifa")
    saved = client.post(
        _sheet_url(world) + "/draft",
        data={"csrf_token": token, "score.T1": "88", "score.T2": "79"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    before = session.exec(select(AuditLog)).all()
    refused = client.post(
        _sheet_url(world) + "/draft",
        data={"csrf_token": token, "score.T1": "八十", "score.T2": "101", "score.T3": "85"},
    )
    assert refused.status_code == 422
    alert = _text(ALERT.search(refused.text).group(1))  # type: ignore[union-attr]
    assert "未保存任何内容" in alert
    assert "应填数字，而不是“八十”" in alert
    assert "得分应在 0 到 100 之间" in alert
    # The form keeps what was typed, and marks the bad fields.
    assert 'value="八十"' in refused.text and 'aria-invalid="true"' in refused.text
    session.expire_all()
    drafts = {d.score for d in session.exec(select(LeadDraftScore))}
    assert drafts == {88.0, 79.0}
    assert len(session.exec(select(AuditLog)).all()) == len(before)

    # A submission that breaks the rule is refused with the reasons; the draft is saved.
    typed = {f"score.{code}": value for code, value in BREAKING.items()}
    refused = client.post(_sheet_url(world) + "/submit", data={"csrf_token": token, **typed})
    assert refused.status_code == 422
    alert = _text(ALERT.search(refused.text).group(1))  # type: ignore[union-attr]
    assert "未提交：草稿违反差别化打分规则" in alert
    assert "6 个单位中有 3 个（50%）得分在90分以上（含90分），最多只能有 1 个" in alert
    assert "6 个单位中只有 1 个（17%）得分低于80分，至少应有 2 个" in alert
    assert "不得打满分（100分）" in alert
    assert session.exec(select(QualitativeScore)).all() == []

    typed = {f"score.{code}": value for code, value in KEEPING.items()}
    done = client.post(
        _sheet_url(world) + "/submit",
        data={"csrf_token": token, **typed},
        follow_redirects=False,
    )
    assert done.status_code == 303
    page = client.get(done.headers["location"])
    assert "评分已提交。" in page.text and "<fieldset disabled>" in page.text
    again = client.post(_sheet_url(world) + "/draft", data={"csrf_token": token, "score.T1": "1"})
    assert again.status_code == 409
    assert "评分已提交，不能再修改" in again.text
    session.expire_all()
    assert {s.score for s in session.exec(select(QualitativeScore))} == {
        float(v) for v in KEEPING.values()
    }


def test_the_office_binds_and_reopens_on_its_page(client: TestClient, session: Session) -> None:
    world = _world(session)
    lead_scores.submit(session, world.evaluation, world.assignment, world.lead, entries=KEEPING)
    sign_in(client, "reader")
    page = client.get(f"/office/evaluations/{world.evaluation}/composite/leads")
    assert page.status_code == 200 and "已提交" in page.text
    token = sign_in(client, "reader")
    assert (
        client.post(
            f"/office/evaluations/{world.evaluation}/composite/leads/{world.assignment}/reopen",
            data={"csrf_token": token, "reason": "x"},
        ).status_code
        == 403
    )

    token = sign_in(client, "kaohe")
    url = f"/office/evaluations/{world.evaluation}/composite/leads"
    empty = client.post(f"{url}/{world.assignment}/reopen", data={"csrf_token": token})
    assert empty.status_code == 422 and "请填写重新开放的理由" in empty.text
    done = client.post(
        f"{url}/{world.assignment}/reopen",
        data={"csrf_token": token, "reason": "T6 的<得分>有误"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    page = client.get(done.headers["location"])
    assert "已重新开放：T6 的&lt;得分&gt;有误" in page.text
    session.expire_all()
    row = session.exec(select(LeadAssignment)).one()
    assert row.status == "draft"

    bound = client.post(
        url,
        data={"csrf_token": token, "category": "depts", "item": "rule_of_law", "lead": "OTHER"},
        follow_redirects=False,
    )
    assert bound.status_code == 303
    wrong = client.post(
        url, data={"csrf_token": token, "category": "depts", "item": "nothing", "lead": "OTHER"}
    )
    assert wrong.status_code == 422 and "没有定性指标 nothing" in wrong.text
    actions = [a.action for a in session.exec(select(AuditLog).order_by(AuditLog.id))]
    assert actions[-2:] == ["lead_scores.reopen", "lead_assignment.set"]
    assert ACTOR.role == Role.admin
