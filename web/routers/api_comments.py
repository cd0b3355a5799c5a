"""JSON API for comments: the office's filtered, paged list of an evaluation's comments."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from survey import organisation as org
from survey import rules
from survey.comments import listing
from survey.comments.comment_schemas import CommentPagePublic, CommentPublic
from survey.rules import Action
from web.comment_filters import CommentFilterQuery
from web.deps import ApiCaller, SessionDep

router = APIRouter(prefix="/api/v1", tags=["comments"])


@router.get("/evaluations/{evaluation_id}/comments", response_model=CommentPagePublic)
def list_comments(
    evaluation_id: int,
    session: SessionDep,
    principal: ApiCaller,
    wanted: CommentFilterQuery,
    after: Annotated[str, Query(description="next_cursor of the previous page")] = "",
    page_size: Annotated[int, Query(ge=1, le=listing.MAX_PAGE_SIZE)] = listing.PAGE_SIZE,
) -> CommentPagePublic:
    """The evaluation's comments, newest first, with their rectification status.

    Needs a token of the viewer role or above (units read theirs in their own pages). Pages
    are keyset pages: pass the answer's ``next_cursor`` as ``after`` to read on.
    """
    evaluation = org.get_evaluation(session, evaluation_id)
    rules.require(principal, Action.view, evaluation.status)
    page = listing.comment_page(session, evaluation_id, wanted, after=after, page_size=page_size)
    return CommentPagePublic(
        items=[
            CommentPublic(
                key=r.key,
                submitted_at=r.submitted_at,
                channel=r.channel,
                group=r.group_code,
                period=r.period,
                unit=r.unit_code,
                question=r.question,
                text=r.text,
                status=r.status,
                deadline=r.deadline,
                overdue=r.overdue,
                escalated=r.escalated,
            )
            for r in page.rows
        ],
        total=page.total,
        total_capped=page.total_capped,
        page_size=page.page_size,
        next_cursor=page.next_cursor,
    )
