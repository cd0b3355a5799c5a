"""The office's comments of an evaluation: the filtered list, exports, routing general
comments, callbacks, appeal decisions and escalations, and the default deadline."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response

from survey import organisation as org
from survey import rules
from survey.comments import listing, rectification
from survey.comments.words import FILTER_WORDS, STATUS_WORDS
from survey.models import Channel, Comment, Period, RespondentGroup, Unit
from survey.models import Response as Answered
from survey.overview import CHANNEL_NAMES
from survey.rules import Action
from survey.spreadsheet import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE, csv_bytes, xlsx_bytes
from survey.timeutil import utcnow
from web.comment_filters import CommentFilterQuery
from web.context import settings_of
from web.deps import OfficeUser, OfficeViewer, SessionDep
from web.i18n import gettext, language_of
from web.routers import browser_router
from web.safety import client_ip
from web.spreadsheets import download, reader
from web.templating import render

router = browser_router(
    prefix="/office/evaluations/{evaluation_id}/comments", include_in_schema=False
)


def _choices(session: SessionDep, evaluation_id: int) -> dict[str, object]:
    from sqlmodel import col, select

    return {
        "units": list(session.exec(select(Unit).order_by(col(Unit.sort_order), col(Unit.code)))),
        "groups": list(
            session.exec(
                select(RespondentGroup).order_by(
                    col(RespondentGroup.sort_order), col(RespondentGroup.code)
                )
            )
        ),
        "periods": list(
            session.exec(
                select(Period)
                .where(Period.evaluation_id == evaluation_id)
                .order_by(col(Period.sort_order))
            )
        ),
        "channels": [(c.value, CHANNEL_NAMES.get(c, c.value)) for c in Channel],
        "statuses": list(FILTER_WORDS.items()),
    }


@router.get("", name="office_comments")
def comments_page(
    request: Request,
    evaluation_id: int,
    session: SessionDep,
    principal: OfficeViewer,
    wanted: CommentFilterQuery,
    after: str = "",
) -> Response:
    evaluation = org.get_evaluation(session, evaluation_id)
    rules.require(principal, Action.view, evaluation.status)
    page = listing.comment_page(session, evaluation_id, wanted, after=after)
    kept = wanted.as_query()
    days, holidays = rectification.deadline_rule(session, evaluation_id)
    context = {
        "principal": principal,
        "evaluation": org.evaluation_public(session, evaluation),
        "page": page,
        "query": {
            **{
                k: ""
                for k in (
                    "unit",
                    "group",
                    "channel",
                    "period",
                    "since",
                    "until",
                    "words",
                    "status",
                    "topic",
                )
            },
            **kept,
        },
        "kept_query": urlencode(kept),
        "next_query": urlencode({**kept, "after": page.next_cursor}) if page.next_cursor else "",
        "is_later_page": bool(after),
        "status_words": STATUS_WORDS,
        "channel_names": CHANNEL_NAMES,
        "deadline_days": days,
        "holidays": ", ".join(d.isoformat() for d in sorted(holidays)),
        "can_edit": rules.can(principal, Action.edit, evaluation.status),
        **_choices(session, evaluation_id),
    }
    if request.headers.get("HX-Request"):
        return render(request, "office/_comments_table.html", context)
    return render(request, "office/comments.html", context)


@router.get("/export.{fmt}", name="office_comments_export")
def comments_export(
    request: Request,
    evaluation_id: int,
    fmt: str,
    session: SessionDep,
    principal: OfficeViewer,
    wanted: CommentFilterQuery,
) -> Response:
    evaluation = org.get_evaluation(session, evaluation_id)
    rules.require(principal, Action.view, evaluation.status)
    language = language_of(request, settings_of(request).default_language)
    title = gettext(language, "Comments")
    table = listing.comments_table(
        listing.all_comments(session, evaluation_id, wanted), reader(language), title
    )
    stamp = f"{utcnow():%Y%m%d-%H%M}"
    if fmt == "csv":
        return download(csv_bytes(table), f"comments-{evaluation_id}-{stamp}.csv", CSV_MEDIA_TYPE)
    if fmt == "xlsx":
        return download(
            xlsx_bytes([table]), f"comments-{evaluation_id}-{stamp}.xlsx", XLSX_MEDIA_TYPE
        )
    return Response(status_code=404)


@router.post("/settings", name="office_comments_settings")
def comments_settings(
    request: Request,
    evaluation_id: int,
    session: SessionDep,
    actor: OfficeUser,
    deadline_days: Annotated[int, Form()] = 15,
    holidays: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    rectification.set_deadline_rule(
        session, evaluation_id, deadline_days, holidays, actor, ip=client_ip(request)
    )
    target = request.url_for("office_comments", evaluation_id=evaluation_id).path
    return RedirectResponse(target, status_code=303)


@router.get("/{key}", name="office_comment")
def comment_page(
    request: Request, evaluation_id: int, key: str, session: SessionDep, principal: OfficeViewer
) -> Response:
    evaluation = org.get_evaluation(session, evaluation_id)
    rules.require(principal, Action.view, evaluation.status)
    comment = rectification.find_comment(session, evaluation_id, key)
    record = rectification.record_of(session, comment)
    row = next(
        (
            r
            for r in listing.comment_page(
                session,
                evaluation_id,
                listing.CommentFilter(),
                after=_cursor_before(session, comment),
                page_size=1,
                with_total=False,
            ).rows
        ),
        None,
    )
    from sqlmodel import col, select

    return render(
        request,
        "office/comment.html",
        {
            "principal": principal,
            "evaluation": org.evaluation_public(session, evaluation),
            "row": row,
            "record": record,
            "status_words": STATUS_WORDS,
            "channel_names": CHANNEL_NAMES,
            "units": list(
                session.exec(select(Unit).order_by(col(Unit.sort_order), col(Unit.code)))
            ),
            "can_handle": rules.can(principal, Action.handle_comments, evaluation.status),
        },
    )


def _cursor_before(session: SessionDep, comment: Comment) -> str:
    """A cursor just above the comment, so that a one-row page is the comment itself."""
    response = session.get(Answered, comment.response_id)
    assert response is not None
    return listing.encode_cursor(response.submitted_at, comment.response_id, comment.seq + 1)


def _back(request: Request, evaluation_id: int, key: str) -> Response:
    target = request.url_for("office_comment", evaluation_id=evaluation_id, key=key).path
    return RedirectResponse(target, status_code=303)


@router.post("/{key}/route", name="office_comment_route")
def route(
    request: Request,
    evaluation_id: int,
    key: str,
    session: SessionDep,
    actor: OfficeUser,
    unit: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    rectification.route_comment(session, evaluation_id, key, unit, actor, ip=client_ip(request))
    return _back(request, evaluation_id, key)


@router.post("/{key}/callback", name="office_comment_callback")
def callback(
    request: Request,
    evaluation_id: int,
    key: str,
    session: SessionDep,
    actor: OfficeUser,
    solved: Annotated[str, Form()] = "",
    result: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    rectification.record_callback(
        session, evaluation_id, key, solved == "yes", result, actor, ip=client_ip(request)
    )
    return _back(request, evaluation_id, key)


@router.post("/{key}/appeal", name="office_comment_appeal")
def appeal(
    request: Request,
    evaluation_id: int,
    key: str,
    session: SessionDep,
    actor: OfficeUser,
    decision: Annotated[str, Form()] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    rectification.decide_appeal(
        session, evaluation_id, key, decision == "uphold", reason, actor, ip=client_ip(request)
    )
    return _back(request, evaluation_id, key)


@router.post("/{key}/escalate", name="office_comment_escalate")
def escalate(
    request: Request,
    evaluation_id: int,
    key: str,
    session: SessionDep,
    actor: OfficeUser,
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    rectification.escalate(session, evaluation_id, key, note, actor, ip=client_ip(request))
    return _back(request, evaluation_id, key)
