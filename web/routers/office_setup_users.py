"""Users and API tokens for the administrator: create, disable, reset password, role and unit.

A new password or token is shown once, on the page that answers the form, and never again:
only its hash is stored.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import Response
from sqlmodel import Session

from survey import accounts
from survey import organisation as org
from survey.accounts import Principal, management
from survey.errors import Conflict, DomainError, Invalid, NotFound, NotPermitted
from survey.models import Role
from survey.security import new_password
from web.deps import BrowserPrincipal, SessionDep
from web.routers import browser_router
from web.routers.office_setup_index import back, refusal
from web.safety import client_ip
from web.templating import render

router = browser_router(prefix="/office/setup/users", include_in_schema=False)
_REFUSED = (Invalid, Conflict, NotFound, NotPermitted)


def _admin(principal: Principal | None) -> Principal:
    return accounts.require(principal, Role.admin)


def _page(
    request: Request,
    session: Session,
    principal: Principal,
    *,
    error: str = "",
    error_at: str = "",
    form: dict[str, str] | None = None,
    shown_once: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "office/setup_users.html",
        {
            "principal": principal,
            "users": management.list_users(session),
            "tokens": management.list_tokens(session),
            "units": org.list_units(session),
            "roles": management.ROLE_LABELS,
            "error": error,
            "error_at": error_at,
            "form": form or {},
            "shown_once": shown_once,
        },
        status_code=status_code,
        # A page with a password or token on it must not stay in any cache.
        headers={"Cache-Control": "no-store"},
    )


def _role(value: str) -> Role:
    return accounts.parse_role(value)


def _refused(
    request: Request, session: Session, actor: Principal, error: DomainError, *, status_code: int
) -> Response:
    """The users list again, with why the change to one user was refused (nothing changed)."""
    session.rollback()
    return _page(
        request,
        session,
        actor,
        error=refusal(request, error),
        error_at="users",
        status_code=status_code,
    )


@router.get("", name="office_setup_users")
def users_page(request: Request, session: SessionDep, principal: BrowserPrincipal) -> Response:
    return _page(request, session, _admin(principal))


@router.post("", name="office_setup_user_create")
def user_create(
    request: Request,
    session: SessionDep,
    principal: BrowserPrincipal,
    username: Annotated[str, Form(max_length=64)] = "",
    display_name: Annotated[str, Form(max_length=100)] = "",
    role: Annotated[str, Form(max_length=16)] = "",
    unit: Annotated[str, Form(max_length=32)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
) -> Response:
    actor = _admin(principal)
    form = {"username": username, "display_name": display_name, "role": role, "unit": unit}
    # A blank password field asks for a generated one, shown once.
    generated = not password
    password = password or new_password()
    try:
        user = management.add_user(
            session,
            actor,
            username.strip(),
            password,
            _role(role),
            display_name=display_name.strip(),
            unit_code=unit or None,
            ip=client_ip(request),
        )
    except _REFUSED as error:
        session.rollback()
        return _page(
            request,
            session,
            actor,
            error=refusal(request, error),
            error_at="user",
            form=form,
            status_code=422,
        )
    if generated:
        return _page(
            request,
            session,
            actor,
            shown_once={"kind": "password", "who": user.username, "secret": password},
        )
    return back(request, "office_setup_users")


@router.post("/{user_id}/active", name="office_setup_user_active")
def user_active(
    request: Request,
    user_id: int,
    session: SessionDep,
    principal: BrowserPrincipal,
    active: Annotated[str, Form(max_length=1)] = "",
) -> Response:
    actor = _admin(principal)
    try:
        management.set_active(session, actor, user_id, active == "1", ip=client_ip(request))
    except _REFUSED as error:
        return _refused(request, session, actor, error, status_code=409)
    return back(request, "office_setup_users")


@router.post("/{user_id}/password", name="office_setup_user_password")
def user_password(
    request: Request, user_id: int, session: SessionDep, principal: BrowserPrincipal
) -> Response:
    actor = _admin(principal)
    try:
        user, password = management.reset_password(session, actor, user_id, ip=client_ip(request))
    except _REFUSED as error:
        return _refused(request, session, actor, error, status_code=409)
    return _page(
        request,
        session,
        actor,
        shown_once={"kind": "password", "who": user.username, "secret": password},
    )


@router.post("/{user_id}/role", name="office_setup_user_role")
def user_role(
    request: Request,
    user_id: int,
    session: SessionDep,
    principal: BrowserPrincipal,
    role: Annotated[str, Form(max_length=16)] = "",
    unit: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    actor = _admin(principal)
    try:
        management.set_role(
            session, actor, user_id, _role(role), unit or None, ip=client_ip(request)
        )
    except _REFUSED as error:
        return _refused(request, session, actor, error, status_code=422)
    return back(request, "office_setup_users")


@router.post("/tokens", name="office_setup_token_create")
def token_create(
    request: Request,
    session: SessionDep,
    principal: BrowserPrincipal,
    name: Annotated[str, Form(max_length=100)] = "",
    role: Annotated[str, Form(max_length=16)] = "",
    username: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    actor = _admin(principal)
    try:
        token, plaintext = management.add_token(
            session, actor, name, _role(role), username=username or None, ip=client_ip(request)
        )
    except _REFUSED as error:
        session.rollback()
        return _page(
            request,
            session,
            actor,
            error=refusal(request, error),
            error_at="token",
            form={"token_name": name, "token_role": role, "token_user": username},
            status_code=422,
        )
    return _page(
        request,
        session,
        actor,
        shown_once={"kind": "token", "who": token.name, "secret": plaintext},
    )


@router.post("/tokens/revoke", name="office_setup_token_revoke")
def token_revoke(
    request: Request,
    session: SessionDep,
    principal: BrowserPrincipal,
    prefix: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    actor = _admin(principal)
    try:
        management.revoke(session, actor, prefix, ip=client_ip(request))
    except _REFUSED as error:
        session.rollback()
        return _page(
            request,
            session,
            actor,
            error=refusal(request, error),
            error_at="token",
            status_code=404,
        )
    return back(request, "office_setup_users")
