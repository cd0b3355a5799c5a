"""Package hygiene: survey/ holds the domain and never reaches up into the web layer."""

from __future__ import annotations

from pathlib import Path

import survey
from tests.import_roots import imported_roots

PACKAGE_DIR = Path(survey.__file__).resolve().parent
# The web framework and the web package sit above survey/; importing them would turn the
# layering (web -> survey -> scoring) into a cycle and tie the domain to HTTP.
FORBIDDEN_ROOTS = {"fastapi", "starlette", "uvicorn", "web"}


def test_survey_imports_no_web_framework_and_not_web() -> None:
    files = sorted(PACKAGE_DIR.rglob("*.py"))
    assert files
    offenders = {
        str(path.relative_to(PACKAGE_DIR)): sorted(imported_roots(path) & FORBIDDEN_ROOTS)
        for path in files
        if imported_roots(path) & FORBIDDEN_ROOTS
    }
    assert not offenders, f"survey/ modules import the web layer: {offenders}"


def test_guard_sees_a_violation(tmp_path: Path) -> None:
    # The guard must not pass vacuously: a module with such imports is caught.
    probe = tmp_path / "probe.py"
    source = "from fastapi import Depends\nimport web.app\nimport numpy\n"
    probe.write_text(source, encoding="utf-8")
    assert imported_roots(probe) & FORBIDDEN_ROOTS == {"fastapi", "web"}
