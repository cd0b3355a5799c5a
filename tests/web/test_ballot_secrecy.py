"""Ballot secrecy below the row level: ballots cast over HTTP, then every pairing tried.

During voting, each transaction that stores ballots must store at least k of them and use at
least k codes, whatever trace is read: PostgreSQL's ``xmin`` and ``ctid``, SQLite's write-ahead
log replayed commit by commit. After the batch closes, no old ballot id or row version is left
in the files (``pageinspect`` on PostgreSQL, the bytes of the SQLite file and log). And a
server killed with SIGKILL while delegates vote loses no acknowledged ballot.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, select

from survey.ballots import service
from survey.config import Settings
from survey.models import Answer, Response
from tests.factories import ACTOR, TEST_SECRET, make_ballot

K = 5
LEVELS = ["satisfied", "basically_satisfied", "dissatisfied"]


@pytest.fixture
def mixing(settings: Settings) -> Settings:
    """The production rule (groups of at least 5) with a wait long enough for each wave."""
    settings.ballot_anonymity_set = K
    settings.ballot_mix_wait_seconds = 20.0
    return settings


def _encode(index: int, units: list[Any]) -> dict[str, str]:
    """A distinct ballot for each index: its digits in base 3 over the units."""
    digits = {}
    for unit in units:
        digits[unit.code] = LEVELS[index % 3]
        index //= 3
    return digits


def _decode(levels: dict[int, str], units: list[Any]) -> int:
    return sum(LEVELS.index(levels[u.id]) * 3**i for i, u in enumerate(units))


def _cast_wave(client: TestClient, wave: list[tuple[str, dict[str, str]]]) -> list[int]:
    """Cast a wave of ballots at once, as delegates in a room do; their status codes."""

    def one(item: tuple[str, dict[str, str]]) -> int:
        body = {"code": item[0], "answers": item[1], "confirm_uniform": True}
        return client.post("/api/v1/ballots", json=body).status_code

    with ThreadPoolExecutor(max_workers=len(wave)) as pool:
        return list(pool.map(one, wave))


def _vote(client: TestClient, issued: list[str], units: list[Any], waves: int) -> None:
    """``waves`` waves of k delegates, then one of k with a code typed twice by two people."""
    for w in range(waves):
        wave = [(issued[w * K + i], _encode(w * K + i, units)) for i in range(K)]
        assert _cast_wave(client, wave) == [201] * K
    start = waves * K
    wave = [(issued[start + i], _encode(start + i, units)) for i in range(K)]
    wave.append((issued[start], _encode(start + K, units)))  # the same code again
    outcome = Counter(_cast_wave(client, wave))
    assert outcome == {201: K, 409: 1}


def _sqlite_path(engine: Engine) -> Path:
    database = make_url(str(engine.url)).database
    assert database
    return Path(database)


def _read_outside(path: Path) -> bytes:
    """The bytes of a file of the live database, read by another process.

    SQLite's locks are POSIX advisory locks, which belong to a process and are all released
    when that process closes ANY descriptor of the file: reading the database with open() and
    close() here would silently drop the locks of this process's own connections, and a writer
    process could then take the database for unused and remove its log under them (seen as a
    later "disk I/O error" and lost rows). ``cat`` in a child process holds no lock to lose.
    """
    return subprocess.run(["cat", str(path)], capture_output=True, check=True).stdout


def _checkpoint(engine: Engine) -> None:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        busy = connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)")).one()[0]
    assert busy == 0


def _wal_commits(wal: bytes) -> list[int]:
    """The length of the log up to and including each commit frame (see sqlite.org/fileformat2)."""
    page_size = struct.unpack(">I", wal[8:12])[0]
    frame = 24 + page_size
    ends = []
    for offset in range(32, len(wal) - frame + 1, frame):
        if struct.unpack(">I", wal[offset + 4 : offset + 8])[0]:  # "database size after commit"
            ends.append(offset + frame)
    return ends


def _replay(database: bytes, wal: bytes, end: int, folder: Path, batch_id: int) -> tuple[int, int]:
    """Ballots and used codes of the batch in the database as of the commit ending at ``end``."""
    folder.mkdir()
    (folder / "x.db").write_bytes(database)
    (folder / "x.db-wal").write_bytes(wal[:end])
    with sqlite3.connect(folder / "x.db") as connection:
        ballots = connection.execute(
            "SELECT count(*) FROM response WHERE ballot_batch_id = ?", (batch_id,)
        ).fetchone()[0]
        used = connection.execute(
            "SELECT count(*) FROM ballot_code WHERE batch_id = ? AND status = 'used'", (batch_id,)
        ).fetchone()[0]
    connection.close()
    return ballots, used


def test_every_trace_of_voting_pairs_at_least_k_ballots_with_k_codes(
    client: TestClient, session: Session, engine: Engine, mixing: Settings, tmp_path: Path
) -> None:
    batch, units, issued = make_ballot(session, units=4, codes=30, uniform_rule="allow")
    assert batch.id is not None
    postgres = engine.dialect.name == "postgresql"
    if not postgres:
        _checkpoint(engine)  # the log now holds only what voting writes
    _vote(client, issued, units, waves=4)
    if postgres:
        _check_xmin_and_ctid(engine, batch.id, units, issued)
    else:
        _check_wal_commit_by_commit(engine, batch.id, tmp_path)


def _check_wal_commit_by_commit(engine: Engine, batch_id: int, tmp_path: Path) -> None:
    path = _sqlite_path(engine)
    database = _read_outside(path)
    wal = _read_outside(Path(f"{path}-wal"))
    before = (0, 0)
    seen = []
    for n, end in enumerate(_wal_commits(wal)):
        after = _replay(database, wal, end, tmp_path / f"commit{n}", batch_id)
        added, used = after[0] - before[0], after[1] - before[1]
        if added or used:
            seen.append((added, used))
            assert added >= K and used >= K, f"commit {n} adds {added} ballots, uses {used} codes"
        before = after
    assert sum(a for a, _ in seen) == 5 * K and len(seen) >= 2


def _check_xmin_and_ctid(
    engine: Engine, batch_id: int, units: list[Any], issued: list[str]
) -> None:
    with engine.connect() as connection:
        pairs = connection.execute(
            text(
                "SELECT r.xmin::text, count(DISTINCT r.id), count(DISTINCT c.code_hash) "
                "FROM response r JOIN ballot_code c ON c.xmin = r.xmin "
                "WHERE r.ballot_batch_id = :b GROUP BY r.xmin::text"
            ),
            {"b": batch_id},
        ).all()
        ballots = connection.execute(
            text(
                "SELECT xmin::text, count(*) FROM response WHERE ballot_batch_id = :b "
                "GROUP BY xmin::text"
            ),
            {"b": batch_id},
        ).all()
        used = connection.execute(
            text(
                "SELECT xmin::text, count(*) FROM ballot_code "
                "WHERE batch_id = :b AND status = 'used' GROUP BY xmin::text"
            ),
            {"b": batch_id},
        ).all()
        by_ctid = connection.execute(
            text(
                "SELECT r.xmin::text, a.unit_id, a.level FROM response r "
                "JOIN answer a ON a.response_id = r.id "
                "WHERE r.ballot_batch_id = :b ORDER BY r.ctid, a.seq"
            ),
            {"b": batch_id},
        ).all()
        codes_by_ctid = connection.execute(
            text(
                "SELECT xmin::text, serial FROM ballot_code "
                "WHERE batch_id = :b AND status = 'used' ORDER BY ctid"
            ),
            {"b": batch_id},
        ).all()
    assert all(n >= K for _, n in ballots), ballots
    assert all(n >= K for _, n in used), used
    assert sum(n for _, n in ballots) == 5 * K and len(ballots) >= 2
    assert pairs and all(b >= K and c >= K for _, b, c in pairs), pairs
    # The ctid attack: take the ballots and the codes of each transaction in physical order and
    # pair them off. The ballots went in shuffled, so the pairing is a lottery, not a record.
    ballots_in_order: dict[str, list[int]] = {}
    levels: dict[int, str] = {}
    for xmin, unit_id, level in by_ctid:
        levels[unit_id] = level
        if len(levels) == len(units):
            ballots_in_order.setdefault(xmin, []).append(_decode(levels, units))
            levels = {}
    serials_in_order: dict[str, list[int]] = {}
    for xmin, serial in codes_by_ctid:
        serials_in_order.setdefault(xmin, []).append(serial)
    assert all(len(v) >= K for v in ballots_in_order.values())
    # Ballot i was cast with code serial i + 1 (the duplicate in the last wave lost or won with
    # the same code, so its index is one of the wave's).
    right = sum(
        index + 1 == serial
        for xmin, indexes in ballots_in_order.items()
        for index, serial in zip(indexes, serials_in_order.get(xmin, []), strict=False)
    )
    assert right < 5 * K


def _old_ids(session: Session, batch_id: int) -> set[str]:
    session.expire_all()
    return set(session.exec(select(Response.id).where(Response.ballot_batch_id == batch_id)))


@pytest.mark.parametrize("vacuum_full", [False, True], ids=["vacuum", "vacuum-full"])
def test_closing_leaves_no_old_id_row_version_or_fine_time(
    client: TestClient, session: Session, engine: Engine, mixing: Settings, vacuum_full: bool
) -> None:
    if vacuum_full and engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL setting")
    mixing.ballot_close_vacuum_full = vacuum_full
    batch, units, issued = make_ballot(session, units=4, codes=30, uniform_rule="allow")
    assert batch.id is not None
    _vote(client, issued, units, waves=2)
    old = _old_ids(session, batch.id)
    assert len(old) == 3 * K
    service.set_status(session, batch.id, "closed", ACTOR)  # type: ignore[arg-type]
    new = _old_ids(session, batch.id)
    assert len(new) == 3 * K and not new & old  # every ballot has a new id
    session.expire_all()
    times = session.exec(
        select(Response.submitted_at).where(Response.ballot_batch_id == batch.id)
    ).all()
    assert all((t.hour, t.minute, t.second, t.microsecond) == (0, 0, 0, 0) for t in times)
    assert session.exec(
        select(Answer).where(Answer.response_id.in_(new))  # type: ignore[attr-defined]
    ).all()
    if engine.dialect.name == "postgresql":
        _check_no_old_tuples(engine, batch.id, old, raw=vacuum_full)
    else:
        path = _sqlite_path(engine)
        files = _read_outside(path) + _read_outside(Path(f"{path}-wal"))
        left = [i for i in old if i.encode() in files]
        assert not left, f"{len(left)} old ballot ids are still in the SQLite files"


def _check_no_old_tuples(engine: Engine, batch_id: int, old: set[str], *, raw: bool) -> None:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("CREATE EXTENSION IF NOT EXISTS pageinspect"))
        joined = connection.execute(
            text(
                "SELECT count(*) FROM response r JOIN ballot_code c ON c.xmin = r.xmin "
                "WHERE r.ballot_batch_id = :b"
            ),
            {"b": batch_id},
        ).scalar_one()
        assert joined == 0  # the ballots now share only the close's transaction
        for table in ("response", "answer", "comment"):
            blocks = connection.execute(
                text("SELECT pg_relation_size(:t) / current_setting('block_size')::int"),
                {"t": table},
            ).scalar_one()
            for block in range(blocks):
                # A tuple deleted or replaced (an xmax that is not a mere row lock, such as
                # the key-share lock an answer's foreign key takes) is an old row version.
                items = connection.execute(
                    text(
                        "SELECT t_xmax <> 0 AND t_infomask & 128 = 0, t_data "
                        "FROM heap_page_items(get_raw_page(:t, :n)) WHERE t_data IS NOT NULL"
                    ),
                    {"t": table, "n": block},
                ).all()
                old_tuples = [data for _, data in items if any(i.encode() in data for i in old)]
                assert not old_tuples, f"{table} block {block}: {len(old_tuples)} old tuples"
                assert not any(dead for dead, _ in items), f"{table} block {block}: dead tuples"
                if not raw:  # plain VACUUM may leave bytes in free space (see the README)
                    continue
                # The raw page, free space included.
                page = connection.execute(
                    text("SELECT get_raw_page(:t, :n)"), {"t": table, "n": block}
                ).scalar_one()
                left = [i for i in old if i.encode() in page]
                assert not left, f"{table} block {block}: {len(left)} old ids in the raw page"


# A server killed while delegates vote ------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _serve(settings: Settings, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PINGYI_MODE": "test",
        "PINGYI_SECRET_KEY": TEST_SECRET,
        "PINGYI_DATABASE_URL": settings.resolved_database_url,
        "PINGYI_REDIS_URL": settings.redis_url,
        "PINGYI_DATA_DIR": str(settings.data_dir),
        "PINGYI_BALLOT_ANONYMITY_SET": str(K),
        "PINGYI_BALLOT_MIX_WAIT_SECONDS": "0.5",
        "PINGYI_LOG_LEVEL": "warning",
    }
    pingyi = Path(sys.executable).with_name("pingyi")
    server = subprocess.Popen(
        [str(pingyi), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.1)
    server.kill()
    raise AssertionError("pingyi serve did not start")


def test_a_server_killed_during_voting_keeps_every_acknowledged_ballot_once(
    session: Session, settings: Settings
) -> None:
    delegates = 60
    batch, units, issued = make_ballot(session, units=4, codes=delegates, uniform_rule="allow")
    assert batch.id is not None
    port = _free_port()
    server = _serve(settings, port)
    acknowledged: dict[int, int] = {}
    answered = threading.Event()
    url = f"http://127.0.0.1:{port}/api/v1/ballots"

    def one(index: int) -> None:
        time.sleep(index * 0.05)  # a room voting for three seconds, not one burst
        body = {"code": issued[index], "answers": _encode(index, units), "confirm_uniform": True}
        try:
            acknowledged[index] = httpx.post(url, json=body, timeout=30).status_code
            if len(acknowledged) >= 10:
                answered.set()
        except httpx.HTTPError:
            pass  # the server died under this request: it acknowledged nothing

    try:
        with ThreadPoolExecutor(max_workers=delegates) as pool:
            futures = [pool.submit(one, i) for i in range(delegates)]
            assert answered.wait(timeout=60)
            os.kill(server.pid, signal.SIGKILL)  # mid-session: groups forming and committing
            for future in futures:
                future.result()
        server.wait(timeout=10)
        stored = [i for i, status in acknowledged.items() if status == 201]
        assert stored and len(stored) < delegates  # the kill fell in the middle of voting
        # The delegates who heard nothing cast again on the restarted server.
        server = _serve(settings, port)
        again = [i for i in range(delegates) if i not in stored]

        def retry(index: int) -> int:
            body = {
                "code": issued[index],
                "answers": _encode(index, units),
                "confirm_uniform": True,
            }
            return httpx.post(url, json=body, timeout=30).status_code

        with ThreadPoolExecutor(max_workers=len(again)) as pool:
            retried = dict(zip(again, pool.map(retry, again), strict=True))
        assert set(retried.values()) <= {201, 409}
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    session.expire_all()
    ballots: dict[str, dict[int, str]] = {}
    for response_id, unit_id, level in session.exec(
        select(Answer.response_id, Answer.unit_id, Answer.level)
        .join(Response, Response.id == Answer.response_id)  # type: ignore[arg-type]
        .where(Response.ballot_batch_id == batch.id)
    ):
        ballots.setdefault(response_id, {})[unit_id] = level
    counts = Counter(_decode(levels, units) for levels in ballots.values())
    # Every acknowledged ballot is stored exactly once, and so is every ballot cast again.
    assert all(counts[i] == 1 for i in stored)
    assert all(counts[i] == 1 for i, status in retried.items() if status == 201)
    assert set(counts.values()) == {1}
    assert service.turnout(session, batch).used == len(ballots)


def test_sqlite_frees_pages_with_zeros(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("a SQLite pragma")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA secure_delete")).scalar_one() == 1
