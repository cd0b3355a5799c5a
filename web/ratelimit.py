"""Fixed-window rate limits, shared through Redis when configured, else kept in process.

With several app instances behind a balancer only the Redis store gives one limit per address;
the in-process store is for a single instance (and the embedded demo).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from dataclasses import dataclass
from typing import Protocol

import redis
import redis.asyncio
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
        self._url = url
        self._redis = redis.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)
        self._batcher: HitBatcher | None = None
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

    def serve_on_loop(self) -> None:
        """Let the coroutines of the running event loop (the app's) count their hits there.

        Through ``hit`` below each request's round trip went to a worker thread: on a busy
        submission endpoint that was a thread wake-up, a GIL hand-over and a call back into
        the loop per request. On the loop, the hits that arrive while one round trip is out
        share the next one (``HitBatcher``).
        """
        client = redis.asyncio.Redis.from_url(
            self._url, socket_timeout=1.0, socket_connect_timeout=1.0
        )
        self._batcher = HitBatcher(client, asyncio.get_running_loop())

    async def aclose(self) -> None:
        batcher, self._batcher = self._batcher, None
        if batcher is not None:
            await batcher.aclose()

    async def hit_on_loop(
        self, scope: str, ident: str, limit: int, window_seconds: int
    ) -> Verdict | None:
        """``hit`` from the loop given to ``serve_on_loop``; None from any other."""
        batcher = self._batcher
        if batcher is None or batcher.loop is not asyncio.get_running_loop():
            return None
        if self._usable():
            now = int(time.time())
            window = now - now % window_seconds
            try:
                count = await batcher.hit(f"pingyi:rl:{scope}:{ident}:{window}", window_seconds + 1)
            except redis.RedisError as error:
                self._failed(error)
            else:
                self._recovered()
                retry = max(1, window + window_seconds - now)
                return Verdict(count <= limit, 0 if count <= limit else retry, count)
        return self._local.hit(scope, ident, limit, window_seconds)

    def _redis_peek(self, scope: str, ident: str, limit: int, window_seconds: int) -> Verdict:
        now = int(time.time())
        window = now - now % window_seconds
        raw = self._redis.get(f"pingyi:rl:{scope}:{ident}:{window}")
        count = int(raw) if raw else 0
        retry = max(1, window + window_seconds - now)
        return Verdict(count < limit, 0 if count < limit else retry, count)


class HitBatcher:
    """Counts the hits of one event loop in Redis, many per round trip.

    The hits of one turn of the loop go out together, each key's number of hits added with
    one INCRBY; several pipelines may be out at once, so a slow answer holds back only its
    own hits. Each hit gets its own count (the new total minus the hits after it in the
    batch), so a limit holds exactly as with one INCR per hit.
    """

    def __init__(self, client: redis.asyncio.Redis, loop: asyncio.AbstractEventLoop) -> None:
        self.client = client
        self.loop = loop
        self._waiting: dict[str, tuple[int, list[asyncio.Future[int]]]] = {}
        self._flush_due = False
        self._sending: set[asyncio.Task[None]] = set()

    async def hit(self, key: str, expire_seconds: int) -> int:
        future: asyncio.Future[int] = self.loop.create_future()
        waiting = self._waiting.get(key)
        if waiting is None:
            self._waiting[key] = (expire_seconds, [future])
        else:
            waiting[1].append(future)
        if not self._flush_due:
            self._flush_due = True
            self.loop.call_soon(self._flush)
        return await future

    async def aclose(self) -> None:
        if self._sending:
            await asyncio.gather(*self._sending, return_exceptions=True)
        await self.client.aclose()

    def _flush(self) -> None:
        self._flush_due = False
        batch, self._waiting = self._waiting, {}
        if batch:
            task = self.loop.create_task(self._send(batch))
            self._sending.add(task)
            task.add_done_callback(self._sending.discard)

    async def _send(self, batch: dict[str, tuple[int, list[asyncio.Future[int]]]]) -> None:
        pipe = self.client.pipeline()
        for key, (expire_seconds, futures) in batch.items():
            pipe.incrby(key, len(futures))
            pipe.expire(key, expire_seconds)
        try:
            totals = (await pipe.execute())[::2]
        except (redis.RedisError, OSError, TimeoutError) as error:
            # Every waiting hit hears it, as redis.RedisError: the limiter then counts in
            # process until Redis answers again.
            failure = (
                error if isinstance(error, redis.RedisError) else redis.ConnectionError(str(error))
            )
            for _, futures in batch.values():
                for future in futures:
                    if not future.done():
                        future.set_exception(failure)
            return
        for (_, futures), total in zip(batch.values(), totals, strict=True):
            first = int(total) - len(futures) + 1
            for offset, future in enumerate(futures):
                if not future.done():  # the request was cancelled meanwhile
                    future.set_result(first + offset)


def build_rate_limiter(redis_url: str) -> RateLimiter:
    return RedisRateLimiter(redis_url) if redis_url else MemoryRateLimiter()


async def hit(limiter: RateLimiter, scope: str, ident: str, limit: int, window: int) -> Verdict:
    """Count one hit: on the app's event loop when it serves Redis there, else a Redis round
    trip goes to a worker thread."""
    if isinstance(limiter, RedisRateLimiter):
        verdict = await limiter.hit_on_loop(scope, ident, limit, window)
        if verdict is not None:
            return verdict
    if limiter.blocking:
        return await run_in_threadpool(limiter.hit, scope, ident, limit, window)
    return limiter.hit(scope, ident, limit, window)


async def peek(limiter: RateLimiter, scope: str, ident: str, limit: int, window: int) -> Verdict:
    if limiter.blocking:
        return await run_in_threadpool(limiter.peek, scope, ident, limit, window)
    return limiter.peek(scope, ident, limit, window)
