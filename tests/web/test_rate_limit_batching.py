"""Rate-limit hits counted on the app's event loop: many per Redis round trip, each counted."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
import redis

from tests.servers import free_port, own_redis
from web import ratelimit
from web.ratelimit import RedisRateLimiter

T = TypeVar("T")


def _run_alone(scenario: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run ``scenario`` on a fresh event loop in its own thread: a browser test earlier in the
    same worker may leave Playwright's loop running on this one, where asyncio.run refuses."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(scenario())).result()


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[str]:
    """A Redis of this test's own, so that its counts are exactly the test's."""
    with own_redis(tmp_path) as client:
        yield f"redis://127.0.0.1:{client.connection_pool.connection_kwargs['port']}/0"


def test_concurrent_hits_share_round_trips_and_each_gets_its_own_count(redis_server: str) -> None:
    limiter = RedisRateLimiter(redis_server)
    sent: list[int] = []

    async def scenario() -> list[ratelimit.Verdict]:
        limiter.serve_on_loop()
        batcher = limiter._batcher
        assert batcher is not None
        send = batcher._send

        async def counting_send(batch: dict[str, tuple[int, list[asyncio.Future[int]]]]) -> None:
            sent.append(sum(len(futures) for _, futures in batch.values()))
            await send(batch)

        batcher._send = counting_send  # type: ignore[method-assign]
        try:
            hits = [ratelimit.hit(limiter, "survey", "10.0.0.1", 30, 600) for _ in range(50)]
            hits += [ratelimit.hit(limiter, "survey", "10.0.0.2", 30, 600) for _ in range(5)]
            return await asyncio.gather(*hits)
        finally:
            await limiter.aclose()

    verdicts = _run_alone(scenario)
    first, second = verdicts[:50], verdicts[50:]
    # Every hit has its own place in the window's count, as with one INCR each.
    assert sorted(v.count for v in first) == list(range(1, 51))
    assert sorted(v.count for v in second) == list(range(1, 6))
    assert sum(v.allowed for v in first) == 30
    assert all(v.retry_after > 0 for v in first if not v.allowed)
    assert all(v.allowed for v in second)
    # 55 hits went out in far fewer round trips than hits.
    assert sum(sent) == 55 and len(sent) < 10
    client = redis.Redis.from_url(redis_server)
    assert [int(client.get(k) or 0) for k in client.keys("pingyi:rl:survey:10.0.0.1:*")] == [50]
    assert all(0 < client.ttl(k) <= 601 for k in client.keys("pingyi:rl:survey:*"))
    client.close()
    assert not limiter.degraded


def test_hits_fall_back_to_the_process_when_redis_is_away() -> None:
    limiter = RedisRateLimiter(f"redis://127.0.0.1:{free_port()}/0")

    async def scenario() -> list[bool]:
        limiter.serve_on_loop()
        try:
            hits = [ratelimit.hit(limiter, "survey", "10.0.0.3", 3, 600) for _ in range(4)]
            return [v.allowed for v in await asyncio.gather(*hits)]
        finally:
            await limiter.aclose()

    # Counted in process, never refused because the store is down.
    assert sorted(_run_alone(scenario)) == [False, True, True, True]
    assert limiter.degraded
