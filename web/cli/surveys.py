"""``pingyi survey``: citizen survey definitions in and out as YAML files."""

from __future__ import annotations

from typing import Annotated

import typer

from survey.surveys import service as survey_service
from web.cli.common import (
    CLI_ACTOR,
    DemoSwitch,
    OutFile,
    YamlFile,
    _,
    command_session,
    console,
    load_settings,
    write_output,
)

survey_app = typer.Typer(help="Citizen survey definitions as YAML files.", no_args_is_help=True)


@survey_app.command("import")
def survey_import(
    file: YamlFile,
    evaluation: Annotated[int, typer.Option(help="Evaluation id the survey belongs to.")],
    demo: DemoSwitch = False,
) -> None:
    """Create a survey (as a draft) from a YAML definition."""
    settings = load_settings(demo)
    with command_session(settings) as session:
        data = survey_service.parse_yaml(file.read_text(encoding="utf-8"), evaluation)
        survey = survey_service.create_survey(session, data, CLI_ACTOR)
    url = survey_service.public_url(settings.public_base_url, survey.slug)
    console.print(_("Created survey %(id)s: %(url)s", id=survey.id, url=url))


@survey_app.command("export")
def survey_export(
    survey_id: Annotated[int, typer.Argument(help="Survey id.")],
    out: OutFile = None,
    demo: DemoSwitch = False,
) -> None:
    """Write a survey's definition as YAML (the format `survey import` reads)."""
    settings = load_settings(demo)
    with command_session(settings) as session:
        text = survey_service.export_yaml(session, survey_id, settings.public_base_url)
    write_output(text, out)
