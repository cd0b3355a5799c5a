"""The baselines of benchmarks/submit.py and ballots.py: the framework's own ceiling.

A bare Starlette app (no FastAPI routing, no middleware) that reads the urlencoded body with
``urllib.parse.parse_qsl`` and answers 303, as the survey form's POST does, but stores nothing;
and a JSON endpoint for the ballot benchmark.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route


async def submit(request: Request) -> Response:
    form = parse_qsl((await request.body()).decode("latin-1"), keep_blank_values=True)
    slug = request.path_params["slug"]
    return RedirectResponse(f"/s/{slug}/thanks?r={len(form)}", status_code=303)


async def ballot(request: Request) -> Response:
    await request.json()
    return JSONResponse({"status": "cast"}, status_code=201)


async def healthz(request: Request) -> Response:
    return PlainTextResponse("ok")


app = Starlette(
    routes=[
        Route("/s/{slug}", submit, methods=["POST"]),
        Route("/api/v1/ballots", ballot, methods=["POST"]),
        Route("/healthz", healthz),
    ]
)
