"""Every route of the app, called as every caller, answers as ``web.access.ROUTES`` says.

Denied: 401, 403, 404, or a page's redirect to sign in. Allowed: anything else (a 422 for the
empty form the test sends is allowed: the caller got past the checks). A 404 for an allowed
caller passes only when every allowed caller gets it (the demo has no such object, say an
adjustment id), and never on a unit's own-unit routes. Routes a unit reaches for its own unit
are called again with another unit's code, and must answer 404.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select
from starlette.routing import BaseRoute, Mount, Route

from survey import accounts, demo
from survey.accounts import Principal, create_token
from survey.ballots.models import BallotBatch
from survey.comments.topic_models import Topic
from survey.composite.models import LeadAssignment
from survey.demo.leads import DEMO_LEAD_UNIT
from survey.models import (
    Comment,
    Evaluation,
    EvaluationStatus,
    RespondentGroup,
    Response,
    Role,
    Unit,
    UnitCategory,
    User,
)
from survey.security import keyed_hash
from survey.surveys.models import Survey, SurveyQuestion
from survey.unit_home.service import set_composite_release
from tests.factories import TEST_SECRET, make_user
from web.access import ROUTES, Access, Caller, route_key

OWN_UNIT = "BM09"
OTHER_UNIT = "BM01"  # another city department, in the same category kind
CSRF_SEED = "matrix-csrf-seed"


def _routes(routes: list[BaseRoute]) -> Iterator[Route]:
    for route in routes:
        original = getattr(route, "original_router", None)
        if original is not None:
            yield from _routes(original.routes)
        elif isinstance(route, Route):
            yield route
        else:
            assert isinstance(route, Mount), route  # only /static, which is not a route


def _keys(app: FastAPI) -> Iterator[tuple[str, str, str]]:
    """(key, method, path) of every route; HEAD rides along with GET."""
    for route in _routes(app.router.routes):
        for method in sorted(route.methods or ()):
            if method != "HEAD":
                yield route_key(method, route.path), method, route.path


def test_every_route_is_in_the_table(app: FastAPI) -> None:
    keys = {key for key, _, _ in _keys(app)}
    missing = sorted(keys - set(ROUTES))
    assert not missing, (
        "Declare these routes in web/access.py ROUTES (one line each): " + ", ".join(missing)
    )
    stale = sorted(set(ROUTES) - keys)
    assert not stale, "web/access.py declares routes the app does not have: " + ", ".join(stale)


@dataclass
class World:
    open_id: int
    published_id: int
    values: dict[str, str]
    users: dict[Caller, User]
    tokens: dict[Caller, str]


def _world(session: Session) -> World:
    info = demo.load_demo(session, office_password="demo-password-1")
    evaluations = {e.status: e for e in session.exec(select(Evaluation))}
    open_eval = evaluations[EvaluationStatus.open]
    published = evaluations[EvaluationStatus.published]
    assert open_eval.id is not None and published.id is not None
    set_composite_release(session, open_eval.id, True, Principal("office", Role.office), ip="")
    users: dict[Caller, User] = {}
    tokens: dict[Caller, str] = {}
    for caller in Caller:
        if caller is Caller.anonymous:
            continue
        unit_code = {Caller.unit: OWN_UNIT, Caller.lead: DEMO_LEAD_UNIT}.get(caller)
        user = make_user(session, Role(caller.value), username=f"m-{caller}", unit_code=unit_code)
        users[caller] = user
        _, tokens[caller] = create_token(
            session, f"m-{caller}", Role(caller.value), username=user.username
        )
    session.commit()
    survey = session.exec(select(Survey).where(Survey.slug == info.survey_slug)).one()
    question = session.exec(
        select(SurveyQuestion).where(SurveyQuestion.survey_id == survey.id)
    ).first()
    assert question is not None
    batch = session.exec(
        select(BallotBatch).where(BallotBatch.evaluation_id == open_eval.id)
    ).first()
    assert batch is not None
    own = session.exec(select(Unit).where(Unit.code == OWN_UNIT)).one()
    category = session.get(UnitCategory, own.category_id)
    assert category is not None
    group = session.exec(select(RespondentGroup)).first()
    assert group is not None
    response = session.exec(select(Response.id).order_by(col(Response.id))).first()
    target = make_user(session, Role.viewer, username="m-target")
    lead_unit = session.exec(select(Unit).where(Unit.code == DEMO_LEAD_UNIT)).one()
    assignment = session.exec(
        select(LeadAssignment).where(
            LeadAssignment.evaluation_id == open_eval.id,
            LeadAssignment.lead_unit_id == lead_unit.id,
        )
    ).first()
    assert assignment is not None
    topic = session.exec(select(Topic).where(Topic.evaluation_id == open_eval.id)).first()
    about_own = session.exec(
        select(Comment).where(Comment.evaluation_id == open_eval.id, Comment.unit_id == own.id)
    ).first()
    assert about_own is not None
    assert topic is not None
    values = {
        "slug": survey.slug,
        "language": "en",
        "survey_id": str(survey.id),
        "batch_id": str(batch.id),
        "response_id": str(response),
        "adjustment_id": "999999",
        "user_id": str(target.id),
        "file_format": "xlsx",
        "category": category.code,
        "unit": OWN_UNIT,
        "item": "no-such-item",
        "question_code": question.code,
        "category_code": category.code,
        "unit_code": OWN_UNIT,
        "group_code": group.code,
        "goal_code": "no-such-goal",
        "assignment_id": str(assignment.id),
        "topic_id": str(topic.id),
        "extension": "csv",
        "fmt": "csv",
        "key": f"{about_own.response_id}-{about_own.seq}",
        "version": "1",
        "action": "withdraw",
    }
    return World(open_eval.id, published.id, values, users, tokens)


def _code_kind(path: str) -> str:
    if "/questions/" in path:
        return "question_code"
    if "/categories/" in path:
        return "category_code"
    if "/groups/" in path:
        return "group_code"
    if "/excellence/" in path:
        return "goal_code"
    return "unit_code"


def _url(path: str, world: World, evaluation_id: int, unit: str | None = None) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "evaluation_id":
            return str(evaluation_id)
        if name == "code":
            kind = _code_kind(path)
            return unit if unit is not None and kind == "unit_code" else world.values[kind]
        if name == "unit" and unit is not None:
            return unit
        if name == "topic_id" and path.endswith("/delete"):
            # The first caller allowed would delete the topic the next one asks for.
            return "999999"
        return world.values[name]

    return re.sub(r"{(\w+)}", value, path)


def _call(
    client: TestClient,
    session: Session,
    world: World,
    caller: Caller,
    method: str,
    url: str,
    params: dict[str, str],
) -> tuple[int, str]:
    client.cookies.clear()
    cookies = [f"pingyi_csrf={CSRF_SEED}"]
    headers = {"X-CSRF-Token": keyed_hash(TEST_SECRET, "csrf", CSRF_SEED)}
    if caller is not Caller.anonymous:
        # A fresh sign-in each time: one of the routes is the sign-out.
        cookies.append(f"pingyi_session={accounts.start_session(session, world.users[caller], 1)}")
        session.commit()
        headers["Authorization"] = f"Bearer {world.tokens[caller]}"
    headers["Cookie"] = "; ".join(cookies)
    response = client.request(method, url, params=params, headers=headers, follow_redirects=False)
    return response.status_code, response.headers.get("location", "")


def _denied(status: int, location: str) -> bool:
    # The sign-in redirect carries the page asked for; signing out also lands on the sign-in.
    return status in (401, 403, 404) or (
        status in (302, 303, 307) and "/office/login?next=" in location
    )


def _check(
    client: TestClient,
    session: Session,
    world: World,
    key: str,
    method: str,
    path: str,
    allowed: frozenset[Caller],
    evaluation_id: int,
    own_unit: bool,
) -> list[str]:
    problems: list[str] = []
    url = _url(path, world, evaluation_id)
    params = (
        {"evaluation": str(evaluation_id)} if path.startswith(("/unit", "/api/v1/unit")) else {}
    )
    seen: dict[Caller, tuple[int, str]] = {
        caller: _call(client, session, world, caller, method, url, params) for caller in Caller
    }
    allowed_404 = [c for c in allowed if seen[c][0] == 404]
    for caller, (status, location) in seen.items():
        if caller in allowed:
            if status in (401, 403) or (_denied(status, location) and status != 404):
                problems.append(f"{key} [{url}]: {caller} allowed by the table, got {status}")
            elif status == 404 and (len(allowed_404) != len(allowed) or own_unit):
                problems.append(f"{key} [{url}]: {caller} allowed by the table, got 404")
            elif status >= 500:
                problems.append(f"{key} [{url}]: {caller} got {status}")
        elif not _denied(status, location):
            problems.append(f"{key} [{url}]: {caller} denied by the table, got {status}")
    if own_unit and Caller.unit in allowed:
        # Another unit's object, by code in the path or as the unit filter: 404, never 403.
        if "{code}" in path or "{unit}" in path:
            other_url, other_params = _url(path, world, evaluation_id, OTHER_UNIT), params
        else:
            other_url, other_params = url, {**params, "unit": OTHER_UNIT}
        status, _ = _call(client, session, world, Caller.unit, method, other_url, other_params)
        if status != 404:
            problems.append(f"{key} [{other_url}]: unit asking for another unit got {status}")
    return problems


def test_every_route_answers_every_caller_as_the_table_says(
    app: FastAPI, client: TestClient, session: Session
) -> None:
    world = _world(session)
    problems: list[str] = []
    checked = 0
    for key, method, path in sorted(_keys(app), key=lambda k: ("logout" in k[0], k[0])):
        access: Access = ROUTES[key]
        evaluation_id = world.published_id if access.evaluation == "published" else world.open_id
        problems += _check(
            client,
            session,
            world,
            key,
            method,
            path,
            access.callers,
            evaluation_id,
            access.own_unit,
        )
        checked += 1
        if access.published is not None and "{evaluation_id}" in path:
            problems += _check(
                client,
                session,
                world,
                key,
                method,
                path,
                access.published,
                world.published_id,
                access.own_unit,
            )
    assert checked == len(ROUTES)
    assert not problems, "\n".join(problems)
