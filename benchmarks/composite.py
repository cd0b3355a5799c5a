"""Composite results and their sensitivity draws at city scale.

2,000 units in 20 categories, 5 blocks x 10 indicators each (one a satisfaction leaf with a
sampling error), 1,000 Monte Carlo draws. The baseline, timed in the same run, is the bare
numpy work of the draws: perturbing the weights and forming the weighted sums.

    python benchmarks/composite.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

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


def main() -> None:
    start = time.perf_counter()
    results = build()
    scheme_seconds = time.perf_counter() - start
    rule = GradeRule(thresholds=None, max_shares=(0.2, 0.3, 0.3))
    start = time.perf_counter()
    sensitivity = composite_sensitivity(
        results, n_draws=DRAWS, weight_band=0.2, seed=1, grade_rule=rule
    )
    draw_seconds = time.perf_counter() - start
    base = baseline()
    assert len(sensitivity.units) == CATEGORIES * UNITS
    print(
        f"| results for {CATEGORIES * UNITS} units x {BLOCKS * LEAVES} indicators | "
        f"{scheme_seconds:.2f} s |"
    )
    print(
        f"| sensitivity, {DRAWS} draws | {draw_seconds:.2f} s | "
        f"{draw_seconds / base:.1f}x the bare numpy baseline ({base:.2f} s) |"
    )


if __name__ == "__main__":
    main()
