"""Public pages: the front page and the language switch."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from survey import organisation as org
from survey.config import SUPPORTED_LANGUAGES
from survey.publication import service as publication
from web.context import settings_of
from web.deps import SessionDep
from web.i18n import LANGUAGE_COOKIE
from web.safety import local_path
from web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/", name="home")
def home(request: Request, session: SessionDep) -> Response:
    published = {p.evaluation.id for p in publication.public_listing(session)}
    return render(
        request,
        "home.html",
        {"evaluations": org.list_evaluations(session), "published_ids": published},
    )


@router.get("/lang/{language}", name="set_language")
def set_language(request: Request, language: str, next: str = "/") -> Response:
    """A preference, not a change of server state, so a plain link may set it."""
    response = RedirectResponse(local_path(next, "/"), status_code=303)
    if language in SUPPORTED_LANGUAGES:
        response.set_cookie(
            LANGUAGE_COOKIE,
            language,
            max_age=365 * 24 * 3600,
            samesite="lax",
            secure=settings_of(request).secure_cookies,
            path="/",
        )
    return response
