"""The administrator's changes to accounts: users and API tokens, each one audited.

The functions in ``users`` and ``tokens`` neither audit nor commit (the CLI does both); these
are the use cases of the office's user page, which also keep an account's rights consistent:
a user who loses rights loses the tokens that had them, and disabling or resetting a
password ends the user's browser sessions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, delete, select

from survey import audit
from survey.accounts.principal import Principal, require
from survey.accounts.tokens import create_token, revoke_token
from survey.accounts.users import create_user
from survey.errors import N_, Conflict, Invalid, NotFound
from survey.models import ApiToken, Role, Unit, User, WebSession
from survey.rules import role_satisfies
from survey.security import hash_password, new_password
from survey.timeutil import utcnow

# The words for each role, in the order a form offers them.
ROLE_LABELS: dict[Role, str] = {
    Role.admin: N_("Administrator"),
    Role.office: N_("Evaluation office"),
    Role.clerk: N_("Data entry clerk"),
    Role.viewer: N_("Viewer"),
    Role.unit: N_("Unit under evaluation"),
    Role.lead: N_("Lead department"),
}


@dataclass(frozen=True)
class UserRow:
    id: int
    username: str
    display_name: str
    role: str
    unit_code: str
    unit_name: str
    active: bool
    created_at: datetime


def list_users(session: Session) -> list[UserRow]:
    rows = session.exec(
        select(User, Unit)
        .join(Unit, col(Unit.id) == User.unit_id, isouter=True)
        .order_by(col(User.username))
    )
    return [
        UserRow(
            id=user.id or 0,
            username=user.username,
            display_name=user.display_name,
            role=user.role,
            unit_code=unit.code if unit else "",
            unit_name=unit.name if unit else "",
            active=user.active,
            created_at=user.created_at,
        )
        for user, unit in rows
    ]


def list_tokens(session: Session) -> list[tuple[ApiToken, str]]:
    """Every token with its user's name ("" for a token of nobody)."""
    rows = session.exec(
        select(ApiToken, User)
        .join(User, col(User.id) == ApiToken.user_id, isouter=True)
        .order_by(col(ApiToken.created_at).desc())
    )
    return [(token, user.username if user else "") for token, user in rows]


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(N_("No user has the id %(id)s."), id=user_id)
    return user


def add_user(
    session: Session,
    actor: Principal,
    username: str,
    password: str,
    role: Role,
    *,
    display_name: str = "",
    unit_code: str | None = None,
    ip: str = "",
) -> User:
    require(actor, Role.admin)
    user = create_user(
        session, username, password, role, display_name=display_name, unit_code=unit_code
    )
    audit.record(
        session,
        actor.name,
        "user.create",
        target_type="user",
        target_id=user.username,
        ip=ip,
        role=role,
        unit=unit_code or "",
    )
    session.commit()
    return user


def set_active(
    session: Session, actor: Principal, user_id: int, active: bool, *, ip: str = ""
) -> User:
    require(actor, Role.admin)
    user = _user(session, user_id)
    if user.id == actor.user_id and not active:
        raise Conflict(N_("You cannot disable your own account."))
    user.active = active
    session.add(user)
    if not active:
        _end_sessions(session, user_id)
    audit.record(
        session,
        actor.name,
        "user.enable" if active else "user.disable",
        target_type="user",
        target_id=user.username,
        ip=ip,
    )
    session.commit()
    return user


def reset_password(
    session: Session, actor: Principal, user_id: int, *, ip: str = ""
) -> tuple[User, str]:
    """Give the user a new random password, returned once; their sessions end."""
    require(actor, Role.admin)
    user = _user(session, user_id)
    password = new_password()
    user.password_hash = hash_password(password)
    session.add(user)
    _end_sessions(session, user_id)
    audit.record(
        session,
        actor.name,
        "user.password_reset",
        target_type="user",
        target_id=user.username,
        ip=ip,
    )
    session.commit()
    return user, password


def set_role(
    session: Session,
    actor: Principal,
    user_id: int,
    role: Role,
    unit_code: str | None,
    *,
    ip: str = "",
) -> User:
    """Change a user's role and unit; tokens with more rights than the new role are revoked."""
    require(actor, Role.admin)
    user = _user(session, user_id)
    if user.id == actor.user_id and role != Role(user.role):
        # Otherwise the last administrator could lock everyone out of this page.
        raise Conflict(N_("You cannot change your own role."))
    unit_id = None
    if role in (Role.unit, Role.lead):
        if not unit_code:
            raise Invalid(N_("A unit account needs a unit."), field="unit")
        unit = session.exec(select(Unit).where(Unit.code == unit_code)).first()
        if unit is None:
            raise NotFound(N_("No unit has the code %(code)s."), code=unit_code)
        unit_id = unit.id
    old_role = user.role
    user.role = role
    user.unit_id = unit_id
    session.add(user)
    revoked: list[str] = []
    for token in session.exec(
        select(ApiToken).where(ApiToken.user_id == user_id, col(ApiToken.revoked_at).is_(None))
    ):
        if not role_satisfies(role, Role(token.role)):
            token.revoked_at = utcnow()
            session.add(token)
            revoked.append(token.prefix)
    audit.record(
        session,
        actor.name,
        "user.role",
        target_type="user",
        target_id=user.username,
        ip=ip,
        old=old_role,
        new=role,
        unit=unit_code or "",
        revoked_tokens=revoked,
    )
    session.commit()
    return user


def add_token(
    session: Session,
    actor: Principal,
    name: str,
    role: Role,
    *,
    username: str | None = None,
    ip: str = "",
) -> tuple[ApiToken, str]:
    """Create a token; the plaintext is returned once and never stored."""
    require(actor, Role.admin)
    token, plaintext = create_token(session, name, role, username=username or None)
    audit.record(
        session,
        actor.name,
        "token.create",
        target_type="token",
        target_id=token.prefix,
        ip=ip,
        role=role,
        user=username or "",
    )
    session.commit()
    return token, plaintext


def revoke(session: Session, actor: Principal, prefix: str, *, ip: str = "") -> ApiToken:
    require(actor, Role.admin)
    token = revoke_token(session, prefix)
    audit.record(session, actor.name, "token.revoke", target_type="token", target_id=prefix, ip=ip)
    session.commit()
    return token


def _end_sessions(session: Session, user_id: int) -> None:
    session.exec(delete(WebSession).where(col(WebSession.user_id) == user_id))
