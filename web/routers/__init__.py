"""HTTP routes: each module translates requests into one service call and a response."""

from fastapi import APIRouter, Depends

from web.csrf import verify_csrf


def browser_router(**kwargs: object) -> APIRouter:
    """A router for pages: every unsafe request through it must carry a valid CSRF token."""
    return APIRouter(dependencies=[Depends(verify_csrf)], **kwargs)  # type: ignore[arg-type]
