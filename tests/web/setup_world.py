"""A small organisation to set up, signed-in users, and a snapshot of what set-up changes."""

from __future__ import annotations

import re
from dataclasses import dataclass

from fastapi.testclient import TestClient
from sqlmodel import Session, SQLModel, select

from survey.models import (
    ApiToken,
    AuditLog,
    Evaluation,
    GroupWeight,
    Period,
    RespondentGroup,
    Role,
    Unit,
    UnitCategory,
    User,
)
from survey.satisfaction.models import SatisfactionPolicyVersion
from tests.factories import (
    PASSWORD,
    make_category,
    make_evaluation,
    make_group,
    make_unit,
    make_user,
    set_weight,
)

TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
ALERT = re.compile(r'role="alert"[^>]*>([^<]*)<')
# Everything the set-up forms can change; a refused form leaves all of it as it was.
_TABLES: list[type[SQLModel]] = [
    Evaluation,
    Period,
    UnitCategory,
    Unit,
    RespondentGroup,
    GroupWeight,
    User,
    ApiToken,
    AuditLog,
    SatisfactionPolicyVersion,
]


@dataclass
class World:
    evaluation: Evaluation
    streets: UnitCategory
    bureaus: UnitCategory
    citizens: RespondentGroup
    firms: RespondentGroup
    unit: Unit


def build_world(session: Session) -> World:
    evaluation = make_evaluation(session, name="二〇二六年度考核")
    streets = make_category(session, name="街道", code="streets")
    bureaus = make_category(session, name="部门", code="bureaus")
    citizens = make_group(session, name="市民", code="citizens")
    firms = make_group(session, name="企业", code="firms")
    for category in (streets, bureaus):
        set_weight(session, evaluation, category, citizens, 0.6)
        set_weight(session, evaluation, category, firms, 0.4)
    unit = make_unit(session, streets, code="S01", name="东城街道")
    make_user(session, Role.admin, username="root")
    make_user(session, Role.office, username="kaohe")
    make_user(session, Role.viewer, username="reader")
    return World(evaluation, streets, bureaus, citizens, firms, unit)


def sign_in(client: TestClient, username: str) -> str:
    """Sign in as ``username``; the CSRF token of the session's forms."""
    client.cookies.clear()
    token = TOKEN.search(client.get("/office/login").text).group(1)  # type: ignore[union-attr]
    answer = client.post(
        "/office/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    return token


def snapshot(session: Session) -> dict[str, list[tuple[object, ...]]]:
    session.expire_all()
    found: dict[str, list[tuple[object, ...]]] = {}
    for table in _TABLES:
        rows = session.exec(select(table)).all()
        found[table.__name__] = sorted(
            (tuple(sorted((k, repr(v)) for k, v in row.model_dump().items())) for row in rows),
            key=repr,
        )
    return found


def alert(page: str) -> str:
    found = ALERT.search(page)
    assert found, "the page shows no alert"
    return found.group(1)


def audit_actions(session: Session) -> list[str]:
    session.expire_all()
    return [a.action for a in session.exec(select(AuditLog).order_by(AuditLog.id))]  # type: ignore[arg-type]
