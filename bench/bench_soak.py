"""Soak: 10,000 polls of 100 feeds through the watcher's own job, fast-forwarded.

The watcher runs for months, so what matters is that nothing accumulates: memory,
open file descriptors (sockets, the database, pipes), threads. This calls the feed
job exactly as the scheduler does (`Watcher._guarded(Watcher.poll_feed, name)`:
poll if due, store, match, re-arm) round after round over 100 feeds, with feed time
fast-forwarded so every feed is due at every round. The loopback server (its own
process, so its memory is not counted) answers 304 most of the time and publishes a
new item in each feed every 25th request, so articles are stored and matched too.

Printed: RSS, open descriptors and threads after the first (warm-up) round and at the
end, with the verdict. Flat means: descriptors and threads unchanged, RSS within
`RSS_TOLERANCE_MB` (allocator noise, SQLite's page cache filling up to its limit).

Environment: SOAK_POLLS (10000), SOAK_FEEDS (100).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import shutil
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
RSS_TOLERANCE_MB = 15.0
NEW_ITEM_EVERY = 25


# ---------------------------------------------------------------- the server (own process)


def feed_body(index: int, version: int) -> bytes:
    """Three items, the newest being this version's: each version publishes one new article."""
    start = datetime(2025, 6, 10, 12, 0, tzinfo=UTC)
    items = []
    for n in range(version, max(version - 3, -1), -1):
        published = format_datetime(start + timedelta(hours=n), usegmt=True)
        items.append(  # a bundled rule links this text to a commitment: signals are made too
            f"<item><title>Russian and Chinese media sign content exchange agreement {n} (feed {index})"
            f"</title><link>https://news.example.org/{index}/{n}</link><guid>feed{index}-{n}</guid>"
            f"<pubDate>{published}</pubDate><description>Sputnik and Xinhua agreed a long-term cooperation "
            "mechanism between Chinese and Russian internet media, with content exchange, joint "
            f"interviews and joint seminars, round {n}.</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Soak {index}</title><link>https://news.example.org/</link>{''.join(items)}</channel></rss>"
    ).encode()


def _serve(conn: Connection) -> None:
    hits: dict[str, int] = {}
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            with lock:
                count = hits[self.path] = hits.get(self.path, 0) + 1
            version = (count - 1) // NEW_ITEM_EVERY
            etag = f'"{self.path}-{version}"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = feed_body(int(self.path.strip("/f.xml") or 0), version)
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    conn.send(server.server_address[1])
    conn.recv()
    conn.send(sum(hits.values()))
    server.shutdown()


# ---------------------------------------------------------------- the watcher (this process)


def make_workspace(root: Path, port: int, feeds: int) -> Path:
    for name in ("commitments", "rules"):
        shutil.copytree(REPO / name, root / name)
    (root / "feeds").mkdir()
    lines = ["feeds:"]
    for i in range(feeds):
        lines += [f"  - name: soak-{i}", f"    url: http://127.0.0.1:{port}/f{i}.xml", "    interval: 1 hour"]
        lines += ["    allow_private: true"]
    (root / "feeds" / "soak.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def figures() -> dict[str, float]:
    import psutil

    gc.collect()
    me = psutil.Process()
    return {
        "rss_mb": me.memory_info().rss / 2**20,
        "fds": float(me.num_fds()),
        "threads": float(threading.active_count()),
    }


def show(label: str, polls: int, seconds: float, data: dict[str, float]) -> None:
    print(
        f"{label:>6} {polls:>6} polls {seconds:7.1f} s   rss {data['rss_mb']:7.1f} MB   "
        f"fds {data['fds']:4.0f}   threads {data['threads']:3.0f}",
        flush=True,
    )


def main() -> None:
    from tracker.core import Tracker
    from tracker.feeds.fetching import FetchSettings
    from tracker.records.workspace import Workspace
    from tracker.watch.schedule import Watcher, WatchOptions

    polls = int(os.environ.get("SOAK_POLLS", "10000"))
    feed_count = int(os.environ.get("SOAK_FEEDS", "100"))
    ctx = multiprocessing.get_context("spawn")
    ours, theirs = ctx.Pipe()
    server = ctx.Process(target=_serve, args=(theirs,), daemon=True)
    server.start()
    port = ours.recv()
    with tempfile.TemporaryDirectory(prefix="tracker-soak-") as tmp:
        root = make_workspace(Path(tmp), port, feed_count)
        options = WatchOptions(
            time_scale=1e-9, watch_files=False, fetch=FetchSettings(connect_timeout=5, total_timeout=10)
        )
        watcher = Watcher(Tracker(Workspace(root)), options=options)
        watcher._prepare()
        watcher._sync_feed_jobs()  # the jobs the scheduler would run (not started: we run them)
        names = [f.name for f in watcher.pipeline.records.feeds]
        jobs = [watcher._guarded(watcher.poll_feed, name, label=f"feed:{name}") for name in names]
        print(
            f"{len(names)} feeds on 127.0.0.1:{port}, {polls} polls, "
            f"a new item every {NEW_ITEM_EVERY} requests"
        )
        # The scheduler's "feeds" executor: this many polls at once, threads kept between rounds.
        pool = ThreadPoolExecutor(max_workers=options.feed_workers, thread_name_prefix="soak-feeds")
        started = time.perf_counter()
        done = 0
        first: dict[str, float] | None = None
        while done < polls:
            batch = jobs[: polls - done]
            for future in [pool.submit(job) for job in batch]:
                future.result()
            done += len(batch)
            if first is None:
                first = figures()
                show("first", done, time.perf_counter() - started, first)
            elif done % (polls // 5 or 1) < len(jobs):
                show("", done, time.perf_counter() - started, figures())
        seconds = time.perf_counter() - started
        last = figures()
        show("last", done, seconds, last)
        pool.shutdown()
        ours.send("stop")
        requests = ours.recv()
        articles = watcher.tracker.db.conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        signals = watcher.tracker.db.conn.execute("SELECT count(*) FROM signals").fetchone()[0]
        watcher.tracker.close()
    server.join(timeout=10)
    assert first is not None
    growth = last["rss_mb"] - first["rss_mb"]
    print(
        f"{requests} requests served, {articles} articles stored, {signals} signals; "
        f"{done / seconds:.0f} polls/s; {watcher.failed_jobs} job(s) raised"
    )
    flat = growth <= RSS_TOLERANCE_MB and last["fds"] <= first["fds"] and last["threads"] <= first["threads"]
    print(
        f"rss {first['rss_mb']:.1f} -> {last['rss_mb']:.1f} MB ({growth:+.1f}), "
        f"fds {first['fds']:.0f} -> {last['fds']:.0f}, "
        f"threads {first['threads']:.0f} -> {last['threads']:.0f}: "
        f"{'flat' if flat else 'GROWING'} (tolerance {RSS_TOLERANCE_MB:g} MB)"
    )


if __name__ == "__main__":
    main()
