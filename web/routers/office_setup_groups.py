"""Set-up of respondent groups: list, create and edit."""

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
from survey.models import GroupKind
from survey.rules import Action
from survey.schemas import GroupCreate, GroupUpdate
from web.deps import OfficeUser, SessionDep
from web.forms import form_integer
from web.routers import browser_router
from web.routers.office_setup_index import back, refusal
from web.templating import render

router = browser_router(prefix="/office/setup/groups", include_in_schema=False)
_REFUSED = (ValidationError, Invalid, Conflict, NotFound)


def _page(
    request: Request,
    session: Session,
    principal: Principal,
    *,
    editing: str = "",
    error: str = "",
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    groups = org.list_groups(session)
    current = next((g for g in groups if g.code == editing), None)
    if editing and current is None:
        org.group_by_code(session, editing)  # raises NotFound with its message
    return render(
        request,
        "office/setup_groups.html",
        {
            "principal": principal,
            "groups": groups,
            "editing": current,
            "kinds": list(GroupKind),
            "error": error,
            "form": form or {},
        },
        status_code=status_code,
    )


@router.get("", name="office_setup_groups")
def groups_page(
    request: Request, session: SessionDep, principal: OfficeUser, edit: str = ""
) -> Response:
    rules.require(principal, Action.edit)
    return _page(request, session, principal, editing=edit)


@router.post("", name="office_setup_group_create")
def group_create(
    request: Request,
    session: SessionDep,
    actor: OfficeUser,
    code: Annotated[str, Form(max_length=32)] = "",
    name: Annotated[str, Form(max_length=100)] = "",
    name_en: Annotated[str, Form(max_length=100)] = "",
    kind: Annotated[str, Form(max_length=16)] = "",
    sort_order: Annotated[str, Form(max_length=8)] = "0",
) -> Response:
    rules.require(actor, Action.edit)
    form = {"code": code, "name": name, "name_en": name_en, "kind": kind, "sort_order": sort_order}
    try:
        data = GroupCreate.model_validate({**form, "sort_order": form_integer(sort_order)})
        org.create_group(session, data, actor)
    except _REFUSED as error:
        session.rollback()
        return _page(
            request, session, actor, error=refusal(request, error), form=form, status_code=422
        )
    return back(request, "office_setup_groups")


@router.post("/{code}", name="office_setup_group_save")
def group_save(
    request: Request,
    code: str,
    session: SessionDep,
    actor: OfficeUser,
    name: Annotated[str, Form(max_length=100)] = "",
    name_en: Annotated[str, Form(max_length=100)] = "",
    kind: Annotated[str, Form(max_length=16)] = "",
    sort_order: Annotated[str, Form(max_length=8)] = "0",
) -> Response:
    rules.require(actor, Action.edit)
    form = {"name": name, "name_en": name_en, "kind": kind, "sort_order": sort_order}
    try:
        data = GroupUpdate.model_validate({**form, "sort_order": form_integer(sort_order)})
        org.update_group(session, code, data, actor)
    except _REFUSED as error:
        session.rollback()
        return _page(
            request,
            session,
            actor,
            editing=code,
            error=refusal(request, error),
            form=form,
            status_code=422,
        )
    return back(request, "office_setup_groups")
