"""The office downloads a scheme workbook in Chromium, edits it, uploads it, reads the changes
and confirms the next version."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from sqlmodel import Session

from survey.composite import scheme as schemes
from survey.models import Role
from tests.factories import PASSWORD, make_user
from tests.survey.test_composite_scheme_workbook import edit_department_workbook
from tests.web.test_scheme_workbook_office import _department_scheme


def test_office_edits_a_scheme_through_its_workbook(
    browser: Any, live_server: str, session: Session, tmp_path: Path
) -> None:
    evaluation_id, category = _department_scheme(session)
    make_user(session, Role.office, username="planner")
    context = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    page.goto(f"{live_server}/office/login")
    page.fill("input[name=username]", "planner")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/office")

    page.goto(f"{live_server}/office/evaluations/{evaluation_id}/composite/schemes")
    if os.environ.get("PINGYI_SCREENSHOTS"):
        page.locator("#scheme-workbook").scroll_into_view_if_needed()
        page.screenshot(path=os.environ["PINGYI_SCREENSHOTS"] + "/scheme-workbook-form.png")
    with page.expect_download() as waiting:
        page.click("#scheme-workbook a:has-text('下载方案工作簿')")
    download = waiting.value
    assert download.suggested_filename == f"scheme-{evaluation_id}-{category}-v1.xlsx"
    original = Path(download.path()).read_bytes()
    edited = tmp_path / "方案.xlsx"
    edited.write_bytes(edit_department_workbook(original))
    broken = load_workbook(io.BytesIO(original))
    broken["指标"]["E3"].value = "十五分"
    broken.save(tmp_path / "有错.xlsx")

    # A slip first: refused with its cell named, and nothing stored.
    form = page.locator("#scheme-workbook form")
    form.locator("input[type=file]").set_input_files(str(tmp_path / "有错.xlsx"))
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/composite/schemes/workbook")
    assert page.locator("ul.workbook-problems li").all_inner_texts() == [
        "工作表“指标”第3行E列（分值）：十五分不是数字。"
    ]
    if os.environ.get("PINGYI_SCREENSHOTS"):
        page.screenshot(path=os.environ["PINGYI_SCREENSHOTS"] + "/scheme-workbook-problems.png")
    errors.clear()  # the browser logs the expected 422

    # Corrected, it goes up again from the same page.
    form = page.locator("form[enctype='multipart/form-data']")
    form.locator("input[type=file]").set_input_files(str(edited))
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/composite/schemes/workbook")
    assert page.locator("h1").inner_text().startswith("上传方案工作簿")
    changes = page.locator("ol.scheme-changes li").all_inner_texts()
    assert "指标重点目标（key_tasks）的分值：35 → 30。" in changes
    assert "新增指标：=新增指标（new_one），位于业务目标（business）。" in changes
    assert len(changes) == 3
    if os.environ.get("PINGYI_SCREENSHOTS"):
        page.screenshot(path=os.environ["PINGYI_SCREENSHOTS"] + "/scheme-workbook-preview.png")

    page.fill("input[name=note]", "重点目标改为30分，新增一项指标")
    page.click("button:has-text('确认并保存')")
    page.wait_for_url("**/composite/schemes?notice=*")
    assert f"已保存{category} v2。" in page.locator("[role=status]").inner_text()
    assert errors == []
    session.expire_all()
    row = schemes.get_scheme(session, evaluation_id, category)
    assert row.version == 2 and row.note == "重点目标改为30分，新增一项指标"
    context.close()
