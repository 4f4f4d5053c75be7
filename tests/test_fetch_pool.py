"""Pooled connections: kept alive between the feeds of a host, and a connection the
server closed while idle is noticed, not reused.

A keep-alive that fails costs a connection per request; a dead connection reused would
send the next request nowhere, and the fetch would fail with "server disconnected".
Real sockets on 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from tracker.feeds.fetching import Fetcher, FetchSettings

BODY = b"<rss version='2.0'><channel><title>t</title></channel></rss>"


class ClosingServer:
    """Answers one request per connection with keep-alive, then closes it shortly after."""

    def __init__(self, *, keep_open: bool = False) -> None:
        self.keep_open = keep_open
        self.requests = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            while True:
                request = b""
                while b"\r\n\r\n" not in request:
                    chunk = conn.recv(4096)
                    if not chunk:
                        return
                    request += chunk
                self.requests += 1
                head = b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n"
                conn.sendall(head + b"Content-Length: %d\r\n\r\n" % len(BODY) + BODY)
                if not self.keep_open:
                    time.sleep(0.05)  # then close, as a server's idle timeout does
                    return

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def closing_server() -> Iterator[ClosingServer]:
    server = ClosingServer()
    yield server
    server.close()


def test_a_connection_the_server_closed_is_not_reused(closing_server: ClosingServer) -> None:
    settings = FetchSettings(allow_private=True, trust_env=False, connect_timeout=1, read_timeout=1)
    url = f"http://127.0.0.1:{closing_server.port}/feed.xml"

    async def run() -> list[tuple[int | None, str | None]]:
        async with Fetcher(settings) as fetcher:
            first = await fetcher.fetch(url)
            await asyncio.sleep(0.3)  # the server has closed the idle connection by now
            second = await fetcher.fetch(url)
            return [(first.http_status, first.error), (second.http_status, second.error)]

    assert asyncio.run(run()) == [(200, None), (200, None)]
    assert closing_server.connections == 2


def test_one_host_s_feeds_share_a_kept_alive_connection() -> None:
    """Ten feeds of one host, one after the other: one connection, ten requests."""
    server = ClosingServer(keep_open=True)
    settings = FetchSettings(allow_private=True, trust_env=False, connect_timeout=1, read_timeout=1)

    async def run() -> list[int | None]:
        async with Fetcher(settings) as fetcher:
            return [
                (await fetcher.fetch(f"http://127.0.0.1:{server.port}/f{n}.xml")).http_status
                for n in range(10)
            ]

    try:
        assert asyncio.run(run()) == [200] * 10
        assert (server.connections, server.requests) == (1, 10)
    finally:
        server.close()
