"""Time satisfaction results against the bare counting query, at 1M and 10M answers.

For each database and size the script builds a fresh schema with one evaluation (30 units in
4 categories, 2 public and 5 delegate groups with weights), seeds answers with executemany of
tuples in chunks (30 answers per response, about 1.5% of responses flagged, some of them
included or excluded by the office), and then, in a fresh child process so that its peak
memory is its own, times in the same run:

- the bare ``SELECT unit_id, group_id, question, level, count(*) FROM answer
  WHERE evaluation_id = ? GROUP BY ...`` (all rows fetched),
- the counting statement of ``survey.satisfaction.counts`` (the answers whose response
  counts), and the same counts as a join with ``response``, for comparison,
- the whole ``satisfaction_results`` call (counts, statistics, group combination, ranks with
  2,000 resampling draws per category, the response model) three ways: *first*, with no
  draws kept (as in a process that has just started); *after a new response*, with one more
  citizen's response (an answer for every unit) stored before each call, untimed, as while
  answers arrive; and *warm*, on unchanged answers,
- the call after a new response with raking to district and age margins (public responses
  carry a weighting cell; delegates', as ballots, do not).

    python benchmarks/satisfaction.py [--sizes 1000000,10000000] [--databases sqlite,postgresql]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

PostgreSQL runs in a database of its own, ``pingyi_bench``, created and dropped here; the
test database is not touched. Writes a Markdown table to stdout; paste it into RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import Session

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from survey import migrate  # noqa: E402
from survey.accounts import Principal  # noqa: E402
from survey.db import build_engine  # noqa: E402
from survey.models import (  # noqa: E402
    Evaluation,
    GroupWeight,
    RespondentGroup,
    Role,
    Unit,
    UnitCategory,
)
from survey.models.responses import is_counted  # noqa: E402
from survey.satisfaction import policy as policy_service  # noqa: E402
from survey.satisfaction import rank_draws  # noqa: E402
from survey.satisfaction.counts import CountFilter, answer_counts  # noqa: E402
from survey.satisfaction.schemas import SatisfactionPolicyPut  # noqa: E402
from survey.satisfaction.service import satisfaction_results  # noqa: E402
from survey.surveys.writer import ANSWER_COLUMNS, RESPONSE_COLUMNS, insert_rows  # noqa: E402

BENCH_DATABASE = "pingyi_bench"
UNITS_PER_CATEGORY = (8, 8, 7, 7)
PUBLIC_GROUPS = ("citizens", "enterprise")
DELEGATE_GROUPS = ("npc", "cppcc", "party", "cadres", "civil")
LEVELS = ("satisfied", "fairly_satisfied", "basically_satisfied", "dissatisfied", "dont_know")
VALUES = (100.0, 80.0, 60.0, 0.0, None)
DISTRICTS = [f"QX{n:02d}" for n in range(1, 13)]
AGES = ("18-34", "35-59", "60plus")
CHUNK_RESPONSES = 20_000
OFFICE = Principal(name="benchmark", role=Role.office)
BARE = (
    "SELECT unit_id, group_id, question, level, count(*) FROM answer "
    "WHERE evaluation_id = :e GROUP BY unit_id, group_id, question, level"
)
JOINED = (
    "SELECT a.unit_id, a.group_id, a.question, a.level, count(*) FROM answer a "
    "JOIN response r ON r.id = a.response_id WHERE a.evaluation_id = :e "
    "AND (r.quality_decision = 'include' OR "
    "(coalesce(r.quality_decision, '') <> 'exclude' AND r.quality_flags = 0)) "
    "GROUP BY a.unit_id, a.group_id, a.question, a.level"
)


# Building the data -----------------------------------------------------------------------------


def fresh_database(kind: str, postgres: str, workdir: Path) -> str:
    if kind == "sqlite":
        path = workdir / "bench.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    admin = build_engine(postgres).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {BENCH_DATABASE}"))
    admin.dispose()
    return make_url(postgres).set(database=BENCH_DATABASE).render_as_string(hide_password=False)


def drop_database(kind: str, postgres: str) -> None:
    if kind != "postgresql":
        return
    admin = build_engine(postgres).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)"))
    admin.dispose()


def organisation(session: Session) -> tuple[int, list[int], dict[str, int]]:
    evaluation = Evaluation(name="基准考核", year=2026, status="open")
    session.add(evaluation)
    groups: dict[str, RespondentGroup] = {}
    for order, code in enumerate(PUBLIC_GROUPS + DELEGATE_GROUPS):
        kind = "public" if code in PUBLIC_GROUPS else "delegate"
        groups[code] = RespondentGroup(code=code, name=code, kind=kind, sort_order=order)
        session.add(groups[code])
    session.flush()
    unit_ids: list[int] = []
    for c, size in enumerate(UNITS_PER_CATEGORY):
        category = UnitCategory(code=f"cat{c}", name=f"类别{c}", sort_order=c)
        session.add(category)
        session.flush()
        for u in range(size):
            unit = Unit(code=f"BM{c}{u:02d}", name=f"部门{c}-{u}", category_id=category.id)
            session.add(unit)
            session.flush()
            assert unit.id is not None
            unit_ids.append(unit.id)
        weights = {"citizens": 0.35, "enterprise": 0.25, **dict.fromkeys(DELEGATE_GROUPS, 0.08)}
        for code, weight in weights.items():
            session.add(
                GroupWeight(
                    evaluation_id=evaluation.id,  # type: ignore[arg-type]
                    category_id=category.id,  # type: ignore[arg-type]
                    group_id=groups[code].id,  # type: ignore[arg-type]
                    weight=weight,
                )
            )
    session.commit()
    assert evaluation.id is not None
    return evaluation.id, unit_ids, {code: g.id for code, g in groups.items()}  # type: ignore[misc]


def response_row(
    response_id: str,
    evaluation_id: int,
    group_id: int,
    submitted_at: datetime,
    flags: int,
    rng: random.Random,
    *,
    public: bool,
) -> tuple[Any, ...]:
    """One response in the writer's column order; a public one has a random weighting cell.

    Delegates answer on ballots, which never carry a weighting cell.
    """
    record = {
        "id": response_id,
        "evaluation_id": evaluation_id,
        "period_id": None,
        "group_id": group_id,
        "channel": "qr",
        "submitted_at": submitted_at,
        "time_precision": "second",
        "quality_flags": flags,
        "cell_key": (
            f"age={rng.choice(AGES)};district={rng.choice(DISTRICTS)}" if public else None
        ),
    }
    return tuple(record.get(c) for c in RESPONSE_COLUMNS)


def answer_row(
    response: tuple[Any, ...], seq: int, unit_id: int, k: int, decision: str | None = None
) -> tuple[Any, ...]:
    """Answer ``seq`` of a ``response_row``, level ``LEVELS[k]``, in the writer's column order.

    ``decision`` is the office's decision on the response, which decides whether it counts.
    """
    of = dict(zip(RESPONSE_COLUMNS, response, strict=True))
    answer = {
        "response_id": of["id"],
        "seq": seq,
        "evaluation_id": of["evaluation_id"],
        "period_id": of["period_id"],
        "group_id": of["group_id"],
        "unit_id": unit_id,
        "question": "overall",
        "level": LEVELS[k],
        "value": VALUES[k],
        "cell_key": of["cell_key"],
        "counted": is_counted(of["quality_flags"], decision),
    }
    return tuple(answer[c] for c in ANSWER_COLUMNS)


def seed(url: str, answers: int) -> int:
    migrate.upgrade(url)
    engine = build_engine(url)
    with Session(engine) as session:
        evaluation_id, unit_ids, group_ids = organisation(session)
    rng = random.Random(20261121)
    liked = [rng.uniform(0.55, 0.92) for _ in unit_ids]
    public = {group_ids[g] for g in PUBLIC_GROUPS}
    group_choice = [group_ids["citizens"]] * 70 + [group_ids["enterprise"]] * 20
    group_choice += [group_ids[g] for g in DELEGATE_GROUPS for _ in range(2)]
    start = datetime(2026, 10, 1, tzinfo=UTC)
    responses_total = -(-answers // len(unit_ids))
    written = 0
    began = time.perf_counter()
    while written < responses_total:
        size = min(CHUNK_RESPONSES, responses_total - written)
        responses: list[tuple[Any, ...]] = []
        rows: list[tuple[Any, ...]] = []
        decisions: list[dict[str, str]] = []
        for _ in range(size):
            response_id = os.urandom(16).hex()
            group_id = rng.choice(group_choice)
            roll = rng.random()
            flags = 2 if roll < 0.015 else 0
            decision = None
            if flags and roll < 0.005:
                decision = "include"
            elif not flags and roll > 0.997:
                decision = "exclude"
            if decision is not None:
                decisions.append({"d": decision, "id": response_id})
            submitted = start + timedelta(seconds=rng.randrange(0, 50 * 86400))
            response = response_row(
                response_id,
                evaluation_id,
                group_id,
                submitted,
                flags,
                rng,
                public=group_id in public,
            )
            responses.append(response)
            for seq, unit_id in enumerate(unit_ids):
                if rng.random() < 0.3:
                    k = 4
                else:
                    q = liked[seq]
                    weights = (q * q, 2 * q * (1 - q), (1 - q) * 0.8, (1 - q) ** 1.5 * 0.6)
                    k = rng.choices(range(4), weights)[0]
                rows.append(answer_row(response, seq, unit_id, k, decision))
        with engine.begin() as connection:
            insert_rows(connection, responses, rows, [])
            if decisions:
                # As the office decides (survey.surveys.service.decide_quality): the answers
                # were stored with whether their response counts under the decision.
                connection.execute(
                    text("UPDATE response SET quality_decision = :d WHERE id = :id"), decisions
                )
        written += size
        print(
            f"  seeded {written * len(unit_ids):,} answers ({time.perf_counter() - began:.0f} s)",
            file=sys.stderr,
        )
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(
                text("VACUUM ANALYZE")
            )
        else:
            connection.execute(text("ANALYZE"))
            connection.commit()
    engine.dispose()
    return evaluation_id


def add_margins(url: str, evaluation_id: int) -> None:
    engine = build_engine(url)
    with Session(engine) as session:
        policy_service.set_policy(
            session,
            evaluation_id,
            SatisfactionPolicyPut(
                margins={
                    "age": {"18-34": 340_000, "35-59": 450_000, "60plus": 210_000},
                    "district": {d: 1_000_000 / len(DISTRICTS) for d in DISTRICTS},
                },
                note="benchmark",
            ),
            OFFICE,
        )
    engine.dispose()


# Measuring (in a child process) -----------------------------------------------------------


def peak_rss_mb() -> float:
    """Peak resident memory of this process alone.

    ``getrusage`` keeps the forking parent's high-water mark across ``exec`` on Linux, so the
    child would report the seeding process's memory; ``VmHWM`` belongs to the new image.
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def new_response(engine: Any, evaluation_id: int, rng: random.Random) -> None:
    """One more citizen's response (an answer for every unit), as the writer stores it."""
    with engine.connect() as connection:
        units = [u for (u,) in connection.execute(text("SELECT id FROM unit ORDER BY id")).all()]
        (group_id,) = connection.execute(
            text("SELECT id FROM respondent_group WHERE code = 'citizens'")
        ).one()
    response_id = os.urandom(16).hex()
    record = response_row(
        response_id, evaluation_id, group_id, datetime.now(UTC), 0, rng, public=True
    )
    rows = []
    for seq, unit_id in enumerate(units):
        k = rng.randrange(len(LEVELS))
        rows.append(answer_row(record, seq, unit_id, k))
    with engine.begin() as connection:
        insert_rows(connection, [record], rows, [])


def measure(url: str, evaluation_id: int, repeat: int) -> dict[str, Any]:
    engine = build_engine(url)
    rng = random.Random(7)
    timings: dict[str, list[float]] = {
        "bare": [],
        "counts": [],
        "joined": [],
        "first": [],
        "cold": [],
        "results": [],
    }

    def run(name: str) -> None:
        if name == "first":
            # As in a process that has just started: no draws kept at all.
            rank_draws.clear()
        elif name == "cold":
            # As after an answer arrived: one more response, not timed.
            new_response(engine, evaluation_id, rng)
        with Session(engine) as session:
            began = time.perf_counter()
            if name == "bare":
                session.connection().execute(text(BARE), {"e": evaluation_id}).all()
            elif name == "joined":
                session.connection().execute(text(JOINED), {"e": evaluation_id}).all()
            elif name == "counts":
                answer_counts(session, CountFilter(evaluation_id=evaluation_id))
            else:
                satisfaction_results(session, evaluation_id, viewer=OFFICE)
            timings[name].append(time.perf_counter() - began)

    for name in timings:  # warm the caches once
        run(name)
        timings[name].clear()
    for _ in range(repeat):
        for name in timings:
            run(name)
    with Session(engine) as session:
        rank_draws.clear()
        tracemalloc.start()
        results = satisfaction_results(session, evaluation_id, viewer=OFFICE)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    engine.dispose()
    return {
        **{name: statistics.median(values) for name, values in timings.items()},
        "python_peak_mb": peak / 2**20,
        "maxrss_mb": peak_rss_mb(),
        "units": len(results.units),
        "version": results.policy.version,
    }


def measure_in_child(url: str, evaluation_id: int, repeat: int) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "measure", url, str(evaluation_id), str(repeat)],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "measure":
        print(json.dumps(measure(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000,10000000")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument(
        "--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    lines = [
        "| database | answers | bare GROUP BY | counts SQL | join variant | results, first "
        "| first / bare | results, after a new response | after / bare | results, warm "
        "| warm / bare | raked, after a new response | Python peak | process max RSS |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory() as workdir:
        for kind in args.databases.split(","):
            for size in (int(s) for s in args.sizes.split(",")):
                print(f"{kind}, {size:,} answers", file=sys.stderr)
                url = fresh_database(kind, args.postgres, Path(workdir))
                began = time.perf_counter()
                evaluation_id = seed(url, size)
                seeding = time.perf_counter() - began
                plain = measure_in_child(url, evaluation_id, args.repeat)
                add_margins(url, evaluation_id)
                raked = measure_in_child(url, evaluation_id, args.repeat)
                print(
                    json.dumps({"seed_s": seeding, "plain": plain, "raked": raked}), file=sys.stderr
                )
                lines.append(
                    f"| {kind} | {size:,} | {plain['bare']:.3f} s | {plain['counts']:.3f} s "
                    f"| {plain['joined']:.3f} s | {plain['first']:.3f} s "
                    f"| {plain['first'] / plain['bare']:.2f}x | {plain['cold']:.3f} s "
                    f"| {plain['cold'] / plain['bare']:.2f}x | {plain['results']:.3f} s "
                    f"| {plain['results'] / plain['bare']:.2f}x | {raked['cold']:.3f} s "
                    f"| {plain['python_peak_mb']:.1f} MB | {plain['maxrss_mb']:.0f} MB |"
                )
                drop_database(kind, args.postgres)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
