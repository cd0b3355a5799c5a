"""A citizen scans the poster's QR code with a phone, answers, and gets a receipt."""

from __future__ import annotations

from typing import Any

import httpx
import zxingcpp
from PIL import Image
from sqlmodel import Session, select

from survey import demo
from survey.models import Answer, Response, Survey

PHONE = {
    "viewport": {"width": 375, "height": 740},
    "is_mobile": True,
    "has_touch": True,
    "user_agent": "Mozilla/5.0 (Linux; Android 12) AppleWebKit/537.36 MicroMessenger/8.0",
}


def test_scan_fill_submit_and_see_the_receipt(
    browser: Any, live_server: str, session: Session, tmp_path: Any
) -> None:
    info = demo.load_demo(session, office_password="demo-password-1")
    survey = session.exec(select(Survey).where(Survey.slug == info.survey_slug)).one()
    png = httpx.get(f"{live_server}/api/v1/surveys/{survey.id}/qr.png", params={"unit": "BM24"})
    (tmp_path / "qr.png").write_bytes(png.content)
    [code] = zxingcpp.read_barcodes(Image.open(tmp_path / "qr.png"))
    assert code.text == f"{live_server}/s/{survey.slug}?u=BM24"

    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(code.text)
    assert page.locator("h1").inner_text() == "2026年度市直部门群众满意度调查"
    assert page.locator("section.unit h2").all_inner_texts() == ["市行政审批服务局"]
    page.get_by_label("企业代表").check()
    page.get_by_label("东湖区").check()
    page.get_by_label("35-59岁").check()
    page.locator("section.unit").get_by_label("比较满意").check()
    # The count itself is CSS generated content (works without script), which the DOM does
    # not expose; the total and the counter binding are what can be read.
    assert page.locator(".progress").inner_text().replace(" ", "") == "已评/1"
    counter = page.evaluate(
        "getComputedStyle(document.querySelector('.count'), '::before').content"
    )
    assert counter == "counter(done)"
    page.locator("section.unit summary").click()
    page.locator("section.unit textarea").fill("材料一次性告知，很方便")
    page.get_by_role("button", name="提交").click()
    page.wait_for_url(f"{live_server}/s/{survey.slug}/thanks*")
    receipt = page.locator("#receipt").inner_text()
    assert page.locator("h1").inner_text() == "感谢您的参与！"
    context.close()

    session.expire_all()
    stored = [
        r
        for r in session.exec(select(Response).where(Response.survey_id == survey.id))
        if r.id[-10:].upper() == receipt.replace("-", "")
    ]
    assert len(stored) == 1
    answers = session.exec(select(Answer).where(Answer.response_id == stored[0].id)).all()
    assert [(a.question, a.level) for a in answers] == [("overall", "fairly_satisfied")]
    assert stored[0].cell_key == "age=35-59;district=QX02"


def test_the_form_works_with_javascript_switched_off(
    browser: Any, live_server: str, session: Session
) -> None:
    info = demo.load_demo(session, office_password="demo-password-1")
    context = browser.new_context(java_script_enabled=False, **PHONE)
    page = context.new_page()
    page.goto(f"{live_server}/s/{info.survey_slug}?u=BM09&g=citizens")
    page.get_by_label("白沙县").check()
    page.get_by_label("60岁及以上").check()
    page.get_by_role("button", name="提交").click()
    assert page.locator("[role=alert]").first.inner_text().startswith("有些题目还需要您补充或修改")
    page.locator("section.unit").get_by_label("不了解").check()
    page.get_by_role("button", name="提交").click()
    page.wait_for_url(f"{live_server}/s/{info.survey_slug}/thanks*")
    assert page.locator("#receipt").inner_text()
    context.close()
