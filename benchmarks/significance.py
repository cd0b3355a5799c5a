"""Time the significance marks of satisfaction results against the rest of the arithmetic.

Builds random answer counts for U units in 20 categories with 7 respondent groups (no
database), then times, in the same run: the cell statistics, the units' combination over the
groups and their ranks (``unit_results`` without rank draws), and the comparisons added on
top (``comparisons.annotate``: CV and deff flags, each unit against the rest of its category,
every pair of its groups, Holm within each family) and the previous-evaluation test
(``add_previous_comparisons``). The database's counting and the rank draws, which dominate
a real call, are left out, so the share shown is an upper bound of what the marks add.

    python benchmarks/significance.py [--units 2000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from survey.models import RespondentGroup, Unit, UnitCategory  # noqa: E402
from survey.satisfaction import comparisons, tables  # noqa: E402
from survey.satisfaction.policy import scoring_policy  # noqa: E402
from survey.satisfaction.schemas import PolicySettings  # noqa: E402
from survey.satisfaction.tables import Axes, Tables  # noqa: E402
from survey.satisfaction.units import unit_results  # noqa: E402

GROUPS = 7
CATEGORIES = 20


def _world(units: int, seed: int) -> tuple[Axes, dict[int | None, UnitCategory], Tables]:
    rng = np.random.default_rng(seed)
    categories: dict[int | None, UnitCategory] = {
        k: UnitCategory(id=k, code=f"C{k:02d}", name=f"C{k}", sort_order=k)
        for k in range(1, CATEGORIES + 1)
    }
    unit_rows = [
        Unit(id=i + 1, code=f"U{i:05d}", name=f"U{i}", category_id=1 + i % CATEGORIES)
        for i in range(units)
    ]
    unit_rows.sort(key=lambda u: (u.category_id, u.code))
    groups = [RespondentGroup(id=g + 1, code=f"g{g}", name=f"g{g}") for g in range(GROUPS)]
    settings = PolicySettings()
    policy = scoring_policy(settings)
    levels = len(policy.levels)
    # Each unit has its own answer shares; its groups answer close to them (concentration
    # 300), as groups of one unit mostly do, so a few pairs differ significantly.
    base = rng.dirichlet(np.full(levels, 4.0), size=units)
    shares = np.stack(
        [[rng.dirichlet(300 * base[u] + 1e-3) for _ in range(GROUPS)] for u in range(units)]
    )
    n = rng.integers(5, 400, size=(units, GROUPS))
    counts = np.stack(
        [[rng.multinomial(n[u, g], shares[u, g]) for g in range(GROUPS)] for u in range(units)]
    ).astype(np.float64)
    axes = Axes(units=unit_rows, groups=groups, questions=["q"], levels=policy.levels)
    return axes, categories, Tables(counts=counts)


def _best(function: object, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    axes, categories, pooled = _world(args.units, 20261207)
    settings = PolicySettings()
    policy = scoring_policy(settings)
    weights = {cid: np.full(GROUPS, 1.0 / GROUPS) for cid in categories if cid is not None}

    def base() -> list[object]:
        stats = tables.statistics(pooled, policy)
        return unit_results(  # type: ignore[return-value]
            axes, categories, weights, stats, settings, policy, pooled, rank_intervals=False
        )

    stats = tables.statistics(pooled, policy)
    units = unit_results(
        axes, categories, weights, stats, settings, policy, pooled, rank_intervals=False
    )
    previous = unit_results(
        axes, categories, weights, stats, settings, policy, pooled, rank_intervals=False
    )
    t_base = _best(base, args.repeat)
    t_marks = _best(
        lambda: comparisons.annotate(units, axes, stats, settings, False, None), args.repeat
    )
    t_previous = _best(
        lambda: comparisons.add_previous_comparisons(
            units, previous, 1, None, settings.significance
        ),
        args.repeat,
    )
    pairs = sum(u.group_pairs_tested or 0 for u in units)
    disagreeing = sum(len(u.group_disagreements) for u in units)
    print("| units x groups | statistics + combination (ms) | marks (ms) | previous (ms) |")
    print("|---|---|---|---|")
    print(
        f"| {args.units} x {GROUPS} ({pairs} group pairs, {disagreeing} significant) | "
        f"{t_base * 1000:.1f} | {t_marks * 1000:.1f} | {t_previous * 1000:.1f} |"
    )


if __name__ == "__main__":
    main()
