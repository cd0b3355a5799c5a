"""Small guards for values that come from the browser."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import HTTPConnection


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
