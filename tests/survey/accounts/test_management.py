"""Account changes keep rights consistent: a user who loses rights loses the tokens that had
them, and a disabled user or a reset password ends the user's browser sessions."""

from __future__ import annotations

from sqlmodel import Session, select

from survey import accounts
from survey.accounts import Principal, management
from survey.models import ApiToken, AuditLog, Role, WebSession
from tests.factories import make_category, make_unit, make_user


def test_a_demoted_user_loses_the_tokens_above_the_new_role(session: Session) -> None:
    admin = make_user(session, Role.admin, username="chief")
    actor = Principal(name="chief", role=Role.admin, user_id=admin.id)
    user = make_user(session, Role.office, username="kaohe2")
    assert user.id is not None
    _, office_token = management.add_token(session, actor, "导入", Role.office, username="kaohe2")
    _, viewer_token = management.add_token(session, actor, "只读", Role.viewer, username="kaohe2")
    unit = make_unit(session, make_category(session), code="U77")

    management.set_role(session, actor, user.id, Role.viewer, None)
    assert accounts.token_principal(session, office_token) is None
    assert accounts.token_principal(session, viewer_token) is not None
    management.set_role(session, actor, user.id, Role.unit, "U77")
    assert accounts.token_principal(session, viewer_token) is None  # unit is off the chain
    session.refresh(user)
    assert (user.role, user.unit_id) == ("unit", unit.id)
    revoked = [
        e.detail["revoked_tokens"]
        for e in session.exec(select(AuditLog).where(AuditLog.action == "user.role"))
    ]
    prefixes = {t.name: t.prefix for t in session.exec(select(ApiToken))}
    assert revoked == [[prefixes["导入"]], [prefixes["只读"]]]


def test_disabling_and_resetting_a_password_end_the_users_sessions(session: Session) -> None:
    admin = make_user(session, Role.admin, username="chief2")
    actor = Principal(name="chief2", role=Role.admin, user_id=admin.id)
    user = make_user(session, Role.clerk, username="luru")
    assert user.id is not None
    cookie = accounts.start_session(session, user, 8)
    session.commit()
    assert accounts.session_principal(session, cookie) is not None
    _, password = management.reset_password(session, actor, user.id)
    assert accounts.session_principal(session, cookie) is None
    assert accounts.authenticate(session, "luru", password) is not None
    accounts.start_session(session, user, 8)
    session.commit()
    management.set_active(session, actor, user.id, False)
    assert session.exec(select(WebSession).where(WebSession.user_id == user.id)).all() == []
    assert accounts.authenticate(session, "luru", password) is None
