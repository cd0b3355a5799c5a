"""The office's ballot pages: batches, codes and card sheets, live turnout, paper double entry,
the quorum and the tally sheet."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response

from survey import accounts, rules
from survey import organisation as org
from survey.accounts import Principal
from survey.ballots import paper, service, tally, tally_export
from survey.ballots.models import BatchStatus, InvalidReason, SheetDisposition, UniformRule
from survey.ballots.schemas import BALLOT_SCALES, BatchCreate
from survey.errors import N_, Conflict, Invalid
from survey.models import Role
from survey.rules import Action
from survey.spreadsheet import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE, csv_bytes, xlsx_bytes
from web.ballot_sheet import issued_files
from web.context import settings_of
from web.deps import BrowserPrincipal, OfficeUser, OfficeViewer, SessionDep
from web.i18n import language_of
from web.routers import browser_router
from web.spreadsheets import download, reader
from web.templating import render

router = browser_router(prefix="/office/ballots", include_in_schema=False)


def _clerk(principal: BrowserPrincipal) -> Principal:
    return accounts.require(principal, Role.clerk)


def _detail(request: Request, batch_id: int) -> RedirectResponse:
    return RedirectResponse(
        request.url_for("office_ballot", batch_id=batch_id).path, status_code=303
    )


@router.get("", name="office_ballots")
def batches_page(request: Request, session: SessionDep, principal: OfficeViewer) -> Response:
    batches = service.list_batches(session)
    voting = {b.evaluation_id for b in batches if b.status == BatchStatus.open}
    return render(
        request,
        "office/ballots.html",
        {
            "principal": principal,
            "turnouts": [service.turnout(session, b) for b in batches],
            "tallies": tally.batch_tallies(session, batches),
            "state_tags": tally.STATE_TAGS,
            # One projector screen per evaluation with a vote under way.
            "screens": [e for e in org.list_evaluations(session) if e.id in voting],
            "evaluations": [
                e
                for e in org.list_evaluations(session)
                if rules.allowed_in(Action.set_up, e.status)
            ],
            "groups": [g for g in org.list_groups(session) if g.kind == "delegate"],
            "categories": org.list_categories(session),
            "units": org.list_units(session, active=True),
            "scales": BALLOT_SCALES,
            "rules": list(UniformRule),
        },
    )


@router.post("", name="office_ballot_create")
def create_batch(
    request: Request,
    session: SessionDep,
    actor: OfficeUser,
    evaluation_id: Annotated[int, Form()],
    group: Annotated[str, Form()],
    title: Annotated[str, Form(max_length=200)],
    scale: Annotated[str, Form()] = "satisfaction3",
    period: Annotated[str, Form(max_length=16)] = "",
    categories: Annotated[list[str] | None, Form()] = None,
    excluded_unit: Annotated[str, Form()] = "",
    uniform_rule: Annotated[str, Form()] = UniformRule.warn,
    unit_comments: Annotated[bool, Form()] = False,
) -> Response:
    try:
        data = BatchCreate(
            evaluation_id=evaluation_id,
            group=group,
            title=title,
            scale=scale,
            period=period or None,
            categories=categories or [],
            excluded_unit=excluded_unit or None,
            uniform_rule=UniformRule(uniform_rule),
            unit_comments=unit_comments,
        )
    except ValueError:
        raise Invalid(N_("The ballot settings are not valid.")) from None
    batch = service.create_batch(session, data, actor)
    assert batch.id is not None
    return _detail(request, batch.id)


@router.get("/{batch_id}", name="office_ballot")
def batch_page(
    request: Request, batch_id: int, session: SessionDep, principal: OfficeViewer
) -> Response:
    batch = service.get_batch(session, batch_id)
    return render(
        request,
        "office/ballot.html",
        {
            "principal": principal,
            "batch": service.batch_public(session, batch),
            "turnout": service.turnout(session, batch),
            "paper": paper.paper_counts(session, batch_id),
            "tally": tally.batch_tally(session, batch, with_units=False),
            "state_tags": tally.STATE_TAGS,
        },
    )


@router.post("/{batch_id}/quorum", name="office_ballot_quorum")
def set_quorum(
    request: Request,
    batch_id: int,
    session: SessionDep,
    actor: OfficeUser,
    quorum: Annotated[str, Form(max_length=16)],
) -> Response:
    tally.set_quorum(session, batch_id, quorum, actor)
    return _detail(request, batch_id)


@router.get("/{batch_id}/tally", name="office_ballot_tally")
def tally_page(
    request: Request, batch_id: int, session: SessionDep, principal: OfficeViewer
) -> Response:
    """The tally sheet for the scrutineers to sign; it prints on A4."""
    batch = service.get_batch(session, batch_id)
    return render(
        request,
        "office/ballot_tally.html",
        {
            "principal": principal,
            "tally": tally.batch_tally(session, batch),
            "state_words": tally.STATE_WORDS,
            "reason_words": tally.REASON_WORDS,
        },
    )


@router.get("/{batch_id}/tally.{file_format}", name="office_ballot_tally_export")
def tally_file(
    request: Request,
    batch_id: int,
    file_format: Literal["xlsx", "csv"],
    session: SessionDep,
    principal: OfficeViewer,
    table: Literal["units", "accounting"] = "units",
) -> Response:
    """XLSX: the accounting and the count per unit; CSV: one of them (``table``)."""
    batch = service.get_batch(session, batch_id)
    sheet = tally.batch_tally(session, batch)
    words = reader(language_of(request, settings_of(request).default_language))
    what = words.words(N_("tally"))
    stem = f"{batch.title}-{what}"
    if file_format == "xlsx":
        content = xlsx_bytes(tally_export.tally_tables(sheet, words))
        return download(content, f"{stem}.xlsx", XLSX_MEDIA_TYPE)
    if table == "units":
        if sheet.units is None:
            raise Conflict(N_("The count per unit is shown once voting has closed."))
        chosen = tally_export.units_table(sheet, words)
    else:
        chosen = tally_export.accounting_table(sheet, words)
    return download(csv_bytes(chosen), f"{stem}-{table}.csv", CSV_MEDIA_TYPE)


@router.get("/{batch_id}/turnout", name="office_ballot_turnout")
def turnout_partial(
    request: Request, batch_id: int, session: SessionDep, principal: OfficeViewer
) -> Response:
    """The turnout table alone, for htmx to refresh every few seconds."""
    turnout = service.turnout(session, service.get_batch(session, batch_id))
    return render(request, "office/_turnout_table.html", {"turnout": turnout})


@router.post("/{batch_id}/status", name="office_ballot_status")
def change_status(
    request: Request,
    batch_id: int,
    session: SessionDep,
    actor: OfficeUser,
    status: Annotated[BatchStatus, Form()],
) -> Response:
    service.set_status(session, batch_id, status, actor)
    return _detail(request, batch_id)


@router.post("/{batch_id}/codes", name="office_ballot_issue")
def issue_codes(
    request: Request,
    batch_id: int,
    session: SessionDep,
    actor: OfficeUser,
    count: Annotated[int, Form(ge=1, le=service.MAX_CODES_PER_ISSUE)],
) -> Response:
    """Issue codes and hand back the only copy of them: a ZIP with the card sheet."""
    settings = settings_of(request)
    batch = service.get_batch(session, batch_id)
    issued = service.issue_codes(session, batch_id, count, settings.secret_key, actor)
    bundle = issued_files(
        batch.title,
        settings.public_base_url,
        issued,
        language=language_of(request, settings.default_language),
    ).bundle()
    first, last = issued[0].serial, issued[-1].serial
    return Response(
        bundle,
        media_type="application/zip",
        headers={
            "Content-Disposition": (
                f'attachment; filename="ballot-{batch_id}-codes-{first}-{last}.zip"'
            ),
            "Cache-Control": "no-store",
        },
    )


@router.post("/{batch_id}/void", name="office_ballot_void")
def void_codes(
    request: Request,
    batch_id: int,
    session: SessionDep,
    actor: OfficeUser,
    serials: Annotated[str, Form(max_length=2000)],
) -> Response:
    try:
        numbers = [int(part) for part in serials.replace(",", " ").split()]
    except ValueError:
        raise Invalid(
            N_("Serial numbers are whole numbers, separated by spaces."), field="serials"
        ) from None
    service.void_codes(session, batch_id, actor, serials=numbers)
    return _detail(request, batch_id)


@router.get("/{batch_id}/paper", name="office_paper")
def paper_page(
    request: Request,
    batch_id: int,
    session: SessionDep,
    principal: BrowserPrincipal,
    message: str = "",
) -> Response:
    clerk = _clerk(principal)
    batch = service.get_batch(session, batch_id)
    return render(
        request,
        "office/paper.html",
        {
            "principal": clerk,
            "batch": batch,
            "ballot": service.load_ballot(session, batch),
            "counts": paper.paper_counts(session, batch_id),
            "mismatches": paper.sheets_needing_a_look(session, batch_id),
            "message": message,
            "dispositions": list(SheetDisposition),
            "reasons": list(InvalidReason),
            "disposition_words": tally.DISPOSITION_WORDS,
            "reason_words": tally.REASON_WORDS,
        },
    )


@router.post("/{batch_id}/paper", name="office_paper_enter")
async def paper_enter(
    request: Request, batch_id: int, session: SessionDep, principal: BrowserPrincipal
) -> Response:
    clerk = _clerk(principal)
    form = await request.form()
    sheet = str(form.get("sheet_no", "")).strip()[:32]
    if not sheet:
        raise Invalid(N_("Write the sheet number printed on the paper ballot."), field="sheet_no")
    answers = {
        name[2:]: str(value)
        for name, value in form.multi_items()
        if name.startswith("r.") and str(value)
    }
    comments = {name[2:]: str(value) for name, value in form.multi_items() if name.startswith("c.")}
    entry = paper.enter_sheet(
        session,
        batch_id,
        sheet,
        answers,
        comments,
        clerk,
        disposition=str(form.get("disposition", SheetDisposition.valid)),
        invalid_reason=str(form.get("invalid_reason", "")),
    )
    target = request.url_for("office_paper", batch_id=batch_id).path
    return RedirectResponse(f"{target}?message={entry.state}", status_code=303)
