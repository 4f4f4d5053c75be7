"""From a feed body (bytes + response headers) to normalised `Entry` values.

feedparser does the reading; this module decides what to make of it:
- it never fetches: the body comes from `tracker.feeds.fetching` (feedparser's own fetching
  has no timeout), and the response headers go with it, for the encoding;
- it runs with sanitising and relative-URI resolution off: we store plain text, so there
  is no HTML left to sanitise, and that halves the parse time;
- an XML entity-expansion bomb is refused before feedparser sees it;
- the pitfalls in DESIGN.md are handled on purpose: an HTML page or an empty body is an
  error, not an empty feed; a truncated feed loses its partial last entry; a bare
  `<guid>` copied into `link` is not taken for a link; dates go through `feeddates`.

`parse_feed` raises `FeedError`; `parse_job` is the same for a worker process and
returns plain picklable values. `ParsePool` spreads parsing over the machine's cores.
"""

from __future__ import annotations

import asyncio
import atexit
import importlib.util
import io
import multiprocessing
import os
import re
import signal
import threading
import weakref
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urljoin

import feedparser
import feedparser.api
import feedparser.encodings

from tracker.errors import FeedError
from tracker.feeds.dates import parse_date
from tracker.textnorm import (
    canonical_url,
    fingerprint,
    inert_link,
    is_http_url,
    language_code,
    one_line,
    plain_title,
    script_language,
    to_plain,
    truncate,
)
from tracker.types import Entry, MatcherTicket, MatchResult


def _skip_missing_sax_driver() -> None:
    """feedparser asks xml.sax for libxml2's driver first, on every parse; when it is not
    installed, that is a failed import (a scan of sys.path) per feed. Ask for it no more."""
    preferred = feedparser.api.PREFERRED_XML_PARSERS
    if "drv_libxml2" in preferred and importlib.util.find_spec("drv_libxml2") is None:
        preferred.remove("drv_libxml2")


_skip_missing_sax_driver()

MAX_TITLE = 1_000
MAX_SUMMARY = 20_000
MAX_CONTENT = 200_000
MAX_AUTHOR = 200
#: A summary made from the content when the feed gives none.
SUMMARY_FROM_CONTENT = 600
#: Internal entities may add at most this many bytes to a document (a bomb adds gigabytes).
MAX_ENTITY_EXPANSION = 1_000_000


@dataclass(frozen=True)
class ParsedFeed:
    """What a body held: feed-level facts, its entries, and what was odd about it."""

    title: str
    link: str | None
    language: str | None
    version: str
    entries: tuple[Entry, ...]
    warnings: tuple[str, ...] = ()
    #: The RSS <ttl>: how long the publisher asks readers to wait between polls.
    ttl: timedelta | None = None
    #: Each entry's rule results, when the job was given rules (tracker.rules.prematch),
    #: and the fingerprint of the rules that made them.
    matches: tuple[tuple[MatchResult, ...], ...] | None = None
    matched_by: str | None = None


# ---------------------------------------------------------------- the entry point


def parse_feed(
    body: bytes,
    *,
    url: str,
    headers: Mapping[str, str] | None = None,
    language: str | None = None,
) -> ParsedFeed:
    """Parse one feed body; raise FeedError (naming `url`) when it is not a usable feed.

    `language` is the configured language of the feed, used when neither the entry nor
    the feed states one and the script does not tell.
    """
    if not body or not body.strip():
        raise FeedError(url, "empty body: the server sent no feed", kind="soft")
    response_headers = _headers_for_feedparser(headers)
    view = decoded_view(body, response_headers)
    check_entities(view, url)
    try:
        parsed = feedparser.parse(
            io.BytesIO(body),
            response_headers=response_headers,
            sanitize_html=False,
            resolve_relative_uris=False,
        )
    except Exception as exc:
        raise FeedError(url, f"cannot parse: {type(exc).__name__}: {exc}", kind="hard") from None
    warnings: list[str] = []
    _check_is_feed(parsed, body, response_headers, url)
    raw_entries = list(parsed.entries)
    if parsed.get("bozo"):
        warnings.append(f"not well-formed: {_bozo_text(parsed)}")
        if raw_entries and _looks_truncated(view):
            raw_entries.pop()
            warnings.append("body looks truncated: the last, possibly partial, entry was dropped")
    feed_info = parsed.get("feed", {})
    feed_language = language_code(feed_info.get("language")) or language
    entries = _entries(raw_entries, url=url, feed_language=feed_language, warnings=warnings)
    return ParsedFeed(
        title=plain_title(feed_info.get("title"), _detail_type(feed_info, "title")),
        link=_absolute(feed_info.get("link"), url),
        language=feed_language,
        version=str(parsed.get("version") or ""),
        entries=entries,
        warnings=tuple(warnings),
        ttl=_ttl(feed_info.get("ttl")),
    )


def parse_job(
    body: bytes,
    url: str,
    headers: dict[str, str] | None,
    language: str | None,
    timeout: float | None = None,
) -> ParsedFeed | tuple[str, str]:
    """`parse_feed` for a worker process: a failure comes back as (message, kind).

    FeedError does not survive pickling with its fields, and a worker must never die
    of one bad feed, so every failure is turned into a value here. In a worker process
    `timeout` is enforced there, by an alarm: the parse stops and the worker lives on.
    """
    try:
        with time_limit(timeout):
            return parse_feed(body, url=url, headers=headers, language=language)
    except FeedError as exc:
        return (exc.message, exc.kind)
    except ParseTimeoutError:
        return (f"parsing took more than {timeout:g} s; abandoned", "hard")
    except MemoryError:
        return ("parsing ran out of memory", "hard")
    except RecursionError:
        return ("feed nests too deeply to parse", "hard")


class ParseTimeoutError(BaseException):
    """Raised inside a worker's parse by its alarm; a BaseException, so that no
    `except Exception` in feedparser or dateparser can swallow it."""


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """SIGALRM after `seconds`, only where that is safe: a worker process's main thread."""
    usable = (
        seconds
        and hasattr(signal, "setitimer")
        and multiprocessing.parent_process() is not None
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise ParseTimeoutError

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, float(seconds or 0))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _headers_for_feedparser(headers: Mapping[str, str] | None) -> dict[str, str]:
    """Only the headers feedparser uses for decoding and language.

    No Content-Location on purpose: with a base URI feedparser joins URLs at every
    element (a sixth of its time); we resolve the few relative links ourselves.
    """
    result = {k.lower(): v for k, v in (headers or {}).items()}
    return {k: v for k, v in result.items() if k in ("content-type", "content-language")}


def _check_is_feed(parsed: Any, body: bytes, headers: Mapping[str, str], url: str) -> None:
    """An HTML page or random bytes parse "successfully" as nothing: call them errors."""
    if parsed.get("version") or parsed.entries:
        return
    if _looks_like_html(body, headers):
        raise FeedError(
            url,
            "not a feed: the server sent an HTML page (is this the site's page, not its feed?)",
            kind="hard",
        )
    if parsed.get("bozo"):
        raise FeedError(url, f"not a feed: {_bozo_text(parsed)}", kind="hard")
    if parsed.get("feed", {}).get("title"):
        return  # a rare dialect (CDF) feedparser reads without naming a version
    raise FeedError(url, "not a feed: no RSS, Atom or RDF root element", kind="hard")


def _looks_like_html(body: bytes, headers: Mapping[str, str]) -> bool:
    if "html" in headers.get("content-type", "").lower():
        return True
    head = body[:2048].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<html" in head[:512]


_ROOT_END = re.compile(rb"</\s*(?:[\w.-]+:)?(?:rss|feed|rdf|channel)\s*>", re.IGNORECASE)


def _looks_truncated(view: bytes) -> bool:
    """A body cut off in transfer lacks the closing tag of its root element.

    `view` is the body as the parser reads it (see `decoded_view`): in UTF-16 or UTF-32
    the closing tag is not ASCII bytes, and every such feed would lose its last entry.
    """
    return not _ROOT_END.search(view[-8192:])


def _bozo_text(parsed: Any) -> str:
    exc = parsed.get("bozo_exception")
    if exc is None:
        return "unknown problem"
    text = one_line(str(exc)) or type(exc).__name__
    return truncate(text, 200)


def _ttl(value: Any) -> timedelta | None:
    try:
        minutes = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return timedelta(minutes=minutes) if 0 < minutes <= 7 * 24 * 60 else None


# ---------------------------------------------------------------- entity bombs

_DOCTYPE_SUBSET = re.compile(rb"<!DOCTYPE[^\[>]*\[(.*?)\]\s*>", re.DOTALL | re.IGNORECASE)
_ENTITY_DECL = re.compile(rb"<!ENTITY\s+(%\s+)?([\w.:-]+)\s+(?:\"([^\"]*)\"|'([^']*)')", re.DOTALL)
_ENTITY_REF = re.compile(rb"[&%]([\w.:-]+);")


#: What an ASCII-compatible encoding turns the markup the guard looks for into.
_PROBE = "<!ENTITY &;%"
_DECLARED_CHARSET = re.compile(rb"""^[^>]{0,200}?encoding\s*=\s*["']([\w.:-]{1,40})["']""")
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]{1,40})", re.IGNORECASE)


def decoded_view(body: bytes, headers: Mapping[str, str] | None = None) -> bytes:
    """The document as the XML parser will read it, as ASCII-compatible bytes (UTF-8).

    The entity guard and the truncation check look for ASCII markup (`<!ENTITY`, a
    closing tag). In UTF-16, UTF-32 or EBCDIC that markup is other bytes, so a bomb
    would pass unseen; such a body is decoded first, the way feedparser itself will
    (its own `convert_to_utf8`, with the same headers). A body that is plainly
    ASCII-compatible (the common case) is returned as it is, at no cost.
    """
    if _ascii_compatible(body, headers or {}):
        return body
    try:
        return bytes(feedparser.encodings.convert_to_utf8(dict(headers or {}), body, {}))
    except Exception:  # undecodable: feedparser will fail on it too; guard the raw bytes
        return body


def _ascii_compatible(body: bytes, headers: Mapping[str, str]) -> bool:
    head = body[:512]
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    if not head.lstrip(b" \t\r\n").startswith(b"<") or b"\x00" in head[:4]:
        return False  # a BOM of UTF-16/32, EBCDIC, or something odd: decode to be sure
    declared = [m.group(1).decode("ascii") for m in [_DECLARED_CHARSET.match(head.lstrip())] if m]
    declared += _HEADER_CHARSET.findall(headers.get("content-type", ""))
    for name in declared:
        try:
            if _PROBE.encode(name) != _PROBE.encode("ascii"):
                return False
        except (LookupError, UnicodeError):
            return False
    return True


def check_entities(body: bytes, url: str) -> None:
    """Refuse a document whose internal entities would expand it beyond a fixed bound.

    Covers the billion-laughs bomb (entities of entities) and the quadratic blow-up (one
    big entity used many times), whatever the layout of the DTD. expat has its own
    protection and feedparser drops nested entities, but feedparser's fallback parser
    expands the flat ones itself; checking here makes the bound ours.
    """
    start = body.find(b"<!ENTITY")
    if start < 0:
        return
    # The whole body, not a prefix: one entity of a few hundred kilobytes is the bomb.
    subset = _DOCTYPE_SUBSET.search(body)
    declarations = _ENTITY_DECL.findall(subset.group(1) if subset else body[start:])
    values = {name: (dq or sq) for _pct, name, dq, sq in declarations}
    sizes: dict[bytes, int] = {}
    for name in values:
        if _expanded_size(name, values, sizes, set()) > MAX_ENTITY_EXPANSION:
            raise FeedError(
                url, f"refused: entity {name.decode(errors='replace')!r} expands too far", kind="hard"
            )
    rest = body[subset.end() :] if subset else body
    total = 0
    for match in _ENTITY_REF.finditer(rest):
        total += sizes.get(match.group(1), 0)
        if total > MAX_ENTITY_EXPANSION:
            raise FeedError(url, "refused: entity references would expand the document too far", kind="hard")


def _expanded_size(
    name: bytes, values: dict[bytes, bytes], sizes: dict[bytes, int], stack: set[bytes]
) -> int:
    if name in sizes:
        return sizes[name]
    if name in stack:  # a cycle expands forever
        return MAX_ENTITY_EXPANSION + 1
    stack.add(name)
    value = values[name]
    size = len(value)
    for match in _ENTITY_REF.finditer(value):
        ref = match.group(1)
        if ref in values:
            size += _expanded_size(ref, values, sizes, stack)
            if size > MAX_ENTITY_EXPANSION:
                break
    stack.discard(name)
    sizes[name] = size
    return size


# ---------------------------------------------------------------- entries


def _entries(
    raw_entries: list[Any], *, url: str, feed_language: str | None, warnings: list[str]
) -> tuple[Entry, ...]:
    entries: list[Entry] = []
    skipped = 0
    seen: set[str] = set()
    for raw in raw_entries:
        entry = normalise_entry(raw, feed_url=url, language=feed_language)
        if entry is None:
            skipped += 1
            continue
        if entry.guid in seen:  # a feed listing one item twice: keep the first
            continue
        seen.add(entry.guid)
        entries.append(entry)
    if skipped:
        warnings.append(f"{skipped} entr{'y' if skipped == 1 else 'ies'} without title, text or link skipped")
    return tuple(entries)


def normalise_entry(raw: Mapping[str, Any], *, feed_url: str, language: str | None) -> Entry | None:
    """One feedparser entry as an Entry: plain text, identity, language, dates; None if empty."""
    # A plain dict: FeedParserDict's key aliasing costs microseconds per lookup and would
    # answer `updated` with `published` when the feed has no such element.
    raw = dict(raw)
    title = truncate(plain_title(raw.get("title"), _detail_type(raw, "title")), MAX_TITLE)
    summary = to_plain(raw.get("summary"), _detail_type(raw, "summary"))
    content = _content(raw)
    link = _entry_link(raw, feed_url)
    if not (title or summary or content or link):
        return None
    if content and summary in ("", content):
        # feedparser copies an Atom entry's content into its summary: keep the text once.
        summary = truncate(one_line(content), SUMMARY_FROM_CONTENT)
    summary = truncate(summary, MAX_SUMMARY)
    content = truncate(content, MAX_CONTENT)
    if not title:
        title = truncate(one_line(summary), 120) or (link or "")
    lang = entry_language(raw, language, title, summary or content)
    published = _date(raw, "published", lang) or _date(raw, "created", lang)
    updated = published if raw.get("updated") == raw.get("published") else _date(raw, "updated", lang)
    return Entry(
        guid=entry_identity(raw, link, title, summary, content),
        url=link,
        canonical_url=canonical_url(link),
        title=title,
        summary=summary,
        content=content,
        language=lang,
        published=published or updated,
        updated=updated,
        author=truncate(one_line(str(raw.get("author") or "")), MAX_AUTHOR) or None,
    )


def entry_identity(raw: Mapping[str, Any], link: str | None, title: str, summary: str, content: str) -> str:
    """Identity inside a feed: the guid, else the link, else a hash of title and text."""
    guid = one_line(str(raw.get("id") or ""))
    if guid:
        return guid[:1000]
    if link:
        return link
    return "sha256:" + fingerprint(title, content or summary)


def _entry_link(raw: Mapping[str, Any], feed_url: str) -> str | None:
    """The entry's web link, absolute; never a bare guid that feedparser copied into `link`."""
    link = str(raw.get("link") or "").strip()
    if link and raw.get("guidislink") and not is_http_url(link):
        link = ""  # <guid>12345</guid> is not a link, whatever feedparser says
    if not link:
        for candidate in raw.get("links") or ():
            if candidate.get("rel", "alternate") == "alternate" and candidate.get("href"):
                link = str(candidate["href"]).strip()
                break
    return _absolute(link, feed_url)


def _absolute(link: str | None, base: str) -> str | None:
    """The link as an absolute http(s) URL, with anything that could act on a terminal
    (ESC, BEL, bidi overrides) percent-encoded: stored links are inert at the source."""
    if not link:
        return None
    link = inert_link(link) or ""
    if is_http_url(link):
        return link
    if link.startswith(("javascript:", "data:", "mailto:")):
        return None
    if is_http_url(base) and (link.startswith(("/", "./", "../")) or "://" not in link):
        joined = urljoin(base, link)
        return joined if is_http_url(joined) else None
    return None


def _content(raw: Mapping[str, Any]) -> str:
    parts = []
    for item in raw.get("content") or ():
        text = to_plain(item.get("value"), item.get("type"))
        if text and text not in parts:
            parts.append(text)
    return "\n\n".join(parts)


def _detail_type(node: Mapping[str, Any], key: str) -> str | None:
    detail = node.get(f"{key}_detail")
    return detail.get("type") if detail else None


def entry_language(raw: Mapping[str, Any], default: str | None, *texts: str) -> str | None:
    """The script decides when it is plain (Chinese, Cyrillic); else xml:lang, else the feed's."""
    sample = " ".join(t[:300] for t in texts if t)
    by_script = script_language(sample)
    if by_script:
        return by_script
    detail = raw.get("title_detail") or raw.get("summary_detail") or {}
    return language_code(detail.get("language")) or default


def _date(raw: Mapping[str, Any], key: str, language: str | None) -> Any:
    return parse_date(raw.get(key), language=language, parsed=raw.get(f"{key}_parsed"))


# ---------------------------------------------------------------- the memory-capped workers

#: Address space a parse worker may use. A real 8 MiB feed (the fetcher's body limit)
#: peaks near 100 MiB; this leaves room for any honest feed and none for a bomb, so
#: no single feed can take the watcher further, whatever its encoding or parser path.
PARSE_MEMORY_LIMIT = 512 * 1024**2


def _worker_init(memory_limit: int | None = PARSE_MEMORY_LIMIT, owner: int | None = None) -> None:
    """Bound a worker's memory, so a pathological feed fails alone instead of the machine;
    and end it with the process that owns its pool (`owner`), however that one ends.

    RLIMIT_AS (address space) rather than RSS: the kernel enforces it on every
    allocation, so a runaway parse gets MemoryError (or dies) instead of swapping.
    """
    if owner is not None:
        _exit_with(owner)
    if not memory_limit:
        return
    try:
        import resource

        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard == resource.RLIM_INFINITY or hard > memory_limit:
            resource.setrlimit(resource.RLIMIT_AS, (memory_limit, hard))
    except (ImportError, ValueError, OSError):
        pass


def _exit_with(owner: int) -> None:
    """End this worker as soon as process `owner` has ended.

    A worker never learns of its owner's death by itself: multiprocessing hands it both
    ends of the pool's call queue, so the queue never reaches end of file, and the fork
    server that forked it stays up while any worker holds its pipe. A watcher killed
    with SIGKILL (by the OOM killer, say) left its fork server and workers waiting
    forever, some 50 MB each. A pidfd (Linux 5.3) becomes readable when the process
    exits and cannot be fooled by a reused pid; elsewhere the owner is looked up every
    two seconds. The watching thread is a daemon and costs nothing while it waits.
    """
    import select
    import time

    try:
        pidfd: int | None = os.pidfd_open(owner)
    except ProcessLookupError:
        os._exit(0)
    except (AttributeError, OSError):  # no pidfd here: look the owner up now and then
        pidfd = None

    def wait() -> None:
        try:
            if pidfd is not None:
                select.select([pidfd], [], [])
            else:
                while True:
                    time.sleep(2)
                    os.kill(owner, 0)
        except (ProcessLookupError, PermissionError):  # gone (its pid reused by another user)
            pass
        os._exit(0)

    threading.Thread(target=wait, name="tracker-owner-watch", daemon=True).start()


def default_workers() -> int:
    """One parse worker per core (at least 2: the event loop process is mostly waiting)."""
    return max(2, min(os.cpu_count() or 2, 8))


#: A parse that takes longer is abandoned: feedparser has no timeout of its own.
PARSE_TIMEOUT = 60.0
#: Extra time a worker process gets (start-up, queueing) before the pool is killed.
PROCESS_GRACE = 15.0
#: Jobs per worker process before the pool's workers are replaced (their memory returned).
TASKS_PER_WORKER = 200


class ParsePool:
    """Parses bodies off the event loop, in memory-capped worker processes.

    Every parse runs in a worker whose address space is capped (`memory_limit`), small
    passes and single files included: the cap is the only bound that holds whatever
    a document does inside the XML parser. Worker processes start lazily, on the first
    body, so a pass where every feed answers 304 starts none. No feed can hang the
    pass: a parse that outlives `timeout` fails, and its workers are killed (not
    abandoned) and replaced. A worker that dies (killed, out of memory) costs the
    feeds in flight one retry on a fresh pool; a feed that breaks the pool twice is
    the culprit and fails alone. `processes=False` parses in threads, uncapped: for
    tests that need no processes, never for feeds from outside.
    """

    def __init__(
        self,
        workers: int | None = None,
        *,
        processes: bool = True,
        timeout: float = PARSE_TIMEOUT,
        memory_limit: int | None = PARSE_MEMORY_LIMIT,
        job: Callable[..., ParsedFeed | tuple[str, str]] = parse_job,
    ) -> None:
        self.workers = workers or default_workers()
        self.processes = processes and self.workers > 0
        self.timeout = timeout
        self.memory_limit = memory_limit
        self._job = job
        self._executor: Executor | None = None
        self._lock = threading.Lock()
        self._prepared = False
        self._jobs = 0  # submitted to the current executor (see `_get_executor`)
        #: Per event loop: the parses let into the pool at once (see `_admitted`).
        self._admission: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary()
        )

    def _new_process_pool(self, workers: int) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=workers,
            mp_context=_mp_context(),
            initializer=_worker_init,
            initargs=(self.memory_limit, os.getpid()),
            # No max_tasks_per_child: see `_get_executor`.
        )

    def prepare(self, *, pages: bool = False) -> None:
        """Start the fork server now, in the background, before the first parse needs it.

        It starts by importing the parser and the matcher and warming dateparser
        (`_mp_context`), most of a second; the first parse would otherwise start it then
        and wait, on the event loop. A pass that polls anything calls this before its
        first request, so that the server loads while the first bodies arrive and the
        pass builds its rules for the workers. Cheap to repeat.

        `pages`: the pass reads article pages, so the server imports trafilatura too
        (a quarter of a second), once, rather than every worker at its first page.
        Only a server not started yet can take it.
        """
        if pages:
            for module in _PAGE_MODULES:
                if module not in _PRELOAD:
                    _PRELOAD.append(module)
        if self._prepared or not self.processes:
            return
        self._prepared = True
        context = _mp_context()
        if context.get_start_method() == "forkserver":
            from multiprocessing import forkserver

            forkserver.ensure_running()

    def _get_executor(self) -> Executor:
        """The pool's executor; a new one every `TASKS_PER_WORKER` jobs per worker.

        A worker that parsed a huge feed keeps its heap, so workers are renewed now and
        then. ProcessPoolExecutor's own `max_tasks_per_child` cannot do it on Python
        3.11: a worker that retires is replaced only if no other was idle a moment
        before, so the pool shrinks, and once its last worker retires every job waits
        forever (here: until the backstop kills it, 75 s, and fails the feed); a
        two-worker pool hung so on its 401st job (CPython gh-115634). Here the whole
        executor is replaced instead: the old one finishes the jobs it holds and its
        workers exit.
        """
        with self._lock:
            spent = self._jobs >= TASKS_PER_WORKER * self.workers
            if self._executor is not None and self.processes and spent:
                retired, self._executor = self._executor, None
                retired.shutdown(wait=False)
            if self._executor is None:
                self._executor = self._new_process_pool(self.workers) if self.processes else _DaemonThreads()
                self._jobs = 0
            self._jobs += 1
            return self._executor

    async def parse(
        self,
        body: bytes,
        *,
        url: str,
        headers: Mapping[str, str] | None = None,
        language: str | None = None,
        rules: MatcherTicket | None = None,
    ) -> ParsedFeed:
        """Parse in the pool; raise FeedError like `parse_feed`.

        `rules`: also match the entries there (a job that takes them: `parse_job_fast`).
        """
        args = (body, url, dict(headers or {}), language, self.timeout) + ((rules,) if rules else ())
        try:
            result = await self.run(self._job, *args)
        except BrokenProcessPool:
            raise FeedError(url, "the parser process died parsing this feed", kind="hard") from None
        except TimeoutError:
            raise FeedError(url, self._timeout_message(), kind="hard") from None
        except MemoryError:  # the worker's ceiling, met outside `parse_job`'s own handler
            raise FeedError(url, "parsing ran out of memory", kind="hard") from None
        return _unwrap(result, url)

    def _admitted(self) -> asyncio.Semaphore:
        """The jobs of this event loop let into the pool: two per worker.

        The backstop (`_backstop`) is counted from submission. Every body of a pass used
        to be submitted as it arrived, so on a busy machine a feed could wait in the
        pool's queue past its backstop and fail as "parsing took more than 60 s" without
        having started. Jobs now wait here, where time is not counted; in the pool a job
        waits at most for one job per worker. One per worker would be exact, but each
        worker then idles while the next job is handed over through the event loop: a
        tenth slower on 400 feeds. A job queued behind one that gets stuck is retried
        alone when the stuck one's workers are killed (`_attempt`).
        """
        loop = asyncio.get_running_loop()
        with self._lock:
            slots = self._admission.get(loop)
            if slots is None:
                slots = self._admission[loop] = asyncio.Semaphore(2 * self.workers)
            return slots

    def parse_blocking(
        self, body: bytes, *, url: str, headers: Mapping[str, str] | None = None, language: str | None = None
    ) -> ParsedFeed:
        """`parse` for synchronous callers (ingesting files): the same worker, cap and timeout."""
        args = (body, url, dict(headers or {}), language, self.timeout)
        try:
            try:
                result = self._attempt_blocking(self._get_executor(), args)
            except BrokenProcessPool:
                executor = self._new_process_pool(1)
                try:
                    result = self._attempt_blocking(executor, args)
                finally:
                    executor.shutdown(wait=False, cancel_futures=True)
        except BrokenProcessPool:
            raise FeedError(url, "the parser process died parsing this feed", kind="hard") from None
        except TimeoutError:
            raise FeedError(url, self._timeout_message(), kind="hard") from None
        except MemoryError:  # the worker's ceiling, met outside `parse_job`'s own handler
            raise FeedError(url, "parsing ran out of memory", kind="hard") from None
        return _unwrap(result, url)

    def _timeout_message(self) -> str:
        return f"parsing took more than {self.timeout:g} s; abandoned"

    def _backstop(self, executor: Executor) -> float:
        # A worker stops its own parse at `timeout` (an alarm); this outer limit, counted
        # from submission, is the backstop for a worker stuck where no signal reaches.
        return self.timeout + PROCESS_GRACE if isinstance(executor, ProcessPoolExecutor) else self.timeout

    async def run(self, job: Callable[..., Any], *args: Any) -> Any:
        """`job(*args)` in the workers: a parse (`parse`), or another CPU-bound job of a
        pass (a page's main text), with the same memory cap, admission and backstop.
        `job` is a module-level function that stops itself at `self.timeout` (see
        `pages.extract_job`); TimeoutError and BrokenProcessPool reach the caller."""
        async with self._admitted():
            try:
                return await self._attempt(self._get_executor(), args, job)
            except BrokenProcessPool:
                # Perhaps another job broke the shared pool: retry alone, in a process of
                # its own, so that only the culprit can fail twice.
                return await self._attempt_alone(args, job)

    async def _attempt_alone(self, args: tuple[Any, ...], job: Callable[..., Any] | None = None) -> Any:
        executor = self._new_process_pool(1)
        try:
            return await self._attempt(executor, args, job)
        finally:
            executor.shutdown(wait=False, cancel_futures=True)

    async def _attempt(
        self, executor: Executor, args: tuple[Any, ...], job: Callable[..., Any] | None = None
    ) -> Any:
        future = asyncio.get_running_loop().run_in_executor(executor, job or self._job, *args)
        try:
            return await asyncio.wait_for(future, self._backstop(executor))
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is None or task.cancelling():
                raise  # the caller's own cancellation
            # The pool was shut down under this parse before it ran: another feed's
            # parse timed out or broke it, and `_discard` cancels the waiting ones. Not
            # this feed's fault, and never the pass's end: retried like a broken pool.
            raise BrokenProcessPool("the pool was replaced before this parse ran") from None
        except TimeoutError:
            self._discard(executor, kill=True)
            raise
        except BrokenProcessPool:
            self._discard(executor)
            raise

    def _attempt_blocking(self, executor: Executor, args: tuple[Any, ...]) -> ParsedFeed | tuple[str, str]:
        future = executor.submit(self._job, *args)
        try:
            return future.result(self._backstop(executor))
        except TimeoutError:
            self._discard(executor, kill=True)
            raise
        except BrokenProcessPool:
            self._discard(executor)
            raise

    def _discard(self, executor: Executor, *, kill: bool = False) -> None:
        """Drop a broken or stuck executor (only if it is still the current one)."""
        with self._lock:
            if self._executor is executor:
                self._executor = None
        if kill:
            # ProcessPoolExecutor cannot cancel a running task: end its processes.
            for process in list((getattr(executor, "_processes", None) or {}).values()):
                process.kill()
        executor.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> ParsePool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_SHARED: dict[tuple[Any, ...], ParsePool] = {}
_SHARED_LOCK = threading.Lock()


def shared_pool(
    workers: int | None = None,
    *,
    timeout: float = PARSE_TIMEOUT,
    memory_limit: int | None = PARSE_MEMORY_LIMIT,
    job: Callable[..., ParsedFeed | tuple[str, str]] = parse_job,
) -> ParsePool:
    """A process-wide pool of capped workers, kept between passes.

    Starting a worker costs a fork plus the import of the program's main module
    (~0.3 s); the watcher runs a pass per feed every few minutes, so its passes share
    warm workers. Workers start on demand (one for a one-feed pass) and are renewed
    every TASKS_PER_WORKER parses; all end with the process (atexit).
    """
    key = (workers or default_workers(), timeout, memory_limit, job)
    with _SHARED_LOCK:
        pool = _SHARED.get(key)
        if pool is None:
            pool = _SHARED[key] = ParsePool(key[0], timeout=timeout, memory_limit=memory_limit, job=job)
        return pool


@atexit.register
def close_shared_pools() -> None:
    """End the shared pools' workers (at exit, or sooner).

    A process started by multiprocessing must call it before its target returns: such
    a process joins its children before the atexit handlers run, and would wait for
    the pool's workers, which end only here, until killed.
    """
    with _SHARED_LOCK:
        pools = list(_SHARED.values())
        _SHARED.clear()
    for pool in pools:
        pool.close()


def _unwrap(result: ParsedFeed | tuple[str, str], url: str) -> ParsedFeed:
    if isinstance(result, tuple):
        raise FeedError(url, result[0], kind=result[1])
    return result


class _DaemonThreads(Executor):
    """One daemon thread per parse: a parse abandoned after its timeout can never keep
    the program from exiting, as a ThreadPoolExecutor's joined threads would."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()

        def run() -> None:
            if not future.set_running_or_notify_cancel():
                return
            try:
                future.set_result(fn(*args, **kwargs))
            except BaseException as exc:
                future.set_exception(exc)

        threading.Thread(target=run, name="tracker-parse", daemon=True).start()
        return future


#: What the fork server imports before it forks a worker (see `_mp_context`).
_PRELOAD = [__name__, "tracker.feeds.fastpath", "tracker.rules.prematch", "tracker.rules.warmup"]
#: ... and for a process whose passes read article pages (`ParsePool.prepare`).
_PAGE_MODULES = ("tracker.feeds.pages", "trafilatura")


def _mp_context() -> multiprocessing.context.BaseContext:
    """forkserver where there is one: forking a threaded process (the TUI) can deadlock.

    The fork server imports this module and the fast path once, so each worker it forks
    starts with the parser loaded: a single-feed pass pays a fork, not an interpreter
    start-up. It imports the matcher's modules too (tracker.rules.prematch: the
    automaton, the stemmers, OpenCC's table, 80 ms), which every worker needs for its
    first matched feed; workers are renewed every `TASKS_PER_WORKER` parses, and each
    used to import them again. And it warms dateparser (`tracker.rules.warmup`), which
    each worker would otherwise load at its first dated text (0.3 s of CPU apiece).
    (The fork server skips a module it cannot import.)
    """
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" in methods:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(list(_PRELOAD))
        return context
    return multiprocessing.get_context("spawn")
