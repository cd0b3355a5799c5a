"""Which pytest-xdist worker this process is, for resources two workers must not share."""

from __future__ import annotations

import os


def worker_suffix() -> str:
    """``gw0``, ``gw1`` … under pytest-xdist, empty in a single process."""
    return os.environ.get("PYTEST_XDIST_WORKER", "")
