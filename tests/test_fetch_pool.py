"""Pooled connections: a connection the server closed while idle is noticed, not reused.

httpcore asks the network stream "is this idle connection readable?" before reusing it;
`_PooledStream` answers that with one poll of the raw socket. A wrong answer would send
the next request down a dead connection, and the fetch would fail with "server
disconnected". Real sockets on 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from tracker.feeds.fetching import Fetcher, FetchSettings, _readable

BODY = b"<rss version='2.0'><channel><title>t</title></channel></rss>"


class ClosingServer:
    """Answers one request per connection with keep-alive, then closes it shortly after."""

    def __init__(self) -> None:
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
            with conn:
                request = b""
                while b"\r\n\r\n" not in request:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    request += chunk
                head = b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n"
                conn.sendall(head + b"Content-Length: %d\r\n\r\n" % len(BODY) + BODY)
                time.sleep(0.05)  # then close, as a server's idle timeout does

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


def test_readable_says_when_a_read_would_return_at_once() -> None:
    left, right = socket.socketpair()
    with left, right:
        assert not _readable(left)
        right.sendall(b"x")
        time.sleep(0.01)
        assert _readable(left)
        left.recv(1)
        right.close()
        time.sleep(0.01)
        assert _readable(left)  # the end of the stream: the next read returns b""
    assert _readable(left)  # closed here: no descriptor
