"""``pingyi``: the one command for everything an operator does.

This package only assembles the command; each area's commands live in their own module and
what they share (consoles, settings, error reports) in ``common``. The console script
``pingyi`` points at ``app`` here.
"""

from __future__ import annotations

import typer

from web.cli import server
from web.cli.accounts import token_app, user_app
from web.cli.audit import audit_app
from web.cli.ballots import codes_app
from web.cli.evaluations import evaluation_app
from web.cli.imports import import_app
from web.cli.results import results_app
from web.cli.schemes import scheme_app
from web.cli.surveys import survey_app
from web.cli.topics import topics_app

app = typer.Typer(
    help="Pingyi (评议): public appraisal and satisfaction scoring. "
    "Configure with PINGYI_* environment variables (see the README).",
    no_args_is_help=True,
    add_completion=False,
)
# Registration order is the order `pingyi --help` lists the commands in.
app.command("migrate")(server.migrate_command)
app.command("demo")(server.demo_command)
app.command("serve")(server.serve_command)
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")
app.add_typer(evaluation_app, name="evaluation")
app.add_typer(survey_app, name="survey")
app.add_typer(import_app, name="import")
app.add_typer(results_app, name="results")
app.add_typer(codes_app, name="codes")
app.add_typer(scheme_app, name="scheme")
app.add_typer(audit_app, name="audit")
app.add_typer(topics_app, name="topics")

__all__ = ["app"]
