"""The ``pingyi`` command run as an operator runs it (a subprocess), and the demo city loaded
into a test's own SQLite file by that command.

Loading the demo is the slowest thing a command-line test does (the real loader, about
100,000 answers, in a fresh process: 20-30 s on a busy CI machine), and a dozen tests need
the demo city only as the ground their own commands run on. ``demo_into`` runs ``pingyi demo``
for real the first time a test worker asks with given settings, keeps the SQLite file that
command wrote, and later copies that file into the asking test's folder, answering with the
command's own output (its passwords open the copied file). The tests of ``pingyi demo`` itself
run the command every time.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PINGYI = str(Path(sys.executable).with_name("pingyi"))
SQLITE_FILE = "cli.db"
# Settings that name places, not what the demo city holds (the key of a kept load is every
# other PINGYI_ setting; the rest of the environment does not change what the demo writes).
_PLACES = ("PINGYI_DATA_DIR", "PINGYI_DATABASE_URL")


def cli_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a production install whose data live in ``tmp_path``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PINGYI_")}
    env.update(
        {
            "PINGYI_MODE": "production",
            "PINGYI_SECRET_KEY": "cli-test-secret-" + "z" * 32,
            "PINGYI_DATA_DIR": str(tmp_path / "data"),
            "PINGYI_DATABASE_URL": f"sqlite:///{tmp_path / SQLITE_FILE}",
            "PINGYI_DEFAULT_LANGUAGE": "en",
            **extra,
        }
    )
    return env


def run_cli(
    tmp_path: Path, *args: str, stdin: str = "", **extra: str
) -> subprocess.CompletedProcess[str]:
    """``pingyi ARGS`` in ``tmp_path`` with ``cli_env``; never raises on a non-zero exit."""
    return subprocess.run(
        [PINGYI, *args],
        env=cli_env(tmp_path, **extra),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        check=False,
    )


_loaded: dict[tuple[tuple[str, str], ...], tuple[Path, subprocess.CompletedProcess[str]]] = {}
_folder: Path | None = None


def _cache_folder() -> Path:
    global _folder
    if _folder is None:
        _folder = Path(tempfile.mkdtemp(prefix="pingyi-cli-demo-"))
        atexit.register(shutil.rmtree, _folder, True)
    return _folder


def demo_into(tmp_path: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    """``pingyi demo`` into ``tmp_path``'s SQLite file (see the module's text): run for real
    once per worker and settings, copied from that run afterwards."""
    target = tmp_path / SQLITE_FILE
    if "PINGYI_DATABASE_URL" in extra or target.exists():
        # Another database, or one that already holds data: the command decides, as ever.
        return run_cli(tmp_path, "demo", **extra)
    env = cli_env(tmp_path, **extra)
    key = tuple(
        sorted((k, v) for k, v in env.items() if k.startswith("PINGYI_") and k not in _PLACES)
    )
    if key not in _loaded:
        folder = Path(tempfile.mkdtemp(dir=_cache_folder()))
        result = run_cli(folder, "demo", **extra)
        if result.returncode != 0:
            return result
        _loaded[key] = (folder / SQLITE_FILE, result)
    source, result = _loaded[key]
    # The command has ended, so SQLite has moved its write-ahead log into the file; copy any
    # log left beside it all the same.
    for suffix in ("", "-wal"):
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", f"{target}{suffix}")
    return result
