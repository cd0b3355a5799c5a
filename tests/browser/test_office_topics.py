"""The comment topics page in Chromium: the demo's topics drawn as charts with the table under
them, a click through to the comment list, a topic added with the form (and a bad one
refused), at desktop and phone widths, with axe.

Screenshots go to PINGYI_SCREENSHOT_DIR (or a tmp dir)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

from survey import demo
from survey.models import Evaluation
from tests.browser.axe import serious_violations

SIZES = {"desktop": (1366, 900), "phone": (390, 844)}
DRAWN = """() => ['chart-topic-totals', 'chart-topic-units'].every(function (id) {
  return document.querySelector('[data-chart=' + id + '] canvas') !== null;
})"""
WATCH_CSP = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI);
});
"""


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("PINGYI_SCREENSHOT_DIR", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _sign_in(context: Any, base: str) -> Any:
    page = context.new_page()
    page.goto(f"{base}/office/login")
    page.fill("input[name=username]", "office")
    page.fill("input[name=password]", "demo-password-1")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/office")
    return page


def test_topics_page_charts_table_and_form(
    browser: Any, live_server: str, session: Session, shots: Path
) -> None:
    demo.load_demo(session, office_password="demo-password-1")
    evaluation = session.exec(select(Evaluation).where(Evaluation.year == 2026)).one()
    url = f"{live_server}/office/evaluations/{evaluation.id}/topics"

    errors: list[str] = []
    for size, (width, height) in SIZES.items():
        errors.clear()
        context = browser.new_context(viewport={"width": width, "height": height})
        context.add_init_script(WATCH_CSP)
        page = _sign_in(context, live_server)
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        # The office reaches the page from its home.
        page.click(f"a[href='/office/evaluations/{evaluation.id}/topics']")
        page.wait_for_url(url)
        page.wait_for_function(DRAWN)
        assert page.locator("h1").inner_text().startswith("评论主题")
        assert int(page.locator("[data-count=comments]").inner_text()) > 100
        assert page.locator("[data-count=pending]").inner_text() == "0"
        # The table folds behind its summary once the chart is drawn; open it to read it.
        page.locator("details.chart-table > summary").click()
        attitude = page.locator("tfoot td[data-topic=attitude]").inner_text()
        assert int(attitude) > 0
        assert page.locator("tr[data-topic=attitude] td").nth(3).inner_text() == attitude
        # No horizontal scroll of the page itself on a phone.
        assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
        page.screenshot(path=str(shots / f"topics-{size}.png"), full_page=True)
        assert serious_violations(page) == []
        assert page.evaluate("window.__csp") == []
        assert errors == []
        context.close()

    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = _sign_in(context, live_server)
    page.goto(url + "#rules")
    # A bad topic is refused in Chinese and keeps what was typed.
    page.fill("input[name=code]", "noise2")
    page.fill("input[name=name]", "服务态度")
    page.fill("textarea[name=keywords]", "噪音")
    page.click("form.topic-form button[type=submit]")
    assert "本次考核已有名为“服务态度”的主题。" in page.locator("[role=alert]").inner_text()
    assert page.locator("input[name=code]").input_value() == "noise2"
    page.screenshot(path=str(shots / "topics-refused.png"))
    assert serious_violations(page) == []
    # A good one is added, and the demo's comments about service hours now count under it.
    page.fill("input[name=name]", "延长时间")
    page.fill("textarea[name=keywords]", "延长\n节假日")
    page.click("form.topic-form button[type=submit]")
    page.wait_for_url(url + "#rules")
    row = page.locator("tr[data-topic=noise2]")
    assert row.locator("td").nth(2).inner_text() == "延长、节假日"
    assert int(row.locator("td").nth(3).inner_text()) > 0
    # The count links to the comment list, filtered by the topic's code.
    href = row.locator("td").nth(3).locator("a").get_attribute("href")
    assert href == f"/office/evaluations/{evaluation.id}/comments?topic=noise2"
    context.close()
