"""The office's satisfaction dashboard: chart data blocks, tables and the JSON results agree."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
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


def _demo(client: TestClient, session: Session) -> int:
    demo.load_demo(session, office_password="demo-password-1")
    evaluation = session.exec(select(Evaluation).where(Evaluation.year == 2026)).one()
    make_user(session, Role.viewer, username="reader")
    _sign_in(client, "reader")
    assert evaluation.id is not None
    return evaluation.id


def _blocks(page: str) -> dict[str, Any]:
    block = r'<script type="application/json" id="([^"]+)-data">(.*?)</script>'
    found = re.findall(block, page, re.S)
    return {name: json.loads(text) for name, text in found}


class _Rows(HTMLParser):
    """The body rows of one table (found by its class) as cell texts; nested tables are
    read as part of the cell that holds them."""

    def __init__(self, css_class: str) -> None:
        super().__init__()
        self.css_class = css_class
        self.depth = 0
        self.in_body = False
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and (self.depth or dict(attrs).get("class") == self.css_class):
            self.depth += 1
        elif self.depth == 1 and tag == "tbody":
            self.in_body = True
        elif self.depth == 1 and self.in_body and tag == "tr":
            self.rows.append([])
        elif self.depth == 1 and self.in_body and tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self.depth:
            self.depth -= 1
        elif self.depth == 1 and tag == "tbody":
            self.in_body = False
        elif self.depth == 1 and tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def _table(page: str, css_class: str) -> list[list[str]]:
    """The body rows of the table with ``class=css_class``, as the cells' visible text."""
    parser = _Rows(css_class)
    parser.feed(page)
    assert parser.rows, css_class
    return parser.rows


def _api(client: TestClient, session: Session, evaluation_id: int, **params: str) -> Any:
    token = bearer(make_token(session, Role.viewer))
    url = f"/api/v1/evaluations/{evaluation_id}/satisfaction"
    response = client.get(url, params=params, headers=token)
    assert response.status_code == 200
    return response.json()


def _best_first(units: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(units, key=lambda u: (u["score"] is None, -(u["score"] or 0.0), u["unit"]))


def _check_view(
    client: TestClient, session: Session, evaluation_id: int, category: str, **params: str
) -> dict[str, Any]:
    """The page for one view: its chart blocks against its tables and the JSON results."""
    query = {"category": category, **params}
    page = client.get(f"/office/evaluations/{evaluation_id}/satisfaction", params=query)
    assert page.status_code == 200
    charts = _blocks(page.text)
    api = _api(client, session, evaluation_id, **params)
    units = _best_first([u for u in api["units"] if u["category"] == category])

    # Dot and whisker: the scored units, best first, with the API's scores and intervals.
    scored = [u for u in units if u["score"] is not None]
    scores = charts["chart-scores"]
    assert scores["labels"] == [u["unit_name"] for u in scored]
    assert scores["values"] == [round(u["score"], 2) for u in scored]
    assert scores["low"] == [round(u["ci_low"], 2) for u in scored]
    assert scores["high"] == [round(u["ci_high"], 2) for u in scored]
    # 7 figures and 3 significance columns per unit row (the group rows have 2 cells).
    table = [row for row in _table(page.text, "scores") if len(row) == 10]
    assert [row[1] for row in table] == [f"{u['unit']} {u['unit_name']}" for u in units]
    # The combined satisfaction rate beside the score, as the API gives it.
    assert [row[4] for row in table][: len(scored)] == [
        f"{100 * u['satisfied_rate']:.1f}%" for u in scored
    ]
    assert [row[2] for row in table][: len(scored)] == [f"{v:.2f}" for v in scores["values"]]

    # Heat map: one cell per unit and group the API has, with its mean and n.
    heat = charts["chart-heat"]
    assert heat["y"] == [u["unit_name"] for u in units]
    codes = [u["unit"] for u in units]
    api_cells = {(c["unit"], c["group"]): c for c in api["cells"] if c["unit"] in codes}
    assert len(heat["cells"]) == len(api_cells)
    heat_rows = _table(page.text, "heat")
    threshold = api["policy"]["suppression_threshold"]
    groups = sorted({g for _, g in api_cells})
    for x, y, mean, n, small in heat["cells"]:
        matches = [
            c
            for (u, _), c in api_cells.items()
            if u == codes[y] and c["n_valid"] == n and (c["mean"] is None) == (mean is None)
        ]
        assert matches, (codes[y], n)
        assert any(c["mean"] is None or round(c["mean"], 2) == mean for c in matches)
        assert small == (n < threshold)
        text = heat_rows[y][x + 1]
        assert text.startswith(f"{mean:.2f} n={n}" if mean is not None else f"– n={n}")
        assert ("*" in text) == small
    assert groups

    # Levels: per unit, the scored levels add up to the API's valid answers, the don't-know
    # level to its don't-know answers; the chart's shares are the table's.
    levels = charts["chart-levels"]
    level_rows = _table(page.text, "levels")
    assert levels["labels"] == [row[0] for row in level_rows]
    scored_levels = len(api["policy"]["level_scores"])
    for i, unit in enumerate(units):
        counts = [int(cell.split()[0]) for cell in level_rows[i][1:-1]]
        valid = sum(c["n_valid"] for (u, _), c in api_cells.items() if u == unit["unit"])
        unknown = sum(c["n_dont_know"] for (u, _), c in api_cells.items() if u == unit["unit"])
        assert sum(counts[:scored_levels]) == valid
        assert counts[scored_levels] == unknown
        shares = [float(cell.split("(")[1].rstrip("%)")) for cell in level_rows[i][1:-1]]
        assert [s["values"][i] for s in levels["series"]] == shares
    return {"page": page.text, "charts": charts, "api": api, "units": units}


def test_chart_data_tables_and_json_results_agree(client: TestClient, session: Session) -> None:
    evaluation_id = _demo(client, session)
    page = client.get(f"/office/evaluations/{evaluation_id}/satisfaction")
    assert page.status_code == 200
    # One category at a time: the first, with its four charts and their tables.
    assert 'value="dept-economic" selected' in page.text
    assert sorted(_blocks(page.text)) == [
        "chart-heat",
        "chart-levels",
        "chart-profile",
        "chart-scores",
    ]
    assert page.text.count('data-chart="') == 4
    assert "市发展和改革委员会" in page.text and "社会民生类部门" in page.text
    view = _check_view(client, session, evaluation_id, "dept-economic")
    assert "市教育局" not in view["page"]  # a unit of another category
    # The profile: each question's answers, adding up to the cells of the category.
    profile = view["charts"]["chart-profile"]
    assert profile["labels"] == ["您对该部门的总体评价"]
    codes = {u["unit"] for u in view["units"]}
    valid = sum(c["n_valid"] for c in view["api"]["cells"] if c["unit"] in codes)
    assert _table(view["page"], "profile")[0][2] == str(valid)
    assert _table(view["page"], "profile")[0][1] == f"{profile['values'][0]:.2f}"


def test_filters_in_the_url_change_the_view(client: TestClient, session: Session) -> None:
    evaluation_id = _demo(client, session)
    social = _check_view(client, session, evaluation_id, "dept-social")
    assert 'value="dept-social" selected' in social["page"]
    assert "市发展和改革委员会" not in social["page"]
    one_group = _check_view(client, session, evaluation_id, "dept-social", group="enterprise")
    assert one_group["charts"]["chart-heat"]["x"] == ["企业代表"]
    assert 'value="enterprise" selected' in one_group["page"]
    # The demo's answers are all in the fourth quarter: the first has none.
    fourth = _check_view(client, session, evaluation_id, "dept-social", period="Q4")
    assert 'value="Q4" selected' in fourth["page"]
    assert fourth["charts"] == social["charts"]
    url = f"/office/evaluations/{evaluation_id}/satisfaction"
    first = client.get(url, params={"category": "dept-social", "period": "Q1"}).text
    assert 'value="Q1" selected' in first and "尚无可计分的回答" in first
    assert _blocks(first) == {} and "<table" not in first
    # With no category named, a quarter's view opens on the first category answered in that
    # quarter (the first answered at all has no answers in the third).
    third = client.get(url, params={"period": "Q3"}).text
    assert 'value="Q3" selected' in third and "尚无可计分的回答" not in third
    assert _blocks(third)["chart-scores"]
    asked = _check_view(client, session, evaluation_id, "dept-social", question="overall")
    assert 'value="overall" selected' in asked["page"]

    # One channel: the QR survey asks the public groups only, the ballots the delegates.
    by_qr = _check_view(client, session, evaluation_id, "dept-social", channel="qr")
    assert 'value="qr" selected' in by_qr["page"]
    assert {c["group"] for c in by_qr["api"]["cells"]} == {"citizens", "enterprise"}
    by_ballot = _check_view(client, session, evaluation_id, "dept-social", channel="ballot")
    assert "citizens" not in {c["group"] for c in by_ballot["api"]["cells"]}
    assert by_ballot["charts"]["chart-scores"] != by_qr["charts"]["chart-scores"]
    assert client.get(url, params={"channel": "fax"}).status_code == 422

    # A higher suppression threshold marks the smaller cells, in the chart and the table.
    office = bearer(make_token(session, Role.office))
    policy = f"/api/v1/evaluations/{evaluation_id}/satisfaction-policy"
    saved = client.put(policy, json={"suppression_threshold": 30, "note": "test"}, headers=office)
    assert saved.status_code == 200
    marked = _check_view(client, session, evaluation_id, "dept-economic")
    small = [c for c in marked["charts"]["chart-heat"]["cells"] if c[4]]
    assert small and all(c[3] < 30 for c in small)

    missing = client.get(url, params={"category": "nope"})
    assert missing.status_code == 404
    assert "nope" in missing.text and "类别" in missing.text
    assert client.get(url, params={"group": "nope"}).status_code == 404
    assert client.get(url, params={"period": "Q9"}).status_code == 404
