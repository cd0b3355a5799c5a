"""JSON API for surveys: definitions, QR codes, submissions with Idempotency-Key, counts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from survey.accounts import Principal
from survey.errors import N_, DomainError, Invalid, NotFound
from survey.models import Role, Survey
from survey.surveys import service
from survey.surveys.definition import load_definition
from survey.surveys.models import SurveyStatus
from survey.surveys.qr import qr_png, qr_svg
from survey.surveys.quality import SubmissionSignals, quality_flags
from survey.surveys.schemas import (
    Receipt,
    ResponseCount,
    ResponseIn,
    SurveyCreate,
    SurveyPublic,
    SurveySummary,
    SurveyUpdate,
)
from survey.surveys.submission import SubmissionInput, validate
from survey.surveys.writer import Submission, SurveyNotAccepting
from survey.timeutil import utcnow
from web.context import settings_of
from web.deps import ApiOffice, ApiViewer, BearerPrincipal, SessionDep, in_session
from web.openapi import errors
from web.routers.survey_form import rate_limit

router = APIRouter(prefix="/api/v1", tags=["surveys"])


class MissingIdempotencyKey(DomainError):
    message = N_("The Idempotency-Key header is required.")


# Blanks around the key are HTTP's optional whitespace, not part of it.
_BLANKS = " \t"
IDEMPOTENCY_KEY_LENGTH = 64
# Declared by hand because the check is ours (a missing key is a 400 that says so, not a
# validation error): any text of at most 64 characters with something besides blanks.
IDEMPOTENCY_KEY: dict[str, Any] = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": True,
    "description": "Chosen by the client, one per submission; a retry sends the same key and body",
    "schema": {
        "type": "string",
        "minLength": 1,
        "maxLength": IDEMPOTENCY_KEY_LENGTH,
        "pattern": f"[^{_BLANKS}]",
    },
}


def idempotency_key(request: Request) -> str:
    key = request.headers.get("idempotency-key", "")
    if not key.strip(_BLANKS):
        raise MissingIdempotencyKey()
    if len(key) > IDEMPOTENCY_KEY_LENGTH:
        raise Invalid(
            N_("must have at most %(n)s characters"),
            field="Idempotency-Key",
            n=IDEMPOTENCY_KEY_LENGTH,
        )
    return key.strip(_BLANKS)


def _visible(survey: Survey, principal: Principal | None) -> bool:
    return survey.status != SurveyStatus.draft or (
        principal is not None and principal.has(Role.viewer)
    )


@router.get("/surveys", response_model=list[SurveySummary])
def list_surveys(
    request: Request,
    session: SessionDep,
    principal: BearerPrincipal,
    evaluation: int | None = None,
) -> list[SurveySummary]:
    """Surveys, newest first; drafts only for office tokens."""
    base = settings_of(request).public_base_url
    summaries = service.list_surveys(session, base, evaluation_id=evaluation)
    if principal is not None and principal.has(Role.viewer):
        return summaries
    return [s for s in summaries if s.status != SurveyStatus.draft]


@router.get("/surveys/{survey_id}", response_model=SurveyPublic)
def get_survey(
    survey_id: int, request: Request, session: SessionDep, principal: BearerPrincipal
) -> SurveyPublic:
    survey = service.get_survey(session, survey_id)
    if not _visible(survey, principal):
        raise NotFound(N_("No survey has the id %(id)s."), id=survey_id)
    return service.survey_public(session, survey, settings_of(request).public_base_url)


@router.post("/surveys", response_model=SurveyPublic, status_code=status.HTTP_201_CREATED)
def create_survey(
    data: SurveyCreate, request: Request, session: SessionDep, actor: ApiOffice
) -> SurveyPublic:
    survey = service.create_survey(session, data, actor)
    return service.survey_public(session, survey, settings_of(request).public_base_url)


@router.patch("/surveys/{survey_id}", response_model=SurveyPublic)
def update_survey(
    survey_id: int, data: SurveyUpdate, request: Request, session: SessionDep, actor: ApiOffice
) -> SurveyPublic:
    survey = service.update_survey(session, survey_id, data, actor)
    request.app.state.definitions.forget(survey.slug)
    return service.survey_public(session, survey, settings_of(request).public_base_url)


@router.put("/surveys/{survey_id}/definition", response_model=SurveyPublic)
def replace_definition(
    survey_id: int, data: SurveyCreate, request: Request, session: SessionDep, actor: ApiOffice
) -> SurveyPublic:
    """Replace units, groups and questions of a draft survey."""
    survey = service.replace_content(session, survey_id, data, actor)
    request.app.state.definitions.forget(survey.slug)
    return service.survey_public(session, survey, settings_of(request).public_base_url)


def _qr_url(
    request: Request, session: SessionDep, survey_id: int, unit: str | None, group: str | None
) -> str:
    survey = service.get_survey(session, survey_id)
    definition = load_definition(session, survey)
    if unit and definition.unit(unit) is None:
        raise NotFound(N_("This unit is not part of the survey."))
    if group and definition.group(group) is None:
        raise NotFound(N_("This respondent group does not answer this survey."))
    return service.public_url(
        settings_of(request).public_base_url, survey.slug, unit=unit, group=group
    )


@router.get(
    "/surveys/{survey_id}/qr.png",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}},
)
def survey_qr_png(
    survey_id: int,
    request: Request,
    session: SessionDep,
    unit: str | None = None,
    group: str | None = None,
) -> Response:
    """The survey's QR code; ``unit`` for a service window, ``group`` for a channel."""
    url = _qr_url(request, session, survey_id, unit, group)
    return Response(
        qr_png(url), media_type="image/png", headers={"Cache-Control": "public, max-age=3600"}
    )


@router.get(
    "/surveys/{survey_id}/qr.svg",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}}},
)
def survey_qr_svg(
    survey_id: int,
    request: Request,
    session: SessionDep,
    unit: str | None = None,
    group: str | None = None,
) -> Response:
    url = _qr_url(request, session, survey_id, unit, group)
    return Response(
        qr_svg(url), media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=3600"}
    )


@router.post(
    "/surveys/{survey_id}/responses",
    response_model=Receipt,
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"description": "Already stored under this key: the first receipt", "model": Receipt},
        **errors(
            400,
            409,
            422,
            429,
            s400="Idempotency-Key header missing or blank",
            s409="Survey not open",
            s422="Answers do not fit the survey, or the key was used for different answers",
            s429="Too many submissions from this address",
        ),
    },
    openapi_extra={"parameters": [IDEMPOTENCY_KEY]},
)
async def submit_response(
    survey_id: int,
    data: ResponseIn,
    request: Request,
    idempotency_key: Annotated[str, Depends(idempotency_key)],
) -> Response:
    """Submit one respondent's answers, as the form does. Retrying with the same
    ``Idempotency-Key`` and body returns the first receipt and stores nothing new."""
    # One thread hop with a session of its own; no pooled connection is held while waiting.
    slug = await in_session(request, lambda session: service.get_survey(session, survey_id).slug)
    cache = request.app.state.definitions
    definition = cache.cached(slug) or await run_in_threadpool(cache.get, slug)
    refusal = definition.refusal()
    if refusal:
        raise SurveyNotAccepting(refusal)
    submission_input = SubmissionInput(
        group=data.group,
        profile=data.profile,
        ratings={(r.unit, r.question): r.level for r in data.ratings},
        answers=data.answers,
        comments={c.unit: c.text for c in data.comments},
    )
    plan = validate(definition, submission_input)
    verdict = await rate_limit(request)
    if verdict == "refuse":
        raise HTTPException(status_code=429, headers={"Retry-After": "60"})
    # The API does not time a form and keeps no device mark: the rate and the ratings count.
    flags = quality_flags(
        SubmissionSignals(
            rate=verdict,
            answers=plan.answers,
            identical_units=settings_of(request).survey_identical_ratings_units,
        )
    )
    stored = await request.app.state.writer.store_async(
        Submission(plan=plan, key=idempotency_key, quality_flags=flags, received_at=utcnow())
    )
    receipt = Receipt(receipt=stored.receipt, survey_id=survey_id, duplicate=stored.duplicate)
    return JSONResponse(receipt.model_dump(), status_code=200 if stored.duplicate else 201)


@router.get("/surveys/{survey_id}/responses/count", response_model=ResponseCount)
def response_count(survey_id: int, session: SessionDep, _reader: ApiViewer) -> ResponseCount:
    """Responses received: total, counted in scoring, and flagged by reason."""
    return service.response_count(session, survey_id)


@router.post("/responses/{response_id}/quality")
def decide_quality(
    response_id: str,
    decision: str | None,
    session: SessionDep,
    actor: ApiOffice,
) -> dict[str, str | None]:
    """Include (``include``) or exclude (``exclude``) a flagged response, or reset (omit)."""
    response = service.decide_quality(session, response_id, decision, actor)
    return {"id": response.id, "decision": response.quality_decision}
