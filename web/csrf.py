"""CSRF protection for every state-changing browser request.

Each browser holds a random cookie; forms and htmx requests carry an HMAC of it keyed with
the installation secret. A cross-site page can make the browser send the cookie but cannot
read it, so it cannot produce the token. API requests authenticate with a bearer token that a
browser never sends on its own, so they need no CSRF token.
"""

from __future__ import annotations

import hmac

from fastapi import Request
from starlette.datastructures import FormData

from survey.errors import N_, DomainError
from survey.security import keyed_hash, new_token
from web.context import settings_of

CSRF_COOKIE = "pingyi_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Routes that call ``verify_csrf`` in their handler rather than as a router dependency, so that
# they can keep what the user typed when the token has gone stale.
CHECKED_IN_HANDLER = frozenset({"survey_submit"})


class CsrfFailed(DomainError):
    message = N_(
        "This form has expired or did not come from this site. Reload the page and try again."
    )


def csrf_token(request: Request) -> str:
    """The token for forms on this page; starts a CSRF cookie if the browser has none."""
    seed = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf_cookie", None)
    if not seed:
        seed = new_token()
        request.state.new_csrf_cookie = seed
    return keyed_hash(settings_of(request).secret_key, "csrf", seed)


async def verify_csrf(request: Request) -> None:
    """Router dependency: refuse unsafe requests whose token does not match the cookie."""
    await check_csrf(request, None)


async def check_csrf(request: Request, form: FormData | None) -> None:
    """``verify_csrf`` for a handler that has read the form already (it is not parsed twice)."""
    if request.method in _SAFE_METHODS:
        return
    seed = request.cookies.get(CSRF_COOKIE)
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        content_type = request.headers.get("content-type", "")
        if form is None and content_type.startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")
        ):
            form = await request.form()
        if form is not None:
            value = form.get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
    expected = keyed_hash(settings_of(request).secret_key, "csrf", seed) if seed else None
    if not expected or not sent or not hmac.compare_digest(expected, sent):
        raise CsrfFailed()
