"""The office imports response and hard-indicator files in the browser: upload, a preview
that lists every problem by row and column, then confirm; nothing is stored when any row is bad.

The checked file rides in the confirmation form (``web.carried_upload``), so no server keeps
state between the two requests; the import checks the file again when it stores it.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from fastapi import File, Form, Request, UploadFile
from fastapi.responses import Response

from survey import organisation as org
from survey.composite import indicators
from survey.errors import N_, Conflict, DomainError, Invalid, NotFound
from survey.import_problems import ImportRejected
from survey.satisfaction import importer
from web.carried_upload import Carried, carry, unpack
from web.context import settings_of
from web.deps import OfficeUser, SessionDep
from web.i18n import gettext, language_of
from web.routers import browser_router
from web.safety import client_ip
from web.templating import render

router = browser_router(prefix="/office/imports", include_in_schema=False)
MAX_UPLOAD_BYTES = 1024 * 1024
MAX_FILENAME = 200
# The columns of the files, named in the user's language beside the header the file uses.
COLUMN_NAMES = {
    "respondent_id": N_("Respondent number"),
    "group": N_("Respondent group"),
    "unit": N_("Unit"),
    "question": N_("Question"),
    "answer": N_("Answer"),
    "indicator": N_("Indicator"),
    "period": N_("Period"),
    "value": N_("Numeric value"),
    "target": N_("Target value"),
    "benchmark": N_("Benchmark value"),
}


class ImportKind(StrEnum):
    responses = "responses"
    indicators = "indicators"


class UploadTooLarge(Invalid):
    message = N_("The file is larger than %(n)s KB. Split it into smaller files.")


class NoFileChosen(Invalid):
    message = N_("Choose a CSV or XLSX file.")


def _language(request: Request) -> str:
    return language_of(request, settings_of(request).default_language)


def _problems(request: Request, error: DomainError) -> dict[str, Any]:
    """The refusal in words, and each problem of the file by row and column."""
    language = _language(request)
    rows = [
        {
            "row": problem.row,
            "column": problem.column,
            "column_name": gettext(language, COLUMN_NAMES[problem.column])
            if problem.column in COLUMN_NAMES
            else "",
            "message": gettext(language, problem.message, **problem.params),
        }
        for problem in getattr(error, "errors", [])
        if isinstance(error, ImportRejected)
    ]
    return {
        "refusal": gettext(language, error.message, **error.params),
        "problems": rows,
        "more": getattr(error, "more", 0),
    }


def _page(
    request: Request,
    session: SessionDep,
    principal: OfficeUser,
    *,
    form: dict[str, Any] | None = None,
    error: DomainError | None = None,
    status_code: int = 200,
) -> Response:
    context: dict[str, Any] = {
        "principal": principal,
        "evaluations": org.list_evaluations(session),
        "kinds": list(ImportKind),
        "form": form or {},
        "column_names": COLUMN_NAMES,
    }
    if error is not None:
        context.update(_problems(request, error))
    return render(request, "office/imports.html", context, status_code=status_code)


def _status(error: DomainError) -> int:
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, Conflict):
        return 409
    return 422


@router.get("", name="office_imports")
def imports_page(
    request: Request,
    session: SessionDep,
    principal: OfficeUser,
    kind: str = "",
    evaluation: int = 0,
) -> Response:
    return _page(request, session, principal, form={"kind": kind, "evaluation_id": evaluation})


@router.post("/check", name="office_imports_check")
async def check(
    request: Request,
    session: SessionDep,
    principal: OfficeUser,
    kind: Annotated[ImportKind, Form()],
    evaluation_id: Annotated[int, Form()],
    file: Annotated[UploadFile | None, File()] = None,
    period: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    period = period.strip()
    form = {"kind": kind, "evaluation_id": evaluation_id, "period": period}
    settings = settings_of(request)
    try:
        if file is None or not file.filename:
            raise NoFileChosen()
        data = await file.read(MAX_UPLOAD_BYTES + 1)
        if len(data) > MAX_UPLOAD_BYTES:
            raise UploadTooLarge(n=MAX_UPLOAD_BYTES // 1024)
        filename = Path(file.filename).name[:MAX_FILENAME]
        form["filename"] = filename
        if kind == ImportKind.responses:
            report = importer.check_responses(
                session, evaluation_id, data, filename, period=period or None
            )
            counts = {"respondents": report.respondents, "answers": report.answers}
        else:
            counts = {"rows": indicators.check_indicators(session, evaluation_id, data, filename)}
        carried = carry(settings.secret_key, kind, evaluation_id, period, filename, data)
    except DomainError as error:
        return _page(
            request, session, principal, form=form, error=error, status_code=_status(error)
        )
    return render(
        request,
        "office/import_preview.html",
        {
            "principal": principal,
            "evaluation": org.get_evaluation(session, evaluation_id),
            "kind": kind,
            "counts": counts,
            "carried": carried,
        },
    )


@router.post("/confirm", name="office_imports_confirm")
def confirm(
    request: Request,
    session: SessionDep,
    principal: OfficeUser,
    kind: Annotated[ImportKind, Form()],
    evaluation_id: Annotated[int, Form()],
    filename: Annotated[str, Form(max_length=MAX_FILENAME)],
    payload: Annotated[str, Form()],
    signature: Annotated[str, Form(max_length=128)],
    period: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    language = _language(request)
    carried = Carried(kind, evaluation_id, period, filename, payload, signature)
    form = {"kind": kind, "evaluation_id": evaluation_id, "period": period}
    try:
        data = unpack(settings_of(request).secret_key, carried)
        if kind == ImportKind.responses:
            report = importer.import_responses(
                session, evaluation_id, data, filename, actor=principal, period=period or None
            )
            notice = gettext(
                language,
                "Imported %(respondents)s respondents with %(answers)s answers.",
                respondents=report.respondents,
                answers=report.answers,
            )
        else:
            values = indicators.import_indicators(
                session, evaluation_id, data, filename, actor=principal, ip=client_ip(request)
            )
            notice = gettext(
                language,
                "Imported %(rows)s values: %(inserted)s new, %(updated)s changed, "
                "%(unchanged)s unchanged.",
                rows=values.rows,
                inserted=values.inserted,
                updated=values.updated,
                unchanged=values.unchanged,
            )
    except DomainError as error:
        return _page(
            request, session, principal, form=form, error=error, status_code=_status(error)
        )
    return render(
        request,
        "office/import_done.html",
        {
            "principal": principal,
            "evaluation": org.get_evaluation(session, evaluation_id),
            "notice": notice,
            "kind": kind,
        },
    )
