"""The real ``pingyi serve`` killed with SIGKILL while citizens submit and delegates vote.

The server runs as an operator runs it (production mode, the submission writer in a child
process, uvicorn with one and then two workers) in a process group of its own, against the
suite's database (SQLite in a temporary folder, or PostgreSQL and Redis when the suite runs
on them). Threads submit citizen surveys through the form and the JSON API, each with its own
submission key, and cast delegate ballots through the API and the ``/b`` form, each with its
own code and a ballot that can be told from every other. Mid-load the whole group (server,
workers, writers) gets SIGKILL; the server starts again, every request that got no answer is
sent again with the same key or code, twice at once, and the database must hold every
acknowledged item exactly once and every other item at most once (here exactly once, since
every retry is answered), with no answers but the ones sent, and on SQLite a clean integrity
check. Last, 50 delegates at once type the same code: exactly one ballot is stored.

The counts of each run (acknowledged, lost, duplicates, retried) are printed at the end of
the test session (see ``pytest_terminal_summary`` in tests/conftest.py).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import random
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url
from sqlmodel import Session, col, select

from survey.ballots import service as ballots
from survey.ballots.codes import code_hash
from survey.ballots.errors import CodeUsed
from survey.ballots.models import BallotCode, CodeStatus
from survey.ballots.schemas import BatchCreate
from survey.config import Settings
from survey.models import Answer, Response
from survey.surveys import service as surveys
from survey.surveys.schemas import QuestionIn, SurveyCreate, SurveyUpdate
from survey.surveys.writer import receipt_for
from tests.factories import (
    ACTOR,
    TEST_SECRET,
    make_category,
    make_evaluation,
    make_group,
    make_unit,
)
from web.i18n import gettext
from web.survey_tokens import RECEIPT_COOKIE, receipt_from_cookie

pytestmark = pytest.mark.crash

PINGYI = str(Path(sys.executable).with_name("pingyi"))
HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)">')
SURVEY_LEVELS = ["satisfied", "fairly_satisfied", "basically_satisfied", "dissatisfied"]
BALLOT_LEVELS = ["satisfied", "basically_satisfied", "dissatisfied"]
UNITS = 6  # 3**6 = 729 distinct ballots, more than the codes issued
CODES = 400
RACE_FIRST = 600  # the ballots of the 50 casts with one code are numbered from here
RACERS = 50
K = 5  # the ballot box's group size, as in production
# Load threads of each kind per cycle; the delegates are enough to fill groups of K quickly.
FORM_CITIZENS, API_CITIZENS, API_DELEGATES, FORM_DELEGATES = 3, 2, 6, 4
START_TIMEOUT_SECONDS = 300
# Each cycle's kill comes once this many more items of each kind have been acknowledged.
SURVEYS_BEFORE_KILL, BALLOTS_BEFORE_KILL = 100, 40


# The seeded evaluation -----------------------------------------------------------------------


@dataclass(frozen=True)
class World:
    survey_id: int
    slug: str
    batch_id: int
    unit_codes: list[str]
    unit_ids: list[int]
    codes: list[str]  # plaintext, as printed on the cards


def _seed(session: Session) -> World:
    """One open evaluation with a citizen survey and an open ballot batch with issued codes,
    made through the services the office's pages and the CLI use."""
    evaluation = make_evaluation(session)
    category = make_category(session)
    units = [make_unit(session, category) for _ in range(UNITS)]
    citizens = make_group(session)
    delegates = make_group(session, kind="delegate")
    survey = surveys.create_survey(
        session,
        SurveyCreate(
            evaluation_id=evaluation.id,  # type: ignore[arg-type]
            period="Q1",
            title="崩溃测试问卷",
            units=[u.code for u in units],
            groups=[citizens.code],
            questions=[
                QuestionIn(code="overall", kind="rating", prompt="总体评价", scale="satisfaction")
            ],
            one_per_device=False,  # many citizens, few test clients
            min_seconds=0,
        ),
        ACTOR,
    )
    surveys.update_survey(session, survey.id, SurveyUpdate(status="open"), ACTOR)  # type: ignore[arg-type]
    batch = ballots.create_batch(
        session,
        BatchCreate(
            evaluation_id=evaluation.id,  # type: ignore[arg-type]
            group=delegates.code,
            title="崩溃测试测评",
            units=[u.code for u in units],
            uniform_rule="allow",  # type: ignore[arg-type]
        ),
        ACTOR,
    )
    issued = ballots.issue_codes(session, batch.id, CODES, TEST_SECRET, ACTOR)  # type: ignore[arg-type]
    ballots.set_status(session, batch.id, "open", ACTOR)  # type: ignore[arg-type]
    return World(
        survey_id=survey.id,  # type: ignore[arg-type]
        slug=survey.slug,
        batch_id=batch.id,  # type: ignore[arg-type]
        unit_codes=[u.code for u in units],
        unit_ids=[u.id for u in units],  # type: ignore[misc]
        codes=[item.code for item in issued],
    )


def _ballot_levels(number: int) -> list[str]:
    """Ballot ``number`` as its digits in base 3 over the units: every ballot is distinct,
    so a stored ballot says which delegate cast it without any link to the code."""
    levels = []
    for _ in range(UNITS):
        levels.append(BALLOT_LEVELS[number % 3])
        number //= 3
    return levels


def _ballot_number(levels: list[str]) -> int:
    return sum(BALLOT_LEVELS.index(level) * 3**i for i, level in enumerate(levels))


# The server, a process group of its own --------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _group_members(group: int) -> list[tuple[int, int, str]]:
    """(pid, parent pid, command line) of the live processes of a process group.

    Zombies are left out: a writer whose server was killed is reparented and reaped by init,
    which may take a moment, and a zombie holds no database connection.
    """
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            stat = (entry / "stat").read_text()
            # The command name in parentheses may hold spaces: split after its closing one.
            fields = stat[stat.rindex(")") + 2 :].split()
            state, parent, process_group = fields[0], int(fields[1]), int(fields[2])
            if process_group == group and state not in ("Z", "X"):
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                members.append((int(entry.name), parent, command))
    return members


class Server:
    """``pingyi serve`` in its own session, so that one killpg reaches every process of it."""

    def __init__(self, env: dict[str, str], log: Path, workers: int) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        with log.open("ab") as output:
            self.process = subprocess.Popen(
                [PINGYI, "serve", "--port", str(self.port), "--workers", str(workers)],
                env={**env, "PINGYI_PUBLIC_BASE_URL": self.base},
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.group = self.process.pid
        self.workers = workers
        self.start_seconds = self.load_seconds = self.stop_seconds = 0.0

    def wait_until_serving(self) -> None:
        began = time.monotonic()
        # Minutes, not seconds: on a busy 2-core machine one start has taken 90 s (imports).
        deadline = began + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text(errors="replace")[-3000:]
            try:
                if httpx.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        else:
            raise AssertionError("pingyi serve did not start: " + self.log.read_text()[-3000:])
        # Every worker has started its submission writer before it takes requests (the app's
        # startup waits for it); with several workers, /healthz may have reached the first.
        while time.monotonic() < deadline:
            if len(self.writers()) == self.workers:
                self.start_seconds = round(time.monotonic() - began, 1)
                return
            time.sleep(0.2)
        raise AssertionError(f"writers: {self.writers()} of {_group_members(self.group)}")

    def writers(self) -> list[int]:
        """The submission writers: processes spawned by a serving process (the server itself,
        or with several workers each of uvicorn's worker processes, spawned by the server)."""
        members = _group_members(self.group)
        spawned = {pid: parent for pid, parent, command in members if "spawn_main" in command}
        serving = (
            {self.process.pid}
            if self.workers == 1
            else {pid for pid, parent in spawned.items() if parent == self.process.pid}
        )
        return [pid for pid, parent in spawned.items() if parent in serving]

    def kill(self) -> None:
        """SIGKILL to the whole group: server, uvicorn workers and submission writers."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.group, signal.SIGKILL)
        self.process.wait(timeout=30)
        deadline = time.monotonic() + 30
        while _group_members(self.group):
            assert time.monotonic() < deadline, f"left running: {_group_members(self.group)}"
            time.sleep(0.05)

    def stop(self) -> None:
        """The operator's stop (SIGTERM): the server ends its writers and exits."""
        began = time.monotonic()
        os.killpg(self.group, signal.SIGTERM)
        self.process.wait(timeout=60)
        deadline = time.monotonic() + 30
        while _group_members(self.group):  # a writer left behind would keep the database
            assert time.monotonic() < deadline, f"left running: {_group_members(self.group)}"
            time.sleep(0.05)
        self.stop_seconds = round(time.monotonic() - began, 1)


class Servers:
    """The servers a test started, one after the other, all writing one log."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.log = log
        self.started: list[Server] = []

    def start(self, workers: int) -> Server:
        server = Server(self.env, self.log, workers)
        self.started.append(server)
        server.wait_until_serving()
        return server


@pytest.fixture
def serve(
    settings: Settings, tmp_path: Path, database_url: str, redis_url: str
) -> Iterator[Servers]:
    """Starts servers; every one of their process groups is killed at the end, whatever
    happened, so no worker or writer outlives the test (or keeps the database busy)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PINGYI_")}
    env.update(
        {
            "PINGYI_MODE": "production",
            "PINGYI_SECRET_KEY": TEST_SECRET,
            "PINGYI_DATABASE_URL": database_url,
            "PINGYI_DATA_DIR": str(tmp_path / "data"),
            "PINGYI_BALLOT_ANONYMITY_SET": str(K),
            # Short, so that the tail of each cycle commits quickly; groups still form.
            "PINGYI_BALLOT_MIX_WAIT_SECONDS": "0.5",
            # One address sends everything here: no submission may be refused for its rate.
            "PINGYI_SURVEY_RATE_SOFT_LIMIT": "1000000",
            "PINGYI_SURVEY_RATE_HARD_LIMIT": "1000000",
            "PINGYI_LOG_LEVEL": "warning",
        }
    )
    if redis_url:
        env["PINGYI_REDIS_URL"] = redis_url
    servers = Servers(env, tmp_path / "serve.log")
    try:
        yield servers
    finally:
        # Every group first, then the waits: one that fails must not leave the others running.
        for server in servers.started:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.group, signal.SIGKILL)
        for server in servers.started:
            server.kill()


# What the clients sent and heard ------------------------------------------------------------


@dataclass
class Item:
    """One citizen's submission or one delegate's ballot, as its client saw it."""

    kind: str  # "form", "api" (surveys), "ballot-api", "ballot-form"
    key: str  # the submission key, or the ballot code
    number: int  # which answers: the survey levels' seed, or the ballot's number
    cookies: dict[str, str] = field(default_factory=dict)  # the form's CSRF cookie
    token: str = ""  # the form's CSRF token
    acknowledged: bool = False
    acknowledged_first_time: bool = False
    receipt: str = ""
    retried: bool = False
    stored_before_kill: bool = False  # a retry found it stored: the kill took the answer

    @property
    def is_ballot(self) -> bool:
        return self.kind.startswith("ballot")


def _survey_levels(number: int, world: World) -> dict[str, str]:
    chooser = random.Random(number)
    return {code: chooser.choice(SURVEY_LEVELS) for code in world.unit_codes}


def _send(client: httpx.Client, world: World, item: Item) -> httpx.Response:
    # Exactly the cookies of the item's page: a retry sends what its first attempt sent.
    client.cookies = httpx.Cookies(item.cookies)
    if item.kind == "form":
        data = {
            "csrf_token": item.token,
            "key": item.key,
            **{f"r.overall.{c}": v for c, v in _survey_levels(item.number, world).items()},
        }
        return client.post(f"/s/{world.slug}", data=data)
    if item.kind == "api":
        body = {
            "ratings": [
                {"unit": c, "question": "overall", "level": v}
                for c, v in _survey_levels(item.number, world).items()
            ]
        }
        return client.post(
            f"/api/v1/surveys/{world.survey_id}/responses",
            json=body,
            headers={"Idempotency-Key": item.key},
        )
    levels = dict(zip(world.unit_codes, _ballot_levels(item.number), strict=True))
    if item.kind == "ballot-api":
        body = {"code": item.key, "answers": levels, "confirm_uniform": True}
        return client.post("/api/v1/ballots", json=body)
    data = {
        "csrf_token": item.token,
        "code": item.key,
        "confirm_uniform": "yes",
        **{f"r.{c}": v for c, v in levels.items()},
    }
    return client.post("/b/submit", data=data)


def _acknowledgement(response: httpx.Response, world: World, item: Item) -> str | None:
    """The receipt (or "cast") if the server acknowledged the item, else None."""
    if item.kind == "form":
        if response.status_code != 303 or not response.headers["location"].endswith("/thanks"):
            return None
        cookie = response.cookies.get(RECEIPT_COOKIE)
        # The thank-you page shows the receipt from this cookie, as the citizen sees it.
        return receipt_from_cookie(TEST_SECRET, world.slug, cookie) or None
    if item.kind == "api":
        return str(response.json()["receipt"]) if response.status_code in (200, 201) else None
    if item.kind == "ballot-api":
        return "cast" if response.status_code == 201 else None
    # The form answers 200 only with the "cast" page; refusals and problems have their status.
    return "cast" if response.status_code == 200 else None


def _refused_as_used(response: httpx.Response, item: Item) -> bool:
    """The code's refusal as already used (and no other), in the API's or the form's words."""
    if response.status_code != 409:
        return False
    if item.kind == "ballot-api":
        return bool(response.json()["error"]["code"] == CodeUsed.__name__)
    return gettext("zh-CN", CodeUsed.message) in response.text


def _form_tokens(client: httpx.Client, path: str) -> tuple[dict[str, str], str]:
    """A fresh page's CSRF cookie and token, as a browser holds them when it submits."""
    page = client.get(path)
    page.raise_for_status()
    token = dict(HIDDEN.findall(page.text))["csrf_token"]
    return dict(client.cookies), token


class Load:
    """Citizens and delegates sending items until told to stop or the server dies."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.items: list[Item] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.numbers = itertools.count()
        # The last code is kept for the 50 delegates who type one code at once.
        self.codes = iter(enumerate(world.codes[:-1]))
        self.errors: list[str] = []

    def acknowledged(self, ballots: bool) -> int:
        with self.lock:
            return sum(i.acknowledged for i in self.items if i.is_ballot == ballots)

    def run(self, server: Server, kind: str, worker: int) -> None:
        try:
            self._run(server, kind, worker)
        except Exception as error:  # the test's thread asserts on these
            self.errors.append(f"{kind} {worker}: {error!r}")

    def _run(self, server: Server, kind: str, worker: int) -> None:
        with httpx.Client(base_url=server.base, timeout=60, follow_redirects=False) as client:
            try:
                cookies, token = (
                    _form_tokens(client, f"/s/{self.world.slug}" if kind == "form" else "/b")
                    if kind in ("form", "ballot-form")
                    else ({}, "")
                )
            except httpx.HTTPError:
                return  # the server died before this client began
            while not self.stop.is_set():
                if kind.startswith("ballot"):
                    with self.lock:
                        number, code = next(self.codes, (None, ""))
                    if number is None:
                        return
                    item = Item(kind, code, number, cookies, token)
                else:
                    number = next(self.numbers)
                    item = Item(kind, f"crash-{kind}-{worker}-{number}", number, cookies, token)
                with self.lock:
                    self.items.append(item)
                try:
                    response = _send(client, self.world, item)
                except httpx.TransportError:
                    return  # killed under this request: it is not acknowledged
                receipt = _acknowledgement(response, self.world, item)
                assert receipt is not None or response.status_code == 503, (
                    f"{kind} {response.status_code}: {response.text[:500]}"
                )
                if receipt is not None:
                    item.acknowledged = item.acknowledged_first_time = True
                    item.receipt = receipt


def _retry(server: Server, world: World, items: list[Item]) -> None:
    """Each unacknowledged item sent again with the same key or code, twice at once (the
    citizen taps "submit" again, the delegate tries on a second device), until answered.

    Of the two, at most one may store the item: a submission gets one receipt, and the
    second try hears it as a duplicate; a ballot is cast once and the other try is refused
    as used. If the kill came after the item was stored, both hear that.
    """

    def attempt(item: Item) -> tuple[str, str]:
        with httpx.Client(base_url=server.base, timeout=60, follow_redirects=False) as client:
            for _ in range(5):
                response = _send(client, world, item)
                receipt = _acknowledgement(response, world, item)
                if receipt is not None:
                    duplicate = item.kind == "api" and response.json()["duplicate"]
                    return ("duplicate" if duplicate else "stored"), receipt
                if item.is_ballot and _refused_as_used(response, item):
                    return "used", ""
                assert response.status_code == 503, f"{response.status_code}: {response.text}"
                time.sleep(0.5)
        raise AssertionError(f"{item.kind} {item.key} not answered after 5 tries")

    pending = [i for i in items if not i.acknowledged]
    with ThreadPoolExecutor(max_workers=8) as pool:
        # Each item's two tries side by side, so that two threads take them up together.
        outcomes = list(pool.map(attempt, [i for i in pending for _ in range(2)]))
    for n, item in enumerate(pending):
        (first, receipt), (second, other) = outcomes[2 * n], outcomes[2 * n + 1]
        heard = sorted((first, second))
        if item.kind == "form":  # the form thanks a duplicate as it thanked the first
            assert heard == ["stored", "stored"] and receipt == other, (item, heard)
        elif item.kind == "api":
            assert heard in (["duplicate", "stored"], ["duplicate", "duplicate"]), (item, heard)
            assert receipt == other, (item, receipt, other)
        else:
            assert heard in (["stored", "used"], ["used", "used"]), (item, heard)
        item.retried = item.acknowledged = True
        item.receipt = receipt or other
        item.stored_before_kill = heard in (["duplicate", "duplicate"], ["used", "used"])


# The test ------------------------------------------------------------------------------------


def _integrity_check(database_url: str) -> None:
    """SQLite: the file (and its log) as a killed server left it is sound."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return
    with contextlib.closing(sqlite3.connect(str(url.database))) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []


def _cycle(serve: Servers, load: Load, workers: int) -> Server:
    """Start a server, send the last cycle's unanswered items again, load it, kill it."""
    server = serve.start(workers)
    _retry(server, load.world, load.items)
    load.stop.clear()
    threads = [
        threading.Thread(target=load.run, args=(server, kind, n), daemon=True)
        for kind, count in (
            ("form", FORM_CITIZENS),
            ("api", API_CITIZENS),
            ("ballot-api", API_DELEGATES),
            ("ballot-form", FORM_DELEGATES),
        )
        for n in range(count)
    ]
    surveys_before, ballots_before = load.acknowledged(False), load.acknowledged(True)
    began = time.monotonic()
    for thread in threads:
        thread.start()
    # Kill once both kinds are flowing: submissions being batched and committed, ballot
    # groups forming and committing.
    deadline = began + 120
    while (
        load.acknowledged(False) < surveys_before + SURVEYS_BEFORE_KILL
        or load.acknowledged(True) < ballots_before + BALLOTS_BEFORE_KILL
    ):
        assert time.monotonic() < deadline, "the load did not get going"
        assert any(t.is_alive() for t in threads), "every client stopped"
        time.sleep(0.05)
    time.sleep(random.uniform(0, 0.3))  # somewhere in a batch, a group, a commit
    server.kill()
    server.load_seconds = round(time.monotonic() - began, 1)
    load.stop.set()
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive()
    assert not load.errors, load.errors
    return server


def test_sigkill_mid_load_loses_nothing_acknowledged_and_stores_retries_once(
    session: Session,
    database_url: str,
    serve: Servers,
    record_property: Callable[[str, object], None],
) -> None:
    world = _seed(session)
    session.commit()
    load = Load(world)
    started = time.monotonic()
    kills = 0
    for workers in (1, 2):  # one process, then uvicorn's supervisor with two workers
        server = _cycle(serve, load, workers)
        kills += 1
        _integrity_check(database_url)
        assert server.process.returncode == -signal.SIGKILL
    final = serve.start(1)
    _retry(final, world, load.items)

    # 50 delegates type the same code at once: one ballot, 49 refusals.
    code = world.codes[-1]
    assert code not in {i.key for i in load.items}
    barrier = threading.Barrier(RACERS)

    def race(n: int) -> str:
        levels = dict(zip(world.unit_codes, _ballot_levels(RACE_FIRST + n), strict=True))
        with httpx.Client(base_url=final.base, timeout=60) as client:
            barrier.wait()
            body = {"code": code, "answers": levels, "confirm_uniform": True}
            response = client.post("/api/v1/ballots", json=body)
        return "cast" if response.status_code == 201 else response.json()["error"]["code"]

    with ThreadPoolExecutor(max_workers=RACERS) as pool:
        raced = list(pool.map(race, range(RACERS)))
    assert Counter(raced) == {"cast": 1, CodeUsed.__name__: RACERS - 1}
    final.stop()
    _integrity_check(database_url)
    elapsed = time.monotonic() - started

    # What the database holds.
    session.expire_all()
    stored: dict[str, list[str]] = {}  # submission key -> response ids
    for key, response_id in session.exec(
        select(Response.submission_key, Response.id).where(Response.survey_id == world.survey_id)
    ):
        stored.setdefault(key or "", []).append(response_id)
    levels_of: dict[str, dict[int, str]] = {}
    ballot_levels: dict[str, dict[int, str]] = {}
    for response_id, survey_id, unit_id, level in session.exec(
        select(Answer.response_id, Response.survey_id, Answer.unit_id, Answer.level)
        .join(Response, col(Response.id) == Answer.response_id)
        .where(
            (col(Response.survey_id) == world.survey_id)
            | (col(Response.ballot_batch_id) == world.batch_id)
        )
    ):
        (levels_of if survey_id else ballot_levels).setdefault(response_id, {})[unit_id] = level
    cast = Counter(
        _ballot_number([by_unit[u] for u in world.unit_ids]) for by_unit in ballot_levels.values()
    )
    code_status = dict(
        session.exec(
            select(BallotCode.code_hash, BallotCode.status).where(
                BallotCode.batch_id == world.batch_id
            )
        ).all()
    )

    submissions = [i for i in load.items if not i.is_ballot]
    delegates = [i for i in load.items if i.is_ballot]
    sent_keys = {i.key for i in submissions}
    counts = {
        "database": make_url(database_url).get_backend_name(),
        "kills": kills,
        "seconds": round(elapsed, 1),
        "server_start_seconds": [server.start_seconds for server in serve.started],
        "load_seconds": [server.load_seconds for server in serve.started[:-1]],
        "stop_seconds": final.stop_seconds,
        "submissions_sent": len(submissions),
        "submissions_acknowledged": sum(i.acknowledged_first_time for i in submissions),
        "submissions_lost": sum(
            len(stored.get(i.key, [])) == 0 for i in submissions if i.acknowledged_first_time
        ),
        "submissions_retried": sum(i.retried for i in submissions),
        "submissions_stored_before_kill_unanswered": sum(i.stored_before_kill for i in submissions),
        "submission_duplicates": sum(len(ids) - 1 for ids in stored.values()),
        "ballots_sent": len(delegates),
        "ballots_acknowledged": sum(i.acknowledged_first_time for i in delegates),
        "ballots_lost": sum(cast[i.number] == 0 for i in delegates if i.acknowledged_first_time),
        "ballots_retried": sum(i.retried for i in delegates),
        "ballots_stored_before_kill_unanswered": sum(i.stored_before_kill for i in delegates),
        "ballot_duplicates": sum(n - 1 for n in cast.values()),
        "one_code_50_casts_stored": sum(
            n for number, n in cast.items() if RACE_FIRST <= number < RACE_FIRST + RACERS
        ),
    }
    print(f"crash counts: {counts}")
    record_property("crash_counts", counts)

    # Every submission was answered in the end (first time or on retry): each key stored
    # exactly once, with the receipt its client was given and the answers it sent.
    assert counts["submissions_lost"] == 0 and counts["submission_duplicates"] == 0
    assert all(i.acknowledged for i in submissions)
    assert set(stored) == sent_keys
    for item in submissions:
        [response_id] = stored[item.key]
        assert item.receipt == receipt_for(response_id)
        expected = _survey_levels(item.number, world)
        by_unit = levels_of[response_id]
        assert {c: by_unit[u] for c, u in zip(world.unit_codes, world.unit_ids, strict=True)} == (
            expected
        )
    # Every ballot stored exactly once (a retry refused as used had been stored before the
    # kill), and nothing else; the codes used are exactly as many as the ballots.
    assert counts["ballots_lost"] == 0 and counts["ballot_duplicates"] == 0
    assert all(i.acknowledged for i in delegates)
    winner = RACE_FIRST + raced.index("cast")
    assert cast == Counter([i.number for i in delegates] + [winner])
    # Each code that cast is used (once: a code is used or not), every other one unused.
    cast_codes = {code_hash(TEST_SECRET, c) for c in [i.key for i in delegates] + [code]}
    assert {h for h, status in code_status.items() if status == CodeStatus.used} == cast_codes
    assert len(code_status) == CODES
    # The kills fell mid-load: some items were in flight each time.
    assert counts["submissions_retried"] > 0 and counts["ballots_retried"] > 0
