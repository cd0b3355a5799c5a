"""Time satisfaction results against a bare GROUP BY of the same answers, interleaved.

The sizes an office meets (the defaults): 100,000 answers over 30 units in 4 categories,
1,000,000 over 30 units in 4 categories, and 1,000,000 over 2,000 units in 20 categories,
always with 7 respondent groups (2 public, 5 delegate) weighted in every category. For each
database and size the script builds a fresh database named for the run (a SQLite file in a
folder of the run's own; on PostgreSQL ``<prefix>_<pid>_<random>``, created and dropped
here, so two runs never share or drop each other's), seeds the answers with the writer's bulk
insert (numpy draws, tuples in chunks; each response answers 30 units, about 1.5% of responses
flagged, some of them included or excluded by the office; the two public groups' responses
carry a design weight and a stratum, their district, as a statistics bureau's file imported
with those columns stores them, so the results take the design-based path; ``--no-design``
leaves them out), and then, in turn over
``--rounds`` rounds (A B A B ...), times:

- **bare**: ``SELECT unit_id, group_id, question, level, count(*) FROM answer WHERE
  evaluation_id = ? GROUP BY ...`` on the same database, all rows fetched: the baseline;
- **first**: the whole ``satisfaction_results`` call as the API makes it (office view: counts,
  statistics with design-based errors, group combination, significance flags against the
  category and between groups, ranks with their resampled intervals, the response model)
  with no rank draws kept, as in a process that has just started: the headline figure;
- **warm**: the same call again on unchanged answers (draws kept).

The timing process sets the garbage collector as a started server does
(``web.app.tune_garbage_collector``) after the untimed warm-up. Medians per size, their
ratios to the bare query of the same rounds, and the machine's load average
(``os.getloadavg``) before and after each size are printed as Markdown.

    python benchmarks/satisfaction.py [--sizes 100000:30:4,1000000:30:4,1000000:2000:20]
        [--rounds 5] [--databases sqlite,postgresql]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
        [--prefix pingyi_bench_satisfaction] [--profile FILE] [--no-design]

A size is ``answers:units:categories``. ``--profile FILE`` seeds the first database and size
named, profiles one *first* call with cProfile and writes the statistics (sorted by
cumulative time) to FILE instead of timing.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import text
from sqlmodel import Session

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import common  # noqa: E402
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
from survey.satisfaction import rank_draws  # noqa: E402
from survey.satisfaction.service import satisfaction_results  # noqa: E402
from survey.surveys.writer import ANSWER_COLUMNS, RESPONSE_COLUMNS, insert_rows  # noqa: E402
from web.app import tune_garbage_collector  # noqa: E402

DEFAULT_SIZES = "100000:30:4,1000000:30:4,1000000:2000:20"
PUBLIC_GROUPS = ("citizens", "enterprise")
DELEGATE_GROUPS = ("npc", "cppcc", "party", "cadres", "civil")
GROUP_SHARES = (0.70, 0.20, 0.02, 0.02, 0.02, 0.02, 0.02)
GROUP_WEIGHTS = (0.35, 0.25, 0.08, 0.08, 0.08, 0.08, 0.08)
LEVELS = ("satisfied", "fairly_satisfied", "basically_satisfied", "dissatisfied", "dont_know")
VALUES = (100.0, 80.0, 60.0, 0.0, None)
DISTRICTS = [f"QX{n:02d}" for n in range(1, 13)]
AGES = ("18-34", "35-59", "60plus")
ANSWERS_PER_RESPONSE = 30
CHUNK_RESPONSES = 10_000
OFFICE = Principal(name="benchmark", role=Role.office)
BARE = (
    "SELECT unit_id, group_id, question, level, count(*) FROM answer "
    "WHERE evaluation_id = :e GROUP BY unit_id, group_id, question, level"
)


@dataclass(frozen=True)
class Size:
    answers: int
    units: int
    categories: int

    @classmethod
    def parse(cls, spec: str) -> Size:
        answers, units, categories = (int(part) for part in spec.split(":"))
        return cls(answers, units, categories)

    def label(self) -> str:
        return f"{self.answers:,} answers, {self.units:,} units in {self.categories} categories"


# Databases named for the run -------------------------------------------------------------------


@contextmanager
def own_database(kind: str, postgres: str, prefix: str) -> Iterator[str]:
    """A fresh database of this run alone, removed afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="pingyi-satbench-") as folder:
            yield f"sqlite:///{folder}/bench.db"
        return
    with common.own_database(postgres, prefix) as url:
        yield url


# Building the data -----------------------------------------------------------------------------


def organisation(session: Session, size: Size) -> tuple[int, list[int], list[int]]:
    """The evaluation, its units in category order, and the group ids in ``GROUP_SHARES`` order."""
    evaluation = Evaluation(name="基准考核", year=2026, status="open")
    session.add(evaluation)
    groups: list[RespondentGroup] = []
    for order, code in enumerate(PUBLIC_GROUPS + DELEGATE_GROUPS):
        kind = "public" if code in PUBLIC_GROUPS else "delegate"
        groups.append(RespondentGroup(code=code, name=code, kind=kind, sort_order=order))
    session.add_all(groups)
    session.flush()
    # Units spread as evenly as they go (30 in 4 categories: 8, 8, 7, 7).
    per_category = [
        size.units // size.categories + (c < size.units % size.categories)
        for c in range(size.categories)
    ]
    units: list[Unit] = []
    for c, count in enumerate(per_category):
        category = UnitCategory(code=f"c{c:02d}", name=f"类别{c}", sort_order=c)
        session.add(category)
        session.flush()
        members = [
            Unit(
                code=f"U{c:02d}{u:03d}", name=f"部门{c}-{u}", category_id=category.id, sort_order=u
            )
            for u in range(count)
        ]
        session.add_all(members)
        units.extend(members)
        for group, weight in zip(groups, GROUP_WEIGHTS, strict=True):
            session.add(
                GroupWeight(
                    evaluation_id=evaluation.id,  # type: ignore[arg-type]
                    category_id=category.id,  # type: ignore[arg-type]
                    group_id=group.id,  # type: ignore[arg-type]
                    weight=weight,
                )
            )
    session.flush()
    unit_ids = [u.id for u in units]
    group_ids = [g.id for g in groups]
    session.commit()
    assert evaluation.id is not None
    return evaluation.id, unit_ids, group_ids  # type: ignore[return-value]


def level_table(units: int, rng: np.random.Generator) -> np.ndarray:  # type: ignore[type-arg]
    """Cumulative level probabilities per unit: 30% don't know, the rest by how liked it is."""
    q = rng.uniform(0.55, 0.92, units)[:, None]
    shares = np.hstack([q * q, 2 * q * (1 - q), (1 - q) * 0.8, (1 - q) ** 1.5 * 0.6])
    shares = 0.7 * shares / shares.sum(axis=1, keepdims=True)
    return np.cumsum(np.hstack([shares, np.full((units, 1), 0.3)]), axis=1)


def seed(url: str, size: Size, design: bool = True) -> int:
    migrate.upgrade(url)
    engine = build_engine(url)
    with Session(engine) as session:
        evaluation_id, unit_ids, group_ids = organisation(session, size)
    rng = np.random.default_rng(20261207)
    cumulative = level_table(len(unit_ids), rng)
    per_response = min(ANSWERS_PER_RESPONSE, len(unit_ids))
    responses_total = -(-size.answers // per_response)
    start = datetime(2026, 10, 1, tzinfo=UTC)
    public = set(group_ids[: len(PUBLIC_GROUPS)])
    written = 0
    while written < responses_total:
        count = min(CHUNK_RESPONSES, responses_total - written)
        numbers = np.arange(written, written + count)
        group_of = rng.choice(np.array(group_ids), size=count, p=GROUP_SHARES).tolist()
        roll = rng.random(count)
        seconds = rng.integers(0, 50 * 86400, count).tolist()
        cells = [
            f"age={AGES[a]};district={DISTRICTS[d]}"
            for a, d in zip(
                rng.integers(0, len(AGES), count),
                rng.integers(0, len(DISTRICTS), count),
                strict=True,
            )
        ]
        # Response r answers the per_response units from (r * per_response) on, wrapping: every
        # unit gets the same number of answers, each response's units are mostly one category's.
        first = (numbers * per_response) % len(unit_ids)
        unit_index = (first[:, None] + np.arange(per_response)) % len(unit_ids)
        uniform = rng.random(unit_index.shape)
        level_index = (uniform[..., None] > cumulative[unit_index]).sum(axis=-1).tolist()
        unit_index_list = unit_index.tolist()
        responses: list[tuple[Any, ...]] = []
        answers: list[tuple[Any, ...]] = []
        decisions: list[dict[str, str]] = []
        designs: list[dict[str, Any]] = []
        weights = rng.lognormal(0.0, 0.5, count).tolist()
        for k in range(count):
            response_id = uuid.uuid4().hex
            group_id = group_of[k]
            flags = 2 if roll[k] < 0.015 else 0
            decision = None
            if flags and roll[k] < 0.005:
                decision = "include"
            elif not flags and roll[k] > 0.997:
                decision = "exclude"
            if decision is not None:
                decisions.append({"d": decision, "id": response_id})
            cell = cells[k] if group_id in public else None
            if design and cell is not None:
                # A public sample stratified by district, with design weights as a
                # statistics bureau's file gives them (each respondent its own PSU).
                designs.append({"id": response_id, "w": weights[k], "h": cell[-4:]})
            record = {
                "id": response_id,
                "evaluation_id": evaluation_id,
                "period_id": None,
                "group_id": group_id,
                "channel": "qr",
                "submitted_at": start + timedelta(seconds=seconds[k]),
                "time_precision": "second",
                "quality_flags": flags,
                "cell_key": cell,
            }
            responses.append(tuple(record.get(c) for c in RESPONSE_COLUMNS))
            counted = is_counted(flags, decision)
            for seq, (u, lv) in enumerate(zip(unit_index_list[k], level_index[k], strict=True)):
                answer = (
                    response_id,
                    seq,
                    evaluation_id,
                    None,
                    group_id,
                    unit_ids[u],
                    "overall",
                    LEVELS[lv],
                    VALUES[lv],
                    cell,
                    counted,
                )
                answers.append(answer)
        with engine.begin() as connection:
            insert_rows(connection, responses, answers, [])
            if decisions:
                # As the office decides (survey.surveys.service.decide_quality): the answers
                # were stored with whether their response counts under the decision.
                connection.execute(
                    text("UPDATE response SET quality_decision = :d WHERE id = :id"), decisions
                )
            if designs:
                # As a response import with weight and stratum columns stores them: on the
                # response and copied onto its answers.
                connection.execute(
                    text("UPDATE response SET design_weight = :w, stratum = :h WHERE id = :id"),
                    designs,
                )
                connection.execute(
                    text(
                        "UPDATE answer SET design_weight = :w, stratum = :h WHERE response_id = :id"
                    ),
                    designs,
                )
        written += count
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


assert ANSWER_COLUMNS == (
    "response_id",
    "seq",
    "evaluation_id",
    "period_id",
    "group_id",
    "unit_id",
    "question",
    "level",
    "value",
    "cell_key",
    "counted",
), "seed() builds answer tuples in the writer's column order"


# Measuring ------------------------------------------------------------------------------------


def situations(engine: Any, evaluation_id: int) -> dict[str, Callable[[], None]]:
    def bare() -> None:
        with engine.connect() as connection:
            connection.execute(text(BARE), {"e": evaluation_id}).all()

    def results() -> None:
        with Session(engine) as session:
            satisfaction_results(session, evaluation_id, viewer=OFFICE)

    def first() -> None:
        rank_draws.clear()  # as in a process that has just started: no draws kept at all
        results()

    return {"bare": bare, "first": first, "warm": results}


def measure(url: str, evaluation_id: int, rounds: int) -> dict[str, list[float]]:
    engine = build_engine(url)
    runs = situations(engine, evaluation_id)
    for run in runs.values():  # untimed: imports, the database's page cache, a warm pool
        run()
    # The collector as a started server has it (web.app): the heap of a started process frozen,
    # young collections every 10,000 allocations.
    tune_garbage_collector()
    timings: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():  # A B A B: the load falls on both alike
            began = time.perf_counter()
            run()
            timings[name].append(time.perf_counter() - began)
    engine.dispose()
    return timings


def profile(url: str, evaluation_id: int, path: str) -> None:
    engine = build_engine(url)
    runs = situations(engine, evaluation_id)
    runs["first"]()
    tune_garbage_collector()
    profiler = cProfile.Profile()
    profiler.enable()
    runs["first"]()
    profiler.disable()
    engine.dispose()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(80)
    Path(path).write_text(out.getvalue())


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.1f} / {five:.1f} / {fifteen:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=DEFAULT_SIZES)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument(
        "--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--prefix", default="pingyi_bench_satisfaction")
    parser.add_argument("--profile", metavar="FILE")
    parser.add_argument(
        "--no-design",
        dest="design",
        action="store_false",
        help="seed without design weights and strata (the public groups carry them by default)",
    )
    args = parser.parse_args()
    if args.rounds < 3:
        parser.error("at least 3 rounds")
    sizes = [Size.parse(s) for s in args.sizes.split(",")]
    kinds = args.databases.split(",")
    if args.profile:
        with own_database(kinds[0], args.postgres, args.prefix) as url:
            profile(url, seed(url, sizes[0], args.design), args.profile)
        return
    print(
        f"`python benchmarks/satisfaction.py --sizes {args.sizes} --rounds {args.rounds} "
        f"--databases {args.databases}{'' if args.design else ' --no-design'}`, "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{os.cpu_count()} cores; load average 1 / 5 / 15 min at each size's start and end.\n"
    )
    print(
        "| database | size | seeded | bare GROUP BY (ms) | results, first (ms) | first / bare "
        "| results, warm (ms) | warm / bare | every round: bare / first | load |"
    )
    print("|---|---|---|---:|---:|---:|---:|---:|---|---|")
    for kind in kinds:
        for size in sizes:
            with own_database(kind, args.postgres, args.prefix) as url:
                began = time.perf_counter()
                evaluation_id = seed(url, size, args.design)
                seeded = time.perf_counter() - began
                load_before = load()
                timings = measure(url, evaluation_id, args.rounds)
                load_after = load()
            bare, first, warm = (
                statistics.median(timings[name]) * 1000 for name in ("bare", "first", "warm")
            )
            every = ", ".join(
                f"{b * 1000:.0f}/{f * 1000:.0f}"
                for b, f in zip(timings["bare"], timings["first"], strict=True)
            )
            print(
                f"| {kind} | {size.label()} | {seeded:.0f} s | {bare:.1f} | {first:.1f} "
                f"| {first / bare:.2f}x | {warm:.1f} | {warm / bare:.2f}x | {every} "
                f"| {load_before} → {load_after} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
