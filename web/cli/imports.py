"""``pingyi import``: survey responses and hard-indicator values from CSV or XLSX files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from web.cli.common import (
    CLI_ACTOR,
    DemoSwitch,
    _,
    command_session,
    console,
    load_settings,
    progress_bar,
)

import_app = typer.Typer(help="Import data from files.", no_args_is_help=True)

TableFile = Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV or XLSX file.")]


@import_app.command("responses")
def import_responses_command(
    file: TableFile,
    evaluation: Annotated[int, typer.Option(help="Evaluation id the responses belong to.")],
    period: Annotated[str | None, typer.Option(help="Period code, e.g. Q4.")] = None,
    demo: DemoSwitch = False,
) -> None:
    """Import responses in long format: one row per answer, with the columns
    respondent_id, group, unit, question, answer and any weighting-cell columns.
    All or nothing: a file with any bad row stores nothing."""
    from survey.satisfaction.importer import import_responses

    settings = load_settings(demo)
    with command_session(settings) as session, progress_bar() as bar:
        task = bar.add_task(_("Reading %(file)s", file=file.name), total=2)
        content = file.read_bytes()
        bar.update(task, advance=1, description=_("Checking and storing the rows"))
        report = import_responses(
            session,
            evaluation,
            content,
            file.name,
            actor=CLI_ACTOR,
            period=period,
        )
        bar.advance(task)
    console.print(
        _(
            "Imported %(respondents)s respondents with %(answers)s answers into evaluation "
            "%(evaluation)s.",
            respondents=report.respondents,
            answers=report.answers,
            evaluation=report.evaluation_id,
        )
    )


@import_app.command("indicators")
def import_indicators_command(
    file: TableFile,
    evaluation: Annotated[int, typer.Option(help="Evaluation id the values belong to.")],
    demo: DemoSwitch = False,
) -> None:
    """Import hard-indicator values: columns unit, indicator, period, value and optionally
    target and benchmark. Values already stored are replaced; a file with any bad row
    stores nothing."""
    from survey.composite.indicators import import_indicators

    settings = load_settings(demo)
    with command_session(settings) as session, progress_bar() as bar:
        task = bar.add_task(_("Reading %(file)s", file=file.name), total=2)
        content = file.read_bytes()
        bar.update(task, advance=1, description=_("Checking and storing the rows"))
        report = import_indicators(session, evaluation, content, file.name, actor=CLI_ACTOR)
        bar.advance(task)
    console.print(
        _(
            "Imported %(rows)s values: %(inserted)s new, %(updated)s changed, %(unchanged)s "
            "unchanged.",
            rows=report.rows,
            inserted=report.inserted,
            updated=report.updated,
            unchanged=report.unchanged,
        )
    )
