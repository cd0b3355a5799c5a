"""The satisfaction API: results with filters and the policy echo, the policy, who sees what."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from survey import demo
from survey.accounts import create_token
from survey.models import AuditLog, Evaluation, Role
from tests.factories import bearer, make_token, make_user
from tests.survey.satisfaction_data import Case


def _demo(session: Session) -> int:
    demo.load_demo(session, office_password="demo-password-1")
    evaluation = session.exec(select(Evaluation).where(Evaluation.year == 2026)).one()
    assert evaluation.id is not None
    return evaluation.id


def test_results_of_the_demo_city(client: TestClient, session: Session) -> None:
    evaluation_id = _demo(session)
    office = bearer(make_token(session, Role.viewer))
    url = f"/api/v1/evaluations/{evaluation_id}/satisfaction"
    body = client.get(url, headers=office).json()
    assert body["audience"] == "office" and body["policy"]["version"] == 0
    assert len(body["units"]) == 30 and {c["category"] for c in body["categories"]} == {
        "dept-economic",
        "dept-social",
        "dept-regulatory",
        "dept-service",
    }
    unit = body["units"][0]
    assert {
        "unit",
        "score",
        "se",
        "ci_low",
        "ci_high",
        "groups_used",
        "groups_dropped",
        "rank",
        "rank_interval",
        "tied_with_next",
    } <= set(unit)
    assert "citizens" in [g["group"] for g in unit["groups_used"]]
    assert sum(g["weight"] for g in unit["groups_used"]) == pytest.approx(1)
    assert {g["reason"] for g in unit["groups_dropped"]} <= {"below_min_n", "zero_weight"}
    cell = body["cells"][0]
    assert {
        "unit",
        "group",
        "question",
        "n_valid",
        "n_dont_know",
        "mean",
        "se",
        "ci_low",
        "ci_high",
        "satisfied_rate",
        "rate_ci_low",
        "rate_ci_high",
        "trimmed_mean",
        "suppressed",
    } <= set(cell)
    per_category: dict[str, list[int]] = {}
    for u in body["units"]:
        per_category.setdefault(u["category"], []).append(u["rank"])
    assert all(sorted(r) == list(range(1, len(r) + 1)) for r in per_category.values())

    # Filters choose rows; the unit's score and rank stay those of the whole category.
    only = client.get(url, params={"unit": "BM09", "group": "enterprise"}, headers=office).json()
    assert [u["unit"] for u in only["units"]] == ["BM09"]
    assert [(c["unit"], c["group"]) for c in only["cells"]] == [("BM09", "enterprise")]
    bm09 = next(u for u in body["units"] if u["unit"] == "BM09")
    assert only["units"][0]["rank"] == bm09["rank"]
    assert only["units"][0]["score"] == bm09["score"]
    by_period = client.get(url, params={"period": "Q4"}, headers=office).json()
    assert by_period["period"] == "Q4" and by_period["units"][0]["score"] == unit["score"]
    empty = client.get(url, params={"period": "Q1"}, headers=office).json()
    assert empty["units"] == [] and empty["cells"] == []
    per_question = client.get(
        url, params={"question": "overall", "by_question": "true", "unit": "BM01"}, headers=office
    ).json()
    assert {c["question"] for c in per_question["question_cells"]} == {"overall"}
    assert client.get(url, params={"period": "Q9"}, headers=office).status_code == 404
    assert client.get(url, params={"unit": "NOPE"}, headers=office).status_code == 404


def test_the_policy_is_read_openly_written_by_the_office_and_echoed(
    client: TestClient, session: Session
) -> None:
    evaluation_id = _demo(session)
    url = f"/api/v1/evaluations/{evaluation_id}/satisfaction-policy"
    default = client.get(url).json()
    assert default["version"] == 0 and default["min_n"] == 5
    assert {"category", "group", "weight"} <= set(default["weights"][0])

    change = {"min_n": 30, "note": "demo"}
    assert client.put(url, json=change).status_code == 401
    viewer = bearer(make_token(session, Role.viewer))
    assert client.put(url, json=change, headers=viewer).status_code == 403
    office = bearer(make_token(session, Role.office))
    saved = client.put(url, json=change, headers=office)
    assert saved.status_code == 200, saved.text
    assert saved.json()["version"] == 1 and saved.json()["min_n"] == 30
    bad = client.put(url, json={"satisfied_levels": ["delighted"]}, headers=office)
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "satisfied_levels"
    assert client.put(url, json={"min_n": 0}, headers=office).status_code == 422
    versions = client.get(f"{url}/versions").json()
    assert [v["version"] for v in versions] == [1]

    results = client.get(f"/api/v1/evaluations/{evaluation_id}/satisfaction", headers=office).json()
    assert results["policy"]["version"] == 1 and results["policy"]["min_n"] == 30
    entry = session.exec(select(AuditLog).where(AuditLog.action == "satisfaction_policy.set")).one()
    assert entry.actor.startswith("token:") and entry.detail["version"] == 1


def test_anonymous_callers_see_published_evaluations_only_and_suppressed(
    client: TestClient, session: Session
) -> None:
    case = Case(session)
    url = f"/api/v1/evaluations/{case.evaluation.id}/satisfaction"
    refused = client.get(url)
    assert refused.status_code == 401
    case.evaluation.status = "published"
    session.add(case.evaluation)
    session.commit()
    public = client.get(url).json()
    assert public["audience"] == "public"
    small = next(c for c in public["cells"] if c["group"] == case.d.code)
    assert small["suppressed"] is True and small["mean"] is None and small["n_valid"] == 3
    assert all(c["mean"] is not None for c in public["cells"] if not c["suppressed"])


def test_a_unit_token_sees_its_own_unit_with_small_cells_suppressed(
    client: TestClient, session: Session
) -> None:
    case = Case(session)
    make_user(session, Role.unit, username="u1-office", unit_code=case.u1.code)
    _, plaintext = create_token(session, "u1", Role.unit, username="u1-office")
    session.commit()
    headers = bearer(plaintext)
    url = f"/api/v1/evaluations/{case.evaluation.id}/satisfaction"
    own = client.get(url, headers=headers)
    assert own.status_code == 200, own.text
    body = own.json()
    assert body["audience"] == "unit"
    assert [u["unit"] for u in body["units"]] == [case.u1.code]
    assert {c["unit"] for c in body["cells"]} == {case.u1.code}
    assert next(c for c in body["cells"] if c["group"] == case.d.code)["suppressed"] is True
    assert client.get(url, params={"unit": case.u2.code}, headers=headers).status_code == 404
    # A unit token that belongs to no unit sees nothing.
    loose = bearer(make_token(session, Role.unit))
    assert client.get(url, headers=loose).status_code == 403
