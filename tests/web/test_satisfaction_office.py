"""The office's satisfaction pages, signed in."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from survey import demo
from survey.models import Evaluation, Role
from survey.satisfaction import policy as policy_service
from tests.factories import PASSWORD, make_user

TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def _sign_in(client: TestClient, username: str) -> str:
    token = TOKEN.search(client.get("/office/login").text).group(1)  # type: ignore[union-attr]
    client.post(
        "/office/login", data={"username": username, "password": PASSWORD, "csrf_token": token}
    )
    return token


def _policy_form(page: str) -> dict[str, str | list[str]]:
    """The form as the browser would send it, unchanged."""
    fields: dict[str, str | list[str]] = {
        "level_code": re.findall(r'name="level_code" maxlength="32" value="([^"]*)"', page),
        "level_score": re.findall(r'name="level_score" inputmode="decimal" value="([^"]*)"', page),
        "satisfied": re.findall(r'name="satisfied" value="(\d+)" checked', page),
    }
    for name in ("dont_know_code", "trim_k", "min_n", "confidence", "suppression_threshold"):
        fields[name] = re.search(rf'name="{name}"[^>]*value="([^"]*)"', page).group(1)  # type: ignore[union-attr]
    return fields


def test_results_page_and_the_link_from_the_office_home(
    client: TestClient, session: Session
) -> None:
    demo.load_demo(session, office_password="demo-password-1")
    evaluation = session.exec(select(Evaluation).where(Evaluation.year == 2026)).one()
    make_user(session, Role.viewer, username="reader")
    _sign_in(client, "reader")
    home = client.get("/office").text
    link = f"/office/evaluations/{evaluation.id}/satisfaction"
    assert f'href="{link}"' in home
    page = client.get(link)
    assert page.status_code == 200
    assert "市发展和改革委员会" in page.text and "经济发展类部门" in page.text
    assert "市民群众" in page.text  # groups by name in the breakdown
    # One category at a time: the first category's 8 units, each with its group breakdown.
    assert page.text.count("<details><summary>") == 8
    assert client.get(link, params={"period": "Q4"}).status_code == 200
    assert client.get(link, params={"period": "Q9"}).status_code == 404
    policy_page = client.get(f"{link}/policy")
    assert policy_page.status_code == 200 and 'name="level_code"' in policy_page.text
    assert "<fieldset disabled>" in policy_page.text  # a viewer reads, the office edits
    # Interval methods by their names in the reader's language, not their codes.
    assert '<option value="wilson" selected>Wilson 法</option>' in policy_page.text
    assert ">satterthwaite<" not in policy_page.text


def test_the_office_saves_a_policy_version_from_the_form(
    client: TestClient, session: Session
) -> None:
    demo.load_demo(session, office_password="demo-password-1")
    evaluation = session.exec(select(Evaluation).where(Evaluation.year == 2026)).one()
    assert evaluation.id is not None
    url = f"/office/evaluations/{evaluation.id}/satisfaction/policy"
    make_user(session, Role.viewer, username="reader2")
    token = _sign_in(client, "reader2")
    form = _policy_form(client.get(url).text)
    assert client.post(url, data={**form, "csrf_token": token}).status_code == 403

    client.cookies.clear()
    make_user(session, Role.office, username="kaohe")
    token = _sign_in(client, "kaohe")
    form = _policy_form(client.get(url).text)
    assert form["level_code"][:4] == [
        "satisfied",
        "fairly_satisfied",
        "basically_satisfied",
        "dissatisfied",
    ]
    saved = client.post(
        url,
        data={
            **form,
            "csrf_token": token,
            "min_n": "20",
            "satisfied": ["0"],
            "margins": "age: 18-34=340000, 35-59=450000, 60plus=210000",
            "note": "只计满意",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    current = policy_service.get_policy(session, evaluation.id)
    assert current.version == 1 and current.min_n == 20
    assert current.satisfied_levels == ["satisfied"]
    assert current.margins["age"]["35-59"] == 450000
    page = client.get(url).text
    assert "只计满意" in page and "60plus=210000" in page

    bad = client.post(
        url, data={**form, "csrf_token": token, "margins": "age: young=1, old=2\ndistrict"}
    )
    assert bad.status_code == 422 and 'class="error"' in bad.text
    assert policy_service.get_policy(session, evaluation.id).version == 1
    # The significance settings: Bonferroni and a stricter CV band; bands out of order are
    # refused with the field named, and nothing is stored.
    sig = {"sig_p_adjust": "bonferroni", "sig_cv_caution": "0.1", "sig_cv_unreliable": "0.2"}
    saved = client.post(url, data={**form, "csrf_token": token, **sig}, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    current = policy_service.get_policy(session, evaluation.id)
    assert current.version == 2 and current.significance.p_adjust == "bonferroni"
    assert current.significance.cv_unreliable == 0.2
    assert 'value="bonferroni" selected' in client.get(url).text
    bad = client.post(url, data={**form, "csrf_token": token, "sig_cv_caution": "0.5"})
    assert bad.status_code == 422 and "significance" in bad.text
    assert policy_service.get_policy(session, evaluation.id).version == 2
    results = client.get(f"/office/evaluations/{evaluation.id}/satisfaction")
    assert results.status_code == 200
