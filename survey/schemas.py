"""Input and output shapes of the organisation, shared by the API, the CLI and the demo loader."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field, StrictInt

from survey.inputs import Input
from survey.models import EvaluationStatus, GroupKind, PeriodKind

CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$"


class _In(Input):
    """Input of this area: no unstorable text or number (see ``survey.inputs``)."""


def _date_text(value: Any) -> Any:
    """A date is sent as YYYY-MM-DD text, as the API documents; pydantic alone would also
    take a number (seconds since 1970)."""
    if isinstance(value, int | float):
        raise ValueError("a date is written YYYY-MM-DD")
    return value


DateText = Annotated[date, BeforeValidator(_date_text)]
# The id of a row named in a body: positive and within PostgreSQL's INTEGER, the type of every
# id column (a larger one would end in a database error, not a clear answer).
LARGEST_ID = 2**31 - 1
RowId = Annotated[int, Field(ge=1, le=LARGEST_ID)]
# A display order: stored in an INTEGER column too, so bounded like an id (a larger one was a
# database error on PostgreSQL, found by the API contract test).
SortOrder = Annotated[StrictInt, Field(ge=-LARGEST_ID, le=LARGEST_ID)]


class PeriodCreate(_In):
    code: str = Field(pattern=CODE_PATTERN, examples=["Q1"])
    name: str = Field(min_length=1, max_length=100, examples=["第一季度"])
    name_en: str = Field(default="", max_length=100)
    kind: PeriodKind
    sort_order: SortOrder = 0
    starts_on: DateText | None = None
    ends_on: DateText | None = None


class PeriodPublic(BaseModel):
    id: int
    code: str
    name: str
    name_en: str
    kind: str
    sort_order: int
    starts_on: date | None
    ends_on: date | None


class EvaluationCreate(_In):
    name: str = Field(min_length=1, max_length=200, examples=["2026年度综合考核"])
    name_en: str = Field(default="", max_length=200)
    year: int = Field(ge=2000, le=2100)
    previous_id: RowId | None = None
    periods: list[PeriodCreate] = Field(default_factory=list)


class EvaluationUpdate(_In):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    name_en: str | None = Field(default=None, max_length=200)
    status: EvaluationStatus | None = None
    previous_id: RowId | None = None


class EvaluationPublic(BaseModel):
    id: int
    name: str
    name_en: str
    year: int
    status: str
    previous_id: int | None
    periods: list[PeriodPublic]


class CategoryCreate(_In):
    code: str = Field(pattern=CODE_PATTERN)
    name: str = Field(min_length=1, max_length=100)
    name_en: str = Field(default="", max_length=100)
    kind: str = Field(default="", max_length=32)
    sort_order: SortOrder = 0


class CategoryUpdate(_In):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    name_en: str | None = Field(default=None, max_length=100)
    kind: str | None = Field(default=None, max_length=32)
    sort_order: SortOrder | None = None


class CategoryPublic(BaseModel):
    id: int
    code: str
    name: str
    name_en: str
    kind: str
    sort_order: int


class UnitCreate(_In):
    code: str = Field(pattern=CODE_PATTERN)
    name: str = Field(min_length=1, max_length=100)
    name_en: str = Field(default="", max_length=200)
    category: str = Field(description="Code of the unit's category")
    active: bool = True
    sort_order: SortOrder = 0


class UnitUpdate(_In):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    name_en: str | None = Field(default=None, max_length=200)
    category: str | None = None
    active: bool | None = None
    sort_order: SortOrder | None = None


class UnitPublic(BaseModel):
    id: int
    code: str
    name: str
    name_en: str
    category: str
    category_name: str
    active: bool
    sort_order: int


class GroupCreate(_In):
    code: str = Field(pattern=CODE_PATTERN)
    name: str = Field(min_length=1, max_length=100)
    name_en: str = Field(default="", max_length=100)
    kind: GroupKind
    sort_order: SortOrder = 0


class GroupUpdate(_In):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    name_en: str | None = Field(default=None, max_length=100)
    kind: GroupKind | None = None
    sort_order: SortOrder | None = None


class GroupPublic(BaseModel):
    id: int
    code: str
    name: str
    name_en: str
    kind: str
    sort_order: int


class WeightEntry(_In):
    category: str
    group: str
    weight: float = Field(ge=0, le=1)


class WeightsPut(_In):
    weights: list[WeightEntry]
    note: str = Field(default="", max_length=500, description="Why the weights changed")


class WeightPublic(BaseModel):
    category: str
    group: str
    weight: float
