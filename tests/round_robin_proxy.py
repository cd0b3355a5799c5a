"""A small round-robin HTTP/1.1 reverse proxy: several app instances behind one port.

It does what the nginx example in ``deploy/nginx.conf`` does for the tests and the scale-out
benchmark, where nginx is not installed: each request goes to the next instance in turn over a
kept-alive upstream connection, ``X-Forwarded-For`` is replaced by the address the proxy sees
(the instances believe it only because ``--forwarded-allow-ips`` names the proxy), an instance
that refuses connections is skipped for the next one (nothing was sent, so nothing can be
stored twice), and a request whose instance dies after it was sent answers 502, which the
client may retry (as nginx does for a POST, never retrying it itself). Each response names
the instance that answered in ``X-Upstream``, so a test can see where its requests went.

In a test: ``with RoundRobinProxy(upstreams) as proxy: ... proxy.port``. As its own process
(the benchmark): ``python -m tests.round_robin_proxy --port P 127.0.0.1:A 127.0.0.1:B``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import socket
import threading
import time
from collections import Counter
from collections.abc import Sequence
from types import TracebackType

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "te",
        "trailer",
        "upgrade",
        "transfer-encoding",
        "x-forwarded-for",
    }
)
# uvicorn closes an idle kept-alive connection after 5 s; reusing one that old could meet a
# close already on the wire, so pooled connections older than this are dropped instead.
IDLE_SECONDS = 2.0
HEAD_LIMIT = 64 * 1024
DOWN_SECONDS = 1.0
BAD_GATEWAY = (
    b"HTTP/1.1 502 Bad Gateway\r\ncontent-type: text/plain\r\ncontent-length: 11\r\n"
    b"connection: close\r\n\r\nbad gateway"
)

Upstream = tuple[str, int]
Pooled = tuple[asyncio.StreamReader, asyncio.StreamWriter, float]


class UpstreamFailed(Exception):
    """The instance failed after the request was sent: the client hears 502."""


def _parse_head(head: bytes) -> tuple[str, list[tuple[str, str]]]:
    lines = head.decode("latin-1").split("\r\n")
    headers = []
    for line in lines[1:]:
        if not line:
            continue
        name, _, value = line.partition(":")
        headers.append((name.strip(), value.strip()))
    return lines[0], headers


def _header(headers: list[tuple[str, str]], name: str) -> str | None:
    return next((v for k, v in headers if k.lower() == name), None)


def _wants_close(headers: list[tuple[str, str]], version: str) -> bool:
    connection = (_header(headers, "connection") or "").lower()
    return "close" in connection or (version == "HTTP/1.0" and "keep-alive" not in connection)


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    """The raw chunked body up to and including its last chunk and trailers."""
    parts = []
    while True:
        size_line = await reader.readuntil(b"\r\n")
        parts.append(size_line)
        size = int(size_line.split(b";")[0].strip(), 16)
        if size == 0:
            while True:  # trailers, then the empty line
                trailer = await reader.readuntil(b"\r\n")
                parts.append(trailer)
                if trailer == b"\r\n":
                    return b"".join(parts)
        parts.append(await reader.readexactly(size + 2))


class RoundRobinProxy:
    def __init__(self, upstreams: Sequence[Upstream], host: str = "127.0.0.1", port: int = 0):
        self.upstreams = list(upstreams)
        self.host = host
        self.port = port
        self.answered: Counter[str] = Counter()  # responses by instance ("host:port")
        self.bad_gateway = 0
        self._next = 0
        self._down_until: dict[Upstream, float] = {}
        self._pools: dict[Upstream, list[Pooled]] = {u: [] for u in self.upstreams}
        self._server: asyncio.Server | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._clients: set[asyncio.StreamWriter] = set()

    # Running -------------------------------------------------------------------------------

    async def start(self) -> None:
        self._server = await asyncio.start_server(
            self._client, self.host, self.port, limit=HEAD_LIMIT, backlog=1024
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for writer in list(self._clients):
            writer.close()
        for pool in self._pools.values():
            for _, writer, _ in pool:
                writer.close()
            pool.clear()
        if self._server is not None:
            await self._server.wait_closed()

    def __enter__(self) -> RoundRobinProxy:
        """Run in a thread of its own, with its own event loop (for tests)."""
        started = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            loop.run_until_complete(self.start())
            started.set()
            loop.run_forever()
            loop.run_until_complete(self.close())
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

        self._thread = threading.Thread(target=run, name="round-robin-proxy", daemon=True)
        self._thread.start()
        if not started.wait(timeout=10):
            raise RuntimeError("the proxy did not start")
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)

    # Serving -------------------------------------------------------------------------------

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._clients.add(writer)
        peer = writer.get_extra_info("peername")[0]
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, OSError):
                    return
                request_line, headers = _parse_head(head)
                method, _, rest = request_line.partition(" ")
                version = rest.rpartition(" ")[2]
                length = int(_header(headers, "content-length") or 0)
                if _header(headers, "transfer-encoding"):
                    body = await _read_chunked(reader)
                    chunked = True
                else:
                    body = await reader.readexactly(length) if length else b""
                    chunked = False
                close = _wants_close(headers, version)
                forwarded = [(k, v) for k, v in headers if k.lower() not in HOP_BY_HOP]
                forwarded.append(("X-Forwarded-For", peer))
                if chunked:
                    forwarded.append(("Transfer-Encoding", "chunked"))
                upstream_head = "\r\n".join(
                    [f"{method} {rest.rpartition(' ')[0]} HTTP/1.1"]
                    + [f"{k}: {v}" for k, v in forwarded]
                ).encode("latin-1")
                try:
                    answer, via = await self._forward(method, upstream_head + b"\r\n\r\n" + body)
                except UpstreamFailed:
                    self.bad_gateway += 1
                    writer.write(BAD_GATEWAY)
                    await writer.drain()
                    return
                self.answered[via] += 1
                status_line, response_headers, response_body = answer
                kept = [(k, v) for k, v in response_headers if k.lower() not in HOP_BY_HOP]
                if _header(response_headers, "transfer-encoding"):
                    kept.append(("Transfer-Encoding", "chunked"))
                kept.append(("X-Upstream", via))
                if close:
                    kept.append(("Connection", "close"))
                writer.write(
                    "\r\n".join([status_line] + [f"{k}: {v}" for k, v in kept]).encode("latin-1")
                    + b"\r\n\r\n"
                    + response_body
                )
                await writer.drain()
                if close:
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            self._clients.discard(writer)
            writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await writer.wait_closed()

    async def _forward(
        self, method: str, request: bytes
    ) -> tuple[tuple[str, list[tuple[str, str]], bytes], str]:
        """Send to the next instance that takes the connection; its response and name."""
        first = self._next
        self._next += 1
        count = len(self.upstreams)
        now = time.monotonic()
        # Instances that refused a connection lately come last, as nginx's fail_timeout does.
        order = sorted(
            (self.upstreams[(first + offset) % count] for offset in range(count)),
            key=lambda u: self._down_until.get(u, 0.0) > now,
        )
        for upstream in order:
            try:
                reader, writer = await self._connection(upstream)
            except OSError:
                # Refused: nothing was sent, so the next instance may take it.
                self._down_until[upstream] = time.monotonic() + DOWN_SECONDS
                continue
            try:
                writer.write(request)
                await writer.drain()
                status_line, headers, body, reusable = await self._response(method, reader)
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
                writer.close()
                raise UpstreamFailed() from None
            if reusable:
                self._pools[upstream].append((reader, writer, time.monotonic()))
            else:
                writer.close()
            return (status_line, headers, body), f"{upstream[0]}:{upstream[1]}"
        raise UpstreamFailed()

    async def _connection(
        self, upstream: Upstream
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        pool = self._pools[upstream]
        now = time.monotonic()
        while pool:
            reader, writer, since = pool.pop()
            if now - since < IDLE_SECONDS and not reader.at_eof():
                return reader, writer
            writer.close()
        reader, writer = await asyncio.open_connection(*upstream, limit=HEAD_LIMIT)
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return reader, writer

    async def _response(
        self, method: str, reader: asyncio.StreamReader
    ) -> tuple[str, list[tuple[str, str]], bytes, bool]:
        head = await reader.readuntil(b"\r\n\r\n")
        status_line, headers = _parse_head(head)
        status = int(status_line.split(" ")[1])
        reusable = not _wants_close(headers, status_line.split(" ")[0])
        if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
            body = b""
        elif _header(headers, "transfer-encoding"):
            body = await _read_chunked(reader)
        elif (length := _header(headers, "content-length")) is not None:
            body = await reader.readexactly(int(length))
        else:
            body = await reader.read()
            reusable = False
        return status_line, headers, body, reusable


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("upstream", nargs="+", help="HOST:PORT of each instance")
    args = parser.parse_args()
    upstreams = [(u.rpartition(":")[0], int(u.rpartition(":")[2])) for u in args.upstream]
    with contextlib.suppress(ImportError):
        import uvloop

        uvloop.install()

    async def run() -> None:
        proxy = RoundRobinProxy(upstreams, args.host, args.port)
        await proxy.start()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        print(f"proxy on {args.host}:{proxy.port}", flush=True)
        await stop.wait()
        await proxy.close()

    asyncio.run(run())


if __name__ == "__main__":
    main()
