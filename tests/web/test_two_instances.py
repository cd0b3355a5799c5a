"""Two real ``pingyi serve`` instances on one PostgreSQL and one Redis, behind one port.

A round-robin proxy (``tests/round_robin_proxy.py``, standing in for the nginx of
``deploy/nginx.conf``) sends each request to the next instance, so consecutive requests of one
citizen, delegate or client land on different processes. What must hold as on one instance: a
device's second answer is recognised, the rate limits count across both, an Idempotency-Key
stores once whichever instance hears it, a ballot code casts one ballot, and an instance
SIGKILLed under load loses no acknowledged submission while retries complete on the other.

Each client talks to the proxy from an address of its own in 127.0.0.0/8; the proxy passes it
on in ``X-Forwarded-For``, which the instances believe only because ``--forwarded-allow-ips``
names the proxy's address.
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import Session, col, func, select

from survey.ballots import codes
from survey.ballots import service as ballots
from survey.models import Answer, QualityFlag, Response
from survey.surveys.writer import receipt_for
from tests.factories import PASSWORD, TEST_SECRET, make_ballot, make_survey, make_user
from tests.round_robin_proxy import RoundRobinProxy
from web.routers.office import LOGIN_LIMIT
from web.survey_tokens import RECEIPT_COOKIE, receipt_from_cookie

DATABASE = os.environ.get("PINGYI_TEST_DATABASE_URL", "")
REDIS = os.environ.get("PINGYI_TEST_REDIS_URL", "")
pytestmark = pytest.mark.skipif(
    not DATABASE.startswith("postgresql") or not REDIS,
    reason="two instances share PostgreSQL and Redis (PINGYI_TEST_DATABASE_URL, _REDIS_URL)",
)

GUESS_LIMIT = 6
HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)">')
ALREADY = "您已在这部手机上填写过本问卷"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _client_address() -> str:
    """An address of this test's own in 127.0.0.0/8, so no other test shares its limits."""
    return f"127.{random.randint(1, 254)}.{random.randint(0, 255)}.{random.randint(1, 254)}"


@dataclass
class Instance:
    port: int
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def name(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        pingyi = Path(sys.executable).with_name("pingyi")
        with self.log.open("ab") as log:
            # A process group of its own: the submission writer is a child of the server,
            # and killing the instance means killing both, as a crashed machine would.
            self.process = subprocess.Popen(
                [
                    str(pingyi),
                    "serve",
                    "--port",
                    str(self.port),
                    "--forwarded-allow-ips",
                    "127.0.0.1",
                ],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process is not None and self.process.poll() is None, self.log.read_text()
            try:
                if httpx.get(f"http://{self.name}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"pingyi serve on {self.port} did not start: {self.log.read_text()}")

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, sig)
        except ProcessLookupError:
            return
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        self.kill(signal.SIGTERM)
        if self.process is not None:
            # The writer child of a server that ended with SIGTERM ends with it; anything of
            # the group that is left (after a SIGKILL of the parent only) ends here.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)


@dataclass
class Cluster:
    instances: list[Instance]
    proxy: RoundRobinProxy
    clients: list[httpx.Client] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.proxy.port}"

    def client(self, address: str | None = None) -> httpx.Client:
        """A client of the proxy from an address of its own (one device, one citizen)."""
        transport = httpx.HTTPTransport(local_address=address or _client_address())
        client = httpx.Client(base_url=self.url, transport=transport, timeout=30)
        self.clients.append(client)
        return client


@pytest.fixture
def cluster(instances: Cluster) -> Cluster:
    """The two instances, both alive: one killed by an earlier test is started again."""
    dead = [i for i in instances.instances if i.process is None or i.process.poll() is not None]
    for instance in dead:
        instance.stop()
        instance.start()
    for instance in dead:
        instance.wait_ready()
    return instances


@pytest.fixture(scope="module")
def instances(
    database_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    if make_url(database_url).get_backend_name() != "postgresql" or not redis_url:
        pytest.skip("needs PostgreSQL and Redis")
    logs = tmp_path_factory.mktemp("instances")
    proxy_port = _free_port()
    instances = []
    for index in range(2):
        env = {
            **os.environ,
            "PINGYI_MODE": "production",
            "PINGYI_SECRET_KEY": TEST_SECRET,  # the same secret on every instance
            "PINGYI_DATABASE_URL": database_url,
            "PINGYI_REDIS_URL": redis_url,
            "PINGYI_PUBLIC_BASE_URL": f"http://127.0.0.1:{proxy_port}",
            "PINGYI_DATA_DIR": str(logs / f"data{index}"),
            "PINGYI_BALLOT_GUESS_LIMIT": str(GUESS_LIMIT),
            "PINGYI_BALLOT_MIX_WAIT_SECONDS": "0.3",
            "PINGYI_SURVEY_RATE_SOFT_LIMIT": "100000",
            "PINGYI_SURVEY_RATE_HARD_LIMIT": "100000",
            "PINGYI_LOG_LEVEL": "warning",
        }
        instances.append(Instance(_free_port(), env, logs / f"instance{index}.log"))
    try:
        for instance in instances:
            instance.start()
        for instance in instances:
            instance.wait_ready()
        with RoundRobinProxy([("127.0.0.1", i.port) for i in instances], port=proxy_port) as proxy:
            cluster = Cluster(instances, proxy)
            yield cluster
            for client in cluster.clients:
                client.close()
    finally:
        for instance in instances:
            instance.stop()


def _via(response: httpx.Response) -> str:
    return response.headers["x-upstream"]


def _form(client: httpx.Client, slug: str) -> tuple[dict[str, str], str]:
    page = client.get(f"/s/{slug}")
    assert page.status_code == 200, page.text
    return dict(HIDDEN.findall(page.text)), _via(page)


def _receipt(posted: httpx.Response, slug: str) -> str:
    assert posted.status_code == 303, posted.text
    return receipt_from_cookie(TEST_SECRET, slug, posted.cookies.get(RECEIPT_COOKIE))


def test_one_response_per_device_across_instances(cluster: Cluster, session: Session) -> None:
    survey, units, _ = make_survey(session, units=3, min_seconds=0)
    phone = cluster.client()
    hidden, shown_by = _form(phone, survey.slug)
    data = {**hidden, **{f"r.overall.{u.code}": "satisfied" for u in units}}
    posted = phone.post(f"/s/{survey.slug}", data=data)
    assert _via(posted) != shown_by  # the form of one instance, answered to the other
    receipt = _receipt(posted, survey.slug)
    thanks = phone.get(posted.headers["location"])
    assert receipt and f'id="receipt">{receipt}<' in thanks.text
    # Both instances recognise the device mark the other one set.
    again = [phone.get(f"/s/{survey.slug}") for _ in range(2)]
    assert {_via(page) for page in again} == {i.name for i in cluster.instances}
    assert all(ALREADY in page.text for page in again)
    # The same form sent again (a retry) hears the first receipt from either instance.
    retried = [phone.post(f"/s/{survey.slug}", data=data) for _ in range(2)]
    assert {_via(r) for r in retried} == {i.name for i in cluster.instances}
    assert {_receipt(r, survey.slug) for r in retried} == {receipt}
    # A second answer from the device (another tab) is kept but flagged, on either instance.
    for key in ("second-tab", "third-tab"):
        phone.post(f"/s/{survey.slug}", data={**data, "key": key})
    session.expire_all()
    stored = session.exec(select(Response).where(Response.survey_id == survey.id)).all()
    flags = sorted(r.quality_flags for r in stored)
    assert flags == [0, QualityFlag.repeat_device, QualityFlag.repeat_device]
    [first] = [r for r in stored if r.quality_flags == 0]
    assert receipt_for(first.id) == receipt
    counted = session.exec(
        select(func.count(func.distinct(Answer.response_id))).where(
            col(Answer.response_id).in_([r.id for r in stored]), col(Answer.counted)
        )
    ).one()
    assert counted == 1  # one response of this device counts


def test_rate_limits_are_counted_across_instances(cluster: Cluster, session: Session) -> None:
    # Wrong ballot codes: the limit is reached whichever instance hears the guesses.
    guesser = cluster.client()
    guesses = [
        guesser.post("/api/v1/ballots", json={"code": codes.new_code(), "answers": {}})
        for _ in range(GUESS_LIMIT + 2)
    ]
    assert [g.status_code for g in guesses] == [404] * GUESS_LIMIT + [429, 429]
    assert {_via(g) for g in guesses[:GUESS_LIMIT]} == {i.name for i in cluster.instances}
    assert {_via(g) for g in guesses[GUESS_LIMIT:]} == {i.name for i in cluster.instances}
    # Another address is not held back by this one's guesses.
    other = cluster.client().post("/api/v1/ballots", json={"code": codes.new_code(), "answers": {}})
    assert other.status_code == 404

    # Sign-in: ten wrong passwords in all, then even the right one waits, on both instances.
    user = make_user(session)
    browser = cluster.client()
    token = dict(HIDDEN.findall(browser.get("/office/login").text))["csrf_token"]

    def sign_in(password: str) -> httpx.Response:
        form = {"username": user.username, "password": password, "csrf_token": token}
        return browser.post("/office/login", data=form)

    wrong = [sign_in("wrong password") for _ in range(LOGIN_LIMIT)]
    assert [w.status_code for w in wrong] == [400] * LOGIN_LIMIT
    assert {_via(w) for w in wrong} == {i.name for i in cluster.instances}
    refused = [sign_in(PASSWORD) for _ in range(2)]
    assert [r.status_code for r in refused] == [429, 429]
    assert {_via(r) for r in refused} == {i.name for i in cluster.instances}
    # The right password from another address signs in: the limit is per address and name.
    elsewhere = cluster.client()
    token = dict(HIDDEN.findall(elsewhere.get("/office/login").text))["csrf_token"]
    form = {"username": user.username, "password": PASSWORD, "csrf_token": token}
    signed_in = elsewhere.post("/office/login", data=form)
    assert signed_in.status_code == 303
    # The session one instance started is good on both.
    pages = [elsewhere.get(signed_in.headers["location"]) for _ in range(2)]
    assert [p.status_code for p in pages] == [200, 200]
    assert {_via(p) for p in pages} == {i.name for i in cluster.instances}


def test_an_idempotency_key_stores_once_across_instances(
    cluster: Cluster, session: Session
) -> None:
    survey, units, _ = make_survey(session, units=3)
    url = f"/api/v1/surveys/{survey.id}/responses"
    body = {
        "ratings": [{"unit": u.code, "question": "overall", "level": "satisfied"} for u in units]
    }
    key = {"Idempotency-Key": f"retry-{random.getrandbits(64):x}"}
    kiosk = cluster.client()
    barrier = threading.Barrier(8)

    def send(_: int) -> httpx.Response:
        barrier.wait()  # eight copies at once, four to each instance
        return kiosk.post(url, json=body, headers=key)

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(send, range(8)))
    assert sorted(a.status_code for a in answers) == [200] * 7 + [201]
    assert {_via(a) for a in answers} == {i.name for i in cluster.instances}
    assert len({a.json()["receipt"] for a in answers}) == 1
    # Later retries hear the same receipt from each instance.
    later = [kiosk.post(url, json=body, headers=key) for _ in range(2)]
    assert {_via(a) for a in later} == {i.name for i in cluster.instances}
    assert {(a.status_code, a.json()["receipt"]) for a in later} == {
        (200, answers[0].json()["receipt"])
    }
    # The key with other answers is refused by either instance.
    other = {**body, "ratings": [{**r, "level": "dissatisfied"} for r in body["ratings"]]}
    refused = [kiosk.post(url, json=other, headers=key) for _ in range(2)]
    assert [r.status_code for r in refused] == [422, 422]
    session.expire_all()
    [stored] = session.exec(select(Response).where(Response.survey_id == survey.id)).all()
    assert receipt_for(stored.id) == answers[0].json()["receipt"]


def test_one_code_casts_one_ballot_across_instances(cluster: Cluster, session: Session) -> None:
    batch, units, issued = make_ballot(session, units=3, codes=6, uniform_rule="allow")
    answers = {u.code: "satisfied" for u in units}
    # Each code typed on two devices at the same moment, the two casts on different instances.
    casts = [code for code in issued for _ in range(2)]
    delegate = cluster.client()
    barrier = threading.Barrier(len(casts))

    def cast(code: str) -> httpx.Response:
        barrier.wait()
        body = {"code": code, "answers": answers, "confirm_uniform": True}
        return delegate.post("/api/v1/ballots", json=body)

    with ThreadPoolExecutor(max_workers=len(casts)) as pool:
        results = list(pool.map(cast, casts))
    by_code: dict[str, list[int]] = {}
    for code, result in zip(casts, results, strict=True):
        by_code.setdefault(code, []).append(result.status_code)
    assert all(sorted(statuses) == [201, 409] for statuses in by_code.values()), by_code
    assert {_via(r) for r in results} == {i.name for i in cluster.instances}
    session.expire_all()
    stored = session.exec(
        select(func.count()).select_from(Response).where(Response.ballot_batch_id == batch.id)
    ).one()
    assert stored == len(issued)
    assert ballots.turnout(session, batch).used == len(issued)


@dataclass
class Load:
    """Citizens submitting through the proxy; each retries a failed submission until it is
    acknowledged, with the same key and answers, as the form does after a network error."""

    slug: str
    fields: dict[str, str]
    cookies: httpx.Cookies
    receipts: dict[str, str] = field(default_factory=dict)  # key -> acknowledged receipt
    failures: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self, cluster: Cluster, keys: list[str], deadline: float) -> None:
        transport = httpx.HTTPTransport(local_address=_client_address())
        with httpx.Client(
            base_url=cluster.url, transport=transport, cookies=self.cookies, timeout=30
        ) as client:
            for key in keys:
                while time.monotonic() < deadline:
                    try:
                        posted = client.post(
                            f"/s/{self.slug}",
                            data={**self.fields, "key": key},
                        )
                    except httpx.TransportError as error:
                        self._failed(type(error).__name__)
                        continue
                    if posted.status_code == 303:
                        with self.lock:
                            self.receipts[key] = _receipt(posted, self.slug)
                        break
                    self._failed(str(posted.status_code))
                    time.sleep(0.05)

    def _failed(self, what: str) -> None:
        with self.lock:
            self.failures[what] += 1


def test_an_instance_killed_under_load_loses_no_acknowledged_submission(
    cluster: Cluster, session: Session
) -> None:
    survey, units, _ = make_survey(session, units=5, min_seconds=0, one_per_device=False)
    citizen = cluster.client()
    hidden, _ = _form(citizen, survey.slug)
    fields = {**hidden, **{f"r.overall.{u.code}": "basically_satisfied" for u in units}}
    load = Load(survey.slug, fields, httpx.Cookies(citizen.cookies))
    run = f"{random.getrandbits(32):08x}"
    threads, per_thread = 12, 20
    keys = [[f"{run}-{t}-{n}" for n in range(per_thread)] for t in range(threads)]
    deadline = time.monotonic() + 60
    victim, survivor = cluster.instances
    answered_before = cluster.proxy.answered.copy()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        futures = [pool.submit(load.run, cluster, chunk, deadline) for chunk in keys]
        while len(load.receipts) < threads * per_thread // 4 and time.monotonic() < deadline:
            time.sleep(0.01)
        acknowledged_at_kill = len(load.receipts)
        victim.kill()  # SIGKILL to its process group: the server and its writer child
        for future in futures:
            future.result()
    all_keys = [k for chunk in keys for k in chunk]
    served = cluster.proxy.answered - answered_before
    assert served[victim.name] > 0 and served[survivor.name] > 0
    assert acknowledged_at_kill < len(all_keys)  # the kill fell in the middle of the load
    # Every submission was acknowledged in the end, through the instance that lived.
    assert set(load.receipts) == set(all_keys), load.failures
    session.expire_all()
    stored = session.exec(
        select(Response.submission_key, Response.id).where(Response.survey_id == survey.id)
    ).all()
    # Each key stored exactly once, under the receipt its citizen was given; nothing else.
    assert Counter(k for k, _ in stored) == Counter(all_keys)
    assert {k: receipt_for(i) for k, i in stored} == load.receipts
    answers = session.execute(
        text("SELECT count(*) FROM answer WHERE response_id = ANY(:ids)"),
        {"ids": [i for _, i in stored]},
    ).scalar_one()
    assert answers == len(all_keys) * len(units)  # no half-written response
