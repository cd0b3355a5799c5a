"""A unit account's own pages and API: its numbers, 404 for every other unit, release, export."""

from __future__ import annotations

import io
import re

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session, select

from survey import demo
from survey.accounts import create_token
from survey.models import AuditLog, Evaluation, Role, Unit
from survey.satisfaction.disclosure import respondent_cube, revealed_differences
from survey.unit_home.service import comments_for_unit_view
from tests.factories import PASSWORD, bearer, make_user

TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def _sign_in(client: TestClient, username: str, password: str = PASSWORD) -> str:
    token = TOKEN.search(client.get("/office/login").text).group(1)  # type: ignore[union-attr]
    response = client.post(
        "/office/login",
        data={"username": username, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    return str(response.headers["location"])


def _current(session: Session) -> Evaluation:
    return max(session.exec(select(Evaluation)), key=lambda e: e.year)


def test_a_unit_lands_on_its_home_and_sees_only_itself(
    client: TestClient, session: Session
) -> None:
    demo.load_demo(session, office_password="demo-password-1")
    current = _current(session)
    assert current.id is not None
    make_user(session, Role.unit, username="bm09-test", unit_code="BM09")
    assert _sign_in(client, "bm09-test") == "/unit"
    home = client.get("/unit")
    assert home.status_code == 200
    assert str(home.url).endswith("/unit/units/BM09")
    assert "本单位首页" in home.text and "市教育局" in home.text

    # The same numbers as the unit API, which a unit token reads.
    make_user(session, Role.unit, username="bm09-api", unit_code="BM09")
    _, plaintext = create_token(session, "bm09", Role.unit, username="bm09-api")
    session.commit()
    api = client.get(
        "/api/v1/unit/satisfaction", params={"evaluation": current.id}, headers=bearer(plaintext)
    )
    assert api.status_code == 200, api.text
    body = api.json()
    assert body["unit"]["code"] == "BM09"
    score = body["result"]["score"]
    assert score is not None
    assert re.search(rf'data-figure="score">{score:.2f}</div>', home.text)
    page = client.get(f"/unit/units/BM09/satisfaction?evaluation={current.id}")
    assert page.status_code == 200
    assert page.text.count('<tr data-group="') == len(body["groups"]) > 1
    assert "<tr data-question=" in page.text

    # No other unit: pages, exports, the API and the composite all answer 404.
    for path in (
        "/unit/units/BM01",
        "/unit/units/BM01/satisfaction",
        "/unit/units/BM01/trend",
        "/unit/units/BM01/composite",
        "/unit/units/BM01/satisfaction.xlsx",
        "/unit/units/NOPE",
    ):
        assert client.get(path, params={"evaluation": current.id}).status_code == 404, path
    other = client.get(
        "/api/v1/unit/satisfaction",
        params={"evaluation": current.id, "unit": "BM01"},
        headers=bearer(plaintext),
    )
    assert other.status_code == 404
    explain = f"/api/v1/evaluations/{current.id}/results/units/BM01/explain"
    assert client.get(explain, headers=bearer(plaintext)).status_code == 404
    assert (
        client.get(
            f"/api/v1/evaluations/{current.id}/satisfaction",
            params={"unit": "BM01"},
            headers=bearer(plaintext),
        ).status_code
        == 404
    )
    # Office pages stay closed.
    assert client.get("/office").status_code == 403
    assert (
        client.get(f"/office/evaluations/{current.id}/satisfaction/units/BM01").status_code == 403
    )

    # Its own results as a workbook, with its score.
    xlsx = client.get(f"/unit/units/BM09/satisfaction.xlsx?evaluation={current.id}")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    assert sheet.cell(2, 1).value == "市教育局"
    assert abs(float(sheet.cell(2, 2).value) - score) < 1e-9

    # What the API publishes keeps the differencing rule over every filter the page offers.
    unit = session.exec(select(Unit).where(Unit.code == "BM09")).one()
    assert unit.id is not None
    counts = respondent_cube(
        session,
        current.id,
        unit.id,
        levels=["satisfied", "fairly_satisfied", "basically_satisfied", "dissatisfied"],
    )
    published = set()
    periods = [None, *[p["period"]["code"] for p in body["periods"]]]
    for period in periods:
        params = {"evaluation": current.id, **({"period": period} if period else {})}
        seen = client.get("/api/v1/unit/satisfaction", params=params, headers=bearer(plaintext))
        data = seen.json()
        if not data["result"]["suppressed"] and data["result"]["score"] is not None:
            published.add((None, period, None))
        for g in data["groups"]:
            if not g["figure"]["suppressed"] and g["figure"]["value"] is not None:
                published.add((g["group"]["code"], period, None))
    assert (None, None, None) in published
    assert revealed_differences(counts, published, body["minimum"]) == []


def test_the_office_releases_the_composite_to_the_units(
    client: TestClient, session: Session
) -> None:
    demo.load_demo(session, office_password="demo-password-1")
    current = _current(session)
    make_user(session, Role.unit, username="bm09-test", unit_code="BM09")
    _sign_in(client, "bm09-test")
    url = f"/unit/units/BM09/composite?evaluation={current.id}"
    assert client.get(url).status_code == 404
    assert "/unit/units/BM09/composite" not in client.get("/unit/units/BM09").text
    client.cookies.clear()

    _sign_in(client, "office", "demo-password-1")
    page = client.get(f"/office/evaluations/{current.id}/composite")
    token = TOKEN.search(page.text).group(1)  # type: ignore[union-attr]
    assert "发布给各单位" in page.text
    released = client.post(
        f"/office/evaluations/{current.id}/composite/release",
        data={"released": "true", "csrf_token": token},
        follow_redirects=False,
    )
    assert released.status_code == 303
    actions = session.exec(select(AuditLog.action)).all()
    assert "composite.release" in actions
    client.cookies.clear()

    _sign_in(client, "bm09-test")
    shown = client.get(url)
    assert shown.status_code == 200
    assert 'data-figure="total"' in shown.text
    assert "/unit/units/BM09/composite" in client.get("/unit/units/BM09").text
    # Another unit's composite stays out of reach.
    assert client.get(f"/unit/units/BM01/composite?evaluation={current.id}").status_code == 404


def test_comments_for_a_unit_name_a_group_only_above_the_comment_minimum(
    session: Session,
) -> None:
    demo.load_demo(session, office_password="demo-password-1")
    current = _current(session)
    unit = session.exec(select(Unit).where(Unit.code == "BM09")).one()
    assert current.id is not None and unit.id is not None
    shown = comments_for_unit_view(session, current.id, unit.id)
    assert shown, "the demo has comments about BM09"
    counts: dict[str, int] = {}
    for c in comments_for_unit_view(session, current.id, unit.id, comment_minimum=0):
        assert c.group is not None
        counts[c.group.code] = counts.get(c.group.code, 0) + 1
    for c in shown:
        if c.group is not None:
            assert counts[c.group.code] >= 10
    hidden = comments_for_unit_view(session, current.id, unit.id, comment_minimum=10_000)
    assert all(c.group is None for c in hidden)
