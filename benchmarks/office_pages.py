"""The office's result pages against the JSON they are built from, at city scale.

Seeds one evaluation with 2,000 units in 20 categories (the shape of ``benchmarks/composite.py``:
a composite scheme per category, 392,000 indicator values, two public groups with weights) and
``--answers`` satisfaction answers (default 1,000,000), then serves it with one uvicorn worker
on a port chosen for the run and, interleaved over ``--rounds`` rounds, times over HTTP:

- the satisfaction results as JSON (``/api/v1/evaluations/{id}/satisfaction``, office token;
  the API has no category filter, so it is the whole evaluation for the same view) and the
  satisfaction dashboard page for one category of that view;
- the composite results as JSON for one category and the composite page for that category,
  and the composite page at its plain address (the redirect to the first category followed),
  which is what an office opens first.

Each request's time to the first byte and to the complete body is measured from the client;
the medians, the page/JSON ratio (target at most 1.5x), the page sizes and the machine's load
average are printed as Markdown.

    python benchmarks/office_pages.py [--answers 1000000] [--rounds 3]
        [--databases sqlite,postgresql]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

PostgreSQL runs in a database of its own, named for the run and dropped afterwards.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlmodel import Session

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import composite  # noqa: E402
from benchmarks.common import app_env, end_group, free_port, own_database, start  # noqa: E402
from survey.accounts import create_token, create_user  # noqa: E402
from survey.db import build_engine  # noqa: E402
from survey.models import Role  # noqa: E402

PASSWORD = "benchmark-password-1"
CATEGORY = "c00"  # the first category: also where the plain composite address leads
TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def seed(url: str, answers: int) -> tuple[int, str]:
    """The city-scale evaluation, an office user and an office API token."""
    # The composite seed writes RESPONSES_PER_GROUP responses per public group and category,
    # each answering for the category's units: 2 x 20 x 100 answers per step.
    per_step = 2 * composite.CATEGORIES * composite.UNITS
    composite.RESPONSES_PER_GROUP = max(1, round(answers / per_step))
    evaluation_id = composite.load(url)
    engine = build_engine(url)
    with Session(engine) as session:
        create_user(session, "bench-office", PASSWORD, Role.office)
        _, token = create_token(session, "benchmark", Role.office)
        session.commit()
    engine.dispose()
    return evaluation_id, token


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds of a process so far (Linux ``/proc``, 10 ms ticks)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(
    client: httpx.Client, server: int, path: str, **kwargs: object
) -> tuple[float, float, int, float]:
    """Seconds to the first byte of the final response and to its complete body, its size, and
    the server process's CPU seconds meanwhile (steadier than wall time on a shared machine;
    with PostgreSQL the database server's own work is not in it)."""
    cpu = cpu_seconds(server)
    start = time.perf_counter()
    with client.stream("GET", path, **kwargs) as response:  # type: ignore[arg-type]
        chunks = response.iter_bytes()
        first = next(chunks, b"")
        first_byte = time.perf_counter() - start
        size = len(first) + sum(len(c) for c in chunks)
        complete = time.perf_counter() - start
        response.raise_for_status()
    return first_byte, complete, size, cpu_seconds(server) - cpu


def run(name: str, url: str, answers: int, rounds: int) -> list[str]:
    started = time.perf_counter()
    evaluation_id, token = seed(url, answers)
    seeded = time.perf_counter() - started
    port = free_port()
    env = app_env(url)
    server = start("web.app:create_app", env, port, factory=True)
    e, pid = evaluation_id, server.pid
    view = {"category": CATEGORY, "question": "overall"}
    bearer = {"Authorization": f"Bearer {token}"}
    requests: dict[str, Callable[[httpx.Client], tuple[float, float, int, float]]] = {
        "satisfaction JSON (whole view)": lambda c: timed(
            c,
            pid,
            f"/api/v1/evaluations/{e}/satisfaction",
            params={"question": "overall"},
            headers=bearer,
        ),
        "satisfaction page (one category)": lambda c: timed(
            c, pid, f"/office/evaluations/{e}/satisfaction", params=view
        ),
        "composite JSON (one category)": lambda c: timed(
            c,
            pid,
            f"/api/v1/evaluations/{e}/results",
            params={"category": CATEGORY},
            headers=bearer,
        ),
        "composite page (one category)": lambda c: timed(
            c, pid, f"/office/evaluations/{e}/composite", params={"category": CATEGORY}
        ),
        "composite page, plain address (redirected)": lambda c: timed(
            c, pid, f"/office/evaluations/{e}/composite"
        ),
    }
    figures: dict[str, list[tuple[float, float, int, float]]] = {k: [] for k in requests}
    load_before = os.getloadavg()
    try:
        with httpx.Client(
            base_url=f"http://127.0.0.1:{port}", timeout=120, follow_redirects=True
        ) as client:
            csrf = TOKEN.search(client.get("/office/login").text)
            assert csrf is not None
            client.post(
                "/office/login",
                data={"username": "bench-office", "password": PASSWORD, "csrf_token": csrf[1]},
            )
            for fetch in requests.values():  # one untimed pass: imports, templates, caches
                fetch(client)
            for _ in range(rounds):
                for key, fetch in requests.items():
                    figures[key].append(fetch(client))
    finally:
        end_group(server)
    load_after = os.getloadavg()

    def median(key: str, i: int) -> float:
        return statistics.median(f[i] for f in figures[key])

    lines = [
        f"{name}, {answers:,} answers (seeded in {seeded:.0f} s), {rounds} rounds, "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average {load_before[0]:.1f} before "
        f"and {load_after[0]:.1f} after",
        "",
        "| request | first byte, median | complete, median | all rounds (complete) "
        "| server CPU, median | size | page / JSON (complete) | page / JSON (server CPU) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    against = {
        "satisfaction page (one category)": "satisfaction JSON (whole view)",
        "composite page (one category)": "composite JSON (one category)",
        "composite page, plain address (redirected)": "composite JSON (one category)",
    }
    for key in requests:
        ratio = cpu_ratio = "-"
        if key in against:
            ratio = f"{median(key, 1) / median(against[key], 1):.2f}x"
            cpu_ratio = f"{median(key, 3) / max(median(against[key], 3), 0.01):.2f}x"
        every = ", ".join(f"{f[1]:.2f}" for f in figures[key])
        lines.append(
            f"| {key} | {median(key, 0):.3f} s | {median(key, 1):.3f} s | {every} "
            f"| {median(key, 3):.2f} s | {figures[key][-1][2] / 1000:.0f} KB | {ratio} "
            f"| {cpu_ratio} |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument(
        "--postgres",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
        help="PostgreSQL server URL, or '' to skip",
    )
    args = parser.parse_args()
    for database in args.databases.split(","):
        if database == "sqlite":
            with tempfile.TemporaryDirectory() as folder:
                lines = run("SQLite", f"sqlite:///{folder}/bench.db", args.answers, args.rounds)
        elif database == "postgresql" and args.postgres:
            # Named for this run, so that concurrent runs never share or drop each other's.
            with own_database(args.postgres, f"pingyi_bench_pages_{os.getpid()}") as url:
                lines = run("PostgreSQL", url, args.answers, args.rounds)
        else:
            continue
        print("\n".join(lines) + "\n", flush=True)


if __name__ == "__main__":
    main()
