"""The office's publication page: publish, reopen for correction, publish a correction with its
reason, and take a version off the public page or put it back."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import Response

from survey import organisation as org
from survey import rules
from survey.accounts import Principal
from survey.errors import Conflict, Invalid, NotFound
from survey.models import EvaluationStatus
from survey.publication import service
from survey.rules import Action
from web.deps import OfficeUser, OfficeViewer, SessionDep
from web.routers import browser_router
from web.routers.office_setup_index import back, refusal
from web.safety import client_ip
from web.templating import render

router = browser_router(prefix="/office/evaluations", include_in_schema=False)

Reason = Annotated[str, Form(max_length=service.REASON_MAX)]


def _page(
    request: Request,
    session: SessionDep,
    principal: Principal,
    evaluation_id: int,
    *,
    error: str = "",
    reason: str = "",
    status_code: int = 200,
) -> Response:
    evaluation = org.get_evaluation(session, evaluation_id)
    versions = service.versions_of(session, evaluation_id)
    return render(
        request,
        "office/publication.html",
        {
            "principal": principal,
            "evaluation": evaluation,
            "versions": list(reversed(versions)),
            "may_publish": rules.can(principal, Action.publish, evaluation.status),
            "is_closed": evaluation.status == EvaluationStatus.closed,
            "is_published": evaluation.status == EvaluationStatus.published,
            "error": error,
            "reason": reason,
        },
        status_code=status_code,
    )


@router.get("/{evaluation_id}/publication", name="office_publication")
def publication_page(
    request: Request, evaluation_id: int, session: SessionDep, principal: OfficeViewer
) -> Response:
    return _page(request, session, principal, evaluation_id)


@router.post("/{evaluation_id}/publication/publish", name="office_publication_publish")
def publish(
    request: Request,
    evaluation_id: int,
    session: SessionDep,
    actor: OfficeUser,
    reason: Reason = "",
) -> Response:
    try:
        service.publish(session, evaluation_id, actor, reason=reason, ip=client_ip(request))
    except (Conflict, Invalid) as error:
        session.rollback()
        return _page(
            request,
            session,
            actor,
            evaluation_id,
            error=refusal(request, error),
            reason=reason,
            status_code=409 if isinstance(error, Conflict) else 422,
        )
    return back(request, "office_publication", evaluation_id=evaluation_id)


@router.post("/{evaluation_id}/publication/reopen", name="office_publication_reopen")
def reopen(
    request: Request, evaluation_id: int, session: SessionDep, actor: OfficeUser
) -> Response:
    try:
        service.reopen_for_correction(session, evaluation_id, actor, ip=client_ip(request))
    except Conflict as error:
        session.rollback()
        return _page(
            request, session, actor, evaluation_id, error=refusal(request, error), status_code=409
        )
    return back(request, "office_publication", evaluation_id=evaluation_id)


@router.post(
    "/{evaluation_id}/publication/{version}/{action}", name="office_publication_visibility"
)
def visibility(
    request: Request,
    evaluation_id: int,
    version: int,
    action: str,
    session: SessionDep,
    actor: OfficeUser,
) -> Response:
    if action not in ("withdraw", "restore"):
        raise NotFound()
    service.set_withdrawn(
        session, evaluation_id, version, action == "withdraw", actor, ip=client_ip(request)
    )
    return back(request, "office_publication", evaluation_id=evaluation_id)
