"""Fixed-window rate limits, shared through Redis when configured, else kept in process.

With several app instances behind a balancer only the Redis store gives one limit per address;
the in-process store is for a single instance (and the embedded demo).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Protocol

import redis
from starlette.concurrency import run_in_threadpool

log = logging.getLogger("pingyi.ratelimit")


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int
    count: int  # hits in the current window, this one included


class RateLimiter(Protocol):
    blocking: bool  # whether ``hit`` does network I/O

    def hit(self, scope: str, ident: str, limit: int, window_seconds: int) -> Verdict: ...

    def peek(self, scope: str, ident: str, limit: int, window_seconds: int) -> Verdict:
        """The verdict the next hit would get, without counting one."""
        ...


class MemoryRateLimiter:
    blocking = False

    def __init__(self) -> None:
        self._counts: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()

    def hit(self, scope: str, ident: str, limit: int, window_seconds: int) -> Verdict:
        now = time.monotonic()
        key = f"{scope}:{ident}"
        with self._lock:
            started, count = self._counts.get(key, (now, 0))
            if now - started >= window_seconds:
                started, count = now, 0
            count += 1
            self._counts[key] = (started, count)
            if len(self._counts) > 100_000:
                self._prune(now, window_seconds)
        retry = max(1, int(window_seconds - (now - started)) + 1)
        return Verdict(count <= limit, 0 if count <= limit else retry, count)

    def peek(self, scope: str, ident: str, limit: int, window_seconds: int) -> Verdict:
        now = time.monotonic()
        with self._lock:
            started, count = self._counts.get(f"{scope}:{ident}", (now, 0))
        if now - started >= window_seconds:
            count = 0
        retry = max(1, int(window_seconds - (now - started)) + 1)
        return Verdict(count < limit, 0 if count < limit else retry, count)

    def _prune(self, now: float, window_seconds: int) -> None:
        stale = [k for k, (start, _) in self._counts.items() if now - start >= window_seconds]
        for key in stale:
            del self._counts[key]


class RedisRateLimiter:
    """Limits shared by every instance through Redis.

    When Redis cannot be reached, the limits fall back to this process's own counters (each
    instance then limits alone, which is looser, never open), a warning is logged once per
    outage, ``/healthz`` reports the degraded state, and Redis is tried again every
    ``RETRY_SECONDS``, so the shared limits come back by themselves. A submission is never
    refused because the limit store is down.
    """

    blocking = True
    RETRY_SECONDS = 5.0

    def __init__(self, url: str) -> None:
        self._redis = redis.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)
        self._local = MemoryRateLimiter()
        self._lock = threading.Lock()
        self._down_since: float | None = None
        self._next_try = 0.0

    @property
    def degraded(self) -> bool:
        return self._down_since is not None

    def _usable(self) -> bool:
        with self._lock:
            return self._down_since is None or time.monotonic() >= self._next_try

    def _failed(self, error: redis.RedisError) -> None:
        with self._lock:
            now = time.monotonic()
            self._next_try = now + self.RETRY_SECONDS
            if self._down_since is None:
                self._down_since = now
                log.warning(
                    "Redis unreachable (%s): rate limits fall back to this process's own "
                    "counters until it answers again",
                    error.__class__.__name__,
                )

    def _recovered(self) -> None:
        if self._down_since is not None:
            with self._lock:
                if self._down_since is not None:
                    log.warning(
                        "Redis answers again after %.0f s: rate limits are shared again",
                        time.monotonic() - self._down_since,
                    )
                    self._down_since = None

    def hit(self, scope: str, ident: str, limit: int, window_seconds: int) -> Verdict:
        if self._usable():
            try:
                verdict = self._redis_hit(scope, ident, limit, window_seconds)
            except redis.RedisError as error:
                self._failed(error)
            else:
                self._recovered()
                return verdict
        return self._local.hit(scope, ident, limit, window_seconds)

    def peek(self, scope: str, ident: str, limit: int, window_seconds: int) -> Verdict:
        if self._usable():
            try:
                verdict = self._redis_peek(scope, ident, limit, window_seconds)
            except redis.RedisError as error:
                self._failed(error)
            else:
                self._recovered()
                return verdict
        return self._local.peek(scope, ident, limit, window_seconds)

    def _redis_hit(self, scope: str, ident: str, limit: int, window_seconds: int) -> Verdict:
        now = int(time.time())
        window = now - now % window_seconds
        key = f"pingyi:rl:{scope}:{ident}:{window}"
        pipe = self._redis.pipeline()
        pipe.incr(key)
        pipe.expire(key, window_seconds + 1)
        count = int(pipe.execute()[0])
        retry = max(1, window + window_seconds - now)
        return Verdict(count <= limit, 0 if count <= limit else retry, count)

    def _redis_peek(self, scope: str, ident: str, limit: int, window_seconds: int) -> Verdict:
        now = int(time.time())
        window = now - now % window_seconds
        raw = self._redis.get(f"pingyi:rl:{scope}:{ident}:{window}")
        count = int(raw) if raw else 0
        retry = max(1, window + window_seconds - now)
        return Verdict(count < limit, 0 if count < limit else retry, count)


def build_rate_limiter(redis_url: str) -> RateLimiter:
    return RedisRateLimiter(redis_url) if redis_url else MemoryRateLimiter()


async def hit(limiter: RateLimiter, scope: str, ident: str, limit: int, window: int) -> Verdict:
    """Count one hit; only a Redis round trip is sent to a worker thread."""
    if limiter.blocking:
        return await run_in_threadpool(limiter.hit, scope, ident, limit, window)
    return limiter.hit(scope, ident, limit, window)


async def peek(limiter: RateLimiter, scope: str, ident: str, limit: int, window: int) -> Verdict:
    if limiter.blocking:
        return await run_in_threadpool(limiter.peek, scope, ident, limit, window)
    return limiter.peek(scope, ident, limit, window)
