"""The organisation API over HTTP: open reads, office-token writes."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from survey import demo
from survey.models import AuditLog, Role
from tests.factories import bearer, make_category, make_evaluation, make_group, make_token


def test_units_list_their_categories(client: TestClient, session: Session) -> None:
    demo.load_demo(session, office_password="demo-password-1")
    units = client.get("/api/v1/units").json()
    assert len(units) == 48
    assert {u["category"] for u in units} >= {"district-urban", "dept-service"}
    assert next(u for u in units if u["code"] == "BM09")["category_name"] == "社会民生类部门"
    only = client.get("/api/v1/units", params={"category": "zone-specialised"}).json()
    assert [u["code"] for u in only] == ["YQ04", "YQ05", "YQ06"]
    assert client.get("/api/v1/units/QX01").json()["name"] == "云江区"
    assert len(client.get("/api/v1/categories").json()) == 8
    assert len(client.get("/api/v1/groups").json()) == 7
    evaluations = client.get("/api/v1/evaluations").json()
    weights = client.get(f"/api/v1/evaluations/{evaluations[0]['id']}/weights").json()
    assert {"category", "group", "weight"} <= set(weights[0])


def test_writes_need_a_token_of_the_office_role(client: TestClient, session: Session) -> None:
    category = make_category(session)
    body = {"code": "BM99", "name": "市测试局", "category": category.code}
    missing = client.post("/api/v1/units", json=body)
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    assert (
        client.post("/api/v1/units", json=body, headers=bearer("pyt_nonsense")).status_code == 401
    )
    viewer = make_token(session, Role.viewer)
    assert client.post("/api/v1/units", json=body, headers=bearer(viewer)).status_code == 403
    unit_token = make_token(session, Role.unit)
    assert client.post("/api/v1/units", json=body, headers=bearer(unit_token)).status_code == 403
    office = make_token(session, Role.office)
    created = client.post("/api/v1/units", json=body, headers=bearer(office))
    assert created.status_code == 201, created.text
    assert created.json()["category"] == category.code
    entry = session.exec(select(AuditLog).where(AuditLog.action == "unit.create")).one()
    assert entry.target_id == "BM99" and entry.actor.startswith("token:")


def test_office_can_build_an_evaluation(client: TestClient, session: Session) -> None:
    office = bearer(make_token(session, Role.office))
    category = make_category(session)
    citizens, deputies = make_group(session), make_group(session)
    created = client.post(
        "/api/v1/evaluations",
        headers=office,
        json={
            "name": "2027年度综合考核",
            "year": 2027,
            "periods": [{"code": "H1", "name": "上半年", "kind": "half"}],
        },
    )
    assert created.status_code == 201, created.text
    evaluation_id = created.json()["id"]
    assert created.json()["status"] == "draft"
    added = client.post(
        f"/api/v1/evaluations/{evaluation_id}/periods",
        headers=office,
        json={"code": "Y", "name": "全年", "kind": "year", "sort_order": 2},
    )
    assert added.status_code == 201
    weights = client.put(
        f"/api/v1/evaluations/{evaluation_id}/weights",
        headers=office,
        json={
            "weights": [
                {"category": category.code, "group": citizens.code, "weight": 0.5},
                {"category": category.code, "group": deputies.code, "weight": 0.5},
            ],
            "note": "half and half",
        },
    )
    assert weights.status_code == 200
    # The weights are part of the satisfaction policy: the change is its next version.
    policy = client.get(f"/api/v1/evaluations/{evaluation_id}/satisfaction-policy").json()
    assert (policy["version"], policy["note"]) == (1, "half and half")
    assert {(w["group"], w["weight"]) for w in policy["weights"]} == {
        (citizens.code, 0.5),
        (deputies.code, 0.5),
    }
    opened = client.patch(
        f"/api/v1/evaluations/{evaluation_id}", headers=office, json={"status": "open"}
    )
    assert opened.json()["status"] == "open"
    assert [p["code"] for p in opened.json()["periods"]] == ["H1", "Y"]


def test_errors_are_json_in_the_callers_language(client: TestClient, session: Session) -> None:
    office = bearer(make_token(session, Role.office))
    evaluation = make_evaluation(session)
    category, group = make_category(session), make_group(session)
    body = {"weights": [{"category": category.code, "group": group.code, "weight": 0.4}]}
    url = f"/api/v1/evaluations/{evaluation.id}/weights"
    chinese = client.put(url, headers=office, json=body)
    assert chinese.status_code == 422
    assert chinese.json()["error"]["field"] == "weights"
    assert "不等于 1" in chinese.json()["error"]["message"]
    client.cookies.set("pingyi_lang", "en")
    english = client.put(url, headers=office, json=body)
    assert "add up to 0.4, not 1" in english.json()["error"]["message"]
    assert client.get("/api/v1/units/NOPE").status_code == 404
    bad = client.post("/api/v1/units", headers=office, json={"code": "", "name": "x"})
    assert bad.status_code == 422


def test_openapi_documents_the_api(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "/api/v1/units" in spec["paths"]
    assert "/api/v1/evaluations/{evaluation_id}/weights" in spec["paths"]
