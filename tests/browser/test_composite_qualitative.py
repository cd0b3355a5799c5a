"""The office enters a qualitative score through the form in Chromium and finds it listed."""

from __future__ import annotations

import os
from typing import Any

from sqlmodel import Session, select

from survey import demo
from survey.composite.models import QualitativeScore
from survey.models import Evaluation, Unit


def test_office_enters_a_qualitative_score_and_sees_it_in_the_list(
    browser: Any, live_server: str, session: Session
) -> None:
    demo.load_demo(session, office_password="demo-password-1")
    evaluation = session.exec(select(Evaluation).where(Evaluation.year == 2026)).one()
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    page.goto(f"{live_server}/office/login")
    page.fill("input[name=username]", "office")
    page.fill("input[name=password]", "demo-password-1")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/office")

    page.goto(f"{live_server}/office/evaluations/{evaluation.id}/composite")
    page.click("nav.office-nav >> text=定性评分")
    page.wait_for_url(f"**/evaluations/{evaluation.id}/composite/qualitative")
    assert page.locator("h1").inner_text().startswith("定性评分")

    # Narrow the page to the urban districts, then score Xicheng on safety for the police.
    page.select_option("select[name=category]", "district-urban")
    page.click("form[method=get] button[type=submit]")
    page.wait_for_url("**/qualitative?category=district-urban")
    entry = page.locator("#entry form")
    entry.locator("select[name=unit]").select_option("QX03")
    entry.locator("select[name=item]").select_option("safety")
    entry.locator("select[name=lead]").select_option("BM20")
    # A slip first: the score is refused in Chinese and the form keeps what was typed.
    entry.locator("input[name=score]").fill("八十")
    entry.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#entry [role=alert]").inner_text() == "得分：应为数字。"
    errors.clear()  # the browser logs the expected 422
    entry = page.locator("#entry form")
    assert entry.locator("select[name=unit]").input_value() == "QX03"
    entry.locator("input[name=score]").fill("79.5")
    entry.locator("button[type=submit]").click()
    page.wait_for_url("**/qualitative?category=district-urban")

    table = page.locator("section.card", has=page.locator("h2", has_text="安全生产")).first
    row = table.locator("tr", has_text="QX03")
    assert row.locator("td").nth(2).inner_text() == "79.5"
    assert "office" in row.locator("td").nth(3).inner_text()
    if os.environ.get("PINGYI_SCREENSHOTS"):
        page.screenshot(path=os.environ["PINGYI_SCREENSHOTS"] + "/qualitative.png", full_page=True)
    assert errors == []
    page.close()

    unit_id = session.exec(select(Unit.id).where(Unit.code == "QX03")).one()
    session.expire_all()
    stored = session.exec(
        select(QualitativeScore).where(
            QualitativeScore.evaluation_id == evaluation.id,
            QualitativeScore.unit_id == unit_id,
            QualitativeScore.item == "safety",
        )
    ).one()
    assert stored.score == 79.5
