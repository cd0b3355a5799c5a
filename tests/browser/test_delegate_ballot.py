"""A deputy scans the card, rates 30 departments, reviews, casts; the code then stops working."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from survey import demo
from tests.factories import TEST_SECRET


def test_cast_a_thirty_unit_ballot_then_reuse_is_refused(
    browser: Any, live_server: str, session: Session
) -> None:
    info = demo.load_demo(session, office_password="demo-password-1", secret=TEST_SECRET)
    code = info.try_codes[0]
    context = browser.new_context(viewport={"width": 390, "height": 800}, is_mobile=True)
    page = context.new_page()
    # The card's QR code carries the code in the fragment; the page moves it into the form.
    page.goto(f"{live_server}/b#{code}")
    assert page.input_value("#code") == code
    assert page.url == f"{live_server}/b"
    page.get_by_role("button", name="打开测评票").click()
    rows = page.locator("fieldset.row")
    assert rows.count() == 30
    assert page.locator("h1").inner_text() == "2026年度市直部门民主测评（人大代表）"
    for i in range(30):
        choice = ["满意", "基本满意", "不满意", "不了解"][i % 4]
        rows.nth(i).get_by_label(choice, exact=True).check()
    page.get_by_role("button", name="核对").click()
    assert page.locator("h1").inner_text() == "核对您的选票"
    assert page.locator("table.review tr").count() == 30
    page.get_by_role("button", name="确认投票").click()
    assert page.locator("h1").inner_text() == "投票成功，谢谢！"

    page.goto(f"{live_server}/b")
    page.fill("#code", code.lower().replace("-", " "))
    page.get_by_role("button", name="打开测评票").click()
    assert page.locator("[role=alert]").inner_text() == "此测评码已使用。一码只能投一票。"
    context.close()
