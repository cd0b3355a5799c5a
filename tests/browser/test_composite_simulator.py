"""The improvement simulator in Chromium: from the composite results to one unit's levers.

Screenshots go to PINGYI_SCREENSHOT_DIR (or a tmp dir)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlmodel import Session

from survey.models import Role
from tests.browser.axe import serious_violations
from tests.browser.pages import WATCH_CSP, sign_in_office
from tests.factories import PASSWORD, make_user
from tests.survey.test_composite_improvement import world


def test_the_office_simulates_one_unit(
    browser: Any, live_server: str, session: Session, shots: Path
) -> None:
    # The hand-worked category of tests/survey/test_composite_improvement.py (the demo city
    # takes a minute to load; the page is the same).
    evaluation_id = world(session)
    make_user(session, Role.office, username="kaohe")
    errors: list[str] = []
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    context.add_init_script(WATCH_CSP)
    page = sign_in_office(context, live_server, password=PASSWORD, username="kaohe")
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{live_server}/office/evaluations/{evaluation_id}/composite")
    page.get_by_role("link", name="提升模拟").click()
    page.wait_for_url("**/composite/simulator")
    assert "提升模拟" in page.locator("h1").inner_text()
    page.locator("#simulator-form select[name=unit]").select_option("IMA")
    page.locator("#simulator-form button[type=submit]").click()
    page.wait_for_selector("#simulation")
    assert page.locator("#simulation").get_attribute("data-unit") == "IMA"
    rows = page.locator("table.simulator tbody tr[data-lever]")
    assert rows.count() == 2
    # q: 0.4 points per point, 7.488 more to reach 良好 (worked by hand in that test).
    q = page.locator("tr[data-lever='hard:q'] td")
    assert q.nth(3).inner_text() == "+0.400"
    assert q.nth(4).inner_text() == "+7.488 → 良好"
    # x: A is the minimum, so one more unit buys nothing, yet 10.5 more lifts it a grade.
    x = page.locator("tr[data-lever='hard:x'] td")
    assert x.nth(3).inner_text() == "+0.000" and x.nth(4).inner_text().startswith("+10.5")
    assert serious_violations(page) == []
    page.screenshot(path=str(shots / "composite-simulator.png"), full_page=True)
    # English on request.
    simulated = page.url
    page.goto(f"{live_server}/lang/en")
    page.goto(simulated)
    assert "Least change to the next grade" in page.locator("table.simulator").inner_text()
    assert page.evaluate("window.__csp") == []
    assert errors == []
    context.close()
