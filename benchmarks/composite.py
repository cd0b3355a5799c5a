"""Composite results and their sensitivity draws at city scale.

2,000 units in 20 categories, 5 blocks x 10 indicators each (one a satisfaction leaf with a
sampling error), 1,000 Monte Carlo draws. The baseline, timed in the same run, is the bare
numpy work of the draws: perturbing the weights and forming the weighted sums.

The library part evaluates hand-built scheme trees. The database part loads the same shape
into a fresh SQLite database and into PostgreSQL (a database of its own,
``pingyi_bench_composite``, created and dropped here; the test database is not touched): a
YAML scheme per category whose 49 hard indicators are each scored on the cumulative periods
Q1, H1, Q1-Q3 and the year (10/20/30/40 %) by a mix of methods, plus a satisfaction leaf fed
by 120,000 answers; 392,000 indicator values in all. It then times the whole service call
(``survey.composite.service.composite_results``: loading, satisfaction, scoring, ranks,
grades, flags, the response model) without and with 1,000 sensitivity draws, each in a fresh
Python process whose first call counts its imports too (as a server's first results page after
a start), and the best of three in that process, in wall-clock seconds and in the process's CPU
seconds (less sensitive to other work on a shared machine; with PostgreSQL the server's work is
not in it).

    python benchmarks/composite.py [--databases sqlite,postgresql] [--only service]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
        [--profile FILE]

``--profile FILE`` loads the first database named, profiles one results call with cProfile
(the first in the process, as timed otherwise) and writes the statistics to FILE instead of
timing anything.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import math
import pstats
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scoring import (
    GradeRule,
    SchemeBlock,
    SchemeLeaf,
    composite_sensitivity,
    evaluate_scheme,
)

CATEGORIES, UNITS, BLOCKS, LEAVES, DRAWS = 20, 100, 5, 10, 1000


def build() -> list:  # type: ignore[type-arg]
    rng = np.random.default_rng(0)
    results = []
    for c in range(CATEGORIES):
        blocks = []
        for b in range(BLOCKS):
            leaves = [
                SchemeLeaf(
                    f"i{k}",
                    rng.uniform(4, 10, UNITS),
                    max_points=10,
                    weight=1 / LEAVES,
                    se=rng.uniform(0.1, 0.5, UNITS) if (b, k) == (BLOCKS - 1, 0) else None,
                )
                for k in range(LEAVES)
            ]
            blocks.append(SchemeBlock(f"b{b}", leaves, weight=1 / BLOCKS))
        results.append(
            evaluate_scheme(SchemeBlock("root", blocks), units=[f"c{c}u{u}" for u in range(UNITS)])
        )
    return results


def baseline() -> float:
    rng = np.random.default_rng(1)
    scores = rng.uniform(0, 10, (CATEGORIES * UNITS, BLOCKS * LEAVES))
    start = time.perf_counter()
    for _ in range(DRAWS // 100):
        weights = 1 + rng.uniform(-0.2, 0.2, (100, BLOCKS * LEAVES))
        weights /= weights.sum(axis=1, keepdims=True)
        np.argsort(-(weights @ scores.T), axis=1)
    return time.perf_counter() - start


def library() -> tuple[float, float, float]:
    start = time.perf_counter()
    results = build()
    scheme_seconds = time.perf_counter() - start
    rule = GradeRule(thresholds=None, max_shares=(0.2, 0.3, 0.3))
    start = time.perf_counter()
    sensitivity = composite_sensitivity(
        results, n_draws=DRAWS, weight_band=0.2, seed=1, grade_rule=rule
    )
    draw_seconds = time.perf_counter() - start
    assert len(sensitivity.units) == CATEGORIES * UNITS
    return scheme_seconds, draw_seconds, baseline()


# The database-backed run ----------------------------------------------------------------------

METHODS = (
    ("target_completion", "{cap: 1.2}"),
    ("efficacy_coefficient", "{}"),
    ("min_max", "{min_points: 40}"),
    ("z_score", "{}"),
    ("rank_points", "{}"),
    ("benchmark", "{}"),
)
PERIODS = ("Q1", "H1", "Q1-Q3", "year")
RESPONSES_PER_GROUP = 30
BENCH_DATABASE = "pingyi_bench_composite"


def scheme_yaml(category: str) -> str:
    """Five blocks of ten indicators, weights mode; the first of the last block is satisfaction."""
    lines = [
        f"category: {category}",
        "title: benchmark",
        "periods: {codes: [Q1, H1, Q1-Q3, year], weights: [0.1, 0.2, 0.3, 0.4]}",
        "blocks:",
    ]
    for b in range(BLOCKS):
        lines += [f"  - code: b{b}", f"    name: 板块{b}", "    weight: 0.2", "    indicators:"]
        for k in range(LEAVES):
            code = f"i{b}_{k}"
            lines += [f"      - code: {code}", f"        name: 指标{code}", "        weight: 0.1"]
            if (b, k) == (BLOCKS - 1, 0):
                lines.append("        source: {type: satisfaction}")
                continue
            method, params = METHODS[(b * LEAVES + k) % len(METHODS)]
            lines += [
                f"        method: {method}",
                f"        params: {params}",
                f"        source: {{type: hard, indicator: {code}}}",
            ]
    lines += [
        "adjustments:",
        "  - code: bonus",
        "    name: 加减分",
        "    items:",
        "      - {code: honour, name: 表彰, low: 2, high: 8}",
        "      - {code: negative, name: 负面, low: -6, high: -1}",
        "    bonus_total_max: 8",
        "grades: {thresholds: null, max_shares: [0.2, 0.3, 0.3]}",
        "interview: {bottom: 3, fall_places: 10}",
        "warnings:",
        "  - {indicator: i0_0, period: year, against: H1, max_drop: 0.1}",
        "  - {indicator: i0_1, period: year, threshold: 50}",
    ]
    return "\n".join(lines) + "\n"


def load(url: str) -> int:
    """A fresh schema with the city-scale evaluation; returns the evaluation id."""
    from sqlmodel import Session

    from survey import migrate
    from survey.accounts import Principal
    from survey.composite import scheme as schemes
    from survey.composite.models import IndicatorValue
    from survey.db import build_engine
    from survey.models import (
        Evaluation,
        GroupKind,
        GroupWeight,
        RespondentGroup,
        Role,
        Unit,
        UnitCategory,
    )
    from survey.security import random_id
    from survey.surveys.writer import ANSWER_COLUMNS, RESPONSE_COLUMNS, insert_rows

    migrate.upgrade(url)
    engine = build_engine(url)
    actor = Principal(name="benchmark", role=Role.office)
    rng = random.Random(6)
    with Session(engine) as session:
        evaluation = Evaluation(name="基准", year=2026, status="open")
        session.add(evaluation)
        groups = [
            RespondentGroup(code=code, name=code, kind=GroupKind.public)
            for code in ("citizens", "enterprise")
        ]
        session.add_all(groups)
        categories = [UnitCategory(code=f"c{c:02d}", name=f"类别{c}") for c in range(CATEGORIES)]
        session.add_all(categories)
        session.flush()
        units: list[list[Unit]] = []
        for category in categories:
            members = [
                Unit(code=f"{category.code}u{u:03d}", name=f"单位{u}", category_id=category.id)
                for u in range(UNITS)
            ]
            session.add_all(members)
            units.append(members)
            for group, weight in zip(groups, (0.7, 0.3), strict=True):
                session.add(
                    GroupWeight(
                        evaluation_id=evaluation.id,
                        category_id=category.id,
                        group_id=group.id,
                        weight=weight,
                    )
                )
        session.commit()
        assert evaluation.id is not None
        evaluation_id = evaluation.id
        text = "---\n".join(scheme_yaml(c.code) for c in categories)
        schemes.import_text(session, evaluation_id, text, actor)

        value_table = IndicatorValue.__table__
        rows: list[dict[str, Any]] = []
        for members in units:
            for unit in members:
                strength = rng.uniform(0.6, 1.4)
                for b in range(BLOCKS):
                    for k in range(LEAVES):
                        if (b, k) == (BLOCKS - 1, 0):
                            continue
                        level = 100 * strength * rng.uniform(0.8, 1.2)
                        for p, share in zip(PERIODS, (0.25, 0.5, 0.75, 1.0), strict=True):
                            rows.append(
                                {
                                    "evaluation_id": evaluation_id,
                                    "unit_id": unit.id,
                                    "indicator": f"i{b}_{k}",
                                    "period": p,
                                    "value": level * share * rng.uniform(0.9, 1.1),
                                    "target": 100 * share,
                                    "benchmark": 110 * share,
                                    "source": "bench",
                                    "updated_at": evaluation.created_at,
                                    "updated_by": "benchmark",
                                }
                            )
        connection = session.connection()
        for start in range(0, len(rows), 20_000):
            connection.execute(value_table.insert(), rows[start : start + 20_000])
        session.commit()

        levels = (("satisfied", 100.0), ("fairly_satisfied", 80.0), ("dissatisfied", 0.0))
        responses: list[tuple[Any, ...]] = []
        answers: list[tuple[Any, ...]] = []
        for members in units:
            liked = {u.id: rng.uniform(0.5, 0.95) for u in members}
            for group in groups:
                for _ in range(RESPONSES_PER_GROUP):
                    response = {
                        "id": random_id(),
                        "evaluation_id": evaluation_id,
                        "group_id": group.id,
                        "channel": "import",
                        "submitted_at": evaluation.created_at,
                        "time_precision": "day",
                        "quality_flags": 0,
                    }
                    responses.append(tuple(response.get(c) for c in RESPONSE_COLUMNS))
                    for seq, unit in enumerate(members):
                        q = liked[unit.id]
                        level, value = rng.choices(levels, (q, 1 - q, (1 - q) / 2))[0]
                        answer = {
                            "response_id": response["id"],
                            "seq": seq,
                            "evaluation_id": evaluation_id,
                            "group_id": group.id,
                            "unit_id": unit.id,
                            "question": "overall",
                            "level": level,
                            "value": value,
                            "counted": True,  # no quality flags in this seed
                        }
                        answers.append(tuple(answer.get(c) for c in ANSWER_COLUMNS))
        insert_rows(session.connection(), responses, answers, [])
        session.commit()
    engine.dispose()
    return evaluation_id


def timed_service(url: str, evaluation_id: int, repeats: int = 3) -> dict[str, float]:
    """Seconds of the whole service call (wall and the calling process's CPU), without and
    with draws: each kind in a fresh Python process (``--child``), so that its first call
    pays for imports, compiled-statement caches and connection set-up as a server's first
    request does; then the best of ``repeats`` in that process."""
    out: dict[str, float] = {}
    for name in ("results", "draws"):
        child = subprocess.run(
            [sys.executable, __file__, "--child", name, url, str(evaluation_id), str(repeats)],
            capture_output=True,
            text=True,
            check=False,
        )
        if child.returncode != 0:
            raise SystemExit(f"the timed {name} process failed:\n{child.stderr}")
        times, cpu = json.loads(child.stdout.strip().splitlines()[-1])
        out[f"{name}_first"] = times[0]
        out[f"{name}_best"] = min(times)
        out[f"{name}_first_cpu"] = cpu[0]
        out[f"{name}_best_cpu"] = min(cpu)
    return out


def child_timings(kind: str, url: str, evaluation_id: int, repeats: int) -> None:
    """Run in the fresh process: time ``repeats`` service calls and print them as JSON."""
    start_process = time.perf_counter()
    from sqlmodel import Session

    from survey.accounts import Principal
    from survey.composite import service
    from survey.db import build_engine
    from survey.models import Role

    viewer = Principal(name="benchmark", role=Role.office)
    request = service.SensitivityRequest(draws=DRAWS, seed=1) if kind == "draws" else None
    engine = build_engine(url)
    times, cpu = [], []
    for attempt in range(repeats):
        with Session(engine) as session:
            # The first call also counts the imports above, as a fresh server's would.
            start = start_process if attempt == 0 else time.perf_counter()
            start_cpu = 0.0 if attempt == 0 else time.process_time()
            results = service.composite_results(
                session, evaluation_id, viewer=viewer, sensitivity=request
            )
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        assert len(results.units) == CATEGORIES * UNITS
        assert all(u.total is not None for u in results.units)
        assert request is None or all(u.sensitivity for u in results.units)
    engine.dispose()
    print(json.dumps([times, cpu]))


def profiled_service(url: str, evaluation_id: int) -> str:
    """cProfile statistics of one results call, the first in this process."""
    from sqlmodel import Session

    from survey.accounts import Principal
    from survey.composite import service
    from survey.db import build_engine
    from survey.models import Role

    engine = build_engine(url)
    profile = cProfile.Profile()
    with Session(engine) as session:
        profile.enable()
        service.composite_results(
            session, evaluation_id, viewer=Principal(name="benchmark", role=Role.office)
        )
        profile.disable()
    engine.dispose()
    text = io.StringIO()
    stats = pstats.Stats(profile, stream=text)
    stats.sort_stats("cumulative").print_stats(80)
    stats.sort_stats("tottime").print_stats(40)
    return text.getvalue()


def database_runs(
    databases: list[str], postgres: str, profile: str | None = None
) -> list[tuple[str, dict[str, float]]]:
    found: list[tuple[str, dict[str, float]]] = []

    def run(name: str, url: str) -> None:
        start = time.perf_counter()
        evaluation_id = load(url)
        loaded = time.perf_counter() - start
        if profile is not None:
            Path(profile).write_text(profiled_service(url, evaluation_id), encoding="utf-8")
            print(f"{name}: profile of the first results call written to {profile}")
            return
        found.append((name, {"load": loaded, **timed_service(url, evaluation_id)}))

    for database in databases:
        if database == "sqlite":
            with tempfile.TemporaryDirectory() as folder:
                run("SQLite", f"sqlite:///{folder}/bench.db")
        elif database == "postgresql" and postgres:
            from benchmarks.common import own_database

            with own_database(postgres, BENCH_DATABASE) as url:
                run("PostgreSQL", url)
        if profile is not None:
            break
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument(
        "--postgres",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
        help="PostgreSQL server URL, or '' to skip",
    )
    parser.add_argument(
        "--only", choices=("library", "service"), help="run one part (default: both)"
    )
    parser.add_argument("--profile", help="profile one results call into this file instead")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, url, evaluation_id, repeats = args.child
        child_timings(kind, url, int(evaluation_id), int(repeats))
        return
    databases = args.databases.split(",")
    if args.profile:
        database_runs(databases, args.postgres, args.profile)
        return
    library_figures = library() if args.only != "service" else None
    runs = database_runs(databases, args.postgres) if args.only != "library" else []
    print(
        f"Composite benchmark: {CATEGORIES * UNITS} units in {CATEGORIES} categories, "
        f"{BLOCKS * LEAVES} indicators each, {DRAWS} draws\n"
    )
    print("| step | time | against the same-run baseline |")
    print("|---|---|---|")
    scheme_seconds = draw_seconds = math.nan
    if library_figures is not None:
        scheme_seconds, draw_seconds, base = library_figures
        print(
            f"| library: scheme results for {CATEGORIES * UNITS} units x {BLOCKS * LEAVES} "
            f"indicators | {scheme_seconds:.2f} s | - |"
        )
        print(
            f"| library: sensitivity, {DRAWS} draws | {draw_seconds:.2f} s | "
            f"{draw_seconds / base:.1f}x the bare numpy baseline ({base:.2f} s) |"
        )

    def ratio(seconds: float, against: float, what: str, digits: int) -> str:
        return "-" if math.isnan(against) else f"{seconds / against:.{digits}f}x {what}"

    for name, t in runs:
        for key, label, against, what, digits in (
            ("results", "results through the service", scheme_seconds, "the library results", 0),
            (
                "draws",
                f"results with {DRAWS} sensitivity draws",
                scheme_seconds + draw_seconds,
                "the library results and draws",
                1,
            ),
        ):
            print(
                f"| {name}: {label} | {t[key + '_first']:.2f} s, CPU {t[key + '_first_cpu']:.2f} s "
                f"(best of 3: {t[key + '_best']:.2f} s, CPU {t[key + '_best_cpu']:.2f} s) | "
                f"{ratio(t[key + '_best'], against, what, digits)} |"
            )
    for name, t in runs:
        print(f"\n{name}: loading the data took {t['load']:.1f} s (not timed above).")


if __name__ == "__main__":
    main()
