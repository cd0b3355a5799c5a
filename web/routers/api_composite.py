"""JSON API for composite scoring: schemes, hard-indicator values, inputs and results."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse, Response

from survey import organisation as org
from survey.composite import improvement, indicators, inputs, service
from survey.composite import scheme as schemes
from survey.composite.improvement_schemas import UnitImprovement
from survey.composite.schemas import (
    AdjustmentCreate,
    AdjustmentPublic,
    CompositeResults,
    ExcellenceGoalPublic,
    ExcellenceGoalsPut,
    IndicatorPush,
    IndicatorPushResult,
    IndicatorValuePublic,
    InputsStored,
    QualitativeScorePublic,
    QualitativeScoresPut,
    SchemePublic,
    SchemePut,
    SchemeValidation,
    SchemeVersionPublic,
)
from survey.errors import N_, Invalid
from web.deps import ApiOffice, ApiViewer, BearerPrincipal, SessionDep, in_session
from web.i18n import gettext, language_of
from web.openapi import errors
from web.safety import client_ip

router = APIRouter(prefix="/api/v1", tags=["composite"])
_YAML_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/yaml": {"schema": {"type": "string"}}},
        "description": "A scheme file: one YAML document per category",
    }
}
MAX_SCHEME_BYTES = 1_000_000


async def _yaml_text(request: Request) -> str:
    body = await request.body()
    if len(body) > MAX_SCHEME_BYTES:
        raise Invalid(N_("What you sent is too large."))
    if not body:
        raise Invalid(N_("The file is empty."))
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        # YAML files are UTF-8; the parser's own message is English too.
        raise Invalid(
            N_("Line %(line)s: the file is not valid YAML (%(problem)s)."),
            line=1,
            problem="not UTF-8 text",
        ) from None


# Schemes -------------------------------------------------------------------------------------


@router.get("/evaluations/{evaluation_id}/schemes", response_model=list[SchemeVersionPublic])
def list_schemes(evaluation_id: int, session: SessionDep) -> list[SchemeVersionPublic]:
    """The scheme in force for each category (its newest version)."""
    return schemes.list_schemes(session, evaluation_id)


@router.post(
    "/evaluations/{evaluation_id}/schemes",
    response_model=list[SchemeVersionPublic],
    status_code=201,
    openapi_extra=_YAML_BODY,
    responses=errors(
        409, 422, s409="The evaluation is published", s422="Problems, each with its line and field"
    ),
)
async def import_schemes(
    evaluation_id: int, request: Request, actor: ApiOffice, note: str = ""
) -> list[SchemeVersionPublic]:
    """Import a YAML scheme file: each scheme becomes the next version of its category.

    Nothing is stored when any scheme has a problem; the 422 answer lists them all.
    """
    text = await _yaml_text(request)
    ip = client_ip(request)
    return await in_session(
        request,
        lambda session: schemes.import_text(
            session, evaluation_id, text, actor, note=note[:500], ip=ip
        ),
    )


@router.post(
    "/evaluations/{evaluation_id}/schemes/validate",
    response_model=SchemeValidation,
    openapi_extra=_YAML_BODY,
)
async def validate_schemes(
    evaluation_id: int, request: Request, _reader: ApiViewer
) -> SchemeValidation:
    """Check a scheme file without storing it: every problem with its line and field.

    Office accounts only (a viewer's token suffices): the check names the evaluation's
    categories and indicators, and parsing a megabyte of YAML is work no stranger may order."""
    text = await _yaml_text(request)
    language = language_of(request, request.app.state.settings.default_language)

    def work(session: Any) -> SchemeValidation:
        org.get_evaluation(session, evaluation_id)
        return schemes.validate_text(
            session, text, lambda message, params: gettext(language, message, **params)
        )

    return await in_session(request, work)


@router.get(
    "/evaluations/{evaluation_id}/schemes/export",
    response_class=PlainTextResponse,
    responses={200: {"content": {"application/yaml": {}}}},
)
def export_schemes(
    evaluation_id: int, session: SessionDep, category: str | None = None
) -> Response:
    """The current schemes as one YAML file (the format the import reads)."""
    text = schemes.export_text(session, evaluation_id, category)
    return Response(text, media_type="application/yaml; charset=utf-8")


@router.get("/evaluations/{evaluation_id}/schemes/{category}", response_model=SchemePublic)
def get_scheme(
    evaluation_id: int, category: str, session: SessionDep, version: int | None = None
) -> SchemePublic:
    """A category's scheme: the newest version, or the one asked for."""
    row = schemes.get_scheme(session, evaluation_id, category, version)
    summary = schemes.version_public(session, row)
    return SchemePublic(**summary.model_dump(), source=row.source, definition=schemes.spec_of(row))


@router.put(
    "/evaluations/{evaluation_id}/schemes/{category}",
    response_model=SchemeVersionPublic,
    responses=errors(409, s409="The evaluation is published"),
)
def put_scheme(
    evaluation_id: int,
    category: str,
    data: SchemePut,
    request: Request,
    session: SessionDep,
    actor: ApiOffice,
) -> SchemeVersionPublic:
    """Store a scheme sent as JSON as the category's next version (kept as YAML)."""
    return schemes.put_scheme(
        session,
        evaluation_id,
        category,
        data.model_dump(mode="json", exclude_defaults=True),
        actor,
        note=data.note,
        ip=client_ip(request),
    )


@router.get(
    "/evaluations/{evaluation_id}/schemes/{category}/versions",
    response_model=list[SchemeVersionPublic],
)
def scheme_versions(
    evaluation_id: int, category: str, session: SessionDep
) -> list[SchemeVersionPublic]:
    """Every version of a category's scheme, newest first."""
    return schemes.history(session, evaluation_id, category)


# Hard-indicator values -----------------------------------------------------------------------


@router.post(
    "/evaluations/{evaluation_id}/indicators",
    response_model=IndicatorPushResult,
    responses=errors(422, s422="Unknown units or repeated entries"),
)
def push_indicators(
    evaluation_id: int,
    data: IndicatorPush,
    request: Request,
    session: SessionDep,
    actor: ApiOffice,
) -> IndicatorPushResult:
    """Values pushed by another system, e.g. the statistics bureau (an office token).

    Upserts by unit, indicator and period: sending the same values again changes nothing
    (``unchanged``). All or nothing; every push is in the audit log.
    """
    return indicators.push_indicators(
        session, evaluation_id, data.values, actor, ip=client_ip(request)
    )


@router.get(
    "/evaluations/{evaluation_id}/indicators",
    response_model=list[IndicatorValuePublic],
)
def list_indicators(
    evaluation_id: int,
    session: SessionDep,
    _viewer: ApiViewer,
    unit: str | None = None,
    indicator: str | None = None,
    period: str | None = None,
) -> list[IndicatorValuePublic]:
    """Stored values, filtered by unit, indicator and period codes."""
    return indicators.list_values(
        session, evaluation_id, unit=unit, indicator=indicator, period=period
    )


# Inputs -------------------------------------------------------------------------------------


@router.get(
    "/evaluations/{evaluation_id}/adjustments",
    response_model=list[AdjustmentPublic],
)
def list_adjustments(
    evaluation_id: int, session: SessionDep, _viewer: ApiViewer
) -> list[AdjustmentPublic]:
    return inputs.list_adjustments(session, evaluation_id)


@router.post(
    "/evaluations/{evaluation_id}/adjustments",
    response_model=AdjustmentPublic,
    status_code=201,
    responses=errors(409, s409="The evaluation is published"),
)
def add_adjustment(
    evaluation_id: int,
    data: AdjustmentCreate,
    request: Request,
    session: SessionDep,
    actor: ApiOffice,
) -> AdjustmentPublic:
    """A bonus or deduction with its reason and who approved it; bounded by the scheme."""
    return inputs.add_adjustment(session, evaluation_id, data, actor, ip=client_ip(request))


@router.delete(
    "/evaluations/{evaluation_id}/adjustments/{adjustment_id}",
    status_code=204,
)
def delete_adjustment(
    evaluation_id: int,
    adjustment_id: int,
    request: Request,
    session: SessionDep,
    actor: ApiOffice,
) -> Response:
    inputs.delete_adjustment(session, evaluation_id, adjustment_id, actor, ip=client_ip(request))
    return Response(status_code=204)


@router.get(
    "/evaluations/{evaluation_id}/qualitative-scores",
    response_model=list[QualitativeScorePublic],
)
def list_qualitative(
    evaluation_id: int, session: SessionDep, _viewer: ApiViewer
) -> list[QualitativeScorePublic]:
    return inputs.list_qualitative(session, evaluation_id)


@router.put(
    "/evaluations/{evaluation_id}/qualitative-scores",
    response_model=InputsStored,
)
def put_qualitative(
    evaluation_id: int,
    data: QualitativeScoresPut,
    request: Request,
    session: SessionDep,
    actor: ApiOffice,
) -> InputsStored:
    """Qualitative scores by lead departments (stored or replaced per unit and item)."""
    return inputs.put_qualitative(session, evaluation_id, data.scores, actor, ip=client_ip(request))


@router.get(
    "/evaluations/{evaluation_id}/excellence-goals",
    response_model=list[ExcellenceGoalPublic],
)
def list_excellence(
    evaluation_id: int, session: SessionDep, _viewer: ApiViewer
) -> list[ExcellenceGoalPublic]:
    return inputs.list_excellence(session, evaluation_id)


@router.put(
    "/evaluations/{evaluation_id}/excellence-goals",
    response_model=InputsStored,
)
def put_excellence(
    evaluation_id: int,
    data: ExcellenceGoalsPut,
    request: Request,
    session: SessionDep,
    actor: ApiOffice,
) -> InputsStored:
    """Excellence goals (创优目标) with the expert difficulty coefficient and appraisal."""
    return inputs.put_excellence(session, evaluation_id, data.goals, actor, ip=client_ip(request))


# Results ---------------------------------------------------------------------------------------


@router.get(
    "/evaluations/{evaluation_id}/results",
    response_model=CompositeResults,
    responses=errors(
        401, 403, s401="Not published yet, and no token that may see it", s403="A unit token"
    ),
)
def get_results(
    evaluation_id: int,
    session: SessionDep,
    principal: BearerPrincipal,
    category: str | None = None,
    sensitivity: bool = False,
    draws: Annotated[int, Query(ge=1, le=service.MAX_DRAWS)] = service.DEFAULT_DRAWS,
    seed: Annotated[int, Query(ge=0, le=2**62)] = service.DEFAULT_SEED,
) -> CompositeResults:
    """Composite results per unit: total, block subtotals, rank, grade, rank change, flags.

    A published evaluation is read from the snapshot stored at publication (``frozen``).
    ``sensitivity=true`` adds a seeded Monte Carlo over the weights and the satisfaction
    sampling error: median rank, 5-95 % rank band, probability of each grade.
    """
    request = service.SensitivityRequest(draws=draws, seed=seed) if sensitivity else None
    return service.composite_results(
        session, evaluation_id, viewer=principal, category=category, sensitivity=request
    )


@router.get(
    "/evaluations/{evaluation_id}/results/units/{unit}/explain",
    responses=errors(
        401,
        403,
        s401="Not published yet, and no token that may see it",
        s403="A unit token asking about another unit",
    ),
)
def explain_unit(
    evaluation_id: int, unit: str, session: SessionDep, principal: BearerPrincipal
) -> dict[str, Any]:
    """The whole computation of a unit's total as a tree: every input, method, parameter
    and intermediate value. ``scoring.composite.recompute(body["tree"])`` gives the total
    back; a missing number is the string ``"NaN"``, which ``float()`` reads."""
    return service.explain_unit(session, evaluation_id, unit, viewer=principal)


@router.get(
    "/evaluations/{evaluation_id}/results/units/{unit}/improvement",
    response_model=UnitImprovement,
)
def unit_improvement(
    evaluation_id: int, unit: str, session: SessionDep, _viewer: ApiViewer
) -> UnitImprovement:
    """Improvement simulator: for each input the unit's scheme reads (hard indicators,
    satisfaction sources, qualitative items, rectification rate), the composite points one
    step (+1 of the input) buys and the least change of that input alone that lifts the unit
    one grade, each found by computing the whole category's composite again (normalisations,
    rounding and grade quotas included). Current schemes and data; office tokens only."""
    return improvement.simulate_unit(session, evaluation_id, unit)


@router.post(
    "/evaluations/{evaluation_id}/results/publish",
    response_model=CompositeResults,
    responses=errors(409, s409="Not closed, or published already"),
)
def publish_results(
    evaluation_id: int, request: Request, session: SessionDep, actor: ApiOffice
) -> CompositeResults:
    """Freeze the results (a snapshot with the scheme versions) and publish the evaluation."""
    return service.publish_results(session, evaluation_id, actor, ip=client_ip(request))
