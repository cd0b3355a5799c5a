"""Durable survey submissions against the framework's own ceiling, interleaved and verified.

Workloads: the demo city's survey form as a browser posts it, the full form (30 units, the
respondent group, two weighting cells, every comment box and the general text question sent
empty) and the service-window form (``/s/<slug>?u=BM09``: one unit). Both bodies are read from
the real form pages. The baseline is ``benchmarks/bare_app.py``: a bare Starlette endpoint
that reads the same urlencoded body with ``urllib.parse.parse_qsl`` and answers 303.

Servers (each in a process group of its own, started with ``start_new_session`` and ended as
a whole with ``os.killpg``, so no worker or writer outlives the run): the bare endpoint under
uvicorn and ``pingyi serve`` as an operator runs it (production mode, JSON logs with an access
line per request, the submission writer in a child process, Redis for the rate limits) on
SQLite and on PostgreSQL, each with 1 and, with ``--workers 1,2``, 2 workers. Every database
is made for the run (SQLite files in a temporary folder; PostgreSQL databases named
``<prefix>_<random>``, created and dropped by the run) and every port is free when chosen.

Rate limits: Redis stays on, so every submission makes its round trip to the shared store as
in production; the limits per address (300 flagged / 3000 refused per 600 s by default) are
raised to 10^9, because every request of the benchmark comes from one address.

The configurations take turns within each round (the order reversed every other round), so
that the machine's changing load falls on all of them alike; the tables give the median over
the rounds, each Pingyi round's share of the bare round next to it, and the load average.
CPU per submission is read from ``/proc`` for each process of the server (app processes,
writer children) and the run's PostgreSQL backends, over each timed window: it depends much
less on the other jobs of a shared machine than the rates do.

Every 303 carries the receipt in its cookie; wrk records each (``submit.lua``) and afterwards
each receipt is looked up in the database: it must be there exactly once, with a key of this
run, and no key may be stored twice.

    python benchmarks/submit.py --redis redis://127.0.0.1:6379/N [--seconds 10] [--rounds 3]
        [--connections 64] [--workers 1,2] [--databases sqlite,postgresql]
        [--postgres URL] [--db-prefix NAME]

Needs ``wrk`` (Debian package). Writes Markdown to stdout; paste it into RESULTS.md.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import resource
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import unescape
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# The older benchmarks import these from here.
from benchmarks.common import (  # noqa: E402, F401
    SECRET,
    end_group,
    form_body,
    free_port,
    own_database,
    prepare,
    start,
)
from survey.db import build_engine  # noqa: E402
from survey.surveys.writer import receipt_for  # noqa: E402

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PINGYI = str(Path(sys.executable).with_name("pingyi"))
WINDOW_UNIT = "BM09"
LEVELS = ["satisfied", "fairly_satisfied", "basically_satisfied", "dont_know", "dissatisfied"]


# Processes -----------------------------------------------------------------------------------


def proc_stat(pid: int) -> list[str] | None:
    try:
        return (Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2]).split()
    except OSError:
        return None


def cpu_seconds(fields: list[str]) -> float:
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def session_processes(session: int) -> dict[int, list[str]]:
    """Every live process of a session, by pid, with its /proc stat fields."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = proc_stat(int(entry.name))
            if fields is not None and int(fields[3]) == session:
                found[int(entry.name)] = fields
    return found


def machine_busy_seconds() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, all cores."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values) - idle) / CLOCK_TICKS, sum(values) / CLOCK_TICKS


@dataclass
class Server:
    """A server started in a session (and process group) of its own, ended as a whole."""

    name: str
    kind: str  # "bare", "sqlite" or "postgresql"
    workers: int
    port: int
    process: subprocess.Popen[bytes]
    url: str = ""  # the database
    body: dict[str, str] = field(default_factory=dict)  # workload -> urlencoded body
    cookie: str = ""
    slug: str = ""
    survey_id: int = 0
    receipts: list[Path] = field(default_factory=list)

    def cpu_by_role(self) -> dict[str, float]:
        """CPU seconds so far of the serving processes ("app"), the submission writers
        ("writer") and the rest (uvicorn's supervisor with several workers)."""
        processes = session_processes(self.process.pid)
        depth: dict[int, int] = {}

        def depth_of(pid: int) -> int:
            if pid not in depth:
                parent = int(processes[pid][1])
                depth[pid] = (
                    0
                    if pid == self.process.pid or parent not in processes
                    else (depth_of(parent) + 1)
                )
            return depth[pid]

        app_depth = 0 if self.workers == 1 else 1
        roles: dict[str, float] = {"app": 0.0, "writer": 0.0, "other": 0.0}
        for pid, fields in processes.items():
            level = depth_of(pid)
            role = "app" if level == app_depth else "writer" if level == app_depth + 1 else "other"
            if role == "writer" and b"resource_tracker" in _cmdline(pid):
                role = "other"
            roles[role] += cpu_seconds(fields)
        return roles

    def end(self) -> None:
        end_group(self.process)


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def launch(
    name: str,
    kind: str,
    workers: int,
    command: list[str],
    env: dict[str, str],
    log: Path,
    url: str = "",
    cwd: Path = ROOT,
) -> Server:
    port = free_port()
    command = [*command, "--port", str(port), "--workers", str(workers)]
    with log.open("ab") as out:
        process = subprocess.Popen(
            command,
            env=env,
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(name, kind, workers, port, process, url)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            server.end()
            raise RuntimeError(f"{name} exited: {log.read_text()[-2000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return server
        time.sleep(0.3)
    server.end()
    raise RuntimeError(f"{name} did not start: {log.read_text()[-2000:]}")


# Databases -----------------------------------------------------------------------------------


def pingyi_env(url: str, redis_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "PINGYI_MODE": "production",
        "PINGYI_SECRET_KEY": SECRET,
        "PINGYI_DATABASE_URL": url,
        "PINGYI_REDIS_URL": redis_url,
        "PINGYI_SURVEY_RATE_SOFT_LIMIT": "1000000000",
        "PINGYI_SURVEY_RATE_HARD_LIMIT": "1000000000",
    }


def load_demo(url: str, redis_url: str, log: Path) -> None:
    """The demo city, loaded by ``pingyi demo`` into an empty database."""
    with log.open("ab") as out:
        subprocess.run(
            [PINGYI, "demo"],
            env=pingyi_env(url, redis_url),
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            check=True,
            start_new_session=True,
        )


class PostgresDatabases:
    """Databases ``<prefix>_<random>_<n>`` of this run on a PostgreSQL server, dropped at the
    end. CREATE DATABASE fails on an existing name, so two runs cannot share one."""

    def __init__(self, server_url: str, prefix: str) -> None:
        self.server_url = server_url
        self.stem = f"{prefix}_{secrets.token_hex(4)}"
        self.names: list[str] = []
        self.admin = build_engine(server_url).execution_options(isolation_level="AUTOCOMMIT")

    def create(self, template: str | None = None) -> str:
        name = f"{self.stem}_{len(self.names)}"
        with self.admin.connect() as connection:
            suffix = f" TEMPLATE {template}" if template else ""
            connection.execute(text(f"CREATE DATABASE {name}{suffix}"))
        self.names.append(name)
        return make_url(self.server_url).set(database=name).render_as_string(hide_password=False)

    def backend_pids(self, url: str) -> list[int]:
        name = make_url(url).database
        with self.admin.connect() as connection:
            rows = connection.execute(
                text("SELECT pid FROM pg_stat_activity WHERE datname = :d"), {"d": name}
            ).scalars()
            return [int(pid) for pid in rows]

    def drop_all(self) -> None:
        # Only this run's own names, after its servers have ended.
        with self.admin.connect() as connection:
            for name in reversed(self.names):
                connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        self.admin.dispose()


def survey_of(url: str) -> tuple[str, int]:
    """The demo's open city-wide survey: its slug and id."""
    engine = build_engine(url)
    with engine.connect() as connection:
        slug, survey_id = connection.execute(
            text("SELECT slug, id FROM survey WHERE status = 'open' ORDER BY id LIMIT 1")
        ).one()
    engine.dispose()
    return str(slug), int(survey_id)


# The forms -----------------------------------------------------------------------------------

FIELD = re.compile(r"<(input|textarea)\b([^>]*)>")
ATTRIBUTE = re.compile(r'(\w[\w-]*)="([^"]*)"')


def browser_body(html: str) -> str:
    """The urlencoded body a browser posts for this form page, every field in page order:
    hidden fields, one choice of each radio group (the respondent group ``citizens``, the
    first weighting cell, ratings spread over the levels), empty text fields and comment
    boxes. The submission key is left out: wrk adds a fresh one to every request."""
    fields: dict[str, str] = {}
    ratings = 0
    for tag, attributes in FIELD.findall(html):
        found = dict(ATTRIBUTE.findall(attributes))
        name = found.get("name")
        if not name or name == "key" or name in fields:
            continue
        kind = found.get("type", "text")
        if tag == "textarea" or kind == "text" or (tag == "input" and "type" not in found):
            fields[name] = ""
        elif kind == "hidden":
            fields[name] = unescape(found.get("value", ""))
        elif kind == "radio":
            if name == "group":
                fields[name] = "citizens"
            elif name.startswith("r."):
                fields[name] = LEVELS[ratings % len(LEVELS)]
                ratings += 1
            else:
                fields[name] = unescape(found.get("value", ""))
    return str(httpx.QueryParams(fields))


def read_forms(server: Server) -> None:
    with httpx.Client(base_url=f"http://127.0.0.1:{server.port}") as client:
        full = client.get(f"/s/{server.slug}")
        window = client.get(f"/s/{server.slug}", params={"u": WINDOW_UNIT})
        full.raise_for_status()
        window.raise_for_status()
        server.body = {"full": browser_body(full.text), "window": browser_body(window.text)}
        server.cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    units_full = server.body["full"].count("r.overall.")
    units_window = server.body["window"].count("r.overall.")
    assert units_window == 1 and units_full > 1, (units_full, units_window)


# Load ----------------------------------------------------------------------------------------


def wrk(
    server: Server, workload: str, seconds: float, connections: int, run: str, receipts: Path | None
) -> dict[str, float]:
    path = f"/s/{server.slug}" if server.kind != "bare" else "/s/bare"
    body = server.body[workload]
    env = {
        **os.environ,
        "PINGYI_BENCH_BODY": body,
        "PINGYI_BENCH_PATH": path,
        "PINGYI_BENCH_COOKIE": server.cookie,
        "PINGYI_BENCH_RUN": run,
        "PINGYI_BENCH_RECEIPTS": str(receipts) if receipts else "",
    }
    result = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{round(seconds)}s",
            "--timeout",
            "10s",
            "-s",
            str(ROOT / "benchmarks" / "submit.lua"),
            f"http://127.0.0.1:{server.port}",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(row for row in result.stdout.splitlines() if row.startswith("JSON "))
    figures: dict[str, float] = json.loads(line[5:])
    figures["rps"] = figures["requests"] / (figures["duration_us"] / 1e6)
    figures["errors"] = sum(v for k, v in figures.items() if k.startswith("errors_"))
    return figures


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(
    server: Server,
    workload: str,
    args: argparse.Namespace,
    run_tag: str,
    workdir: Path,
    databases: PostgresDatabases | None,
) -> dict[str, float]:
    receipts = None
    if server.kind != "bare":
        receipts = workdir / f"receipts-{server.port}-{len(server.receipts)}.txt"
        server.receipts.append(receipts)
    pg_pids = []
    if databases is not None and server.kind == "postgresql":
        pg_pids = databases.backend_pids(server.url)

    def pg_cpu() -> float:
        return sum(cpu_seconds(f) for f in map(proc_stat, pg_pids) if f is not None)

    load = os.getloadavg()[0]
    before_roles = server.cpu_by_role()
    before_pg = pg_cpu()
    before_wrk = children_cpu()
    before_machine = machine_busy_seconds()
    began = time.monotonic()
    run = f"{run_tag}{secrets.token_hex(4)}"
    figures = wrk(server, workload, args.seconds, args.connections, run, receipts)
    wall = time.monotonic() - began
    after_roles = server.cpu_by_role()
    busy, total = machine_busy_seconds()
    figures.update(
        load=load,
        wall=wall,
        app=after_roles["app"] - before_roles["app"],
        writer=after_roles["writer"] - before_roles["writer"],
        other=after_roles["other"] - before_roles["other"],
        postgres=pg_cpu() - before_pg,
        wrk=children_cpu() - before_wrk,
        machine=(busy - before_machine[0]) / (total - before_machine[1]),
    )
    return figures


# Verification --------------------------------------------------------------------------------


@dataclass
class Check:
    acknowledged: int = 0
    found_once: int = 0
    missing: int = 0
    keys_twice: int = 0
    without_receipt: int = 0
    stored: int = 0


def verify(server: Server, run_tag: str) -> Check:
    receipts: list[str] = []
    for path in server.receipts:
        if path.exists():
            receipts += path.read_text().split()
    check = Check(acknowledged=len(receipts))
    check.without_receipt = sum(1 for r in receipts if r == "MISSING")
    engine = build_engine(server.url)
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT id, submission_key FROM response WHERE survey_id = :s "
                "AND submission_key LIKE :tag"
            ),
            {"s": server.survey_id, "tag": f"{run_tag}%"},
        ).all()
    engine.dispose()
    check.stored = len(rows)
    by_receipt = Counter(receipt_for(str(row[0])) for row in rows)
    check.keys_twice = sum(1 for n in Counter(str(row[1]) for row in rows).values() if n > 1)
    acknowledged = Counter(r for r in receipts if r != "MISSING")
    for receipt, times in acknowledged.items():
        # A receipt acknowledged twice would be two requests answered with one row.
        if by_receipt.get(receipt) == 1 and times == 1:
            check.found_once += 1
        else:
            check.missing += times
    return check


# The run -------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", default="1", help="uvicorn workers to compare, e.g. 1,2")
    parser.add_argument("--workloads", default="full,window")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument(
        "--postgres",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
        help="PostgreSQL server URL; the run's databases are created there and dropped after",
    )
    parser.add_argument("--db-prefix", default="pingyi_bench_submit")
    parser.add_argument("--redis", required=True, help="Redis URL for the rate limits")
    parser.add_argument(
        "--compare-with",
        default="",
        help="another checkout of Pingyi (a git worktree of an earlier commit): its servers "
        "run beside this checkout's, taking turns with them in every round (A/B)",
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install wrk)")
    workers = [int(w) for w in args.workers.split(",")]
    workloads = args.workloads.split(",")
    kinds = args.databases.split(",")
    workdir = Path(tempfile.mkdtemp(prefix="pingyi-submit-"))
    databases = PostgresDatabases(args.postgres, args.db_prefix) if "postgresql" in kinds else None
    servers: list[Server] = []
    started = datetime.now(UTC)
    run_tag = f"bench{secrets.token_hex(3)}"
    try:
        urls = {}
        if "sqlite" in kinds:
            urls["sqlite"] = f"sqlite:///{workdir / 'template.db'}"
            load_demo(urls["sqlite"], args.redis, workdir / "demo.log")
            print("demo loaded (SQLite)", file=sys.stderr, flush=True)
        if databases is not None:
            urls["postgresql"] = databases.create()
            load_demo(urls["postgresql"], args.redis, workdir / "demo.log")
            print("demo loaded (PostgreSQL)", file=sys.stderr, flush=True)
        for count in workers:
            servers.append(
                launch(
                    f"bare Starlette + parse_qsl, {count} worker(s)",
                    "bare",
                    count,
                    [
                        sys.executable,
                        "-m",
                        "uvicorn",
                        "benchmarks.bare_app:app",
                        "--log-level",
                        "warning",
                        "--no-access-log",
                    ],
                    dict(os.environ),
                    workdir / "bare.log",
                )
            )
            for kind in kinds:
                if kind == "sqlite":
                    copy = workdir / f"sqlite-{count}.db"
                    shutil.copy(workdir / "template.db", copy)
                    url = f"sqlite:///{copy}"
                else:
                    assert databases is not None
                    url = databases.create(template=databases.names[0])
                sides = [("", ROOT)]
                if args.compare_with:
                    sides.append((" (base)", Path(args.compare_with).resolve()))
                for side, checkout in sides:
                    if side:  # each side stores into a database of its own
                        if kind == "sqlite":
                            copy = workdir / f"sqlite-{count}-base.db"
                            shutil.copy(workdir / "template.db", copy)
                            url = f"sqlite:///{copy}"
                        else:
                            assert databases is not None
                            url = databases.create(template=databases.names[0])
                    env = pingyi_env(url, args.redis)
                    # The side's own code first on the path (the processes it spawns inherit it).
                    env["PYTHONPATH"] = str(checkout)
                    database = "SQLite" if kind == "sqlite" else "PostgreSQL"
                    server = launch(
                        f"Pingyi{side}, {database}, {count} worker(s)",
                        kind,
                        count,
                        [PINGYI, "serve"],
                        env,
                        workdir / f"{kind}-{count}{side.strip(' ()')}.log",
                        url,
                        cwd=checkout,
                    )
                    servers.append(server)
                    server.slug, server.survey_id = survey_of(url)
        for server in servers:
            if server.kind == "bare":
                server.slug = "bare"
        pingyi_servers = [s for s in servers if s.kind != "bare"]
        for server in pingyi_servers:
            read_forms(server)
        for server in servers:
            if server.kind == "bare":
                # The same bodies as the Pingyi forms (the bare endpoint ignores the fields).
                server.body = pingyi_servers[0].body if pingyi_servers else {}
        print(f"servers up; warming up ({args.warmup:.0f} s each)", file=sys.stderr, flush=True)
        for server in servers:
            for workload in workloads:
                receipts = None
                if server.kind != "bare":
                    receipts = workdir / f"receipts-{server.port}-{len(server.receipts)}.txt"
                    server.receipts.append(receipts)
                run = f"{run_tag}w{secrets.token_hex(4)}"
                wrk(server, workload, args.warmup, args.connections, run, receipts)
        configs = [(w, n, s) for w in workloads for n in workers for s in servers if s.workers == n]
        results: dict[tuple[str, int], list[dict[str, float]]] = {}
        for number in range(args.rounds):
            order = configs if number % 2 == 0 else list(reversed(configs))
            for workload, _, server in order:
                figures = measure(server, workload, args, run_tag, workdir, databases)
                results.setdefault((workload, id(server)), []).append(figures)
                print(
                    f"round {number + 1} {workload} {server.name}: {figures['rps']:.0f}/s, "
                    f"p99 {figures['p99_us'] / 1000:.0f} ms, load {figures['load']:.1f}",
                    file=sys.stderr,
                    flush=True,
                )
        for server in servers:
            server.end()
        checks = {id(s): verify(s, run_tag) for s in servers if s.kind != "bare"}
    finally:
        for server in servers:
            server.end()
        if databases is not None:
            databases.drop_all()
    report(args, started, servers, workloads, workers, results, checks)
    shutil.rmtree(workdir, ignore_errors=True)


def loads(rounds: list[dict[str, float]]) -> str:
    return ", ".join(f"{r['load']:.1f}" for r in rounds)


def report(
    args: argparse.Namespace,
    started: datetime,
    servers: list[Server],
    workloads: list[str],
    workers: list[int],
    results: dict[tuple[str, int], list[dict[str, float]]],
    checks: dict[int, Check],
) -> None:
    def med(rounds: list[dict[str, float]], key: str) -> float:
        return statistics.median(r[key] for r in rounds)

    print(
        f"Submissions: wrk, {args.connections} connections, 2 threads, {args.rounds} rounds of "
        f"{args.seconds:.0f} s per configuration, interleaved (after {args.warmup:.0f} s of "
        f"warm-up each); started {started:%Y-%m-%d %H:%M} UTC; {os.cpu_count()} cores.\n"
    )
    names = {"full": "full form (30 units)", "window": f"window form (?u={WINDOW_UNIT})"}
    for workload in workloads:
        for count in workers:
            group = [s for s in servers if s.workers == count]
            bare = next(s for s in group if s.kind == "bare")
            bare_rounds = results[(workload, id(bare))]
            print(f"#### {names[workload]}, {count} worker(s)\n")
            print(
                "| endpoint | requests/s per round | median | share of bare (per round) | "
                "p50 ms | p99 ms | errors | CPU µs per request: app / writer / PostgreSQL | "
                "wrk µs | machine busy | load average |"
            )
            print("|---|---|---|---|---|---|---|---|---|---|---|")
            for server in group:
                rounds = results[(workload, id(server))]
                per_round = ", ".join(f"{r['rps']:.0f}" for r in rounds)
                shares = [r["rps"] / b["rps"] for r, b in zip(rounds, bare_rounds, strict=True)]
                share = (
                    "100%"
                    if server is bare
                    else f"{100 * statistics.median(shares):.1f}% "
                    f"({', '.join(f'{100 * s:.0f}' for s in shares)})"
                )
                for r in rounds:
                    done = max(r["requests"], 1)
                    r["app_us"] = 1e6 * (r["app"] + r["other"]) / done
                    r["writer_us"] = 1e6 * r["writer"] / done
                    r["pg_us"] = 1e6 * r["postgres"] / done
                    r["wrk_us"] = 1e6 * r["wrk"] / done
                cpu = " / ".join(
                    f"{med(rounds, k):.0f}" if server.kind != "bare" or k == "app_us" else "-"
                    for k in ("app_us", "writer_us", "pg_us")
                )
                if server.kind == "sqlite":
                    cpu = cpu.rsplit(" / ", 1)[0] + " / -"
                print(
                    f"| {server.name} | {per_round} | {med(rounds, 'rps'):.0f} | {share} | "
                    f"{med(rounds, 'p50_us') / 1000:.1f} | {med(rounds, 'p99_us') / 1000:.1f} | "
                    f"{sum(r['errors'] for r in rounds):.0f} | {cpu} | "
                    f"{med(rounds, 'wrk_us'):.0f} | {100 * med(rounds, 'machine'):.0f}% | "
                    f"{loads(rounds)} |"
                )
            print()
    if len(workers) > 1:
        print("Workers: median requests/s with the most workers over the fewest:\n")
        for workload in workloads:
            for kind in ("bare", "sqlite", "postgresql"):
                by_count = {
                    s.workers: med(results[(workload, id(s))], "rps")
                    for s in servers
                    if s.kind == kind and "(base)" not in s.name
                }
                if len(by_count) > 1:
                    low, high = min(by_count), max(by_count)
                    print(f"- {names[workload]}, {kind}: {by_count[high] / by_count[low]:.2f}x")
        print()
    print("Stored (every 303's receipt looked up in the database after the run):\n")
    print(
        "| server | acknowledged (303) | stored once | missing | keys stored twice | "
        "303 without receipt | rows of the run |"
    )
    print("|---|---|---|---|---|---|---|")
    for server in servers:
        if server.kind == "bare":
            continue
        c = checks[id(server)]
        print(
            f"| {server.name} | {c.acknowledged} | {c.found_once} | {c.missing} | "
            f"{c.keys_twice} | {c.without_receipt} | {c.stored} |"
        )


if __name__ == "__main__":
    main()
