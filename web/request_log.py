"""Structured logs: one JSON object per line, each tied to its request by a request id.

Every request gets an id: a sane ``X-Request-ID`` from the client or balancer (so one id
follows a request through the proxies), else a new random one; it goes back in the response's
``X-Request-ID`` header and into every log line written while the request runs (a context
variable, so lines from the app, the database layer and the error handler all carry it).

``RequestLog`` writes the access line itself (method, path, status, duration), because
uvicorn's access line knows neither the id nor the time taken. On the citizens' survey and
the delegates' ballot paths the line carries no client address and no query string: those
would tie a household's or a delegate's address to the moment of an answer, while the forms
promise anonymity (receipts and codes never travel in addresses at all).

``log_config`` is the logging set-up ``pingyi serve`` hands to uvicorn: every logger's lines
as JSON on stderr.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import time
import traceback
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web.access_log import anonymous_path

REQUEST_ID_HEADER = "x-request-id"
_HEADER_BYTES = REQUEST_ID_HEADER.encode()
# What an incoming id may look like: short, printable, no spaces or quotes (it is logged and
# echoed in a header). Anything else is replaced by an id of our own.
_SANE_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")

request_id_var: ContextVar[str] = ContextVar("request_id", default="")
access_log = logging.getLogger("pingyi.access")


def new_request_id() -> str:
    return secrets.token_hex(16)


def current_request_id() -> str:
    return request_id_var.get()


def chosen_request_id(sent: str | None) -> str:
    """The client's id when it is sane, else a new one."""
    if sent and _SANE_ID.fullmatch(sent):
        return sent
    return new_request_id()


class RequestLog:
    """Give each request its id, echo it in the response, and log the request when done."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        sent = headers.get(_HEADER_BYTES)
        request_id = chosen_request_id(sent.decode("latin-1") if sent else None)
        # Not reset afterwards: each request runs in a task (and context) of its own, and the
        # app's 500 handler, which runs outside this middleware, still logs with the id.
        request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                # The 500 handler sets it already (its responses may bypass this middleware).
                if not any(name.lower() == _HEADER_BYTES for name, _ in headers):
                    headers.append((_HEADER_BYTES, request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            _log_access(scope, status, (time.perf_counter() - started) * 1000)


def _log_access(scope: Scope, status: int, duration_ms: float) -> None:
    if not access_log.isEnabledFor(logging.INFO):
        return
    path: str = scope.get("path", "")
    fields: dict[str, Any] = {
        "method": scope.get("method", ""),
        "path": path,
        "status": status,
        "duration_ms": round(duration_ms, 1),
    }
    if not anonymous_path(path):
        query = scope.get("query_string", b"")
        if query:
            fields["query"] = query.decode("latin-1")
        client = scope.get("client")
        if client:
            fields["client"] = client[0]
    access_log.info("%s %s %s", fields["method"], path, status, extra={"fields": fields})


class JsonFormatter(logging.Formatter):
    """A log record as one line of JSON: time, level, logger, message, the request's id, the
    access line's fields where there are some, and the traceback of an exception."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = current_request_id()
        if request_id:
            line["request_id"] = request_id
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line.update(fields)
        if record.exc_info and record.exc_info[0] is not None:
            line["error"] = record.exc_info[0].__name__
            line["traceback"] = "".join(traceback.format_exception(*record.exc_info))
        return json.dumps(line, ensure_ascii=False, default=str)


class SkipUvicornAccess(logging.Filter):
    """uvicorn's own access line: ``RequestLog`` writes a better one (with the id and the
    time taken, without a survey respondent's address)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return False


class SkipDuplicateTraceback(logging.Filter):
    """uvicorn logs an exception the app's 500 handler has already logged with its request id
    ("Exception in ASGI application"); the second copy is dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (
            record.name == "uvicorn.error"
            and record.getMessage().startswith("Exception in ASGI application")
            and bool(current_request_id())
        )


def log_config(level: str = "info") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for uvicorn: every line JSON, on stderr."""
    level = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "web.request_log.JsonFormatter"}},
        "filters": {
            "skip_uvicorn_access": {"()": "web.request_log.SkipUvicornAccess"},
            "skip_duplicate_traceback": {"()": "web.request_log.SkipDuplicateTraceback"},
        },
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
                "filters": ["skip_duplicate_traceback"],
            }
        },
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {
            "uvicorn": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.error": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.access": {
                "handlers": [],
                "level": level,
                "propagate": True,
                "filters": ["skip_uvicorn_access"],
            },
        },
    }
