"""Jinja2 templates with the request's language, its CSRF token and named-route links."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import HTMLResponse

from survey import rules
from survey.composite import reasons, terms
from survey.errors import Message
from survey.labels import label
from web.context import settings_of
from web.csrf import CSRF_COOKIE, CSRF_FIELD, CSRF_HEADER, csrf_token
from web.i18n import LANGUAGE_NAMES, language_of, translate, translations

TEMPLATE_DIR = Path(__file__).parent / "templates"
HTMX_FILE = "vendor/htmx-2.0.11.min.js"
CSRF_COOKIE_DAYS = 30


def _context(request: Request) -> dict[str, Any]:
    settings = settings_of(request)
    language = language_of(request, settings.default_language)
    catalog = translations(language)
    return {
        "lang": language,
        "languages": LANGUAGE_NAMES,
        "_": catalog.gettext,
        "label": lambda code: catalog.gettext(label(code)),
        "named": lambda item, attr="name": _name_in(item, language, attr),
        "gettext": catalog.gettext,
        # A ``survey.errors.Message`` (a rule description, say) in the reader's language.
        "tr": lambda message: translate(language, message),
        # Words that may be a message or plain text (a code a catalogue does not know).
        "words": lambda item: translate(language, item) if isinstance(item, Message) else item,
        "terms": terms,
        # A stored reason (code and parameters) worded, with scheme codes by their names.
        "note": lambda item, labels=None: _note(language, item, labels or {}),
        "ngettext": catalog.ngettext,
        "csrf_field": CSRF_FIELD,
        "csrf_header": CSRF_HEADER,
        "csrf_token": lambda: csrf_token(request),
        "htmx_file": HTMX_FILE,
        # The permission table (survey.rules): can(principal, "edit", evaluation.status).
        "can": rules.can,
        # Site-relative links, so the pages work behind any balancer or host name.
        "url_for": lambda name, **params: request.url_for(name, **params).path,
    }


_environment = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
    autoescape=True,
    extensions=["jinja2.ext.i18n"],
)


def _note(language: str, item: Any, labels: dict[str, Any]) -> str:
    def name_of(code: str) -> str:
        found = labels.get(code)
        return _name_in(found, language, "name") if found is not None else code

    return translate(language, reasons.note_message(item.code, item.params, name_of))


def _name_in(item: Any, language: str, attr: str) -> str:
    """Data entered by the office carry a Chinese text and an optional English one."""
    english = getattr(item, f"{attr}_en", "")
    return english if language == "en" and english else str(getattr(item, attr))


def chance(probability: float) -> str:
    """A probability in whole percent that never rounds a possibility away: 0.5 % is "<1%",
    99.5 % is ">99%", so a grade that can happen does not read "0%" (nor an unsure one "100%")."""
    if 0 < probability < 0.01:
        return "<1%"
    if 0.99 < probability < 1:
        return ">99%"
    return f"{probability * 100:.0f}%"


_environment.filters["chance"] = chance
templates = Jinja2Templates(env=_environment, context_processors=[_context])


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    response = templates.TemplateResponse(
        request, name, context or {}, status_code=status_code, headers=headers
    )
    # Templates render before this line, so a token minted while rendering is known here.
    new_seed = getattr(request.state, "new_csrf_cookie", None)
    if new_seed:
        response.set_cookie(
            CSRF_COOKIE,
            new_seed,
            httponly=True,
            samesite="lax",
            secure=settings_of(request).secure_cookies,
            path="/",
            # Long-lived, so a citizen who leaves a form open in WeChat can still send it.
            max_age=CSRF_COOKIE_DAYS * 24 * 3600,
        )
    return response
