"""Survey tables: the survey, the units and groups it covers, and its questions."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, ForeignKey, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from survey.timeutil import utcnow


class SurveyStatus(StrEnum):
    draft = "draft"
    open = "open"
    closed = "closed"


class QuestionKind(StrEnum):
    rating = "rating"  # asked of every unit on the survey, on a scale
    single = "single"  # one option, not about a unit
    multiple = "multiple"  # several options, not about a unit
    text = "text"  # a short free text, not about a unit
    group = "group"  # who the respondent is: one of the survey's public groups
    cell = "cell"  # a weighting cell such as district or age band


class QuestionRole(StrEnum):
    """What a rating question stands for in a key-driver analysis (survey.satisfaction.drivers)."""

    overall = "overall"  # the overall satisfaction the aspects explain
    aspect = "aspect"  # one aspect of the service (效率, 态度, 便捷 …)


def _survey_fk() -> Column[int]:
    return Column(Integer, ForeignKey("survey.id", ondelete="CASCADE"), primary_key=True)


class Survey(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    evaluation_id: int = Field(foreign_key="evaluation.id", index=True)
    period_id: int | None = Field(default=None, foreign_key="period.id")
    # The short, unguessable part of the public address /s/<slug>, kept short for small QR codes.
    slug: str = Field(max_length=16, unique=True)
    title: str = Field(max_length=200)
    title_en: str = Field(default="", max_length=200)
    introduction: str = Field(default="", max_length=2000)
    introduction_en: str = Field(default="", max_length=2000)
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    status: str = Field(default=SurveyStatus.draft, max_length=16)
    unit_comments: bool = True
    one_per_device: bool = True
    min_seconds: int = Field(default=10, ge=0)
    created_at: datetime = Field(default_factory=utcnow)


class SurveyUnit(SQLModel, table=True):
    __tablename__ = "survey_unit"

    survey_id: int = Field(sa_column=_survey_fk())
    unit_id: int = Field(foreign_key="unit.id", primary_key=True)


class SurveyCategory(SQLModel, table=True):
    """A whole category on the survey: its active units at the time the form is shown."""

    __tablename__ = "survey_category"

    survey_id: int = Field(sa_column=_survey_fk())
    category_id: int = Field(foreign_key="unit_category.id", primary_key=True)


class SurveyGroup(SQLModel, table=True):
    __tablename__ = "survey_group"

    survey_id: int = Field(sa_column=_survey_fk())
    group_id: int = Field(foreign_key="respondent_group.id", primary_key=True)


class SurveyQuestion(SQLModel, table=True):
    __tablename__ = "survey_question"
    __table_args__ = (UniqueConstraint("survey_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    survey_id: int = Field(
        sa_column=Column(Integer, ForeignKey("survey.id", ondelete="CASCADE"), nullable=False)
    )
    code: str = Field(max_length=32)
    kind: str = Field(max_length=16)
    prompt: str = Field(max_length=500)
    prompt_en: str = Field(default="", max_length=500)
    scale: str | None = Field(default=None, max_length=16)
    # [{"code": ..., "label": ..., "label_en": ...}] for single, multiple and cell questions.
    options: list[dict[str, str]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    required: bool = True
    sort_order: int = 0
    max_length: int = Field(default=500, ge=1, le=2000)
    # The weighting variable a cell question fills, e.g. "district" or "age".
    variable: str | None = Field(default=None, max_length=32)
    # "overall" or "aspect" for a key-driver analysis; said in the definition, never guessed
    # from the question's code or prompt.
    role: str | None = Field(default=None, max_length=16)
