"""The office home's overview: counts per day, channel and group match the stored responses."""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from survey import demo
from survey.models import Evaluation, RespondentGroup, Response, Role
from survey.models.responses import is_counted
from tests.factories import PASSWORD, make_user

TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def _sign_in(client: TestClient, username: str) -> None:
    token = TOKEN.search(client.get("/office/login").text).group(1)  # type: ignore[union-attr]
    client.post(
        "/office/login", data={"username": username, "password": PASSWORD, "csrf_token": token}
    )


def _blocks(page: str) -> dict[str, Any]:
    block = r'<script type="application/json" id="([^"]+)-data">(.*?)</script>'
    return {name: json.loads(text) for name, text in re.findall(block, page, re.S)}


def _rows(page: str, css_class: str) -> list[list[str]]:
    body = re.search(rf'<table class="{css_class}">.*?<tbody>(.*?)</tbody>', page, re.S)
    assert body is not None, css_class
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S)
    ]


def test_overview_counts_match_the_stored_responses(client: TestClient, session: Session) -> None:
    demo.load_demo(session, office_password="demo-password-1")
    evaluation = session.exec(select(Evaluation).where(Evaluation.year == 2026)).one()
    make_user(session, Role.viewer, username="reader")
    _sign_in(client, "reader")
    page = client.get("/office")
    assert page.status_code == 200
    assert "云江市2026年度综合考核" in page.text and "今日待办" in page.text

    responses = list(session.exec(select(Response).where(Response.evaluation_id == evaluation.id)))
    assert responses
    by_day_channel = Counter((r.submitted_at.date().isoformat(), r.channel) for r in responses)
    charts = _blocks(page.text)
    days = charts["chart-days"]
    assert days["labels"] == sorted({day for day, _ in by_day_channel})
    channel_names = {
        "qr": "扫码问卷",
        "ballot": "代表评议票",
        "paper": "纸质票",
        "import": "导入文件",
    }
    seen = {channel for _, channel in by_day_channel}
    assert [s["name"] for s in days["series"]] == [
        channel_names[c] for c in channel_names if c in seen
    ]
    for series, channel in zip(
        days["series"], [c for c in channel_names if c in seen], strict=True
    ):
        assert series["values"] == [by_day_channel[(d, channel)] for d in days["labels"]]
    table = _rows(page.text, "days")
    assert [row[0] for row in table] == days["labels"]
    assert [int(row[-1]) for row in table] == [
        sum(n for (d, _), n in by_day_channel.items() if d == day) for day in days["labels"]
    ]

    groups = {g.id: g for g in session.exec(select(RespondentGroup))}
    counted = Counter(
        groups[r.group_id].name
        for r in responses
        if is_counted(r.quality_flags, r.quality_decision)
    )
    bars = charts["chart-groups"]
    assert dict(zip(bars["labels"], bars["values"], strict=True)) == {
        name: counted[name] for name in bars["labels"]
    }
    assert sum(bars["values"]) == sum(counted.values())
    turnout = _rows(page.text, "turnout")
    assert [int(row[2]) for row in turnout] == bars["values"]
    assert f'data-number="responses">{len(responses)}<' in page.text

    waiting = sum(
        1
        for r in responses
        if r.quality_flags != 0 and r.quality_decision not in ("include", "exclude")
    )
    assert f'data-number="flagged">{waiting}<' in page.text
    assert f'href="/office/evaluations/{evaluation.id}/satisfaction"' in page.text


def test_overview_of_another_evaluation_by_the_url(client: TestClient, session: Session) -> None:
    demo.load_demo(session, office_password="demo-password-1")
    make_user(session, Role.viewer, username="reader")
    _sign_in(client, "reader")
    others = session.exec(select(Evaluation).where(Evaluation.year != 2026)).all()
    assert others  # the demo keeps last year's evaluation too
    for other in others:
        page = client.get("/office", params={"evaluation": other.id})
        assert page.status_code == 200
        assert f'<option value="{other.id}" selected>' in page.text
    missing = client.get("/office", params={"evaluation": 999999})
    assert missing.status_code == 404
    assert "999999" in missing.text
