"""The unit's own results on the API, with a unit token: the same numbers as its pages."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.encoders import jsonable_encoder

from survey.unit_home import service
from web.deps import ApiUnit, SessionDep
from web.openapi import errors

router = APIRouter(prefix="/api/v1/unit", tags=["unit"])


@router.get(
    "/satisfaction",
    responses=errors(
        403,
        404,
        s403="Not a unit token",
        s404="Another unit, or an evaluation the unit is not part of",
    ),
)
def unit_satisfaction(
    evaluation: int,
    session: SessionDep,
    principal: ApiUnit,
    unit: str | None = None,
    group: str | None = None,
    period: str | None = None,
) -> dict[str, Any]:
    """The token's unit in one evaluation: score, interval, ranks, groups, questions, trend.

    Figures below the policy's minimum, or that would reveal fewer respondents than it by
    comparison with another figure the unit can ask for, are null with ``suppressed: true``.
    ``unit`` may only name the token's own unit (anything else is 404).
    """
    own = service.own_unit(session, principal)
    home = service.unit_home(
        session, principal, unit or own.code, evaluation, group=group, period=period
    )
    return {
        "evaluation_id": evaluation,
        "minimum": home.minimum,
        "comment_minimum": home.comment_minimum,
        "composite_released": home.composite_released,
        **jsonable_encoder(home.view),
    }
