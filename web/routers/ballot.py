"""The delegate's ballot: enter the code, rate every unit, review, submit.

The code only ever travels in POST bodies (or in the card's URL fragment, which browsers do
not send), so it appears in no URL, no access log and no referrer. Pages are not cached.

Each request does its database work in one worker-thread call with a session of its own: a
handler that held a pooled connection across several thread hops could, under a meeting's
load, leave every worker thread waiting for a connection held by a request waiting for a
thread.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import Response
from sqlmodel import Session
from starlette.datastructures import FormData

from survey.ballots import codes
from survey.ballots.service import (
    BallotDefinition,
    BallotInvalid,
    BallotPlan,
    CodeUnknown,
    UniformNeedsConfirmation,
    UniformRefused,
    cast,
    check_ballot,
    find_code,
    load_ballot,
)
from survey.errors import N_, DomainError
from survey.surveys.submission import COMMENT_MAX_LENGTH
from web import ratelimit
from web.context import settings_of
from web.deps import in_session
from web.errors import status_for
from web.i18n import gettext, language_of
from web.ratelimit import RateLimiter
from web.routers import browser_router
from web.safety import client_ip
from web.templating import render

router = browser_router(prefix="/b", include_in_schema=False)
NO_STORE = {"Cache-Control": "no-store"}
T = TypeVar("T")


@dataclass(frozen=True)
class Opened:
    code: str
    ballot: BallotDefinition


def _language(request: Request) -> str:
    return language_of(request, settings_of(request).default_language)


def _enter_page(
    request: Request,
    message: str | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    return render(
        request,
        "ballot/enter.html",
        {"message": message},
        status_code=status_code,
        headers={**NO_STORE, **(headers or {})},
    )


@dataclass(frozen=True)
class Marks:
    """What the form says: a level per unit, a comment per unit, and the units it rated twice
    with different levels (a crafted post; neither level is taken)."""

    answers: dict[str, str]
    comments: dict[str, str]
    conflicting: frozenset[str]


def _answers(form: FormData) -> Marks:
    answers: dict[str, str] = {}
    comments: dict[str, str] = {}
    conflicting: set[str] = set()
    for name, value in form.multi_items():
        if not isinstance(value, str):
            continue
        kind, _, unit = name.partition(".")
        if kind == "r" and value:
            if answers.get(unit, value) != value:
                conflicting.add(unit)
            answers[unit] = value
        elif kind == "c":
            comments[unit] = value
    return Marks(answers, comments, frozenset(conflicting))


def _ballot_page(
    request: Request,
    template: str,
    opened: Opened,
    *,
    answers: dict[str, str],
    comments: dict[str, str],
    errors: dict[str, str] | None = None,
    notice: str | None = None,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    return render(
        request,
        template,
        {
            "ballot": opened.ballot,
            "code": opened.code,
            "code_display": codes.display(opened.code),
            "answers": answers,
            "comments": comments,
            "errors": errors or {},
            "notice": notice,
            "comment_max": COMMENT_MAX_LENGTH,
            **extra,
        },
        status_code=status_code,
        headers=NO_STORE,
    )


class TooManyGuesses(DomainError):
    message = N_("Too many requests. Please wait a moment and try again.")

    def __init__(self, retry_after: int) -> None:
        super().__init__()
        self.retry_after = retry_after


async def open_ballot(
    request: Request, typed: str, then: Callable[[Session, Opened], T] | None = None
) -> tuple[Opened, T | None]:
    """Open the code's ballot and run ``then`` on it in the same session, or raise the
    precise refusal. Only well-formed unknown codes count as guesses."""
    settings = settings_of(request)
    limiter: RateLimiter = request.app.state.rate_limiter
    args = (
        "ballot-guess",
        client_ip(request),
        settings.ballot_guess_limit,
        settings.ballot_guess_window_seconds,
    )
    blocked = await ratelimit.peek(limiter, *args)
    if not blocked.allowed:
        raise TooManyGuesses(blocked.retry_after)

    def work(session: Session) -> tuple[Opened, T | None]:
        code, batch = find_code(session, settings.secret_key, typed)
        opened = Opened(code, load_ballot(session, batch))
        return opened, (then(session, opened) if then is not None else None)

    try:
        return await in_session(request, work)
    except CodeUnknown:
        verdict = await ratelimit.hit(limiter, *args)
        if not verdict.allowed:
            raise TooManyGuesses(verdict.retry_after) from None
        raise


def _refusal(request: Request, error: DomainError) -> Response:
    message = gettext(_language(request), error.message, **error.params)
    retry = getattr(error, "retry_after", None)
    return _enter_page(
        request,
        message,
        status_code=status_for(error),
        headers={"Retry-After": str(retry)} if retry else None,
    )


def _code(form: FormData) -> str:
    value = form.get("code", "")
    return value[:40] if isinstance(value, str) else ""


@router.get("", name="ballot_enter")
def enter(request: Request) -> Response:
    return _enter_page(request)


@router.post("", name="ballot_start")
async def start(request: Request) -> Response:
    form = await request.form()
    try:
        opened, _ = await open_ballot(request, _code(form))
    except DomainError as refused:
        return _refusal(request, refused)
    return _ballot_page(request, "ballot/form.html", opened, answers={}, comments={})


@router.post("/review", name="ballot_review")
async def review(request: Request) -> Response:
    form = await request.form()
    try:
        opened, _ = await open_ballot(request, _code(form))
    except DomainError as refused:
        return _refusal(request, refused)
    marks = _answers(form)
    answers, comments = marks.answers, marks.comments
    language = _language(request)
    if form.get("edit"):
        return _ballot_page(request, "ballot/form.html", opened, answers=answers, comments=comments)
    try:
        plan = check_ballot(
            opened.ballot,
            answers,
            comments,
            confirm_uniform=True,
            conflicting=marks.conflicting,
        )
    except BallotInvalid as invalid:
        errors = {e.field: gettext(language, e.message, **e.params) for e in invalid.errors}
        return _ballot_page(
            request,
            "ballot/form.html",
            opened,
            answers=answers,
            comments=comments,
            errors=errors,
            status_code=422,
            notice=gettext(language, invalid.message),
        )
    except UniformRefused as refused:
        return _ballot_page(
            request,
            "ballot/form.html",
            opened,
            answers=answers,
            comments=comments,
            status_code=422,
            notice=gettext(language, refused.message),
        )
    uniform_notice = (
        gettext(language, UniformNeedsConfirmation.message)
        if plan.uniform and opened.ballot.uniform_rule == "warn"
        else None
    )
    return _ballot_page(
        request,
        "ballot/review.html",
        opened,
        answers=answers,
        comments=comments,
        notice=uniform_notice,
        ask_confirm=bool(uniform_notice),
    )


@router.post("/submit", name="ballot_submit")
async def submit(request: Request) -> Response:
    form = await request.form()
    marks = _answers(form)
    answers, comments = marks.answers, marks.comments
    confirm = form.get("confirm_uniform") == "yes"
    secret = settings_of(request).secret_key
    language = _language(request)

    def check_and_cast(session: Session, opened: Opened) -> BallotPlan:
        plan = check_ballot(
            opened.ballot,
            answers,
            comments,
            confirm_uniform=confirm,
            conflicting=marks.conflicting,
        )
        cast(session, secret, opened.code, plan, opened.ballot)
        return plan

    try:
        opened, _ = await open_ballot(request, _code(form), check_and_cast)
    except (UniformNeedsConfirmation, BallotInvalid, UniformRefused) as invalid:
        # Nothing was stored: show the ballot again with what the delegate chose.
        try:
            opened, _ = await open_ballot(request, _code(form))
        except DomainError as refused:
            return _refusal(request, refused)
        needs_confirm = isinstance(invalid, UniformNeedsConfirmation)
        # Each row's problem beside the row, as the review step shows it.
        errors = {
            e.field: gettext(language, e.message, **e.params)
            for e in getattr(invalid, "errors", [])
        }
        return _ballot_page(
            request,
            "ballot/review.html" if needs_confirm else "ballot/form.html",
            opened,
            answers=answers,
            comments=comments,
            errors=errors,
            notice=gettext(language, invalid.message),
            ask_confirm=needs_confirm,
            status_code=422,
        )
    except DomainError as refused:
        return _refusal(request, refused)
    return render(request, "ballot/done.html", {"ballot": opened.ballot}, headers=NO_STORE)
