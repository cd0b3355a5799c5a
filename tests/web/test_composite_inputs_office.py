"""The office pages for qualitative scores and excellence goals, over HTTP on the demo city."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from survey import demo
from survey.composite.models import ExcellenceGoal, QualitativeScore
from survey.models import AuditLog, Evaluation, Role, Unit
from tests.factories import PASSWORD, make_user

TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
# Pydantic's English wording, which a Chinese page must never show.
PYDANTIC_ENGLISH = ("Field required", "Input should be", "String should", "Value error")


def _sign_in(client: TestClient, username: str) -> str:
    token = TOKEN.search(client.get("/office/login").text).group(1)  # type: ignore[union-attr]
    client.post(
        "/office/login", data={"username": username, "password": PASSWORD, "csrf_token": token}
    )
    return token


def _current(session: Session) -> int:
    evaluation = session.exec(select(Evaluation).where(Evaluation.year == 2026)).one()
    assert evaluation.id is not None
    return evaluation.id


def _score(session: Session, evaluation_id: int, unit: str, item: str) -> QualitativeScore | None:
    unit_id = session.exec(select(Unit.id).where(Unit.code == unit)).one()
    session.expire_all()
    return session.exec(
        select(QualitativeScore).where(
            QualitativeScore.evaluation_id == evaluation_id,
            QualitativeScore.unit_id == unit_id,
            QualitativeScore.item == item,
        )
    ).first()


def _goal(session: Session, evaluation_id: int, unit: str, code: str) -> ExcellenceGoal | None:
    unit_id = session.exec(select(Unit.id).where(Unit.code == unit)).one()
    session.expire_all()
    return session.exec(
        select(ExcellenceGoal).where(
            ExcellenceGoal.evaluation_id == evaluation_id,
            ExcellenceGoal.unit_id == unit_id,
            ExcellenceGoal.code == code,
        )
    ).first()


def _audit(session: Session, action: str) -> list[AuditLog]:
    session.expire_all()
    return list(
        session.exec(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id))
    )


def _alert(html: str) -> str:
    found = re.search(r'<div class="error" role="alert">(.*?)</div>', html, re.S)
    assert found, "no inline error on the page"
    return re.sub(r"<[^>]+>", "", found.group(1)).strip()


def test_viewer_reads_both_pages_with_the_differentiation_report_but_cannot_post(
    client: TestClient, session: Session
) -> None:
    demo.load_demo(session, office_password="demo-password-1")
    current = _current(session)
    make_user(session, Role.viewer, username="reader")
    token = _sign_in(client, "reader")
    base = f"/office/evaluations/{current}/composite"

    page = client.get(f"{base}/qualitative")
    assert page.status_code == 200
    assert "定性评分" in page.text and "依法行政" in page.text
    # The demo's Bureau of Justice scores the urban districts too kindly: 3 of 5 at 90 or more.
    assert "BM21 市司法局" in page.text and "违反规则" in page.text
    assert "5个中3个（至多1个）" in page.text
    assert "<fieldset disabled>" in page.text
    assert f'action="{base}/qualitative/QX01/rule_of_law/delete"' not in page.text
    # The composite area links the new pages from its navigation.
    assert f'href="{base}/qualitative"' in client.get(base).text
    assert f'href="{base}/excellence"' in page.text

    one = client.get(f"{base}/qualitative", params={"category": "district-urban"})
    assert one.status_code == 200
    assert "中心城区" in one.text and "市直经济部门" not in one.text

    goals = client.get(f"{base}/excellence")
    assert goals.status_code == 200
    assert "创优目标" in goals.text and "对标深圳优化审批流程" in goals.text
    assert "难度系数在0.8至1.2之间" in goals.text
    assert "<fieldset disabled>" in goals.text

    before = _score(session, current, "QX01", "rule_of_law")
    assert before is not None
    refused = client.post(
        f"{base}/qualitative",
        data={
            "csrf_token": token,
            "unit": "QX01",
            "item": "rule_of_law",
            "lead": "BM21",
            "score": "70",
        },
    )
    assert refused.status_code == 403
    assert _score(session, current, "QX01", "rule_of_law").score == before.score  # type: ignore[union-attr]
    deleted = client.post(f"{base}/qualitative/QX01/rule_of_law/delete", data={"csrf_token": token})
    assert deleted.status_code == 403
    assert _score(session, current, "QX01", "rule_of_law") is not None
    goal = client.post(
        f"{base}/excellence",
        data={
            "csrf_token": token,
            "unit": "BM03",
            "code": "goal9",
            "title": "x",
            "difficulty": "1",
            "d0": "80",
            "d1": "80",
            "d2": "80",
            "d3": "80",
        },
    )
    assert goal.status_code == 403
    assert _goal(session, current, "BM03", "goal9") is None


def test_office_enters_edits_and_deletes_a_qualitative_score(
    client: TestClient, session: Session
) -> None:
    demo.load_demo(session, office_password="demo-password-1")
    current = _current(session)
    make_user(session, Role.office, username="kaohe")
    base = f"/office/evaluations/{current}/composite"
    old = _score(session, current, "QX03", "safety")
    assert old is not None
    form = {"unit": "QX03", "item": "safety", "lead": "BM20", "score": "76.5"}

    # Without the CSRF token nothing happens, even for a signed-in office user.
    token = _sign_in(client, "kaohe")
    no_token = client.post(f"{base}/qualitative", data=form)
    assert no_token.status_code == 403
    assert _score(session, current, "QX03", "safety").score == old.score  # type: ignore[union-attr]

    stored = client.post(
        f"{base}/qualitative", data={**form, "csrf_token": token}, follow_redirects=False
    )
    assert stored.status_code == 303
    assert stored.headers["location"] == f"{base}/qualitative"
    row = _score(session, current, "QX03", "safety")
    assert row is not None and row.score == 76.5 and row.updated_by == "kaohe"
    entry = _audit(session, "qualitative_scores.put")[-1]
    assert entry.actor == "kaohe"
    assert entry.detail["scores"] == [
        {"unit": "QX03", "item": "safety", "lead": "BM20", "score": 76.5}
    ]
    listing = client.get(f"{base}/qualitative", params={"category": "district-urban"}).text
    assert "76.5" in listing and "kaohe" in listing

    # "Edit" opens the form on the stored score.
    edit = client.get(f"{base}/qualitative", params={"unit": "QX03", "item": "safety"}).text
    assert 'name="score" inputmode="decimal" required maxlength="20" value="76.5"' in edit

    deleted = client.post(
        f"{base}/qualitative/QX03/safety/delete",
        data={"csrf_token": token, "category": "district-urban"},
        follow_redirects=False,
    )
    assert deleted.status_code == 303
    assert deleted.headers["location"] == f"{base}/qualitative?category=district-urban"
    assert _score(session, current, "QX03", "safety") is None
    gone = _audit(session, "qualitative_score.delete")[-1]
    assert gone.actor == "kaohe" and gone.target_id == "QX03"
    assert gone.detail["item"] == "safety" and gone.detail["score"] == 76.5
    again = client.post(f"{base}/qualitative/QX03/safety/delete", data={"csrf_token": token})
    assert again.status_code == 404


def test_bad_qualitative_input_gets_a_chinese_error_and_stores_nothing(
    client: TestClient, session: Session
) -> None:
    demo.load_demo(session, office_password="demo-password-1")
    current = _current(session)
    make_user(session, Role.office, username="kaohe2")
    token = _sign_in(client, "kaohe2")
    base = f"/office/evaluations/{current}/composite"
    old = _score(session, current, "QX03", "safety")
    assert old is not None
    puts = len(_audit(session, "qualitative_scores.put"))
    good = {"csrf_token": token, "unit": "QX03", "item": "safety", "lead": "BM20"}

    cases = [
        ({**good, "score": "很好"}, "得分：应为数字。"),
        ({**good, "score": ""}, "得分：应为数字。"),
        ({**good, "score": "-3"}, "得分：必须至少为0"),
        ({**good, "score": "nan"}, "得分：数值必须是有限的"),
        ({**good, "score": "101"}, "分值必须在0到100之间（safety的满分）。"),
        (
            {**good, "score": "80", "item": "nothing"},
            "类别district-urban的方案没有定性项目nothing；它有：rule_of_law, safety。",
        ),
        ({**good, "score": "80", "unit": "NOPE"}, "没有编码为 NOPE 的单位。"),
        ({**good, "score": "80", "lead": "a b"}, "牵头部门：应为代码"),
    ]
    for data, expected in cases:
        answer = client.post(f"{base}/qualitative", data=data)
        assert answer.status_code == 422, data
        shown = _alert(answer.text)
        assert expected in shown, (data, shown)
        assert not any(word in answer.text for word in PYDANTIC_ENGLISH)
        # What was typed stays in the form.
        assert f'value="{data["score"]}"' in answer.text
    assert _score(session, current, "QX03", "safety").score == old.score  # type: ignore[union-attr]
    assert len(_audit(session, "qualitative_scores.put")) == puts

    # The same slip in English.
    client.cookies.set("pingyi_lang", "en")
    english = client.post(f"{base}/qualitative", data={**good, "score": "-3"})
    assert english.status_code == 422
    assert _alert(english.text) == "Score: must be at least 0"


def test_office_enters_and_deletes_an_excellence_goal_and_bad_input_is_refused(
    client: TestClient, session: Session
) -> None:
    demo.load_demo(session, office_password="demo-password-1")
    current = _current(session)
    make_user(session, Role.office, username="kaohe3")
    token = _sign_in(client, "kaohe3")
    base = f"/office/evaluations/{current}/composite"
    form = {
        "csrf_token": token,
        "unit": "BM03",
        "code": "goal7",
        "title": "一网通办全覆盖",
        "difficulty": "1.15",
        "d0": "90",
        "d1": "84",
        "d2": "88",
        "d3": "86",
    }
    assert client.post(f"{base}/excellence", data={**form, "csrf_token": ""}).status_code == 403
    assert _goal(session, current, "BM03", "goal7") is None

    stored = client.post(f"{base}/excellence", data=form, follow_redirects=False)
    assert stored.status_code == 303
    goal = _goal(session, current, "BM03", "goal7")
    assert goal is not None
    assert goal.difficulty == 1.15 and goal.title == "一网通办全覆盖"
    assert goal.dimensions == {"创优性": 90.0, "攻坚性": 84.0, "创新性": 88.0, "效益性": 86.0}
    assert goal.score == (90 + 84 + 88 + 86) / 4
    entry = _audit(session, "excellence_goals.put")[-1]
    assert entry.actor == "kaohe3" and entry.detail["goals"][0]["code"] == "goal7"
    assert "一网通办全覆盖" in client.get(f"{base}/excellence").text

    cases = [
        ({**form, "difficulty": "1.5"}, "难度系数必须在0.8至1.2之间"),
        ({**form, "difficulty": "高"}, "难度系数：应为数字。"),
        ({**form, "d2": "120"}, "创新性：必须至多为100"),
        ({**form, "d3": ""}, "效益性：应为数字。"),
        ({**form, "title": ""}, "目标：不能为空"),
        ({**form, "unit": "QX01"}, "类别district-urban的方案不评创优目标。"),
    ]
    for data, expected in cases:
        answer = client.post(f"{base}/excellence", data=data)
        assert answer.status_code == 422, data
        shown = _alert(answer.text)
        assert expected in shown, (data, shown)
        assert not any(word in answer.text for word in PYDANTIC_ENGLISH)
    kept = _goal(session, current, "BM03", "goal7")
    assert kept is not None and kept.difficulty == 1.15 and kept.dimensions["创新性"] == 88.0

    deleted = client.post(
        f"{base}/excellence/BM03/goal7/delete", data={"csrf_token": token}, follow_redirects=False
    )
    assert deleted.status_code == 303
    assert _goal(session, current, "BM03", "goal7") is None
    gone = _audit(session, "excellence_goal.delete")[-1]
    assert gone.actor == "kaohe3" and gone.detail["title"] == "一网通办全覆盖"
