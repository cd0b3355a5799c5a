"""The form's page-weight budget, measured as a phone on a slow network would pay for it."""

from __future__ import annotations

import gzip
import re

from fastapi.testclient import TestClient
from sqlmodel import Session

from survey import demo

FIRST_LOAD_BUDGET = 14 * 1024  # HTML and CSS, compressed
WHOLE_PAGE_BUDGET = 50 * 1024  # everything the page loads, htmx included


def _compressed(content: bytes) -> int:
    return len(gzip.compress(content, compresslevel=6))


def test_thirty_unit_form_fits_the_budget(client: TestClient, session: Session) -> None:
    info = demo.load_demo(session, office_password="demo-password-1")
    page = client.get(f"/s/{info.survey_slug}", headers={"Accept-Encoding": "gzip"})
    assert page.status_code == 200
    assert page.text.count('class="card unit"') == 30
    html = page.content
    stylesheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page.text)
    scripts = re.findall(r'<script src="([^"]+)"', page.text)
    assert stylesheets, "the form has a stylesheet"
    css = [client.get(href).content for href in stylesheets]
    js = [client.get(src).content for src in scripts]
    first_load = _compressed(html) + sum(_compressed(c) for c in css)
    whole = (
        first_load
        + sum(_compressed(j) for j in js)
        + _compressed(client.get("/static/vendor/htmx-2.0.11.min.js").content)
    )
    assert first_load <= FIRST_LOAD_BUDGET, first_load
    assert whole <= WHOLE_PAGE_BUDGET, whole
    # The server itself compresses, for phones that reach it without a proxy.
    assert page.headers.get("content-encoding") == "gzip"


def test_no_web_fonts_and_no_third_party_requests(client: TestClient, session: Session) -> None:
    info = demo.load_demo(session, office_password="demo-password-1")
    page = client.get(f"/s/{info.survey_slug}").text
    references = re.findall(r'(?:href|src)="([^"]+)"', page)
    assert references
    for reference in references:
        assert reference.startswith("/") or reference.startswith("data:"), reference
    css = client.get("/static/css/app.css").text
    assert "@font-face" not in css and "url(" not in css
