"""Liveness and readiness for balancers and container health checks."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from web.context import engine_of

router = APIRouter()


@router.get("/healthz", include_in_schema=False)
def healthz(request: Request) -> JSONResponse:
    try:
        with engine_of(request).connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return JSONResponse({"status": "error", "database": "unreachable"}, status_code=503)
    # Redis down is no reason to take the instance out of rotation (limits fall back to
    # in-process counters), but the operator must see it: 200, with the state named.
    if getattr(request.app.state.rate_limiter, "degraded", False):
        return JSONResponse({"status": "degraded", "database": "ok", "rate_limits": "in-process"})
    return JSONResponse({"status": "ok", "database": "ok"})
