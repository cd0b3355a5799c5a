"""One place that turns domain exceptions and HTTP errors into pages or JSON, translated."""

from __future__ import annotations

import logging
from urllib.parse import quote, urlsplit

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.routing import Match, Route

from survey.errors import (
    N_,
    Conflict,
    DomainError,
    Invalid,
    NotAuthenticated,
    NotFound,
    NotPermitted,
    Unavailable,
)
from survey.validation import location, problem_message
from web.context import settings_of
from web.csrf import CsrfFailed
from web.i18n import gettext, language_of, translate
from web.openapi import flat_routes
from web.request_log import REQUEST_ID_HEADER, current_request_id
from web.templating import render

log = logging.getLogger("pingyi.web")

_STATUS: list[tuple[type[DomainError], int]] = [
    (NotFound, 404),
    (Invalid, 422),
    (Conflict, 409),
    (CsrfFailed, 403),
    (NotPermitted, 403),
    (NotAuthenticated, 401),
    (Unavailable, 503),
]
_HTTP_MESSAGES = {
    400: N_("The request could not be understood."),
    401: N_("Please sign in."),
    403: N_("You are not permitted to do this."),
    404: N_("The page you asked for does not exist."),
    405: N_("This address does not accept that kind of request."),
    413: N_("What you sent is too large."),
    422: N_("The input is not valid."),
    429: N_("Too many requests. Please wait a moment and try again."),
    500: N_("Something went wrong on our side. Please try again later."),
    503: N_("The service is briefly unavailable. Please try again."),
}


def http_message(language: str, status: int) -> str:
    return gettext(language, _HTTP_MESSAGES.get(status, _HTTP_MESSAGES[400]))


def status_for(error: DomainError) -> int:
    if getattr(error, "retry_after", None) is not None:
        return 429
    for kind, status in _STATUS:
        if isinstance(error, kind):
            return status
    return 400


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _language(request: Request) -> str:
    return language_of(request, settings_of(request).default_language)


def error_response(
    request: Request,
    status: int,
    message: str,
    *,
    code: str,
    field: str | None = None,
    headers: dict[str, str] | None = None,
    problems: list[dict[str, str]] | None = None,
) -> Response:
    """``message`` is already translated."""
    if wants_json(request):
        body: dict[str, object] = {"code": code, "message": message}
        if field:
            body["field"] = field
        if problems:
            body["problems"] = problems
        return JSONResponse({"error": body}, status_code=status, headers=headers)
    return render(
        request,
        "error.html",
        {"status": status, "message": message},
        status_code=status,
        headers=headers,
    )


def _same_site_path(url: str, host: str) -> str:
    """The path and query of a URL, if it names no other site (so ``next`` stays ours)."""
    parts = urlsplit(url)
    if parts.netloc not in ("", host) or not parts.path.startswith("/"):
        return ""
    return parts.path + (f"?{parts.query}" if parts.query else "")


async def handle_domain_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, DomainError)
    status = status_for(error)
    if isinstance(error, NotAuthenticated) and not wants_json(request):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        login = request.app.url_path_for("office_login")
        if request.headers.get("hx-request") == "true":
            # An htmx refresh (the projector's turnout, a filter) would swap the login page
            # into a part of the screen: the whole page goes to the sign-in instead, and back
            # to the page it was on afterwards.
            shown = (
                _same_site_path(request.headers.get("hx-current-url", ""), request.url.netloc)
                or target
            )
            return Response(
                status_code=204, headers={"HX-Redirect": f"{login}?next={quote(shown)}"}
            )
        return RedirectResponse(f"{login}?next={quote(target)}", status_code=303)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    retry_after = getattr(error, "retry_after", None)
    if retry_after:
        headers = {"Retry-After": str(retry_after)}
    language = _language(request)
    message = gettext(language, error.message, **error.params)
    # A submission can break several rules at once; the API lists them all.
    problems = [
        {"field": e.field, "message": gettext(language, e.message, **e.params)}
        for e in getattr(error, "errors", [])
    ]
    return error_response(
        request,
        status,
        message,
        code=type(error).__name__,
        field=getattr(error, "field", None),
        headers=headers,
        problems=problems,
    )


def allowed_methods(request: Request) -> str:
    """Every method some route takes at this path, for the Allow header of a 405.

    Starlette names only the methods of the first route whose path matched, but GET and PATCH
    of one address are often two routes (two functions). As in OpenAPI, a path with fewer
    parameters goes first: ``/schemes/export`` is not ``/schemes/{category}``.
    """
    matching: list[tuple[int, set[str]]] = []
    for route in flat_routes(request.app.router.routes):
        if isinstance(route, Route) and route.methods:
            match, _ = route.matches({**request.scope, "type": "http"})
            if match is not Match.NONE:
                matching.append((len(route.param_convertors), route.methods))
    fewest = min((n for n, _ in matching), default=0)
    methods = set().union(*(m for n, m in matching if n == fewest))
    return ", ".join(sorted(methods))


async def handle_http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)
    status = error.status_code
    message = gettext(_language(request), _HTTP_MESSAGES.get(status, _HTTP_MESSAGES[400]))
    headers = dict(error.headers) if error.headers else {}
    if status == 405:
        headers["Allow"] = allowed_methods(request)
    return error_response(
        request,
        status,
        message,
        code=f"http_{status}",
        headers=headers or None,
    )


async def handle_validation_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    language = _language(request)
    message = gettext(language, _HTTP_MESSAGES[422])
    # Pydantic's own wording is English; each problem also goes out in the reader's language.
    problems = [
        {
            "field": location(item["loc"]),
            "message": translate(language, problem_message(item)),
        }
        for item in error.errors()
    ]
    if wants_json(request):
        return JSONResponse(
            {
                "error": {"code": "validation", "message": message, "problems": problems},
                # Pydantic's items without the input they refused: echoing it back serves no
                # one, and NaN or Infinity there cannot even be written as JSON (a 500).
                "detail": jsonable_encoder(
                    [{k: v for k, v in item.items() if k != "input"} for item in error.errors()]
                ),
            },
            status_code=422,
        )
    if problems:
        first = problems[0]
        message += " " + gettext(
            language, N_("%(where)s: %(problem)s"), where=first["field"], problem=first["message"]
        )
    return error_response(request, 422, message, code="validation")


async def handle_unexpected(request: Request, error: Exception) -> Response:
    # Logged with the request's id and the traceback (web.request_log); the id goes back to
    # the user too, so that a report of the failure finds its log line. This response is sent
    # from outside the middleware that adds the id to every other one.
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    message = gettext(_language(request), _HTTP_MESSAGES[500])
    response = error_response(request, 500, message, code="internal")
    request_id = current_request_id()
    if request_id:
        response.headers[REQUEST_ID_HEADER] = request_id
    return response


async def handle_disconnect(request: Request, error: Exception) -> Response:
    # The client went away mid-request (a phone lost its signal): nothing to answer, no alarm.
    log.info("client disconnected during %s %s", request.method, request.url.path)
    return Response(status_code=499)


async def handle_database_down(request: Request, error: Exception) -> Response:
    """The database cannot be reached (stopped, restarting, network, no free connection).

    The request's transaction never committed, so nothing is half-written; 503 with
    Retry-After tells browsers, balancers and API clients to come back, and the pool's
    pre-ping replaces dead connections, so service resumes by itself when the database does.
    """
    if "no such " in str(error):
        # SQLite reports a missing table or column as an OperationalError too: that is a
        # fault of ours (an unmigrated database), not a passing outage.
        return await handle_unexpected(request, error)
    log.warning(
        "database unavailable on %s %s: %s", request.method, request.url.path, type(error).__name__
    )
    message = gettext(_language(request), _HTTP_MESSAGES[503])
    response = error_response(request, 503, message, code="unavailable")
    response.headers["Retry-After"] = "5"
    return response


def install(app: FastAPI) -> None:
    app.add_exception_handler(ClientDisconnect, handle_disconnect)
    app.add_exception_handler(DomainError, handle_domain_error)
    app.add_exception_handler(StarletteHTTPException, handle_http_error)
    app.add_exception_handler(RequestValidationError, handle_validation_error)
    for unreachable in (OperationalError, InterfaceError, PoolTimeout):
        app.add_exception_handler(unreachable, handle_database_down)
    app.add_exception_handler(Exception, handle_unexpected)
