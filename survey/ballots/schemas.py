"""Ballot batches and ballots as the API, the CLI and the office exchange them."""

from __future__ import annotations

from pydantic import BaseModel, Field

from survey.ballots.models import InvalidReason, SheetDisposition, UniformRule
from survey.inputs import Input
from survey.schemas import CODE_PATTERN, RowId
from survey.surveys.scales import ScaleKind

BALLOT_SCALES = (ScaleKind.satisfaction3, ScaleKind.grade4, ScaleKind.satisfaction)


class _In(Input):
    """Input of this area: no unstorable text or number (see ``survey.inputs``)."""


class BatchCreate(_In):
    evaluation_id: RowId
    period: str | None = Field(default=None, description="Period code, e.g. Q4")
    group: str = Field(description="Delegate respondent group code")
    title: str = Field(min_length=1, max_length=200, examples=["2026年度市直部门民主测评"])
    title_en: str = Field(default="", max_length=200)
    scale: ScaleKind = ScaleKind.satisfaction3
    question: str = Field(default="overall", pattern=CODE_PATTERN)
    units: list[str] = Field(default_factory=list, description="Unit codes on the ballot")
    categories: list[str] = Field(default_factory=list, description="Whole categories")
    excluded_unit: str | None = Field(default=None, description="A unit these delegates skip")
    unit_comments: bool = False
    uniform_rule: UniformRule = UniformRule.warn


class BatchPublic(BaseModel):
    id: int
    evaluation_id: int
    period: str | None
    group: str
    title: str
    title_en: str
    scale: str
    question: str
    status: str
    uniform_rule: str
    excluded_unit: str | None
    units: list[str]


class Turnout(BaseModel):
    batch_id: int
    title: str
    group: str
    status: str
    issued: int = Field(description="Codes issued and not voided")
    used: int
    void: int
    remaining: int
    share: float = Field(description="used / issued, 0 when nothing is issued")


class IssuedCode(BaseModel):
    serial: int
    code: str


class BallotIn(_In):
    """A ballot from a kiosk or mini-program: the same rules as the /b form."""

    code: str = Field(max_length=40)
    answers: dict[str, str] = Field(description="unit code -> level code")
    comments: dict[str, str] = Field(default_factory=dict, description="unit code -> comment")
    confirm_uniform: bool = Field(
        default=False, description="Confirm a ballot that rates every unit the same"
    )


class PaperEntryIn(_In):
    sheet_no: str = Field(min_length=1, max_length=32)
    answers: dict[str, str]
    comments: dict[str, str] = Field(default_factory=dict)
    disposition: SheetDisposition = SheetDisposition.valid
    invalid_reason: InvalidReason | None = Field(default=None, description="For a spoilt sheet")
