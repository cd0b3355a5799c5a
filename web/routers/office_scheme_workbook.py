"""The office's scheme workbooks: download a scheme as XLSX, upload an edited one, see its
problems by cell or its changes against the current version, and confirm it as the next one."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from survey import organisation as org
from survey import rules
from survey.composite import scheme_workbook_review as review
from survey.composite.scheme_workbook import MAX_WORKBOOK_BYTES
from survey.errors import N_, DomainError, Invalid
from survey.rules import Action
from web.context import settings_of
from web.deps import OfficeUser, OfficeViewer, SessionDep
from web.i18n import gettext, language_of, translate
from web.routers import browser_router
from web.safety import client_ip
from web.scheme_workbook_words import problem_line, translations_for
from web.templating import render

router = browser_router(prefix="/office/evaluations", include_in_schema=False)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _language(request: Request) -> str:
    return language_of(request, settings_of(request).default_language)


def _page(
    request: Request,
    session: SessionDep,
    evaluation_id: int,
    principal: Any,
    context: dict[str, Any],
    status_code: int = 200,
) -> Response:
    evaluation = org.evaluation_public(session, org.get_evaluation(session, evaluation_id))
    return render(
        request,
        "office/composite_scheme_workbook_preview.html",
        {
            "principal": principal,
            "evaluation": evaluation,
            "composite_nav": True,
            "can_edit": rules.can(principal, Action.edit, evaluation.status),
            "problems": [],
            "messages": [],
            "preview": None,
            "reason": "",
            **context,
        },
        status_code=status_code,
    )


@router.get(
    "/{evaluation_id}/composite/schemes/{category}/workbook",
    name="office_scheme_workbook_download",
)
def download(
    request: Request,
    evaluation_id: int,
    category: str,
    session: SessionDep,
    principal: OfficeViewer,
) -> Response:
    language = _language(request)
    data, version = review.download(
        session, evaluation_id, category, lambda m: gettext(language, m)
    )
    name = f"scheme-{evaluation_id}-{category}-v{version}.xlsx"
    return Response(
        data,
        media_type=XLSX,
        headers={
            "Content-Disposition": f'attachment; filename="{quote(name)}"',
            "Cache-Control": "no-store",
        },
    )


@router.post(
    "/{evaluation_id}/composite/schemes/workbook",
    name="office_scheme_workbook_upload",
)
async def upload(
    request: Request,
    evaluation_id: int,
    session: SessionDep,
    actor: OfficeUser,
    file: Annotated[UploadFile, File()],
) -> Response:
    language = _language(request)
    data = await file.read(MAX_WORKBOOK_BYTES + 1)
    try:
        if len(data) > MAX_WORKBOOK_BYTES:
            raise Invalid(N_("What you sent is too large."))
        result = review.preview(
            session,
            evaluation_id,
            data,
            translations_for(language),
            settings_of(request).secret_key,
        )
    except DomainError as error:
        return _page(
            request,
            session,
            evaluation_id,
            actor,
            {"messages": [gettext(language, error.message, **error.params)]},
            status_code=422 if isinstance(error, Invalid) else 409,
        )
    if isinstance(result, list):
        return _page(
            request,
            session,
            evaluation_id,
            actor,
            {
                "problems": [problem_line(language, p) for p in result],
                "filename": file.filename or "",
            },
            status_code=422,
        )
    return _page(
        request,
        session,
        evaluation_id,
        actor,
        {
            "preview": result,
            "changes": [translate(language, c) for c in result.changes],
            "filename": file.filename or "",
        },
    )


@router.post(
    "/{evaluation_id}/composite/schemes/workbook/confirm",
    name="office_scheme_workbook_confirm",
)
def confirm(
    request: Request,
    evaluation_id: int,
    session: SessionDep,
    actor: OfficeUser,
    payload: Annotated[str, Form(max_length=2_000_000)],
    signature: Annotated[str, Form(max_length=200)],
    note: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    language = _language(request)
    try:
        stored = review.confirm(
            session,
            evaluation_id,
            payload,
            signature,
            settings_of(request).secret_key,
            actor,
            note=note,
            ip=client_ip(request),
        )
    except DomainError as error:
        context: dict[str, Any] = {
            "messages": [gettext(language, error.message, **error.params)],
            "reason": note,
        }
        if isinstance(error, Invalid) and getattr(error, "field", None) == "note":
            # Only the reason was missing: show the same preview again to confirm from.
            shown = review.reopen(
                session, evaluation_id, payload, signature, settings_of(request).secret_key
            )
            context.update(preview=shown, changes=[translate(language, c) for c in shown.changes])
        return _page(
            request,
            session,
            evaluation_id,
            actor,
            context,
            status_code=422 if isinstance(error, Invalid) else 409,
        )
    notice = gettext(
        language,
        "Stored %(schemes)s.",
        schemes=f"{stored.category} v{stored.version}",
    )
    url = request.url_for("office_composite_schemes", evaluation_id=evaluation_id).path
    return RedirectResponse(url + "?" + urlencode({"notice": notice}), status_code=303)
