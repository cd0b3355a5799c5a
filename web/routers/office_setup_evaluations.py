"""Set-up of evaluations and their periods: list, create, open, close and publish."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlmodel import Session

from survey import organisation as org
from survey import rules
from survey.accounts import Principal
from survey.errors import Conflict, Invalid, NotFound
from survey.models import PeriodKind
from survey.organisation import lifecycle
from survey.rules import Action
from survey.schemas import EvaluationCreate, PeriodCreate
from web.deps import OfficeUser, SessionDep
from web.forms import form_integer
from web.routers import browser_router
from web.routers.office_setup_index import back, refusal
from web.safety import client_ip
from web.templating import render

router = browser_router(prefix="/office/setup/evaluations", include_in_schema=False)


def _list(
    request: Request,
    session: Session,
    principal: Principal,
    *,
    error: str = "",
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "office/setup_evaluations.html",
        {
            "principal": principal,
            "evaluations": org.list_evaluations(session),
            "error": error,
            "form": form or {},
        },
        status_code=status_code,
    )


@router.get("", name="office_setup_evaluations")
def evaluations_page(request: Request, session: SessionDep, principal: OfficeUser) -> Response:
    rules.require(principal, Action.edit)
    return _list(request, session, principal)


@router.post("", name="office_setup_evaluation_create")
def evaluation_create(
    request: Request,
    session: SessionDep,
    actor: OfficeUser,
    name: Annotated[str, Form(max_length=200)] = "",
    name_en: Annotated[str, Form(max_length=200)] = "",
    year: Annotated[str, Form(max_length=8)] = "",
    previous_id: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    rules.require(actor, Action.edit)
    form = {"name": name, "name_en": name_en, "year": year, "previous_id": previous_id}
    try:
        data = EvaluationCreate.model_validate(
            {
                "name": name,
                "name_en": name_en,
                "year": year,
                "previous_id": previous_id or None,
            }
        )
        evaluation = org.create_evaluation(session, data, actor)
    except (ValidationError, Invalid, Conflict, NotFound) as error:
        return _list(
            request, session, actor, error=refusal(request, error), form=form, status_code=422
        )
    return back(request, "office_setup_evaluation", evaluation_id=evaluation.id)


def _detail(
    request: Request,
    session: Session,
    principal: Principal,
    evaluation_id: int,
    *,
    error: str = "",
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    evaluation = org.evaluation_public(session, org.get_evaluation(session, evaluation_id))
    return render(
        request,
        "office/setup_evaluation.html",
        {
            "principal": principal,
            "evaluation": evaluation,
            "steps": lifecycle.steps_for(principal, evaluation.status),
            "period_kinds": list(PeriodKind),
            "can_edit": rules.can(principal, Action.edit, evaluation.status),
            "error": error,
            "form": form or {},
        },
        status_code=status_code,
    )


@router.get("/{evaluation_id}", name="office_setup_evaluation")
def evaluation_page(
    request: Request, evaluation_id: int, session: SessionDep, principal: OfficeUser
) -> Response:
    rules.require(principal, Action.edit)
    return _detail(request, session, principal, evaluation_id)


@router.post("/{evaluation_id}/periods", name="office_setup_period_create")
def period_create(
    request: Request,
    evaluation_id: int,
    session: SessionDep,
    actor: OfficeUser,
    code: Annotated[str, Form(max_length=16)] = "",
    name: Annotated[str, Form(max_length=100)] = "",
    name_en: Annotated[str, Form(max_length=100)] = "",
    kind: Annotated[str, Form(max_length=16)] = "",
    sort_order: Annotated[str, Form(max_length=8)] = "0",
    starts_on: Annotated[str, Form(max_length=10)] = "",
    ends_on: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    evaluation = org.get_evaluation(session, evaluation_id)
    rules.require(actor, Action.edit, evaluation.status)
    form = {
        "code": code,
        "name": name,
        "name_en": name_en,
        "kind": kind,
        "sort_order": sort_order,
        "starts_on": starts_on,
        "ends_on": ends_on,
    }
    try:
        data = PeriodCreate.model_validate(
            {
                **form,
                "sort_order": form_integer(sort_order),
                "starts_on": starts_on or None,
                "ends_on": ends_on or None,
            }
        )
        org.add_period(session, evaluation_id, data, actor)
    except (ValidationError, Invalid, Conflict, NotFound) as error:
        session.rollback()
        return _detail(
            request,
            session,
            actor,
            evaluation_id,
            error=refusal(request, error),
            form=form,
            status_code=422,
        )
    return back(request, "office_setup_evaluation", evaluation_id=evaluation_id)


@router.post("/{evaluation_id}/status", name="office_setup_evaluation_step")
def evaluation_step(
    request: Request,
    evaluation_id: int,
    session: SessionDep,
    actor: OfficeUser,
    step: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    try:
        chosen = lifecycle.Step(step)
    except ValueError:
        return _detail(
            request,
            session,
            actor,
            evaluation_id,
            status_code=422,
            error=refusal(request, Invalid()),
        )
    try:
        lifecycle.take_step(session, evaluation_id, chosen, actor, ip=client_ip(request))
    except (Conflict, Invalid) as error:
        session.rollback()
        return _detail(
            request, session, actor, evaluation_id, error=refusal(request, error), status_code=409
        )
    return back(request, "office_setup_evaluation", evaluation_id=evaluation_id)
