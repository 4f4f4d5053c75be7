"""HTTP for feeds: polite, bounded, and never raising for what a server or network does.

Why this is more than `aiohttp`'s `session.get`:
- conditional GET with the stored ETag / Last-Modified, so unchanged feeds cost a 304;
- redirects followed here, not by the client, to tell 301/308 (permanent: the stored URL
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

The client is aiohttp: its HTTP/1.1 parser is in C and its connection pool costs little
per request. A conditional GET answered 304 took about 1.5 ms of CPU through httpx and
httpcore (pooling, anyio, h11 in pure Python) and takes about 0.2 ms here, which is most
of what a pass over unchanged feeds costs and a tenth of a first pass's watcher CPU.
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import ssl
import threading
import time
import urllib.request
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Literal
from urllib.parse import urljoin, urlsplit

import aiohttp
import certifi
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from tracker import __version__
from tracker.textnorm import IPAddress, address_refusal, literal_ip, url_refusal

USER_AGENT = f"commitment-tracker/{__version__} (RSS/Atom feed watcher; aiohttp/{aiohttp.__version__})"
ACCEPT = (
    "application/atom+xml, application/rss+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.8, text/xml;q=0.8, */*;q=0.5"
)
PERMANENT_REDIRECTS = frozenset({301, 308})
REDIRECTS = frozenset({301, 302, 303, 307, 308})

#: Longest response header line and field accepted: aiohttp's default (8,190 bytes) refuses
#: some real sites' Content-Security-Policy; h11, before it, allowed 16 KiB in all.
MAX_HEADER_FIELD = 32 * 1024

#: Bytes of a response buffered at a time (see `Fetcher._make_session`).
READ_BUFFER = 64 * 1024

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
        self._sessions: dict[bool, aiohttp.ClientSession] = {}
        self._host_slots: dict[str, asyncio.Semaphore] = {}
        #: Per host: the earliest moment (monotonic) the next request may start, and a
        #: host's own interval when it asked for a longer one (robots.txt Crawl-delay).
        self._next_start: dict[str, float] = {}
        self._host_interval: dict[str, float] = {}

    async def __aenter__(self) -> Fetcher:
        return self

    def _make_session(self, allow_private: bool) -> aiohttp.ClientSession:
        s = self.settings
        # Behind an environment proxy the proxy connects, so hosts are checked per hop
        # (`_check_resolved`); otherwise every connection is made through the guard.
        resolver = None if self._proxied() else GuardedResolver(allow_private, s.connect_timeout)
        connector = aiohttp.TCPConnector(
            limit=s.max_connections,
            limit_per_host=0,  # `_slot` bounds each host, with the pace `_pace` keeps
            ssl=_ssl_context(s.trust_env),
            resolver=resolver,
        )
        return aiohttp.ClientSession(
            connector=connector,
            # The deadline of a whole request is `asyncio.timeout` in `_exchange`; a wait
            # for a free connection counts against it, as it did in the client before.
            timeout=aiohttp.ClientTimeout(
                total=None, connect=None, sock_connect=s.connect_timeout, sock_read=s.read_timeout
            ),
            headers={"User-Agent": s.user_agent, "Accept": ACCEPT, "Accept-Encoding": "gzip, deflate"},
            trust_env=s.trust_env,
            auto_decompress=False,  # `BodyDecoder` decompresses, under the size limit
            # What a body read may hold buffered: a body over the limit is refused after
            # at most this much more is read (aiohttp's default is 256 KiB).
            read_bufsize=READ_BUFFER,
            max_line_size=MAX_HEADER_FIELD,
            max_field_size=MAX_HEADER_FIELD,
        )

    def _proxied(self) -> bool:
        proxies = urllib.request.getproxies() if self.settings.trust_env else {}
        return bool(proxies.get("http") or proxies.get("https") or proxies.get("all"))

    def _session_for(self, allow_private: bool) -> aiohttp.ClientSession:
        """Two sessions, so a kept-alive connection to a private address opened for a feed
        that opted in can never be reused for one that did not."""
        session = self._sessions.get(allow_private)
        if session is None:
            session = self._sessions[allow_private] = self._make_session(allow_private)
        return session

    async def __aexit__(self, *exc: object) -> None:
        sessions, self._sessions = self._sessions, {}
        for session in sessions.values():
            await session.close()

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
        except aiohttp.ClientError as exc:  # before TimeoutError: aiohttp's timeouts are both
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
                counter.hops.append((response.status, current))
                if response.status in REDIRECTS and response.headers.get("location"):
                    target = urljoin(current, response.headers["location"].strip())
                    if target in visited:
                        raise _RefusedError(f"redirect loop: {current} leads back to {target}")
                    visited.add(target)
                    permanent = permanent and response.status in PERMANENT_REDIRECTS
                    current = target
                    continue
                moved_to = current if permanent and current != url else None
                return await self._finish(url, current, response, counter, moved_to, options)
        raise _RefusedError(f"more than {self.settings.max_redirects} redirects")

    @asynccontextmanager
    async def _exchange(
        self, url: str, headers: dict[str, str], allow_private: bool
    ) -> AsyncIterator[aiohttp.ClientResponse]:
        """One request under the host's slot and the total deadline."""
        async with self._slot(url):
            await self._pace(url)
            session = self._session_for(allow_private)
            async with (
                asyncio.timeout(self.settings.total_timeout),
                session.get(URL(url), headers=headers, allow_redirects=False) as response,
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
        response: aiohttp.ClientResponse,
        counter: _Counter,
        moved_to: str | None,
        options: _Options,
    ) -> FetchResult:
        status = response.status
        headers: dict[str, str] = {}
        for name, value in response.headers.items():  # a repeated header: its values joined
            key = name.lower()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        version = response.version
        common = {
            "request_headers": tuple(response.request_info.headers.items()),
            "raw_headers": tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in response.raw_headers),
            "reason": response.reason or "",
            "http_version": f"HTTP/{version.major}.{version.minor}" if version else "HTTP/1.1",
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
        self, response: aiohttp.ClientResponse, counter: _Counter, *, cut: bool = False
    ) -> tuple[bytes, bool]:
        """The decoded body, and whether it was cut at the limit (only with `cut`)."""
        limit = self.settings.max_body_bytes
        declared = response.headers.get("content-length", "")
        if not cut and declared.isdigit() and int(declared) > limit:
            raise _RefusedError(f"body of {int(declared):,} bytes is over the limit of {limit:,}")
        decoder = BodyDecoder(response.headers.get("content-encoding"), limit, cut=cut)
        async for chunk in response.content.iter_chunked(READ_BUFFER):
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


class GuardedResolver(AbstractResolver):
    """aiohttp's resolver, answering only with addresses the policy allows.

    The connector connects to exactly the addresses returned here, so no second lookup
    can answer differently (DNS rebinding); TLS still verifies the certificate against
    the host name, which aiohttp keeps apart from the address. aiohttp itself refuses
    the legacy numeric forms of IPv4 (`2130706433`, `127.1`) and looks up no literal
    address: `url_refusal` judges those in `Fetcher._follow`, on every hop.
    """

    def __init__(self, allow_private: bool, timeout: float | None = None) -> None:
        self.allow_private = allow_private
        self.timeout = timeout

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        private, timeout = self.allow_private, self.timeout
        try:
            addresses = await resolve_allowed(host, port, allow_private=private, timeout=timeout)
        except TimeoutError:  # an OSError, which aiohttp would report as the whole request's
            message = f"could not connect within {timeout:g} s: resolving {host} took longer"
            raise _RefusedError(message, "temporary") from None
        return [
            {
                "hostname": host,
                "host": str(address),
                "port": port,
                "family": socket.AF_INET6 if address.version == 6 else socket.AF_INET,
                "proto": socket.IPPROTO_TCP,
                "flags": socket.AI_NUMERICHOST | socket.AI_NUMERICSERV,
            }
            for address in addresses
        ]

    async def close(self) -> None:
        """Nothing to release: lookups go through the event loop's own resolver."""


#: One verifying TLS context per process (and `trust_env`), shared by every pass.
_SSL_CONTEXTS: dict[bool, ssl.SSLContext] = {}
_SSL_LOCK = threading.Lock()


def _ssl_context(trust_env: bool) -> ssl.SSLContext:
    """The TLS context of every session, made once.

    Making one loads the whole CA bundle, about 25 ms of CPU; each pass would make two
    (one session per address policy), a watcher's every few minutes and the dashboard's
    at each refresh of a feed. A context only verifies and is safe to share between
    threads. The CA bundle is certifi's (the same on every platform); with `trust_env`,
    SSL_CERT_FILE and SSL_CERT_DIR name others, read when the context is made.
    """
    with _SSL_LOCK:
        context = _SSL_CONTEXTS.get(trust_env)
        if context is None:
            cafile = os.environ.get("SSL_CERT_FILE", "") if trust_env else ""
            capath = os.environ.get("SSL_CERT_DIR", "") if trust_env else ""
            has_file = bool(cafile) and Path(cafile).is_file()
            has_dir = bool(capath) and Path(capath).is_dir()
            context = ssl.create_default_context(
                cafile=cafile if has_file else (None if has_dir else certifi.where()),
                capath=capath if has_dir else None,
            )
            _SSL_CONTEXTS[trust_env] = context
        return context


def _without_credentials(url: str) -> str:
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    return parts._replace(netloc=parts.netloc.rsplit("@", 1)[-1]).geturl()


# ---------------------------------------------------------------- bodies


class BodyDecoder:
    """Decompress gzip/deflate incrementally, never holding more than `limit` bytes of output.

    A client decompressing for us would take a whole network chunk at once: 64 KiB of a gzip bomb can be
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


def _describe(exc: aiohttp.ClientError, settings: FetchSettings) -> tuple[str, str]:
    """A one-line message and error kind for a client failure."""
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return f"could not connect within {settings.connect_timeout:g} s", "temporary"
    if isinstance(exc, aiohttp.SocketTimeoutError):
        return f"no data for {settings.read_timeout:g} s", "temporary"
    if isinstance(exc, aiohttp.ServerTimeoutError):
        return f"timed out: {exc}", "temporary"
    if isinstance(exc, aiohttp.ClientPayloadError):
        return f"truncated body: {_cause(exc)}", "temporary"
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return "broken HTTP response: the server closed the connection without an answer", "temporary"
    if isinstance(exc, aiohttp.InvalidURL):
        return f"bad URL: {exc}", "hard"
    if isinstance(exc, aiohttp.ClientConnectorError):
        return f"cannot connect: {exc.os_error.strerror or exc.os_error}", "temporary"
    if isinstance(exc, aiohttp.ClientResponseError):  # what came back was not HTTP
        return f"broken HTTP response: {exc.message}", "temporary"
    if isinstance(exc, aiohttp.ClientOSError):
        return f"connection failed: {exc.strerror or exc}", "temporary"
    return f"{type(exc).__name__}: {exc}", "temporary"


def _cause(exc: BaseException) -> str:
    """The innermost reason of a chained error, in one line ("Not enough data to satisfy
    content length header"), where aiohttp's own message wraps it twice."""
    while exc.__cause__ is not None:
        exc = exc.__cause__
    text = str(exc) or type(exc).__name__
    return text.split(". ")[0] if ". " in text else text


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
