"""Article pages: fetched politely for their full text and for evidence archives.

Feeds often carry a title and one sentence; the act that makes an article evidence is
further down the page. Fetching pages is a different politeness problem from polling
feeds (one request per article, many to one publisher), so it gets its own rules on
top of the same bounded client (`tracker.feeds.fetching.Fetcher`):

- robots.txt is read once per site (urllib.robotparser: the standard library's own
  reader) and obeyed, including a Crawl-delay (capped); a robots.txt that answers
  4xx allows everything, one that cannot be read (5xx, network) allows nothing, as
  RFC 9309 asks;
- an honest User-Agent that says what the requests are for;
- at most `per_host` requests to one host at a time, and starts at least
  `per_host_interval` seconds apart;
- only HTML is accepted (refused with a reason before its body is read when the
  server declares another type; sniffed when it declares none); a body over the size
  limit is cut there and marked, not refused: the start of an article is what counts.

The main text is extracted with trafilatura (a maintained extractor, evaluated on news
pages) rather than hand-written boilerplate stripping; its result is tidied to plain
text (no control characters), so what reaches the terminal is inert.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import urllib.robotparser
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

import aiohttp

from tracker import __version__
from tracker.feeds.fetching import NOT_A_PAGE, Fetcher, FetchResult, FetchSettings
from tracker.textnorm import tidy
from tracker.types import FetchedPage

log = logging.getLogger(__name__)

PAGE_USER_AGENT = (
    f"commitment-tracker/{__version__} (reads article pages for full text and evidence archives; "
    f"obeys robots.txt; aiohttp/{aiohttp.__version__})"
)
#: The product token robots.txt groups are matched against.
ROBOTS_AGENT = "commitment-tracker"
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
ACCEPT_HTML = "text/html, application/xhtml+xml;q=0.9, */*;q=0.1"
ROBOTS_MAX_BYTES = 512 * 1024


def _page_fetch_settings() -> FetchSettings:
    return FetchSettings(
        user_agent=PAGE_USER_AGENT,
        connect_timeout=10.0,
        read_timeout=20.0,
        total_timeout=30.0,
        max_body_bytes=2 * 1024 * 1024,
        per_host=2,
        per_host_interval=1.0,
    )


@dataclass(frozen=True)
class PageSettings:
    """Limits of page fetching. Defaults are polite to publishers; tests and benchmarks
    shorten the pace."""

    fetch: FetchSettings = field(default_factory=_page_fetch_settings)
    #: Obey robots.txt (turn off only for your own sites).
    robots: bool = True
    #: A Crawl-delay longer than this is capped (a site asking for an hour per page).
    max_crawl_delay: float = 30.0
    #: Pages fetched and held (until extracted or archived) at once across all hosts;
    #: bounds memory to about concurrency × the body limit. Each host has its own limit too.
    concurrency: int = 16
    #: Longest text kept as an article's content.
    max_text_chars: int = 200_000


class PageFetcher:
    """Fetch article pages politely; use as `async with PageFetcher(settings) as pages`."""

    def __init__(self, settings: PageSettings | None = None) -> None:
        self.settings = settings or PageSettings()
        self._fetcher = Fetcher(self.settings.fetch)
        self._robots: dict[str, tuple[urllib.robotparser.RobotFileParser, str | None]] = {}
        self._robots_locks: dict[str, asyncio.Lock] = {}
        self._bodies = asyncio.Semaphore(max(1, self.settings.concurrency))
        self._hosts: dict[str, asyncio.Semaphore] = {}

    async def __aenter__(self) -> PageFetcher:
        await self._fetcher.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._fetcher.__aexit__(*exc)

    @contextlib.asynccontextmanager
    async def hold(self, url: str) -> AsyncIterator[None]:
        """A turn to fetch `url` and keep its body (until extracted): callers with many pages
        take one per page, so at most `concurrency` bodies exist at once.

        The host's turn is taken before the global one: a site with a thousand pages
        waiting never holds the global turns while it waits for itself (head-of-line
        blocking that would serialise the hosts).
        """
        host = (urlsplit(url).hostname or "").lower()
        slot = self._hosts.get(host)
        if slot is None:
            slot = self._hosts[host] = asyncio.Semaphore(max(1, self.settings.fetch.per_host))
        async with slot, self._bodies:
            yield

    async def get(self, url: str, *, allow_private: bool = False) -> FetchedPage:
        """One page, as a FetchedPage whatever happens (never raises for the server's doing).

        Bounded by the Fetcher's per-host slots and pace; callers fetching many pages
        take `hold` around it (and the body's use) to bound memory. The address policy of
        feeds holds for pages too: `allow_private` when the article's feed opted in.
        """
        now = datetime.now(UTC)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return FetchedPage(url=url, status="refused", fetched_at=now, error="not an http(s) URL")
        if self.settings.robots:
            allowed, problem = await self._allowed(url, allow_private)
            if problem is not None:
                return FetchedPage(url=url, status="error", fetched_at=now, error=problem)
            if not allowed:
                return FetchedPage(
                    url=url,
                    status="refused",
                    fetched_at=now,
                    error=f"robots.txt of {parts.hostname} disallows it for {ROBOTS_AGENT}",
                )
        fetched = await self._fetcher.fetch(
            url, accept=ACCEPT_HTML, content_types=HTML_TYPES, cut=True, allow_private=allow_private
        )
        return page_from(fetched, datetime.now(UTC))

    async def _allowed(self, url: str, allow_private: bool = False) -> tuple[bool, str | None]:
        """May this URL be fetched, and why not when robots.txt could not be read."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        lock = self._robots_locks.setdefault(origin, asyncio.Lock())
        async with lock:  # one robots.txt request per site, however many pages wait for it
            known = self._robots.get(origin)
            if known is None:
                known = self._robots[origin] = await self._read_robots(origin, allow_private)
                delay = known[0].crawl_delay(ROBOTS_AGENT)
                if delay:
                    seconds = min(float(delay), self.settings.max_crawl_delay)
                    self._fetcher.set_host_interval(parts.hostname or "", seconds)
        parser, problem = known
        return parser.can_fetch(ROBOTS_AGENT, url), problem

    async def _read_robots(
        self, origin: str, allow_private: bool = False
    ) -> tuple[urllib.robotparser.RobotFileParser, str | None]:
        parser = urllib.robotparser.RobotFileParser(origin + "/robots.txt")
        fetched = await self._fetcher.fetch(
            origin + "/robots.txt", accept="text/plain, */*;q=0.1", allow_private=allow_private
        )
        status = fetched.http_status
        if fetched.status == "ok" and fetched.body is not None:
            text = fetched.body[:ROBOTS_MAX_BYTES].decode("utf-8", errors="replace")
            parser.parse(text.splitlines())
            return parser, None
        if status is not None and 400 <= status < 500:
            parser.allow_all = True  # no robots.txt: everything is allowed
            return parser, None
        parser.disallow_all = True  # RFC 9309: an unreachable robots.txt allows nothing
        problem = f"robots.txt of {origin} could not be read ({fetched.error}); not fetching the site's pages"
        log.info("%s", problem)
        return parser, problem


def page_from(fetched: FetchResult, fetched_at: datetime) -> FetchedPage:
    """A FetchResult as a FetchedPage: HTML sniffed, 404/410 as gone, refusals told apart."""
    headers = fetched.headers
    content_type = headers.get("content-type", "")
    common = {
        "url": fetched.url,
        "fetched_at": fetched_at,
        "final_url": fetched.final_url,
        "http_status": fetched.http_status,
        "reason": fetched.reason,
        "http_version": fetched.http_version,
        "content_type": content_type,
        "request_headers": fetched.request_headers,
        "response_headers": fetched.raw_headers,
        "redirects": fetched.redirects,
    }
    if fetched.status == "ok" and fetched.body is not None:
        reason = _not_html(fetched.body, content_type)
        if reason:
            return FetchedPage(status="refused", error=reason, **common)
        return FetchedPage(status="ok", body=fetched.body, truncated=fetched.truncated, **common)
    if fetched.http_status in (404, 410):
        return FetchedPage(status="gone", error=fetched.error, **common)
    if fetched.error and fetched.error.startswith(NOT_A_PAGE):
        return FetchedPage(status="refused", error=fetched.error, **common)
    return FetchedPage(status="error", error=fetched.error or f"HTTP {fetched.http_status}", **common)


def _not_html(body: bytes, content_type: str) -> str | None:
    """Why a 2xx body is not a web page we read, or None. A declared type was checked before
    the body was read; this catches binary bodies sent without a type, or mislabelled."""
    head = body[:2048]
    if b"\0" in head:
        return "not a web page: binary content"
    if not content_type.strip():
        lowered = head.lower()
        if not any(mark in lowered for mark in (b"<html", b"<!doctype html", b"<body", b"<p", b"<div")):
            return "not a web page: no content type and no HTML"
    return None


def extract_text(body: bytes, url: str, limit: int = 200_000) -> str:
    """The main text of an HTML page (trafilatura), as tidy plain text; "" if it finds none.

    trafilatura's `deduplicate` is left off: its cache is process-wide, so a paragraph
    two articles share (a quoted communiqué) would vanish from the second.
    """
    import trafilatura  # loads lxml and its models: only when a page is read

    try:
        text = trafilatura.extract(
            body, url=url, include_comments=False, include_tables=True, include_links=False
        )
    except Exception as exc:  # a parser bug on one page must not stop the others
        log.warning("extracting %s failed: %s: %s", url, type(exc).__name__, exc)
        return ""
    return tidy(text or "")[:limit]


def extract_job(body: bytes, url: str, limit: int, timeout: float | None) -> str:
    """`extract_text` in a parse worker (`ParsePool.run`), stopped at `timeout` as a parse is.

    Extraction is most of the CPU of reading a page (about 9 ms a page), and it ran in
    the pass's threads, one core at a time under the GIL, with no time limit: a page
    that sent trafilatura into a loop held the pass. In the workers it uses every core,
    under the parse's memory cap, and a page past its time gives no text, alone.
    """
    from tracker.feeds.parsing import ParseTimeoutError, time_limit

    try:
        with time_limit(timeout):
            return extract_text(body, url, limit)
    except ParseTimeoutError:
        log.warning("extracting %s took more than %g s; abandoned", url, timeout or 0)
        return ""
