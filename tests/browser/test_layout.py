"""Layout on a 1366x768 office screen and a 390x844 phone: labels, nav and headers that read as
words, not one character per line; and no serious or critical axe-core finding.

Screenshots go to ``PINGYI_SCREENSHOT_DIR`` when set (to look at them), else to a temporary
folder of the test run (the ``shots`` fixture); the crawl of every office page takes its
screenshots only when that folder is set.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlmodel import Session

from survey import demo
from survey.demo.city import DemoInfo
from tests.browser.axe import serious_violations
from tests.factories import TEST_SECRET

DESKTOP = {"viewport": {"width": 1366, "height": 768}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
PASSWORD = "demo-password-1"
# Pages that answer with a file, or end the session, are not pages to look at.
NOT_PAGES = ("/logout", ".xlsx", ".csv", ".png", ".pdf", ".yaml", "/export")
MAX_OFFICE_PAGES = 40
# Eighty full-page screenshots are for a person to look at; without a folder to keep them in
# (``PINGYI_SCREENSHOT_DIR``) the crawl checks the pages without taking them.
LOOKING = bool(os.environ.get("PINGYI_SCREENSHOT_DIR"))

# For each element: how many line boxes its text takes, and how many characters it has.
LINES_OF = """
els => els.map(el => {
  const range = document.createRange();
  range.selectNodeContents(el);
  const tops = new Set([...range.getClientRects()].filter(r => r.width > 0)
                        .map(r => Math.round(r.top)));
  const style = getComputedStyle(el);
  return {text: el.innerText.trim(), lines: tops.size,
          height: el.getBoundingClientRect().height,
          lineHeight: parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.3};
})
"""


@pytest.fixture
def city(session: Session) -> DemoInfo:
    return demo.load_demo(session, office_password=PASSWORD, secret=TEST_SECRET)


def _sign_in(page: Any, base: str) -> None:
    page.goto(f"{base}/office/login")
    page.fill("input[name=username]", "office")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/office")


def _shape(url: str) -> str:
    """A page's route: ids and unit codes blanked, so that one unit page stands for all."""
    return re.sub(r"/units/[^/?]+|/\d+(?=/|$)", "/*", urlsplit(url).path)


def _office_pages(page: Any, base: str) -> Iterator[str]:
    """Office pages reachable by links from the office home, breadth first, at most two of
    each route."""
    seen: set[str] = set()
    shapes: dict[str, int] = {}
    queue = [f"{base}/office"]
    while queue and len(seen) < MAX_OFFICE_PAGES:
        url = queue.pop(0)
        if url in seen or shapes.get(_shape(url), 0) >= 2:
            continue
        seen.add(url)
        shapes[_shape(url)] = shapes.get(_shape(url), 0) + 1
        response = page.goto(url)
        if response is None or "text/html" not in response.headers.get("content-type", ""):
            continue
        yield url
        for href in page.eval_on_selector_all("a[href]", "as => as.map(a => a.href)"):
            path = urlsplit(href).path
            if not href.startswith(f"{base}/office") or any(bit in href for bit in NOT_PAGES):
                continue
            link = f"{base}{path}" + (f"?{urlsplit(href).query}" if urlsplit(href).query else "")
            if link not in seen:
                queue.append(link)


def _name(url: str) -> str:
    path = urlsplit(url).path.strip("/").replace("/", "_") or "home"
    return path + (("_" + urlsplit(url).query.replace("=", "-")) if urlsplit(url).query else "")


def _open_ballot(page: Any, base: str, code: str) -> None:
    page.goto(f"{base}/b#{code}")
    page.get_by_role("button", name="打开测评票").click()
    page.wait_for_selector("fieldset.row")


def test_ballot_on_a_phone_keeps_each_label_on_one_line(
    browser: Any, live_server: str, city: DemoInfo, shots: Path
) -> None:
    context = browser.new_context(**PHONE)
    page = context.new_page()
    _open_ballot(page, live_server, city.try_codes[0])
    page.screenshot(path=str(shots / "ballot_390.png"), full_page=True)
    labels = page.eval_on_selector_all("fieldset.row .opt span", LINES_OF)
    assert len(labels) == 30 * 4
    wrapped = [x for x in labels if x["lines"] != 1 or x["height"] > 1.5 * x["lineHeight"]]
    assert wrapped == []
    # Every radio group is a fieldset named by its legend, and every option is a big enough
    # target for a thumb.
    assert page.locator("fieldset.row > legend").count() == 30
    sizes = page.eval_on_selector_all(
        "fieldset.row .opt", "els => els.map(e => e.getBoundingClientRect().height)"
    )
    assert min(sizes) >= 24
    # Compact rows: one unit is a legend line and a line of options, not a screen-third.
    rows = page.eval_on_selector_all(
        "fieldset.row", "els => els.map(e => e.getBoundingClientRect().height)"
    )
    assert max(rows) < 844 / 7
    assert serious_violations(page) == []

    # The review page and the code page, too.
    for row in page.locator("fieldset.row").all():
        row.get_by_label("满意", exact=True).check()
    page.get_by_role("button", name="核对").click()
    page.wait_for_selector("table.review")
    page.screenshot(path=str(shots / "ballot_review_390.png"), full_page=True)
    assert serious_violations(page) == []
    page.goto(f"{live_server}/b")
    assert serious_violations(page) == []
    context.close()


def test_ballot_on_a_desktop_puts_unit_and_options_on_one_row(
    browser: Any, live_server: str, city: DemoInfo, shots: Path
) -> None:
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    _open_ballot(page, live_server, city.try_codes[1])
    page.screenshot(path=str(shots / "ballot_1366.png"), full_page=True)
    rows = page.eval_on_selector_all(
        "fieldset.row", "els => els.map(e => e.getBoundingClientRect().height)"
    )
    assert len(rows) == 30 and max(rows) < 70
    context.close()


def test_citizen_form_on_a_phone(
    browser: Any, live_server: str, city: DemoInfo, shots: Path
) -> None:
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(f"{live_server}/s/{city.survey_slug}")
    page.screenshot(path=str(shots / "survey_390.png"), full_page=True)
    labels = page.eval_on_selector_all(".opt span", LINES_OF)
    assert labels and [x for x in labels if x["lines"] != 1] == []
    radios = page.locator("input[type=radio]")
    assert radios.count() == page.locator("fieldset input[type=radio]").count()
    assert serious_violations(page) == []
    context.close()


@pytest.mark.parametrize("device", ["1366", "390"])
def test_office_pages_read_well_and_pass_axe(
    browser: Any, live_server: str, city: DemoInfo, shots: Path, device: str
) -> None:
    context = browser.new_context(**(DESKTOP if device == "1366" else PHONE))
    page = context.new_page()
    _sign_in(page, live_server)
    problems: list[str] = []
    pages = 0
    for url in _office_pages(page, live_server):
        pages += 1
        if LOOKING:
            page.screenshot(path=str(shots / f"office_{_name(url)}_{device}.png"), full_page=True)
        # The nav links and the signed-in name are words on one line each.
        nav = page.eval_on_selector_all(".office-nav a, .office-nav .who, .langs a", LINES_OF)
        problems += [f"{url} nav {x['text']!r} wraps" for x in nav if x["lines"] > 1]
        headers = page.eval_on_selector_all("th", LINES_OF)
        for th in headers:
            if len(th["text"]) >= 2 and th["lines"] >= len(th["text"]):
                problems.append(f"{url} th {th['text']!r} one character per line")
            if device == "1366" and th["lines"] > 3:
                problems.append(f"{url} th {th['text']!r} on {th['lines']} lines")
        problems += [f"{url} ({device}): {v}" for v in serious_violations(page)]
    assert pages >= 8
    assert problems == [], "\n".join(problems)
    context.close()


def test_signed_in_name_is_readable_on_the_header(
    browser: Any, live_server: str, city: DemoInfo
) -> None:
    page = browser.new_page()
    _sign_in(page, live_server)
    colours = page.eval_on_selector(
        ".office-nav .who",
        "el => [getComputedStyle(el).color,"
        " getComputedStyle(document.querySelector('header.top')).backgroundColor]",
    )
    assert colours == ["rgb(255, 255, 255)", "rgb(192, 57, 43)"]  # contrast 5.4:1, WCAG AA
    page.close()
