"""Redis unreachable: limits fall back to the instance's own counters, nothing answers 500,
``/healthz`` names the degraded state, and the shared limits come back with Redis."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from survey.config import Settings
from survey.models import Response, Role
from tests.factories import make_survey, make_user
from tests.servers import free_port, own_redis
from web.app import create_app
from web.ratelimit import RedisRateLimiter

HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)">')
TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


@pytest.fixture
def nowhere() -> str:
    """A Redis address where nothing listens."""
    return f"redis://127.0.0.1:{free_port()}/0"


@pytest.fixture
def cut_off(settings: Settings, engine: object, nowhere: str) -> Iterator[TestClient]:
    app = create_app(settings.model_copy(update={"redis_url": nowhere}))
    with TestClient(app, base_url="https://testserver") as client:
        yield client


def test_without_redis_submissions_and_sign_in_work_and_health_says_degraded(
    cut_off: TestClient, session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    assert cut_off.get("/healthz").json() == {"status": "ok", "database": "ok"}
    survey, units, _ = make_survey(session, units=2, min_seconds=0)
    page = cut_off.get(f"/s/{survey.slug}")
    data = {
        **dict(HIDDEN.findall(page.text)),
        **{f"r.overall.{u.code}": "satisfied" for u in units},
    }
    with caplog.at_level(logging.WARNING, logger="pingyi.ratelimit"):
        submitted = cut_off.post(f"/s/{survey.slug}", data=data, follow_redirects=False)
    assert submitted.status_code == 303
    session.expire_all()
    assert len(session.exec(select(Response)).all()) == 1
    assert [r.message for r in caplog.records if "Redis unreachable" in r.message]

    health = cut_off.get("/healthz")
    assert health.status_code == 200
    assert health.json() == {"status": "degraded", "database": "ok", "rate_limits": "in-process"}

    # Sign-in works, and its throttle still counts (in process) while Redis is away.
    make_user(session, Role.office, username="kaohe")
    statuses = []
    for _ in range(11):
        token = TOKEN.search(cut_off.get("/office/login").text).group(1)  # type: ignore[union-attr]
        statuses.append(
            cut_off.post(
                "/office/login",
                data={"username": "kaohe", "password": "wrong password!", "csrf_token": token},
                follow_redirects=False,
            ).status_code
        )
    assert statuses == [400] * 10 + [429]


def test_the_shared_limits_come_back_when_redis_does(tmp_path: Path) -> None:
    port = free_port()
    limiter = RedisRateLimiter(f"redis://127.0.0.1:{port}/0")
    limiter.RETRY_SECONDS = 0.2
    # Down: counted in process, reported degraded.
    assert [limiter.hit("t", "a", 3, 60).allowed for _ in range(4)] == [True, True, True, False]
    assert limiter.degraded
    with own_redis(tmp_path, port) as client:
        time.sleep(0.3)
        # Up again: the next hit goes to Redis, where every instance sees it.
        assert limiter.hit("t", "b", 3, 60).allowed
        assert not limiter.degraded
        assert [int(client.get(k) or 0) for k in client.keys("pingyi:rl:t:b:*")] == [1]
    # Down once more: no error reaches the caller.
    time.sleep(0.3)
    assert limiter.hit("t", "b", 3, 60).allowed
    assert limiter.degraded
