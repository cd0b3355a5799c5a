"""Pausing Python's cyclic garbage collector while a composite computation runs."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_PAUSE_LOCK = threading.Lock()
_pauses = 0
_resume = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while a composite computation runs.

    Reading hundreds of thousands of values and building thousands of small result objects
    creates no reference cycles worth collecting, yet the allocations alone trigger
    collections, full ones among them, which scan every object the process holds: about
    0.3 s of a 1-2 s results call at city scale. Pauses nest and may overlap across threads
    (a counter, so that the first to pause decides and the last to finish resumes); the
    collector catches up when it resumes.
    """
    global _pauses, _resume
    with _PAUSE_LOCK:
        if _pauses == 0:
            _resume = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _PAUSE_LOCK:
            _pauses -= 1
            if _pauses == 0 and _resume:
                gc.enable()
