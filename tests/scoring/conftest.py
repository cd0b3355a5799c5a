"""Fixtures for the scoring tests: the R `survey` reference data and count helpers."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

# A copy of shared/reference kept in the repository, so that no cross-check skips on a fresh
# clone (the data come from R's `survey` package; see the README beside them).
REFERENCE_DIR = Path(__file__).resolve().parents[1] / "data" / "reference"

Table = dict[str, np.ndarray]


def _read_csv(name: str) -> Table:
    path = REFERENCE_DIR / name
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    columns = {key: np.array([row[key] for row in rows]) for key in rows[0]}
    for key in ("api00", "api99", "enroll", "pw", "fpc"):
        columns[key] = columns[key].astype(float)
    return columns


@pytest.fixture(scope="session")
def apiclus1() -> Table:
    """One-stage cluster sample of 15 districts (183 schools) from R survey's `api` data."""
    return _read_csv("apiclus1_min.csv")


@pytest.fixture(scope="session")
def apistrat() -> Table:
    """Sample of 200 schools stratified by school type from R survey's `api` data."""
    return _read_csv("apistrat_min.csv")


def expand_counts(counts: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Raw ratings of one cell: each valid level's score repeated by its count."""
    valid = ~np.isnan(scores)
    return np.repeat(scores[valid], counts[valid].astype(int))


@pytest.fixture
def expand() -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    return expand_counts
