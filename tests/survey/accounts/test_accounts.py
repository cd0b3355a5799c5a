"""Users, sessions, tokens and roles."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from survey import accounts
from survey.errors import Conflict, Invalid, NotAuthenticated, NotPermitted
from survey.models import ApiToken, Role, User, WebSession
from survey.timeutil import utcnow
from tests.factories import PASSWORD, make_category, make_unit, make_user


def test_passwords_are_stored_as_argon2_hashes(session: Session) -> None:
    user = make_user(session, username="kaohe")
    stored = session.exec(select(User).where(User.username == "kaohe")).one()
    assert stored.password_hash.startswith("$argon2id$")
    assert PASSWORD not in stored.password_hash
    assert accounts.authenticate(session, "kaohe", PASSWORD) == user
    assert accounts.authenticate(session, "kaohe", PASSWORD + "x") is None
    assert accounts.authenticate(session, "nobody", PASSWORD) is None


def test_inactive_users_cannot_sign_in(session: Session) -> None:
    user = make_user(session, username="gone")
    user.active = False
    session.add(user)
    session.commit()
    assert accounts.authenticate(session, "gone", PASSWORD) is None


def test_user_rules(session: Session) -> None:
    with pytest.raises(Invalid):
        accounts.create_user(session, "ab", "short", Role.office)
    with pytest.raises(Invalid):
        accounts.create_user(session, "x y", PASSWORD, Role.office)
    make_user(session, username="taken")
    with pytest.raises(Conflict):
        accounts.create_user(session, "taken", PASSWORD, Role.office)
    with pytest.raises(Invalid):
        accounts.create_user(session, "unituser", PASSWORD, Role.unit)


def test_unit_users_belong_to_a_unit(session: Session) -> None:
    unit = make_unit(session, make_category(session))
    user = make_user(session, Role.unit, unit_code=unit.code)
    assert user.unit_id == unit.id


def test_sessions_store_only_a_hash_and_expire(session: Session) -> None:
    user = make_user(session)
    token = accounts.start_session(session, user, hours=1)
    session.commit()
    stored = session.exec(select(WebSession)).one()
    assert stored.id != token and token not in stored.id
    principal = accounts.session_principal(session, token)
    assert principal is not None and principal.name == user.username
    stored.expires_at = utcnow() - timedelta(seconds=1)
    session.add(stored)
    session.commit()
    assert accounts.session_principal(session, token) is None
    accounts.end_session(session, token)
    session.commit()
    assert session.exec(select(WebSession)).first() is None


def test_tokens_are_hashed_revocable_and_expire(session: Session) -> None:
    token, plaintext = accounts.create_token(session, "stats bureau", Role.office)
    session.commit()
    assert plaintext.startswith(accounts.TOKEN_PREFIX)
    assert plaintext not in token.token_hash and token.prefix in plaintext
    principal = accounts.token_principal(session, plaintext)
    assert principal is not None and principal.role == Role.office
    assert session.get(ApiToken, token.id).last_used_on == utcnow().date()  # type: ignore[union-attr]
    accounts.revoke_token(session, token.prefix)
    session.commit()
    assert accounts.token_principal(session, plaintext) is None

    _, plaintext = accounts.create_token(
        session, "old", Role.viewer, expires_at=utcnow() - timedelta(days=1)
    )
    session.commit()
    assert accounts.token_principal(session, plaintext) is None


def test_a_token_cannot_outrank_its_user(session: Session) -> None:
    make_user(session, Role.viewer, username="reader")
    with pytest.raises(NotPermitted):
        accounts.create_token(session, "t", Role.office, username="reader")


@pytest.mark.parametrize(
    ("held", "needed", "allowed"),
    [
        (Role.admin, Role.office, True),
        (Role.office, Role.office, True),
        (Role.office, Role.viewer, True),
        (Role.clerk, Role.office, False),
        (Role.viewer, Role.clerk, False),
        (Role.unit, Role.viewer, False),
        (Role.admin, Role.unit, False),
        (Role.unit, Role.unit, True),
    ],
)
def test_role_chain(held: Role, needed: Role, allowed: bool) -> None:
    assert accounts.role_satisfies(held, needed) is allowed


def test_require_distinguishes_anonymous_from_forbidden() -> None:
    with pytest.raises(NotAuthenticated):
        accounts.require(None, Role.viewer)
    with pytest.raises(NotPermitted):
        accounts.require(accounts.Principal("v", Role.viewer), Role.office)
