"""Comments over HTTP: the API's filters and keyset pages, the office page (escaped text,
filters in the URL, the htmx partial), formula-safe exports, unit pages that answer 404 for
another unit's comment, and the unit's answer through the form."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session

from survey.models import Role
from tests.factories import PASSWORD, bearer, make_token, make_user
from tests.survey.comments.world import World, add_comment, make_world

TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _world(session: Session) -> World:
    """120 comments: units 0/1 alternate, group 0 for a third, channel ballot every fifth."""
    world = make_world(session, units=2, groups=2)
    for k in range(120):
        add_comment(
            session,
            world,
            f"意见{k:03d}" + (" 排队" if k % 4 == 0 else ""),
            unit=k % 2,
            group=0 if k % 3 == 0 else 1,
            channel="ballot" if k % 5 == 0 else "qr",
            at=START + timedelta(hours=k * 7),
            commit=False,
        )
    add_comment(session, world, '=HYPERLINK("x") <script>alert(1)</script>', unit=None)
    return world


def _sign_in(client: TestClient, username: str, next_path: str = "") -> str:
    token = TOKEN.search(client.get("/office/login").text).group(1)  # type: ignore[union-attr]
    client.post(
        "/office/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token, "next": next_path},
    )
    return token


def test_api_filters_and_pages(client: TestClient, session: Session) -> None:
    world = _world(session)
    headers = bearer(make_token(session, Role.viewer))
    url = f"/api/v1/evaluations/{world.evaluation_id}/comments"
    assert client.get(url).status_code == 401
    everything = client.get(url, headers=headers, params={"page_size": 50}).json()
    assert everything["total"] == 121
    # Walk every page: each comment once, newest first.
    seen, after = [], ""
    while True:
        page = client.get(url, headers=headers, params={"page_size": 50, "after": after}).json()
        seen.extend(page["items"])
        if page["next_cursor"] is None:
            break
        after = page["next_cursor"]
    assert len(seen) == 121 and len({i["key"] for i in seen}) == 121
    times = [i["submitted_at"] for i in seen]
    assert times == sorted(times, reverse=True)

    unit0 = world.units[0].code
    found = client.get(url, headers=headers, params={"unit": unit0, "words": "排队"}).json()
    expected = [k for k in range(120) if k % 2 == 0 and k % 4 == 0]
    assert found["total"] == len(expected) == 30
    group0 = world.groups[0].code
    found = client.get(
        url, headers=headers, params={"group": group0, "channel": "ballot", "page_size": 500}
    ).json()
    assert found["total"] == len([k for k in range(120) if k % 3 == 0 and k % 5 == 0])
    # Days: 2 Nov 09:00 + 7h steps; 3 Nov holds k = 3..6 (hours 21..42 -> 06:00 .. 03:00 on 4th).
    found = client.get(
        url, headers=headers, params={"since": "2026-11-03", "until": "2026-11-03"}
    ).json()
    in_day = [
        k for k in range(120) if (START + timedelta(hours=k * 7)).date().isoformat() == "2026-11-03"
    ]
    assert found["total"] == len(in_day)
    assert client.get(url, headers=headers, params={"status": "unrouted"}).json()["total"] == 1
    assert client.get(url, headers=headers, params={"status": "received"}).json()["total"] == 120
    bad = client.get(url, headers=headers, params={"status": "nonsense"})
    assert bad.status_code in (400, 422)
    assert client.get(url, headers=headers, params={"after": "!!"}).status_code in (400, 422)
    spec = client.get("/openapi.json").json()
    params = {
        p["name"]
        for p in spec["paths"]["/api/v1/evaluations/{evaluation_id}/comments"]["get"]["parameters"]
    }
    assert {
        "unit",
        "group",
        "channel",
        "period",
        "since",
        "until",
        "words",
        "status",
        "topic",
        "after",
    } <= params


def test_office_page_escapes_and_exports_formula_safe(client: TestClient, session: Session) -> None:
    world = _world(session)
    make_user(session, username="kaohe", role=Role.office)
    _sign_in(client, "kaohe")
    page = client.get(f"/office/evaluations/{world.evaluation_id}/comments?status=unrouted")
    assert page.status_code == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "<script>alert(1)" not in page.text
    partial = client.get(
        f"/office/evaluations/{world.evaluation_id}/comments?words=排队",
        headers={"HX-Request": "true"},
    )
    assert partial.text.lstrip().startswith('<div id="comments-table">')
    assert partial.text.count("data-comment=") == 30
    csv_file = client.get(
        f"/office/evaluations/{world.evaluation_id}/comments/export.csv?status=unrouted"
    )
    rows = list(csv.reader(io.StringIO(csv_file.content.decode("utf-8-sig"))))
    assert len(rows) == 2
    assert rows[1][7].startswith("'=HYPERLINK") or not rows[1][7].startswith("=")
    xlsx = client.get(f"/office/evaluations/{world.evaluation_id}/comments/export.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    assert sheet.max_row == 122
    cells = [c.value for c in sheet["H"]]
    formula = next(c for c in cells if isinstance(c, str) and "HYPERLINK" in c)
    assert sheet.cell(row=cells.index(formula) + 1, column=8).data_type == "s"


def test_unit_answers_its_own_and_gets_404_for_another(
    client: TestClient, session: Session
) -> None:
    world = make_world(session)
    add_comment(session, world, "本单位的意见", unit=0)
    add_comment(session, world, "别的单位的意见", unit=1)
    make_user(session, username="bm-a", role=Role.unit, unit_code=world.units[0].code)
    make_user(session, username="bm-b", role=Role.unit, unit_code=world.units[1].code)
    # Unit B opens its list first, so its comment has a key; then unit A signs in.
    _sign_in(client, "bm-b")
    other = re.search(r'data-key="([0-9a-f]+)"', client.get("/unit/comments").text).group(1)  # type: ignore[union-attr]
    client.cookies.clear()
    token = _sign_in(client, "bm-a")
    listing = client.get("/unit/comments")
    assert listing.status_code == 200
    assert "本单位的意见" in listing.text and "别的单位的意见" not in listing.text
    own = re.search(r'data-key="([0-9a-f]+)"', listing.text).group(1)  # type: ignore[union-attr]
    assert client.get(f"/unit/comments/{other}").status_code == 404
    refused = client.post(
        f"/unit/comments/{other}",
        data={
            "csrf_token": token,
            "status": "in_progress",
            "measure": "x",
            "responsible_office": "y",
        },
    )
    assert refused.status_code == 404
    done = client.post(
        f"/unit/comments/{own}",
        data={
            "csrf_token": token,
            "status": "in_progress",
            "measure": "增派人手",
            "responsible_office": "办公室",
        },
        follow_redirects=True,
    )
    assert done.status_code == 200 and "增派人手" in done.text
    # Without the CSRF token nothing happens.
    assert client.post(f"/unit/comments/{own}", data={"status": "rectified"}).status_code == 403
    # The office pages stay closed to a unit account.
    assert client.get(f"/office/evaluations/{world.evaluation_id}/comments").status_code == 403


def test_the_topic_filter_lists_the_comments_tagged_with_the_topic(
    client: TestClient, session: Session
) -> None:
    from survey.accounts import Principal
    from survey.comments import topics

    world = _world(session)
    office = Principal("office", Role.office)
    topics.create_topic(
        session, world.evaluation_id, topics.TopicIn("queue", "排队", "Queues", "排队"), office
    )
    session.commit()
    headers = bearer(make_token(session, Role.viewer))
    url = f"/api/v1/evaluations/{world.evaluation_id}/comments"
    found = client.get(url, headers=headers, params={"topic": "queue", "page_size": 100}).json()
    # By hand: every fourth comment (k = 0, 4, ..., 116) ends with " 排队".
    texts = sorted(item["text"] for item in found["items"])
    assert texts == sorted(f"意见{k:03d} 排队" for k in range(0, 120, 4))
    assert found["total"] == 30
    # With another filter, and for a code no topic has.
    both = client.get(url, headers=headers, params={"topic": "queue", "channel": "ballot"}).json()
    assert both["total"] == len([k for k in range(0, 120, 4) if k % 5 == 0])
    none = client.get(url, headers=headers, params={"topic": "no-such-topic"}).json()
    assert none["total"] == 0 and none["items"] == []
