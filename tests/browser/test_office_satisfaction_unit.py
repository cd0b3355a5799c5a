"""From the satisfaction dashboard to one unit's page in Chromium, with and without JavaScript.

Screenshots go to PINGYI_SCREENSHOT_DIR (or a tmp dir)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from survey import demo
from survey.models import Evaluation
from tests.browser.pages import SIZES, WATCH_CSP, sign_in_office

TREND_DRAWN = """() => ['chart-years', 'chart-periods'].every(function (id) {
  return document.querySelector('[data-chart=' + id + '] canvas') !== null;
})"""


def test_from_the_dashboard_table_to_a_unit_page(
    browser: Any, live_server: str, session: Session, shots: Path
) -> None:
    demo.load_demo(session, office_password="demo-password-1")
    evaluation = session.exec(select(Evaluation).where(Evaluation.year == 2026)).one()
    dashboard = f"{live_server}/office/evaluations/{evaluation.id}/satisfaction"

    errors: list[str] = []
    for javascript in (True, False):
        errors.clear()
        context = browser.new_context(
            java_script_enabled=javascript, viewport={"width": 1366, "height": 768}
        )
        context.add_init_script(WATCH_CSP)
        page = sign_in_office(context, live_server)
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(dashboard)
        # The first unit of the scores table, then its enterprise cell in the heat map table.
        first = page.locator("table.scores tbody tr[data-unit]").first
        code = first.get_attribute("data-unit")
        name = first.locator("a").inner_text()
        score = first.locator("td").nth(2).inner_text()
        first.locator("a").click()
        page.wait_for_url(f"**/satisfaction/units/{code}")
        assert name.split(" ", 1)[1] in page.locator("h1").inner_text()
        assert page.locator("[data-figure=score]").inner_text() == score
        assert page.locator("select[name=group]").input_value() == ""
        if javascript:
            page.wait_for_function(TREND_DRAWN)
        else:
            assert page.locator("[data-chart]:visible").count() == 0
            assert page.locator("table.unit-years").is_visible()
        page.go_back()
        page.wait_for_url(dashboard)
        column = page.locator("table.heat thead th").all_inner_texts().index("企业代表")
        cell = page.locator("table.heat tbody tr").first.locator("td").nth(column - 1)
        cell.locator("a").click()
        page.wait_for_url("**group=enterprise")
        assert page.locator("select[name=group]").input_value() == "enterprise"
        assert page.locator("tr.chosen[data-group=enterprise]").count() == 1
        if javascript:
            page.wait_for_function(TREND_DRAWN)
            assert page.evaluate("window.__csp") == []
        assert errors == []
        context.close()


def test_a_heat_map_cell_opens_the_unit_page_and_the_page_at_two_sizes(
    browser: Any, live_server: str, session: Session, shots: Path
) -> None:
    demo.load_demo(session, office_password="demo-password-1")
    evaluation = session.exec(select(Evaluation).where(Evaluation.year == 2026)).one()
    dashboard = f"{live_server}/office/evaluations/{evaluation.id}/satisfaction"
    errors: list[str] = []
    for size, (width, height) in SIZES.items():
        errors.clear()
        context = browser.new_context(viewport={"width": width, "height": height})
        context.add_init_script(WATCH_CSP)
        page = sign_in_office(context, live_server)
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(dashboard)
        page.wait_for_function("() => document.querySelector('[data-chart=chart-heat] canvas')")
        # The second group's cell of the first unit, clicked where the chart drew it.
        box = page.locator("[data-chart=chart-heat]")
        box.scroll_into_view_if_needed()
        x, y = page.evaluate(
            "echarts.getInstanceByDom(document.querySelector('[data-chart=chart-heat]'))"
            ".convertToPixel({seriesIndex: 0}, [1, 0])"
        )
        where = box.bounding_box()
        assert where is not None
        page.mouse.click(where["x"] + x, where["y"] + y)
        page.wait_for_url("**/satisfaction/units/**group=enterprise")
        assert page.locator("select[name=group]").input_value() == "enterprise"
        page.wait_for_function(TREND_DRAWN)
        page.screenshot(path=str(shots / f"satisfaction-unit-{size}.png"), full_page=True)
        assert page.evaluate("window.__csp") == []
        assert errors == []
        context.close()
