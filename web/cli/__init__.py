"""``pingyi``: the one command for everything an operator does."""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn

from survey import accounts, audit, demo, migrate
from survey.accounts import Principal
from survey.config import Mode, Settings, configure, get_settings
from survey.db import get_engine, session_scope
from survey.errors import DomainError
from survey.models import Role
from survey.security import new_password
from survey.surveys import service as survey_service
from survey.timeutil import utcnow
from web.i18n import gettext

app = typer.Typer(
    help="Pingyi (评议): public appraisal and satisfaction scoring. "
    "Configure with PINGYI_* environment variables (see the README).",
    no_args_is_help=True,
    add_completion=False,
)
user_app = typer.Typer(help="Office user accounts.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens for integrations.", no_args_is_help=True)
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")
survey_app = typer.Typer(help="Citizen survey definitions as YAML files.", no_args_is_help=True)
app.add_typer(survey_app, name="survey")

console = Console()
err_console = Console(stderr=True)


def _(message: str, **params: object) -> str:
    return gettext(_language(), message, **params)


def _language() -> str:
    try:
        return get_settings().default_language
    except Exception:  # settings that do not load fall back to the default language
        return "zh-CN"


def _settings() -> Settings:
    try:
        return get_settings()
    except ValueError as error:
        err_console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None


def _fail(error: DomainError) -> typer.Exit:
    err_console.print(f"[red]{_(error.message, **error.params)}[/red]")
    return typer.Exit(1)


@app.command("migrate")
def migrate_command(
    revision: Annotated[str, typer.Option(help="Target revision.")] = "head",
    downgrade: Annotated[bool, typer.Option(help="Downgrade to REVISION instead.")] = False,
) -> None:
    """Bring the database schema up to date (run after every upgrade, before serving)."""
    settings = _settings()
    url = settings.resolved_database_url
    if downgrade:
        migrate.downgrade(url, revision)
    else:
        migrate.upgrade(url, revision)
    current = migrate.current_revision(get_engine(settings))
    console.print(_("Database schema at revision %(rev)s.", rev=current))


@app.command("demo")
def demo_command() -> None:
    """Migrate the configured database and load the demo city (云江市) into it."""
    settings = _settings()
    info = _load_demo(settings)
    _print_demo_login(info)


def _load_demo(settings: Settings) -> demo.DemoInfo:
    url = settings.resolved_database_url
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), console=console) as bar:
        task = bar.add_task(_("Migrating the database"), total=None)
        migrate.upgrade(url)
        bar.update(task, description=_("Loading the demo city"))
        with session_scope(get_engine(settings)) as session:
            try:
                info = demo.load_demo(session)
            except DomainError as error:
                raise _fail(error) from None
        bar.update(task, description=_("Demo loaded"))
    console.print(
        _(
            "%(units)s units in %(categories)s categories, %(groups)s respondent groups, "
            "%(evaluations)s evaluations.",
            units=info.units,
            categories=info.categories,
            groups=info.groups,
            evaluations=info.evaluations,
        )
    )
    return info


def _print_demo_login(info: demo.DemoInfo) -> None:
    base = get_settings().public_base_url
    console.print(
        _(
            "Citizen survey: %(url)s (%(n)s seeded responses)",
            url=f"{base}/s/{info.survey_slug}",
            n=info.survey_responses,
        )
    )
    console.print(
        _(
            "Office login: user %(user)s, password %(password)s",
            user=info.office_username,
            password=info.office_password,
        ),
        style="bold",
    )


@app.command("serve")
def serve_command(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
    demo_mode: Annotated[
        bool,
        typer.Option("--demo", help="Start with a fresh SQLite database holding the demo city."),
    ] = False,
    forwarded_allow_ips: Annotated[
        str, typer.Option(help="Balancer addresses whose X-Forwarded-For is trusted.")
    ] = "127.0.0.1",
) -> None:
    """Run the web server (uvicorn)."""
    import uvicorn

    if "PINGYI_PUBLIC_BASE_URL" not in os.environ:
        # QR codes and printed links must point at where this server actually listens.
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104
        os.environ["PINGYI_PUBLIC_BASE_URL"] = f"http://{shown}:{port}"
    if demo_mode:
        os.environ["PINGYI_MODE"] = os.environ.get("PINGYI_MODE", Mode.demo)
        settings = configure()
        database = settings.data_dir / "demo.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        os.environ["PINGYI_DATABASE_URL"] = f"sqlite:///{database}"
        settings = configure()
        info = _load_demo(settings)
        _print_demo_login(info)
    settings = _settings()
    console.print(_("Serving on http://%(host)s:%(port)s", host=host, port=port))
    sys.stdout.flush()
    uvicorn.run(
        "web.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        forwarded_allow_ips=forwarded_allow_ips,
        log_level=settings.log_level,
        server_header=False,
    )


@user_app.command("create")
def user_create(
    username: str,
    role: Annotated[str, typer.Option(help="admin, office, clerk, viewer or unit.")] = "office",
    unit: Annotated[str | None, typer.Option(help="Unit code, for the unit role.")] = None,
    display_name: Annotated[str, typer.Option(help="Name shown in the office.")] = "",
    password_stdin: Annotated[
        bool, typer.Option(help="Read the password from standard input instead of generating one.")
    ] = False,
) -> None:
    """Create an office user; prints a generated password unless one comes on stdin."""
    settings = _settings()
    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    with session_scope(get_engine(settings)) as session:
        try:
            chosen = password or new_password()
            user = accounts.create_user(
                session,
                username,
                chosen,
                accounts.parse_role(role),
                display_name=display_name,
                unit_code=unit,
            )
            audit.record(
                session,
                "cli",
                "user.create",
                target_type="user",
                target_id=user.username,
                role=role,
            )
            session.commit()
        except DomainError as error:
            raise _fail(error) from None
    console.print(_("Created user %(user)s with role %(role)s.", user=username, role=role))
    if password is None:
        console.print(_("Password (shown once): %(password)s", password=chosen))


@token_app.command("create")
def token_create(
    name: str,
    role: Annotated[str, typer.Option(help="Role the token acts with.")] = "office",
    user: Annotated[str | None, typer.Option(help="User the token belongs to.")] = None,
    days: Annotated[int | None, typer.Option(help="Expire after this many days.")] = None,
) -> None:
    """Create an API token and print it once; only its hash is stored."""
    settings = _settings()
    with session_scope(get_engine(settings)) as session:
        try:
            token, plaintext = accounts.create_token(
                session,
                name,
                accounts.parse_role(role),
                username=user,
                expires_at=utcnow() + timedelta(days=days) if days else None,
            )
            audit.record(
                session,
                "cli",
                "token.create",
                target_type="token",
                target_id=token.prefix,
                role=role,
            )
            session.commit()
        except DomainError as error:
            raise _fail(error) from None
    err_console.print(_("Token %(name)s (%(role)s), shown once:", name=name, role=role))
    print(plaintext)


@token_app.command("revoke")
def token_revoke(prefix: str) -> None:
    """Revoke the token whose printed prefix is PREFIX."""
    settings = _settings()
    with session_scope(get_engine(settings)) as session:
        try:
            token = accounts.revoke_token(session, prefix)
            audit.record(
                session, "cli", "token.revoke", target_type="token", target_id=token.prefix
            )
            session.commit()
        except DomainError as error:
            raise _fail(error) from None
    console.print(_("Token %(prefix)s revoked.", prefix=prefix))


__all__ = ["app"]


CLI_ACTOR = Principal(name="cli", role=Role.admin)


@survey_app.command("import")
def survey_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="YAML file.")],
    evaluation: Annotated[int, typer.Option(help="Evaluation id the survey belongs to.")],
) -> None:
    """Create a survey (as a draft) from a YAML definition."""
    settings = _settings()
    with session_scope(get_engine(settings)) as session:
        try:
            data = survey_service.parse_yaml(file.read_text(encoding="utf-8"), evaluation)
            survey = survey_service.create_survey(session, data, CLI_ACTOR)
        except DomainError as error:
            raise _fail(error) from None
    url = survey_service.public_url(settings.public_base_url, survey.slug)
    console.print(_("Created survey %(id)s: %(url)s", id=survey.id, url=url))


@survey_app.command("export")
def survey_export(
    survey_id: Annotated[int, typer.Argument(help="Survey id.")],
    out: Annotated[Path | None, typer.Option(help="Write to this file instead of stdout.")] = None,
) -> None:
    """Write a survey's definition as YAML (the format `survey import` reads)."""
    settings = _settings()
    with session_scope(get_engine(settings)) as session:
        try:
            text = survey_service.export_yaml(session, survey_id, settings.public_base_url)
        except DomainError as error:
            raise _fail(error) from None
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
