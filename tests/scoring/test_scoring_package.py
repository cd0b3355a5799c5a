"""Package hygiene: scoring stays pure computation with a small public API."""

from __future__ import annotations

import sys
from pathlib import Path

import scoring
from tests.import_roots import imported_roots

PACKAGE_DIR = Path(scoring.__file__).resolve().parent
ALLOWED_THIRD_PARTY = {"numpy", "scipy"}


def test_only_numpy_scipy_and_stdlib_are_imported() -> None:
    files = sorted(PACKAGE_DIR.rglob("*.py"))
    assert files
    for path in files:
        foreign = imported_roots(path) - ALLOWED_THIRD_PARTY - {"scoring"}
        foreign -= set(sys.stdlib_module_names)
        assert not foreign, f"{path.name} imports {sorted(foreign)}"


def test_public_names_exist() -> None:
    assert len(set(scoring.__all__)) == len(scoring.__all__)
    for name in scoring.__all__:
        assert hasattr(scoring, name), name
    assert issubclass(scoring.ScoringWarning, UserWarning)
