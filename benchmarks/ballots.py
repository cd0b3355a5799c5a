"""A meeting of 2,000 delegates casting 60-unit ballots, and the card sheet for their codes.

Issues 2,000 codes for a 60-unit ballot and times rendering the printable sheet and the ZIP of
QR images, then casts every code once through ``POST /api/v1/ballots`` (at most 64 in flight)
against one uvicorn worker, on SQLite and PostgreSQL, next to a bare endpoint that parses the
same JSON, in the same run. Checks that exactly 2,000 ballots were stored.

The load is an open-loop schedule: ballot i is due at ``i / rate`` seconds whatever happened to
the ones before it, and its latency runs from that scheduled arrival to its answer. Timing from
the moment a client slot frees would leave out the time a delegate waits behind a slow server
(coordinated omission), which is exactly what a surge should show.

    python benchmarks/ballots.py [--delegates 2000] [--units 60] [--postgres URL [--in-place]]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from sqlmodel import Session

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.common import (  # noqa: E402
    SECRET,
    app_env,
    end_group,
    free_port,
    fresh_schema,
    own_database,
    start,
)
from survey.accounts import Principal  # noqa: E402
from survey.ballots import service  # noqa: E402
from survey.ballots.schemas import BatchCreate  # noqa: E402
from survey.db import build_engine  # noqa: E402
from survey.models import (  # noqa: E402
    BatchStatus,
    Evaluation,
    GroupKind,
    RespondentGroup,
    Unit,
    UnitCategory,
)
from web.ballot_sheet import issued_files  # noqa: E402

ACTOR = Principal(name="benchmark", role="admin")  # type: ignore[arg-type]
LEVELS = ["satisfied", "basically_satisfied", "dissatisfied", "dont_know"]


def prepare(url: str, delegates: int, units: int) -> tuple[list[str], list[str], dict[str, float]]:
    fresh_schema(url)
    engine = build_engine(url)
    timings: dict[str, float] = {}
    with Session(engine) as session:
        evaluation = Evaluation(name="bench", year=2026, status="open")
        category = UnitCategory(code="bench", name="bench")
        group = RespondentGroup(code="npc", name="人大代表", kind=GroupKind.delegate)
        session.add_all([evaluation, category, group])
        session.flush()
        codes = [f"U{n:03d}" for n in range(units)]
        session.add_all(
            Unit(code=c, name=f"单位{c}", category_id=category.id)  # type: ignore[arg-type]
            for c in codes
        )
        session.commit()
        batch = service.create_batch(
            session,
            BatchCreate(
                evaluation_id=evaluation.id,
                group="npc",
                title="2026年度民主测评",  # type: ignore[arg-type]
                categories=["bench"],
                uniform_rule="allow",  # type: ignore[arg-type]
            ),
            ACTOR,
        )
        service.set_status(session, batch.id, BatchStatus.open, ACTOR)  # type: ignore[arg-type]
        started = time.perf_counter()
        issued = service.issue_codes(session, batch.id, delegates, SECRET, ACTOR)  # type: ignore[arg-type]
        timings["issue"] = time.perf_counter() - started
        started = time.perf_counter()
        files = issued_files(batch.title, "https://pingyi.example.gov.cn", issued)
        timings["sheet"] = time.perf_counter() - started
        started = time.perf_counter()
        files.bundle()
        timings["bundle"] = time.perf_counter() - started
    engine.dispose()
    return [item.code for item in issued], codes, timings


async def cast_all(
    port: int, codes: list[str], units: list[str], *, per_second: float | None
) -> dict[str, float]:
    """Cast every code once. ``per_second`` paces arrivals as a meeting would (2,000 in a
    minute is 33 a second); None sends them as fast as 64 concurrent clients can."""
    rng = random.Random(1)
    bodies = [{"code": c, "answers": {u: rng.choice(LEVELS) for u in units}} for c in codes]
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=60
    ) as client:
        gate = asyncio.Semaphore(64)

        async def one(body: dict[str, object], at: float) -> None:
            await asyncio.sleep(max(0.0, at - time.perf_counter()))
            try:
                async with gate:
                    response = await client.post("/api/v1/ballots", json=body)
                status = response.status_code
            except httpx.HTTPError:
                status = 0  # no answer at all counts as an error too
            # From the scheduled arrival, so waiting for a free client slot is counted.
            latencies.append(time.perf_counter() - at)
            statuses[status] = statuses.get(status, 0) + 1

        started = time.perf_counter()
        await asyncio.gather(
            *(
                one(body, started + (i / per_second if per_second else 0))
                for i, body in enumerate(bodies)
            )
        )
        elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "rps": len(bodies) / elapsed,
        "elapsed": elapsed,
        "p50": latencies[len(latencies) // 2] * 1000,
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        "errors": sum(n for status, n in statuses.items() if status != 201),
    }


def run(name: str, url: str, delegates: int, units: int, rate: float | None) -> dict[str, Any]:
    codes, unit_codes, timings = prepare(url, delegates, units)
    port = free_port()
    env = app_env(url)
    server = start("web.app:create_app", env, port, factory=True)
    try:
        figures = asyncio.run(cast_all(port, codes, unit_codes, per_second=rate))
    finally:
        end_group(server)
    engine = build_engine(url)
    with engine.connect() as connection:
        stored = connection.execute(
            text("SELECT count(*) FROM response WHERE channel = 'ballot'")
        ).scalar_one()
    engine.dispose()
    return {"name": name, **figures, **timings, "stored": stored}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--delegates", type=int, default=2000)
    parser.add_argument("--units", type=int, default=60)
    parser.add_argument(
        "--mode",
        choices=["meeting", "burst"],
        default="meeting",
        help="meeting: the delegates arrive evenly within one minute; "
        "burst: as fast as 64 concurrent clients can send",
    )
    parser.add_argument(
        "--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument(
        "--in-place",
        action="store_true",
        help="run in the --postgres database itself (its schema is dropped) instead of a "
        "database of the benchmark's own",
    )
    args = parser.parse_args()
    rate = args.delegates / 60 if args.mode == "meeting" else None
    workdir = Path(tempfile.mkdtemp(prefix="pingyi-ballots-"))
    sqlite = f"sqlite:///{workdir / 'ballots.db'}"
    results = [run("SQLite", sqlite, args.delegates, args.units, rate)]
    if args.postgres and args.in_place:
        results.append(run("PostgreSQL", args.postgres, args.delegates, args.units, rate))
    elif args.postgres:
        with own_database(args.postgres, "pingyi_bench_ballots") as url:
            results.append(run("PostgreSQL", url, args.delegates, args.units, rate))
    port = free_port()
    bare_server = start("benchmarks.bare_app:app", dict(os.environ), port, factory=False)
    try:
        units = [f"U{n:03d}" for n in range(args.units)]
        bare = asyncio.run(cast_all(port, ["X"] * args.delegates, units, per_second=rate))
    finally:
        end_group(bare_server)
    print(
        f"{args.delegates} delegates, {args.units}-unit ballots, mode {args.mode} "
        "(at most 64 in flight), one uvicorn worker; latency from each ballot's scheduled "
        "arrival\n"
    )
    print("| store | ballots/s | all cast in | p50 ms | p99 ms | errors | stored |")
    print("|---|---|---|---|---|---|---|")
    for r in [{"name": "bare JSON parse (stores nothing)", **bare, "stored": "-"}, *results]:
        print(
            f"| {r['name']} | {r['rps']:.0f} | {r['elapsed']:.1f} s | {r['p50']:.0f} | "
            f"{r['p99']:.0f} | {r['errors']:.0f} | {r['stored']} |"
        )
    print()
    for r in results:
        total = r["issue"] + r["sheet"] + r["bundle"]
        print(
            f"{r['name']}: issuing {args.delegates} codes {r['issue']:.2f} s, card sheet, CSV "
            f"and QR PNGs {r['sheet']:.2f} s, ZIP {r['bundle']:.2f} s; total {total:.2f} s"
        )


if __name__ == "__main__":
    main()
