"""The office's switch that releases an evaluation's composite results to the units."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response

from survey.unit_home import service
from web.deps import OfficeUser, SessionDep
from web.routers import browser_router
from web.safety import client_ip

router = browser_router(prefix="/office/evaluations", include_in_schema=False)


@router.post("/{evaluation_id}/composite/release", name="office_composite_release")
def release(
    request: Request,
    evaluation_id: int,
    session: SessionDep,
    actor: OfficeUser,
    released: Annotated[bool, Form()] = False,
) -> Response:
    service.set_composite_release(session, evaluation_id, released, actor, ip=client_ip(request))
    target = request.url_for("office_composite", evaluation_id=evaluation_id).path
    return RedirectResponse(target, 303)
