"""What every ``pingyi`` command shares: consoles, translation, settings, sessions, reports."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from sqlmodel import Session

from survey.accounts import Principal
from survey.config import Settings, get_settings
from survey.db import get_engine, session_scope
from survey.errors import DomainError
from survey.models import Role
from survey.satisfaction.importer import ImportRejected
from web.i18n import gettext

console = Console()
err_console = Console(stderr=True)

CLI_ACTOR = Principal(name="cli", role=Role.admin)

# Parameters of several areas, declared once so that their help reads the same everywhere.
YamlFile = Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="YAML file.")]
OutFile = Annotated[Path | None, typer.Option(help="Write to this file instead of stdout.")]


def _(message: str, **params: object) -> str:
    return gettext(_language(), message, **params)


def _language() -> str:
    try:
        return get_settings().default_language
    except Exception:  # settings that do not load fall back to the default language
        return "zh-CN"


def stop(message: str, code: int) -> typer.Exit:
    """Print ``message`` in red on stderr; the caller raises the returned exit."""
    err_console.print(f"[red]{message}[/red]")
    return typer.Exit(code)


def load_settings() -> Settings:
    """The settings, or exit 2 with the reason when they do not load."""
    try:
        return get_settings()
    except ValueError as error:
        raise stop(str(error), 2) from None


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
    """A database session whose domain refusals end the command with their report (exit 1)."""
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
