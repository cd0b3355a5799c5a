"""JSON API for surveys: definitions, QR codes, submissions with Idempotency-Key, counts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request, status
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from survey import accounts
from survey.accounts import Principal
from survey.errors import N_, DomainError, NotFound
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
from web.deps import ApiOffice, BearerPrincipal, SessionDep, bearer_principal, in_session
from web.routers.survey_form import rate_limit

router = APIRouter(prefix="/api/v1", tags=["surveys"])
_AUTH: dict[int | str, dict[str, Any]] = {
    401: {"description": "No or invalid bearer token"},
    403: {"description": "Wrong role"},
}


class MissingIdempotencyKey(DomainError):
    message = N_("The Idempotency-Key header is required.")


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


@router.post(
    "/surveys", response_model=SurveyPublic, status_code=status.HTTP_201_CREATED, responses=_AUTH
)
def create_survey(
    data: SurveyCreate, request: Request, session: SessionDep, actor: ApiOffice
) -> SurveyPublic:
    survey = service.create_survey(session, data, actor)
    return service.survey_public(session, survey, settings_of(request).public_base_url)


@router.patch("/surveys/{survey_id}", response_model=SurveyPublic, responses=_AUTH)
def update_survey(
    survey_id: int, data: SurveyUpdate, request: Request, session: SessionDep, actor: ApiOffice
) -> SurveyPublic:
    survey = service.update_survey(session, survey_id, data, actor)
    request.app.state.definitions.forget(survey.slug)
    return service.survey_public(session, survey, settings_of(request).public_base_url)


@router.put("/surveys/{survey_id}/definition", response_model=SurveyPublic, responses=_AUTH)
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
        400: {"description": "Idempotency-Key header missing"},
        409: {"description": "Survey not open, or key used for different answers"},
        422: {"description": "Answers do not fit the survey"},
        429: {"description": "Too many submissions from this address"},
    },
)
async def submit_response(
    survey_id: int,
    data: ResponseIn,
    request: Request,
    idempotency_key: Annotated[str | None, Header(max_length=64)] = None,
) -> Response:
    """Submit one respondent's answers, as the form does. Retrying with the same
    ``Idempotency-Key`` and body returns the first receipt and stores nothing new."""
    if not idempotency_key or not idempotency_key.strip():
        raise MissingIdempotencyKey()
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
        Submission(
            plan=plan, key=idempotency_key.strip(), quality_flags=flags, received_at=utcnow()
        )
    )
    receipt = Receipt(receipt=stored.receipt, survey_id=survey_id, duplicate=stored.duplicate)
    return JSONResponse(receipt.model_dump(), status_code=200 if stored.duplicate else 201)


@router.get("/surveys/{survey_id}/responses/count", response_model=ResponseCount, responses=_AUTH)
def response_count(
    survey_id: int,
    session: SessionDep,
    principal: Annotated[Principal | None, Depends(bearer_principal)],
) -> ResponseCount:
    """Responses received: total, counted in scoring, and flagged by reason."""
    accounts.require(principal, Role.viewer)
    return service.response_count(session, survey_id)


@router.post("/responses/{response_id}/quality", responses=_AUTH)
def decide_quality(
    response_id: str,
    decision: str | None,
    session: SessionDep,
    actor: ApiOffice,
) -> dict[str, str | None]:
    """Include (``include``) or exclude (``exclude``) a flagged response, or reset (omit)."""
    response = service.decide_quality(session, response_id, decision, actor)
    return {"id": response.id, "decision": response.quality_decision}
