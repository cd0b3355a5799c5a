"""Office accounts: users, browser sessions and API tokens, and who may do what."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, delete, select

from survey.errors import N_, Conflict, Invalid, NotAuthenticated, NotFound, NotPermitted
from survey.models import ApiToken, Role, Unit, User, WebSession
from survey.rules import role_satisfies
from survey.security import hash_password, new_token, sha256_hex, verify_password
from survey.timeutil import utcnow

TOKEN_PREFIX = "pyt_"  # noqa: S105  (a marker, not a secret)
USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{2,64}$")
MIN_PASSWORD_LENGTH = 10


@dataclass(frozen=True)
class Principal:
    """Who is acting: a signed-in user or an API token."""

    name: str
    role: Role
    user_id: int | None = None
    unit_id: int | None = None

    def has(self, needed: Role) -> bool:
        return role_satisfies(self.role, needed)


def require(principal: Principal | None, needed: Role) -> Principal:
    if principal is None:
        raise NotAuthenticated()
    if not principal.has(needed):
        raise NotPermitted()
    return principal


def parse_role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise Invalid(N_("Unknown role %(role)s."), field="role", role=value) from None


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
    if role == Role.unit:
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


def authenticate(session: Session, username: str, password: str) -> User | None:
    user = session.exec(select(User).where(User.username == username)).first()
    valid = verify_password(user.password_hash if user else None, password)
    if user is None or not valid or not user.active:
        return None
    return user


def principal_for_user(user: User) -> Principal:
    return Principal(
        name=user.username, role=Role(user.role), user_id=user.id, unit_id=user.unit_id
    )


def start_session(session: Session, user: User, hours: int) -> str:
    """Create a browser session and return the cookie value; only its hash is stored."""
    token = new_token()
    now = utcnow()
    assert user.id is not None
    session.add(
        WebSession(
            id=sha256_hex(token),
            user_id=user.id,
            created_at=now,
            expires_at=now + timedelta(hours=hours),
        )
    )
    # Expired sessions are pruned on login rather than by a scheduler the app would need.
    session.exec(delete(WebSession).where(col(WebSession.expires_at) < now))
    return token


def session_principal(session: Session, token: str) -> Principal | None:
    if not token:
        return None
    found = session.exec(
        select(WebSession, User)
        .join(User, col(User.id) == WebSession.user_id)
        .where(WebSession.id == sha256_hex(token))
    ).first()
    if found is None:
        return None
    web_session, user = found
    if web_session.expires_at <= utcnow() or not user.active:
        return None
    return principal_for_user(user)


def end_session(session: Session, token: str) -> None:
    session.exec(delete(WebSession).where(col(WebSession.id) == sha256_hex(token)))


def create_token(
    session: Session,
    name: str,
    role: Role,
    *,
    username: str | None = None,
    expires_at: datetime | None = None,
) -> tuple[ApiToken, str]:
    """Create an API token; the plaintext is returned once and never stored."""
    if not name.strip():
        raise Invalid(N_("A token needs a name."), field="name")
    user_id = None
    if username:
        user = session.exec(select(User).where(User.username == username)).first()
        if user is None:
            raise NotFound(N_("No user is called %(username)s."), username=username)
        if not role_satisfies(Role(user.role), role):
            raise NotPermitted(
                N_("A token cannot have more rights than its user (%(role)s)."), role=user.role
            )
        user_id = user.id
    plaintext = TOKEN_PREFIX + new_token()
    token = ApiToken(
        name=name.strip(),
        token_hash=sha256_hex(plaintext),
        prefix=plaintext[: len(TOKEN_PREFIX) + 6],
        role=role,
        user_id=user_id,
        expires_at=expires_at,
    )
    session.add(token)
    session.flush()
    return token, plaintext


def token_principal(session: Session, plaintext: str) -> Principal | None:
    token = session.exec(
        select(ApiToken).where(ApiToken.token_hash == sha256_hex(plaintext))
    ).first()
    now = utcnow()
    if token is None or token.revoked_at is not None:
        return None
    if token.expires_at is not None and token.expires_at <= now:
        return None
    if token.last_used_on != now.date():
        # Day precision is enough to spot stale tokens and costs one write a day.
        token.last_used_on = now.date()
        session.add(token)
        session.commit()
    return Principal(name=f"token:{token.name}", role=Role(token.role), user_id=token.user_id)


def revoke_token(session: Session, prefix: str) -> ApiToken:
    token = session.exec(select(ApiToken).where(ApiToken.prefix == prefix)).first()
    if token is None:
        raise NotFound(N_("No token starts with %(prefix)s."), prefix=prefix)
    token.revoked_at = utcnow()
    session.add(token)
    return token
