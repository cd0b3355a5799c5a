"""A lead department's (牵头部门) pages: its indicators, a score sheet each, draft and submit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from survey.accounts import Principal
from survey.composite import lead_scores
from survey.errors import Conflict, DomainError, Invalid
from survey.models import Unit
from web.context import settings_of
from web.deps import LeadMember, SessionDep, in_session
from web.i18n import gettext, language_of
from web.routers import browser_router
from web.safety import client_ip
from web.templating import render

router = browser_router(prefix="/lead", include_in_schema=False)

# The sheet's inputs are named by unit code behind this prefix.
SCORE_PREFIX = "score."


def _language(request: Request) -> str:
    return language_of(request, settings_of(request).default_language)


def _department(session: Session, principal: Principal) -> Unit | None:
    return session.get(Unit, principal.unit_id) if principal.unit_id is not None else None


@router.get("", name="lead_home")
def lead_home(request: Request, session: SessionDep, principal: LeadMember) -> Response:
    indicators = lead_scores.indicators_for_lead(session, principal)
    by_evaluation: dict[int, list[lead_scores.LeadIndicator]] = {}
    for indicator in indicators:
        by_evaluation.setdefault(indicator.evaluation_id, []).append(indicator)
    return render(
        request,
        "lead/home.html",
        {
            "principal": principal,
            "department": _department(session, principal),
            "evaluations": list(by_evaluation.values()),
        },
    )


def _sheet_page(
    request: Request,
    session: Session,
    principal: Principal,
    sheet: lead_scores.ScoreSheet,
    *,
    typed: dict[str, str] | None = None,
    error: DomainError | None = None,
    notice: str = "",
) -> Response:
    language = _language(request)
    headline: list[str] = []
    problems: dict[str, list[str]] = {}
    if error is not None:
        headline.append(gettext(language, error.message, **error.params))
        for item in getattr(error, "errors", ()):
            field = item.field or ""
            problems.setdefault(field, []).append(gettext(language, item.message, **item.params))
    status = 200
    if isinstance(error, Conflict):
        status = 409
    elif isinstance(error, Invalid):
        status = 422
    return render(
        request,
        "lead/indicator.html",
        {
            "principal": principal,
            "department": _department(session, principal),
            "sheet": sheet,
            "indicator": sheet.indicator,
            "check": sheet.check,
            "check_lines": [gettext(language, p.message, **p.params) for p in sheet.check.problems],
            "names": {u.code: u.name for u in sheet.units},
            "typed": typed,
            "headline": headline,
            "problems": problems,
            "notice": notice,
            "score_prefix": SCORE_PREFIX,
        },
        status_code=status,
    )


@router.get("/evaluations/{evaluation_id}/indicators/{assignment_id}", name="lead_indicator")
def lead_indicator(
    request: Request,
    evaluation_id: int,
    assignment_id: int,
    session: SessionDep,
    principal: LeadMember,
    done: str = "",
) -> Response:
    sheet = lead_scores.score_sheet(session, evaluation_id, assignment_id, principal)
    return _sheet_page(request, session, principal, sheet, notice=done)


async def _post(
    request: Request,
    evaluation_id: int,
    assignment_id: int,
    principal: Principal,
    act: Callable[[Session, dict[str, str]], Any],
    done: str,
) -> Response:
    form = await request.form()
    entries = {
        name.removeprefix(SCORE_PREFIX): value[:40]
        for name, value in form.multi_items()
        if name.startswith(SCORE_PREFIX) and isinstance(value, str)
    }

    def run(session: Session) -> Response | None:
        try:
            act(session, entries)
        except (Invalid, Conflict) as error:
            session.rollback()
            sheet = lead_scores.score_sheet(session, evaluation_id, assignment_id, principal)
            # Entries refused as typed come back as typed; a refused submission shows the
            # draft, which was saved before the check.
            typed = entries if isinstance(error, lead_scores.EntriesRefused) else None
            return _sheet_page(request, session, principal, sheet, typed=typed, error=error)
        return None

    refused = await in_session(request, run)
    if refused is not None:
        return refused
    url = request.url_for(
        "lead_indicator", evaluation_id=evaluation_id, assignment_id=assignment_id
    ).path
    return RedirectResponse(f"{url}?done={done}", status_code=303)


@router.post(
    "/evaluations/{evaluation_id}/indicators/{assignment_id}/draft", name="lead_indicator_save"
)
async def lead_indicator_save(
    request: Request, evaluation_id: int, assignment_id: int, principal: LeadMember
) -> Response:
    ip = client_ip(request)
    return await _post(
        request,
        evaluation_id,
        assignment_id,
        principal,
        lambda session, entries: lead_scores.save_draft(
            session, evaluation_id, assignment_id, entries, principal, ip=ip
        ),
        "saved",
    )


@router.post(
    "/evaluations/{evaluation_id}/indicators/{assignment_id}/submit",
    name="lead_indicator_submit",
)
async def lead_indicator_submit(
    request: Request, evaluation_id: int, assignment_id: int, principal: LeadMember
) -> Response:
    ip = client_ip(request)
    return await _post(
        request,
        evaluation_id,
        assignment_id,
        principal,
        lambda session, entries: lead_scores.submit(
            session, evaluation_id, assignment_id, principal, entries=entries, ip=ip
        ),
        "submitted",
    )
