"""The office edits the group weight matrix in Chromium, with JavaScript on and off: a row
summing to 90% is refused with a message naming it, then fixed and saved as a new version."""

from __future__ import annotations

import os
from typing import Any

import pytest
from sqlmodel import Session, col, select

from survey import demo
from survey.models import AuditLog, Evaluation
from survey.satisfaction import policy

VIEWPORTS = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}


def _screenshot(page: Any, name: str) -> None:
    folder = os.environ.get("PINGYI_SCREENSHOTS")
    if not folder:
        return
    for label, size in VIEWPORTS.items():
        page.set_viewport_size(size)
        page.screenshot(path=f"{folder}/{name}-{label}.png", full_page=True)
    page.set_viewport_size(VIEWPORTS["desktop"])


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_office_refuses_a_row_of_90_percent_then_saves_a_new_version(
    browser: Any, live_server: str, session: Session, javascript: bool
) -> None:
    demo.load_demo(session, office_password="demo-password-1")
    evaluation = session.exec(select(Evaluation).where(Evaluation.year == 2026)).one()
    assert evaluation.id is not None
    versions_before = len(policy.history(session, evaluation.id))
    context = browser.new_context(java_script_enabled=javascript, viewport=VIEWPORTS["desktop"])
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    page.goto(f"{live_server}/office/login")
    page.fill("input[name=username]", "office")
    page.fill("input[name=password]", "demo-password-1")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/office")

    # The way there: 设置 in the office menu, the evaluations, then this one's weights.
    page.click("nav.office-nav >> text=设置")
    page.wait_for_url(f"{live_server}/office/setup")
    page.click("text=考核和考核时段")
    row = page.locator("tr", has_text=evaluation.name)
    row.locator("text=评议主体权重").click()
    page.wait_for_url(f"**/office/setup/evaluations/{evaluation.id}/weights")
    _screenshot(page, "setup-weights")

    first = page.locator("table.weights tbody tr").first
    category = first.locator("th").inner_text()
    cells = first.locator("input")
    values = [float(cells.nth(i).input_value() or 0) for i in range(cells.count())]
    assert sum(values) == pytest.approx(100)
    lowered = next(i for i, v in enumerate(values) if v >= 10)
    cells.nth(lowered).fill(f"{values[lowered] - 10:g}")
    if javascript:  # htmx names the row while the office types
        live = page.locator("#weights-check")
        live.get_by_text(f"{category}：目前合计90%，不是100%。").wait_for()
    page.fill("input[name=note]", "试算")
    page.click("button:has-text('保存为新版本')")
    page.wait_for_load_state()
    message = page.locator("[role=alert]").inner_text()
    assert message == f"“{category}”一行的权重合计为90%，不是100%。未保存任何内容。"
    assert len(policy.history(session, evaluation.id)) == versions_before
    _screenshot(page, "setup-weights-refused")
    errors.clear()  # the browser logs the expected 422

    assert page.input_value("input[name=note]") == "试算"
    # What was typed stays in the form; put the ten points back, on another group.
    first = page.locator("table.weights tbody tr").first
    cells = first.locator("input")
    target = (lowered + 1) % cells.count()
    current = float(cells.nth(target).input_value() or 0)
    cells.nth(target).fill(f"{current + 10:g}")
    page.fill("input[name=note]", "按群众意见调整权重")
    page.click("button:has-text('保存为新版本')")
    page.wait_for_url("**/weights?saved=1")
    version = versions_before + 1
    assert page.locator("[role=status]").inner_text() == f"已保存为第{version}版。"
    history_row = page.locator("tr", has_text="按群众意见调整权重")
    assert history_row.locator("td").first.inner_text() == str(version)
    _screenshot(page, "setup-weights-saved")

    session.expire_all()
    entry = session.exec(
        select(AuditLog)
        .where(AuditLog.action == "satisfaction_policy.set")
        .order_by(col(AuditLog.id).desc())
    ).first()
    assert entry is not None and entry.actor == "office"
    assert entry.detail["version"] == version and entry.detail["note"] == "按群众意见调整权重"
    assert errors == []
    if javascript:  # the other set-up pages, for the screenshots
        for name in ("evaluations", "units", "groups"):
            page.goto(f"{live_server}/office/setup/{name}")
            assert page.locator("h1").count() == 1
            _screenshot(page, f"setup-{name}")
    context.close()
