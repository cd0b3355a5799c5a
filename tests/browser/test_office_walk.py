"""The office's day, walked in Chromium with JavaScript on and off, one page leading to the next.

Sign in, read the overview, open satisfaction and narrow it to one group and one category,
download the workbook, refuse and then save a weight row, refuse and then import a response
file, and find both changes in the audit log. Each step checks what the office sees against the
database, not against the page's own numbers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlmodel import Session, col, func, select

from survey import demo
from survey.models import (
    AuditLog,
    Evaluation,
    RespondentGroup,
    Response,
    Unit,
    UnitCategory,
)
from survey.satisfaction import policy
from tests.browser.pages import sign_in_office
from tests.factories import TEST_SECRET

PASSWORD = "demo-password-1"


def _count(session: Session, *where: Any) -> int:
    session.expire_all()
    return int(session.exec(select(func.count()).select_from(Response).where(*where)).one())


def _response_file(folder: Path, units: list[str], group: str, *, bad: bool) -> Path:
    rows = ["respondent_id,group,unit,question,answer"]
    for person in ("walk-1", "walk-2"):
        rows.extend(f"{person},{group},{unit},overall,满意" for unit in units)
    if bad:
        rows[2] = f"walk-1,{group},{units[1]},overall,还行"  # neither a level nor a number
    path = folder / ("bad.csv" if bad else "good.csv")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_office_walks_from_the_overview_to_the_audit_log(
    browser: Any, live_server: str, session: Session, tmp_path: Path, shots: Path, javascript: bool
) -> None:
    demo.load_demo(session, office_password=PASSWORD, secret=TEST_SECRET)
    evaluation = session.exec(select(Evaluation).where(Evaluation.year == 2026)).one()
    assert evaluation.id is not None
    unit_codes = list(session.exec(select(Unit.code).order_by(Unit.code).limit(2)).all())
    context = browser.new_context(
        viewport={"width": 1366, "height": 768},
        java_script_enabled=javascript,
        accept_downloads=True,
    )

    # Sign in: the overview, with the evaluation's responses counted as the database holds them.
    page = sign_in_office(context, live_server, PASSWORD)
    shown = page.locator("[data-number=responses]").inner_text()
    assert int(shown) == _count(session, Response.evaluation_id == evaluation.id)

    # Satisfaction, narrowed to one respondent group and one category through the filter form.
    page.locator("tr", has_text=evaluation.name).get_by_role("link", name="满意度").click()
    page.wait_for_url(f"**/office/evaluations/{evaluation.id}/satisfaction")
    filters = page.locator("form.dashboard-filters")
    # The second category and the first group the page offers (the first category is the default).
    category_code = filters.locator("select[name=category] option").nth(1).get_attribute("value")
    group_code = filters.locator("select[name=group] option").nth(1).get_attribute("value")
    assert category_code and group_code
    category = session.exec(select(UnitCategory).where(UnitCategory.code == category_code)).one()
    group = session.exec(select(RespondentGroup).where(RespondentGroup.code == group_code)).one()
    filters.locator("select[name=category]").select_option(category_code)
    filters.locator("select[name=group]").select_option(group_code)
    filters.get_by_role("button", name="显示").click()
    page.wait_for_url(f"**/satisfaction?*group={group_code}*")
    assert f"category={category_code}" in page.url
    assert category.name in page.locator("main").inner_text()
    if javascript:
        page.screenshot(path=str(shots / "walk_satisfaction_1366.png"), full_page=False)

    # The workbook behind the page opens with openpyxl, headed in Chinese.
    with page.expect_download() as info:
        page.get_by_role("link", name="Excel 工作簿（XLSX）").click()
    saved = tmp_path / "satisfaction.xlsx"
    info.value.save_as(saved)
    book = load_workbook(saved)
    headings = [c.value for c in book.worksheets[0][1]]
    assert "单位" in headings and "满意度得分" in headings
    assert book.worksheets[0].freeze_panes == "A2"

    # The weight grid: a row of 90% is refused with a message, nothing saved; fixed, saved.
    versions = len(policy.history(session, evaluation.id))
    page.click("nav.office-nav >> text=设置")
    page.click("text=考核和考核时段")
    page.locator("tr", has_text=evaluation.name).locator("text=评议主体权重").click()
    page.wait_for_url(f"**/office/setup/evaluations/{evaluation.id}/weights")
    cells = page.locator("table.weights tbody tr").first.locator("input")
    values = [float(cells.nth(i).input_value() or 0) for i in range(cells.count())]
    lowered = next(i for i, v in enumerate(values) if v >= 10)
    cells.nth(lowered).fill(f"{values[lowered] - 10:g}")
    page.fill("input[name=note]", "巡检")
    page.click("button:has-text('保存为新版本')")
    page.wait_for_load_state()
    assert "不是100%。未保存任何内容。" in page.locator("[role=alert]").inner_text()
    assert len(policy.history(session, evaluation.id)) == versions
    cells = page.locator("table.weights tbody tr").first.locator("input")
    cells.nth(lowered).fill(f"{values[lowered]:g}")
    page.fill("input[name=note]", "巡检后恢复")
    page.click("button:has-text('保存为新版本')")
    page.wait_for_url("**/weights?saved=1")
    assert len(policy.history(session, evaluation.id)) == versions + 1

    # A response file with one bad row: refused with its row and column, nothing stored.
    before = _count(session)
    page.click("nav.office-nav >> text=导入数据")
    form = page.locator("#import-responses form")
    form.get_by_label("考核").select_option(str(evaluation.id))
    bad = _response_file(tmp_path, unit_codes, group.code, bad=True)
    form.get_by_label("文件（CSV 或 XLSX）").set_input_files(str(bad))
    form.get_by_role("button", name="检查文件").click()
    problems = page.locator("#import-problems table.problems tbody tr")
    assert problems.count() == 1
    assert problems.first.locator("td").all_inner_texts()[:2] == [
        "第 3 行",
        "答案 answer",
    ]  # line 1 is the header
    assert _count(session) == before
    form = page.locator("#import-responses form")
    form.get_by_label("考核").select_option(str(evaluation.id))
    good = _response_file(tmp_path, unit_codes, group.code, bad=False)
    form.get_by_label("文件（CSV 或 XLSX）").set_input_files(str(good))
    form.get_by_role("button", name="检查文件").click()
    page.get_by_role("button", name="确认导入").click()
    page.locator("#import-done").wait_for()
    assert _count(session) == before + 2

    # The audit log shows both changes, newest first, in words.
    page.click("nav.office-nav >> text=操作日志")
    actions = page.locator("#audit-entries td[data-action]")
    shown_actions = [actions.nth(i).get_attribute("data-action") for i in range(4)]
    assert shown_actions[0] == "responses.import"
    assert "satisfaction_policy.set" in shown_actions
    session.expire_all()
    latest = session.exec(select(AuditLog).order_by(col(AuditLog.id).desc())).first()
    assert latest is not None and latest.action == "responses.import"
    if javascript:
        page.screenshot(path=str(shots / "walk_audit_1366.png"), full_page=False)
    context.close()
