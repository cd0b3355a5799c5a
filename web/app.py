"""The application factory."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles

from survey import migrate, security
from survey.config import Mode, Settings, get_settings
from survey.db import get_engine
from survey.surveys.definition import DefinitionCache
from survey.surveys.writer import SubmissionWriter
from web import errors, openapi
from web.access_log import hide_respondents
from web.headers import MAX_BODY_BYTES, BodyLimit, SecurityHeaders
from web.ratelimit import RedisRateLimiter, build_rate_limiter
from web.request_log import RequestLog
from web.routers import (
    api_ballots,
    api_comments,
    api_composite,
    api_org,
    api_satisfaction,
    api_surveys,
    api_unit,
    ballot,
    health,
    lead,
    office,
    office_audit,
    office_ballots,
    office_comments,
    office_composite,
    office_composite_inputs,
    office_composite_simulator,
    office_exports,
    office_flagged,
    office_imports,
    office_leads,
    office_publication,
    office_satisfaction,
    office_satisfaction_drivers,
    office_satisfaction_unit,
    office_scheme_workbook,
    office_setup_evaluations,
    office_setup_groups,
    office_setup_index,
    office_setup_units,
    office_setup_users,
    office_setup_weights,
    office_surveys,
    office_topics,
    office_turnout,
    office_unit_release,
    public,
    public_results,
    survey_form,
    unit,
    unit_comments,
)
from web.safety import ids_in_range, json_keys_once

log = logging.getLogger("pingyi")
STATIC_DIR = Path(__file__).parent / "static"


class DatabaseNotMigrated(RuntimeError):
    pass


def tune_garbage_collector() -> None:
    """Keep the cyclic garbage collector off the long-lived heap, once the app has started.

    Everything alive after startup (routes, models, metadata, templates) lives as long as the
    process. Frozen, it is no longer traversed by every full collection; with the default
    thresholds the collector took about a third of the CPU of a busy submission endpoint,
    because each of 64 requests in flight keeps young objects alive across collections.
    Tests build many apps in one process and skip this, so that nothing of theirs is pinned.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD_YOUNG, 20, 20)


def operation_id(route: APIRoute) -> str:
    """The route function's name (unique across the API): stable for generated clients."""
    return route.name


# Allocations between young-generation collections (CPython's default is 700).
GC_THRESHOLD_YOUNG = 10_000


def create_app(settings: Settings | None = None, *, check_schema: bool = True) -> FastAPI:
    settings = settings or get_settings()
    engine = get_engine(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if check_schema:
            current = migrate.current_revision(engine)
            head = migrate.head_revision(settings.resolved_database_url)
            if current != head:
                raise DatabaseNotMigrated(
                    f"the database is at revision {current}, the code expects {head}: "
                    "run `pingyi migrate` first"
                )
        await writer.start()
        # The stand-in hash for unknown usernames is made before the first sign-in, so that
        # no failed sign-in pays for it and none answers faster or slower for an unknown name.
        security.prepare_login_timing()
        limiter = app.state.rate_limiter
        if isinstance(limiter, RedisRateLimiter):
            limiter.serve_on_loop()
        if settings.mode is not Mode.test:
            tune_garbage_collector()
        yield
        await writer.aclose()
        if isinstance(limiter, RedisRateLimiter):
            await limiter.aclose()

    app = FastAPI(
        title="Pingyi API",
        summary="Public appraisal and satisfaction scoring for government performance evaluation",
        version="1",
        docs_url=None,  # the stock docs page loads scripts from a CDN, which the CSP forbids
        redoc_url=None,
        openapi_url="/openapi.json",
        lifespan=lifespan,
        # Before any route's own work: an id no row can have is a 404, not a database error.
        # And a JSON body naming a key twice is refused rather than read as its last value.
        dependencies=[Depends(ids_in_range), Depends(json_keys_once)],
        generate_unique_id_function=operation_id,
    )
    app.state.settings = settings
    app.state.engine = engine
    hide_respondents()
    app.state.rate_limiter = build_rate_limiter(settings.redis_url)
    writer = SubmissionWriter(engine, separate_process=settings.writer_in_child_process)
    app.state.writer = writer
    app.state.definitions = DefinitionCache(engine)

    errors.install(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    # The citizen form first: its POST is the busiest request, and routers are tried in order.
    for module in (
        survey_form,
        health,
        public,
        ballot,
        office,
        office_surveys,
        # Before office_ballots: its /{batch_id} would take /screen.
        office_turnout,
        office_ballots,
        office_satisfaction,
        office_satisfaction_unit,
        office_satisfaction_drivers,
        office_composite,
        office_composite_inputs,
        office_composite_simulator,
        office_leads,
        lead,
        office_publication,
        public_results,
        office_setup_index,
        office_setup_evaluations,
        office_setup_weights,
        office_setup_units,
        office_setup_groups,
        office_setup_users,
        office_scheme_workbook,
        office_exports,
        office_imports,
        office_audit,
        office_flagged,
        office_unit_release,
        unit,
        office_topics,
        office_comments,
        unit_comments,
        api_org,
        api_surveys,
        api_ballots,
        api_satisfaction,
        api_composite,
        api_unit,
        api_comments,
    ):
        app.include_router(module.router)
    openapi.install(app)
    # Compressed pages matter on a slow mobile network; the balancer may compress again.
    app.add_middleware(GZipMiddleware, minimum_size=800)
    app.add_middleware(BodyLimit, max_bytes=MAX_BODY_BYTES)
    app.add_middleware(SecurityHeaders, hsts=settings.secure_cookies)
    # Outermost of ours: every response, refusals of the middlewares above included, carries
    # the request's id and gets its access line.
    app.add_middleware(RequestLog)
    return app
