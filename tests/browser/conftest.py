"""A live server in a thread and a headless Chromium driven by Playwright.

Chromium comes from Debian (``chromium``); without it these tests skip, unless
``PINGYI_REQUIRE_BROWSER=1`` (set by CI) turns the missing browser into a failure.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI

CHROMIUM = Path(os.environ.get("PINGYI_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def live_port() -> int:
    return _free_port()


@pytest.fixture
def public_base_url(live_port: int) -> str:
    """QR codes and links point at the live server, as they would at the real host."""
    return f"http://127.0.0.1:{live_port}"


@pytest.fixture
def live_server(app: FastAPI, live_port: int) -> Iterator[str]:
    port = live_port
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "live server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        if os.environ.get("PINGYI_REQUIRE_BROWSER") == "1":
            pytest.fail(f"Chromium is required but {CHROMIUM} does not exist")
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where browser tests save screenshots: ``PINGYI_SCREENSHOT_DIR`` to look at them later."""
    folder = Path(os.environ.get("PINGYI_SCREENSHOT_DIR") or tmp_path / "screens")
    folder.mkdir(parents=True, exist_ok=True)
    return folder
