"""The citizen's survey: the mobile form, its submission, and the thank-you page."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from survey.security import new_token
from survey.surveys.definition import SurveyDefinition
from survey.surveys.models import SurveyStatus
from survey.surveys.quality import RateVerdict, SubmissionSignals, quality_flags, rate_verdict
from survey.surveys.submission import (
    COMMENT_MAX_LENGTH,
    SubmissionInput,
    SubmissionInvalid,
    SubmissionPlan,
    validate,
)
from survey.surveys.writer import KeyReused, Submission, SurveyNotAccepting
from survey.timeutil import utcnow
from web import ratelimit
from web.context import settings_of
from web.csrf import CsrfFailed, check_csrf
from web.errors import http_message
from web.forms import read_form
from web.i18n import gettext, language_of
from web.safety import client_ip
from web.survey_tokens import (
    RECEIPT_COOKIE,
    RECEIPT_SECONDS,
    device_cookie_name,
    device_mark,
    device_receipt,
    receipt_cookie,
    receipt_from_cookie,
    seconds_since_start,
    started_token,
)
from web.templating import render

# CSRF is checked inside the submit handler, so that a citizen whose token went stale gets the
# form back with the answers kept instead of an error page.
router = APIRouter(prefix="/s", include_in_schema=False)
HONEYPOT_FIELD = "website"
KEY_FIELD = "key"
STARTED_FIELD = "started"


async def _definition(request: Request, slug: str) -> SurveyDefinition:
    cache = request.app.state.definitions
    cached: SurveyDefinition | None = cache.cached(slug)
    return cached if cached is not None else await run_in_threadpool(cache.get, slug)


@router.get("/{slug}", name="survey_form")
async def survey_form(request: Request, slug: str, u: str = "", g: str = "") -> Response:
    definition = await _definition(request, slug)
    refusal = definition.refusal()
    if refusal:
        return _closed_page(request, definition, refusal)
    settings = settings_of(request)
    if definition.one_per_device:
        earlier = device_receipt(
            settings.secret_key,
            definition.id,
            request.cookies.get(device_cookie_name(definition.id)),
        )
        if earlier:
            return render(
                request, "survey/already.html", {"survey": definition, "receipt": earlier}
            )
    return _form_page(request, definition, only_unit=u or None, group=g or None)


def _form_page(
    request: Request,
    definition: SurveyDefinition,
    *,
    only_unit: str | None = None,
    group: str | None = None,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    notice: str | None = None,
    key: str | None = None,
    started: str | None = None,
    status_code: int = 200,
) -> Response:
    settings = settings_of(request)
    units = definition.units
    if only_unit:
        unit = definition.unit(only_unit)
        units = (unit,) if unit else units
        only_unit = unit.code if unit else None
    preset_group = definition.group(group) if group else None
    return render(
        request,
        "survey/form.html",
        {
            "survey": definition,
            "units": units,
            "only_unit": only_unit,
            "preset_group": preset_group,
            "values": values or {},
            "errors": errors or {},
            "notice": notice,
            "key": key or new_token(16),
            "started": started or started_token(settings.secret_key, definition.slug),
            "honeypot": HONEYPOT_FIELD,
            "comment_max": COMMENT_MAX_LENGTH,
        },
        status_code=status_code,
        headers={"Cache-Control": "no-store"},
    )


def _closed_page(request: Request, definition: SurveyDefinition, message: str) -> Response:
    language = language_of(request, settings_of(request).default_language)
    not_yet = definition.status == SurveyStatus.draft or (
        definition.opens_at is not None and utcnow() < definition.opens_at
    )
    return render(
        request,
        "survey/closed.html",
        {"survey": definition, "message": gettext(language, message)},
        status_code=403 if not_yet else 410,
    )


def parse_form(form: FormData, definition: SurveyDefinition) -> SubmissionInput:
    """Map form fields to a submission; unknown fields are kept so the validator names them."""
    data = SubmissionInput(only_unit=_text(form.get("only")) or None)
    data.group = _text(form.get("group")) or None
    for name, raw in form.multi_items():
        value = _text(raw)
        kind, _, rest = name.partition(".")
        if kind == "r":
            question, _, unit = rest.partition(".")
            earlier = data.ratings.get((unit, question))
            if value and earlier is not None and earlier != value:
                # Two different answers to one rating (a crafted post): neither is taken.
                data.conflicting.add((unit, question))
            elif value:
                data.ratings[(unit, question)] = value
        elif kind == "c":
            data.comments[rest] = value
        elif kind == "p":
            data.profile[rest] = value
        elif kind == "a":
            existing = data.answers.get(rest)
            if existing is None:
                data.answers[rest] = value
            elif isinstance(existing, list):
                existing.append(value)
            else:
                data.answers[rest] = [existing, value]
    return data


def _values(form: FormData) -> dict[str, list[str]]:
    """What the user sent, to fill the form again when it comes back with a problem."""
    return {name: [_text(v) for v in form.getlist(name)] for name in form}


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


async def survey_submit(request: Request) -> Response:
    """POST /s/{slug}: the busiest request the app serves.

    A plain Starlette route (added below), because FastAPI's dependency machinery costs more
    per request than the handler's own checks and this handler takes only the request.
    """
    slug: str = request.path_params["slug"]
    definition = await _definition(request, slug)
    settings = settings_of(request)
    language = language_of(request, settings.default_language)
    form = await read_form(request)
    key = _text(form.get(KEY_FIELD))[:64]
    started = _text(form.get(STARTED_FIELD))
    data = parse_form(form, definition)

    def again(status_code: int, notice: str, errors: dict[str, str] | None = None) -> Response:
        """The form back with the answers kept, and what is wrong with them."""
        return _form_page(
            request,
            definition,
            only_unit=data.only_unit,
            values=_values(form),
            errors=errors,
            key=key or None,
            started=started or None,
            status_code=status_code,
            notice=notice,
        )

    try:
        await check_csrf(request, form)
    except CsrfFailed:
        return again(403, gettext(language, CsrfFailed.message))
    refusal = definition.refusal()
    if refusal:
        return _closed_page(request, definition, refusal)
    try:
        plan = validate(definition, data)
    except SubmissionInvalid as invalid:
        errors = {e.field: gettext(language, e.message, **e.params) for e in invalid.errors}
        return again(422, gettext(language, invalid.message), errors)
    if not key:
        key = new_token(16)  # a form without a key is still an answer; it just cannot be retried
    signals = _signals(request, definition, form, started, await rate_limit(request), plan)
    if signals.rate == "refuse":
        message = http_message(language, 429)
        return render(
            request,
            "error.html",
            {"status": 429, "message": message},
            status_code=429,
            headers={"Retry-After": str(settings.survey_rate_window_seconds)},
        )
    flags = quality_flags(signals)
    submission = Submission(plan=plan, key=key, quality_flags=flags, received_at=utcnow())
    try:
        stored = await request.app.state.writer.store_async(submission)
        receipt = stored.receipt
    except KeyReused as reused:
        # The same key with other answers: the first answers stand and these are not stored.
        # Thanking the citizen would tell them their changed answers counted.
        return render(
            request,
            "error.html",
            {"status": 409, "message": gettext(language, reused.message)},
            status_code=409,
        )
    except SurveyNotAccepting as closed:
        return _closed_page(request, definition, closed.message)
    # survey_thanks sits below this very path; url_for would search every route on the
    # busiest request the app serves. The receipt goes in a short-lived cookie for that page
    # only: in the address, one access-log line would tie it to the citizen's address.
    response = RedirectResponse(f"{request.url.path}/thanks", status_code=303)
    response.set_cookie(
        RECEIPT_COOKIE,
        receipt_cookie(settings.secret_key, definition.slug, receipt),
        max_age=RECEIPT_SECONDS,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path=f"{request.url.path}/thanks",
    )
    if definition.one_per_device:
        _mark_device(request, response, definition, receipt)
    return response


def _signals(
    request: Request,
    definition: SurveyDefinition,
    form: FormData,
    started: str,
    rate: RateVerdict,
    plan: SubmissionPlan,
) -> SubmissionSignals:
    """What this request shows about the answer; survey.surveys.quality turns it into flags."""
    secret = settings_of(request).secret_key
    earlier = definition.one_per_device and device_receipt(
        secret, definition.id, request.cookies.get(device_cookie_name(definition.id))
    )
    return SubmissionSignals(
        honeypot=_text(form.get(HONEYPOT_FIELD)),
        elapsed_seconds=seconds_since_start(secret, definition.slug, started),
        min_seconds=definition.min_seconds,
        device_answered_before=bool(earlier),
        rate=rate,
        answers=plan.answers,
        identical_units=settings_of(request).survey_identical_ratings_units,
    )


def _mark_device(
    request: Request, response: Response, definition: SurveyDefinition, receipt: str
) -> None:
    settings = settings_of(request)
    response.set_cookie(
        device_cookie_name(definition.id),
        device_mark(settings.secret_key, definition.id, receipt),
        max_age=180 * 24 * 3600,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path=f"/s/{definition.slug}",
    )


# Starlette's add_route does not apply the router's prefix.
router.add_route(
    f"{router.prefix}/{{slug}}",
    survey_submit,
    methods=["POST"],
    name="survey_submit",
    include_in_schema=False,
)


async def rate_limit(request: Request) -> RateVerdict:
    """'ok', 'flag' (store, but flag for review) or 'refuse' for this address."""
    settings = settings_of(request)
    verdict = await ratelimit.hit(
        request.app.state.rate_limiter,
        "survey",
        client_ip(request),
        settings.survey_rate_hard_limit,
        settings.survey_rate_window_seconds,
    )
    return rate_verdict(verdict.allowed, verdict.count, settings.survey_rate_soft_limit)


@router.get("/{slug}/thanks", name="survey_thanks")
async def survey_thanks(request: Request, slug: str) -> Response:
    definition = await _definition(request, slug)
    secret = settings_of(request).secret_key
    receipt = receipt_from_cookie(secret, definition.slug, request.cookies.get(RECEIPT_COOKIE))
    receipt = receipt if len(receipt) == 11 and receipt.replace("-", "").isalnum() else ""
    return render(request, "survey/thanks.html", {"survey": definition, "receipt": receipt})
