"""Package hygiene: scoring stays pure computation with a small public API."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import scoring

PACKAGE_DIR = Path(scoring.__file__).resolve().parent
ALLOWED_THIRD_PARTY = {"numpy", "scipy"}


def _imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_only_numpy_scipy_and_stdlib_are_imported() -> None:
    files = sorted(PACKAGE_DIR.rglob("*.py"))
    assert files
    for path in files:
        foreign = _imported_roots(path) - ALLOWED_THIRD_PARTY - {"scoring"}
        foreign -= set(sys.stdlib_module_names)
        assert not foreign, f"{path.name} imports {sorted(foreign)}"


def test_public_names_exist() -> None:
    assert len(set(scoring.__all__)) == len(scoring.__all__)
    for name in scoring.__all__:
        assert hasattr(scoring, name), name
    assert issubclass(scoring.ScoringWarning, UserWarning)
