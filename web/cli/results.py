"""``pingyi results``: satisfaction and composite results as JSON, CSV or XLSX; publication."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from survey.accounts import Principal
from survey.models import Role
from web.cli.common import (
    CLI_ACTOR,
    DemoSwitch,
    OutFile,
    _,
    command_session,
    console,
    load_settings,
    progress_bar,
    stop,
    write_output,
)
from web.cli.words import language

results_app = typer.Typer(help="Results as JSON, CSV or XLSX files.", no_args_is_help=True)

FORMATS = ("json", "csv", "xlsx")

EvaluationId = Annotated[int, typer.Argument(help="Evaluation id.")]
OutputFormat = Annotated[
    str, typer.Option("--format", help="json, csv or xlsx.", case_sensitive=False)
]


def _chosen_format(output_format: str, out: Path | None, table: str | None = None) -> str:
    """``--format`` in lower case; exit 2 when it (or ``--table``, for commands that have one)
    is unknown, or when XLSX has no ``--out`` file to go to."""
    chosen = output_format.lower()
    if table is not None and (chosen not in FORMATS or table not in ("units", "cells")):
        raise stop(_("Choose --format json, csv or xlsx and --table units or cells."), 2)
    if chosen not in FORMATS:
        raise stop(_("Choose --format json, csv or xlsx."), 2)
    if chosen == "xlsx" and out is None:
        raise stop(_("XLSX needs --out FILE."), 2)
    return chosen


def _write_results(
    output_format: str,
    out: Path | None,
    *,
    to_json: Callable[[], str],
    to_csv: Callable[[], str],
    to_xlsx: Callable[[], bytes],
) -> None:
    """Render the results in the chosen format (only that one) and write them out."""
    if output_format == "xlsx":
        assert out is not None
        out.write_bytes(to_xlsx())
        return
    text_out = to_json() + "\n" if output_format == "json" else to_csv()
    # With a byte-order mark, spreadsheet programs open the CSV as UTF-8.
    write_output(text_out, out, encoding="utf-8-sig" if output_format == "csv" else "utf-8")


@results_app.command("satisfaction")
def results_satisfaction(
    evaluation: EvaluationId,
    output_format: OutputFormat = "json",
    out: OutFile = None,
    table: Annotated[str, typer.Option(help="For CSV: units or cells.")] = "units",
    period: Annotated[str | None, typer.Option(help="Period code.")] = None,
    question: Annotated[str | None, typer.Option(help="Score this question alone.")] = None,
    by_question: Annotated[bool, typer.Option(help="Cells per question too.")] = False,
    unit: Annotated[
        str | None, typer.Option(help="Export as this unit sees it (its rows, small cells hidden).")
    ] = None,
    public: Annotated[
        bool,
        typer.Option(help="Export as the public sees it (published only, small cells hidden)."),
    ] = False,
    demo: DemoSwitch = False,
) -> None:
    """Satisfaction scores, intervals and ranks of an evaluation (office view by default)."""
    from survey import organisation as org
    from survey.satisfaction import export
    from survey.satisfaction.comments import evaluation_comments
    from survey.satisfaction.service import satisfaction_results
    from web.spreadsheets import reader

    output_format = _chosen_format(output_format, out, table)
    settings = load_settings(demo)
    words = reader(language())
    with command_session(settings) as session, progress_bar() as bar:
        bar.add_task(_("Computing the results"), total=None)
        viewer: Principal | None = CLI_ACTOR
        if unit is not None:
            viewer = Principal(
                name="cli", role=Role.unit, unit_id=org.unit_by_code(session, unit).id
            )
        elif public:
            viewer = None
        results = satisfaction_results(
            session,
            evaluation,
            period=period,
            question=question,
            by_question=by_question,
            viewer=viewer,
            previous=True,
        )
        evaluation_row = org.get_evaluation(session, evaluation)
        evaluation_name = words.named(evaluation_row.name, evaluation_row.name_en)
        groups = {g.code: words.named(g.name, g.name_en) for g in org.list_groups(session)}
        # Comments are the office's reading: a unit's or the public's export leaves them out.
        comments = (
            evaluation_comments(session, evaluation_row, viewer)
            if viewer is CLI_ACTOR and output_format == "xlsx"
            else []
        )
    _write_results(
        output_format,
        out,
        to_json=lambda: export.to_json(results),
        to_csv=lambda: export.to_csv(
            results, words, group_names=groups, table="cells" if table == "cells" else "units"
        ),
        to_xlsx=lambda: export.to_xlsx(
            results,
            words,
            group_names=groups,
            evaluation_name=evaluation_name,
            comments=comments,
        ),
    )


@results_app.command("weights")
def results_weights(
    evaluation: EvaluationId,
    output_format: Annotated[
        str, typer.Option("--format", help="csv or xlsx.", case_sensitive=False)
    ] = "csv",
    out: OutFile = None,
    period: Annotated[str | None, typer.Option(help="Period code.")] = None,
    demo: DemoSwitch = False,
) -> None:
    """Each counted respondent's design weight, raking factor and final weight."""
    from survey import organisation as org
    from survey.satisfaction import export
    from survey.satisfaction.sample_design import response_weights
    from web.spreadsheets import reader

    chosen = output_format.lower()
    if chosen not in ("csv", "xlsx"):
        raise stop(_("Choose --format csv or xlsx."), 2)
    chosen = _chosen_format(chosen, out)
    settings = load_settings(demo)
    words = reader(language())
    with command_session(settings) as session:
        weights = response_weights(session, evaluation, period=period)
        groups = {g.code: words.named(g.name, g.name_en) for g in org.list_groups(session)}
    _write_results(
        chosen,
        out,
        to_json=lambda: "",
        to_csv=lambda: export.weights_csv(weights, words, groups),
        to_xlsx=lambda: export.weights_xlsx(weights, words, groups),
    )


@results_app.command("composite")
def results_composite(
    evaluation: EvaluationId,
    output_format: OutputFormat = "json",
    out: OutFile = None,
    category: Annotated[str | None, typer.Option(help="Only this category.")] = None,
    sensitivity: Annotated[
        bool, typer.Option(help="Add the Monte Carlo rank and grade robustness.")
    ] = False,
    draws: Annotated[int, typer.Option(help="Sensitivity draws.")] = 1000,
    seed: Annotated[int, typer.Option(help="Sensitivity seed.")] = 20261121,
    demo: DemoSwitch = False,
) -> None:
    """Composite totals, block subtotals, ranks, grades, rank changes and flags."""
    from survey import organisation as org
    from survey.composite import export as composite_export
    from survey.composite import service as composite_service
    from web.spreadsheets import reader

    output_format = _chosen_format(output_format, out)
    settings = load_settings(demo)
    words = reader(language())
    with command_session(settings) as session, progress_bar() as bar:
        bar.add_task(_("Computing the results"), total=None)
        wanted = (
            composite_service.SensitivityRequest(draws=draws, seed=seed) if sensitivity else None
        )
        results = composite_service.composite_results(
            session, evaluation, viewer=CLI_ACTOR, category=category, sensitivity=wanted
        )
        specs = composite_export.scheme_specs(session, results)
        evaluation_row = org.get_evaluation(session, evaluation)
        evaluation_name = words.named(evaluation_row.name, evaluation_row.name_en)
    _write_results(
        output_format,
        out,
        to_json=lambda: composite_export.to_json(results),
        to_csv=lambda: composite_export.to_csv(results, words, specs=specs),
        to_xlsx=lambda: composite_export.to_xlsx(
            results, words, specs=specs, evaluation_name=evaluation_name
        ),
    )


@results_app.command("drivers")
def results_drivers(
    evaluation: EvaluationId,
    unit: Annotated[
        str | None, typer.Option(help="Unit code: its drivers and its category's.")
    ] = None,
    category: Annotated[str | None, typer.Option(help="Category code: its drivers.")] = None,
    output_format: OutputFormat = "json",
    out: OutFile = None,
    demo: DemoSwitch = False,
) -> None:
    """Key drivers: each aspect's importance (share of R squared, with its interval), its
    performance and quadrant, for a unit and its category or for a category."""
    from survey import organisation as org
    from survey.satisfaction import drivers_export
    from survey.satisfaction.drivers import drivers
    from web.spreadsheets import reader

    output_format = _chosen_format(output_format, out)
    if (unit is None) == (category is None):
        raise stop(_("Give either --unit or --category."), 2)
    settings = load_settings(demo)
    words = reader(language())
    with command_session(settings) as session, progress_bar() as bar:
        bar.add_task(_("Computing the results"), total=None)
        report = drivers(session, evaluation, unit_code=unit, category_code=category)
        evaluation_row = org.get_evaluation(session, evaluation)
        evaluation_name = words.named(evaluation_row.name, evaluation_row.name_en)
    _write_results(
        output_format,
        out,
        to_json=lambda: drivers_export.to_json(report),
        to_csv=lambda: drivers_export.to_csv(report, words),
        to_xlsx=lambda: drivers_export.to_xlsx(report, words, evaluation_name=evaluation_name),
    )


@results_app.command("publish")
def results_publish(
    evaluation: EvaluationId,
    reason: Annotated[
        str, typer.Option(help="Why: needed for a correction (a second or later version).")
    ] = "",
    demo: DemoSwitch = False,
) -> None:
    """Freeze the inputs and results of a closed evaluation as its next publication version
    (canonical JSON with SHA-256 digests) and publish it; later changes of data or schemes do
    not alter them."""
    from survey.composite import service as composite_service
    from survey.publication import service as publication

    settings = load_settings(demo)
    with command_session(settings) as session:
        results = composite_service.publish_results(session, evaluation, CLI_ACTOR, reason=reason)
        version = publication.versions_of(session, evaluation)[-1]
    console.print(
        _(
            "Published the composite results of %(units)s units (schemes %(versions)s).",
            units=len(results.units),
            versions=", ".join(f"{k} v{v}" for k, v in results.scheme_versions.items()),
        )
    )
    console.print(
        _(
            "Version %(version)s, results digest %(digest)s.",
            version=version.version,
            digest=version.results_digest,
        )
    )


@results_app.command("verify")
def results_verify(evaluation: EvaluationId, demo: DemoSwitch = False) -> None:
    """Recompute every published version of an evaluation from its frozen inputs and compare
    the digests; for a published evaluation, compare its live inputs with the newest version.
    Exit code 1 names each version and part that differs."""
    from survey.publication import service as publication

    settings = load_settings(demo)
    with command_session(settings) as session:
        report = publication.verify(session, evaluation)
    if not report.versions:
        raise stop(_("The evaluation has no published version."), 1)
    for number, inputs_digest, results_digest in report.versions:
        console.print(
            _(
                "Version %(version)s: inputs %(inputs)s, results %(results)s",
                version=number,
                inputs=inputs_digest,
                results=results_digest,
            )
        )
    for difference in report.differences:
        if difference.version is None:
            line = _(
                "Live data: %(part)s differs from the newest version (%(detail)s).",
                part=difference.part,
                detail=difference.detail,
            )
        else:
            line = _(
                "Version %(version)s: %(part)s differs (%(detail)s).",
                version=difference.version,
                part=difference.part,
                detail=difference.detail,
            )
        typer.echo(line, err=True)
    if not report.ok:
        raise typer.Exit(1)
    console.print(_("Verified: every version recomputes to its digests."))
