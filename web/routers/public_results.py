"""The public results pages: published evaluations, one evaluation's published version with
its history and digests, and its open data (CSV or XLSX)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from survey.publication import service
from survey.publication.open_data import level_label, open_data_tables
from survey.publication.view import categories_of
from survey.spreadsheet import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE, csv_bytes, xlsx_bytes
from web.context import settings_of
from web.deps import SessionDep
from web.i18n import language_of
from web.spreadsheets import download, reader
from web.templating import render

router = APIRouter(prefix="/results", include_in_schema=False)

VersionQuery = Annotated[int | None, Query(ge=1, le=100_000)]


@router.get("", name="public_results")
def results_list(request: Request, session: SessionDep) -> Response:
    return render(request, "public/results.html", {"publications": service.public_listing(session)})


@router.get("/{evaluation_id}", name="public_result")
def result_page(
    request: Request, evaluation_id: int, session: SessionDep, version: VersionQuery = None
) -> Response:
    publication, shown = service.public_publication(session, evaluation_id, version)
    results = service.results_of(shown)
    return render(
        request,
        "public/result.html",
        {
            "publication": publication,
            "evaluation": publication.evaluation,
            "shown": shown,
            "results": results,
            "categories": categories_of(results),
            "level_label": level_label,
        },
    )


@router.get("/{evaluation_id}/open-data.{extension}", name="public_result_download")
def open_data(
    request: Request,
    evaluation_id: int,
    extension: str,
    session: SessionDep,
    version: VersionQuery = None,
) -> Response:
    publication, shown = service.public_publication(session, evaluation_id, version)
    if extension == "json":
        # The stored bytes themselves: their SHA-256 is the results digest the page shows.
        return download(
            shown.results_json.encode("utf-8"),
            f"results-{evaluation_id}-v{shown.version}.json",
            "application/json",
        )
    if extension not in ("csv", "xlsx"):
        return Response(status_code=404)
    words = reader(language_of(request, settings_of(request).default_language))
    evaluation = publication.evaluation
    name = words.named(evaluation.name, evaluation.name_en)
    tables = open_data_tables(service.results_of(shown), words, evaluation_name=name, version=shown)
    filename = f"{name}-v{shown.version}.{extension}"
    if extension == "csv":
        return download(csv_bytes(tables[0]), filename, CSV_MEDIA_TYPE)
    return download(xlsx_bytes(tables), filename, XLSX_MEDIA_TYPE)
