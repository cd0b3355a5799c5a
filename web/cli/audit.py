"""``pingyi audit``: the audit log as a table, or as an XLSX file, filtered."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from survey import audit_log
from web.cli.common import (
    DemoSwitch,
    _,
    command_session,
    console,
    load_settings,
    progress_bar,
    stop,
)

audit_app = typer.Typer(help="The audit log of office actions.", no_args_is_help=True)

Who = Annotated[str, typer.Option("--who", help="Only this user (or cli).")]
What = Annotated[str, typer.Option("--action", help="Only this kind of action, e.g. auth.login.")]
ObjectType = Annotated[str, typer.Option("--object", help="Only this kind of object, e.g. unit.")]
ObjectId = Annotated[str, typer.Option("--object-id", help="Only the object with this id.")]
Since = Annotated[str, typer.Option("--since", help="From this day (YYYY-MM-DD, UTC).")]
Until = Annotated[str, typer.Option("--until", help="To this day, inclusive (YYYY-MM-DD, UTC).")]


def _day(value: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise stop(_("Write the date as year-month-day, for example 2026-12-01."), 2) from None


def _filter(
    who: str, action: str, object_type: str, object_id: str, since: str, until: str
) -> audit_log.AuditFilter:
    return audit_log.AuditFilter(
        actor=who,
        action=action,
        target_type=object_type,
        target_id=object_id,
        since=_day(since),
        until=_day(until),
    )


def _words(message: str, **params: object) -> str:
    return _(message, **params)


@audit_app.command("list")
def audit_list(
    who: Who = "",
    action: What = "",
    object_type: ObjectType = "",
    object_id: ObjectId = "",
    since: Since = "",
    until: Until = "",
    limit: Annotated[int, typer.Option(help="Show at most this many, newest first.")] = 50,
    demo: DemoSwitch = False,
) -> None:
    """The newest entries of the audit log as a table."""
    wanted = _filter(who, action, object_type, object_id, since, until)
    settings = load_settings(demo)
    with command_session(settings) as session:
        found = audit_log.audit_page(session, wanted, per_page=limit)
    table = Table(*(_(heading) for heading in audit_log.EXPORT_HEADINGS[:4]), _("Details"))
    for entry in found.entries:
        message, params = audit_log.action_words(entry.action)
        table.add_row(
            entry.at.strftime("%Y-%m-%d %H:%M:%S"),
            entry.actor,
            _(message, **{k: _(v) for k, v in params.items()}),
            f"{_(audit_log.object_words(entry.target_type))} {entry.target_id}"
            if entry.target_type
            else "",
            "; ".join(
                f"{_(audit_log.detail_words(k))}: {_(audit_log.detail_value(v))}"
                for k, v in sorted(entry.detail.items())
            ),
        )
    console.print(table, markup=False, highlight=False)
    console.print(
        _("%(shown)s of %(n)s entries.", shown=len(found.entries), n=found.total),
        markup=False,
    )


@audit_app.command("export")
def audit_export(
    file: Annotated[Path, typer.Argument(dir_okay=False, help="XLSX file to write.")],
    who: Who = "",
    action: What = "",
    object_type: ObjectType = "",
    object_id: ObjectId = "",
    since: Since = "",
    until: Until = "",
    demo: DemoSwitch = False,
) -> None:
    """Write the entries that match to an XLSX file, with headings and codes in words."""
    wanted = _filter(who, action, object_type, object_id, since, until)
    settings = load_settings(demo)
    with command_session(settings) as session, progress_bar() as bar:
        total = audit_log.audit_page(session, wanted, per_page=1).total
        task = bar.add_task(_("Writing the files"), total=total)
        book = audit_log.audit_workbook(
            audit_log.audit_entries(session, wanted), _words, on_row=lambda: bar.advance(task)
        )
    file.write_bytes(book)
    console.print(_("Wrote %(n)s entries to %(file)s.", n=total, file=file), markup=False)
