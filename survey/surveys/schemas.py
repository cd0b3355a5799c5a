"""Survey definitions as the API, the YAML files and the office builder exchange them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field, model_validator

from survey.inputs import Input
from survey.schemas import CODE_PATTERN, RowId
from survey.surveys.models import QuestionKind, QuestionRole, SurveyStatus
from survey.surveys.scales import ScaleKind

# The Shapley decomposition of the key drivers fits every subset of the aspects (2^k fits).
MAX_ASPECTS = 10


class _In(Input):
    """Input of this area: no unstorable text or number (see ``survey.inputs``)."""


class OptionIn(_In):
    code: str = Field(pattern=CODE_PATTERN)
    label: str = Field(min_length=1, max_length=200)
    label_en: str = Field(default="", max_length=200)


class QuestionIn(_In):
    code: str = Field(pattern=CODE_PATTERN)
    kind: QuestionKind
    prompt: str = Field(min_length=1, max_length=500)
    prompt_en: str = Field(default="", max_length=500)
    scale: ScaleKind | None = None
    options: list[OptionIn] = Field(default_factory=list)
    required: bool = True
    max_length: int = Field(default=500, ge=1, le=2000)
    variable: str | None = Field(default=None, pattern=CODE_PATTERN)
    role: QuestionRole | None = Field(
        default=None, description="overall or aspect, for the key-driver analysis"
    )

    @model_validator(mode="after")
    def _shape(self) -> QuestionIn:
        if self.role is not None and self.kind != QuestionKind.rating:
            raise ValueError("only rating questions have a key-driver role")
        if self.kind == QuestionKind.rating and self.scale is None:
            raise ValueError("a rating question needs a scale")
        if self.kind != QuestionKind.rating and self.scale is not None:
            raise ValueError("only rating questions have a scale")
        if self.kind in (QuestionKind.single, QuestionKind.multiple, QuestionKind.cell):
            if len(self.options) < 2:
                raise ValueError(f"a {self.kind} question needs at least two options")
            codes = [o.code for o in self.options]
            if len(codes) != len(set(codes)):
                raise ValueError("option codes must be unique")
        elif self.options:
            raise ValueError(f"a {self.kind} question has no options")
        if self.kind == QuestionKind.cell and not self.variable:
            raise ValueError("a cell question names its weighting variable")
        return self


class SurveyCreate(_In):
    evaluation_id: RowId
    period: str | None = Field(default=None, description="Period code, e.g. Q3")
    title: str = Field(min_length=1, max_length=200)
    title_en: str = Field(default="", max_length=200)
    introduction: str = Field(default="", max_length=2000)
    introduction_en: str = Field(default="", max_length=2000)
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    units: list[str] = Field(default_factory=list, description="Unit codes")
    categories: list[str] = Field(
        default_factory=list, description="Category codes: all their active units"
    )
    groups: list[str] = Field(min_length=1, description="Public respondent group codes")
    questions: list[QuestionIn] = Field(min_length=1)
    unit_comments: bool = True
    one_per_device: bool = True
    min_seconds: int = Field(default=10, ge=0, le=600)

    @model_validator(mode="after")
    def _shape(self) -> SurveyCreate:
        codes = [q.code for q in self.questions]
        if len(codes) != len(set(codes)):
            raise ValueError("question codes must be unique")
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValueError("closes_at must be after opens_at")
        if any(q.kind == QuestionKind.rating for q in self.questions) and not (
            self.units or self.categories
        ):
            raise ValueError("a survey with rating questions needs units or categories")
        if sum(q.kind == QuestionKind.group for q in self.questions) > 1:
            raise ValueError("a survey asks for the respondent group at most once")
        overall = sum(q.role == QuestionRole.overall for q in self.questions)
        aspects = sum(q.role == QuestionRole.aspect for q in self.questions)
        if overall > 1:
            raise ValueError("a survey has at most one overall question")
        if aspects and not overall:
            raise ValueError("aspect questions need an overall question for them to explain")
        if overall and aspects < 2:
            raise ValueError("an overall question needs at least two aspect questions")
        if aspects > MAX_ASPECTS:
            raise ValueError(f"a survey has at most {MAX_ASPECTS} aspect questions")
        return self


class SurveyUpdate(_In):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    title_en: str | None = Field(default=None, max_length=200)
    introduction: str | None = Field(default=None, max_length=2000)
    introduction_en: str | None = Field(default=None, max_length=2000)
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    status: SurveyStatus | None = None
    unit_comments: bool | None = None
    one_per_device: bool | None = None
    min_seconds: int | None = Field(default=None, ge=0, le=600)


class SurveySummary(BaseModel):
    id: int
    title: str
    status: str
    evaluation_id: int
    period: str | None
    public_url: str


class UnitRef(BaseModel):
    code: str
    name: str
    name_en: str
    category: str


class GroupRef(BaseModel):
    code: str
    name: str
    name_en: str


class SurveyPublic(SurveySummary):
    slug: str
    title_en: str
    introduction: str
    introduction_en: str
    opens_at: datetime | None
    closes_at: datetime | None
    unit_comments: bool
    one_per_device: bool
    min_seconds: int
    unit_codes: list[str]
    category_codes: list[str]
    units: list[UnitRef]
    groups: list[GroupRef]
    questions: list[QuestionIn]


class ResponseCount(BaseModel):
    total: int
    counted: int
    flagged: int
    by_flag: dict[str, int]


class RatingIn(_In):
    unit: str
    question: str
    level: str


class CommentIn(_In):
    unit: str
    text: str


class ResponseIn(_In):
    """A submission through the JSON API; the form posts the same content as fields."""

    group: str | None = None
    profile: dict[str, str] = Field(default_factory=dict, description="cell variable -> option")
    ratings: list[RatingIn] = Field(default_factory=list)
    answers: dict[str, str | list[str]] = Field(
        default_factory=dict, description="question code -> option code(s) or text"
    )
    comments: list[CommentIn] = Field(default_factory=list)


class Receipt(BaseModel):
    receipt: str
    survey_id: int
    duplicate: bool = Field(description="True when this key was already submitted")
