"""``pingyi user`` and ``pingyi token``: office user accounts and API tokens."""

from __future__ import annotations

import sys
from datetime import timedelta
from typing import Annotated

import typer
from sqlmodel import Session

from survey import accounts, audit
from survey.security import new_password
from survey.timeutil import utcnow
from web.cli.common import DemoSwitch, _, command_session, console, err_console, load_settings

user_app = typer.Typer(help="Office user accounts.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens for integrations.", no_args_is_help=True)


def _record_and_commit(
    session: Session, action: str, target_type: str, target_id: str, **details: str
) -> None:
    # Unlike the other services, survey.accounts neither audits nor commits its changes, so the
    # command does both; the audit entry belongs in the service (left for a change of its own).
    audit.record(session, "cli", action, target_type=target_type, target_id=target_id, **details)
    session.commit()


@user_app.command("create")
def user_create(
    username: str,
    role: Annotated[str, typer.Option(help="admin, office, clerk, viewer or unit.")] = "office",
    unit: Annotated[str | None, typer.Option(help="Unit code, for the unit role.")] = None,
    display_name: Annotated[str, typer.Option(help="Name shown in the office.")] = "",
    password_stdin: Annotated[
        bool, typer.Option(help="Read the password from standard input instead of generating one.")
    ] = False,
    demo: DemoSwitch = False,
) -> None:
    """Create an office user; prints a generated password unless one comes on stdin."""
    settings = load_settings(demo)
    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    with command_session(settings) as session:
        chosen = password or new_password()
        user = accounts.create_user(
            session,
            username,
            chosen,
            accounts.parse_role(role),
            display_name=display_name,
            unit_code=unit,
        )
        _record_and_commit(session, "user.create", "user", user.username, role=role)
    console.print(_("Created user %(user)s with role %(role)s.", user=username, role=role))
    if password is None:
        console.print(_("Password (shown once): %(password)s", password=chosen))


@token_app.command("create")
def token_create(
    name: str,
    role: Annotated[str, typer.Option(help="Role the token acts with.")] = "office",
    user: Annotated[str | None, typer.Option(help="User the token belongs to.")] = None,
    days: Annotated[int | None, typer.Option(help="Expire after this many days.")] = None,
    demo: DemoSwitch = False,
) -> None:
    """Create an API token and print it once; only its hash is stored."""
    settings = load_settings(demo)
    with command_session(settings) as session:
        token, plaintext = accounts.create_token(
            session,
            name,
            accounts.parse_role(role),
            username=user,
            expires_at=utcnow() + timedelta(days=days) if days else None,
        )
        _record_and_commit(session, "token.create", "token", token.prefix, role=role)
    err_console.print(_("Token %(name)s (%(role)s), shown once:", name=name, role=role))
    print(plaintext)


@token_app.command("revoke")
def token_revoke(
    prefix: str,
    demo: DemoSwitch = False,
) -> None:
    """Revoke the token whose printed prefix is PREFIX."""
    settings = load_settings(demo)
    with command_session(settings) as session:
        token = accounts.revoke_token(session, prefix)
        _record_and_commit(session, "token.revoke", "token", token.prefix)
    console.print(_("Token %(prefix)s revoked.", prefix=prefix))
