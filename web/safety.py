"""Small guards for values that come from the browser."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from starlette.requests import HTTPConnection

from survey.errors import N_, NotFound
from survey.schemas import LARGEST_ID
from web.forms import RepeatedField


def local_path(candidate: str, fallback: str) -> str:
    """``candidate`` if it is a path on this site, else ``fallback`` (no open redirects)."""
    if not candidate or not candidate.startswith("/") or candidate.startswith("//"):
        return fallback
    parts = urlsplit(candidate)
    if parts.scheme or parts.netloc or "\\" in candidate:
        return fallback
    return candidate


def client_ip(connection: HTTPConnection) -> str:
    # Behind a balancer uvicorn's --forwarded-allow-ips puts the real address here.
    return connection.client.host if connection.client else ""


def _beyond_id_range(value: object) -> bool:
    digits = isinstance(value, str) and value.isascii() and value.lstrip("-").isdigit()
    return digits and abs(int(str(value))) > LARGEST_ID


def ids_in_range(request: Request) -> None:
    """Answer 404 for an address or id filter that no row can have, before any query sees it:
    SQLite cannot bind it and PostgreSQL refuses it, which would otherwise end in a 500.

    Integer query parameters with bounds of their own (a page size, a seed) are left to them.
    """
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    for field in getattr(dependant, "path_params", ()):
        if field.field_info.annotation is int and _beyond_id_range(
            request.path_params.get(field.alias)
        ):
            raise NotFound(N_("The page you asked for does not exist."))
    for field in getattr(dependant, "query_params", ()):
        an_id = field.field_info.annotation in (int, int | None) and not field.field_info.metadata
        if an_id and _beyond_id_range(request.query_params.get(field.alias)):
            raise NotFound(N_("The page you asked for does not exist."))


class _Repeated(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _refuse_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise _Repeated(key)
        found[key] = value
    return found


async def json_keys_once(request: Request) -> None:
    """Refuse a JSON body that names a key twice in one object.

    Python's JSON reader keeps the last of repeated keys without a word, so
    ``{"weight": 0.2, "weight": 0.8}`` would store whichever a client happened to write last;
    which one was meant cannot be known. A body that is not JSON at all is left to FastAPI's
    own reader, which refuses it.
    """
    if request.method not in ("POST", "PUT", "PATCH"):
        return
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if not (content_type == "application/json" or content_type.endswith("+json")):
        return
    try:
        json.loads(await request.body(), object_pairs_hook=_refuse_repeated_keys)
    except _Repeated as repeated:
        raise RepeatedField(name=repeated.key) from None
    except ValueError:
        return
