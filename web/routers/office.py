"""The evaluation office in the browser: sign in, sign out, and the office home page."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from survey import accounts, audit
from survey import organisation as org
from survey.comments.words import STATUS_WORDS
from survey.errors import N_
from survey.models import Role
from survey.overview import CHANNEL_NAMES, GroupTurnout, current_evaluation, overview
from survey.overview_charts import overview_charts
from web.charts import ECHARTS_FILE
from web.context import settings_of
from web.deps import SESSION_COOKIE, MaybeBrowserUser, OfficeViewer, SessionDep
from web.forms import one_value_each
from web.i18n import gettext, language_of, translations
from web.routers import browser_router
from web.safety import client_ip, local_path
from web.templating import render

router = browser_router(prefix="/office", include_in_schema=False)
LOGIN_LIMIT = 10
LOGIN_WINDOW_SECONDS = 300


def landing(request: Request, role: Role, next: str) -> str:
    """Where a sign-in leads: ``next`` when it is a local page of the account's own area,
    else its home (a unit account's own unit; the office home for the office's roles)."""
    own = {Role.unit: "unit_start", Role.lead: "lead_home"}.get(role)
    if own is not None:
        # A unit or a lead department has its own area and nothing outside it.
        home = request.url_for(own).path
        wanted = local_path(next, home)
        return wanted if wanted == home or wanted.startswith(home + "/") else home
    return local_path(next, request.url_for("office_home").path)


@router.get("/login", name="office_login")
def login_page(request: Request, principal: MaybeBrowserUser, next: str = "") -> Response:
    if principal is not None:
        return RedirectResponse(landing(request, principal.role, next), 303)
    return render(request, "office/login.html", {"next": local_path(next, "")})


@router.post(
    "/login",
    name="office_login_submit",
    dependencies=[Depends(one_value_each("username", "password"))],
)
def login_submit(
    request: Request,
    session: SessionDep,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
    next: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    settings = settings_of(request)
    language = language_of(request, settings.default_language)
    ip = client_ip(request)
    verdict = request.app.state.rate_limiter.hit(
        "login", f"{ip}:{accounts.login_name(username)}", LOGIN_LIMIT, LOGIN_WINDOW_SECONDS
    )
    if not verdict.allowed:
        message = gettext(
            language,
            N_("Too many sign-in attempts. Try again in %(s)s seconds."),
            s=verdict.retry_after,
        )
        return render(
            request,
            "office/login.html",
            {"next": next, "error": message, "username": username},
            status_code=429,
            headers={"Retry-After": str(verdict.retry_after)},
        )
    user = accounts.authenticate(session, username, password)
    if user is None:
        audit.record(session, username[:100] or "?", "auth.login_failed", ip=ip)
        session.commit()
        message = gettext(language, N_("The username or password is wrong."))
        return render(
            request,
            "office/login.html",
            {"next": next, "error": message, "username": username},
            status_code=400,
        )
    token = accounts.start_session(session, user, settings.session_hours)
    audit.record(session, user.username, "auth.login", ip=ip)
    session.commit()
    response = RedirectResponse(landing(request, Role(user.role), next), 303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        max_age=settings.session_hours * 3600,
        path="/",
    )
    return response


@router.post("/logout", name="office_logout")
def logout(request: Request, session: SessionDep, principal: MaybeBrowserUser) -> Response:
    token = request.cookies.get(SESSION_COOKIE, "")
    if token:
        accounts.end_session(session, token)
        if principal is not None:
            audit.record(session, principal.name, "auth.logout", ip=client_ip(request))
        session.commit()
    response = RedirectResponse(request.url_for("office_login").path, 303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("", name="office_home")
def office_home(
    request: Request, session: SessionDep, principal: OfficeViewer, evaluation: int | None = None
) -> Response:
    units = org.list_units(session)
    categories = org.list_categories(session)
    unit_counts = {c.code: sum(1 for u in units if u.category == c.code) for c in categories}
    chosen = current_evaluation(session, evaluation)
    summary = overview(session, chosen) if chosen is not None else None
    language = language_of(request, settings_of(request).default_language)

    def name(item: GroupTurnout) -> str:
        return item.name_en if language == "en" and item.name_en else item.name

    return render(
        request,
        "office/home.html",
        {
            "principal": principal,
            "evaluations": org.list_evaluations(session),
            "categories": categories,
            "unit_counts": unit_counts,
            "groups": org.list_groups(session),
            "overview": summary,
            "channel_names": CHANNEL_NAMES,
            "comment_status_words": STATUS_WORDS,
            "charts": (
                overview_charts(summary, name, translations(language).gettext)
                if summary is not None
                else {}
            ),
            "echarts_file": ECHARTS_FILE,
        },
    )
