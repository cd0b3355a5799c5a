"""Tables of composite scoring: scheme versions, indicator values, inputs and snapshots."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from survey.timeutil import utcnow


def _evaluation_fk(table: str) -> Any:
    return Field(
        sa_column=Column(
            Integer,
            ForeignKey("evaluation.id", ondelete="CASCADE", name=f"fk_{table}_evaluation"),
            nullable=False,
        )
    )


def _unit_fk(table: str, column: str = "unit") -> Any:
    return Field(
        sa_column=Column(
            Integer,
            ForeignKey("unit.id", name=f"fk_{table}_{column}"),
            nullable=False,
        )
    )


class CompositeScheme(SQLModel, table=True):
    """One version of the scoring scheme of one unit category in one evaluation.

    Rows are never updated: each import adds the next version, so that a result can always
    name the scheme that produced it. ``source`` keeps the YAML as written (comments too);
    ``definition`` the validated scheme the results are computed from.
    """

    __tablename__ = "composite_scheme"
    __table_args__ = (
        UniqueConstraint(
            "evaluation_id", "category_id", "version", name="uq_composite_scheme_version"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    evaluation_id: int = _evaluation_fk("composite_scheme")
    category_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("unit_category.id", name="fk_composite_scheme_category"),
            nullable=False,
        )
    )
    version: int = Field(ge=1)
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str = Field(max_length=100)
    note: str = Field(default="", max_length=500)
    source: str = Field(sa_column=Column(Text, nullable=False))
    definition: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))


class IndicatorValue(SQLModel, table=True):
    """A hard indicator's value of one unit in one period (a code such as Q1, H1 or year)."""

    __tablename__ = "indicator_value"
    __table_args__ = (
        UniqueConstraint(
            "evaluation_id", "unit_id", "indicator", "period", name="uq_indicator_value"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    evaluation_id: int = _evaluation_fk("indicator_value")
    unit_id: int = _unit_fk("indicator_value")
    indicator: str = Field(sa_column=Column(String(32), nullable=False))
    period: str = Field(sa_column=Column(String(32), nullable=False))
    value: float = Field(sa_column=Column(Float, nullable=False))
    target: float | None = Field(default=None, sa_column=Column(Float, nullable=True))
    benchmark: float | None = Field(default=None, sa_column=Column(Float, nullable=True))
    source: str = Field(default="", max_length=16)
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: str = Field(default="", max_length=100)


class CompositeAdjustment(SQLModel, table=True):
    """A bonus (加分) or deduction (扣分) entry: its item, points, reason and approval."""

    __tablename__ = "composite_adjustment"
    __table_args__ = (Index("ix_composite_adjustment_evaluation", "evaluation_id"),)

    id: int | None = Field(default=None, primary_key=True)
    evaluation_id: int = _evaluation_fk("composite_adjustment")
    unit_id: int = _unit_fk("composite_adjustment")
    item: str = Field(max_length=32)
    points: float
    reason: str = Field(max_length=500)
    approved_by: str = Field(max_length=100)
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str = Field(max_length=100)


class QualitativeScore(SQLModel, table=True):
    """A qualitative score (定性指标) a lead department gave one unit for one item."""

    __tablename__ = "qualitative_score"
    __table_args__ = (
        UniqueConstraint("evaluation_id", "unit_id", "item", name="uq_qualitative_score"),
    )

    id: int | None = Field(default=None, primary_key=True)
    evaluation_id: int = _evaluation_fk("qualitative_score")
    unit_id: int = _unit_fk("qualitative_score")
    item: str = Field(max_length=32)
    lead_unit_id: int = _unit_fk("qualitative_score", "lead_unit")
    score: float
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: str = Field(default="", max_length=100)


class ExcellenceGoal(SQLModel, table=True):
    """An excellence goal (创优目标) of a department with its expert difficulty coefficient."""

    __tablename__ = "excellence_goal"
    __table_args__ = (
        UniqueConstraint("evaluation_id", "unit_id", "code", name="uq_excellence_goal"),
    )

    id: int | None = Field(default=None, primary_key=True)
    evaluation_id: int = _evaluation_fk("excellence_goal")
    unit_id: int = _unit_fk("excellence_goal")
    code: str = Field(max_length=32)
    title: str = Field(max_length=200)
    difficulty: float
    # 创优性 / 攻坚性 / 创新性 / 效益性, each 0-100; the goal's score is their mean.
    dimensions: dict[str, float] = Field(sa_column=Column(JSON, nullable=False))
    score: float
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: str = Field(default="", max_length=100)


class CompositeSnapshot(SQLModel, table=True):
    """The frozen composite results of a published evaluation, with the scheme versions."""

    __tablename__ = "composite_result_snapshot"
    __table_args__ = (UniqueConstraint("evaluation_id", name="uq_composite_result_snapshot"),)

    id: int | None = Field(default=None, primary_key=True)
    evaluation_id: int = _evaluation_fk("composite_result_snapshot")
    published_at: datetime = Field(default_factory=utcnow)
    published_by: str = Field(max_length=100)
    scheme_versions: dict[str, int] = Field(sa_column=Column(JSON, nullable=False))
    # Category results, the differentiation report and notes, as the results API shows them.
    summary: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))


class CompositeSnapshotUnit(SQLModel, table=True):
    """One unit's frozen result and the explanation it recomputes from."""

    __tablename__ = "composite_result_snapshot_unit"

    snapshot_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey(
                "composite_result_snapshot.id",
                ondelete="CASCADE",
                name="fk_composite_result_snapshot_unit_snapshot",
            ),
            primary_key=True,
        )
    )
    unit_code: str = Field(sa_column=Column(String(32), primary_key=True))
    position: int = 0
    result: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    explanation: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))


class LeadStatus(StrEnum):
    """Where a lead department's scoring of one item stands."""

    draft = "draft"  # the lead department may change its draft; nothing of it is counted
    submitted = "submitted"  # the scores are in ``qualitative_score``; changed after a reopening


class LeadAssignment(SQLModel, table=True):
    """Which lead department (牵头部门) scores one qualitative item of one category.

    The office binds it; the department's accounts (role ``lead``, unit = the department)
    then score every other active unit of the category on the item. Its drafts are kept apart
    (``lead_draft_score``) and reach ``qualitative_score`` only when it submits.
    """

    __tablename__ = "lead_assignment"
    __table_args__ = (
        UniqueConstraint("evaluation_id", "category_id", "item", name="uq_lead_assignment"),
        Index("ix_lead_assignment_lead_unit", "lead_unit_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    evaluation_id: int = _evaluation_fk("lead_assignment")
    category_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("unit_category.id", name="fk_lead_assignment_category"),
            nullable=False,
        )
    )
    item: str = Field(sa_column=Column(String(32), nullable=False))
    lead_unit_id: int = _unit_fk("lead_assignment", "lead_unit")
    status: str = Field(default=LeadStatus.draft, sa_column=Column(String(16), nullable=False))
    submitted_at: datetime | None = Field(default=None)
    submitted_by: str = Field(default="", max_length=100)
    # Why the office reopened it last (shown to the department), empty until then.
    reopen_reason: str = Field(default="", max_length=500)
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: str = Field(default="", max_length=100)


class LeadDraftScore(SQLModel, table=True):
    """A score in a lead department's draft: never read by the composite computation."""

    __tablename__ = "lead_draft_score"

    assignment_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey(
                "lead_assignment.id", ondelete="CASCADE", name="fk_lead_draft_score_assignment"
            ),
            primary_key=True,
        )
    )
    unit_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("unit.id", name="fk_lead_draft_score_unit"), primary_key=True
        )
    )
    score: float = Field(sa_column=Column(Float, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: str = Field(default="", max_length=100)
