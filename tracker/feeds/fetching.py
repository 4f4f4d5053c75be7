"""HTTP for feeds: polite, bounded, and never raising for what a server or network does.

Why this is more than `httpx.get`:
- conditional GET with the stored ETag / Last-Modified, so unchanged feeds cost a 304;
- redirects followed here, not by httpx, to tell 301/308 (permanent: the stored URL
  moves) from 302/307 (temporary), and to stop loops and long chains;
- every request is bounded: connect and read timeouts, a total deadline per request
  (a server dripping one byte a second defeats a read timeout alone), and a maximum
  body size counted *after* decompression, with decompression itself limited, so a
  gzip bomb costs at most the limit in memory;
- Retry-After, Cache-Control and Expires are read and returned for the scheduler;
- at most a few requests run against one host at a time, optionally at a pace (a least
  interval between two requests to one host), which article pages need (feeds.pages);
- for pages, a body over the limit can be cut (and marked) instead of refused, and a
  response of an unwanted type refused before its body is read;
- an address policy (`tracker.textnorm.address_refusal`) holds on every hop: no
  link-local or metadata address ever, no loopback or private one unless the feed opts
  in. It is applied to the addresses a host name resolves to, at the moment of
  connecting (the connection goes to the address that was checked, so DNS rebinding
  cannot slip between check and use), and to literal addresses in any notation.
Every outcome, failures included, is a `FetchResult`; the error kind (hard, soft,
temporary) decides the back-off in `tracker.feeds.polling`.
"""

from __future__ import annotations

import asyncio
import re
import select
import socket
import ssl
import threading
import time
import urllib.request
import zlib
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, Literal
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from tracker import __version__
from tracker.textnorm import IPAddress, address_refusal, literal_ip, url_refusal

USER_AGENT = f"commitment-tracker/{__version__} (RSS/Atom feed watcher; python-httpx/{httpx.__version__})"
ACCEPT = (
    "application/atom+xml, application/rss+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.8, text/xml;q=0.8, */*;q=0.5"
)
PERMANENT_REDIRECTS = frozenset({301, 308})
REDIRECTS = frozenset({301, 302, 303, 307, 308})

#: How a refusal of a response's declared type starts (feeds.pages tells it apart by this).
NOT_A_PAGE = "not a web page"

FetchStatus = Literal["ok", "not_modified", "error", "gone"]


@dataclass(frozen=True)
class FetchSettings:
    """Limits of one watcher's HTTP; tests shrink the timeouts, nothing else needs to."""

    user_agent: str = USER_AGENT
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    #: Deadline for one request (one redirect hop), body included.
    total_timeout: float = 60.0
    #: Largest body accepted, counted after decompression. With `PollSettings.concurrency`
    #: feeds in flight this bounds a pass's memory (24 × 8 MiB); real feeds are far smaller.
    max_body_bytes: int = 8 * 1024 * 1024
    max_redirects: int = 5
    max_connections: int = 32
    #: Requests in flight to one host at a time: politeness to publishers.
    per_host: int = 4
    #: Least seconds between the starts of two requests to one host (0: no pace).
    per_host_interval: float = 0.0
    #: Honour HTTP(S)_PROXY and friends from the environment.
    trust_env: bool = True
    #: Allow loopback and private addresses for every feed (tests on 127.0.0.1; a
    #: watcher inside a private network). One feed opts in with `allow_private: true`.
    #: Link-local and metadata addresses stay refused either way.
    allow_private: bool = False


@dataclass(frozen=True)
class FetchResult:
    """One fetch: the body (if any), validators, hints for the scheduler, or the error."""

    url: str
    status: FetchStatus
    final_url: str
    http_status: int | None = None
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    #: Where a chain of permanent redirects (301/308 only) ended; None otherwise.
    moved_to: str | None = None
    retry_after: datetime | None = None
    max_age: timedelta | None = None
    error: str | None = None
    error_kind: str | None = None
    #: Bytes received on the wire (compressed), for the benchmark and the logs.
    bytes_received: int = 0
    elapsed: float = 0.0
    redirects: tuple[tuple[int, str], ...] = ()
    #: The body was cut at the size limit (only when the caller asked for `cut=True`).
    truncated: bool = False
    #: What was sent and received, as on the wire, for an archive (WARC) of the exchange.
    request_headers: tuple[tuple[str, str], ...] = ()
    raw_headers: tuple[tuple[str, str], ...] = ()
    reason: str = ""
    http_version: str = "HTTP/1.1"


class _RefusedError(Exception):
    """A response we will not accept; carries the message and error kind."""

    def __init__(self, message: str, kind: str = "hard") -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind


class Fetcher:
    """One HTTP client for many feeds; use as `async with Fetcher(settings) as fetcher`."""

    def __init__(self, settings: FetchSettings | None = None) -> None:
        self.settings = settings or FetchSettings()
        self._clients: dict[bool, httpx.AsyncClient] = {}
        self._host_slots: dict[str, asyncio.Semaphore] = {}
        #: Per host: the earliest moment (monotonic) the next request may start, and a
        #: host's own interval when it asked for a longer one (robots.txt Crawl-delay).
        self._next_start: dict[str, float] = {}
        self._host_interval: dict[str, float] = {}

    async def __aenter__(self) -> Fetcher:
        return self

    def _make_client(self, allow_private: bool) -> httpx.AsyncClient:
        s = self.settings
        limits = httpx.Limits(max_connections=s.max_connections, max_keepalive_connections=s.max_connections)
        # Behind an environment proxy the proxy connects, so hosts are checked per hop
        # (`_check_resolved`); otherwise every connection goes through the guard.
        transport = (
            None if self._proxied() else GuardedTransport(allow_private, limits=limits, trust_env=s.trust_env)
        )
        return httpx.AsyncClient(
            follow_redirects=False,
            timeout=httpx.Timeout(
                connect=s.connect_timeout, read=s.read_timeout, write=s.read_timeout, pool=s.total_timeout
            ),
            limits=limits,
            headers={"User-Agent": s.user_agent, "Accept": ACCEPT, "Accept-Encoding": "gzip, deflate"},
            trust_env=s.trust_env,
            transport=transport,
        )

    def _proxied(self) -> bool:
        proxies = urllib.request.getproxies() if self.settings.trust_env else {}
        return bool(proxies.get("http") or proxies.get("https") or proxies.get("all"))

    def _client_for(self, allow_private: bool) -> httpx.AsyncClient:
        """Two clients, so a kept-alive connection to a private address opened for a feed
        that opted in can never be reused for one that did not."""
        client = self._clients.get(allow_private)
        if client is None:
            client = self._clients[allow_private] = self._make_client(allow_private)
        return client

    async def __aexit__(self, *exc: object) -> None:
        clients, self._clients = self._clients, {}
        for client in clients.values():
            await client.aclose()

    def set_host_interval(self, host: str, seconds: float) -> None:
        """Pace one host more slowly than the settings (a robots.txt Crawl-delay)."""
        self._host_interval[host.lower()] = max(0.0, seconds)

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str | None = None,
        content_types: frozenset[str] | None = None,
        cut: bool = False,
        allow_private: bool = False,
    ) -> FetchResult:
        """GET a feed, conditionally when validators are given. Never raises for the server's doing.

        `accept` replaces the Accept header; `content_types` refuses (before reading the
        body) a 2xx answer whose declared type is not one of them; `cut` keeps the first
        `max_body_bytes` of a longer body and marks the result `truncated` instead of
        refusing it; `allow_private`: this feed opted in to loopback and private addresses.
        """
        started = time.monotonic()
        counter = _Counter()
        private = allow_private or self.settings.allow_private
        options = _Options(accept, content_types, cut)
        try:
            result = await self._follow(url, etag, last_modified, counter, options, private)
        except _RefusedError as exc:
            result = _failure(url, exc.message, exc.kind)
        except AddressRefusedError as exc:
            result = _failure(url, f"refused: {exc}", "hard")
        except httpx.HTTPError as exc:
            result = _failure(url, *_describe(exc, self.settings))
        except TimeoutError:
            result = _failure(
                url, f"no complete response within {self.settings.total_timeout:g} s", "temporary"
            )
        except (OSError, ValueError, UnicodeError) as exc:
            result = _failure(url, f"request failed: {type(exc).__name__}: {exc}", "temporary")
        return _with_stats(result, counter.wire_bytes, time.monotonic() - started, counter.hops)

    async def _follow(
        self,
        url: str,
        etag: str | None,
        last_modified: str | None,
        counter: _Counter,
        options: _Options,
        allow_private: bool,
    ) -> FetchResult:
        """Follow redirects by hand: count them, spot loops, remember whether all were permanent.

        Every hop passes the address policy: its URL here, its resolved addresses when
        connecting (or here, behind a proxy).
        """
        current, visited, permanent = url, {url}, True
        headers = _conditional_headers(etag, last_modified)
        if options.accept:
            headers["Accept"] = options.accept
        for _hop in range(self.settings.max_redirects + 1):
            if not _is_http(current):
                raise _RefusedError(f"not an http(s) URL: {current}")
            refusal = url_refusal(current, allow_private=allow_private)
            if refusal is not None:
                where = "" if current == url else f" (redirected to {_without_credentials(current)})"
                raise _RefusedError(f"refused{where}: {refusal}")
            if self._proxied():
                await _check_resolved(current, allow_private, self.settings.connect_timeout)
            async with self._exchange(current, headers, allow_private) as response:
                counter.hops.append((response.status_code, current))
                if response.status_code in REDIRECTS and response.headers.get("location"):
                    target = urljoin(current, response.headers["location"].strip())
                    if target in visited:
                        raise _RefusedError(f"redirect loop: {current} leads back to {target}")
                    visited.add(target)
                    permanent = permanent and response.status_code in PERMANENT_REDIRECTS
                    current = target
                    continue
                moved_to = current if permanent and current != url else None
                return await self._finish(url, current, response, counter, moved_to, options)
        raise _RefusedError(f"more than {self.settings.max_redirects} redirects")

    @asynccontextmanager
    async def _exchange(
        self, url: str, headers: dict[str, str], allow_private: bool
    ) -> AsyncIterator[httpx.Response]:
        """One request under the host's slot and the total deadline."""
        async with self._slot(url):
            await self._pace(url)
            async with (
                asyncio.timeout(self.settings.total_timeout),
                self._client_for(allow_private).stream("GET", url, headers=headers) as response,
            ):
                yield response

    async def _pace(self, url: str) -> None:
        """Wait for this host's turn: requests to one host start at least an interval apart."""
        host = (urlsplit(url).hostname or "").lower()
        interval = max(self.settings.per_host_interval, self._host_interval.get(host, 0.0))
        if interval <= 0:
            return
        now = time.monotonic()
        start = max(now, self._next_start.get(host, now))
        self._next_start[host] = start + interval
        if start > now:
            await asyncio.sleep(start - now)

    def _slot(self, url: str) -> asyncio.Semaphore:
        host = (urlsplit(url).hostname or "").lower()
        slot = self._host_slots.get(host)
        if slot is None:
            slot = self._host_slots[host] = asyncio.Semaphore(self.settings.per_host)
        return slot

    async def _finish(
        self,
        url: str,
        final: str,
        response: httpx.Response,
        counter: _Counter,
        moved_to: str | None,
        options: _Options,
    ) -> FetchResult:
        status = response.status_code
        headers = {k.lower(): v for k, v in response.headers.items()}
        common = {
            "request_headers": tuple(response.request.headers.items()),
            "raw_headers": tuple(response.headers.items()),
            "reason": response.reason_phrase,
            "http_version": response.http_version,
            "url": url,
            "final_url": final,
            "http_status": status,
            "headers": headers,
            "moved_to": moved_to,
            "retry_after": parse_retry_after(headers.get("retry-after")),
            "max_age": parse_max_age(headers),
        }
        if status == 304:
            return FetchResult(
                status="not_modified",
                etag=headers.get("etag"),
                last_modified=headers.get("last-modified"),
                **common,
            )
        if 200 <= status < 300:
            if options.content_types is not None:
                declared = headers.get("content-type", "").split(";")[0].strip().lower()
                if declared and declared not in options.content_types:
                    raise _RefusedError(f"{NOT_A_PAGE}: the server answered {declared}", "hard")
            body, truncated = await self._read_body(response, counter, cut=options.cut)
            return FetchResult(
                status="ok",
                body=body,
                truncated=truncated,
                etag=headers.get("etag"),
                last_modified=headers.get("last-modified"),
                **common,
            )
        message, kind = _status_error(status)
        return FetchResult(
            status="gone" if status == 410 else "error", error=message, error_kind=kind, **common
        )

    async def _read_body(
        self, response: httpx.Response, counter: _Counter, *, cut: bool = False
    ) -> tuple[bytes, bool]:
        """The decoded body, and whether it was cut at the limit (only with `cut`)."""
        limit = self.settings.max_body_bytes
        declared = response.headers.get("content-length", "")
        if not cut and declared.isdigit() and int(declared) > limit:
            raise _RefusedError(f"body of {int(declared):,} bytes is over the limit of {limit:,}")
        decoder = BodyDecoder(response.headers.get("content-encoding"), limit, cut=cut)
        async for chunk in response.aiter_raw():
            counter.wire_bytes += len(chunk)
            decoder.feed(chunk)
            if decoder.truncated:
                break  # closing the stream drops the connection: the rest is never read
        return decoder.finish(), decoder.truncated


@dataclass(frozen=True)
class _Options:
    accept: str | None = None
    content_types: frozenset[str] | None = None
    cut: bool = False


@dataclass
class _Counter:
    wire_bytes: int = 0
    hops: list[tuple[int, str]] = field(default_factory=list)


# ---------------------------------------------------------------- the address policy


class AddressRefusedError(Exception):
    """A host resolved only to addresses the policy refuses (see `address_refusal`)."""


async def resolve_allowed(
    host: str, port: int, *, allow_private: bool, timeout: float | None = None
) -> list[IPAddress]:
    """The addresses of `host` the policy allows, in resolver order; AddressRefusedError if none.

    Reusable by anything that connects to a feed's or an article's host. A literal
    address in any notation is judged as it is; a name is resolved first.
    """
    literal = literal_ip(host)
    if literal is not None:
        found: list[IPAddress] = [literal]
    else:
        loop = asyncio.get_running_loop()
        try:
            infos = await asyncio.wait_for(
                loop.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP), timeout
            )
        except socket.gaierror as exc:
            raise OSError(f"cannot resolve {host}: {exc.strerror}") from None
        found = []
        for info in infos:
            address = literal_ip(str(info[4][0]))
            if address is not None and address not in found:
                found.append(address)
    allowed = [a for a in found if address_refusal(a, allow_private=allow_private) is None]
    if not allowed:
        refusals = (str(address_refusal(a, allow_private=allow_private)) for a in found)
        reasons = "; ".join(dict.fromkeys(refusals)) or "no address"
        raise AddressRefusedError(f"{host} resolves only to refused addresses: {reasons}")
    return allowed


async def _check_resolved(url: str, allow_private: bool, timeout: float) -> None:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    await resolve_allowed(parts.hostname or "", port, allow_private=allow_private, timeout=timeout)


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend, connecting only to addresses the policy allows.

    The host is resolved here and the connection made to the checked address itself,
    so no second lookup can answer differently (DNS rebinding). TLS still verifies the
    certificate against the host name, which httpcore passes separately.
    """

    def __init__(self, allow_private: bool, inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self.allow_private = allow_private
        self.inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            addresses = await resolve_allowed(host, port, allow_private=self.allow_private, timeout=timeout)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"resolving {host} took more than {timeout:g} s") from None
        except AddressRefusedError:
            raise
        except OSError as exc:  # as httpx reports any failure to connect
            raise httpcore.ConnectError(str(exc)) from None
        error: Exception | None = None
        for address in addresses:
            try:
                stream = await self.inner.connect_tcp(
                    str(address),
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
                return _PooledStream(stream)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        assert error is not None
        raise error

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise AddressRefusedError("unix sockets are not feeds")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class _PooledStream(httpcore.AsyncNetworkStream):
    """A network stream whose "is the idle connection readable?" check is one poll.

    httpcore asks it of every pooled connection each time a request is queued or a
    response closed (26,000 times in a pass over 400 feeds of one host); anyio answered
    by building its table of socket attributes first, and httpcore's own check makes a
    poll object each time. Here the raw socket is looked up once and registered once
    with a poll object of this stream's own; everything else is the inner stream's.
    """

    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self.inner = inner
        self._socket: socket.socket | None = inner.get_extra_info("socket")
        self._poller: Any = None
        if self._socket is not None and hasattr(select, "poll") and self._socket.fileno() >= 0:
            self._poller = select.poll()
            self._poller.register(self._socket.fileno(), select.POLLIN)

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self.inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self.inner.write(buffer, timeout)

    async def aclose(self) -> None:
        self._poller = None
        await self.inner.aclose()

    async def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.AsyncNetworkStream:
        return _PooledStream(await self.inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable" and self._socket is not None:
            if self._socket.fileno() < 0:
                return True  # closed: its next read ends it (as httpcore answers)
            if self._poller is not None:
                return bool(self._poller.poll(0))
            return _readable(self._socket)
        return self.inner.get_extra_info(info)


def _readable(sock: socket.socket) -> bool:
    """Would a read return at once (data, or the end of a connection the server closed)?
    A socket with no descriptor counts as readable: its next read ends it. (As httpcore.)"""
    descriptor = sock.fileno()
    if descriptor < 0:
        return True
    if not hasattr(select, "poll"):  # Windows
        return bool(select.select([descriptor], [], [], 0)[0])
    poller = select.poll()
    poller.register(descriptor, select.POLLIN)
    return bool(poller.poll(0))


#: One verifying TLS context per process (and `trust_env`), shared by every pass.
_SSL_CONTEXTS: dict[bool, ssl.SSLContext] = {}
_SSL_LOCK = threading.Lock()


def _ssl_context(trust_env: bool) -> ssl.SSLContext:
    """The TLS context of every guarded transport, made once.

    Making one loads the whole CA bundle, about 25 ms of CPU; each pass made two (one
    client per address policy), a watcher's every few minutes and the dashboard's at
    each refresh of a feed. A context only verifies and is safe to share between
    threads. With `trust_env`, SSL_CERT_FILE and SSL_CERT_DIR are read when it is made.
    """
    with _SSL_LOCK:
        context = _SSL_CONTEXTS.get(trust_env)
        if context is None:
            context = _SSL_CONTEXTS[trust_env] = httpx.create_ssl_context(trust_env=trust_env)
        return context


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport with its connection pool on a `GuardedBackend`.

    httpx does not take a network backend as an argument, so the pool it built is
    replaced by an equal one on the guarded backend (tests/test_address_policy.py
    fails if an httpx upgrade changes this).
    """

    def __init__(self, allow_private: bool, *, limits: httpx.Limits, trust_env: bool) -> None:
        super().__init__(verify=_ssl_context(trust_env), limits=limits, trust_env=trust_env)
        ssl_context = self._pool._ssl_context
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=GuardedBackend(allow_private),
        )


def _without_credentials(url: str) -> str:
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    return parts._replace(netloc=parts.netloc.rsplit("@", 1)[-1]).geturl()


# ---------------------------------------------------------------- bodies


class BodyDecoder:
    """Decompress gzip/deflate incrementally, never holding more than `limit` bytes of output.

    httpx would decompress a whole network chunk at once: 64 KiB of a gzip bomb can be
    64 MiB of zeros. Here each step asks zlib for at most the bytes still allowed.
    A body without Content-Encoding that is itself gzip (a `.xml.gz` served raw) is
    decompressed under the same limit.
    """

    def __init__(self, encoding: str | None, limit: int, *, cut: bool = False) -> None:
        self.limit = limit
        #: Keep the first `limit` bytes of a longer body (and say so) instead of refusing it.
        self.cut = cut
        self.truncated = False
        self.size = 0
        self.parts: list[bytes] = []
        self.encoding = (encoding or "identity").strip().lower()
        self._z = _decompressor(self.encoding)

    def feed(self, data: bytes) -> None:
        if not data or self.truncated:
            return
        if self._z is None:
            self._append(data)
            return
        pending = data
        while pending:
            try:
                out = self._z.decompress(pending, self.limit - self.size + 1)
            except zlib.error as exc:
                raise _RefusedError(f"corrupt {self.encoding} body: {exc}", "temporary") from None
            self._append(out)
            if self.truncated:
                return
            pending = self._z.unconsumed_tail
            if self._z.eof:
                rest = self._z.unused_data
                if rest.strip(b"\0") and self.encoding in ("gzip", "x-gzip"):
                    self._z = _decompressor(self.encoding)  # a multi-member gzip stream
                    pending = rest
                else:
                    break

    def finish(self) -> bytes:
        if self.truncated:
            body = b"".join(self.parts)
            self.parts = []
            return body
        if self._z is not None:
            try:
                self._append(self._z.flush())
            except zlib.error as exc:  # pragma: no cover - flush rarely fails after decompress
                raise _RefusedError(f"corrupt {self.encoding} body: {exc}", "temporary") from None
            if not self._z.eof and self.size:
                raise _RefusedError(f"truncated body: the {self.encoding} stream ends early", "temporary")
        body = b"".join(self.parts)
        self.parts = []
        if self._z is None and body[:2] == b"\x1f\x8b":
            inner = BodyDecoder("gzip", self.limit)
            inner.feed(body)
            return inner.finish()
        return body

    def _append(self, data: bytes) -> None:
        if self.cut and self.size + len(data) > self.limit:
            data = data[: self.limit - self.size]
            self.truncated = True
        self.size += len(data)
        if self.size > self.limit:
            raise _RefusedError(f"body over the limit of {self.limit:,} bytes (after decompression)")
        if data:
            self.parts.append(data)


def _decompressor(encoding: str) -> zlib._Decompress | None:
    if encoding in ("identity", ""):
        return None
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        # RFC says zlib-wrapped; some servers send raw deflate. 32+ accepts zlib and gzip headers.
        return zlib.decompressobj(32 + zlib.MAX_WBITS)
    raise _RefusedError(f"unsupported Content-Encoding {encoding!r}", "hard")


# ---------------------------------------------------------------- headers


def _conditional_headers(etag: str | None, last_modified: str | None) -> dict[str, str]:
    headers: dict[str, str] = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers


def parse_retry_after(value: str | None, now: datetime | None = None) -> datetime | None:
    """Retry-After as a moment: delta-seconds or an HTTP date; None if absent or nonsense."""
    if not value:
        return None
    value = value.strip()
    now = now or datetime.now(UTC)
    if value.isdigit():
        return now + timedelta(seconds=min(int(value), 10**8))
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


_MAX_AGE = re.compile(r"(?:^|[,\s])(?:s-)?max-age\s*=\s*\"?(\d+)", re.IGNORECASE)


def parse_max_age(headers: dict[str, str], now: datetime | None = None) -> timedelta | None:
    """How long the response may be cached (Cache-Control max-age, else Expires)."""
    control = headers.get("cache-control", "")
    if re.search(r"no-cache|no-store", control, re.IGNORECASE):
        return None
    match = _MAX_AGE.search(control)
    if match:
        return timedelta(seconds=min(int(match.group(1)), 10**8))
    expires = headers.get("expires")
    if expires:
        try:
            moment = parsedate_to_datetime(expires)
        except (TypeError, ValueError, IndexError):
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        delta = moment - (now or datetime.now(UTC))
        return delta if delta > timedelta() else None
    return None


# ---------------------------------------------------------------- errors


def _status_error(status: int) -> tuple[str, str]:
    if status == 410:
        return "HTTP 410 Gone: the feed was removed", "hard"
    if status == 429:
        return "HTTP 429 Too Many Requests: rate limited", "temporary"
    if status in (401, 403):
        return f"HTTP {status}: access denied (the site may block non-browser clients)", "hard"
    if status == 404:
        return "HTTP 404 Not Found", "hard"
    if status >= 500:
        return f"HTTP {status}: server error", "temporary"
    if status in REDIRECTS:
        return f"HTTP {status} without a Location header", "hard"
    return f"HTTP {status}: unexpected response", "hard"


def _describe(exc: httpx.HTTPError, settings: FetchSettings) -> tuple[str, str]:
    """A one-line message and error kind for an httpx failure."""
    if isinstance(exc, httpx.ConnectTimeout):
        return f"could not connect within {settings.connect_timeout:g} s", "temporary"
    if isinstance(exc, httpx.ReadTimeout):
        return f"no data for {settings.read_timeout:g} s", "temporary"
    if isinstance(exc, httpx.PoolTimeout):
        return "no free connection (too many requests in flight)", "temporary"
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out: {exc}", "temporary"
    if isinstance(exc, httpx.RemoteProtocolError):
        text = str(exc) or type(exc).__name__
        if "incomplete" in text or "closed" in text:
            return f"truncated body: {text}", "temporary"
        return f"broken HTTP response: {text}", "temporary"
    if isinstance(exc, httpx.ConnectError):
        return f"cannot connect: {exc or type(exc).__name__}", "temporary"
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return f"bad URL: {exc}", "hard"
    if isinstance(exc, httpx.DecodingError):
        return f"corrupt compressed body: {exc}", "temporary"
    return f"{type(exc).__name__}: {exc}", "temporary"


def _failure(url: str, message: str, kind: str) -> FetchResult:
    return FetchResult(url=url, status="error", final_url=url, error=message, error_kind=kind)


def _with_stats(
    result: FetchResult, wire_bytes: int, elapsed: float, hops: list[tuple[int, str]]
) -> FetchResult:
    return replace(result, bytes_received=wire_bytes, elapsed=elapsed, redirects=tuple(hops))


def _is_http(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)
