"""The database out of reach: every kind of page answers a clear 503 that says to try again,
never a 500, and nothing is stored half-way."""

from __future__ import annotations

import socket

from fastapi.testclient import TestClient

from survey.config import Settings
from web.app import create_app


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_every_kind_of_page_says_unavailable_when_the_database_is_gone(
    settings: Settings,
) -> None:
    gone = f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/nowhere"
    app = create_app(settings.model_copy(update={"database_url": gone}), check_schema=False)
    client = TestClient(app, base_url="https://testserver")
    page = client.get("/")
    assert page.status_code == 503 and page.headers["retry-after"] == "5"
    assert "服务暂时不可用，请稍后重试。" in page.text
    api = client.get("/api/v1/units")
    assert api.status_code == 503
    assert api.json()["error"] == {"code": "unavailable", "message": "服务暂时不可用，请稍后重试。"}
    assert client.get("/office/login").status_code in (200, 503)
    signed = client.post("/office/login", data={"username": "x", "password": "y"})
    assert signed.status_code in (403, 503)  # refused by CSRF first, or unavailable
    assert client.get("/healthz").status_code == 503
