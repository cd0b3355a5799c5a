"""The tables of rectification (整改): one record per routed comment, and the per-evaluation
settings (the default deadline in working days, the holidays to skip)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from survey.timeutil import utcnow

DEFAULT_DEADLINE_DAYS = 15


class RectificationStatus(StrEnum):
    received = "received"  # routed to the unit, nothing done yet
    in_progress = "in_progress"  # the unit is working on it
    rectified = "rectified"  # the unit says it is done; the office calls back
    verified = "verified"  # the office's callback (回访) confirmed it
    appealed = "appealed"  # the unit contests the comment (申诉)
    upheld = "upheld"  # the office agreed with the appeal: nothing to rectify
    dismissed = "dismissed"  # the office refused the appeal: the unit must still rectify


class Rectification(SQLModel, table=True):
    """A comment routed to a unit and what the unit and the office did about it.

    Comments about a unit are routed to it automatically; such a record is written the first
    time anyone acts on the comment or the unit opens its list (until then the comment counts
    as received on its submission day). General comments get one when the office routes them.
    """

    __tablename__ = "rectification"
    __table_args__ = (
        UniqueConstraint("response_id", "seq", name="uq_rectification_comment"),
        ForeignKeyConstraint(
            ["response_id", "seq"],
            ["comment.response_id", "comment.seq"],
            ondelete="CASCADE",
            name="fk_rectification_comment",
        ),
        Index("ix_rectification_unit", "evaluation_id", "unit_id", "status"),
        Index("ix_rectification_deadline", "evaluation_id", "status", "deadline"),
    )

    # Random, so that the key a unit sees says nothing about the respondent or the order.
    id: str = Field(primary_key=True, max_length=32)
    response_id: str = Field(sa_column=Column(String(32), nullable=False))
    seq: int
    evaluation_id: int = Field(
        sa_column=Column(Integer, ForeignKey("evaluation.id", ondelete="CASCADE"), nullable=False)
    )
    unit_id: int = Field(foreign_key="unit.id")
    routed_on: date
    # Empty when routed automatically (the comment named the unit).
    routed_by: str = Field(default="", max_length=100)
    deadline: date
    status: str = Field(default=RectificationStatus.received, max_length=16)
    measure: str = Field(default="", max_length=2000)
    responsible_office: str = Field(default="", max_length=200)
    rectified_on: date | None = None
    appeal_reason: str = Field(default="", max_length=2000)
    decision_reason: str = Field(default="", max_length=2000)
    callback_result: str = Field(default="", max_length=2000)
    escalated_on: date | None = None
    escalated_by: str = Field(default="", max_length=100)
    escalation_note: str = Field(default="", max_length=2000)
    updated_at: datetime = Field(default_factory=utcnow)


class RectificationSetting(SQLModel, table=True):
    """How long units have by default, in working days (Monday to Friday), and which
    weekdays are holidays (ISO dates, comma-separated)."""

    __tablename__ = "rectification_setting"

    evaluation_id: int = Field(
        sa_column=Column(Integer, ForeignKey("evaluation.id", ondelete="CASCADE"), primary_key=True)
    )
    deadline_days: int = Field(default=DEFAULT_DEADLINE_DAYS, ge=1, le=120)
    holidays: str = Field(default="", max_length=4000)
