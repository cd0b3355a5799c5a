"""The rectification loop in a real browser: a citizen's comment about BM09 through the
survey form -> the office finds it in the comment list -> BM09's unit user answers with a
measure, a responsible office and a deadline -> the office verifies it after the callback;
and the demo's overdue item on the office overview."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from survey import demo
from survey.comments.workdays import add_working_days
from survey.models import Evaluation, EvaluationStatus, Role, Survey
from survey.timeutil import utcnow
from tests.factories import PASSWORD, make_user

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
}
DESK = {"viewport": {"width": 1366, "height": 900}}
TEXT = "BM09窗口排队太久，<b>希望</b>增加窗口"


def _sign_in(page: Any, server: str, username: str, password: str, next_path: str) -> None:
    page.goto(f"{server}/office/login?next={next_path}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server}{next_path}*")


def test_comment_to_rectification_to_verification(
    browser: Any, live_server: str, session: Session, shots: Path
) -> None:
    info = demo.load_demo(session, office_password="demo-password-1")
    survey = session.exec(select(Survey).where(Survey.slug == info.survey_slug)).one()
    evaluation = session.exec(
        select(Evaluation).where(Evaluation.status == EvaluationStatus.open)
    ).one()
    # Its own account (the demo has a bm09 of its own, with another password).
    make_user(session, username="bm09-desk", role=Role.unit, unit_code="BM09")

    # A citizen on a phone rates BM09 and writes a comment.
    citizen = browser.new_context(**PHONE)
    page = citizen.new_page()
    page.goto(f"{live_server}/s/{survey.slug}?u=BM09")
    page.get_by_label("企业代表").check()
    page.get_by_label("东湖区").check()
    page.get_by_label("35-59岁").check()
    page.locator("section.unit").get_by_label("不满意").check()
    page.locator("section.unit summary").click()
    page.locator("section.unit textarea").fill(TEXT)
    page.get_by_role("button", name="提交").click()
    page.wait_for_url(f"{live_server}/s/{survey.slug}/thanks*")
    citizen.close()

    # The office finds it with the unit and word filters (in the URL).
    office = browser.new_context(**DESK)
    page = office.new_page()
    _sign_in(page, live_server, "office", "demo-password-1", "/office")
    overview = page.locator("#overdue-rectifications")
    assert overview.locator("tbody tr").count() == 1
    assert "BM09" in overview.inner_text()
    assert page.locator("[data-waiting=rectification_overdue]").inner_text().startswith("1")
    page.screenshot(path=str(shots / "overview-overdue-1366.png"), full_page=True)
    page.goto(f"{live_server}/office/evaluations/{evaluation.id}/comments")
    page.select_option("select[name=unit]", "BM09")
    page.fill("input[name=words]", "排队太久")
    page.click("#comment-filters button[type=submit]")
    page.wait_for_url("**unit=BM09**")
    rows = page.locator("table.comments tbody tr[data-comment]")
    rows.first.wait_for()
    assert rows.count() == 1
    # Escaped: the tag is text, not markup.
    assert rows.first.locator("td.comment-text a").inner_text() == TEXT
    assert rows.first.locator("b").count() == 0
    assert "已接收" in rows.first.inner_text()
    page.screenshot(path=str(shots / "office-comments-1366.png"), full_page=True)
    key = rows.first.get_attribute("data-comment")

    # BM09's unit user answers with its rectification and a deadline.
    unit = browser.new_context(**PHONE)
    upage = unit.new_page()
    _sign_in(upage, live_server, "bm09-desk", PASSWORD, "/unit/comments")
    upage.screenshot(path=str(shots / "unit-comments-390.png"), full_page=True)
    upage.get_by_role("link", name=TEXT).click()
    deadline = add_working_days(utcnow().date(), 10)
    upage.fill("textarea[name=measure]", "高峰时段增开两个窗口")
    upage.fill("input[name=responsible_office]", "政务服务科")
    upage.fill("input[name=deadline]", deadline.isoformat())
    upage.screenshot(path=str(shots / "unit-answer-390.png"), full_page=True)
    upage.get_by_role("button", name="保存：已整改").click()
    upage.wait_for_load_state()
    assert upage.locator("#comment-status").inner_text() == "已整改"
    assert deadline.isoformat() in upage.locator("dl.facts").inner_text()
    unit.close()

    # The office records the callback and verifies it.
    page.goto(f"{live_server}/office/evaluations/{evaluation.id}/comments/{key}")
    assert "高峰时段增开两个窗口" in page.locator("#comment-measure").inner_text()
    page.fill("#callback-form textarea[name=result]", "电话回访，群众表示排队时间明显缩短")
    page.get_by_role("button", name="已解决：回访确认").click()
    page.wait_for_load_state()
    assert page.locator("#comment-status").inner_text().startswith("已回访确认")
    page.screenshot(path=str(shots / "office-comment-verified-1366.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/office/evaluations/{evaluation.id}/comments?unit=BM09")
    page.screenshot(path=str(shots / "office-comments-390.png"), full_page=True)
    office.close()
