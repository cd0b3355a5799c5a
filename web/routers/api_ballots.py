"""JSON API for ballots: batches, codes, turnout for the office; casting for kiosks."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request, status
from pydantic import BaseModel, Field, StrictInt
from sqlmodel import Session

from survey.ballots import service
from survey.ballots.models import BatchStatus
from survey.ballots.schemas import BallotIn, BatchCreate, BatchPublic, IssuedCode, Turnout
from survey.schemas import LARGEST_ID
from web.context import settings_of
from web.deps import ApiOffice, ApiViewer, SessionDep
from web.openapi import errors
from web.routers.ballot import Opened, open_ballot

router = APIRouter(prefix="/api/v1", tags=["ballots"])


class StatusChange(BaseModel):
    status: BatchStatus


class CodeRequest(BaseModel):
    count: int = Field(ge=1, le=service.MAX_CODES_PER_ISSUE)


class VoidRequest(BaseModel):
    # Serial numbers as printed on the cards; bounded so that no database refuses one.
    serials: list[Annotated[StrictInt, Field(ge=1, le=LARGEST_ID)]] = Field(default_factory=list)
    codes: list[str] = Field(default_factory=list)


class Voided(BaseModel):
    voided: int


class Cast(BaseModel):
    status: str = "cast"


@router.get("/ballot-batches", response_model=list[BatchPublic])
def list_batches(
    session: SessionDep, _: ApiViewer, evaluation: int | None = None
) -> list[BatchPublic]:
    return [
        service.batch_public(session, b)
        for b in service.list_batches(session, evaluation_id=evaluation)
    ]


@router.post(
    "/ballot-batches",
    response_model=BatchPublic,
    status_code=status.HTTP_201_CREATED,
)
def create_batch(data: BatchCreate, session: SessionDep, actor: ApiOffice) -> BatchPublic:
    return service.batch_public(session, service.create_batch(session, data, actor))


@router.get("/ballot-batches/{batch_id}", response_model=BatchPublic)
def get_batch(batch_id: int, session: SessionDep, _: ApiViewer) -> BatchPublic:
    return service.batch_public(session, service.get_batch(session, batch_id))


@router.patch("/ballot-batches/{batch_id}", response_model=BatchPublic)
def change_status(
    batch_id: int, data: StatusChange, session: SessionDep, actor: ApiOffice
) -> BatchPublic:
    """Open or close voting. Closing shuffles the stored ballots (see the README)."""
    return service.batch_public(session, service.set_status(session, batch_id, data.status, actor))


@router.get("/ballot-batches/{batch_id}/turnout", response_model=Turnout)
def turnout(batch_id: int, session: SessionDep, _: ApiViewer) -> Turnout:
    """Issued (not voided), used, void and remaining codes, and the share used."""
    return service.turnout(session, service.get_batch(session, batch_id))


@router.post(
    "/ballot-batches/{batch_id}/codes",
    response_model=list[IssuedCode],
    status_code=status.HTTP_201_CREATED,
)
def issue_codes(
    batch_id: int, data: CodeRequest, request: Request, session: SessionDep, actor: ApiOffice
) -> list[IssuedCode]:
    """Issue codes; the response is the only copy of their plaintext."""
    secret = settings_of(request).secret_key
    return service.issue_codes(session, batch_id, data.count, secret, actor)


@router.post("/ballot-batches/{batch_id}/codes/void", response_model=Voided)
def void_codes(
    batch_id: int, data: VoidRequest, request: Request, session: SessionDep, actor: ApiOffice
) -> Voided:
    voided = service.void_codes(
        session,
        batch_id,
        actor,
        serials=data.serials,
        typed_codes=data.codes,
        secret=settings_of(request).secret_key,
    )
    return Voided(voided=voided)


@router.post(
    "/ballots",
    response_model=Cast,
    status_code=status.HTTP_201_CREATED,
    responses=errors(
        400,
        404,
        409,
        422,
        429,
        s400="The code is mistyped (its check character does not match)",
        s404="No ballot has this code",
        s409="The code is used or void, or voting is not open",
        s422="Answers missing or off the scale, or a uniform ballot",
        s429="Too many wrong codes from this address",
    ),
)
async def cast_ballot(data: BallotIn, request: Request) -> Cast:
    """Cast one ballot with its code, under the same rules as the /b form."""
    secret = settings_of(request).secret_key

    def check_and_cast(session: Session, opened: Opened) -> None:
        plan = service.check_ballot(
            opened.ballot, data.answers, data.comments, confirm_uniform=data.confirm_uniform
        )
        service.cast(session, secret, opened.code, plan, opened.ballot)

    await open_ballot(request, data.code, check_and_cast)
    return Cast()
