"""``pingyi codes``: ballot codes (测评码) of delegate ballots: issue, void, status."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from survey.ballots import service as ballot_service
from web.cli.common import (
    CLI_ACTOR,
    DemoSwitch,
    _,
    command_session,
    console,
    load_settings,
    progress_bar,
    stop,
)

codes_app = typer.Typer(help="Ballot codes (测评码): issue, void, status.", no_args_is_help=True)


@codes_app.command("issue")
def codes_issue(
    batch: Annotated[int, typer.Option(help="Ballot batch id.")],
    count: Annotated[int, typer.Option(help="How many codes.")],
    out: Annotated[Path, typer.Option(help="CSV file to write; the card sheet goes beside it.")],
    demo: DemoSwitch = False,
) -> None:
    """Issue codes: writes OUT (CSV with serial and code), OUT's .html card sheet and a ZIP of
    QR images. This is the only copy of the codes; the database keeps their hashes."""
    from web.ballot_sheet import issued_files

    settings = load_settings(demo)
    if out.exists():
        raise stop(_("%(path)s exists; codes are never overwritten.", path=out), 1)
    with progress_bar() as bar:
        task = bar.add_task(_("Issuing codes"), total=None)
        with command_session(settings) as session:
            batch_row = ballot_service.get_batch(session, batch)
            issued = ballot_service.issue_codes(
                session, batch, count, settings.secret_key, CLI_ACTOR
            )
        bar.update(task, total=count, completed=0, description=_("Drawing the QR cards"))
        files = issued_files(
            batch_row.title,
            settings.public_base_url,
            issued,
            language=settings.default_language,
            on_card=lambda: bar.advance(task),
        )
        bar.update(task, description=_("Writing the files"))
        out.write_text(files.csv, encoding="utf-8")
        sheet = out.with_suffix(".html")
        sheet.write_text(files.sheet, encoding="utf-8")
        archive = out.with_name(out.stem + "-qr.zip")
        archive.write_bytes(files.bundle())
    console.print(
        _(
            "Issued %(n)s codes (serials %(first)s-%(last)s): %(csv)s, %(sheet)s, %(zip)s",
            n=len(issued),
            first=issued[0].serial,
            last=issued[-1].serial,
            csv=out,
            sheet=sheet,
            zip=archive,
        )
    )


@codes_app.command("void")
def codes_void(
    batch: Annotated[int, typer.Option(help="Ballot batch id.")],
    serial: Annotated[list[int] | None, typer.Option(help="Serial printed on a lost card.")] = None,
    code: Annotated[list[str] | None, typer.Option(help="A code to cancel.")] = None,
    demo: DemoSwitch = False,
) -> None:
    """Cancel unused codes (lost cards) by serial number or by code."""
    settings = load_settings(demo)
    with command_session(settings) as session:
        voided = ballot_service.void_codes(
            session,
            batch,
            CLI_ACTOR,
            serials=serial or [],
            typed_codes=code or [],
            secret=settings.secret_key,
        )
    console.print(_("Cancelled %(n)s codes.", n=voided))


@codes_app.command("status")
def codes_status(
    batch: Annotated[int, typer.Option(help="Ballot batch id.")],
    demo: DemoSwitch = False,
) -> None:
    """Issued, used, void and remaining codes of a batch."""
    settings = load_settings(demo)
    with command_session(settings) as session:
        turnout = ballot_service.turnout(session, ballot_service.get_batch(session, batch))
    console.print(
        _(
            "%(title)s: issued %(issued)s, used %(used)s, void %(void)s, remaining %(left)s "
            "(%(share)s%%)",
            title=turnout.title,
            issued=turnout.issued,
            used=turnout.used,
            void=turnout.void,
            left=turnout.remaining,
            share=round(turnout.share * 100, 1),
        )
    )
