"""Which database a command works with (the server's, or the demo's), and whether it is usable.

A command that reads must never create a database: SQLite creates an empty file on the first
connection, after which every query fails with a raw "no such table". So the file's existence
and the schema's revision are checked first, and each problem is one sentence for the operator.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path

from alembic.script import ScriptDirectory
from pydantic import ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from survey import migrate
from survey.config import Mode, Settings, configure, default_data_dir, get_settings
from survey.db import get_engine, is_sqlite
from survey.errors import N_
from survey.validation import problem_message
from web.cli.words import _, language
from web.i18n import translate

DEMO_DATABASE = "demo.db"

# The sentences survey.config raises; the catalogue words them in the operator's language.
_CONFIG_PROBLEMS = (
    N_("PINGYI_DEFAULT_LANGUAGE must be one of zh-CN, en"),
    N_("PINGYI_SECRET_KEY must be at least 32 characters long"),
)


def demo_database(data_dir: Path) -> Path:
    """The SQLite file ``pingyi serve --demo`` starts afresh and serves."""
    return data_dir / DEMO_DATABASE


def demo_mode() -> str:
    """The mode ``serve --demo`` runs in: the environment's, else demo (a development secret)."""
    return os.environ.get("PINGYI_MODE", Mode.demo)


def find_settings(demo: bool) -> Settings:
    """The settings the server runs with; ``demo``: those of ``pingyi serve --demo``, which
    chooses its mode and database this way (see ``web.cli.server``)."""
    if not demo:
        return get_settings()
    data_dir = configure(mode=demo_mode()).data_dir
    return configure(mode=demo_mode(), database_url=f"sqlite:///{demo_database(data_dir)}")


def _data_dir() -> Path:
    """The data folder as the settings would read it, for hints when they do not load."""
    configured = os.environ.get("PINGYI_DATA_DIR", "")
    return Path(configured) if configured else default_data_dir()


def settings_problem(error: ValidationError, demo: bool) -> str:
    """Why the settings did not load, in one sentence."""
    first = error.errors()[0]
    if first["loc"]:
        name = "PINGYI_" + str(first["loc"][0]).upper()
        return _(
            "The setting %(name)s is not valid: %(problem)s.",
            name=name,
            problem=translate(language(), problem_message(first)),
        )
    problem = str(first["msg"]).removeprefix("Value error, ")
    if problem.startswith("PINGYI_SECRET_KEY is missing"):
        demo_file = demo_database(_data_dir())
        if not demo and demo_file.is_file():
            return _(
                "PINGYI_SECRET_KEY is not set: add --demo to use the demo database "
                "%(path)s, or set the secret the server uses.",
                path=demo_file,
            )
        return _(
            "PINGYI_SECRET_KEY is not set: set the secret the server uses "
            "(PINGYI_MODE=development runs without one)."
        )
    return _(problem) + ("" if problem.endswith(".") else ".")


def check_database(settings: Settings) -> str | None:
    """None when the database exists and its schema is this version's; else the problem."""
    url = settings.resolved_database_url
    shown = make_url(url).render_as_string(hide_password=True)
    if is_sqlite(url):
        file = make_url(url).database or ""
        if file and file != ":memory:" and not Path(file).is_file():
            return _missing_file(Path(file), settings)
        shown = file
    try:
        current = _sqlite_revision(Path(shown)) if is_sqlite(url) else _server_revision(settings)
    except (DBAPIError, sqlite3.Error) as error:
        cause = error.orig if isinstance(error, DBAPIError) else error
        reason = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
        return _("Cannot open the database %(url)s: %(reason)s", url=shown, reason=reason)
    head = migrate.head_revision(url)
    if current == head:
        return None
    if current is None:
        return _(
            "The database %(url)s has no tables: run `pingyi migrate` first, or point "
            "PINGYI_DATABASE_URL at the server's database.",
            url=shown,
        )
    known = {
        script.revision
        for script in ScriptDirectory.from_config(migrate.alembic_config(url)).walk_revisions()
    }
    if current in known:
        return _(
            "The database %(url)s is at schema revision %(current)s, this version needs "
            "%(head)s: run `pingyi migrate` first.",
            url=shown,
            current=current,
            head=head,
        )
    return _(
        "The database %(url)s is at schema revision %(current)s, which this version does not "
        "know: use the newer Pingyi that migrated it.",
        url=shown,
        current=current,
    )


def _sqlite_revision(file: Path) -> str | None:
    """The schema revision of an SQLite file, read without writing to it (the engine would
    turn an empty file into a database on connecting, to set its journal mode)."""
    if not file.name or str(file) == ":memory:":
        return None
    with closing(sqlite3.connect(f"{file.resolve().as_uri()}?mode=ro", uri=True)) as connection:
        if not connection.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
        ).fetchone():
            return None
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        return str(row[0]) if row else None


def _server_revision(settings: Settings) -> str | None:
    return migrate.current_revision(get_engine(settings))


def _missing_file(file: Path, settings: Settings) -> str:
    demo_file = demo_database(settings.data_dir)
    if file == demo_file:
        return _(
            "There is no demo database at %(path)s: start `pingyi serve --demo` first "
            "(with the same PINGYI_DATA_DIR).",
            path=file,
        )
    if demo_file.is_file():
        return _(
            "There is no database at %(path)s; the demo's is %(demo)s: add --demo to use it.",
            path=file,
            demo=demo_file,
        )
    return _(
        "There is no database at %(path)s: run `pingyi migrate` first, or set "
        "PINGYI_DATABASE_URL (or PINGYI_DATA_DIR) to the server's.",
        path=file,
    )
