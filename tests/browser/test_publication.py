"""Publication in Chromium: the public results page on a phone with JavaScript off (versions,
reasons, digests, open data), axe on it, and the office's publish and correct flow."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from survey import demo
from survey.demo.publication import CORRECTION_REASON
from survey.models import Evaluation
from survey.publication import service
from tests.browser.axe import serious_violations

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}


def _shoot(page: Any, shots: Path, name: str) -> None:
    for label, size in (("1366", DESKTOP), ("390", PHONE)):
        page.set_viewport_size(size)
        page.screenshot(path=str(shots / f"{name}-{label}.png"), full_page=True)


def test_public_results_on_a_phone_without_javascript_and_the_office_flow(
    browser: Any, live_server: str, session: Session, shots: Path
) -> None:
    demo.load_demo(session, office_password="demo-password-1")
    last = session.exec(select(Evaluation).where(Evaluation.year == 2025)).one()
    current = session.exec(select(Evaluation).where(Evaluation.year == 2026)).one()
    versions = service.versions_of(session, last.id or 0)
    assert [v.version for v in versions] == [1, 2]
    # End this session's transaction: closing ballot batches waits for older transactions
    # (PostgreSQL) before it cleans up. Read everything first: the rollback expires the
    # loaded rows, and reading one afterwards would open a new transaction that stays open.
    last_id, last_name, current_id = last.id, last.name, current.id
    digests = [v.results_digest for v in versions]
    session.rollback()

    # The public, on a phone, scripts off: from the front page to last year's results.
    context = browser.new_context(java_script_enabled=False, viewport=PHONE, accept_downloads=True)
    page = context.new_page()
    page.goto(f"{live_server}/")
    page.click("text=考核结果公布")
    page.wait_for_url(f"{live_server}/results")
    page.click(f"text={last_name}")
    page.wait_for_url(f"{live_server}/results/{last_id}")
    body = page.inner_text("main")
    assert "第 2 版，公布于" in body and CORRECTION_REASON in body
    assert digests[1] in body and digests[0] in body
    for words in ("总体满意度", "综合得分、名次和等次", "计算方法", "开放数据", "版本记录"):
        assert words in body
    _shoot(page, shots, "public-result")
    page.set_viewport_size(PHONE)
    with page.expect_download() as download:
        page.click("text=下载 CSV")
    saved = download.value.path()
    assert saved is not None and "满意" in Path(saved).read_text(encoding="utf-8-sig")
    page.click("a:has-text('第1版')")
    assert "这是较早的版本，已由第 2 版更正。" in page.inner_text("main")
    _shoot(page, shots, "public-result-v1")
    context.close()

    # axe needs scripts: the same page in a scripted context, at both widths.
    scripted = browser.new_context(viewport=PHONE)
    page = scripted.new_page()
    page.goto(f"{live_server}/results/{last_id}")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert serious_violations(page) == []
    page.set_viewport_size(DESKTOP)
    assert serious_violations(page) == []
    page.goto(f"{live_server}/results")
    assert serious_violations(page) == []
    scripted.close()

    # The office closes this year's evaluation, publishes it, then corrects it with a reason.
    office = browser.new_context(viewport=DESKTOP)
    page = office.new_page()
    page.goto(f"{live_server}/office/login")
    page.fill("input[name=username]", "office")
    page.fill("input[name=password]", "demo-password-1")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/office")
    page.goto(f"{live_server}/office/setup/evaluations/{current_id}")
    page.click("button:has-text('结束考核')", timeout=90_000)
    page.wait_for_url(f"**/office/setup/evaluations/{current_id}")
    page.click("text=结果公布")
    page.wait_for_url(f"**/office/evaluations/{current_id}/publication")
    page.click("button:has-text('发布结果')")
    page.wait_for_url(f"**/office/evaluations/{current_id}/publication")
    assert page.locator("tbody tr").count() == 1
    page.click("button:has-text('重新打开以更正')")
    page.wait_for_url(f"**/office/evaluations/{current_id}/publication")
    page.click("button:has-text('公布更正')")  # no reason: the browser asks for one
    assert page.locator("textarea[name=reason]:invalid").count() == 1
    page.fill("textarea[name=reason]", "更正一季度问卷的计分口径")
    page.click("button:has-text('公布更正')")
    page.wait_for_url(f"**/office/evaluations/{current_id}/publication")
    rows = page.locator("tbody tr")
    assert rows.count() == 2 and "更正一季度问卷的计分口径" in rows.first.inner_text()
    _shoot(page, shots, "office-publication")
    assert serious_violations(page) == []
    office.close()
    assert service.verify(session, current_id or 0).ok
