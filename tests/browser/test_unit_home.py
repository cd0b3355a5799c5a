"""A unit account in Chromium: sign in, land on its home, its numbers, no other unit's page.

Screenshots go to PINGYI_SCREENSHOT_DIR (or a tmp dir)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from survey import demo
from survey.models import Evaluation, Role
from tests.browser.axe import serious_violations
from tests.factories import PASSWORD, make_user

SIZES = {"desktop": (1366, 768), "phone": (390, 844)}
TREND_DRAWN = """() => ['chart-years', 'chart-periods'].every(function (id) {
  return document.querySelector('[data-chart=' + id + '] canvas') !== null;
})"""
WATCH_CSP = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI);
});
"""


def test_a_unit_signs_in_sees_its_numbers_and_no_other_unit(
    browser: Any, live_server: str, session: Session, shots: Path
) -> None:
    demo.load_demo(session, office_password="demo-password-1")
    evaluation = session.exec(select(Evaluation).where(Evaluation.year == 2026)).one()
    make_user(session, Role.unit, username="bm09-browser", unit_code="BM09")
    errors: list[str] = []
    for size, (width, height) in SIZES.items():
        errors.clear()
        context = browser.new_context(viewport={"width": width, "height": height})
        context.add_init_script(WATCH_CSP)
        page = context.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{live_server}/office/login")
        page.fill("input[name=username]", "bm09-browser")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server}/unit/units/BM09")
        assert "市教育局" in page.locator("h1").inner_text()
        score = page.locator("[data-figure=score]").inner_text()
        assert score.replace(".", "").isdigit()
        assert page.locator("table.unit-groups tbody tr[data-group]").count() > 1
        # The significance lines in words, and the page no wider than the screen.
        assert page.locator("[data-marks] [data-mark=vs-category] [data-words]").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert serious_violations(page) == []
        page.screenshot(path=str(shots / f"unit-home-{size}.png"), full_page=True)

        page.click("nav.unit-nav >> text=满意度")
        page.wait_for_url("**/unit/units/BM09/satisfaction**")
        assert page.locator("[data-figure=score]").inner_text() == score
        assert page.locator("table.unit-questions tbody tr[data-question]").count() >= 1
        page.select_option("select[name=group]", "enterprise")
        page.click("form.dashboard-filters >> nth=-1 >> button[type=submit]")
        page.wait_for_url("**group=enterprise**")
        assert serious_violations(page) == []
        page.screenshot(path=str(shots / f"unit-satisfaction-{size}.png"), full_page=True)

        page.click("nav.unit-nav >> text=趋势")
        page.wait_for_url("**/unit/units/BM09/trend**")
        page.wait_for_function(TREND_DRAWN)
        assert serious_violations(page) == []
        page.screenshot(path=str(shots / f"unit-trend-{size}.png"), full_page=True)

        # Another unit's page and the office's pages stay closed.
        other = page.goto(f"{live_server}/unit/units/BM01?evaluation={evaluation.id}")
        assert other is not None and other.status == 404
        office = page.goto(f"{live_server}/office/evaluations/{evaluation.id}/satisfaction")
        assert office is not None and office.status == 403
        assert page.evaluate("window.__csp") == []
        assert errors == [] or all("404" in e or "403" in e for e in errors), errors
        context.close()
