"""The turnout screen on a 1920x1080 projector: six open batches, all on screen, no scrolling,
and the numbers follow the votes without a reload."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from sqlmodel import Session

from survey.models import Role
from tests.browser.axe import serious_violations
from tests.browser.pages import sign_in_office
from tests.factories import PASSWORD, make_user
from tests.web.turnout_world import LEVELS, cast, meeting_room

# (title, codes issued, ballots cast, status): six open batches and one closed.
PLAN = [
    ("市人大代表第一组", 40, 12, "open"),
    ("市人大代表第二组", 36, 7, "open"),
    ("市政协委员第一组", 20, 20, "open"),
    ("市政协委员第二组", 45, 3, "open"),
    ("企业代表", 30, 0, "open"),
    ("2026年度市直部门民主测评（基层群众代表）", 150, 25, "open"),
    ("已结束的测评", 10, 2, "closed"),
]
CARDS = """els => els.map(e => ({
  title: e.querySelector('h2').textContent,
  titleCut: e.querySelector('h2').scrollHeight > e.querySelector('h2').clientHeight + 1,
  used: e.querySelector('.used').textContent,
  issued: e.querySelector('.issued').textContent,
  share: e.querySelector('.share').textContent,
  bar: e.querySelector('progress').getBoundingClientRect().width,
  usedPx: parseFloat(getComputedStyle(e.querySelector('.used')).fontSize),
  box: e.getBoundingClientRect().toJSON(),
  overflows: e.scrollHeight > e.clientHeight + 1,
}))"""


def test_six_open_batches_fit_a_projector_and_follow_the_votes(
    browser: Any, live_server: str, session: Session, shots: Path
) -> None:
    delegates = httpx.Client(base_url=live_server)
    room = meeting_room(session, delegates, PLAN)
    make_user(session, Role.viewer, username="screen")
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    page = sign_in_office(context, live_server, PASSWORD, username="screen")
    page.goto(f"{live_server}/office/ballots/screen?evaluation={room.evaluation.id}")
    page.screenshot(path=str(shots / "turnout_screen_1920.png"))

    size = page.evaluate(
        "() => [document.documentElement.scrollHeight, document.documentElement.scrollWidth]"
    )
    assert size[0] <= 1080 and size[1] <= 1920, size
    cards = page.eval_on_selector_all("section.batch", CARDS)
    expected = [(t, str(used), str(n), f"{used / n * 100:.1f}%") for t, n, used, s in PLAN[:6]]
    assert [(c["title"], c["used"], c["issued"], c["share"]) for c in cards] == expected
    for card in cards:
        box = card["box"]
        assert box["x"] >= 0 and box["right"] <= 1920 and box["y"] >= 0 and box["bottom"] <= 1080
        assert not card["titleCut"] and not card["overflows"], card
        # Read from the back of the room: the count's digits are at least 100 px tall.
        assert card["usedPx"] >= 100 and card["bar"] > 300, card
    assert serious_violations(page) == []

    # A delegate of 企业代表 votes; htmx brings the new count in without a reload.
    first_code = sum(n for _, n, _, _ in PLAN[:4])
    marker = page.evaluate("() => (window.__kept = 'same page')")
    cast(delegates, room.codes[first_code], dict(zip(room.units, LEVELS, strict=True)))
    enterprise = page.locator("section.batch").nth(4)
    enterprise.locator(".used", has_text="1").wait_for(timeout=10_000)
    assert enterprise.locator(".share").inner_text() == "3.3%"
    assert page.evaluate("() => window.__kept") == marker
    page.screenshot(path=str(shots / "turnout_screen_1920_after_vote.png"))
    context.close()
    delegates.close()
