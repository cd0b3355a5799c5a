"""Run one benchmark alternately on an earlier commit and on the working tree (A B A B).

The machines are shared and noisy, so a before/after comparison is only fair when the two
sides take turns in the same run. This script checks REV out into a temporary git worktree,
then runs the same benchmark command there and here in turn, ``--rounds`` times each, with
the machine's load average printed before every run, and writes each run's output to the
terminal as it comes. Each side imports its own code: the command runs with the side's
folder as working directory and first on ``PYTHONPATH``.

    python benchmarks/alternate.py --base 0231f7a --rounds 3 -- \\
        python benchmarks/composite.py --postgres '' --only service

The benchmark's own tables (each already a ratio against a baseline timed in the same run)
are what to compare; read them side by side in the order printed.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f}"


def _run(side: str, folder: Path, command: list[str]) -> float:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(folder), env.get("PYTHONPATH", "")]))
    # The benchmark scripts add their own checkout to sys.path; name it by the side's folder.
    argv = [str(folder / a) if a.startswith("benchmarks/") else a for a in command]
    # The interpreter given as a relative path (.venv/bin/python) is this checkout's.
    if "/" in argv[0] and not os.path.isabs(argv[0]):
        argv[0] = os.path.abspath(argv[0])
    print(f"\n### {side} ({folder}), {_load()}: {shlex.join(command)}", flush=True)
    start = time.perf_counter()
    subprocess.run(argv, cwd=folder, env=env, check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True, help="the earlier commit (A)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- then the benchmark")
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the benchmark command after --")
    with tempfile.TemporaryDirectory(prefix="pingyi-base-") as tmp:
        base = Path(tmp) / "base"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(base), args.base],
            check=True,
        )
        try:
            walls: dict[str, list[float]] = {"A": [], "B": []}
            for round_ in range(1, args.rounds + 1):
                print(f"\n## round {round_} of {args.rounds}", flush=True)
                walls["A"].append(_run(f"A = {args.base}", base, command))
                walls["B"].append(_run("B = working tree", ROOT, command))
            print("\n## wall-clock seconds per run (whole command)")
            for side, values in walls.items():
                print(f"{side}: " + ", ".join(f"{v:.1f}" for v in values))
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)], check=False
            )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
