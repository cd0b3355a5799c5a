"""Set-up of unit categories and units, with the unit list as an XLSX workbook both ways."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from fastapi import File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlmodel import Session

from survey import organisation as org
from survey import rules
from survey.accounts import Principal
from survey.errors import N_, Conflict, Invalid, NotFound
from survey.organisation import unit_sheet
from survey.rules import Action
from survey.schemas import CategoryCreate, CategoryUpdate, UnitCreate, UnitUpdate
from web.deps import OfficeUser, SessionDep
from web.forms import form_integer
from web.routers import browser_router
from web.routers.office_setup_index import back, refusal
from web.safety import client_ip
from web.templating import render

router = browser_router(prefix="/office/setup", include_in_schema=False)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A unit list of a few thousand rows is far smaller; the body limit bounds it anyway.
MAX_UPLOAD_BYTES = 512 * 1024
_REFUSED = (ValidationError, Invalid, Conflict, NotFound)


def _page(
    request: Request,
    session: Session,
    principal: Principal,
    *,
    error: str = "",
    error_at: str = "",
    form: dict[str, str] | None = None,
    status_code: int = 200,
    imported: int | None = None,
) -> Response:
    return render(
        request,
        "office/setup_units.html",
        {
            "principal": principal,
            "categories": org.list_categories(session),
            "units": org.list_units(session),
            "error": error,
            "error_at": error_at,
            "form": form or {},
            "imported": imported,
        },
        status_code=status_code,
    )


@router.get("/units", name="office_setup_units")
def units_page(
    request: Request, session: SessionDep, principal: OfficeUser, imported: int | None = None
) -> Response:
    rules.require(principal, Action.edit)
    return _page(request, session, principal, imported=imported)


@router.post("/categories", name="office_setup_category_create")
def category_create(
    request: Request,
    session: SessionDep,
    actor: OfficeUser,
    code: Annotated[str, Form(max_length=32)] = "",
    name: Annotated[str, Form(max_length=100)] = "",
    name_en: Annotated[str, Form(max_length=100)] = "",
    kind: Annotated[str, Form(max_length=32)] = "",
    sort_order: Annotated[str, Form(max_length=8)] = "0",
) -> Response:
    rules.require(actor, Action.edit)
    form = {"code": code, "name": name, "name_en": name_en, "kind": kind, "sort_order": sort_order}
    try:
        data = CategoryCreate.model_validate({**form, "sort_order": form_integer(sort_order)})
        org.create_category(session, data, actor)
    except _REFUSED as error:
        session.rollback()
        return _page(
            request,
            session,
            actor,
            error=refusal(request, error),
            error_at="category",
            form=form,
            status_code=422,
        )
    return back(request, "office_setup_units")


@router.get("/categories/{code}", name="office_setup_category")
def category_page(
    request: Request, code: str, session: SessionDep, principal: OfficeUser
) -> Response:
    rules.require(principal, Action.edit)
    return _category_form(request, session, principal, code)


def _category_form(
    request: Request,
    session: Session,
    principal: Principal,
    code: str,
    *,
    error: str = "",
    status_code: int = 200,
) -> Response:
    category = org.category_by_code(session, code)
    return render(
        request,
        "office/setup_category.html",
        {"principal": principal, "category": category, "error": error},
        status_code=status_code,
    )


@router.post("/categories/{code}", name="office_setup_category_save")
def category_save(
    request: Request,
    code: str,
    session: SessionDep,
    actor: OfficeUser,
    name: Annotated[str, Form(max_length=100)] = "",
    name_en: Annotated[str, Form(max_length=100)] = "",
    kind: Annotated[str, Form(max_length=32)] = "",
    sort_order: Annotated[str, Form(max_length=8)] = "0",
) -> Response:
    rules.require(actor, Action.edit)
    try:
        data = CategoryUpdate.model_validate(
            {"name": name, "name_en": name_en, "kind": kind, "sort_order": form_integer(sort_order)}
        )
        org.update_category(session, code, data, actor)
    except _REFUSED as error:
        session.rollback()
        return _category_form(
            request, session, actor, code, error=refusal(request, error), status_code=422
        )
    return back(request, "office_setup_units")


@router.post("/units", name="office_setup_unit_create")
def unit_create(
    request: Request,
    session: SessionDep,
    actor: OfficeUser,
    code: Annotated[str, Form(max_length=32)] = "",
    name: Annotated[str, Form(max_length=100)] = "",
    name_en: Annotated[str, Form(max_length=200)] = "",
    category: Annotated[str, Form(max_length=32)] = "",
    sort_order: Annotated[str, Form(max_length=8)] = "0",
) -> Response:
    rules.require(actor, Action.edit)
    form = {
        "code": code,
        "name": name,
        "name_en": name_en,
        "category": category,
        "sort_order": sort_order,
    }
    try:
        data = UnitCreate.model_validate({**form, "sort_order": form_integer(sort_order)})
        org.create_unit(session, data, actor)
    except _REFUSED as error:
        session.rollback()
        return _page(
            request,
            session,
            actor,
            error=refusal(request, error),
            error_at="unit",
            form=form,
            status_code=422,
        )
    return back(request, "office_setup_units")


def _unit_form(
    request: Request,
    session: Session,
    principal: Principal,
    code: str,
    *,
    error: str = "",
    status_code: int = 200,
) -> Response:
    unit = org.unit_public(session, org.unit_by_code(session, code))
    return render(
        request,
        "office/setup_unit.html",
        {
            "principal": principal,
            "unit": unit,
            "categories": org.list_categories(session),
            "error": error,
        },
        status_code=status_code,
    )


@router.get("/units/{code}", name="office_setup_unit")
def unit_page(request: Request, code: str, session: SessionDep, principal: OfficeUser) -> Response:
    rules.require(principal, Action.edit)
    return _unit_form(request, session, principal, code)


@router.post("/units/{code}", name="office_setup_unit_save")
def unit_save(
    request: Request,
    code: str,
    session: SessionDep,
    actor: OfficeUser,
    name: Annotated[str, Form(max_length=100)] = "",
    name_en: Annotated[str, Form(max_length=200)] = "",
    category: Annotated[str, Form(max_length=32)] = "",
    sort_order: Annotated[str, Form(max_length=8)] = "0",
    active: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    rules.require(actor, Action.edit)
    try:
        data = UnitUpdate.model_validate(
            {
                "name": name,
                "name_en": name_en,
                "category": category,
                "sort_order": form_integer(sort_order),
                "active": active == "1",
            }
        )
        org.update_unit(session, code, data, actor)
    except _REFUSED as error:
        session.rollback()
        return _unit_form(
            request, session, actor, code, error=refusal(request, error), status_code=422
        )
    return back(request, "office_setup_units")


@router.get("/units.xlsx", name="office_setup_units_export")
def units_export(session: SessionDep, principal: OfficeUser) -> Response:
    rules.require(principal, Action.edit)
    return Response(
        unit_sheet.export_units(session),
        media_type=XLSX_TYPE,
        headers={"Content-Disposition": "attachment; filename*=UTF-8''units.xlsx"},
    )


def _preview(
    request: Request,
    session: Session,
    principal: Principal,
    data: bytes,
    checked: unit_sheet.SheetCheck,
    *,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "office/setup_units_import.html",
        {
            "principal": principal,
            "checked": checked,
            "headings": unit_sheet.HEADINGS,
            "payload": base64.b64encode(data).decode("ascii") if checked.ok else "",
        },
        status_code=status_code,
    )


@router.post("/unit-import", name="office_setup_units_preview")
async def units_preview(
    request: Request,
    session: SessionDep,
    actor: OfficeUser,
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    rules.require(actor, Action.edit)
    data = await file.read(MAX_UPLOAD_BYTES + 1) if file is not None else b""
    try:
        if not data:
            raise Invalid(N_("Choose a workbook (.xlsx) to import."), field="file")
        if len(data) > MAX_UPLOAD_BYTES:
            raise Invalid(N_("The file is too large."), field="file")
        checked = unit_sheet.check_rows(session, unit_sheet.read_sheet(data))
    except Invalid as error:
        return _page(
            request,
            session,
            actor,
            error=refusal(request, error),
            error_at="import",
            status_code=422,
        )
    return _preview(request, session, actor, data, checked, status_code=200 if checked.ok else 422)


@router.post("/unit-import/confirm", name="office_setup_units_import")
def units_import(
    request: Request,
    session: SessionDep,
    actor: OfficeUser,
    payload: Annotated[str, Form(max_length=MAX_UPLOAD_BYTES * 2)] = "",
) -> Response:
    rules.require(actor, Action.edit)
    try:
        data = base64.b64decode(payload, validate=True)
    except binascii.Error:  # the preview wrote it; only a tampered form gets here
        data = b""
    try:
        checked = unit_sheet.import_units(session, data, actor, ip=client_ip(request))
    except Invalid as error:
        session.rollback()
        return _page(
            request,
            session,
            actor,
            error=refusal(request, error),
            error_at="import",
            status_code=422,
        )
    if not checked.ok:
        # Something changed since the preview (a category went away): show the problems again.
        return _preview(request, session, actor, data, checked, status_code=422)
    return RedirectResponse(
        request.url_for("office_setup_units").path + f"?imported={len(checked.rows)}",
        status_code=303,
    )
