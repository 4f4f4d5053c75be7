"""Feed watcher throughput: N feeds of M entries served on loopback, polled twice.

The first pass fetches, parses, stores (and matches, with the bundled rules) every
entry; the second pass finds every feed unchanged and must download no bodies. The
server runs in its own process, as a real one would, so its CPU is not charged to the
watcher's event loop (it still shares the machine's cores, as in the reference runs).

Reference on a 2-core machine, 400 feeds × 50 entries from loopback: newsboat 2.21
about 1,500 entries/s, lemon24/reader about 770 entries/s. Target: ≥ 3,000 entries/s,
and a second pass that downloads no bodies and takes < 5 % of the first.

Environment: BENCH_FEEDS (400), BENCH_ENTRIES (50), BENCH_MATCH=0 to leave rules out.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import random
import resource
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

REPO = Path(__file__).resolve().parents[1]
TARGET_RATE = 3000
TARGET_SECOND_PASS = 0.05

_WORDS = [
    "China",
    "Russia",
    "joint",
    "statement",
    "cooperation",
    "energy",
    "trade",
    "summit",
    "ministers",
    "agreement",
    "investment",
    "security",
    "dialogue",
    "pipeline",
    "yuan",
    "ruble",
    "sanctions",
    "Arctic",
    "railway",
    "forum",
    "delegation",
    "talks",
    "strategic",
    "partnership",
    "infrastructure",
    "technology",
    "exports",
    "grain",
]
_RU = ["Россия", "Китай", "сотрудничество", "энергетика", "торговля", "саммит", "соглашение", "переговоры"]
_ZH = ["中国", "俄罗斯", "合作", "能源", "贸易", "峰会", "协议", "会谈", "战略伙伴关系"]


# ---------------------------------------------------------------- the server (own process)


def make_feed(index: int, entries: int) -> bytes:
    """A realistic RSS 2.0 feed: HTML descriptions, RFC 822 dates; some Russian, some Chinese."""
    rng = random.Random(index)
    language = "ru" if index % 10 == 1 else "zh" if index % 10 == 2 else "en"
    words = _RU if language == "ru" else _ZH if language == "zh" else _WORDS
    sep = "" if language == "zh" else " "
    start = datetime(2025, 6, 10, 12, 0, tzinfo=UTC)
    items = []
    for n in range(entries):
        title = sep.join(rng.choice(words) for _ in range(8))
        body = sep.join(rng.choice(words) for _ in range(60))
        published = format_datetime(start - timedelta(minutes=37 * n + index), usegmt=True)
        items.append(
            f"<item><title>{escape(title)} {index}-{n}</title>"
            f"<link>https://news{index % 40}.example.org/{index}/{n}.html?utm_source=rss</link>"
            f'<guid isPermaLink="false">feed{index}-item{n}</guid><pubDate>{published}</pubDate>'
            f"<description>{escape(f'<p>{body}.</p><p>{body[:120]} <a href=x>more</a></p>')}</description>"
            "</item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>Bench feed {index}</title><link>https://news{index}.example.org/</link>"
        f"<description>bench</description><language>{language}</language>{''.join(items)}"
        "</channel></rss>"
    ).encode()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # The default backlog (5) drops SYNs of a burst of connections: 1 s retransmissions.
    request_queue_size = 1024


def _serve(feeds: int, entries: int, conn: Connection) -> None:
    """Serve /f{i}.xml with ETag and Last-Modified until told to stop."""
    bodies = {f"/f{i}.xml": make_feed(i, entries) for i in range(feeds)}
    tags = {path: '"' + hashlib.sha1(body).hexdigest()[:16] + '"' for path, body in bodies.items()}
    modified = format_datetime(datetime(2025, 6, 10, 12, 0, tzinfo=UTC), usegmt=True)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body are separate writes

        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            body = bodies.get(self.path)
            if body is None:
                self.send_error(404)
                return
            if self.headers.get("If-None-Match") == tags[self.path]:
                self.send_response(304)
                self.send_header("ETag", tags[self.path])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            self.send_header("ETag", tags[self.path])
            self.send_header("Last-Modified", modified)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = _Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    conn.send((server.server_address[1], sum(len(b) for b in bodies.values())))
    conn.recv()  # wait for "stop"
    server.shutdown()


# ---------------------------------------------------------------- the watcher (this process)


def _matcher_hook(db: Any) -> tuple[Any, str, Any]:
    """The bundled rules as `tracker fetch` runs them: the `on_stored` hook, a label, and
    the rules for the parse workers (`poll_feeds(rules=...)`, tracker.rules.prematch)."""
    if os.environ.get("BENCH_MATCH", "1") == "0":
        return None, "off (BENCH_MATCH=0)", None
    try:
        from tracker.records.statements import load_statements
        from tracker.rules import build_matcher
        from tracker.rules.matching import make_on_stored
        from tracker.rules.prematch import ticket_for

        statements, _ = load_statements(REPO / "commitments")
        matcher, _ = build_matcher(REPO / "rules", statements)
    except Exception as exc:  # the bench still measures the watcher without rules
        return None, f"off ({type(exc).__name__}: {exc})", None
    if not matcher.rules:
        return None, "off (no rules)", None
    label = f"on ({len(matcher.rules)} bundled rules, in the parse workers)"
    return _Timed(make_on_stored(db, lambda: matcher)), label, lambda: ticket_for(matcher)


class _Timed:
    """The `on_stored` hook, with the CPU seconds it used (it runs in the storage thread)."""

    def __init__(self, hook: Any) -> None:
        self.hook = hook
        self.seconds = 0.0

    def __call__(self, ids: Any, prematched: Any = None) -> Any:
        started = time.thread_time()
        try:
            return self.hook(ids, prematched)
        finally:
            self.seconds += time.thread_time() - started


class _ChildCpu:
    """CPU seconds of this process's descendants (the parse workers), the server excluded.

    The workers are children of multiprocessing's fork server, not ours, so
    RUSAGE_CHILDREN never sees them: sample them with psutil while the pass runs.
    """

    def __init__(self, exclude: int) -> None:
        import psutil

        self._me = psutil.Process()
        self._exclude = exclude
        self._seen: dict[int, float] = {}
        self._start = dict(self._sample())
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> list[tuple[int, float]]:
        out = []
        for child in self._me.children(recursive=True):
            if child.pid == self._exclude:
                continue
            try:
                times = child.cpu_times()
            except Exception:  # the process ended between listing and reading
                continue
            out.append((child.pid, times.user + times.system))
        return out

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            self._seen.update(self._sample())

    def __enter__(self) -> _ChildCpu:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def seconds(self) -> float:
        return sum(cpu - self._start.get(pid, 0.0) for pid, cpu in self._seen.items())


def main() -> None:
    from tracker.feeds.fetching import FetchSettings
    from tracker.feeds.pipeline import PollSettings
    from tracker.storage import open_database
    from tracker.types import Feed

    feeds_n = int(os.environ.get("BENCH_FEEDS", "400"))
    entries_n = int(os.environ.get("BENCH_ENTRIES", "50"))
    total = feeds_n * entries_n
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    server = ctx.Process(target=_serve, args=(feeds_n, entries_n, child), daemon=True)
    server.start()
    port, served_bytes = parent.recv()
    print(f"{feeds_n} feeds × {entries_n} entries = {total:,} entries, {served_bytes / 1e6:.1f} MB of XML")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} before the run")
    feeds = [Feed(name=f"f{i}", url=f"http://127.0.0.1:{port}/f{i}.xml") for i in range(feeds_n)]
    # One loopback server stands for many publishers: lift the per-host politeness limit.
    settings = PollSettings(fetch=FetchSettings(trust_env=False, per_host=64, allow_private=True))
    try:
        with tempfile.TemporaryDirectory() as tmp:
            db = open_database(Path(tmp) / "bench.db")
            hook, matching, rules = _matcher_hook(db)
            print(f"matching: {matching}")
            first = _timed_pass(db, feeds, settings, hook, rules, server.pid or 0)
            second = _timed_pass(db, feeds, settings, hook, rules, server.pid or 0)
            db.close()
    finally:
        parent.send("stop")
        server.join(timeout=10)
    _report(total, first, second)


def _timed_pass(
    db: Any, feeds: list[Any], settings: Any, hook: Any, rules: Any, server_pid: int
) -> dict[str, Any]:
    from tracker.feeds.pipeline import poll_feeds

    cpu0 = time.process_time()
    matching0 = getattr(hook, "seconds", 0.0)
    with _ChildCpu(exclude=server_pid) as workers:
        started = time.perf_counter()
        results = poll_feeds(db, feeds, settings=settings, on_stored=hook, rules=rules)
        elapsed = time.perf_counter() - started
    statuses: dict[str, int] = {}
    for result in results:
        statuses[result.status] = statuses.get(result.status, 0) + 1
    return {
        "seconds": elapsed,
        "cpu_main": time.process_time() - cpu0,
        "cpu_workers": workers.seconds,
        "cpu_matching": getattr(hook, "seconds", 0.0) - matching0,
        "new": sum(r.new for r in results),
        "bytes": sum(r.bytes_received for r in results),
        "bodies": sum(1 for r in results if r.status in ("ok", "unchanged")),
        "statuses": statuses,
        "errors": [r.error for r in results if r.error][:3],
    }


def _report(total: int, first: dict[str, Any], second: dict[str, Any]) -> None:
    rate = total / first["seconds"]
    cpu = first["cpu_main"] + first["cpu_workers"]
    ratio = second["seconds"] / first["seconds"]
    peak_main = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    peak_child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"first pass:  {first['seconds']:6.2f} s  {rate:7,.0f} entries/s  ({first['new']:,} stored, "
        f"{first['bytes'] / 1e6:.1f} MB received, {first['bodies']} bodies)  {first['statuses']}"
    )
    print(
        f"             CPU: watcher {first['cpu_main']:.1f} s "
        f"(of which writing signals {first['cpu_matching']:.1f} s) + parse workers, which parse "
        f"and match, {first['cpu_workers']:.1f} s"
    )
    print(
        f"             = {total / cpu * (os.cpu_count() or 1):,.0f} entries/s if all {os.cpu_count()} cores "
        "were the watcher's alone (BENCH_MATCH=0: without the rules)"
    )
    print(
        f"second pass: {second['seconds']:6.2f} s  ({ratio:.1%} of the first; {second['new']} stored, "
        f"{second['bytes']:,} body bytes, {second['bodies']} bodies)  {second['statuses']}"
    )
    print(
        f"peak memory: {peak_main:.0f} MB (watcher process), {peak_child:.0f} MB (largest waited-for child)"
    )
    if first["errors"] or second["errors"]:
        print(f"errors: {first['errors'] + second['errors']}")
    verdict = "meets" if rate >= TARGET_RATE else "MISSES"
    print(
        f"target ≥ {TARGET_RATE:,} entries/s: {verdict}; newsboat ≈ 1,500, reader ≈ 770 (same machine class)"
    )
    verdict = "meets" if ratio < TARGET_SECOND_PASS and second["bodies"] == 0 else "MISSES"
    print(f"target second pass < {TARGET_SECOND_PASS:.0%} of the first, no bodies: {verdict}")


if __name__ == "__main__":
    main()
