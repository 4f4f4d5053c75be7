"""A scriptable HTTP server on 127.0.0.1 for feed tests: real sockets, real HTTP/1.1.

Each path gets a `Route` that says what to answer: status, headers, body, ETag and
Last-Modified (conditional requests then get a 304 by themselves), gzip, a delay, a
hang, a slow drip, a truncated body, a redirect. The server counts requests per path,
conditional requests, and 304s sent, so a test can say "the second pass made only
conditional requests".

    with FeedServer() as server:
        server.route("/feed.xml", body=make_rss(3), etag='"v1"')
        url = server.url("/feed.xml")

In a test module, a three-line fixture keeps ruff happy (an imported fixture used as a
parameter is a redefinition to it):

    @pytest.fixture
    def server() -> Iterator[FeedServer]:
        with FeedServer() as running:
            yield running

`feed_server` below is the same fixture, for conftest files that want to share it.
Counters: `hits`, `conditional_hits`, `not_modified` (per path), `requests` (each with
its headers), `bytes_sent`; `reset_counters()` between passes.
"""

from __future__ import annotations

import gzip as gzip_module
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from xml.sax.saxutils import escape

import pytest


@dataclass(frozen=True)
class Route:
    """What the server answers on one path."""

    status: int = 200
    body: bytes = b""
    content_type: str = "application/rss+xml; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    #: Validators: when set, a matching If-None-Match / If-Modified-Since gets a 304.
    etag: str | None = None
    last_modified: str | None = None
    #: Seconds to wait before answering at all.
    delay: float = 0.0
    #: Never answer (until the server closes): a hung server.
    hang: bool = False
    #: Send the body in `chunk_size` pieces this many seconds apart: a slow server.
    drip: float | None = None
    chunk_size: int = 1024
    #: Compress the body with gzip and say so.
    gzip: bool = False
    #: The body is already encoded with this Content-Encoding (e.g. a prepared gzip bomb).
    encoding: str | None = None
    #: Announce the full length but send only this many bytes, then close: a truncated body.
    truncate_at: int | None = None
    #: Location header, for redirects.
    location: str | None = None
    #: Send Content-Length; without it the body ends when the connection closes.
    content_length: bool = True
    #: Called with the request to choose the route dynamically (e.g. change after N hits).
    dynamic: Callable[[RecordedRequest, int], Route] | None = None


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    #: When it arrived (time.monotonic()), so a test can tell how far apart polls were.
    at: float = field(default_factory=time.monotonic)

    @property
    def conditional(self) -> bool:
        return "if-none-match" in self.headers or "if-modified-since" in self.headers


class FeedServer:
    """A threaded HTTP/1.1 server on 127.0.0.1 with per-path scripted routes."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.routes: dict[str, Route] = {}
        self.hits: Counter[str] = Counter()
        self.conditional_hits: Counter[str] = Counter()
        self.not_modified: Counter[str] = Counter()
        self.requests: list[RecordedRequest] = []
        self.bytes_sent = 0
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._httpd = _Server((host, 0), _Handler)
        self._httpd.owner = self
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, name="feedserver", daemon=True
        )

    # -- lifecycle

    def start(self) -> FeedServer:
        self._thread.start()
        return self

    def close(self) -> None:
        self._closing.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FeedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- scripting

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def route(self, path: str, route: Route | None = None, **fields: Any) -> Route:
        """Set what `path` answers: a Route, or its fields as keywords."""
        chosen = replace(route or Route(), **fields)
        with self._lock:
            self.routes[path] = chosen
        return chosen

    def feed(self, path: str, body: bytes, **fields: Any) -> Route:
        """A feed body with a stable ETag and Last-Modified (so conditional GET works)."""
        fields.setdefault("etag", f'"{abs(hash(body)):x}"')
        fields.setdefault("last_modified", http_date(datetime(2025, 6, 10, 10, 0, tzinfo=UTC)))
        return self.route(path, body=body, **fields)

    def redirect(self, path: str, to: str, status: int = 301) -> Route:
        return self.route(path, status=status, location=to, body=b"", content_type="text/plain")

    def reset_counters(self) -> None:
        with self._lock:
            self.hits.clear()
            self.conditional_hits.clear()
            self.not_modified.clear()
            self.requests.clear()
            self.bytes_sent = 0

    # -- used by the handler

    def _record(self, request: RecordedRequest) -> tuple[Route | None, int]:
        with self._lock:
            self.requests.append(request)
            self.hits[request.path] += 1
            if request.conditional:
                self.conditional_hits[request.path] += 1
            return self.routes.get(request.path), self.hits[request.path]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    owner: FeedServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that hang up early (timeouts, size limits) are the point of many tests."""
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output clean

    def do_GET(self) -> None:
        owner = self.server.owner
        path = self.path.split("?", 1)[0]
        request = RecordedRequest("GET", self.path, {k.lower(): v for k, v in self.headers.items()})
        route, count = owner._record(request)
        if route is not None and route.dynamic is not None:
            route = route.dynamic(request, count)
        if route is None:
            route = owner.routes.get(path)
        if route is None:
            self._send_simple(404, b"not found")
            return
        self._answer(route, request)

    def _answer(self, route: Route, request: RecordedRequest) -> None:
        owner = self.server.owner
        if route.hang:
            owner._closing.wait(timeout=120)
            self.close_connection = True
            return
        if route.delay and owner._closing.wait(timeout=route.delay):
            return
        if route.status == 200 and _not_modified(route, request):
            with owner._lock:
                owner.not_modified[request.path] += 1
            self.send_response(304)
            self._validators(route)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = route.body
        encoding = route.encoding
        if route.gzip:
            body, encoding = gzip_module.compress(body), "gzip"
        self.send_response(route.status)
        self.send_header("Content-Type", route.content_type)
        if encoding:
            self.send_header("Content-Encoding", encoding)
        if route.location:
            self.send_header("Location", route.location)
        self._validators(route)
        for name, value in route.headers.items():
            self.send_header(name, value)
        if route.content_length:
            self.send_header("Content-Length", str(len(body)))
        if route.truncate_at is not None or not route.content_length:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self._write_body(route, body)

    def _write_body(self, route: Route, body: bytes) -> None:
        owner = self.server.owner
        if route.truncate_at is not None:
            body = body[: route.truncate_at]
            self.close_connection = True
        try:
            if route.drip is None:
                self.wfile.write(body)
            else:
                for start in range(0, len(body), route.chunk_size):
                    self.wfile.write(body[start : start + route.chunk_size])
                    self.wfile.flush()
                    if owner._closing.wait(timeout=route.drip):
                        break
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
            return
        with owner._lock:
            owner.bytes_sent += len(body)

    def _validators(self, route: Route) -> None:
        if route.etag:
            self.send_header("ETag", route.etag)
        if route.last_modified:
            self.send_header("Last-Modified", route.last_modified)

    def _send_simple(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _not_modified(route: Route, request: RecordedRequest) -> bool:
    if route.etag and "if-none-match" in request.headers:
        tags = {t.strip().removeprefix("W/") for t in request.headers["if-none-match"].split(",")}
        return route.etag.removeprefix("W/") in tags or "*" in tags
    if route.last_modified and "if-modified-since" in request.headers:
        return request.headers["if-modified-since"] == route.last_modified
    return False


# ---------------------------------------------------------------- feed bodies


def http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def make_rss(
    count: int,
    *,
    prefix: str = "item",
    title: str = "Test feed",
    base: str = "https://example.org",
    start: datetime | None = None,
    words: int = 40,
    encoding: str = "utf-8",
    language: str = "en",
) -> bytes:
    """An RSS 2.0 feed of `count` distinct items, newest first, in the given encoding."""
    start = start or datetime(2025, 6, 10, 12, 0, tzinfo=UTC)
    text = " ".join(
        ["China and Russia signed agreements on trade and energy cooperation"] * (words // 10 + 1)
    )
    items = []
    for i in range(count):
        published = http_date(start - timedelta(hours=i))
        items.append(
            f"<item><title>{escape(prefix)} {i}: leaders meet for talks number {i}</title>"
            f"<link>{base}/{prefix}/{i}?utm_source=rss</link>"
            f'<guid isPermaLink="false">{prefix}-{i}</guid>'
            f"<pubDate>{published}</pubDate>"
            f"<description>&lt;p&gt;{escape(text)} ({i})&lt;/p&gt;</description></item>"
        )
    doc = (
        f'<?xml version="1.0" encoding="{encoding}"?>\n'
        f'<rss version="2.0"><channel><title>{escape(title)}</title><link>{base}/</link>'
        f"<description>Test</description><language>{language}</language>{''.join(items)}</channel></rss>"
    )
    return doc.encode(encoding)


def make_atom(count: int, *, prefix: str = "entry", base: str = "https://example.org") -> bytes:
    entries = "".join(
        f"<entry><id>tag:example.org,2025:{prefix}-{i}</id><title>{prefix} {i} headline here</title>"
        f'<link href="{base}/{prefix}/{i}"/><updated>2025-06-10T10:{i % 60:02d}:00Z</updated>'
        f'<content type="html">&lt;p&gt;Body {i}&lt;/p&gt;</content></entry>'
        for i in range(count)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>Atom test</title><id>tag:example.org,2025:feed</id><updated>2025-06-10T10:00:00Z</updated>"
        f"{entries}</feed>"
    ).encode()


# ---------------------------------------------------------------- fixture


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    """A started FeedServer, closed after the test (hung handlers are released)."""
    server = FeedServer().start()
    try:
        yield server
    finally:
        server.close()


def wait_for(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Poll `predicate` until true or `timeout`: for asserting on server-side counters."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()
