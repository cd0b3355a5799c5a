"""The office reviews flagged answers and reads the audit log in Chromium, with JavaScript on
and off: bulk include and exclude with a reason, the counts before and after, the decision in
the filtered log, and the log's XLSX download."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlmodel import Session

from survey import demo


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_office_decides_flagged_answers_and_finds_them_in_the_log(
    browser: Any, live_server: str, session: Session, tmp_path: Path, javascript: bool
) -> None:
    demo.load_demo(session, office_password="demo-password-1")
    context = browser.new_context(
        java_script_enabled=javascript,
        accept_downloads=True,
        viewport={"width": 1366, "height": 768},
    )
    page = context.new_page()
    page.goto(f"{live_server}/office/login")
    page.fill("input[name=username]", "office")
    page.fill("input[name=password]", "demo-password-1")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/office")

    page.click("nav.office-nav >> text=存疑答卷")
    page.click("text=云江市2026年度综合考核")
    page.select_option("select[name=reason]", "too_fast")
    page.click("form[method=get] button[type=submit]")
    assert "reason=too_fast" in page.url
    rows = page.locator("#flagged-responses tbody tr[data-response]")
    assert rows.count() > 2
    assert rows.first.locator("li").first.inner_text() == "答题用时短于问卷规定的最短时间"
    counts = page.locator("#flagged-counts").inner_text()
    before = int(counts.split("计入统计的答卷：")[1].split(" 份")[0])

    chosen = [rows.nth(i).get_attribute("data-response") for i in range(2)]
    for i in range(2):
        rows.nth(i).locator("input[type=checkbox]").check()
    # The reason is required: the browser keeps the form until it is given.
    page.click("button[value=include]")
    assert page.locator("#flagged-effect").count() == 0
    page.fill("input[name=reason]", "电话回访确认为本人填写")
    page.click("button[value=include]")
    page.wait_for_selector("#flagged-effect")
    effect = page.locator("#flagged-effect").inner_text()
    assert f"之前 {before} 份，现在 {before + 2} 份" in effect
    assert "reason=too_fast" in page.url  # the filters are kept

    for response_id in chosen:
        page.locator(f"tr[data-response='{response_id}'] input[type=checkbox]").check()
    page.fill("input[name=reason]", "同一人重复填写")
    page.click("button[value=exclude]")
    page.wait_for_selector(f"#flagged-effect:has-text('现在 {before} 份')")
    page.screenshot(path=str(_shots() / f"flagged-{'js' if javascript else 'nojs'}.png"))

    page.click("nav.office-nav >> text=操作日志")
    page.select_option("select[name=action]", label="批量审核存疑答卷")
    page.click("#audit-filter button[type=submit]")
    entries = page.locator("#audit-entries tbody tr")
    assert entries.count() == 2
    assert "同一人重复填写" in entries.first.inner_text()
    assert "电话回访确认为本人填写" in entries.nth(1).inner_text()
    page.screenshot(path=str(_shots() / f"audit-{'js' if javascript else 'nojs'}.png"))

    with page.expect_download() as download_info:
        page.click("#audit-export")
    book_path = tmp_path / "audit.xlsx"
    download_info.value.save_as(book_path)
    sheet = load_workbook(book_path).active
    assert sheet is not None
    rows_in_book = list(sheet.iter_rows(values_only=True))
    assert rows_in_book[0][:3] == ("时间（协调世界时）", "操作人", "操作")
    assert [row[2] for row in rows_in_book[1:]] == ["批量审核存疑答卷"] * 2
    context.close()


def _shots() -> Path:
    """Where screenshots go: outside the repository unless PINGYI_SCREENSHOTS says where."""
    folder = Path(os.environ.get("PINGYI_SCREENSHOTS", "/tmp/pingyi-screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder
