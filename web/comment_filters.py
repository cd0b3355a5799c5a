"""The comment list's filters as query parameters, declared once for its page, export and API."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from survey.comments import listing
from survey.comments.listing import CommentFilter


def comment_filter(
    unit: Annotated[str, Query(description="Unit code (about it or routed to it)")] = "",
    group: Annotated[str, Query(description="Respondent group code")] = "",
    channel: Annotated[str, Query(description="qr, ballot, paper or import")] = "",
    period: Annotated[str, Query(description="Period code")] = "",
    since: Annotated[str, Query(description="First day, YYYY-MM-DD (UTC)")] = "",
    until: Annotated[str, Query(description="Last day, YYYY-MM-DD (UTC)")] = "",
    words: Annotated[str, Query(description="Words the text contains", max_length=100)] = "",
    status: Annotated[
        str,
        Query(
            description="unrouted, received, in_progress, rectified, verified, appealed, "
            "upheld, dismissed, or overdue"
        ),
    ] = "",
    topic: Annotated[str, Query(description="Comment topic code")] = "",
) -> CommentFilter:
    """Each filter checked (``listing.parse_filter``); a bad one is refused by name."""
    return listing.parse_filter(
        unit=unit,
        group=group,
        channel=channel,
        period=period,
        since=since,
        until=until,
        words=words,
        status=status,
        topic=topic,
    )


CommentFilterQuery = Annotated[CommentFilter, Depends(comment_filter)]
