"""Whether the office has released an evaluation's composite explanation to the units."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer
from sqlmodel import Field, SQLModel

from survey.timeutil import utcnow


class CompositeRelease(SQLModel, table=True):
    """One row per evaluation whose composite results each unit may read (its own only)."""

    __tablename__ = "composite_release"

    evaluation_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("evaluation.id", ondelete="CASCADE", name="fk_composite_release_evaluation"),
            primary_key=True,
        )
    )
    released_at: datetime = Field(default_factory=utcnow)
    released_by: str = Field(max_length=100)
