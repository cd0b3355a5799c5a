"""The wheel ships every package and data folder the app needs at run time."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_python_package_is_declared() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    declared = set(config["packages"])
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for top in ("survey", "scoring", "web")
        for init in (ROOT / top).rglob("__init__.py")
    }
    assert found <= declared, f"add to [tool.setuptools] packages: {sorted(found - declared)}"
    assert config["package-dir"]["pingyi_migrations"] == "migrations"


def test_templates_static_files_and_catalogs_are_package_data() -> None:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    patterns = data["package-data"]["web"]
    assert {"templates/**/*", "static/**/*", "locales/**/*"} <= set(patterns)
