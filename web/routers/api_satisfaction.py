"""JSON API for satisfaction: results per unit and group, and the versioned policy."""

from __future__ import annotations

from fastapi import APIRouter, Request

from survey.errors import N_, Invalid
from survey.satisfaction import policy as policy_service
from survey.satisfaction.drivers import DriverReport, drivers
from survey.satisfaction.schemas import (
    PolicyVersionSummary,
    SatisfactionPolicyPublic,
    SatisfactionPolicyPut,
    SatisfactionResults,
)
from survey.satisfaction.service import satisfaction_results
from web.deps import ApiOffice, BearerPrincipal, SessionDep
from web.openapi import errors
from web.safety import client_ip

router = APIRouter(prefix="/api/v1", tags=["satisfaction"])


@router.get(
    "/evaluations/{evaluation_id}/satisfaction",
    response_model=SatisfactionResults,
    responses=errors(
        401,
        403,
        s401="Not published yet, and no token that may see it",
        s403="A unit token asking about another unit",
    ),
)
def get_satisfaction(
    evaluation_id: int,
    session: SessionDep,
    principal: BearerPrincipal,
    unit: str | None = None,
    group: str | None = None,
    question: str | None = None,
    period: str | None = None,
    by_question: bool = False,
    channel: str | None = None,
) -> SatisfactionResults:
    """Satisfaction per unit x group and per unit (score, interval, rank, rank interval).

    Office and viewer tokens see everything; a unit token sees its own unit; without a token
    only published evaluations are shown. Outside the office, cells with fewer respondents
    than the policy's suppression threshold have null statistics and ``suppressed: true``.
    ``unit`` and ``group`` filter the rows, ``question``, ``period`` and ``channel`` (qr,
    ballot, paper, import) what is counted.
    """
    return satisfaction_results(
        session,
        evaluation_id,
        unit=unit,
        group=group,
        question=question,
        period=period,
        by_question=by_question,
        viewer=principal,
        channel=channel,
        previous=True,
    )


@router.get(
    "/evaluations/{evaluation_id}/satisfaction/drivers",
    response_model=DriverReport,
    responses=errors(
        404,
        422,
        s404="No such unit or category, or no survey with an overall question",
        s422="Neither or both of unit and category given",
    ),
)
def get_drivers(
    evaluation_id: int,
    session: SessionDep,
    actor: ApiOffice,
    unit: str | None = None,
    category: str | None = None,
) -> DriverReport:
    """Key drivers of a unit (with its category's) or of a category.

    Importance is each aspect's Shapley share of R^2 of the overall question on the aspect
    questions (the survey's question roles), with a percentile interval from Wishart draws;
    performance is the aspect's mean score; the quadrant compares importance with the mean
    importance and performance with the category's.
    """
    if (unit is None) == (category is None):
        raise Invalid(N_("Give either a unit or a category."))
    return drivers(session, evaluation_id, unit_code=unit, category_code=category)


@router.get(
    "/evaluations/{evaluation_id}/satisfaction-policy", response_model=SatisfactionPolicyPublic
)
def get_policy(evaluation_id: int, session: SessionDep) -> SatisfactionPolicyPublic:
    """The policy in force (version 0 means the defaults, never saved) and the group weights."""
    return policy_service.get_policy(session, evaluation_id)


@router.put(
    "/evaluations/{evaluation_id}/satisfaction-policy",
    response_model=SatisfactionPolicyPublic,
    responses=errors(409, s409="The evaluation is published"),
)
def put_policy(
    evaluation_id: int,
    data: SatisfactionPolicyPut,
    request: Request,
    session: SessionDep,
    actor: ApiOffice,
) -> SatisfactionPolicyPublic:
    """Replace the policy: stores the next version and, when given, the group weights."""
    return policy_service.set_policy(session, evaluation_id, data, actor, ip=client_ip(request))


@router.get(
    "/evaluations/{evaluation_id}/satisfaction-policy/versions",
    response_model=list[PolicyVersionSummary],
)
def policy_versions(evaluation_id: int, session: SessionDep) -> list[PolicyVersionSummary]:
    """Every stored version, newest first."""
    return policy_service.history(session, evaluation_id)
