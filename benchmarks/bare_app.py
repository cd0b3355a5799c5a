"""The baseline for benchmarks/submit.py: parses the same form, stores nothing."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse

app = FastAPI()


@app.post("/s/{slug}")
async def submit(request: Request, slug: str) -> RedirectResponse:
    form = await request.form()
    return RedirectResponse(f"/s/{slug}/thanks?r={len(form)}", status_code=303)


@app.post("/api/v1/ballots", status_code=201)
async def ballot(request: Request) -> dict[str, str]:
    await request.json()
    return {"status": "cast"}
