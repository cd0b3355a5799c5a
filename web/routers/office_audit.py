"""The office's audit log page: entries filtered by who, what, when and object; XLSX export."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response

from survey import audit_log, rules
from survey.errors import N_, Invalid
from survey.rules import Action
from survey.timeutil import utcnow
from web.context import settings_of
from web.deps import OfficeViewer, SessionDep
from web.i18n import gettext, language_of
from web.routers import browser_router
from web.templating import render

router = browser_router(prefix="/office/audit", include_in_schema=False)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _day(value: str, field: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise Invalid(
            N_("Write the date as year-month-day, for example 2026-12-01."), field=field
        ) from None


def _filter(
    who: str, action: str, object_type: str, object_id: str, since: str, until: str
) -> audit_log.AuditFilter:
    wanted = audit_log.AuditFilter(
        actor=who.strip(),
        action=action.strip(),
        target_type=object_type.strip(),
        target_id=object_id.strip(),
        since=_day(since, "since"),
        until=_day(until, "until"),
    )
    if wanted.since and wanted.until and wanted.since > wanted.until:
        raise Invalid(N_("The first day comes after the last day."), field="since")
    return wanted


def _action_text(language: str, action: str) -> str:
    message, params = audit_log.action_words(action)
    return gettext(language, message, **{k: gettext(language, v) for k, v in params.items()})


@router.get("", name="office_audit")
def audit_page(
    request: Request,
    session: SessionDep,
    principal: OfficeViewer,
    who: str = "",
    action: str = "",
    object_type: str = "",
    object_id: str = "",
    since: str = "",
    until: str = "",
    page: int = 1,
) -> Response:
    rules.require(principal, Action.read_audit)
    language = language_of(request, settings_of(request).default_language)
    wanted = _filter(who, action, object_type, object_id, since, until)
    found = audit_log.audit_page(session, wanted, page=page)
    query = {
        "who": who,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "since": since,
        "until": until,
    }
    kept = {key: value for key, value in query.items() if value}
    return render(
        request,
        "office/audit.html",
        {
            "principal": principal,
            "found": found,
            "choices": audit_log.audit_choices(session),
            "query": query,
            "kept_query": urlencode(kept),
            "page_query": lambda number: urlencode({**kept, "page": number}),
            "action_text": lambda action: _action_text(language, action),
            "object_words": audit_log.object_words,
            "detail_words": audit_log.detail_words,
            "detail_value": audit_log.detail_value,
        },
    )


@router.get("/export.xlsx", name="office_audit_export")
def audit_export(
    request: Request,
    session: SessionDep,
    principal: OfficeViewer,
    who: str = "",
    action: str = "",
    object_type: str = "",
    object_id: str = "",
    since: str = "",
    until: str = "",
) -> Response:
    rules.require(principal, Action.read_audit)
    wanted = _filter(who, action, object_type, object_id, since, until)
    language = language_of(request, settings_of(request).default_language)
    book = audit_log.audit_workbook(
        audit_log.audit_entries(session, wanted),
        lambda message, **params: gettext(language, message, **params),
    )
    name = f"audit-{utcnow():%Y%m%d-%H%M}.xlsx"
    return Response(
        book,
        media_type=XLSX_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
