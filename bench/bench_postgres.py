"""PostgreSQL for a team (issue #17): ingest beside SQLite, then 1, 2 and 4 watchers on one database.

1. The same loopback corpus ingested end to end (fetch, parse, store, match with the
   bundled rules) into a SQLite file and into a PostgreSQL database, one after the
   other in the same run.
2. 1, 2 and 4 watcher processes polling 2,000 loopback feeds against one PostgreSQL
   database, as `tracker watch` does: each takes the feeds that are due in small
   batches under its own lease (a feed claimed by one is skipped by the others), stores
   and matches; the aggregate entries/s over the wall time of the slowest is printed.
   On a 2-core machine more processes cannot add cores; the figure shows that leasing
   costs little and that no feed is polled twice (polls = feeds).

The PostgreSQL server is a throw-away one from the `pgserver` package (a test extra),
started here in a temporary folder. Environment: BENCH_PG_FEEDS (2000),
BENCH_PG_ENTRIES (10), BENCH_PG_WATCHERS ("1,2,4").
"""

from __future__ import annotations

import multiprocessing
import os
import random
import resource
import shutil
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

from bench.bench_fetch import _matcher_hook, _serve

BATCH = 50


def _start_postgres() -> tuple[Any, str, Path]:
    import pgserver

    folder = Path(tempfile.mkdtemp(prefix="tracker-bench-pg-"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        server = pgserver.get_server(folder / "data", cleanup_mode="delete")
    return server, server.get_uri(), folder


def _database(admin_url: str, name: str) -> str:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    head, _, tail = admin_url.partition("/postgres?")
    return f"{head}/{name}?{tail}"


def _feeds(port: int, count: int) -> list[Any]:
    from tracker.types import Feed

    return [Feed(name=f"f{i}", url=f"http://127.0.0.1:{port}/f{i}.xml") for i in range(count)]


def _settings() -> Any:
    from tracker.feeds.fetching import FetchSettings
    from tracker.feeds.pipeline import PollSettings

    return PollSettings(fetch=FetchSettings(trust_env=False, per_host=64, allow_private=True))


def ingest_once(target: str | Path, port: int, feeds_n: int) -> tuple[float, int]:
    """One full pass into a fresh database; (seconds, new entries)."""
    from tracker.feeds.pipeline import poll_feeds
    from tracker.storage import open_database

    db = open_database(target)
    hook, _, rules = _matcher_hook(db)
    started = time.perf_counter()
    results = poll_feeds(db, _feeds(port, feeds_n), settings=_settings(), on_stored=hook, rules=rules)
    elapsed = time.perf_counter() - started
    db.close()
    return elapsed, sum(r.new for r in results)


def _watcher(url: str, port: int, feeds_n: int, index: int, queue: Any) -> None:
    """One watcher process: due feeds in batches, each under this process's lease."""
    from datetime import timedelta

    from tracker.feeds.parsing import close_shared_pools
    from tracker.feeds.pipeline import poll_feeds
    from tracker.storage import open_database
    from tracker.types import Lease

    db = open_database(url)
    hook, _, rules = _matcher_hook(db)
    lease = Lease(f"bench-{index}-{os.getpid()}", timedelta(minutes=5))
    feeds = _feeds(port, feeds_n)
    random.Random(index).shuffle(feeds)
    polled = new = 0
    started = time.perf_counter()
    for start in range(0, len(feeds), BATCH):
        batch = feeds[start : start + BATCH]
        results = poll_feeds(
            db, batch, settings=_settings(), on_stored=hook, rules=rules, due_only=True, lease=lease
        )
        polled += sum(1 for r in results if r.status != "skipped")
        new += sum(r.new for r in results)
    db.close()
    close_shared_pools()  # else this process waits for its parse workers when it ends
    queue.put((polled, new, time.perf_counter() - started))


def watchers_run(url: str, port: int, feeds_n: int, count: int) -> dict[str, Any]:
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    started = time.perf_counter()
    procs = [ctx.Process(target=_watcher, args=(url, port, feeds_n, i, queue)) for i in range(count)]
    for proc in procs:
        proc.start()
    outcomes = [queue.get(timeout=1800) for _ in procs]
    for proc in procs:
        proc.join(timeout=60)
    wall = time.perf_counter() - started
    return {
        "watchers": count,
        "seconds": wall,
        "polls": sum(o[0] for o in outcomes),
        "new": sum(o[1] for o in outcomes),
        "split": [o[0] for o in outcomes],
    }


def main() -> None:
    try:
        import pgserver  # noqa: F401
    except ImportError:
        print("skipped: the pgserver package is not installed (pip install -e '.[test]')")
        return
    feeds_n = int(os.environ.get("BENCH_PG_FEEDS", "2000"))
    entries_n = int(os.environ.get("BENCH_PG_ENTRIES", "10"))
    counts = [int(c) for c in os.environ.get("BENCH_PG_WATCHERS", "1,2,4").split(",")]
    total = feeds_n * entries_n
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    server = ctx.Process(target=_serve, args=(feeds_n, entries_n, child), daemon=True)
    server.start()
    port, served = parent.recv()
    pg, admin_url, folder = _start_postgres()
    print(f"{feeds_n:,} feeds × {entries_n} entries = {total:,} entries ({served / 1e6:.1f} MB of XML)")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} before the run")
    try:
        print("\ningest, one process, bundled rules matching (same corpus, one after the other):")
        with tempfile.TemporaryDirectory() as tmp:
            lite_s, lite_new = ingest_once(Path(tmp) / "bench.db", port, feeds_n)
        pg_s, pg_new = ingest_once(_database(admin_url, "bench_ingest"), port, feeds_n)
        print(f"  {'SQLite':<12} {lite_s:7.2f} s  {lite_new / lite_s:8,.0f} entries/s  ({lite_new:,} stored)")
        print(f"  {'PostgreSQL':<12} {pg_s:7.2f} s  {pg_new / pg_s:8,.0f} entries/s  ({pg_new:,} stored)")
        print(f"  PostgreSQL / SQLite: {(pg_new / pg_s) / (lite_new / lite_s):.2f}×")
        print(
            f"\nwatcher processes on one PostgreSQL database, {feeds_n:,} feeds, leases per batch of {BATCH}:"
        )
        for count in counts:
            url = _database(admin_url, f"bench_w{count}")
            from tracker.storage import open_database

            open_database(url).close()  # migrated once, not by every process at the same time
            run = watchers_run(url, port, feeds_n, count)
            double = run["polls"] - feeds_n
            rate = run["new"] / run["seconds"]
            print(
                f"  {count} watcher(s): {run['seconds']:7.2f} s  {rate:8,.0f} entries/s"
                f"  polls {run['polls']:,} (split {run['split']}, {'none' if double == 0 else double} twice)"
            )
    finally:
        parent.send("stop")
        server.join(timeout=10)
        pg.cleanup()
        shutil.rmtree(folder, ignore_errors=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of this process {peak:.0f} MB; load average after {os.getloadavg()[0]:.2f}")
