"""Typed dependencies: the database session, the settings and who is asking."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated, TypeVar

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from survey import accounts
from survey.accounts import Principal
from survey.config import Settings
from survey.errors import NotAuthenticated, NotPermitted
from survey.models import Role
from web.context import engine_of, settings_of

SESSION_COOKIE = "pingyi_session"


def get_session(request: Request) -> Iterator[Session]:
    with Session(engine_of(request), expire_on_commit=False) as session:
        yield session


def get_settings(request: Request) -> Settings:
    return settings_of(request)


SessionDep = Annotated[Session, Depends(get_session)]
T = TypeVar("T")


async def in_session(request: Request, work: Callable[[Session], T]) -> T:
    """Run ``work`` with a session of its own, in one worker-thread call.

    Async handlers use this instead of ``SessionDep``: a pooled connection held across several
    thread hops can, under load, leave every worker thread waiting for a connection that a
    request waiting for a thread holds.
    """

    def run() -> T:
        with Session(engine_of(request), expire_on_commit=False) as session:
            return work(session)

    return await run_in_threadpool(run)


SettingsDep = Annotated[Settings, Depends(get_settings)]


# API tokens (``pingyi token create``) are sent as ``Authorization: Bearer <token>``; declared
# so that the OpenAPI document names the scheme. The check itself is ``bearer_principal``'s.
bearer_scheme = HTTPBearer(
    auto_error=False, description="An API token from `pingyi token create` or the office's page"
)


def bearer_principal(
    request: Request,
    session: SessionDep,
    _declared: Annotated[HTTPAuthorizationCredentials | None, Security(bearer_scheme)],
) -> Principal | None:
    header = request.headers.get("authorization", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        return None
    principal = accounts.token_principal(session, credentials.strip())
    if principal is None:
        raise NotAuthenticated()
    return principal


def browser_principal(request: Request, session: SessionDep) -> Principal | None:
    return accounts.session_principal(session, request.cookies.get(SESSION_COOKIE, ""))


BearerPrincipal = Annotated[Principal | None, Depends(bearer_principal)]
BrowserPrincipal = Annotated[Principal | None, Depends(browser_principal)]


def api_caller(principal: BearerPrincipal) -> Principal:
    """Any valid token; the route checks the role against the evaluation's state itself."""
    if principal is None:
        raise NotAuthenticated()
    return principal


def api_viewer(principal: BearerPrincipal) -> Principal:
    return accounts.require(principal, Role.viewer)


def api_office(principal: BearerPrincipal) -> Principal:
    return accounts.require(principal, Role.office)


def api_admin(principal: BearerPrincipal) -> Principal:
    return accounts.require(principal, Role.admin)


def office_viewer(principal: BrowserPrincipal) -> Principal:
    return accounts.require(principal, Role.viewer)


def office_user(principal: BrowserPrincipal) -> Principal:
    return accounts.require(principal, Role.office)


def unit_member(principal: BrowserPrincipal) -> Principal:
    """A unit's own account in the browser: it sees its unit and nothing else."""
    held = accounts.require(principal, Role.unit)
    if held.unit_id is None:
        raise NotPermitted()
    return held


def lead_member(principal: BrowserPrincipal) -> Principal:
    """A lead department's account in the browser: it scores the indicators it leads."""
    held = accounts.require(principal, Role.lead)
    if held.unit_id is None:
        raise NotPermitted()
    return held


def api_unit(principal: BearerPrincipal) -> Principal:
    held = accounts.require(principal, Role.unit)
    if held.unit_id is None:
        raise NotPermitted()
    return held


MaybeBrowserUser = BrowserPrincipal
# A unit's or a lead department's own pages, and a unit token on the API.
UnitMember = Annotated[Principal, Depends(unit_member)]
LeadMember = Annotated[Principal, Depends(lead_member)]
ApiUnit = Annotated[Principal, Depends(api_unit)]
# API writes: an office token (or an admin's).
ApiOffice = Annotated[Principal, Depends(api_office)]
ApiViewer = Annotated[Principal, Depends(api_viewer)]
ApiCaller = Annotated[Principal, Depends(api_caller)]
ApiAdmin = Annotated[Principal, Depends(api_admin)]
# Office pages in the browser.
OfficeViewer = Annotated[Principal, Depends(office_viewer)]
OfficeUser = Annotated[Principal, Depends(office_user)]
