"""Accessors for what the app factory puts on ``app.state``."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from starlette.requests import HTTPConnection

from survey.config import Settings


def settings_of(connection: HTTPConnection) -> Settings:
    settings: Settings = connection.app.state.settings
    return settings


def engine_of(connection: HTTPConnection) -> Engine:
    engine: Engine = connection.app.state.engine
    return engine
