"""Pages over HTTP: headers, language, errors, CSRF, and the office sign-in."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlmodel import Session, select
from starlette.routing import BaseRoute, Route

from survey.models import AuditLog, Role, WebSession
from tests.factories import PASSWORD, bearer, make_token, make_user
from web.csrf import CHECKED_IN_HANDLER, verify_csrf

TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def _csrf(client: TestClient, path: str = "/office/login") -> str:
    match = TOKEN.search(client.get(path).text)
    assert match
    return match.group(1)


def _sign_in(client: TestClient, username: str, password: str = PASSWORD, **extra: str):
    return client.post(
        "/office/login",
        data={"username": username, "password": password, "csrf_token": _csrf(client), **extra},
        follow_redirects=False,
    )


def test_health_checks_the_database(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_security_headers_on_pages_api_and_static(client: TestClient) -> None:
    for path in ("/", "/api/v1/units", "/static/css/app.css", "/nowhere"):
        headers = client.get(path).headers
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert "default-src 'self'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["x-frame-options"] == "DENY"


def test_chinese_is_the_default_and_english_is_a_switch_away(client: TestClient) -> None:
    page = client.get("/")
    assert '<html lang="zh-CN">' in page.text
    assert "公众评议" in page.text
    switched = client.get("/lang/en", params={"next": "/office/login"}, follow_redirects=False)
    assert switched.status_code == 303
    assert switched.headers["location"] == "/office/login"
    page = client.get("/office/login")
    assert '<html lang="en">' in page.text
    assert "Evaluation office sign-in" in page.text
    client.get("/lang/zh-CN")
    assert "考核办登录" in client.get("/office/login").text


def test_language_switch_refuses_open_redirects_and_unknown_languages(client: TestClient) -> None:
    away = client.get("/lang/en", params={"next": "https://evil.example"}, follow_redirects=False)
    assert away.headers["location"] == "/"
    away = client.get("/lang/en", params={"next": "//evil.example"}, follow_redirects=False)
    assert away.headers["location"] == "/"
    unknown = client.get("/lang/fr", follow_redirects=False)
    assert "pingyi_lang" not in unknown.headers.get("set-cookie", "")


def test_error_pages_speak_the_users_language(client: TestClient) -> None:
    missing = client.get("/no/such/page")
    assert missing.status_code == 404
    assert "您访问的页面不存在" in missing.text
    client.cookies.set("pingyi_lang", "en")
    assert "The page you asked for does not exist." in client.get("/no/such/page").text


def test_sign_in_and_out(client: TestClient, session: Session) -> None:
    make_user(session, Role.office, username="kaohe")
    assert (
        client.get("/office", follow_redirects=False)
        .headers["location"]
        .startswith("/office/login?next=/office")
    )
    wrong = _sign_in(client, "kaohe", "not the password")
    assert wrong.status_code == 400
    assert "用户名或密码错误" in wrong.text
    signed_in = _sign_in(client, "kaohe", next="/office")
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/office"
    cookie = signed_in.headers["set-cookie"]
    assert "pingyi_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" in cookie  # the public base URL is https
    home = client.get("/office")
    assert home.status_code == 200 and "kaohe" in home.text
    logout = client.post(
        "/office/logout", data={"csrf_token": _csrf(client, "/office")}, follow_redirects=False
    )
    assert logout.status_code == 303
    assert session.exec(select(WebSession)).first() is None
    assert client.get("/office", follow_redirects=False).status_code == 303
    actions = session.exec(select(AuditLog.action).order_by(AuditLog.id)).all()  # type: ignore[arg-type]
    assert actions == ["auth.login_failed", "auth.login", "auth.logout"]


def test_unit_accounts_cannot_open_office_pages(client: TestClient, session: Session) -> None:
    from tests.factories import make_category, make_unit

    unit = make_unit(session, make_category(session))
    make_user(session, Role.unit, username="unituser", unit_code=unit.code)
    assert _sign_in(client, "unituser").status_code == 303
    assert client.get("/office").status_code == 403


def test_forms_without_a_valid_csrf_token_are_refused(client: TestClient, session: Session) -> None:
    make_user(session, Role.office, username="kaohe")
    client.get("/office/login")
    refused = client.post("/office/login", data={"username": "kaohe", "password": PASSWORD})
    assert refused.status_code == 403
    assert "表单已过期" in refused.text
    forged = client.post(
        "/office/login",
        data={"username": "kaohe", "password": PASSWORD, "csrf_token": "0" * 64},
    )
    assert forged.status_code == 403
    assert session.exec(select(WebSession)).first() is None


def test_htmx_requests_may_send_the_token_as_a_header(client: TestClient, session: Session) -> None:
    make_user(session, Role.office, username="kaohe")
    token = _csrf(client)
    response = client.post(
        "/office/login",
        data={"username": "kaohe", "password": PASSWORD},
        headers={"X-CSRF-Token": token, "HX-Request": "true"},
        follow_redirects=False,
    )
    assert response.status_code == 303


def _all_routes(routes: list[BaseRoute]) -> Iterator[BaseRoute]:
    """Every route, including those of included routers (FastAPI keeps those nested)."""
    for route in routes:
        original = getattr(route, "original_router", None)
        if original is not None:
            yield from _all_routes(original.routes)
        else:
            yield route


def test_every_state_changing_page_route_checks_csrf(app: FastAPI) -> None:
    unsafe = {"POST", "PUT", "PATCH", "DELETE"}
    checked = set()
    handler_checked = set()
    for route in _all_routes(app.router.routes):
        if not isinstance(route, Route) or not (route.methods or set()) & unsafe:
            continue
        if route.path.startswith("/api/"):
            continue  # bearer tokens, which a browser never sends on its own
        if route.name in CHECKED_IN_HANDLER:
            handler_checked.add(route.name)
            continue  # tested with their own forms
        assert isinstance(route, APIRoute), f"{route.path} is not a FastAPI route"
        calls = {d.call for d in route.dependant.dependencies}
        assert verify_csrf in calls, f"{route.path} changes state without a CSRF check"
        checked.add(route.path)
    # The walk must reach the routers' routes, or this test would pass on nothing.
    assert handler_checked == CHECKED_IN_HANDLER
    assert {"/office/login", "/office/logout"} <= checked
    assert len(checked) > 20


def test_sign_in_attempts_are_rate_limited(client: TestClient, session: Session) -> None:
    make_user(session, Role.office, username="kaohe")
    statuses = [_sign_in(client, "kaohe", "wrong password!").status_code for _ in range(11)]
    assert statuses[:10] == [400] * 10
    assert statuses[10] == 429
    assert _sign_in(client, "kaohe").status_code == 429
    # Every spelling that signs in to the same account counts against the same allowance:
    # padded with spaces, tabs or a newline, the right password is still refused.
    for spelling in (" kaohe ", "kaohe\t", "\nkaohe"):
        assert _sign_in(client, spelling).status_code == 429
    # Another account's allowance is its own.
    make_user(session, Role.office, username="other")
    assert _sign_in(client, "other").status_code == 303


def test_padded_names_sign_in_and_count_as_the_same_account(
    client: TestClient, session: Session
) -> None:
    make_user(session, Role.office, username="kaohe")
    statuses = [
        _sign_in(client, f" kaohe{' ' * (i % 3)}", "wrong password!").status_code for i in range(10)
    ]
    assert statuses == [400] * 10
    assert _sign_in(client, "kaohe").status_code == 429


def test_pages_and_api_answers_are_not_cached_static_files_are(
    client: TestClient, session: Session
) -> None:
    make_user(session, Role.office, username="kaohe")
    assert _sign_in(client, "kaohe").status_code == 303
    for path in ("/", "/office", "/office/login", "/office/audit", "/healthz", "/api/v1/units"):
        answer = client.get(path)
        assert answer.status_code == 200, path
        assert answer.headers["cache-control"] == "no-store", path
    # A 404 page and a redirect are no-store too.
    assert client.get("/office/nothing-here").headers["cache-control"] == "no-store"
    css = client.get("/static/css/app.css")
    assert css.status_code == 200 and css.headers.get("cache-control") != "no-store"


def _effective_routes(app: FastAPI) -> Iterator[Any]:
    """Every API route as the app serves it: full path, methods and dependant."""
    for route in app.router.routes:
        contexts = getattr(route, "effective_route_contexts", None)
        if contexts is not None:
            yield from (c for c in contexts() if c.dependant is not None)
        elif isinstance(route, APIRoute):
            yield route


def test_ids_beyond_64_bits_are_not_found_on_every_route(
    app: FastAPI, client: TestClient, session: Session
) -> None:
    """Every route with an integer in its address answers 404 (not 500) for a number no
    row can have, whatever the database; other methods get a 4xx too."""
    make_user(session, Role.admin, username="kaohe")
    assert _sign_in(client, "kaohe").status_code == 303
    token = make_token(session, Role.admin)
    huge = str(2**64)
    tried = 0
    for route in _effective_routes(app):
        ints = [f.alias for f in route.dependant.path_params if f.field_info.annotation is int]
        if not ints:
            continue
        values = {
            f.alias: (huge if f.alias in ints else "BM01") for f in route.dependant.path_params
        }
        path = route.path_format.format(**values)
        for method in sorted(route.methods - {"HEAD"}):
            answer = client.request(method, path, headers=bearer(token), follow_redirects=False)
            tried += 1
            assert answer.status_code < 500, (method, path, answer.status_code)
            if method == "GET":
                assert answer.status_code == 404, (method, path, answer.status_code)
    assert tried > 40


def test_sign_in_names_no_account_can_have_are_refused_plainly(
    client: TestClient, session: Session
) -> None:
    make_user(session, Role.office, username="kaohe")
    for name in ("kao\x00he", "kaohe\x00", "考核办", "'; DROP TABLE app_user; --"):
        answer = _sign_in(client, name)
        assert answer.status_code == 400, name
        assert "用户名或密码错误" in answer.text
    # The failed attempts are in the audit log, NUL shown as U+FFFD (PostgreSQL stores no NUL).
    failed = session.exec(select(AuditLog.actor).where(AuditLog.action == "auth.login_failed"))
    assert "kao\ufffdhe" in set(failed)
    assert _sign_in(client, "kaohe").status_code == 303


def test_checking_a_scheme_needs_an_office_token(client: TestClient, session: Session) -> None:
    from tests.factories import make_evaluation

    evaluation = make_evaluation(session)
    path = f"/api/v1/evaluations/{evaluation.id}/schemes/validate"
    yaml = {"Content-Type": "application/yaml"}
    assert client.post(path, content=b"category: x\n", headers=yaml).status_code == 401
    reader = {**yaml, **bearer(make_token(session, Role.viewer))}
    assert client.post(path, content=b"category: x\n", headers=reader).status_code == 200


def test_nan_and_infinity_in_json_are_refused_and_change_nothing(
    client: TestClient, session: Session
) -> None:
    """Python's JSON reader takes NaN and Infinity as numbers; every API input refuses them
    with a 422 that names the field, in the user's language, and stores nothing."""
    import json

    from tests.factories import make_category, make_evaluation, make_group

    evaluation = make_evaluation(session)
    category = make_category(session)
    group = make_group(session)
    office = bearer(make_token(session, Role.office))
    headers = {**office, "Content-Type": "application/json"}
    base = f"/api/v1/evaluations/{evaluation.id}"
    for number in (float("nan"), float("inf"), float("-inf")):
        # json.dumps writes these as NaN, Infinity and -Infinity.
        weights = [{"category": category.code, "group": group.code, "weight": number}]
        answer = client.put(
            f"{base}/weights", content=json.dumps({"weights": weights}), headers=headers
        )
        assert answer.status_code == 422, (number, answer.text)
        assert answer.json()["error"]["problems"][0]["field"] == "body.weights[0].weight"
        value = {"unit": "U1", "indicator": "gdp", "period": "year", "value": number}
        pushed = client.post(
            f"{base}/indicators", content=json.dumps({"values": [value]}), headers=headers
        )
        assert pushed.status_code == 422, (number, pushed.text)
    listed = client.get(f"{base}/weights", headers=office)
    assert listed.status_code == 200 and listed.json() == []
