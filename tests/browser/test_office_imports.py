"""The office imports a response file in Chromium, with JavaScript on and off: a file with one
bad row is refused with its row and column named and stores nothing; fixed, it imports."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, func, select

from survey import demo
from survey.models import Answer, Evaluation, RespondentGroup, Response, Unit
from tests.browser.axe import serious_violations
from tests.browser.pages import sign_in_office
from tests.factories import TEST_SECRET

PASSWORD = "demo-password-1"


def _count(session: Session, model: type) -> int:
    session.expire_all()
    return int(session.exec(select(func.count()).select_from(model)).one())


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_import_a_response_file_with_one_bad_row_then_fixed(
    browser: Any, live_server: str, session: Session, tmp_path: Path, shots: Path, javascript: bool
) -> None:
    demo.load_demo(session, office_password=PASSWORD, secret=TEST_SECRET)
    evaluation = session.exec(select(Evaluation).where(Evaluation.year == 2026)).one()
    units = session.exec(select(Unit.code).order_by(Unit.code).limit(3)).all()
    group = session.exec(select(RespondentGroup.code).order_by(RespondentGroup.code)).first()
    responses_before, answers_before = _count(session, Response), _count(session, Answer)

    def write(bad: bool) -> Path:
        rows = ["respondent_id,group,unit,question,answer"]
        for person in ("web-1", "web-2"):
            for unit in units:
                rows.append(f"{person},{group},{unit},overall,满意")
        if bad:
            rows[4] = f"web-2,{group},{units[0]},overall,很好"  # not a level, not a number
        path = tmp_path / ("bad.csv" if bad else "good.csv")
        path.write_text("\n".join(rows) + "\n", encoding="utf-8")
        return path

    context = browser.new_context(
        viewport={"width": 1366, "height": 768}, java_script_enabled=javascript
    )
    page = sign_in_office(context, live_server, PASSWORD)
    page.get_by_role("link", name="导入数据").click()
    assert page.locator("h1").inner_text() == "导入数据"

    form = page.locator("#import-responses form")
    form.get_by_label("考核").select_option(str(evaluation.id))
    form.get_by_label("文件（CSV 或 XLSX）").set_input_files(str(write(bad=True)))
    form.get_by_role("button", name="检查文件").click()
    problems = page.locator("#import-problems table.problems tbody tr")
    assert problems.count() == 1
    assert problems.first.locator("td").all_inner_texts() == [
        "第 5 行",
        "答案 answer",
        "很好 既不是满意度选项，也不是数字。",
    ]
    assert _count(session, Response) == responses_before
    if javascript:
        page.screenshot(path=str(shots / "office_import_refused_1366.png"), full_page=True)
        assert serious_violations(page) == []

    form = page.locator("#import-responses form")
    form.get_by_label("考核").select_option(str(evaluation.id))
    form.get_by_label("文件（CSV 或 XLSX）").set_input_files(str(write(bad=False)))
    form.get_by_role("button", name="检查文件").click()
    assert page.locator("#import-counts").inner_text() == "可导入 2 名答卷人的 6 条回答。"
    assert _count(session, Response) == responses_before
    if javascript:
        assert serious_violations(page) == []
    page.get_by_role("button", name="确认导入").click()
    assert page.locator("#import-done").inner_text() == "已导入 2 名答卷人的 6 条回答。"
    assert _count(session, Response) == responses_before + 2
    assert _count(session, Answer) == answers_before + 6
    context.close()
