"""The composite page's charts: totals by grade and rank bands hold the table's numbers and
the JSON results' for the same view."""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from survey import demo
from survey.models import Evaluation, Role
from tests.factories import PASSWORD, bearer, make_token, make_user

TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def _sign_in(client: TestClient, username: str) -> None:
    token = TOKEN.search(client.get("/office/login").text).group(1)  # type: ignore[union-attr]
    client.post(
        "/office/login", data={"username": username, "password": PASSWORD, "csrf_token": token}
    )


def _blocks(page: str) -> dict[str, Any]:
    block = r'<script type="application/json" id="([^"]+)-data">(.*?)</script>'
    return {name: json.loads(text) for name, text in re.findall(block, page, re.S)}


def _table_rows(page: str, category: str) -> list[list[str]]:
    """The unit rows of a category's table: cell texts without tags."""
    table = re.search(
        rf'<table class="composite" data-category="{category}">.*?<tbody>(.*?)</tbody>', page, re.S
    )
    assert table is not None
    rows = re.findall(r'<tr data-unit="[^"]+">(.*?)</tr>', table.group(1), re.S)
    return [
        [
            " ".join(re.sub(r"<[^>]+>", " ", c).split())
            for c in re.findall(r"<td>(.*?)</td>", r, re.S)
        ]
        for r in rows
    ]


def test_composite_charts_match_the_table_and_the_json_results(
    client: TestClient, session: Session
) -> None:
    demo.load_demo(session, office_password="demo-password-1")
    evaluation = session.exec(select(Evaluation).where(Evaluation.year == 2026)).one()
    make_user(session, Role.viewer, username="reader")
    _sign_in(client, "reader")
    view = {"category": "dept-economic", "sensitivity": "true", "draws": "200", "seed": "7"}
    page = client.get(f"/office/evaluations/{evaluation.id}/composite", params=view)
    assert page.status_code == 200
    api = client.get(
        f"/api/v1/evaluations/{evaluation.id}/results",
        params=view,
        headers=bearer(make_token(session, Role.viewer)),
    ).json()
    units = sorted(
        (u for u in api["units"] if u["category"] == "dept-economic" and u["total"] is not None),
        key=lambda u: (u["rank"] is None, u["rank"] or 0, u["unit"]),
    )
    assert units
    charts = _blocks(page.text)
    assert sorted(charts) == ["chart-bands-dept-economic", "chart-total-dept-economic"]

    totals = charts["chart-total-dept-economic"]
    assert totals["labels"] == [u["unit_name"] for u in units]
    assert totals["values"] == [round(u["total"], 2) for u in units]
    assert totals["classes"] == [u["grade"] or "–" for u in units]
    rows = _table_rows(page.text, "dept-economic")
    assert [row[2].split()[0] for row in rows][: len(units)] == [
        f"{v:.2f}" for v in totals["values"]
    ]

    bands = charts["chart-bands-dept-economic"]
    assert bands["values"] == [u["rank"] for u in units]
    assert bands["low"] == [u["sensitivity"]["rank_low"] for u in units]
    assert bands["high"] == [u["sensitivity"]["rank_high"] for u in units]
    # The band is the third cell from the end (then the grade chances, last year's band).
    band_column = [row[-3] for row in rows][: len(units)]
    assert band_column == [
        f"{lo:.0f} – {hi:.0f}" for lo, hi in zip(bands["low"], bands["high"], strict=True)
    ]

    # Without the sensitivity analysis there is no band chart; the totals stay.
    plain = client.get(
        f"/office/evaluations/{evaluation.id}/composite", params={"category": "dept-social"}
    )
    assert sorted(_blocks(plain.text)) == ["chart-total-dept-social"]
