"""Load the survey submission endpoint and compare it with a bare form-parsing endpoint.

Both servers run as one uvicorn worker in the same way, on this machine, in the same run (the
Pingyi worker with its submission writer, a child process by default); wrk
drives them with the same connections and a fresh submission key per request. The figures are
the submission endpoint's throughput as a share of the bare endpoint's, its latency and
errors, and a check that every acknowledged (303) submission is in the database.

    python benchmarks/submit.py [--seconds 15] [--connections 64] [--postgres URL]

Needs ``wrk`` (Debian package). Writes a Markdown table to stdout; paste it into RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import Session

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from survey import migrate  # noqa: E402
from survey.accounts import Principal  # noqa: E402
from survey.config import Mode, configure  # noqa: E402
from survey.db import build_engine  # noqa: E402
from survey.models import Role  # noqa: E402
from survey.surveys import service  # noqa: E402
from survey.surveys.schemas import SurveyCreate, SurveyUpdate  # noqa: E402

SECRET = "benchmark-secret-" + "b" * 32
UNITS = 10


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def prepare(url: str) -> str:
    """A fresh schema with the demo organisation and an open 10-unit survey; returns its slug."""
    engine = build_engine(url)
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    migrate.upgrade(url)
    configure(mode=Mode.development, database_url=url, secret_key=SECRET)
    from survey import demo

    engine = build_engine(url)
    with Session(engine) as session:
        info = demo.load_demo(session, office_password="benchmark-password")
        existing = service.get_survey(session, 1)
        data = SurveyCreate.model_validate(
            {
                **service.survey_create_from(
                    service.survey_public(session, existing, "")
                ).model_dump(),
                "title": "benchmark",
                "categories": [],
                "units": [f"BM{n:02d}" for n in range(1, UNITS + 1)],
                "one_per_device": False,
                "min_seconds": 0,
            }
        )
        actor = Principal(name="benchmark", role=Role.admin)
        survey = service.create_survey(session, data, actor)
        service.update_survey(session, survey.id, SurveyUpdate(status="open"), actor)  # type: ignore[arg-type]
        del info
        slug = survey.slug
    engine.dispose()
    return slug


WORKERS = 1


def start(app: str, env: dict[str, str], port: int, factory: bool) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        app,
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
        "--workers",
        str(WORKERS),
    ]
    if factory:
        command.append("--factory")
    server = subprocess.Popen(command, env=env, cwd=ROOT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return server
        except httpx.TransportError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError(f"{app} did not start")


def form_body(client: httpx.Client, slug: str) -> tuple[str, str]:
    page = client.get(f"/s/{slug}")
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page.text))
    hidden.pop("key")
    fields = {**hidden, "group": "citizens", "p.district": "QX01", "p.age": "18-34"}
    for number in range(1, UNITS + 1):
        fields[f"r.overall.BM{number:02d}"] = "satisfied" if number % 3 else "basically_satisfied"
    body = httpx.QueryParams(fields)
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    return str(body), cookie


def wrk(
    port: int, path: str, body: str, cookie: str, seconds: int, connections: int
) -> dict[str, float]:
    env = {
        **os.environ,
        "PINGYI_BENCH_BODY": body,
        "PINGYI_BENCH_PATH": path,
        "PINGYI_BENCH_COOKIE": cookie,
        "PINGYI_BENCH_RUN": uuid.uuid4().hex[:12],
    }
    result = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(ROOT / "benchmarks" / "submit.lua"),
            f"http://127.0.0.1:{port}",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(row for row in result.stdout.splitlines() if row.startswith("JSON "))
    figures = json.loads(line[5:])
    figures["rps"] = figures["requests"] / (figures["duration_us"] / 1e6)
    figures["errors"] = sum(v for k, v in figures.items() if k.startswith("errors_"))
    return figures


def run_backend(
    name: str, url: str, seconds: int, connections: int, writer: str = "process"
) -> dict[str, float]:
    slug = prepare(url)
    port = free_port()
    env = {
        **os.environ,
        "PINGYI_MODE": "development",
        "PINGYI_SECRET_KEY": SECRET,
        "PINGYI_DATABASE_URL": url,
        "PINGYI_SURVEY_RATE_SOFT_LIMIT": "100000000",
        "PINGYI_SURVEY_RATE_HARD_LIMIT": "100000000",
        "PINGYI_REDIS_URL": "",
        "PINGYI_SUBMISSION_WRITER": writer,
    }
    server = start("web.app:create_app", env, port, factory=True)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            body, cookie = form_body(client, slug)
        wrk(port, f"/s/{slug}", body, cookie, 3, connections)  # warm-up, discarded
        engine = build_engine(url)
        with engine.connect() as connection:
            before = connection.execute(text("SELECT count(*) FROM response")).scalar_one()
        figures = wrk(port, f"/s/{slug}", body, cookie, seconds, connections)
        with engine.connect() as connection:
            after = connection.execute(text("SELECT count(*) FROM response")).scalar_one()
        engine.dispose()
    finally:
        server.terminate()
        server.wait(timeout=30)
    figures["stored"] = after - before
    figures["name"] = name  # type: ignore[assignment]
    return figures


@contextmanager
def own_database(server_url: str, name: str) -> Iterator[str]:
    """A database of the benchmark's own, so that it never touches the test database."""
    admin = build_engine(server_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def run_bare(seconds: int, connections: int, body: str) -> dict[str, float]:
    port = free_port()
    server = start("benchmarks.bare_app:app", dict(os.environ), port, factory=False)
    try:
        wrk(port, "/s/bare", body, "", 3, connections)
        figures = wrk(port, "/s/bare", body, "", seconds, connections)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument(
        "--postgres",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
        help="PostgreSQL server URL (a database pingyi_bench_submit is created "
        "there and dropped after), or '' to skip",
    )
    parser.add_argument("--workers", type=int, default=1, help="uvicorn workers for both apps")
    parser.add_argument(
        "--thread-writer",
        action="store_true",
        help="also run SQLite with the submission writer as a thread of the app process",
    )
    args = parser.parse_args()
    global WORKERS
    WORKERS = args.workers
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install wrk)")
    workdir = Path(tempfile.mkdtemp(prefix="pingyi-bench-"))
    sqlite = run_backend(
        "SQLite (WAL, synchronous=FULL)",
        f"sqlite:///{workdir / 'bench.db'}",
        args.seconds,
        args.connections,
    )
    results = [sqlite]
    if args.thread_writer:
        results.append(
            run_backend(
                "SQLite, writer thread in the app process",
                f"sqlite:///{workdir / 'bench-thread.db'}",
                args.seconds,
                args.connections,
                writer="thread",
            )
        )
    if args.postgres:
        with own_database(args.postgres, "pingyi_bench_submit") as url:
            results.append(run_backend("PostgreSQL", url, args.seconds, args.connections))
    body = "&".join(f"r.overall.BM{n:02d}=satisfied" for n in range(1, UNITS + 1))
    bare = run_bare(args.seconds, args.connections, body + "&csrf_token=x&started=1&group=citizens")
    print(
        f"Submission benchmark: {args.connections} connections, {args.seconds} s, "
        f"{UNITS}-unit form, {WORKERS} uvicorn worker(s) each, 2 cores\n"
    )
    print(
        "| endpoint | requests/s | share of bare | p50 ms | p99 ms | errors "
        "| acknowledged | stored |"
    )
    print("|---|---|---|---|---|---|---|---|")
    print(
        f"| bare form parse (stores nothing) | {bare['rps']:.0f} | 100% | "
        f"{bare['p50_us'] / 1000:.1f} | {bare['p99_us'] / 1000:.1f} | "
        f"{bare['errors']:.0f} | - | - |"
    )
    for r in results:
        print(
            f"| {r['name']} | {r['rps']:.0f} | {100 * r['rps'] / bare['rps']:.0f}% | "
            f"{r['p50_us'] / 1000:.1f} | {r['p99_us'] / 1000:.1f} | {r['errors']:.0f} | "
            f"{r['requests'] - r['errors']:.0f} | {r['stored']:.0f} |"
        )


if __name__ == "__main__":
    main()
