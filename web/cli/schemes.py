"""``pingyi scheme``: composite scoring schemes as YAML files, checked, stored and exported."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from survey.errors import DomainError
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

if TYPE_CHECKING:
    from survey.composite.scheme import SchemeProblem

scheme_app = typer.Typer(
    help="Composite scoring schemes as YAML files (one document per category).",
    no_args_is_help=True,
)


def _print_scheme_problems(problems: list[SchemeProblem]) -> None:
    for problem in problems:
        err_console.print(
            _(problem.message, **problem.params), markup=False, highlight=False, soft_wrap=True
        )


@scheme_app.command("validate")
def scheme_validate(
    file: YamlFile,
    evaluation: Annotated[int, typer.Option(help="Evaluation id the schemes are for.")],
    demo: DemoSwitch = False,
) -> None:
    """Check a scheme file without storing it; every problem with its line and field."""
    from survey import organisation as org
    from survey.composite import scheme as schemes

    settings = load_settings(demo)
    with command_session(settings) as session:
        org.get_evaluation(session, evaluation)
        parsed, problems = schemes.parse_schemes(file.read_text(encoding="utf-8"), session)
    if problems:
        _print_scheme_problems(problems)
        raise typer.Exit(1)
    console.print(
        _(
            "The file is valid: schemes for %(categories)s.",
            categories=", ".join(p.spec.category for p in parsed),
        )
    )


@scheme_app.command("import")
def scheme_import(
    file: YamlFile,
    evaluation: Annotated[int, typer.Option(help="Evaluation id the schemes are for.")],
    note: Annotated[str, typer.Option(help="Why the schemes change.")] = "",
    demo: DemoSwitch = False,
) -> None:
    """Store each scheme of the file as the next version of its category (all or none)."""
    from survey.composite import scheme as schemes

    settings = load_settings(demo)
    with command_session(settings) as session:
        try:
            stored = schemes.import_text(
                session, evaluation, file.read_text(encoding="utf-8"), CLI_ACTOR, note=note
            )
        except schemes.SchemeRejected as error:
            refusal = fail(error)  # the verdict first, then every problem under it
            _print_scheme_problems(error.errors)
            raise refusal from None
    console.print(
        _(
            "Stored %(schemes)s.",
            schemes=", ".join(f"{s.category} v{s.version}" for s in stored),
        )
    )


@scheme_app.command("export")
def scheme_export(
    evaluation: Annotated[int, typer.Option(help="Evaluation id.")],
    file: Annotated[
        Path | None, typer.Argument(dir_okay=False, help="Write here instead of stdout.")
    ] = None,
    category: Annotated[str | None, typer.Option(help="Only this category.")] = None,
    demo: DemoSwitch = False,
) -> None:
    """Write the current schemes as YAML (the format `scheme import` reads)."""
    from survey.composite import scheme as schemes

    settings = load_settings(demo)
    with command_session(settings) as session:
        text_out = schemes.export_text(session, evaluation, category)
    write_output(text_out, None if file is None or str(file) == "-" else file)


@scheme_app.command("export-xlsx")
def scheme_export_xlsx(
    evaluation: Annotated[int, typer.Option(help="Evaluation id.")],
    category: Annotated[str, typer.Option(help="Unit category code of the scheme.")],
    file: Annotated[Path, typer.Argument(dir_okay=False, help="The XLSX file to write.")],
) -> None:
    """Write the category's current scheme as an XLSX workbook to edit in a spreadsheet."""
    from survey.composite import scheme_workbook_review as review
    from web.cli.words import language as _language
    from web.i18n import gettext

    settings = load_settings()
    language = _language()
    with command_session(settings) as session:
        data, version = review.download(
            session, evaluation, category, lambda m: gettext(language, m)
        )
    file.write_bytes(data)
    console.print(f"{category} v{version} -> {file}")


@scheme_app.command("import-xlsx")
def scheme_import_xlsx(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="XLSX workbook.")],
    evaluation: Annotated[int, typer.Option(help="Evaluation id the scheme is for.")],
    note: Annotated[str, typer.Option(help="Why the scheme changes.")],
) -> None:
    """Check a scheme workbook, list its changes and store it as the next version (or nothing)."""
    from survey.composite import scheme_workbook_review as review
    from web.cli.words import language as _language
    from web.i18n import translate
    from web.scheme_workbook_words import problem_line, translations_for

    settings = load_settings()
    language = _language()
    with command_session(settings) as session:
        checked = review.preview(
            session,
            evaluation,
            file.read_bytes(),
            translations_for(language),
            settings.secret_key,
        )
        if isinstance(checked, list):
            err_console.print(
                _(
                    "The workbook was not stored because of %(count)s problems; "
                    "nothing was stored.",
                    count=len(checked),
                ),
                markup=False,
                highlight=False,
            )
            for problem in checked:
                err_console.print(
                    problem_line(language, problem), markup=False, highlight=False, soft_wrap=True
                )
            raise typer.Exit(1)
        for change in checked.changes:
            console.print(translate(language, change), markup=False, highlight=False)
        try:
            stored = review.confirm(
                session,
                evaluation,
                checked.payload,
                checked.signature,
                settings.secret_key,
                CLI_ACTOR,
                note=note,
            )
        except DomainError as error:
            raise fail(error) from None
    console.print(_("Stored %(schemes)s.", schemes=f"{stored.category} v{stored.version}"))
