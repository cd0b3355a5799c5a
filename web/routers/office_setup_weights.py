"""The group weight matrix of an evaluation as an editable grid, with its version history."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response
from sqlmodel import Session
from starlette.datastructures import FormData

from survey import organisation as org
from survey import rules
from survey.accounts import Principal
from survey.errors import Conflict, Invalid, NotFound
from survey.rules import Action
from survey.satisfaction import policy, weight_grid
from web.deps import OfficeUser, SessionDep, in_session
from web.routers import browser_router
from web.routers.office_setup_index import back, refusal
from web.safety import client_ip
from web.templating import render

router = browser_router(prefix="/office/setup/evaluations", include_in_schema=False)
# Grid cells are named w:<category code>:<group code>; codes never hold a colon.
CELL_PREFIX = "w:"


def _page(
    request: Request,
    session: Session,
    principal: Principal,
    evaluation_id: int,
    *,
    cells: dict[tuple[str, str], str] | None = None,
    note: str = "",
    error: str = "",
    saved: bool = False,
    status_code: int = 200,
) -> Response:
    evaluation = org.evaluation_public(session, org.get_evaluation(session, evaluation_id))
    grid = weight_grid.grid_of(session, evaluation_id)
    if cells is not None:  # a refused grid comes back as it was typed
        grid = weight_grid.WeightGrid(grid.categories, grid.groups, dict(cells))
    return render(
        request,
        "office/setup_weights.html",
        {
            "principal": principal,
            "evaluation": evaluation,
            "grid": grid,
            "category_names": {c.code: c for c in grid.categories},
            "group_names": {g.code: g for g in grid.groups},
            "history": policy.history(session, evaluation_id),
            "can_edit": rules.can(principal, Action.edit, evaluation.status),
            "typed_note": note,
            "error": error,
            "saved": saved,
        },
        status_code=status_code,
    )


@router.get("/{evaluation_id}/weights", name="office_setup_weights")
def weights_page(
    request: Request,
    evaluation_id: int,
    session: SessionDep,
    principal: OfficeUser,
    saved: str = "",
) -> Response:
    rules.require(principal, Action.edit)
    return _page(request, session, principal, evaluation_id, saved=bool(saved))


def _cells(form: FormData) -> dict[tuple[str, str], str]:
    cells: dict[tuple[str, str], str] = {}
    for name, value in form.multi_items():
        if name.startswith(CELL_PREFIX) and isinstance(value, str):
            category, _, group = name.removeprefix(CELL_PREFIX).partition(":")
            cells[(category, group)] = value[:20]
    return cells


@router.post("/{evaluation_id}/weights/check", name="office_setup_weights_check")
async def weights_check(request: Request, evaluation_id: int, actor: OfficeUser) -> Response:
    """htmx, while typing: the rows that do not add up to 100% yet. Saves nothing."""
    cells = _cells(await request.form())

    def check(session: Session) -> Response:
        grid = weight_grid.grid_of(session, evaluation_id)
        typed = weight_grid.WeightGrid(grid.categories, grid.groups, cells)
        return render(
            request, "office/_setup_weights_check.html", {"off": weight_grid.rows_off(typed)}
        )

    return await in_session(request, check)


@router.post("/{evaluation_id}/weights", name="office_setup_weights_save")
async def weights_save(request: Request, evaluation_id: int, actor: OfficeUser) -> Response:
    form = await request.form()
    cells = _cells(form)
    raw_note = form.get("note")
    note = raw_note if isinstance(raw_note, str) else ""

    def save(session: Session) -> Response | None:
        try:
            weight_grid.save_grid(
                session, evaluation_id, cells, actor, note=note, ip=client_ip(request)
            )
        except (Invalid, Conflict, NotFound) as error:
            session.rollback()
            return _page(
                request,
                session,
                actor,
                evaluation_id,
                cells=cells,
                note=note,
                error=refusal(request, error),
                status_code=422,
            )
        return None

    refused = await in_session(request, save)
    if refused is not None:
        return refused
    response = back(request, "office_setup_weights", evaluation_id=evaluation_id)
    response.headers["location"] += "?saved=1"
    return response
