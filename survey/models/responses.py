"""The response store that surveys, ballots and imports all write to, in long format.

One ``Response`` per respondent (or ballot), one ``Answer`` row per rated unit and question,
so that satisfaction counts are a single ``GROUP BY unit, group, question, level``.
Answers and comments have no sequential identifier: their key is (response, position), and
response ids are random, so row identity reveals nothing about the order of submission.
"""

from __future__ import annotations

from datetime import datetime
from enum import IntFlag, StrEnum

from sqlalchemy import Column, ForeignKey, Index, Integer, String, text
from sqlmodel import Field, SQLModel


class Channel(StrEnum):
    qr = "qr"
    ballot = "ballot"
    paper = "paper"
    import_ = "import"


class TimePrecision(StrEnum):
    second = "second"
    hour = "hour"
    day = "day"


class QualityFlag(IntFlag):
    """Why a response is suspicious. Flagged responses are kept, and not counted by default."""

    honeypot = 1
    too_fast = 2
    rate_limited = 4
    repeat_device = 8
    straight_lined = 16


def is_counted(flags: int, decision: str | None) -> bool:
    """Flagged responses are left out of scoring unless the office included them."""
    if decision == "include":
        return True
    if decision == "exclude":
        return False
    return flags == 0


class Response(SQLModel, table=True):
    __table_args__ = (
        Index("ix_response_eval_flags", "evaluation_id", "quality_flags"),
        Index("ix_response_eval_ref", "evaluation_id", "external_ref", unique=True),
        Index("ix_response_submission", "survey_id", "submission_key", unique=True),
        # The office's comment list walks responses in time order (survey.comments.listing).
        Index("ix_response_eval_submitted", "evaluation_id", "submitted_at", "id"),
        # Only imported samples carry a design; the results ask this index whether any does,
        # so an evaluation without one pays a lookup, not a scan (revision 0012_design).
        Index(
            "ix_response_design",
            "evaluation_id",
            sqlite_where=text(
                "design_weight IS NOT NULL OR stratum IS NOT NULL OR psu IS NOT NULL"
            ),
            postgresql_where=text(
                "design_weight IS NOT NULL OR stratum IS NOT NULL OR psu IS NOT NULL"
            ),
        ),
    )

    id: str = Field(primary_key=True, max_length=32)
    evaluation_id: int = Field(
        sa_column=Column(Integer, ForeignKey("evaluation.id", ondelete="CASCADE"), nullable=False)
    )
    period_id: int | None = Field(default=None, foreign_key="period.id")
    group_id: int = Field(foreign_key="respondent_group.id")
    channel: str = Field(max_length=16)
    # Truncated to what the channel may reveal: ballots keep the day only.
    submitted_at: datetime
    time_precision: str = Field(max_length=8)
    quality_flags: int = 0
    # The office's decision on a flagged response: "include", "exclude" or none (flags decide).
    quality_decision: str | None = Field(default=None, max_length=8)
    # Weighting cell, canonical "var=value;var=value" sorted by variable, for raking.
    cell_key: str | None = Field(default=None, max_length=200)
    # The sample design of an imported respondent: weight (inverse inclusion probability or
    # a statistics bureau's weight), stratum and primary sampling unit; None when not given.
    design_weight: float | None = None
    stratum: str | None = Field(default=None, max_length=64)
    psu: str | None = Field(default=None, max_length=64)
    # The respondent id of an imported file, so a file cannot be imported twice.
    external_ref: str | None = Field(default=None, max_length=64)
    # Where a survey response came from, and the key that makes a retried submission
    # return the first receipt instead of storing a second response.
    survey_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("survey.id", ondelete="SET NULL"), nullable=True),
    )
    submission_key: str | None = Field(default=None, max_length=64)
    # SHA-256 of the submitted content, to tell a retry from a different submission.
    submission_hash: str | None = Field(default=None, max_length=64)
    # The ballot batch a ballot belongs to (never the code that cast it).
    ballot_batch_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("ballot_batch.id", ondelete="SET NULL"), nullable=True, index=True
        ),
    )


class Answer(SQLModel, table=True):
    __table_args__ = (
        Index(
            "ix_answer_counts",
            "evaluation_id",
            "unit_id",
            "group_id",
            "question",
            "level",
            # Last, so that the raked counts per weighting cell read this index in order,
            # as the plain counts do, instead of sorting every answer.
            "cell_key",
            # The sample design (revision 0012_design), so that the design counts are the
            # same index-only scan in index order; NULL for every answer without one.
            "stratum",
            "psu",
            "design_weight",
            # Filtered on, not grouped by: the counts read only this index.
            "counted",
        ),
        {"sqlite_with_rowid": False},
    )

    response_id: str = Field(
        sa_column=Column(
            String(32), ForeignKey("response.id", ondelete="CASCADE"), primary_key=True
        )
    )
    seq: int = Field(primary_key=True)
    # Copied from the response (they never change) so that counting needs no join.
    evaluation_id: int = Field(foreign_key="evaluation.id")
    period_id: int | None = Field(default=None, foreign_key="period.id")
    group_id: int = Field(foreign_key="respondent_group.id")
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    question: str = Field(max_length=32)
    level: str | None = Field(default=None, max_length=32)
    value: float | None = None
    # The response's weighting cell, copied like the ids above, for the raked counts.
    cell_key: str | None = Field(default=None, max_length=200)
    # The response's design (weight, stratum, PSU), copied like the cell, so that the
    # design-based counts need no join either.
    design_weight: float | None = None
    stratum: str | None = Field(default=None, max_length=64)
    psu: str | None = Field(default=None, max_length=64)
    # is_counted() of the response's flags and the office's decision, kept here so that the
    # counts are one GROUP BY of the answers; the office's decision updates it.
    counted: bool = Field(default=True, sa_column_kwargs={"server_default": text("true")})


class Comment(SQLModel, table=True):
    __table_args__ = (
        Index("ix_comment_eval_unit", "evaluation_id", "unit_id"),
        {"sqlite_with_rowid": False},
    )

    response_id: str = Field(
        sa_column=Column(
            String(32), ForeignKey("response.id", ondelete="CASCADE"), primary_key=True
        )
    )
    seq: int = Field(primary_key=True)
    evaluation_id: int = Field(foreign_key="evaluation.id", index=True)
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    # The question a free-text answer belongs to; empty for a comment on a unit.
    question: str | None = Field(default=None, max_length=32)
    text: str = Field(max_length=2000)
