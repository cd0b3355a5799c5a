"""The office binds lead departments (牵头部门) to qualitative indicators and reopens their
submitted scores."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response

from survey import organisation as org
from survey import rules
from survey.composite import lead_scores
from survey.errors import Conflict, DomainError
from survey.rules import Action
from web.context import settings_of
from web.deps import OfficeUser, OfficeViewer, SessionDep
from web.i18n import gettext, language_of
from web.routers import browser_router
from web.safety import client_ip
from web.templating import render

router = browser_router(prefix="/office/evaluations", include_in_schema=False)


def _page(
    request: Request,
    session: SessionDep,
    evaluation_id: int,
    principal: Any,
    *,
    error: DomainError | None = None,
    notice: str = "",
    reasons: dict[int, str] | None = None,
) -> Response:
    evaluation = org.evaluation_public(session, org.get_evaluation(session, evaluation_id))
    messages: list[str] = []
    status = 200
    if error is not None:
        language = language_of(request, settings_of(request).default_language)
        messages.append(gettext(language, error.message, **error.params))
        status = 409 if isinstance(error, Conflict) else 422
    return render(
        request,
        "office/composite_leads.html",
        {
            "principal": principal,
            "evaluation": evaluation,
            "composite_nav": True,
            "slots": lead_scores.qualitative_slots(session, evaluation_id),
            "units": org.list_units(session),
            "can_edit": rules.can(principal, Action.edit, evaluation.status),
            "messages": messages,
            "notice": notice,
            "reasons": reasons or {},
        },
        status_code=status,
    )


def _back(request: Request, evaluation_id: int, notice: str) -> Response:
    url = request.url_for("office_composite_leads", evaluation_id=evaluation_id).path
    return RedirectResponse(f"{url}?{urlencode({'done': notice})}", status_code=303)


@router.get("/{evaluation_id}/composite/leads", name="office_composite_leads")
def leads_page(
    request: Request,
    evaluation_id: int,
    session: SessionDep,
    principal: OfficeViewer,
    done: str = "",
) -> Response:
    return _page(request, session, evaluation_id, principal, notice=done)


@router.post("/{evaluation_id}/composite/leads", name="office_composite_leads_save")
def leads_save(
    request: Request,
    evaluation_id: int,
    session: SessionDep,
    actor: OfficeUser,
    category: Annotated[str, Form(max_length=100)] = "",
    item: Annotated[str, Form(max_length=100)] = "",
    lead: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    try:
        lead_scores.assign_lead(
            session, evaluation_id, category, item, lead, actor, ip=client_ip(request)
        )
    except DomainError as error:
        session.rollback()
        return _page(request, session, evaluation_id, actor, error=error)
    return _back(request, evaluation_id, "bound")


@router.post(
    "/{evaluation_id}/composite/leads/{assignment_id}/reopen",
    name="office_composite_leads_reopen",
)
def leads_reopen(
    request: Request,
    evaluation_id: int,
    assignment_id: int,
    session: SessionDep,
    actor: OfficeUser,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    try:
        lead_scores.reopen(
            session, evaluation_id, assignment_id, reason, actor, ip=client_ip(request)
        )
    except DomainError as error:
        session.rollback()
        return _page(
            request, session, evaluation_id, actor, error=error, reasons={assignment_id: reason}
        )
    return _back(request, evaluation_id, "reopened")
