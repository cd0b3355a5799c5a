"""The office's set-up index page, and how set-up forms word a refused change."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from survey import rules
from survey.errors import N_, DomainError
from survey.models import Role
from survey.rules import Action
from survey.validation import problem_message
from web.context import settings_of
from web.deps import OfficeUser
from web.i18n import gettext, language_of, translate
from web.routers import browser_router
from web.templating import render

router = browser_router(prefix="/office/setup", include_in_schema=False)


def refusal(request: Request, error: DomainError | ValidationError) -> str:
    """The reason a form was refused, in the reader's language."""
    language = language_of(request, settings_of(request).default_language)
    if isinstance(error, ValidationError):
        first = error.errors()[0]
        field = str(first["loc"][-1]) if first["loc"] else ""
        return gettext(
            language,
            N_("%(where)s: %(problem)s"),
            where=gettext(language, FIELD_NAMES.get(field, field)),
            problem=translate(language, problem_message(first)),
        )
    return gettext(language, error.message, **error.params)


# Form fields as the forms label them, for pydantic's problems.
FIELD_NAMES: dict[str, str] = {
    "code": N_("Code"),
    "name": N_("Name"),
    "name_en": N_("English name"),
    "kind": N_("Kind"),
    "sort_order": N_("Order"),
    "year": N_("Year"),
    "starts_on": N_("Starts on"),
    "ends_on": N_("Ends on"),
    "category": N_("Unit category"),
}


def back(request: Request, name: str, **params: object) -> Response:
    """After a change, the page again (post/redirect/get), so a reload repeats nothing."""
    return RedirectResponse(request.url_for(name, **params).path, status_code=303)


@router.get("", name="office_setup")
def setup_index(request: Request, principal: OfficeUser) -> Response:
    rules.require(principal, Action.edit)
    return render(
        request,
        "office/setup_index.html",
        {"principal": principal, "is_admin": principal.has(Role.admin)},
    )
