"""The organisation under evaluation: evaluations, periods, categories, units, groups, weights."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from survey.timeutil import utcnow


class EvaluationStatus(StrEnum):
    draft = "draft"
    open = "open"
    closed = "closed"
    published = "published"


class PeriodKind(StrEnum):
    month = "month"
    quarter = "quarter"
    half = "half"
    year = "year"


class GroupKind(StrEnum):
    public = "public"
    delegate = "delegate"


class Evaluation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    name_en: str = Field(default="", max_length=200)
    year: int = Field(index=True)
    status: str = Field(default=EvaluationStatus.draft, max_length=16)
    # The evaluation whose ranks this one's rank changes are measured against.
    previous_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("evaluation.id", ondelete="SET NULL"), nullable=True),
    )
    created_at: datetime = Field(default_factory=utcnow)


class Period(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("evaluation_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    evaluation_id: int = Field(
        sa_column=Column(Integer, ForeignKey("evaluation.id", ondelete="CASCADE"), nullable=False)
    )
    code: str = Field(max_length=16)
    name: str = Field(max_length=100)
    name_en: str = Field(default="", max_length=100)
    kind: str = Field(max_length=16)
    sort_order: int = 0
    starts_on: date | None = None
    ends_on: date | None = None


class UnitCategory(SQLModel, table=True):
    __tablename__ = "unit_category"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=100)
    name_en: str = Field(default="", max_length=100)
    # What kind of unit competes here (district, zone, department...): categories only rank
    # units of one kind against each other.
    kind: str = Field(default="", max_length=32)
    sort_order: int = 0


class Unit(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    # Codes are stable across years so that results can be compared by code.
    code: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=100)
    name_en: str = Field(default="", max_length=200)
    category_id: int = Field(foreign_key="unit_category.id", index=True)
    active: bool = True
    sort_order: int = 0


class RespondentGroup(SQLModel, table=True):
    __tablename__ = "respondent_group"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=100)
    name_en: str = Field(default="", max_length=100)
    kind: str = Field(default=GroupKind.public, max_length=16)
    sort_order: int = 0


class GroupWeight(SQLModel, table=True):
    """How much one respondent group counts for one unit category in one evaluation."""

    __tablename__ = "group_weight"

    evaluation_id: int = Field(
        sa_column=Column(Integer, ForeignKey("evaluation.id", ondelete="CASCADE"), primary_key=True)
    )
    category_id: int = Field(foreign_key="unit_category.id", primary_key=True)
    group_id: int = Field(foreign_key="respondent_group.id", primary_key=True)
    weight: float = Field(ge=0)
