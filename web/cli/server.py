"""``pingyi migrate``, ``demo`` and ``serve``: the database schema, the demo city, the server."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn

from survey import migrate
from survey.config import Settings, get_settings
from survey.db import get_engine
from web.cli.common import DemoSwitch, _, command_session, console, load_settings, stop
from web.cli.database import check_database, demo_database
from web.request_log import log_config

if TYPE_CHECKING:
    from survey import demo

# How long uvicorn's supervisor waits for a worker to answer its health ping before killing it
# as hung. A new worker can answer only after it has run the `pingyi` script again (a spawned
# process imports its parent's main module first): up to 15 s on a busy 2-core machine, and
# with uvicorn's default of 5 s `serve --workers 2` killed and replaced its workers for ever.
WORKER_HEALTHCHECK_SECONDS = 60


def migrate_command(
    revision: Annotated[str, typer.Option(help="Target revision.")] = "head",
    downgrade: Annotated[bool, typer.Option(help="Downgrade to REVISION instead.")] = False,
    demo: DemoSwitch = False,
) -> None:
    """Bring the database schema up to date (run after every upgrade, before serving)."""
    settings = load_settings(demo)
    url = settings.resolved_database_url
    if downgrade:
        migrate.downgrade(url, revision)
    else:
        migrate.upgrade(url, revision)
    current = migrate.current_revision(get_engine(settings))
    console.print(_("Database schema at revision %(rev)s.", rev=current))


def demo_command() -> None:
    """Migrate the configured database and load the demo city (云江市) into it."""
    settings = load_settings()
    info = _load_demo(settings)
    _print_demo_login(info)


def _load_demo(settings: Settings) -> demo.DemoInfo:
    # Imported here: every process `pingyi serve` spawns (uvicorn's workers, the submission
    # writers) first runs the `pingyi` script again, and the demo city's imports (scipy, jieba,
    # the composite schemes) made that 10 s instead of 2.5 s on a busy machine.
    from survey import demo

    url = settings.resolved_database_url
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), console=console) as bar:
        task = bar.add_task(_("Migrating the database"), total=None)
        migrate.upgrade(url)
        bar.update(task, description=_("Loading the demo city"))
        with command_session(settings) as session:
            info = demo.load_demo(session, secret=settings.secret_key)
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
            "Delegate ballots: %(n)s batches, %(cast)s ballots cast. Try %(url)s with a code: "
            "%(codes)s",
            n=info.ballot_batches,
            cast=info.ballots_cast,
            url=f"{base}/b",
            codes=", ".join(info.try_codes),
        )
    )
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
    for code, user, password in info.unit_logins:
        console.print(
            _(
                "Unit login (%(unit)s): user %(user)s, password %(password)s",
                unit=code,
                user=user,
                password=password,
            )
        )
    for lead in info.lead_logins:
        console.print(
            _(
                "Lead department login (%(unit)s): user %(user)s, password %(password)s",
                unit=lead.unit_name,
                user=lead.username,
                password=lead.password,
            ),
            style="bold",
        )


def serve_command(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
    demo_mode: Annotated[
        bool,
        typer.Option("--demo", help="Start with a fresh SQLite database holding the demo city."),
    ] = False,
    forwarded_allow_ips: Annotated[
        str,
        typer.Option(
            help="Addresses of your own proxies or balancers whose X-Forwarded-For is "
            "believed (comma-separated). Empty: none, every client is its own address."
        ),
    ] = "",
) -> None:
    """Run the web server (uvicorn)."""
    import uvicorn

    if "PINGYI_PUBLIC_BASE_URL" not in os.environ:
        # QR codes and printed links must point at where this server actually listens.
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104
        os.environ["PINGYI_PUBLIC_BASE_URL"] = f"http://{shown}:{port}"
    if demo_mode:
        # Other commands find this database and secret with --demo, through the same function.
        settings = load_settings(demo=True)
        database = demo_database(settings.data_dir)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        # Worker processes read their settings from the environment.
        os.environ["PINGYI_MODE"] = settings.mode
        os.environ["PINGYI_DATABASE_URL"] = settings.resolved_database_url
        info = _load_demo(settings)
        _print_demo_login(info)
    settings = load_settings()
    problem = check_database(settings)
    if problem:
        raise stop(problem, 2)
    console.print(_("Serving on http://%(host)s:%(port)s", host=host, port=port))
    sys.stdout.flush()
    uvicorn.run(
        "web.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        # Believing X-Forwarded-For from anyone would let a client pick its own address
        # and walk past the code-guessing and sign-in limits; only named proxies are believed.
        proxy_headers=bool(forwarded_allow_ips.strip()),
        forwarded_allow_ips=forwarded_allow_ips.strip() or None,
        log_level=settings.log_level,
        # One JSON object per line, each with its request's id; the app writes the access
        # lines itself (web.request_log), without addresses on survey and ballot paths.
        log_config=log_config(settings.log_level),
        access_log=False,
        server_header=False,
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
    )
