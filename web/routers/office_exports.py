"""Downloads of the office's results pages: satisfaction, composite and ballot turnout as XLSX
or CSV, in the reader's language, for whoever may read the page they come from."""

from __future__ import annotations

from typing import Literal

from fastapi import Request
from fastapi.responses import Response
from sqlmodel import Session

from survey import organisation as org
from survey import rules
from survey.accounts import Principal
from survey.ballots import export as ballot_export
from survey.ballots import service as ballots
from survey.composite import export as composite_export
from survey.composite import service as composite_service
from survey.errors import N_
from survey.models import Evaluation
from survey.rules import Action
from survey.satisfaction import drivers_export
from survey.satisfaction import export as satisfaction_export
from survey.satisfaction.comments import evaluation_comments
from survey.satisfaction.drivers import drivers
from survey.satisfaction.service import satisfaction_results
from survey.spreadsheet import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE, Reader, csv_bytes, xlsx_bytes
from web.context import settings_of
from web.deps import BrowserPrincipal, SessionDep
from web.i18n import language_of
from web.routers import browser_router
from web.spreadsheets import download, reader

router = browser_router(prefix="/office", include_in_schema=False)
FileFormat = Literal["xlsx", "csv"]
SatisfactionTable = Literal["units", "cells"]


def _reader(request: Request) -> Reader:
    return reader(language_of(request, settings_of(request).default_language))


def _evaluation(session: Session, evaluation_id: int, principal: Principal | None) -> Evaluation:
    """The evaluation, if ``principal`` may read its office pages (a unit account may not)."""
    evaluation = org.get_evaluation(session, evaluation_id)
    rules.require(principal, Action.view, evaluation.status)
    return evaluation


def _group_names(session: Session, words: Reader) -> dict[str, str]:
    return {g.code: words.named(g.name, g.name_en) for g in org.list_groups(session)}


def _file_name(words: Reader, evaluation: Evaluation, what: str, extension: str) -> str:
    return f"{words.named(evaluation.name, evaluation.name_en)}-{words.words(what)}.{extension}"


def _file(content: bytes | str, name: str, file_format: FileFormat) -> Response:
    """The download; CSV text gets the byte-order mark that makes Excel read it as UTF-8."""
    if isinstance(content, str):
        content = content.encode("utf-8-sig")
    return download(content, name, XLSX_MEDIA_TYPE if file_format == "xlsx" else CSV_MEDIA_TYPE)


@router.get(
    "/evaluations/{evaluation_id}/satisfaction/export.{file_format}",
    name="office_satisfaction_export",
)
def satisfaction_file(
    request: Request,
    evaluation_id: int,
    file_format: FileFormat,
    session: SessionDep,
    principal: BrowserPrincipal,
    period: str = "",
    question: str = "",
    table: SatisfactionTable = "units",
) -> Response:
    evaluation = _evaluation(session, evaluation_id, principal)
    words = _reader(request)
    results = satisfaction_results(
        session,
        evaluation_id,
        period=period or None,
        question=question or None,
        viewer=principal,
        previous=True,
    )
    groups = _group_names(session, words)
    name = _file_name(words, evaluation, N_("satisfaction results"), file_format)
    if file_format == "csv":
        return _file(
            satisfaction_export.to_csv(results, words, group_names=groups, table=table),
            name,
            file_format,
        )
    content = satisfaction_export.to_xlsx(
        results,
        words,
        group_names=groups,
        evaluation_name=words.named(evaluation.name, evaluation.name_en),
        comments=evaluation_comments(session, evaluation, principal),
    )
    return _file(content, name, file_format)


@router.get(
    "/evaluations/{evaluation_id}/satisfaction/drivers/export.{file_format}",
    name="office_drivers_export",
)
def drivers_file(
    request: Request,
    evaluation_id: int,
    file_format: FileFormat,
    session: SessionDep,
    principal: BrowserPrincipal,
    unit: str = "",
    category: str = "",
) -> Response:
    """The key drivers of a unit (with its category's) or of a category, as on its page."""
    evaluation = _evaluation(session, evaluation_id, principal)
    words = _reader(request)
    report = drivers(session, evaluation_id, unit_code=unit or None, category_code=category or None)
    main = report.unit or report.category
    name = (
        f"{words.named(evaluation.name, evaluation.name_en)}-{words.named(main.name, main.name_en)}"
        f"-{words.words(N_('Key drivers'))}.{file_format}"
    )
    if file_format == "csv":
        return _file(drivers_export.to_csv(report, words), name, file_format)
    content = drivers_export.to_xlsx(
        report, words, evaluation_name=words.named(evaluation.name, evaluation.name_en)
    )
    return _file(content, name, file_format)


@router.get(
    "/evaluations/{evaluation_id}/composite/export.{file_format}",
    name="office_composite_export",
)
def composite_file(
    request: Request,
    evaluation_id: int,
    file_format: FileFormat,
    session: SessionDep,
    principal: BrowserPrincipal,
    category: str = "",
    sensitivity: bool = False,
    draws: int = 1000,
    seed: int = composite_service.DEFAULT_SEED,
) -> Response:
    evaluation = _evaluation(session, evaluation_id, principal)
    words = _reader(request)
    wanted = composite_service.SensitivityRequest(draws=draws, seed=seed) if sensitivity else None
    results = composite_service.composite_results(
        session, evaluation_id, viewer=principal, category=category or None, sensitivity=wanted
    )
    specs = composite_export.scheme_specs(session, results)
    name = _file_name(words, evaluation, N_("composite results"), file_format)
    if file_format == "csv":
        return _file(composite_export.to_csv(results, words, specs=specs), name, file_format)
    content = composite_export.to_xlsx(
        results,
        words,
        specs=specs,
        evaluation_name=words.named(evaluation.name, evaluation.name_en),
    )
    return _file(content, name, file_format)


# Two segments: "/ballots/{batch_id}" of the ballot pages would take a one-segment name.
@router.get("/ballots/export/turnout.{file_format}", name="office_ballots_export")
def turnout_file(
    request: Request,
    file_format: FileFormat,
    session: SessionDep,
    principal: BrowserPrincipal,
) -> Response:
    """Turnout of every batch the reader may see."""
    words = _reader(request)
    rules.require(principal, Action.view)
    batches = [
        b
        for b in ballots.list_batches(session)
        if rules.can(principal, Action.view, org.get_evaluation(session, b.evaluation_id).status)
    ]
    table = ballot_export.turnout_table(
        [ballots.turnout(session, b) for b in batches], words, _group_names(session, words)
    )
    name = f"{words.words(N_('ballot turnout'))}.{file_format}"
    if file_format == "csv":
        return _file(csv_bytes(table), name, file_format)
    return _file(xlsx_bytes([table]), name, file_format)


@router.get("/ballots/{batch_id}/export.{file_format}", name="office_ballot_export")
def batch_file(
    request: Request,
    batch_id: int,
    file_format: FileFormat,
    session: SessionDep,
    principal: BrowserPrincipal,
) -> Response:
    """One batch: its turnout, and (XLSX) the scores its respondent group gave each unit."""
    batch = ballots.get_batch(session, batch_id)
    evaluation_id = batch.evaluation_id
    _evaluation(session, evaluation_id, principal)
    words = _reader(request)
    groups = _group_names(session, words)
    turnout = ballots.turnout(session, batch)
    table = ballot_export.turnout_table([turnout], words, groups)
    name = f"{batch.title}-{words.words(N_('ballot turnout'))}.{file_format}"
    if file_format == "csv":
        return _file(csv_bytes(table), name, file_format)
    # The batch's group rated the units: its cells are what the delegates' ballots gave (with
    # the group's other batches of the same evaluation and period, which share its answers).
    results = satisfaction_results(
        session,
        evaluation_id,
        period=ballots.batch_public(session, batch).period,
        group=turnout.group,
        viewer=principal,
        rank_intervals=False,
    )
    cells = satisfaction_export.cells_table(results, words, groups)
    return _file(xlsx_bytes([table, cells]), name, file_format)
