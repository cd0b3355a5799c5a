"""The key-driver quadrant of a unit in Chromium: from the unit page, at desk and phone widths.

Screenshots go to PINGYI_SCREENSHOT_DIR (or a tmp dir)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from survey import demo
from survey.models import Evaluation
from tests.browser.axe import serious_violations
from tests.browser.pages import SIZES, WATCH_CSP, sign_in_office

DRAWN = """() => ['chart-unit', 'chart-category'].every(function (id) {
  return document.querySelector('[data-chart=' + id + '] canvas') !== null;
})"""


def test_the_unit_page_leads_to_its_key_drivers_at_two_sizes(
    browser: Any, live_server: str, session: Session, shots: Path
) -> None:
    demo.load_demo(session, office_password="demo-password-1")
    evaluation = session.exec(select(Evaluation).where(Evaluation.year == 2026)).one()
    unit_page = f"{live_server}/office/evaluations/{evaluation.id}/satisfaction/units/BM25"
    errors: list[str] = []
    for size, (width, height) in SIZES.items():
        errors.clear()
        context = browser.new_context(viewport={"width": width, "height": height})
        context.add_init_script(WATCH_CSP)
        page = sign_in_office(context, live_server)
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(unit_page)
        page.locator("a[data-link=drivers]").click()
        page.wait_for_url("**/satisfaction/units/BM25/drivers")
        assert "关键驱动因素" in page.locator("h1").inner_text()
        page.wait_for_function(DRAWN)
        # The chart's points are the table's numbers.
        points = page.evaluate(
            "echarts.getInstanceByDom(document.querySelector('[data-chart=chart-unit]'))"
            ".getOption().series[0].data.map(function (d) { return d.value; })"
        )
        rows = page.locator("table.drivers[data-scope=unit] tbody tr")
        assert rows.count() == len(points) == 4
        # A unit's chart plots its performance against the category's (the difference). The
        # table folds away behind the drawn chart, so its text is read rather than what shows;
        # it rounds to 3 and 1 decimals, the chart to 4 and 2.
        for i, (importance, gap) in enumerate(points):
            cells = rows.nth(i)
            shown = {
                name: float(cells.locator(f"td[data-{name}]").text_content() or "")
                for name in ("importance", "performance", "reference")
            }
            assert abs(shown["importance"] - importance) <= 6e-4
            assert abs(shown["performance"] - shown["reference"] - gap) <= 0.11
        # The focus areas are the important aspects where the unit trails its category.
        focus = rows.locator("xpath=self::*[@data-quadrant='concentrate_here']")
        assert page.locator("ul[data-focus] li").count() == focus.count() > 0
        # In Chinese punctuation: 办事效率：77.9（类别 78.5）.
        first = page.locator("ul[data-focus] li").first.inner_text()
        assert re.fullmatch(r"\S+：[\d.]+（类别 [\d.]+）", first), first
        assert serious_violations(page) == []
        # Nothing widens the page: the table scrolls inside its box.
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(shots / f"drivers-unit-{size}.png"), full_page=True)
        assert page.evaluate("window.__csp") == []
        assert errors == []
        context.close()
