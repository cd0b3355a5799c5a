"""The comment list as the JSON API shows it."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field


class CommentPublic(BaseModel):
    key: str = Field(description="The comment's key: response id and position")
    submitted_at: datetime
    channel: str
    group: str = Field(description="Respondent group code")
    period: str = Field(description="Period code; empty when none")
    unit: str = Field(description="Unit code it is about or was routed to; empty: not routed")
    question: str = Field(description="The short-text question; empty for a comment on a unit")
    text: str
    status: str = Field(
        description="unrouted, received, in_progress, rectified, verified, appealed, upheld, "
        "dismissed"
    )
    deadline: date | None
    overdue: bool
    escalated: bool


class CommentPagePublic(BaseModel):
    items: list[CommentPublic]
    total: int = Field(
        description="Comments matching the filters, over all pages, counted up to 1,001"
    )
    total_capped: bool = Field(
        description="More than 1,000 match: total is a lower bound (page on with next_cursor)"
    )
    page_size: int
    next_cursor: str | None = Field(
        description="Pass as `after` for the next page; null on the last page"
    )
