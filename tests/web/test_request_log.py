"""The real ``pingyi serve`` logs one JSON object per line, each with its request's id; survey
and ballot lines carry neither the client's address nor a receipt; a 500 is logged with its id
and traceback, and the id goes back to the client."""

from __future__ import annotations

import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from sqlmodel import Session

from survey import migrate
from survey.db import build_engine
from tests.bad_input import in_chinese
from tests.factories import TEST_SECRET, make_survey
from web.request_log import chosen_request_id

PINGYI = str(Path(sys.executable).with_name("pingyi"))
HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)">')
RECEIPT = re.compile(r'id="receipt">([A-Z0-9-]+)<')


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_up(server: subprocess.Popen[str], base: str) -> None:
    deadline = time.monotonic() + 240  # a loaded CI machine starts slowly
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert server.poll() is None, server.communicate()[1]
        assert time.monotonic() < deadline, "server did not come up"
        time.sleep(0.3)


def test_request_ids_and_json_lines(tmp_path: Path) -> None:
    database = tmp_path / "served.db"
    url = f"sqlite:///{database}"
    migrate.upgrade(url)
    engine = build_engine(url)
    with Session(engine) as session:
        survey, units, _ = make_survey(session, units=2, min_seconds=0)
        slug = survey.slug
        unit_codes = [u.code for u in units]
    engine.dispose()

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PINGYI_")}
    env.update(
        PINGYI_MODE="production",
        PINGYI_SECRET_KEY=TEST_SECRET,
        PINGYI_DATABASE_URL=url,
        PINGYI_DATA_DIR=str(tmp_path),
    )
    server = subprocess.Popen(
        [PINGYI, "serve", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_until_up(server, base)
        with httpx.Client(base_url=base, timeout=30) as client:
            # A citizen answers: the form, the post, the thank-you page with the receipt.
            form = client.get(f"/s/{slug}", headers={"X-Request-ID": "trace-form.1"})
            assert form.headers["x-request-id"] == "trace-form.1"
            fields = dict(HIDDEN.findall(form.text))
            fields.update({f"r.overall.{code}": "satisfied" for code in unit_codes})
            posted = client.post(f"/s/{slug}", data=fields, follow_redirects=False)
            assert posted.status_code == 303
            thanks = client.get(posted.headers["location"])
            receipt = RECEIPT.search(thanks.text)
            assert receipt, thanks.text
            # A delegate's mistyped code, and an office page with a query.
            enter = client.get("/b")
            token = enter.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
            refused = client.post("/b", data={"csrf_token": token, "code": "NOT-A-CODE"})
            assert refused.status_code == 400
            office = client.get(
                "/office/login", params={"next": "/office"}, headers={"X-Request-ID": 'a "b" c'}
            )
            insane_id = office.headers["x-request-id"]
            assert re.fullmatch(r"[0-9a-f]{32}", insane_id)
        # A fault of ours: a table gone from under the running server.
        with sqlite3.connect(database) as db:
            db.execute("PRAGMA foreign_keys = OFF")
            db.execute("ALTER TABLE unit RENAME TO unit_gone")
        with httpx.Client(base_url=base, timeout=30) as client:
            failed = client.get("/api/v1/units", headers={"X-Request-ID": "trace-500"})
        assert failed.status_code == 500
        assert failed.headers["x-request-id"] == "trace-500"
        assert in_chinese(failed.json()["error"]["message"])
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=30)

    lines = [json.loads(line) for line in stderr.splitlines() if line.strip()]
    assert lines, stderr
    for line in lines:
        assert {"time", "level", "logger", "message"} <= set(line), line
    access = [line for line in lines if line["logger"] == "pingyi.access"]
    for line in access:
        assert {"request_id", "method", "path", "status", "duration_ms"} <= set(line), line
        assert isinstance(line["duration_ms"], float | int)

    def find(path: str, method: str = "GET") -> dict[str, Any]:
        found = [a for a in access if a["path"] == path and a["method"] == method]
        assert found, (path, access)
        return found[0]

    assert find(f"/s/{slug}")["request_id"] == "trace-form.1"
    anonymous = [find(f"/s/{slug}"), find(f"/s/{slug}", "POST"), find(f"/s/{slug}/thanks")]
    anonymous += [find("/b"), find("/b", "POST")]
    for line in anonymous:
        assert "client" not in line and "query" not in line, line
    assert find(f"/s/{slug}", "POST")["status"] == 303
    assert find("/b", "POST")["status"] == 400
    login = find("/office/login")
    assert login["client"] == "127.0.0.1" and login["query"] == "next=%2Foffice"
    assert login["request_id"] == insane_id
    # No line anywhere holds the receipt.
    assert receipt.group(1) not in stderr
    assert receipt.group(1).replace("-", "") not in stderr

    failure = [line for line in lines if line.get("request_id") == "trace-500"]
    errors = [line for line in failure if line["level"] == "error"]
    assert len(errors) == 1, failure
    assert "no such table" in errors[0]["traceback"]
    assert find("/api/v1/units")["status"] == 500


def test_only_a_sane_request_id_is_taken() -> None:
    assert chosen_request_id("abc-123_x.y:z") == "abc-123_x.y:z"
    for insane in ("", "with space", 'quote"', "x" * 129, "换行\n", None):
        chosen = chosen_request_id(insane)
        assert re.fullmatch(r"[0-9a-f]{32}", chosen), insane
