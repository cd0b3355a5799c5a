"""The composite JSON API: schemes, indicator pushes, inputs, results, publication."""

from __future__ import annotations

import math

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from scoring import recompute
from survey.models import AuditLog, EvaluationStatus, Role
from tests.factories import bearer, make_category, make_evaluation, make_token, make_unit, make_user
from tests.survey.test_composite_worked_example import CODES, TOTALS, _setup

YAML = {"Content-Type": "application/yaml"}


def test_the_push_endpoint_needs_an_office_token_and_upserts(
    client: TestClient, session: Session
) -> None:
    evaluation = make_evaluation(session)
    category = make_category(session)
    make_unit(session, category, code="S1")
    url = f"/api/v1/evaluations/{evaluation.id}/indicators"
    body = {
        "values": [
            {"unit": "S1", "indicator": "gdp", "period": "year", "value": 812.5, "target": 800},
            {"unit": "S1", "indicator": "gdp", "period": "Q1", "value": 190},
        ]
    }
    assert client.post(url, json=body).status_code == 401
    assert client.post(url, json=body, headers=bearer("pyt_wrong")).status_code == 401
    viewer = make_token(session, Role.viewer)
    assert client.post(url, json=body, headers=bearer(viewer)).status_code == 403
    office = make_token(session, Role.office)
    first = client.post(url, json=body, headers=bearer(office))
    assert first.status_code == 200, first.text
    assert first.json() == {
        "evaluation_id": evaluation.id,
        "received": 2,
        "inserted": 2,
        "updated": 0,
        "unchanged": 0,
    }
    again = client.post(url, json=body, headers=bearer(office)).json()
    assert (again["inserted"], again["updated"], again["unchanged"]) == (0, 0, 2)
    body["values"][1]["value"] = 195
    changed = client.post(url, json=body, headers=bearer(office)).json()
    assert (changed["updated"], changed["unchanged"]) == (1, 1)
    pushes = session.exec(
        select(AuditLog).where(AuditLog.action == "indicators.push").order_by(col(AuditLog.id))
    ).all()
    assert len(pushes) == 3 and pushes[0].actor.startswith("token:")
    assert pushes[2].detail["updated"] == 1

    unknown = client.post(
        url,
        json={"values": [{"unit": "S9", "indicator": "gdp", "period": "year", "value": 1}]},
        headers=bearer(office),
    )
    assert unknown.status_code == 422
    assert unknown.json()["error"]["problems"][0]["field"] == "values[0].unit"
    listed = client.get(url, params={"period": "Q1"}, headers=bearer(viewer)).json()
    assert [(v["unit"], v["value"]) for v in listed] == [("S1", 195.0)]
    assert client.get(url).status_code == 401
    bad = {"values": [{"unit": "S1", "indicator": "gdp", "period": "year", "value": "NaN"}]}
    assert client.post(url, json=bad, headers=bearer(office)).status_code == 422


SCHEME = """\
category: {category}
indicators:
  - code: gdp
    name: 地区生产总值
    points: 100
    method: min_max
    source: {{type: hard, indicator: gdp, period: year}}
"""


def test_schemes_over_the_api(client: TestClient, session: Session) -> None:
    evaluation = make_evaluation(session)
    category = make_category(session)
    office = make_token(session)
    base = f"/api/v1/evaluations/{evaluation.id}/schemes"
    text = SCHEME.format(category=category.code)
    assert client.post(base, content=text, headers=YAML).status_code == 401
    created = client.post(base, content=text, headers={**YAML, **bearer(office)})
    assert created.status_code == 201, created.text
    assert created.json()[0]["version"] == 1

    broken = text.replace("points: 100", "points: -5")
    refused = client.post(base, content=broken, headers={**YAML, **bearer(office)})
    assert refused.status_code == 422
    problem = refused.json()["error"]["problems"][0]
    assert problem["field"] == "indicators[0].points"
    assert problem["message"].startswith("第5行") or problem["message"].startswith("Line 5")
    checked = client.post(
        f"{base}/validate",
        content=broken,
        headers={**YAML, **bearer(office), "Cookie": "pingyi_lang=en"},
    ).json()
    assert checked["valid"] is False
    assert checked["problems"][0]["line"] == 5
    assert checked["problems"][0]["message"].startswith("Line 5, indicators[0].points:")
    again = client.post(f"{base}/validate", content=text, headers={**YAML, **bearer(office)})
    assert again.json()["valid"] is True

    shown = client.get(f"{base}/{category.code}").json()
    assert shown["version"] == 1 and shown["source"] == text
    assert shown["definition"]["indicators"][0]["method"] == "min_max"
    definition = shown["definition"]
    definition["indicators"][0]["points"] = 50
    put = client.put(
        f"{base}/{category.code}",
        json={**definition, "note": "半分"},
        headers=bearer(office),
    )
    assert put.status_code == 200, put.text
    assert put.json()["version"] == 2 and put.json()["note"] == "半分"
    versions = client.get(f"{base}/{category.code}/versions").json()
    assert [v["version"] for v in versions] == [2, 1]
    assert client.get(f"{base}/{category.code}", params={"version": 1}).json()["source"] == text
    exported = client.get(f"{base}/export")
    assert exported.status_code == 200 and "points: 50" in exported.text
    assert [s["category"] for s in client.get(base).json()] == [category.code]
    assert client.get(f"{base}/nothing").status_code == 404


def test_results_fields_audiences_and_sensitivity(client: TestClient, session: Session) -> None:
    current, _, dist, dept = _setup(session)
    url = f"/api/v1/evaluations/{current.id}/results"
    assert client.get(url).status_code == 401  # not published: the public sees nothing
    token = make_token(session, Role.viewer)
    body = client.get(url, headers=bearer(token)).json()
    assert body["frozen"] is False and body["scheme_versions"] == {dist: 1, dept: 1}
    unit = next(u for u in body["units"] if u["unit"] == "U11")
    assert {
        "unit",
        "category",
        "total",
        "blocks",
        "rank",
        "grade",
        "rank_change",
        "flags",
        "scheme_version",
    } <= set(unit)
    assert unit["total"] == pytest.approx(78.2) and unit["rank"] == 11
    assert unit["rank_change"] == -10 and unit["flags"]["interview"] is True
    assert [b["code"] for b in unit["blocks"]] == ["development", "appraisal"]
    assert unit["blocks"][0]["max_points"] == 80
    assert {"progress_award", "warnings"} <= set(unit["flags"])

    only = client.get(url, params={"category": dept}, headers=bearer(token)).json()
    assert {u["unit"] for u in only["units"]} == {"L1", "L2"}

    params = {"sensitivity": "true", "draws": 300, "seed": 7, "category": dist}
    first = client.get(url, params=params, headers=bearer(token)).json()
    second = client.get(url, params=params, headers=bearer(token)).json()
    assert first["units"] == second["units"]
    assert first["sensitivity_method"]
    for u in first["units"]:
        s = u["sensitivity"]
        assert math.isclose(sum(s["grade_probabilities"].values()), 1.0)
        assert s["rank_low"] <= s["median_rank"] <= s["rank_high"]
    # No satisfaction leaf here, so only the weights move: U01 stays first.
    top = next(u for u in first["units"] if u["unit"] == "U01")["sensitivity"]
    assert top["median_rank"] == 1
    # U04 (94.32) stays ahead of U03 (94.00) whatever the weights do within +-10 %: U03
    # would need the 综合评价 weight below 0.68 of its share against 高质量发展 (U04 is
    # 1.0 ahead there, 0.68 behind there), and 0.9 / 1.1 = 0.82 is the lowest reachable.
    close = next(u for u in first["units"] if u["unit"] == "U03")["sensitivity"]
    assert (close["rank_low"], close["median_rank"], close["rank_high"]) == (4, 4, 4)

    make_user(session, Role.unit, username="u03", unit_code="U03")
    from survey.accounts import create_token

    _, unit_token = create_token(session, "unit", Role.unit, username="u03")
    session.commit()
    # Before the office releases the composite results, a unit sees nothing of them.
    assert client.get(url, headers=bearer(unit_token)).status_code == 404
    from survey.accounts import Principal
    from survey.unit_home.service import set_composite_release

    set_composite_release(session, current.id, True, Principal("kaohe", Role.office), ip="")
    own = client.get(url, headers=bearer(unit_token)).json()
    assert [u["unit"] for u in own["units"]] == ["U03"] and own["differentiation"] == []
    explain = f"{url}/units/U04/explain"
    assert client.get(explain, headers=bearer(unit_token)).status_code == 404
    assert client.get(f"{url}/units/U03/explain", headers=bearer(unit_token)).status_code == 200


def test_adjustments_over_the_api(client: TestClient, session: Session) -> None:
    current, _, _, _ = _setup(session)
    url = f"/api/v1/evaluations/{current.id}/adjustments"
    office = make_token(session)
    entry = {
        "unit": "U13",
        "item": "project",
        "points": 4,
        "reason": "重大项目开工",
        "approved_by": "市考核委",
    }
    assert client.post(url, json=entry).status_code == 401
    created = client.post(url, json=entry, headers=bearer(office))
    assert created.status_code == 201, created.text
    results = client.get(f"/api/v1/evaluations/{current.id}/results", headers=bearer(office)).json()
    u13 = next(u for u in results["units"] if u["unit"] == "U13")
    assert u13["total"] == pytest.approx(70.6 + 4)  # 74.6
    wrong_sign = client.post(url, json={**entry, "points": -4}, headers=bearer(office))
    assert wrong_sign.status_code == 422 and wrong_sign.json()["error"]["field"] == "points"
    wrong_item = client.post(url, json={**entry, "item": "charity"}, headers=bearer(office))
    assert wrong_item.status_code == 422 and wrong_item.json()["error"]["field"] == "item"
    listed = client.get(url, headers=bearer(office)).json()
    assert len(listed) == 6 and listed[-1]["reason"] == "重大项目开工"
    removed = client.delete(f"{url}/{created.json()['id']}", headers=bearer(office))
    assert removed.status_code == 204
    assert client.delete(f"{url}/{created.json()['id']}", headers=bearer(office)).status_code == 404
    actions = [a.action for a in session.exec(select(AuditLog)).all()]
    assert actions.count("composite_adjustment.add") == 6
    assert actions.count("composite_adjustment.delete") == 1


def test_publication_freezes_the_results(client: TestClient, session: Session) -> None:
    current, _, dist, _ = _setup(session)
    office = make_token(session)
    base = f"/api/v1/evaluations/{current.id}"
    assert client.post(f"{base}/results/publish", headers=bearer(office)).status_code == 409
    current.status = EvaluationStatus.closed
    session.add(current)
    session.commit()
    published = client.post(f"{base}/results/publish", headers=bearer(office))
    assert published.status_code == 200, published.text
    assert published.json()["frozen"] is True
    assert published.json()["evaluation_status"] == "published"
    assert client.post(f"{base}/results/publish", headers=bearer(office)).status_code == 409

    # The statistics bureau revises a figure afterwards: refused until the office reopens the
    # results for correction, and the published total stays.
    revised = {"values": [{"unit": "U13", "indicator": "investment", "period": "year",
                           "value": 40, "target": 40}]}  # fmt: skip
    late = client.post(f"{base}/indicators", json=revised, headers=bearer(office))
    assert late.status_code == 409 and late.json()["error"]["message"] == "已公布的考核不能修改。"
    public = client.get(f"{base}/results").json()  # published: open to the public
    totals = {u["unit"]: u["total"] for u in public["units"]}
    for code, total in zip(CODES, TOTALS, strict=True):
        assert totals[code] == pytest.approx(total, abs=1e-9)
    assert public["scheme_versions"][dist] == 1 and public["published_at"]
    explanation = client.get(f"{base}/results/units/U02/explain").json()
    assert explanation["frozen"] is True
    assert recompute(explanation["tree"]) == pytest.approx(105.40, abs=1e-9)
    # Sensitivity on the frozen figures runs on the tree rebuilt from the explanations.
    robust = client.get(
        f"{base}/results", params={"sensitivity": "true", "draws": 100, "category": dist}
    ).json()
    assert all(u["sensitivity"] is not None for u in robust["units"])
    scheme = f"category: {dist}\nindicators: []\n"
    refused = client.post(f"{base}/schemes", content=scheme, headers={**YAML, **bearer(office)})
    assert refused.status_code == 409
