"""The office's dashboards in Chromium: charts render under the CSP with JavaScript, and the
same numbers stand in tables without it. Screenshots go to PINGYI_SCREENSHOT_DIR (or a tmp dir)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from survey import demo
from survey.models import Evaluation
from tests.browser.pages import SIZES, WATCH_CSP, sign_in_office

# Every chart box holds a canvas that ECharts drew in.
CHARTS_DRAWN = """() => {
  var boxes = document.querySelectorAll("[data-chart]");
  return boxes.length === 4 && Array.prototype.every.call(boxes, function (box) {
    return box.querySelector("canvas") !== null;
  });
}"""


def test_satisfaction_dashboard_charts_with_and_without_javascript(
    browser: Any, live_server: str, session: Session, shots: Path
) -> None:
    demo.load_demo(session, office_password="demo-password-1")
    evaluation = session.exec(select(Evaluation).where(Evaluation.year == 2026)).one()
    url = f"{live_server}/office/evaluations/{evaluation.id}/satisfaction"

    errors: list[str] = []
    for size, (width, height) in SIZES.items():
        errors.clear()
        context = browser.new_context(viewport={"width": width, "height": height})
        context.add_init_script(WATCH_CSP)
        page = sign_in_office(context, live_server)
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(url)
        page.wait_for_function(CHARTS_DRAWN)
        for chart in ("chart-scores", "chart-heat", "chart-levels", "chart-profile"):
            box = page.locator(f"[data-chart={chart}]").bounding_box()
            assert box is not None and box["width"] > 200 and box["height"] >= 200, chart
        # The chart's own words are Chinese, from the page's data.
        assert (
            page.evaluate(
                "echarts.getInstanceByDom(document.querySelector('[data-chart=chart-scores]'))"
                ".getOption().xAxis[0].name"
            )
            == "得分"
        )
        # With the charts drawn, the long tables fold behind their summaries.
        assert not page.locator("table.levels").is_visible()
        page.screenshot(path=str(shots / f"satisfaction-{size}.png"), full_page=True)

        # A filter is a plain GET form: the URL keeps it, and the back button returns.
        page.select_option("select[name=category]", "dept-social")
        page.select_option("select[name=group]", "enterprise")
        page.click("form.dashboard-filters button[type=submit]")
        page.wait_for_url("**category=dept-social**")
        assert "group=enterprise" in page.url
        page.wait_for_function(CHARTS_DRAWN)
        assert page.locator("table.heat thead th").all_inner_texts() == ["单位", "企业代表"]
        page.go_back()
        page.wait_for_url(url)
        # The filters show the view in the URL, not what the form held before (autocomplete off).
        assert page.locator("select[name=category]").input_value() == "dept-economic"
        assert page.locator("select[name=group]").input_value() == ""
        assert "经济发展类部门" in page.locator("h2").first.inner_text()

        # A resize re-lays the charts out to the new width.
        page.set_viewport_size({"width": width // 2 + 200, "height": height})
        page.wait_for_timeout(400)
        canvas_width = page.evaluate(
            "document.querySelector('[data-chart=chart-scores] canvas').clientWidth"
        )
        box = page.locator("[data-chart=chart-scores]").bounding_box()
        assert box is not None and abs(canvas_width - box["width"]) <= 2
        assert page.evaluate("window.__csp") == []
        assert errors == []
        context.close()

    # Without JavaScript: no chart boxes, every table there.
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1366, "height": 768}
    )
    page = sign_in_office(context, live_server)
    page.goto(url)
    assert page.locator("[data-chart]:visible").count() == 0
    assert page.locator("table.scores tbody tr[data-unit]").count() == 8
    for table in ("heat", "levels", "profile"):
        assert page.locator(f"table.{table}").is_visible()
    page.screenshot(path=str(shots / "satisfaction-nojs.png"), full_page=True)
    context.close()


def test_office_overview_charts(
    browser: Any, live_server: str, session: Session, shots: Path
) -> None:
    demo.load_demo(session, office_password="demo-password-1")
    errors: list[str] = []
    for size, (width, height) in SIZES.items():
        errors.clear()
        context = browser.new_context(viewport={"width": width, "height": height})
        context.add_init_script(WATCH_CSP)
        page = sign_in_office(context, live_server)
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.reload()
        page.wait_for_function(
            "() => ['chart-days', 'chart-groups'].every(function (id) {"
            " return document.querySelector('[data-chart=' + id + '] canvas') !== null; })"
        )
        assert page.locator("[data-waiting]").count() >= 1
        page.screenshot(path=str(shots / f"overview-{size}.png"), full_page=True)
        assert page.evaluate("window.__csp") == []
        assert errors == []
        context.close()


def test_composite_rank_band_charts(
    browser: Any, live_server: str, session: Session, shots: Path
) -> None:
    demo.load_demo(session, office_password="demo-password-1")
    evaluation = session.exec(select(Evaluation).where(Evaluation.year == 2026)).one()
    url = (
        f"{live_server}/office/evaluations/{evaluation.id}/composite"
        "?category=dept-economic&sensitivity=true&draws=200"
    )
    errors: list[str] = []
    for size, (width, height) in SIZES.items():
        errors.clear()
        context = browser.new_context(viewport={"width": width, "height": height})
        context.add_init_script(WATCH_CSP)
        page = sign_in_office(context, live_server)
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(url)
        page.wait_for_function(
            "() => document.querySelectorAll('[data-chart]').length === 2 &&"
            " document.querySelectorAll('[data-chart] canvas').length === 2"
        )
        page.screenshot(path=str(shots / f"composite-{size}.png"), full_page=True)
        assert page.evaluate("window.__csp") == []
        assert errors == []
        context.close()
