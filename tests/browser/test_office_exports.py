"""The office downloads results from its pages in Chromium: the workbook opens with openpyxl,
headed in Chinese, and the page's filters choose what the file holds."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from sqlmodel import Session

from survey import demo


def test_the_office_downloads_what_its_pages_show(
    browser: Any, live_server: str, session: Session, tmp_path: Path
) -> None:
    demo.load_demo(session, office_password="demo-password-1")
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    page.goto(f"{live_server}/office/login")
    page.fill("input[name=username]", "office")
    page.fill("input[name=password]", "demo-password-1")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/office")

    page.click("a[href$='/satisfaction']")
    page.wait_for_load_state()
    with page.expect_download() as info:
        page.click("text=Excel 工作簿（XLSX）")
    download = info.value
    assert download.suggested_filename == "云江市2026年度综合考核-满意度结果.xlsx"
    saved = tmp_path / "satisfaction.xlsx"
    download.save_as(saved)
    book = load_workbook(saved)
    first = book.worksheets[0]
    assert [c.value for c in first[1]][:4] == ["单位代码", "单位", "有效回答", "满意度得分"]
    assert first.freeze_panes == "A2" and book.sheetnames[-1] == "方法"

    # The composite page narrowed to one category: the CSV holds that category alone.
    page.goto(page.url.replace("/satisfaction", "/composite"))
    category = page.locator("select[name=category] option").nth(1)
    name = category.inner_text()
    page.select_option("select[name=category]", category.get_attribute("value"))
    page.click("form[method=get] button[type=submit]")
    page.wait_for_load_state()
    with page.expect_download() as info:
        page.click("text=CSV 表格")
    saved = tmp_path / "composite.csv"
    info.value.save_as(saved)
    content = saved.read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows and {r["类别"] for r in rows} == {name}
    context.close()
