"""The meeting room's projector: the turnout of every open ballot batch on one screen."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from survey import organisation as org
from survey.ballots import service
from web.deps import OfficeViewer, SessionDep
from web.routers import browser_router
from web.templating import render

router = browser_router(prefix="/office/ballots", include_in_schema=False)

# Seconds between refreshes: htmx swaps the numbers in; without JavaScript the page reloads.
HTMX_SECONDS = 3
RELOAD_SECONDS = 10


@router.get("/screen", name="office_ballot_screen")
def screen(
    request: Request,
    session: SessionDep,
    principal: OfficeViewer,
    evaluation: int | None = None,
) -> Response:
    """Counts and shares only: no code, no ballot and no name of a delegate reaches the room."""
    shown = org.get_evaluation(session, evaluation) if evaluation is not None else None
    context = {
        "evaluation": shown,
        "turnouts": service.open_turnouts(session, evaluation_id=evaluation),
        "htmx_seconds": HTMX_SECONDS,
        "reload_seconds": RELOAD_SECONDS,
    }
    if request.headers.get("HX-Request"):
        return render(request, "office/_turnout_screen.html", context)
    return render(request, "office/turnout_screen.html", context)
