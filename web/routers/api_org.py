"""JSON API over the organisation: public reads, office-token writes."""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from survey import organisation as org
from survey.satisfaction import policy as policy_service
from survey.schemas import (
    CategoryCreate,
    CategoryPublic,
    CategoryUpdate,
    EvaluationCreate,
    EvaluationPublic,
    EvaluationUpdate,
    GroupCreate,
    GroupPublic,
    GroupUpdate,
    PeriodCreate,
    PeriodPublic,
    UnitCreate,
    UnitPublic,
    UnitUpdate,
    WeightPublic,
    WeightsPut,
)
from web.deps import ApiOffice, SessionDep
from web.safety import client_ip

router = APIRouter(prefix="/api/v1", tags=["organisation"])


@router.get("/evaluations", response_model=list[EvaluationPublic])
def list_evaluations(session: SessionDep) -> list[EvaluationPublic]:
    return org.list_evaluations(session)


@router.get("/evaluations/{evaluation_id}", response_model=EvaluationPublic)
def get_evaluation(evaluation_id: int, session: SessionDep) -> EvaluationPublic:
    return org.evaluation_public(session, org.get_evaluation(session, evaluation_id))


@router.post(
    "/evaluations",
    response_model=EvaluationPublic,
    status_code=status.HTTP_201_CREATED,
)
def create_evaluation(
    data: EvaluationCreate, session: SessionDep, actor: ApiOffice
) -> EvaluationPublic:
    return org.evaluation_public(session, org.create_evaluation(session, data, actor))


@router.patch("/evaluations/{evaluation_id}", response_model=EvaluationPublic)
def update_evaluation(
    evaluation_id: int, data: EvaluationUpdate, session: SessionDep, actor: ApiOffice
) -> EvaluationPublic:
    evaluation = org.update_evaluation(session, evaluation_id, data, actor)
    return org.evaluation_public(session, evaluation)


@router.post(
    "/evaluations/{evaluation_id}/periods",
    response_model=PeriodPublic,
    status_code=status.HTTP_201_CREATED,
)
def add_period(
    evaluation_id: int, data: PeriodCreate, session: SessionDep, actor: ApiOffice
) -> PeriodPublic:
    period = org.add_period(session, evaluation_id, data, actor)
    return PeriodPublic.model_validate(period, from_attributes=True)


@router.get("/evaluations/{evaluation_id}/weights", response_model=list[WeightPublic])
def get_weights(evaluation_id: int, session: SessionDep) -> list[WeightPublic]:
    return org.get_weights(session, evaluation_id)


@router.put("/evaluations/{evaluation_id}/weights", response_model=list[WeightPublic])
def put_weights(
    evaluation_id: int, data: WeightsPut, session: SessionDep, actor: ApiOffice, request: Request
) -> list[WeightPublic]:
    """Replace the weights of the categories named; stored as the next policy version."""
    return policy_service.set_weights(
        session, evaluation_id, data.weights, actor, note=data.note, ip=client_ip(request)
    )


@router.get("/categories", response_model=list[CategoryPublic])
def list_categories(session: SessionDep) -> list[CategoryPublic]:
    return org.list_categories(session)


@router.post(
    "/categories",
    response_model=CategoryPublic,
    status_code=status.HTTP_201_CREATED,
)
def create_category(data: CategoryCreate, session: SessionDep, actor: ApiOffice) -> CategoryPublic:
    category = org.create_category(session, data, actor)
    return CategoryPublic.model_validate(category, from_attributes=True)


@router.patch("/categories/{code}", response_model=CategoryPublic)
def update_category(
    code: str, data: CategoryUpdate, session: SessionDep, actor: ApiOffice
) -> CategoryPublic:
    category = org.update_category(session, code, data, actor)
    return CategoryPublic.model_validate(category, from_attributes=True)


@router.get("/units", response_model=list[UnitPublic])
def list_units(
    session: SessionDep, category: str | None = None, active: bool | None = None
) -> list[UnitPublic]:
    return org.list_units(session, category=category, active=active)


@router.get("/units/{code}", response_model=UnitPublic)
def get_unit(code: str, session: SessionDep) -> UnitPublic:
    return org.unit_public(session, org.unit_by_code(session, code))


@router.post("/units", response_model=UnitPublic, status_code=status.HTTP_201_CREATED)
def create_unit(data: UnitCreate, session: SessionDep, actor: ApiOffice) -> UnitPublic:
    return org.unit_public(session, org.create_unit(session, data, actor))


@router.patch("/units/{code}", response_model=UnitPublic)
def update_unit(code: str, data: UnitUpdate, session: SessionDep, actor: ApiOffice) -> UnitPublic:
    return org.unit_public(session, org.update_unit(session, code, data, actor))


@router.get("/groups", response_model=list[GroupPublic])
def list_groups(session: SessionDep) -> list[GroupPublic]:
    return org.list_groups(session)


@router.post("/groups", response_model=GroupPublic, status_code=status.HTTP_201_CREATED)
def create_group(data: GroupCreate, session: SessionDep, actor: ApiOffice) -> GroupPublic:
    group = org.create_group(session, data, actor)
    return GroupPublic.model_validate(group, from_attributes=True)


@router.patch("/groups/{code}", response_model=GroupPublic)
def update_group(
    code: str, data: GroupUpdate, session: SessionDep, actor: ApiOffice
) -> GroupPublic:
    group = org.update_group(session, code, data, actor)
    return GroupPublic.model_validate(group, from_attributes=True)
