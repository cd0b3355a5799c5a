"""Significance marks on the office's satisfaction pages, read in Chromium: each mark carries
words for screen readers and its adjusted p in the title, and agrees with the JSON results.

Screenshots go to PINGYI_SCREENSHOT_DIR (or a tmp dir)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from survey import demo
from survey.accounts import Principal
from survey.models import Evaluation, Role
from survey.satisfaction.service import satisfaction_results
from tests.browser.pages import WATCH_CSP, sign_in_office

OFFICE = Principal(name="office", role=Role.office)
WIDTHS = "({page: document.documentElement.scrollWidth, window: window.innerWidth})"


def test_marks_on_the_category_table_and_the_unit_page(
    browser: Any, live_server: str, session: Session, shots: Path
) -> None:
    demo.load_demo(session, office_password="demo-password-1")
    evaluation = session.exec(select(Evaluation).where(Evaluation.year == 2026)).one()
    dashboard = f"{live_server}/office/evaluations/{evaluation.id}/satisfaction"
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    context.add_init_script(WATCH_CSP)
    page = sign_in_office(context, live_server)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(dashboard)

    # The results the API gives (the same service): the same comparisons, unit by unit.
    assert evaluation.id is not None
    results = satisfaction_results(session, evaluation.id, viewer=OFFICE, previous=True)
    by_unit = {u.unit: u.model_dump() for u in results.units}
    rows = page.locator("table.scores tbody tr[data-unit]")
    assert rows.count() > 1
    marked = 0
    for k in range(rows.count()):
        row = rows.nth(k)
        unit = by_unit[row.get_attribute("data-unit")]
        for cell, key in (("data-vs-category", "vs_category"), ("data-vs-previous", "vs_previous")):
            mark = row.locator(f"td[{cell}] .sig")
            comparison = unit[key]
            if comparison is None:
                assert mark.count() == 0
                continue
            state = mark.get_attribute("data-significant")
            title = mark.get_attribute("title") or ""
            assert "校正后 p" in title  # the adjusted p in the tooltip, in Chinese
            shown_p = float(mark.get_attribute("data-p-adjusted") or "nan")
            assert abs(shown_p - comparison["p_adjusted"]) < 1e-6
            if comparison["significant"]:
                marked += 1
                arrow = "▲" if comparison["difference"] > 0 else "▼"
                assert state == ("up" if arrow == "▲" else "down")
                assert arrow in mark.inner_text()
                # Not colour alone: words for screen readers beside the arrow.
                assert "显著" in mark.locator(".visually-hidden").inner_text()
            else:
                assert state == "no" and "▲" not in mark.inner_text()
    assert marked > 0, "the demo has units that differ significantly"
    assert "Holm" in page.locator("[data-sig-legend]").inner_text()
    page.screenshot(path=str(shots / "satisfaction-significance.png"), full_page=False)

    # A unit whose groups disagree: the flag and the pair table on its page.
    disagreeing = next(code for code, u in by_unit.items() if u["groups_disagree"])
    page.goto(f"{dashboard}/units/{disagreeing}")
    assert page.locator("[data-groups-disagree] .flag").inner_text() == "主体意见分歧"
    pairs = page.locator("table.group-pairs tbody tr")
    assert pairs.count() == len(by_unit[disagreeing]["group_disagreements"])
    significant = (
        "table.group-pairs [data-significant=up], table.group-pairs [data-significant=down]"
    )
    assert page.locator(significant).count() >= 1
    assert page.locator("[data-figure=vs-category] .sig").count() == 1
    page.screenshot(path=str(shots / "satisfaction-unit-significance.png"), full_page=True)

    # English on request: the language link in the header.
    page.locator("nav.langs a[hreflang=en]").click()
    page.wait_for_url(f"**/units/{disagreeing}")
    assert page.locator("[data-groups-disagree] .flag").inner_text() == "Groups disagree"
    assert "adjusted p" in (
        page.locator("table.group-pairs .sig").first.get_attribute("title") or ""
    )
    page.screenshot(path=str(shots / "satisfaction-unit-significance-en.png"), full_page=True)

    # On a phone the wide tables scroll inside their boxes: the words for screen readers beside
    # each mark (absolutely positioned) must not escape them and widen the page.
    page.set_viewport_size({"width": 390, "height": 844})
    for url in (dashboard, f"{dashboard}/units/{disagreeing}"):
        page.goto(url)
        widths = page.evaluate(WIDTHS)
        assert widths["page"] <= widths["window"], (url, widths)
    page.screenshot(path=str(shots / "satisfaction-unit-significance-390.png"), full_page=True)
    assert errors == []
    context.close()
