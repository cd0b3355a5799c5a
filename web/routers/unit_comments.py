"""A unit's own comments: the list with statuses and overdue marks, and its answer to each
(rectification measure, responsible office, deadline, status, or an appeal)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response

from survey.comments import rectification, unit_view
from survey.comments.words import STATUS_WORDS
from survey.errors import N_, Invalid
from web.deps import SessionDep, UnitMember
from web.routers import browser_router
from web.safety import client_ip
from web.templating import render

router = browser_router(prefix="/unit/comments", include_in_schema=False)


@router.get("", name="unit_comments")
def comments(
    request: Request, session: SessionDep, principal: UnitMember, status: str = ""
) -> Response:
    if status and status not in STATUS_WORDS:
        status = ""
    return render(
        request,
        "unit/comments.html",
        {
            "principal": principal,
            "items": unit_view.unit_comments(session, principal, status=status),
            "status": status,
            "status_words": STATUS_WORDS,
        },
    )


@router.get("/{key}", name="unit_comment")
def comment(request: Request, key: str, session: SessionDep, principal: UnitMember) -> Response:
    return render(
        request,
        "unit/comment.html",
        {
            "principal": principal,
            "item": unit_view.unit_comment(session, principal, key),
            "status_words": STATUS_WORDS,
        },
    )


def _deadline(value: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise Invalid(
            N_("Write the date as year-month-day, for example 2026-12-01."), field="deadline"
        ) from None


@router.post("/{key}", name="unit_comment_answer")
def answer(
    request: Request,
    key: str,
    session: SessionDep,
    principal: UnitMember,
    status: Annotated[str, Form(max_length=16)] = "",
    measure: Annotated[str, Form(max_length=2000)] = "",
    responsible_office: Annotated[str, Form(max_length=200)] = "",
    deadline: Annotated[str, Form(max_length=20)] = "",
    appeal_reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    rectification.answer(
        session,
        principal,
        key,
        rectification.UnitAnswer(
            status=status,
            measure=measure,
            responsible_office=responsible_office,
            deadline=_deadline(deadline),
            appeal_reason=appeal_reason,
        ),
        ip=client_ip(request),
    )
    return RedirectResponse(request.url_for("unit_comment", key=key).path, status_code=303)
