"""Survey submissions per second: two ``pingyi serve`` instances against one (PostgreSQL, Redis).

Two real instances run for the whole benchmark, each in a process group of its own (the server
and its submission-writer child), on one PostgreSQL database created for this run and one
Redis. The configurations take turns in every round (A B C D, A B C D, ...), so that the
machine's changing load falls on all of them alike, and the medians over the rounds are
reported:

- one instance, clients straight to its port;
- two instances, the clients' connections spread over both ports (no proxy at all);
- one instance and two instances behind a proxy (a process of the same kind for each: nginx with
  ``deploy/nginx.conf`` when an nginx binary is found, else the round-robin proxy of the tests,
  ``tests/round_robin_proxy.py``, as a process of its own).

The load generator is this process: an asyncio HTTP/1.1 client over kept-alive connections,
one request in flight per connection, a fresh submission key on every request (the form of
``benchmarks/submit.py``). Its own CPU time is printed, to show it is not what limits the
figures. So are the CPU seconds of the instances, the proxy, the run's PostgreSQL backends,
and of the whole machine (``/proc/stat``: other jobs share it). Every acknowledged (303) key is
looked up in the database afterwards: each must be stored exactly once.

    python benchmarks/scale_out.py --redis redis://127.0.0.1:6379/N [--seconds 10]
        [--rounds 3] [--connections 64] [--postgres URL|own] [--nginx PATH] [--proxy python]

``--postgres own`` runs a PostgreSQL server of the run's own (initdb in a temporary folder),
which gets the run's scheduling priority; the machine's shared server is otherwise scheduled
with every other job that uses it. Run the whole benchmark at a high priority on a shared
machine: ``setsid bash -c 'echo -15 > /proc/self/autogroup; exec nice -n -15 python ...'``
(each process group it starts is given the same autogroup priority).

Writes Markdown to stdout; paste it into RESULTS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.common import (  # noqa: E402
    SECRET,
    end_group,
    form_body,
    free_port,
    own_database,
    prepare,
)
from survey.db import build_engine  # noqa: E402

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# Processes -----------------------------------------------------------------------------------


def group_cpu_seconds(group: int) -> float:
    """User and system CPU seconds of every live process in a process group."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[2]) == group:
            total += int(fields[11]) + int(fields[12])
    return total / CLOCK_TICKS


def children(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                fields = (entry / "stat").read_text().rpartition(")")[2].split()
                if int(fields[1]) == parent:
                    found.append(int(entry.name))
    return found


def pids_cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            total += int(fields[11]) + int(fields[12])
    return total / CLOCK_TICKS


def machine_busy_seconds() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, all cores."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values) - idle) / CLOCK_TICKS, sum(values) / CLOCK_TICKS


def share_priority(pid: int) -> None:
    """Give a new session the scheduling priority of this one.

    With autogroup scheduling each session is one scheduling entity, and a new session (each
    process group started here) starts at nice 0 whatever this process's own group has, so
    ``echo -15 > /proc/self/autogroup`` before the run would cover only the load generator.
    """
    with contextlib.suppress(OSError, ValueError, IndexError):
        nice = Path("/proc/self/autogroup").read_text().split("nice")[1].strip()
        if int(nice) != 0:
            Path(f"/proc/{pid}/autogroup").write_text(nice)


def wait_ready(url: str, process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not start")


@dataclass
class Group:
    """A process started in a process group of its own, ended as a whole."""

    name: str
    process: subprocess.Popen[bytes]

    def cpu(self) -> float:
        return group_cpu_seconds(self.process.pid)

    def end(self) -> None:
        end_group(self.process)


def start_instance(url: str, redis_url: str, port: int, log: Path) -> Group:
    env = {
        **os.environ,
        "PINGYI_MODE": "production",
        "PINGYI_SECRET_KEY": SECRET,
        "PINGYI_DATABASE_URL": url,
        "PINGYI_REDIS_URL": redis_url,
        "PINGYI_SURVEY_RATE_SOFT_LIMIT": "100000000",
        "PINGYI_SURVEY_RATE_HARD_LIMIT": "100000000",
        # No access log line per request, as in benchmarks/submit.py.
        "PINGYI_LOG_LEVEL": "warning",
    }
    pingyi = Path(sys.executable).with_name("pingyi")
    with log.open("ab") as out:
        process = subprocess.Popen(
            [str(pingyi), "serve", "--port", str(port), "--forwarded-allow-ips", "127.0.0.1"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    share_priority(process.pid)
    group = Group(f"instance :{port}", process)
    try:
        wait_ready(f"http://127.0.0.1:{port}/healthz", process, group.name)
    except RuntimeError:
        group.end()
        raise RuntimeError(f"{group.name} did not start: {log.read_text()[-2000:]}") from None
    return group


def start_own_postgres(workdir: Path) -> tuple[Group, str]:
    """A PostgreSQL server of this run's own (initdb in a temporary folder, run as the
    ``postgres`` user), so that it runs with this run's scheduling priority instead of
    sharing the machine's server with other jobs. Returns it and its server URL."""
    binaries = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"))
    if not binaries:
        sys.exit("no PostgreSQL server binaries under /usr/lib/postgresql")
    bin_dir = binaries[-1].parent
    data = workdir / "pgdata"
    data.mkdir()
    shutil.chown(workdir, "postgres")
    shutil.chown(data, "postgres")
    as_postgres = ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups"]
    initdb = [str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust"]
    subprocess.run(
        [*as_postgres, *initdb, "--no-sync"],
        check=True,
        capture_output=True,
    )
    port = free_port()
    with (workdir / "postgres.log").open("ab") as out:
        shutil.chown(workdir / "postgres.log", "postgres")
        options = ["-k", str(workdir), "-c", "listen_addresses=127.0.0.1"]
        process = subprocess.Popen(
            [*as_postgres, str(bin_dir / "postgres"), "-D", str(data), "-p", str(port), *options],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    share_priority(process.pid)
    group = Group(f"postgres :{port}", process)
    url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    deadline = time.monotonic() + 60
    while True:
        try:
            engine = build_engine(url)
            with engine.connect():
                pass
            engine.dispose()
            return group, url
        except Exception:
            if time.monotonic() > deadline or process.poll() is not None:
                group.end()
                raise
            time.sleep(0.3)


def nginx_config(workdir: Path, port: int, upstreams: list[int]) -> Path:
    """deploy/nginx.conf with this machine's ports, inside a minimal main configuration."""
    site = (ROOT / "deploy" / "nginx.conf").read_text()
    servers = "\n".join(
        f"    server 127.0.0.1:{u} max_fails=1 fail_timeout=10s;" for u in upstreams
    )
    lines = [line for line in site.splitlines() if not line.strip().startswith("server app")]
    site = "\n".join(lines).replace("upstream pingyi {", "upstream pingyi {\n" + servers)
    site = site.replace("listen 80;", f"listen 127.0.0.1:{port};")
    site = site.replace("/var/log/nginx", str(workdir))
    prefix = workdir / f"nginx-{port}"
    prefix.mkdir()
    (prefix / "site.conf").write_text(site)
    main = prefix / "nginx.conf"
    main.write_text(
        f"""daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {prefix}/site.conf;
}}
"""
    )
    return main


def start_proxy(kind: str, nginx: str, workdir: Path, upstreams: list[int]) -> tuple[Group, int]:
    port = free_port()
    if kind == "nginx":
        config = nginx_config(workdir, port, upstreams)
        command = [nginx, "-p", str(config.parent), "-c", str(config)]
    else:
        command = [sys.executable, "-m", "tests.round_robin_proxy", "--port", str(port)]
        command += [f"127.0.0.1:{p}" for p in upstreams]
    with (workdir / f"proxy-{port}.log").open("ab") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    share_priority(process.pid)
    group = Group(f"{kind} :{port}", process)
    try:
        wait_ready(f"http://127.0.0.1:{port}/healthz", process, group.name)
    except RuntimeError:
        group.end()
        raise
    return group, port


# Load ----------------------------------------------------------------------------------------


@dataclass
class Window:
    requests: int = 0  # acknowledged within the window
    errors: int = 0
    latencies: list[float] = field(default_factory=list)
    acknowledged: list[str] = field(default_factory=list)  # every 303, in window or not


async def one_connection(
    port: int, path: str, body: str, cookie: str, tag: str, stop_at: float, window: Window
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Cookie: {cookie}\r\n"
    )
    sent = 0
    try:
        while time.monotonic() < stop_at:
            key = f"{tag}-{sent}"
            sent += 1
            payload = f"{body}&key={key}".encode()
            request = f"{head}Content-Length: {len(payload)}\r\n\r\n".encode() + payload
            began = time.perf_counter()
            try:
                writer.write(request)
                response = await reader.readuntil(b"\r\n\r\n")
                status = int(response[9:12])
                lower = response.lower()
                at = lower.find(b"\r\ncontent-length:")
                if at >= 0:
                    length = int(lower[at + 17 : lower.index(b"\r\n", at + 2)])
                    await reader.readexactly(length)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                window.errors += 1
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                continue
            if status != 303:
                window.errors += 1
                continue
            window.acknowledged.append(key)
            if time.monotonic() <= stop_at:
                window.requests += 1
                window.latencies.append(time.perf_counter() - began)
    finally:
        writer.close()


async def load(
    ports: list[int], path: str, body: str, cookie: str, tag: str, seconds: float, connections: int
) -> Window:
    window = Window()
    stop_at = time.monotonic() + seconds
    await asyncio.gather(
        *(
            one_connection(ports[i % len(ports)], path, body, cookie, f"{tag}-{i}", stop_at, window)
            for i in range(connections)
        )
    )
    return window


# The run -------------------------------------------------------------------------------------


@dataclass
class Config:
    name: str
    ports: list[int]
    instances: list[Group]
    proxy: Group | None = None
    rounds: list[dict[str, float]] = field(default_factory=list)


def backend_pids(url: str, database: str) -> list[int]:
    engine = build_engine(url)
    with engine.connect() as connection:
        pids = connection.execute(
            text("SELECT pid FROM pg_stat_activity WHERE datname = :d AND pid <> pg_backend_pid()"),
            {"d": database},
        ).scalars()
        found = [int(p) for p in pids]
    engine.dispose()
    return found


def measure(
    config: Config,
    slug: str,
    body: str,
    cookie: str,
    args: argparse.Namespace,
    url: str,
    own_server: Group | None,
) -> tuple[dict[str, float], list[str]]:
    database = url.rpartition("/")[2]
    tag = uuid.uuid4().hex[:10]
    warm = asyncio.run(
        load(config.ports, f"/s/{slug}", body, cookie, f"w{tag}", args.warmup, args.connections)
    )
    pids = backend_pids(url, database)

    if own_server is not None:
        # A server of the run's own: all of it (the WAL writer and checkpointer too). Each
        # PostgreSQL child starts a session of its own, so it gets the run's priority here.
        pids = [own_server.process.pid, *children(own_server.process.pid)]
        for pid in pids:
            share_priority(pid)

    def postgres_cpu() -> float:
        # The machine's server: the backends of this run's database.
        return pids_cpu_seconds(pids)

    before_self = resource.getrusage(resource.RUSAGE_SELF)
    before_machine = machine_busy_seconds()
    before_instances = sum(g.cpu() for g in config.instances)
    before_servers = pids_cpu_seconds([g.process.pid for g in config.instances])
    before_proxy = config.proxy.cpu() if config.proxy else 0.0
    before_pg = postgres_cpu()
    load_average = os.getloadavg()[0]
    began = time.monotonic()
    window = asyncio.run(
        load(config.ports, f"/s/{slug}", body, cookie, tag, args.seconds, args.connections)
    )
    wall = time.monotonic() - began
    after_self = resource.getrusage(resource.RUSAGE_SELF)
    busy, total = machine_busy_seconds()
    cores = os.cpu_count() or 1
    figures = {
        "rps": window.requests / args.seconds,
        "errors": window.errors + warm.errors,
        "p50": statistics.median(window.latencies) * 1000 if window.latencies else 0.0,
        "p99": (
            statistics.quantiles(window.latencies, n=100)[98] * 1000
            if len(window.latencies) > 100
            else 0.0
        ),
        "load": load_average,
        "machine": (busy - before_machine[0]) / wall,
        "idle_share": 1 - (busy - before_machine[0]) / (total - before_machine[1]),
        "client": (
            after_self.ru_utime + after_self.ru_stime - before_self.ru_utime - before_self.ru_stime
        )
        / wall,
        "instances": (sum(g.cpu() for g in config.instances) - before_instances) / wall,
        # The serving processes alone (each instance's group leader; the rest of the group
        # is its submission-writer child).
        "servers": (pids_cpu_seconds([g.process.pid for g in config.instances]) - before_servers)
        / wall,
        "proxy": ((config.proxy.cpu() if config.proxy else 0.0) - before_proxy) / wall,
        "postgres": (postgres_cpu() - before_pg) / wall,
        "cores": cores,
    }
    return figures, warm.acknowledged + window.acknowledged


def check_stored(url: str, slug: str, acknowledged: list[str]) -> tuple[int, int, int]:
    """(acknowledged keys missing from the database, keys stored twice, rows of the survey)."""
    engine = build_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT r.submission_key, count(*) FROM response r JOIN survey s "
                "ON s.id = r.survey_id WHERE s.slug = :slug GROUP BY r.submission_key"
            ),
            {"slug": slug},
        ).all()
    engine.dispose()
    stored = {key: count for key, count in rows}
    missing = sum(1 for key in acknowledged if key not in stored)
    twice = sum(1 for count in stored.values() if count > 1)
    return missing, twice, sum(stored.values())


def find_nginx(given: str) -> str:
    if given:
        return given
    return shutil.which("nginx") or ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument(
        "--postgres",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
        help="PostgreSQL server URL; a database pingyi_bench_scale_<pid> is created there "
        "for the run and dropped after it; 'own': a server of the run's own (initdb in a "
        "temporary folder), with the run's scheduling priority",
    )
    parser.add_argument("--redis", required=True, help="Redis URL for the rate limits")
    parser.add_argument("--nginx", default="", help="nginx binary (default: nginx on PATH)")
    parser.add_argument(
        "--proxy",
        choices=["auto", "nginx", "python"],
        default="auto",
        help="the proxy for the proxied configurations (auto: nginx when found)",
    )
    args = parser.parse_args()
    nginx = find_nginx(args.nginx)
    kind = args.proxy if args.proxy != "auto" else ("nginx" if nginx else "python")
    if kind == "nginx" and not nginx:
        sys.exit("no nginx binary: pass --nginx PATH or --proxy python")
    with contextlib.suppress(ImportError):
        import uvloop

        uvloop.install()
    workdir = Path(tempfile.mkdtemp(prefix="pingyi-scale-"))
    server = args.postgres
    own_server: Group | None = None
    if server == "own":
        own_server, server = start_own_postgres(workdir)
    try:
        run(args, kind, nginx, workdir, server, own_server)
    finally:
        if own_server is not None:
            own_server.end()
        shutil.rmtree(workdir, ignore_errors=True)


def run(
    args: argparse.Namespace,
    kind: str,
    nginx: str,
    workdir: Path,
    server: str,
    own_server: Group | None,
) -> None:
    groups: list[Group] = []
    with own_database(server, f"pingyi_bench_scale_{os.getpid()}") as url:
        slug = prepare(url)
        try:
            first = start_instance(url, args.redis, free_port(), workdir / "instance1.log")
            groups.append(first)
            second = start_instance(url, args.redis, free_port(), workdir / "instance2.log")
            groups.append(second)
            ports = [int(g.name.rpartition(":")[2]) for g in (first, second)]
            proxy_one, proxy_one_port = start_proxy(kind, nginx, workdir, ports[:1])
            groups.append(proxy_one)
            proxy_two, proxy_two_port = start_proxy(kind, nginx, workdir, ports)
            groups.append(proxy_two)
            with httpx.Client(base_url=f"http://127.0.0.1:{ports[0]}") as client:
                body, cookie = form_body(client, slug)
            configs = [
                Config("one instance, direct", ports[:1], [first]),
                Config("two instances, direct (connections split)", ports, [first, second]),
                Config(f"one instance behind {kind}", [proxy_one_port], [first], proxy_one),
                Config(
                    f"two instances behind {kind}", [proxy_two_port], [first, second], proxy_two
                ),
            ]
            acknowledged: list[str] = []
            for number in range(args.rounds):
                for config in configs:
                    figures, keys = measure(config, slug, body, cookie, args, url, own_server)
                    acknowledged += keys
                    config.rounds.append(figures)
                    print(
                        f"round {number + 1} {config.name}: {figures['rps']:.0f}/s, "
                        f"load {figures['load']:.1f}, machine busy "
                        f"{figures['machine']:.2f} of {figures['cores']} cores",
                        file=sys.stderr,
                        flush=True,
                    )
        finally:
            for group in reversed(groups):
                group.end()
        missing, twice, stored = check_stored(url, slug, acknowledged)
    where = "a PostgreSQL server of the run's own" if own_server else "the machine's PostgreSQL"
    report(configs, args, kind, nginx, where, acknowledged, missing, twice, stored)


def report(
    configs: list[Config],
    args: argparse.Namespace,
    kind: str,
    nginx: str,
    where: str,
    acknowledged: list[str],
    missing: int,
    twice: int,
    stored: int,
) -> None:
    def median(config: Config, name: str) -> float:
        return statistics.median(r[name] for r in config.rounds)

    one_direct, two_direct, one_proxy, two_proxy = configs
    proxy_name = f"nginx ({nginx}, deploy/nginx.conf)" if kind == "nginx" else kind
    print(
        f"Scale-out: {args.connections} connections, {args.rounds} rounds of "
        f"{args.seconds:.0f} s per configuration (after {args.warmup:.0f} s of warm-up), "
        f"interleaved; {where} and Redis; one uvicorn worker per instance; proxy: "
        f"{proxy_name}; {os.cpu_count()} cores\n"
    )
    print(
        "| configuration | submissions/s per round | median | vs one instance | p50 ms | "
        "p99 ms | errors | CPU cores used: servers / writers / PostgreSQL / proxy / load "
        "generator / whole machine | CPU ms per submission | load average |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for config, base in (
        (one_direct, one_direct),
        (two_direct, one_direct),
        (one_proxy, one_proxy),
        (two_proxy, one_proxy),
    ):
        per_round = ", ".join(f"{r['rps']:.0f}" for r in config.rounds)
        for r in config.rounds:
            r["writers"] = r["instances"] - r["servers"]
            r["ours"] = r["instances"] + r["postgres"] + r["proxy"] + r["client"]
            r["ms_each"] = 1000 * r["ours"] / r["rps"] if r["rps"] else 0.0
        cpu = " / ".join(
            f"{median(config, name):.2f}"
            for name in ("servers", "writers", "postgres", "proxy", "client", "machine")
        )
        loads = ", ".join(f"{r['load']:.1f}" for r in config.rounds)
        print(
            f"| {config.name} | {per_round} | {median(config, 'rps'):.0f} | "
            f"{median(config, 'rps') / median(base, 'rps'):.2f}x | "
            f"{median(config, 'p50'):.1f} | {median(config, 'p99'):.1f} | "
            f"{sum(r['errors'] for r in config.rounds):.0f} | {cpu} | "
            f"{median(config, 'ms_each'):.2f} | {loads} |"
        )
    print(
        f"\nAcknowledged (303) submissions, warm-ups included: {len(acknowledged)}; "
        f"missing from the database: {missing}; stored twice: {twice}; rows stored for the "
        f"benchmark survey: {stored}."
    )


if __name__ == "__main__":
    main()
