"""``pingyi evaluation``: an evaluation's whole set-up as one YAML file, exported and imported."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from web.cli.common import (
    CLI_ACTOR,
    DemoSwitch,
    YamlFile,
    _,
    command_session,
    console,
    err_console,
    fail,
    load_settings,
    write_output,
)

evaluation_app = typer.Typer(
    help="An evaluation's set-up (periods, categories, units, groups, weights, policy, "
    "schemes) as one YAML file.",
    no_args_is_help=True,
)


@evaluation_app.command("export")
def evaluation_export(
    evaluation: Annotated[int, typer.Option(help="Evaluation id.")],
    file: Annotated[
        Path | None, typer.Argument(dir_okay=False, help="Write here instead of stdout.")
    ] = None,
    demo: DemoSwitch = False,
) -> None:
    """Write the evaluation's set-up as YAML (the format `evaluation import` reads)."""
    from survey.evaluation_file import export_setup

    settings = load_settings(demo)
    with command_session(settings) as session:
        text_out = export_setup(session, evaluation)
    write_output(text_out, None if file is None or str(file) == "-" else file)


@evaluation_app.command("import")
def evaluation_import(file: YamlFile, demo: DemoSwitch = False) -> None:
    """Create a new evaluation from a set-up file: everything or, on any problem, nothing."""
    from survey.composite import scheme as schemes
    from survey.evaluation_file import import_setup

    settings = load_settings(demo)
    with command_session(settings) as session:
        try:
            evaluation = import_setup(session, file.read_text(encoding="utf-8"), CLI_ACTOR)
        except schemes.SchemeRejected as error:
            refusal = fail(error)
            for problem in error.errors:
                err_console.print(
                    _(problem.message, **problem.params),
                    markup=False,
                    highlight=False,
                    soft_wrap=True,
                )
            raise refusal from None
        console.print(
            _(
                "Created evaluation %(id)s, %(name)s, from %(file)s.",
                id=evaluation.id,
                name=evaluation.name,
                file=file.name,
            )
        )
