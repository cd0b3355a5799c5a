"""Browser sessions: only the hash of the cookie value is stored."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, col, delete, select

from survey.accounts.principal import Principal
from survey.accounts.users import principal_for_user
from survey.models import User, WebSession
from survey.security import new_token, sha256_hex
from survey.timeutil import utcnow


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
