"""One unit's satisfaction page: the JSON results' numbers, withheld small cells, the trend."""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from survey import demo
from survey.models import Evaluation, Role
from tests.factories import PASSWORD, bearer, make_category, make_token, make_unit, make_user
from tests.web.test_satisfaction_dashboard import _table

TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def _sign_in(client: TestClient, username: str) -> None:
    token = TOKEN.search(client.get("/office/login").text).group(1)  # type: ignore[union-attr]
    client.post(
        "/office/login", data={"username": username, "password": PASSWORD, "csrf_token": token}
    )


def _evaluations(session: Session) -> tuple[Evaluation, Evaluation]:
    rows = {e.year: e for e in session.exec(select(Evaluation))}
    return rows[2025], rows[2026]


def _api(client: TestClient, token: dict[str, str], evaluation_id: int, **params: str) -> Any:
    url = f"/api/v1/evaluations/{evaluation_id}/satisfaction"
    response = client.get(url, params=params, headers=token)
    assert response.status_code == 200
    return response.json()


def _figure(page: str, name: str) -> str:
    found = re.search(rf'data-figure="{name}">(.*?)</div>', page, re.S)
    assert found, name
    return " ".join(found.group(1).split())


def _blocks(page: str) -> dict[str, Any]:
    block = r'<script type="application/json" id="([^"]+)-data">(.*?)</script>'
    return {name: json.loads(text) for name, text in re.findall(block, page, re.S)}


def _two(value: float) -> str:
    return f"{value:.2f}"


def test_the_unit_page_shows_the_results_of_the_json_api(
    client: TestClient, session: Session
) -> None:
    demo.load_demo(session, office_password="demo-password-1")
    earlier, current = _evaluations(session)
    assert earlier.id is not None and current.id is not None
    token = bearer(make_token(session, Role.viewer))
    every = _api(client, token, current.id)
    unit = next(u for u in every["units"] if u["category"] == "dept-economic")
    code = unit["unit"]
    make_user(session, Role.viewer, username="reader")
    _sign_in(client, "reader")

    url = f"/office/evaluations/{current.id}/satisfaction/units/{code}"
    page = client.get(url)
    assert page.status_code == 200
    api = _api(client, token, current.id, unit=code)
    (mine,) = api["units"]
    assert _figure(page.text, "score") == _two(mine["score"])
    assert _figure(page.text, "ci") == f"{_two(mine['ci_low'])} – {_two(mine['ci_high'])}"
    low, high = mine["rank_interval"]
    assert _figure(page.text, "ranks") == f"{low} – {high}"
    ranked = next(c for c in api["categories"] if c["category"] == "dept-economic")
    assert (
        _figure(page.text, "rank") == f"第 {mine['rank']} 名（本类共 {ranked['units_ranked']} 个）"
    )
    assert _figure(page.text, "n") == str(mine["n_valid"])

    # By group: each of the API's cells, with its mean, interval and counts.
    threshold = api["policy"]["suppression_threshold"]
    rows = _table(page.text, "unit-groups")
    assert len(rows) == len(api["cells"])
    for row, cell in zip(rows, api["cells"], strict=True):
        assert cell["n_valid"] >= threshold
        assert row[1:5] == [
            _two(cell["mean"]),
            f"{_two(cell['ci_low'])} – {_two(cell['ci_high'])}",
            str(cell["n_valid"]),
            str(cell["n_dont_know"]),
        ]

    # By question: each question's score as the API gives it for that question alone.
    overall = _api(client, token, current.id, unit=code, question="overall")["units"][0]
    questions = _table(page.text, "unit-questions")
    assert questions[0][1:] == [
        _two(overall["score"]),
        f"{_two(overall['ci_low'])} – {_two(overall['ci_high'])}",
        str(overall["n_valid"]),
    ]

    # The trend: last year's score for the same unit code (the demo has answers in both
    # years), then this year's; each period of this year.
    before = _api(client, token, earlier.id, unit=code)["units"][0]
    assert before["score"] is not None
    years = _table(page.text, "unit-years")
    assert [row[1] for row in years] == [_two(before["score"]), _two(mine["score"])]
    assert [row[3] for row in years] == [str(before["n_valid"]), str(mine["n_valid"])]
    chart = _blocks(page.text)["chart-years"]
    assert chart["labels"] == ["2025年", "2026年"]
    assert chart["values"] == [round(before["score"], 2), round(mine["score"], 2)]
    periods = _table(page.text, "unit-periods")
    fourth = _api(client, token, current.id, unit=code, period="Q4")["units"][0]
    assert [row[1] for row in periods] == ["–", "–", "–", _two(fourth["score"])]
    assert _blocks(page.text)["chart-periods"]["values"] == [
        None,
        None,
        None,
        round(fourth["score"], 2),
    ]

    # One group chosen: the trend and the questions follow that group's cells.
    chosen = client.get(url, params={"group": "citizens"})
    assert 'value="citizens" selected' in chosen.text
    cell = _api(client, token, current.id, unit=code, group="citizens")["cells"][0]
    old = _api(client, token, earlier.id, unit=code, group="citizens")["cells"][0]
    years = _table(chosen.text, "unit-years")
    assert [row[1] for row in years] == [_two(old["mean"]), _two(cell["mean"])]
    assert _table(chosen.text, "unit-questions")[0][1] == _two(cell["mean"])
    # The headline stays the unit's score.
    assert _figure(chosen.text, "score") == _two(mine["score"])

    # Back to the dashboard with the category chosen; a link to the composite explanation.
    assert 'satisfaction?category=dept-economic&amp;group=citizens"' in chosen.text
    assert f"/office/evaluations/{current.id}/composite/units/{code}" in page.text


def test_cells_below_the_threshold_are_marked_and_show_no_value(
    client: TestClient, session: Session
) -> None:
    demo.load_demo(session, office_password="demo-password-1")
    _, current = _evaluations(session)
    assert current.id is not None
    office = bearer(make_token(session, Role.office))
    policy = f"/api/v1/evaluations/{current.id}/satisfaction-policy"
    saved = client.put(policy, json={"suppression_threshold": 30, "note": "test"}, headers=office)
    assert saved.status_code == 200
    api = _api(client, office, current.id)
    small = next(c for c in api["cells"] if 0 < c["n_valid"] < 30 and c["mean"] is not None)
    big = next(c for c in api["cells"] if c["unit"] == small["unit"] and c["n_valid"] >= 30)
    make_user(session, Role.viewer, username="reader")
    _sign_in(client, "reader")
    page = client.get(f"/office/evaluations/{current.id}/satisfaction/units/{small['unit']}")
    assert page.status_code == 200
    rows = {row[0]: row for row in _table(page.text, "unit-groups")}
    names = dict(
        re.findall(r'<tr data-group="([^"]+)"[^>]*><th scope="row">([^<]+)</th>', page.text)
    )
    hidden = rows[names[small["group"]]]
    # Withheld: the mark, the count, no mean, no interval, no rate.
    assert hidden[1] == "已隐藏*"
    assert hidden[2] == str(small["n_valid"])
    assert _two(small["mean"]) not in " ".join(hidden)
    assert hidden[4] == "–"
    assert rows[names[big["group"]]][1] == _two(big["mean"])
    assert "data-suppressed" in page.text


def test_a_unit_that_is_not_in_the_evaluation_is_not_found(
    client: TestClient, session: Session
) -> None:
    demo.load_demo(session, office_password="demo-password-1")
    _, current = _evaluations(session)
    # A category with no group weights in this evaluation: its unit takes no part in it.
    elsewhere = make_unit(session, make_category(session))
    make_user(session, Role.viewer, username="reader")
    _sign_in(client, "reader")
    base = f"/office/evaluations/{current.id}/satisfaction/units"
    assert client.get(f"{base}/{elsewhere.code}").status_code == 404
    missing = client.get(f"{base}/no-such-unit")
    assert missing.status_code == 404
    assert "单位 no-such-unit 不参加本次考核。" in missing.text
    assert (
        client.get(f"/office/evaluations/99999/satisfaction/units/{elsewhere.code}").status_code
        == 404
    )


def test_the_dashboard_links_each_unit_and_heat_cell_to_its_page(
    client: TestClient, session: Session
) -> None:
    demo.load_demo(session, office_password="demo-password-1")
    _, current = _evaluations(session)
    make_user(session, Role.viewer, username="reader")
    _sign_in(client, "reader")
    page = client.get(f"/office/evaluations/{current.id}/satisfaction").text
    base = f"/office/evaluations/{current.id}/satisfaction/units/"
    heat = _blocks(page)["chart-heat"]
    assert len(heat["urls"]) == len(heat["cells"])
    assert all(url.startswith(base) and "group=" in url for url in heat["urls"])
    opened = client.get(heat["urls"][0])
    assert opened.status_code == 200
    group = heat["urls"][0].split("group=")[1]
    assert f'value="{group}" selected' in opened.text
    # In English, the same page in the reader's language.
    client.cookies.set("pingyi_lang", "en")
    english = client.get(heat["urls"][0]).text
    assert "Trend by year" in english and "Withheld" not in english
    assert _blocks(english)["chart-years"]["labels"] == ["Year 2025", "Year 2026"]
    links = re.findall(rf'href="({re.escape(base)}[^"]+)"', page)
    assert any("group=" in link for link in links) and any("group=" not in link for link in links)
