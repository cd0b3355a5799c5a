"""The ``pingyi`` command, run as an operator runs it: as a subprocess."""

from __future__ import annotations

import sqlite3
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.cli_runs import PINGYI, demo_into
from tests.cli_runs import cli_env as _env
from tests.cli_runs import run_cli as _run
from tests.servers import free_port as _free_port

pytestmark = pytest.mark.own_sqlite  # pingyi runs on a SQLite file in the test's folder


def test_help_explains_each_command(tmp_path: Path) -> None:
    result = _run(tmp_path, "--help")
    assert result.returncode == 0
    for command in ("serve", "migrate", "demo", "user", "token"):
        assert command in result.stdout
    assert "--demo" in _run(tmp_path, "serve", "--help").stdout


def test_refuses_production_without_a_secret(tmp_path: Path) -> None:
    result = _run(tmp_path, "migrate", PINGYI_SECRET_KEY="")
    assert result.returncode == 2
    assert "PINGYI_SECRET_KEY" in result.stderr


def test_migrate_demo_user_and_token(tmp_path: Path) -> None:
    migrated = _run(tmp_path, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    assert "Database schema at revision" in migrated.stdout
    loaded = _run(tmp_path, "demo")
    assert loaded.returncode == 0, loaded.stderr
    assert "48 units in 8 categories" in loaded.stdout
    assert "Office login: user office, password" in loaded.stdout
    again = _run(tmp_path, "demo")
    assert again.returncode == 1 and "already holds units" in again.stderr

    created = _run(
        tmp_path,
        "user",
        "create",
        "analyst",
        "--role",
        "viewer",
        "--password-stdin",
        stdin="a long enough password\n",
    )
    assert created.returncode == 0, created.stderr
    assert "Password (shown once)" not in created.stdout
    generated = _run(tmp_path, "user", "create", "admin1", "--role", "admin")
    assert "Password (shown once)" in generated.stdout
    bad_role = _run(tmp_path, "user", "create", "x1", "--role", "king")
    assert bad_role.returncode == 1 and "Unknown role king" in bad_role.stderr

    token = _run(tmp_path, "token", "create", "stats-bureau", "--role", "office")
    assert token.returncode == 0, token.stderr
    plaintext = token.stdout.strip()
    assert plaintext.startswith("pyt_") and len(plaintext) > 40
    revoked = _run(tmp_path, "token", "revoke", plaintext[:10])
    assert revoked.returncode == 0, revoked.stderr


def _wait_until_up(server: subprocess.Popen[str], port: int) -> None:
    """Until the real server answers /healthz (or fails the test if it exits or takes 60 s)."""
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert server.poll() is None, server.stdout.read() if server.stdout else ""
        assert time.monotonic() < deadline, "server did not come up"
        time.sleep(0.3)


@pytest.mark.parametrize("workdir", ["tmp", "root"])
def test_serve_demo_from_any_directory(tmp_path: Path, workdir: str) -> None:
    port = _free_port()
    env = _env(tmp_path)
    del env["PINGYI_DATABASE_URL"]
    env["PINGYI_MODE"] = "demo"
    env["PINGYI_SECRET_KEY"] = ""
    server = subprocess.Popen(
        [PINGYI, "serve", "--demo", "--port", str(port)],
        env=env,
        cwd=tmp_path if workdir == "tmp" else "/",
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _wait_until_up(server, port)
        units = httpx.get(f"http://127.0.0.1:{port}/api/v1/units", timeout=5).json()
        assert len(units) == 48 and all(u["category"] for u in units)
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=20)
    assert "Office login: user office, password" in output
    assert (tmp_path / "data" / "demo.db").exists()


def test_survey_export_and_import(tmp_path: Path) -> None:
    assert demo_into(tmp_path).returncode == 0
    exported = _run(tmp_path, "survey", "export", "1")
    assert exported.returncode == 0, exported.stderr
    assert "title: 2026年度市直部门群众满意度调查" in exported.stdout
    definition = tmp_path / "survey.yaml"
    definition.write_text(exported.stdout.replace("2026年度", "2027年度"), encoding="utf-8")
    imported = _run(tmp_path, "survey", "import", str(definition), "--evaluation", "2")
    assert imported.returncode == 0, imported.stderr
    # The demo holds two surveys (the citizens' survey and the service-window survey).
    assert "Created survey 3: " in imported.stdout
    broken = tmp_path / "broken.yaml"
    broken.write_text("title: x\ngroups: [citizens]\nquestions: []\n", encoding="utf-8")
    refused = _run(tmp_path, "survey", "import", str(broken), "--evaluation", "2")
    assert refused.returncode == 1
    assert "not valid at questions" in refused.stderr


@pytest.mark.parametrize(
    ("option", "seen"), [([], "127.0.0.1"), (["--forwarded-allow-ips", "127.0.0.1"], "203.0.113.9")]
)
def test_forwarded_addresses_are_believed_only_from_named_proxies(
    tmp_path: Path, option: list[str], seen: str
) -> None:
    """By default a client cannot choose its address (and with it a fresh allowance of sign-in
    and code guesses) by sending X-Forwarded-For; a proxy the operator names is believed."""
    port = _free_port()
    env = _env(tmp_path)
    del env["PINGYI_DATABASE_URL"]
    env["PINGYI_MODE"] = "demo"
    server = subprocess.Popen(
        [PINGYI, "serve", "--demo", "--port", str(port), *option],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(server, port)
        with httpx.Client(base_url=base, timeout=10) as client:
            form = client.get("/office/login").text
            token = form.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
            refused = client.post(
                "/office/login",
                data={"username": "office", "password": "not the password", "csrf_token": token},
                headers={"X-Forwarded-For": "203.0.113.9"},
            )
        assert refused.status_code == 400
    finally:
        server.terminate()
        server.communicate(timeout=20)
    with sqlite3.connect(tmp_path / "data" / "demo.db") as db:
        addresses = db.execute(
            "SELECT ip FROM audit_log WHERE action = 'auth.login_failed'"
        ).fetchall()
    assert addresses == [(seen,)]
