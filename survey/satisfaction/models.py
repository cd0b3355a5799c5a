"""The satisfaction policy table: one row per version, the newest one applies."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from survey.timeutil import utcnow


class SatisfactionPolicyVersion(SQLModel, table=True):
    """How an evaluation's answers become satisfaction scores, as of one version.

    Rows are never updated: each change adds the next version, so that every published
    result can name the exact rules that produced it.
    """

    __tablename__ = "satisfaction_policy"
    __table_args__ = (
        UniqueConstraint("evaluation_id", "version", name="uq_satisfaction_policy_version"),
    )

    id: int | None = Field(default=None, primary_key=True)
    evaluation_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey(
                "evaluation.id", ondelete="CASCADE", name="fk_satisfaction_policy_evaluation"
            ),
            nullable=False,
        )
    )
    version: int = Field(ge=1)
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str = Field(max_length=100)
    note: str = Field(default="", max_length=500)
    # [{"code": "satisfied", "score": 100.0}, ...] in the order of the level axis.
    level_scores: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    satisfied_levels: list[str] = Field(sa_column=Column(JSON, nullable=False))
    dont_know_code: str | None = Field(default=None, max_length=32)
    trim_k: int = 1
    min_n: int = 5
    confidence: float = 0.95
    rate_ci_method: str = Field(default="wilson", max_length=32)
    combine_ci_method: str = Field(default="satterthwaite", max_length=32)
    suppression_threshold: int = 5
    # The fewest comments behind any respondent detail (a group) that a unit is shown.
    comment_threshold: int = Field(default=10, sa_column_kwargs={"server_default": "10"})
    # Question codes that make up the score; empty means every question answered.
    questions: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # Population totals for raking public responses: {variable: {category: total}}.
    margins: dict[str, dict[str, float]] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    # Group codes whose responses are raked; empty means every public group.
    raked_groups: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # Finite populations of the sample designs: {group: N} or {group: {stratum: N}}, the
    # population (or number of PSUs for cluster samples) per stratum (revision 0012_design).
    finite_population: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}")
    )
    rank_draws: int = 2000
    rank_seed: int = 0
    # {"low": 0, "high": 10, "satisfied_from": 6}: numeric answers scored on a linear map of
    # low..high to 0-100; None when the policy scores listed levels only (revision 0011_rate).
    numeric_scale: dict[str, float] | None = Field(
        default=None, sa_column=Column(JSON, nullable=True)
    )
    # Tests of comparisons and reliability bands, {"alpha", "p_adjust", "cv_caution",
    # "cv_unreliable", "design_effect_flag"}; None for versions saved before (revision
    # 0013_signif), which read as the defaults.
    significance: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    # The group weight matrix in force from this version on, [{category, group, weight}];
    # None for versions saved before the weights were kept with the policy (revision 0008).
    weights: list[dict[str, Any]] | None = Field(
        default=None, sa_column=Column(JSON, nullable=True)
    )
