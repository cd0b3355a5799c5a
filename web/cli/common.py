"""What every ``pingyi`` command shares: consoles, translation, settings, sessions, reports."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlmodel import Session

from survey.accounts import Principal
from survey.config import Settings
from survey.db import get_engine, session_scope
from survey.errors import DomainError
from survey.import_problems import ImportRejected
from survey.models import Role
from web.cli.database import check_database, find_settings, settings_problem
from web.cli.words import _ as _

console = Console()
err_console = Console(stderr=True)

CLI_ACTOR = Principal(name="cli", role=Role.admin)

# Parameters of several areas, declared once so that their help reads the same everywhere.
DemoSwitch = Annotated[
    bool,
    typer.Option(
        "--demo", help="Use the demo database, the one `pingyi serve --demo` started with."
    ),
]
YamlFile = Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="YAML file.")]
OutFile = Annotated[Path | None, typer.Option(help="Write to this file instead of stdout.")]


def stop(message: str, code: int) -> typer.Exit:
    """Print ``message`` in red on stderr; the caller raises the returned exit."""
    err_console.print(message, style="red", markup=False, highlight=False, soft_wrap=True)
    return typer.Exit(code)


def load_settings(demo: bool = False) -> Settings:
    """The settings of the server this command works with, or exit 2 with the reason in one
    sentence when they do not load. ``demo``: those of ``pingyi serve --demo``."""
    try:
        return find_settings(demo)
    except ValidationError as error:
        raise stop(settings_problem(error, demo), 2) from None


def fail(error: DomainError) -> typer.Exit:
    """Report a domain refusal in the user's language; the caller raises the returned exit."""
    return stop(_(error.message, **error.params), 1)


def refuse_file(error: ImportRejected) -> typer.Exit:
    """Report a refused import file: the verdict, then every problem by row and column."""
    err_console.print(f"[red]{_(error.message, **error.params)}[/red]")
    for problem in error.errors:
        err_console.print(
            _(
                "Row %(row)s, column %(column)s: %(problem)s",
                row=problem.row,
                column=problem.column,
                problem=_(problem.message, **problem.params),
            ),
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    if error.more:
        err_console.print(_("… and %(n)s more.", n=error.more))
    return typer.Exit(1)


@contextmanager
def command_session(settings: Settings) -> Iterator[Session]:
    """A session on the server's database, which must exist and be migrated (else exit 2:
    reading never creates a database); domain refusals end the command with their report
    (exit 1)."""
    problem = check_database(settings)
    if problem:
        raise stop(problem, 2)
    with session_scope(get_engine(settings)) as session:
        try:
            yield session
        except ImportRejected as error:
            raise refuse_file(error) from None
        except DomainError as error:
            raise fail(error) from None


def write_output(text: str, out: Path | None, encoding: str = "utf-8") -> None:
    """Write ``text`` to the file ``out``, or to standard output when there is none."""
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding=encoding)


@contextmanager
def progress_bar() -> Iterator[Progress]:
    """A progress bar on stderr for a long command. Drawn only on a terminal: piped or captured
    output gets no control codes, and standard output (which may carry the result) none at all."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=not err_console.is_terminal,
    ) as bar:
        yield bar
