"""Which database ``pingyi`` commands use, run as subprocesses: the server's or the demo's,
never a new empty one, and one sentence with exit code 2 when it is missing or unusable."""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from tests.cli_runs import PINGYI
from tests.cli_runs import cli_env as _env
from tests.cli_runs import run_cli as _run
from tests.servers import free_port as _free_port


def _no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr
    assert "sqlalchemy" not in result.stderr.lower() and "pydantic" not in result.stderr.lower()
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


@pytest.mark.own_sqlite
def test_reading_never_creates_a_database(tmp_path: Path) -> None:
    data = tmp_path / "data"
    for language, words in (("en", "There is no database at"), ("zh-CN", "没有数据库")):
        result = _run(
            tmp_path,
            "results",
            "satisfaction",
            "2",
            PINGYI_DATABASE_URL="",
            PINGYI_DEFAULT_LANGUAGE=language,
        )
        assert result.returncode == 2
        assert words in result.stderr and "pingyi migrate" in result.stderr
        _no_traceback(result)
    for command in (["codes", "status", "--batch", "1"], ["user", "create", "x1"]):
        assert _run(tmp_path, *command, PINGYI_DATABASE_URL="").returncode == 2
    assert not (data / "pingyi.db").exists()
    assert not (tmp_path / "cli.db").exists()


@pytest.mark.own_sqlite
def test_a_missing_secret_is_one_sentence(tmp_path: Path) -> None:
    for language, words in (("en", "PINGYI_SECRET_KEY is not set"), ("zh-CN", "未设置")):
        result = _run(
            tmp_path,
            "results",
            "satisfaction",
            "2",
            PINGYI_SECRET_KEY="",
            PINGYI_DEFAULT_LANGUAGE=language,
        )
        assert result.returncode == 2
        assert words in result.stderr and "PINGYI_SECRET_KEY" in result.stderr
        _no_traceback(result)


@pytest.mark.own_sqlite
def test_an_unmigrated_or_old_database_is_refused(tmp_path: Path) -> None:
    empty = tmp_path / "cli.db"
    empty.touch()
    result = _run(tmp_path, "results", "satisfaction", "2")
    assert result.returncode == 2 and "has no tables" in result.stderr
    _no_traceback(result)
    assert empty.stat().st_size == 0

    assert _run(tmp_path, "migrate").returncode == 0
    assert _run(tmp_path, "migrate", "--downgrade", "--revision", "-1").returncode == 0
    older = _run(tmp_path, "codes", "status", "--batch", "1")
    assert older.returncode == 2 and "run `pingyi migrate` first" in older.stderr
    _no_traceback(older)
    assert _run(tmp_path, "migrate").returncode == 0
    current = _run(tmp_path, "codes", "status", "--batch", "1")
    assert current.returncode == 1


def test_an_unreachable_postgresql_database_is_one_sentence(tmp_path: Path) -> None:
    configured = os.environ.get("PINGYI_TEST_DATABASE_URL", "")
    if not configured.startswith("postgresql"):
        pytest.skip("needs PINGYI_TEST_DATABASE_URL on PostgreSQL")
    missing = make_url(configured).set(database="pingyi_no_such_database")
    result = _run(
        tmp_path,
        "results",
        "satisfaction",
        "2",
        PINGYI_DATABASE_URL=missing.render_as_string(hide_password=False),
    )
    assert result.returncode == 2
    assert "Cannot open the database" in result.stderr
    assert "pingyi_no_such_database" in result.stderr
    _no_traceback(result)


@pytest.fixture
def demo_server(tmp_path: Path) -> Iterator[dict[str, str]]:
    """``pingyi serve --demo`` as the README starts it, with a data folder and no secret."""
    port = _free_port()
    env = _env(tmp_path)
    del env["PINGYI_DATABASE_URL"], env["PINGYI_MODE"], env["PINGYI_SECRET_KEY"]
    server = subprocess.Popen(
        [PINGYI, "serve", "--demo", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its writer process goes with it
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None, "the demo server stopped"
            assert time.monotonic() < deadline, "the demo server did not come up"
            time.sleep(0.3)
        yield env
    finally:
        # A graceful stop drains the writer; on a loaded machine that can outlast a short
        # wait, and a server left behind would hold its port and data folder.
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


@pytest.mark.own_sqlite
def test_commands_find_the_demo_database(tmp_path: Path, demo_server: dict[str, str]) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [PINGYI, *args],
            env=demo_server,
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
            check=False,
        )

    # Without --demo the command names the demo database instead of failing obscurely.
    plain = run("results", "satisfaction", "2")
    assert plain.returncode == 2 and "--demo" in plain.stderr
    assert str(tmp_path / "data" / "demo.db") in plain.stderr
    _no_traceback(plain)
    results = run("results", "satisfaction", "2", "--demo")
    assert results.returncode == 0, results.stderr
    body = json.loads(results.stdout)
    assert body["evaluation_id"] == 2 and len(body["units"]) == 30
    assert not (tmp_path / "data" / "pingyi.db").exists()

    # Codes issued through the CLI open ballots on the running demo server: same secret.
    out = tmp_path / "codes.csv"
    issued = run("codes", "issue", "--batch", "1", "--count", "3", "--out", str(out), "--demo")
    assert issued.returncode == 0, issued.stderr
    assert "\x1b[" not in issued.stderr  # no progress bar drawn into a pipe
    status = run("codes", "status", "--batch", "1", "--demo")
    assert status.returncode == 0 and "remaining" in status.stdout


@pytest.mark.own_sqlite
def test_long_commands_draw_a_progress_bar_on_a_terminal(tmp_path: Path) -> None:
    assert _run(tmp_path, "demo").returncode == 0
    main, terminal = pty.openpty()
    out = tmp_path / "cards.csv"
    command = subprocess.Popen(
        [PINGYI, "codes", "issue", "--batch", "1", "--count", "40", "--out", str(out)],
        env=_env(tmp_path, TERM="xterm"),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=terminal,
    )
    os.close(terminal)
    drawn = b""
    while True:
        ready, _, _ = select.select([main], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(main, 4096)
        except OSError:  # the terminal closes when the command ends
            break
        if not chunk:
            break
        drawn += chunk
    stdout, _ = command.communicate(timeout=60)
    os.close(main)
    assert command.returncode == 0
    assert b"/40" in drawn  # the cards drawn of 40
    assert b"Issued 40 codes" in stdout and b"\x1b[" not in stdout
