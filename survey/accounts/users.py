"""Office users: creation and sign-in by password."""

from __future__ import annotations

import re

from sqlmodel import Session, select

from survey.accounts.principal import Principal
from survey.errors import N_, Conflict, Invalid, NotFound
from survey.models import Role, Unit, User
from survey.security import hash_password, verify_password

USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{2,64}$")
MIN_PASSWORD_LENGTH = 10


def create_user(
    session: Session,
    username: str,
    password: str,
    role: Role,
    *,
    display_name: str = "",
    unit_code: str | None = None,
) -> User:
    if not USERNAME_PATTERN.match(username):
        raise Invalid(
            N_("A username has 2 to 64 letters, digits, dots, dashes or underscores."),
            field="username",
        )
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(
            N_("A password needs at least %(n)s characters."),
            field="password",
            n=MIN_PASSWORD_LENGTH,
        )
    if session.exec(select(User).where(User.username == username)).first():
        raise Conflict(N_("The username %(username)s is taken."), username=username)
    unit_id = None
    if role in (Role.unit, Role.lead):
        if not unit_code:
            raise Invalid(N_("A unit account needs a unit."), field="unit")
        unit = session.exec(select(Unit).where(Unit.code == unit_code)).first()
        if unit is None:
            raise NotFound(N_("No unit has the code %(code)s."), code=unit_code)
        unit_id = unit.id
    user = User(
        username=username,
        display_name=display_name,
        password_hash=hash_password(password),
        role=role,
        unit_id=unit_id,
    )
    session.add(user)
    session.flush()
    return user


def login_name(typed: str) -> str:
    """The username a sign-in looks up, from what was typed. The sign-in throttle counts
    attempts under this same name: any other spelling would be a fresh allowance of guesses
    for the same account."""
    return typed.strip()


def authenticate(session: Session, username: str, password: str) -> User | None:
    name = login_name(username)
    if not USERNAME_PATTERN.fullmatch(name):
        # No account can have this name (PostgreSQL cannot even compare a NUL byte); the
        # password is still checked against nothing, so that the answer takes as long.
        verify_password(None, password)
        return None
    user = session.exec(select(User).where(User.username == name)).first()
    valid = verify_password(user.password_hash if user else None, password)
    if user is None or not valid or not user.active:
        return None
    return user


def principal_for_user(user: User) -> Principal:
    return Principal(
        name=user.username, role=Role(user.role), user_id=user.id, unit_id=user.unit_id
    )
