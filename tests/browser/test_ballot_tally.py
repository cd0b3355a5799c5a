"""The tally sheet in a real browser: the hand-worked batch's figures, the print version (A4,
black on white, signature lines, no navigation) and the page on a laptop and a phone."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sqlmodel import Session

from survey.ballots import service
from survey.models import Role
from tests.browser.axe import serious_violations
from tests.factories import ACTOR, PASSWORD, make_user
from tests.survey.test_ballot_tally import hand_worked_meeting

LINES = """rows => Object.fromEntries(rows.map(r => [r.dataset.line,
  [...r.querySelectorAll('td')].map(td => td.textContent.trim())]))"""
UNITS = """rows => rows.map(r => [r.dataset.unit,
  [...r.querySelectorAll('td.num')].map(td => td.textContent.trim())])"""
PRINTED = """() => {
  const style = e => getComputedStyle(document.querySelector(e));
  return {
    nav: style('.top').display,
    links: style('.export-links').display,
    background: getComputedStyle(document.body).backgroundColor,
    text: style('.tally-sheet td').color,
    border: style('.tally-sheet td').borderTopColor,
    state: style('#quorum-state').backgroundColor,
    lines: document.querySelectorAll('.signatures .line').length,
  };
}"""


def _sign_in(page: Any, live_server: str, username: str) -> None:
    page.goto(f"{live_server}/office/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/office")


def test_the_tally_sheet_prints_for_the_scrutineers(
    browser: Any, live_server: str, session: Session, shots: Path
) -> None:
    meeting = hand_worked_meeting(session, unsettled=False)
    batch_id = meeting.batch.id
    assert batch_id is not None
    service.set_status(session, batch_id, "closed", ACTOR)  # type: ignore[arg-type]
    make_user(session, Role.viewer, username="jianpiao")
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    _sign_in(page, live_server, "jianpiao")
    page.goto(f"{live_server}/office/ballots/{batch_id}/tally")
    assert page.locator("h1").inner_text().endswith("计票统计表")

    lines = page.eval_on_selector_all("#accounting tr[data-line]", LINES)
    assert lines["issued"] == ["40", ""] and lines["void"] == ["2", ""]
    assert lines["returned"] == ["33", "82.5%"]
    assert lines["electronic"][0] == "25" and lines["paper"][0] == "8"
    assert lines["blank"][0] == "1" and lines["invalid"][0] == "1"
    assert lines["invalid-several_marks"][0] == "1"
    assert lines["valid"] == ["31", "77.5%"]
    assert lines["quorum"] == ["27", "66.7%"] and "unsettled" not in lines
    assert page.locator("#quorum-state").inner_text() == "已达到法定比例：测评结果有效"
    units = dict(page.eval_on_selector_all("#unit-counts tbody tr", UNITS))
    a, b, c = (u.code for u in meeting.units)
    assert units == {
        a: ["19", "10", "2", "0", "31"],
        b: ["14", "15", "0", "2", "31"],
        c: ["4", "2", "15", "10", "31"],
    }
    assert "临时统计" not in page.content()
    page.screenshot(path=str(shots / "tally_1366.png"), full_page=True)
    assert serious_violations(page) == []

    page.emulate_media(media="print")
    printed = page.evaluate(PRINTED)
    assert printed == {
        "nav": "none",
        "links": "none",
        "background": "rgb(255, 255, 255)",
        "text": "rgb(0, 0, 0)",
        "border": "rgb(0, 0, 0)",
        "state": "rgb(255, 255, 255)",
        "lines": 6,
    }, printed
    # A4 is 210 mm wide: 794 CSS pixels.
    page.set_viewport_size({"width": 794, "height": 1123})
    page.screenshot(path=str(shots / "tally_print.png"), full_page=True)
    pdf = page.pdf(format="A4", print_background=True)
    (shots / "tally.pdf").write_bytes(pdf)
    # One A4 sheet: three units, the accounting and the signatures fit on it.
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1
    page.emulate_media(media="screen")

    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", device_scale_factor=2
    )
    small = phone.new_page()
    _sign_in(small, live_server, "jianpiao")
    small.goto(f"{live_server}/office/ballots/{batch_id}/tally")
    small.screenshot(path=str(shots / "tally_390.png"), full_page=True)
    width = small.evaluate("() => document.documentElement.scrollWidth")
    wide = small.evaluate("""() => [...document.querySelectorAll('body *')]
      .filter(e => e.getBoundingClientRect().right > 390)
      .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))
      .slice(0, 12)""")
    assert width <= 390, (width, wide)
    assert serious_violations(small) == []
    phone.close()
    context.close()
