"""Runtime settings, read from ``PINGYI_*`` environment variables."""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# A well-known value: anyone who reads the source knows it, so it may only sign demo cookies.
DEVELOPMENT_SECRET = "pingyi-development-secret-do-not-use-in-production"  # noqa: S105
SUPPORTED_LANGUAGES = ("zh-CN", "en")


class Mode(StrEnum):
    production = "production"
    development = "development"
    demo = "demo"
    test = "test"


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "pingyi"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PINGYI_", extra="ignore")

    mode: Mode = Mode.production
    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str = ""
    secret_key: str = ""
    redis_url: str = ""
    public_base_url: str = "http://127.0.0.1:8000"
    default_language: str = "zh-CN"
    session_hours: int = Field(default=12, ge=1, le=24 * 30)
    sqlite_busy_timeout_ms: int = Field(default=5000, ge=0)
    log_level: str = "info"
    # Per-address limits on survey submissions in a window. Above the soft limit answers are
    # still stored, flagged for the office to review (a meeting room shares one address);
    # above the hard limit they are refused.
    survey_rate_window_seconds: int = Field(default=600, ge=1)
    survey_rate_soft_limit: int = Field(default=300, ge=1)
    survey_rate_hard_limit: int = Field(default=3000, ge=1)
    # A citizen answer that rates at least this many units all at one level (不了解 aside) is
    # stored flagged as identical ratings (straight-lining) for the office to review.
    survey_identical_ratings_units: int = Field(default=8, ge=2)
    # Wrong ballot codes (well-formed, but unknown) tolerated per address in a window. Typos
    # are caught by the check character and do not count, so a meeting room behind one
    # address is not blocked by its delegates' slips.
    ballot_guess_limit: int = Field(default=20, ge=1)
    ballot_guess_window_seconds: int = Field(default=600, ge=1)
    # Ballot secrecy below the row level (see survey/ballots/box.py): codes are consumed and
    # ballots stored in groups of at least this many, so that no transaction id, log commit or
    # page order pairs fewer ballots with fewer codes. A lone cast waits at most the mix wait,
    # then commits in a smaller group (the documented limit).
    # At most 32: each waiting cast holds one of the request threadpool's 40 threads, so a
    # group can always fill before the threads run out.
    ballot_anonymity_set: int = Field(default=5, ge=1, le=32)
    ballot_mix_wait_seconds: float = Field(default=3.0, ge=0, le=60)
    # PostgreSQL: closing a batch runs VACUUM on the ballot tables, which removes the old row
    # versions but may leave their bytes in the free space of a page until it is reused.
    # VACUUM FULL rewrites the tables so that not even those bytes remain, at the price of
    # locking the response tables (citizen surveys wait) for the length of the rewrite.
    ballot_close_vacuum_full: bool = False
    # The clean-up after a close waits this long for transactions that began before it
    # (they keep old row versions on disk); then it runs, and says if some remained.
    ballot_close_wait_seconds: float = Field(default=30.0, ge=0, le=600)
    # Where survey submissions are written: "process" (a child process per app process, so
    # the database driver does not compete with the requests for the GIL) or "thread" (a
    # thread of the app process). Empty: "process", except in test mode, whose many
    # short-lived apps would each start a child.
    submission_writer: str = Field(default="", pattern="^(|process|thread)$")

    @model_validator(mode="after")
    def _check(self) -> Settings:
        if self.default_language not in SUPPORTED_LANGUAGES:
            raise ValueError(
                f"PINGYI_DEFAULT_LANGUAGE must be one of {', '.join(SUPPORTED_LANGUAGES)}"
            )
        relaxed = self.mode in (Mode.development, Mode.demo, Mode.test)
        if not self.secret_key or self.secret_key == DEVELOPMENT_SECRET:
            if not relaxed:
                raise ValueError(
                    "PINGYI_SECRET_KEY is missing or is the published development default; "
                    "set a long random value (for example `python -c 'import secrets; "
                    "print(secrets.token_urlsafe(48))'`) or run with PINGYI_MODE=development"
                )
            self.secret_key = DEVELOPMENT_SECRET
        elif len(self.secret_key) < 32 and not relaxed:
            raise ValueError("PINGYI_SECRET_KEY must be at least 32 characters long")
        self.public_base_url = self.public_base_url.rstrip("/")
        return self

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'pingyi.db'}"

    @property
    def writer_in_child_process(self) -> bool:
        if self.submission_writer:
            return self.submission_writer == "process"
        return self.mode is not Mode.test

    @property
    def secure_cookies(self) -> bool:
        return self.public_base_url.startswith("https://")


_settings: Settings | None = None


def get_settings() -> Settings:
    """The process-wide settings, read from the environment on first use."""
    global _settings
    if _settings is None:
        _settings = Settings()
    return _settings


def configure(**overrides: Any) -> Settings:
    """Replace the process-wide settings (the CLI and tests call this before building the app)."""
    global _settings
    _settings = Settings(**overrides)
    return _settings
