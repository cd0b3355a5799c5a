"""The office's improvement simulator: for one unit, what each input buys and the least change
that lifts it one grade (``survey.composite.improvement``)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from survey import organisation as org
from survey.composite import improvement
from survey.errors import DomainError
from web.context import settings_of
from web.deps import OfficeViewer, SessionDep
from web.i18n import gettext, language_of
from web.routers import browser_router
from web.templating import render

router = browser_router(prefix="/office/evaluations", include_in_schema=False)


@router.get("/{evaluation_id}/composite/simulator", name="office_composite_simulator")
def simulator_page(
    request: Request,
    evaluation_id: int,
    session: SessionDep,
    principal: OfficeViewer,
    unit: str = "",
) -> Response:
    evaluation = org.evaluation_public(session, org.get_evaluation(session, evaluation_id))
    found = None
    problem = ""
    status = 200
    if unit:
        try:
            found = improvement.simulate_unit(session, evaluation_id, unit)
        except DomainError as error:
            # A unit the simulator cannot take is said on the page, with the form to choose
            # another, rather than a bare error page.
            language = language_of(request, settings_of(request).default_language)
            problem = gettext(language, error.message, **error.params)
            status = 404
    return render(
        request,
        "office/composite_simulator.html",
        {
            "principal": principal,
            "evaluation": evaluation,
            "composite_nav": True,
            "units": org.list_units(session, active=True),
            "unit": unit,
            "found": found,
            "problem": problem,
        },
        status_code=status,
    )
