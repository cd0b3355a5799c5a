"""API tokens: no more rights than their user, stored as a hash, revocable."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from survey.accounts.principal import Principal
from survey.errors import N_, Invalid, NotFound, NotPermitted
from survey.models import ApiToken, Role, User
from survey.rules import role_satisfies
from survey.security import new_token, sha256_hex
from survey.timeutil import utcnow

TOKEN_PREFIX = "pyt_"  # noqa: S105  (a marker, not a secret)


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
    unit_id = None
    if token.user_id is not None and Role(token.role) in (Role.unit, Role.lead):
        # A unit's (or lead department's) token acts for its user's unit.
        user = session.get(User, token.user_id)
        unit_id = user.unit_id if user is not None else None
    return Principal(
        name=f"token:{token.name}", role=Role(token.role), user_id=token.user_id, unit_id=unit_id
    )


def revoke_token(session: Session, prefix: str) -> ApiToken:
    token = session.exec(select(ApiToken).where(ApiToken.prefix == prefix)).first()
    if token is None:
        raise NotFound(N_("No token starts with %(prefix)s."), prefix=prefix)
    token.revoked_at = utcnow()
    session.add(token)
    return token
