"""PostgreSQL as a team's shared state (issue #17): moving a workspace, errors, leases,
concurrent reviews, and several watchers on one database.

Every test here runs against a real server the suite starts itself (tests/pgcluster.py);
the storage, review, report, matching and feed-CLI suites run on both backends through
the `backend` fixture as well.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.clirun import Result, run_cli
from tests.feedserver import FeedServer, make_rss
from tests.fixtures_status import build_status_fixture, rows
from tests.pgcluster import PgCluster
from tracker.storage import feeds as feed_store
from tracker.storage import open_database
from tracker.storage.copying import TABLES, checksum, columns
from tracker.storage.schema import MIGRATIONS

pytestmark = pytest.mark.slow

_LOOPBACK = {"NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}


def fetch(url: str, sql: str, *params: object) -> list[Any]:
    """Rows of a query on the test's database, read on a connection of their own."""
    return list(rows(url, sql, *params))


def tracker(root: Path, *args: str | Path, url: str | None = None, timeout: float = 120) -> Result:
    env = dict(_LOOPBACK)
    if url:
        env["TRACKER_DATABASE_URL"] = url
    return run_cli(*args, workspace=root, env=env, timeout=timeout)


# ---------------------------------------------------------------- moving a workspace


def test_a_workspace_moves_to_postgresql_and_back_with_ids_and_checksums(
    tmp_path: Path, pg_cluster: PgCluster
) -> None:
    fixture = build_status_fixture(tmp_path / "ws")  # SQLite, with reviews, evidence, verdicts
    url = pg_cluster.fresh()
    before = tracker(fixture.root, "status", "--format", "json")
    assert before.code == 0, before.err

    moved = tracker(fixture.root, "db", "copy", "--to", url)
    assert moved.code == 0, moved.err
    assert "every table verified" in moved.out and "signals" in moved.out

    # The same answers from the server as from the file.
    on_pg = tracker(fixture.root, "status", "--format", "json", url=url)
    assert on_pg.code == 0, on_pg.err
    assert json.loads(on_pg.out) == json.loads(before.out)
    info = tracker(fixture.root, "db", "info", url=url)
    assert info.code == 0 and "backend: postgresql" in info.out
    assert f"schema version: {len(MIGRATIONS)} (this program: {len(MIGRATIONS)})" in info.out

    # ... and back into a new file: every table equal, row for row.
    back = tmp_path / "back.db"
    returned = tracker(fixture.root, "db", "copy", "--from", url, "--to", back)
    assert returned.code == 0, returned.err
    source, target = open_database(fixture.db_path), open_database(back)
    try:
        for table in TABLES:
            names = columns(source, table)
            assert checksum(source, table, names) == checksum(target, table, names), table
        assert titles_found(target, "communiqué") or titles_found(target, "agreement")
    finally:
        source.close()
        target.close()

    # A target that already holds a state is never merged into.
    again = tracker(fixture.root, "db", "copy", "--to", url)
    assert again.code == 1 and "already holds" in again.err and "Traceback" not in again.err
    pg_cluster.drop(url)


def titles_found(db: object, word: str) -> bool:
    from tracker.storage.articles import list_articles

    return bool(list_articles(db, search=word))  # type: ignore[arg-type]


def test_ids_continue_after_a_copy(tmp_path: Path, pg_cluster: PgCluster) -> None:
    """A copy sets the server's id counters past the copied rows: new rows never collide."""
    fixture = build_status_fixture(tmp_path / "ws")
    url = pg_cluster.fresh()
    assert tracker(fixture.root, "db", "copy", "--to", url).code == 0
    top = max(int(r[0]) for r in fetch(url, "SELECT id FROM evidence"))
    added = tracker(
        fixture.root, "evidence", "add", "alpha/1", "https://mfa.example.org/new", "--by", "ana", url=url
    )
    assert added.code == 0, added.err
    assert max(int(r[0]) for r in fetch(url, "SELECT id FROM evidence")) == top + 1
    pg_cluster.drop(url)


# ---------------------------------------------------------------- errors, in one line


def one_line_error(result: Result) -> str:
    assert result.code == 1, (result.code, result.out, result.err)
    assert "Traceback" not in result.err
    lines = [line for line in result.err.splitlines() if line.strip()]
    assert len(lines) == 1, result.err
    return lines[0]


def test_an_unreachable_server_is_one_line_without_the_password(demo_workspace: Path) -> None:
    url = "postgresql://ana:s3cret-pw@127.0.0.1:9/tracker?connect_timeout=2"
    line = one_line_error(tracker(demo_workspace, "status", url=url))
    assert "cannot connect" in line and "s3cret-pw" not in line and "ana:***@127.0.0.1:9" in line


def test_wrong_credentials_are_one_line(demo_workspace: Path, pg_cluster: PgCluster) -> None:
    url = pg_cluster.url_of("postgres").replace("postgres:@", "nobody:hunter2@", 1)
    line = one_line_error(tracker(demo_workspace, "status", url=url))
    assert "nobody" in line and "hunter2" not in line


def test_a_database_of_a_newer_schema_is_refused_and_left_alone(demo_workspace: Path, pg_url: str) -> None:
    db = open_database(pg_url)
    with db.transaction() as conn:
        conn.execute("INSERT INTO tracker_schema (version) VALUES (99)")
    db.close()
    line = one_line_error(tracker(demo_workspace, "status", url=pg_url))
    assert "newer than this program" in line
    assert [int(r[0]) for r in fetch(pg_url, "SELECT max(version) FROM tracker_schema")] == [99]


def test_a_url_of_another_scheme(demo_workspace: Path) -> None:
    line = one_line_error(tracker(demo_workspace, "status", url="mysql://ana:pw@db/tracker"))
    assert "unsupported scheme 'mysql'" in line and ":pw@" not in line
    (demo_workspace / "tracker.yaml").write_text("database: mysql://db/tracker\n", encoding="utf-8")
    check = tracker(demo_workspace, "check")
    assert check.code == 1 and "tracker.yaml:1" in check.err and "database" in check.err


def test_upgrade_is_explicit_and_idempotent(demo_workspace: Path, pg_cluster: PgCluster) -> None:
    url = pg_cluster.fresh(migrated=False)
    first = tracker(demo_workspace, "db", "upgrade", url=url)
    assert first.code == 0 and f"schema version 0 → {len(MIGRATIONS)}" in first.out, first.err
    second = tracker(demo_workspace, "db", "upgrade", url=url)
    assert second.code == 0 and "up to date" in second.out
    pg_cluster.drop(url)


# ---------------------------------------------------------------- review, concurrently


def test_two_analysts_reviewing_one_signal_at_once_lose_no_decision(tmp_path: Path, pg_url: str) -> None:
    fixture = build_status_fixture(tmp_path / "ws", pg_url)
    waiting = [int(r[0]) for r in fetch(pg_url, "SELECT id FROM signals WHERE review IS NULL ORDER BY id")]
    signal_id = waiting[0]
    results: dict[str, Result] = {}

    def review(who: str, verb: str) -> None:
        results[who] = tracker(fixture.root, "review", verb, str(signal_id), "--by", who)

    threads = [
        threading.Thread(target=review, args=("ana", "confirm")),
        threading.Thread(target=review, args=("boris", "reject")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(r.code in (0, 1) and "Traceback" not in r.err for r in results.values()), results
    sql = "SELECT reviewer, action FROM reviews WHERE signal_id = ? ORDER BY id"
    log = [(r["reviewer"], r["action"]) for r in fetch(pg_url, sql, signal_id)]
    # Every decision that was accepted is in the log under its analyst's name: none vanished,
    # and the later one is not silently folded into the earlier.
    accepted = {who for who, r in results.items() if r.code == 0}
    assert accepted and accepted <= {who for who, _ in log}, (results, log)
    assert len(log) == len(accepted)


# ---------------------------------------------------------------- leases


def test_two_claimers_never_take_the_same_feed_and_an_expired_lease_moves_on(pg_url: str) -> None:
    feeds = [(f"f{i}", f"https://example.org/{i}.xml") for i in range(40)]
    now = datetime(2025, 6, 10, 12, 0, tzinfo=UTC)
    first, second = open_database(pg_url), open_database(pg_url)
    taken: dict[str, set[str]] = {}

    def claim(name: str, db: object) -> None:
        until = now + timedelta(minutes=5)
        taken[name] = feed_store.claim_feeds(db, feeds, name, now, until, due_only=True)  # type: ignore[arg-type]

    threads = [threading.Thread(target=claim, args=(name, db)) for name, db in (("a", first), ("b", second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not taken["a"] & taken["b"]
    assert taken["a"] | taken["b"] == {name for name, _ in feeds}
    # Before expiry nobody else gets them; after it (a watcher killed with SIGKILL) they move.
    soon = now + timedelta(minutes=1)
    assert not feed_store.claim_feeds(second, feeds, "c", soon, soon + timedelta(minutes=5), due_only=True)
    later = now + timedelta(minutes=6)
    assert feed_store.claim_feeds(second, feeds, "c", later, later + timedelta(minutes=5), due_only=True) == {
        name for name, _ in feeds
    }
    first.close()
    second.close()


# ---------------------------------------------------------------- several watchers


MULTI_FEEDS = 300
MULTI_SECONDS = 120
#: Feed time runs this much faster: a 10-minute interval is 6 s.
MULTI_SCALE = 0.01
LEASE_SECONDS = 8


def _multi_workspace(root: Path, server: FeedServer, url: str) -> Path:
    for name in ("commitments", "rules", "feeds"):
        (root / name).mkdir(parents=True, exist_ok=True)
    lines = ["feeds:"]
    for i in range(MULTI_FEEDS):
        path = f"/f{i}.xml"
        server.feed(path, make_rss(2, prefix=f"f{i}", title=f"Feed {i}"), etag=f'"f{i}"')
        lines += [f"  - name: f{i}", f'    url: "{server.url(path)}"', "    interval: 10 min"]
        lines += ["    allow_private: true"]
    (root / "feeds" / "feeds.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (root / "tracker.yaml").write_text(f"database: {url}\n", encoding="utf-8")
    return root


def _start_watcher(root: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, **_LOOPBACK}
    env.pop("TRACKER_DATABASE_URL", None)
    return subprocess.Popen(
        [sys.executable, "-m", "tests.watchproc", str(root), str(MULTI_SCALE), str(LEASE_SECONDS)],
        cwd=Path(__file__).resolve().parents[1],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
    )


def test_three_watchers_poll_each_due_feed_once_and_take_over_a_killed_one(
    tmp_path: Path, pg_url: str
) -> None:
    with FeedServer() as server:
        root = _multi_workspace(tmp_path / "ws", server, pg_url)
        procs = [_start_watcher(root, tmp_path / f"w{i}.log") for i in range(3)]
        try:
            assert _wait(lambda: len(fetch(pg_url, "SELECT id FROM watchers")) == 3, 60), _logs(tmp_path)
            started = time.monotonic()
            time.sleep(MULTI_SECONDS / 2)
            listed = tracker(root, "watchers", "--format", "json")
            assert listed.code == 0, listed.err
            assert len(json.loads(listed.out)) == 3
            victim = procs[0]
            killed_id = next(
                r["id"] for r in fetch(pg_url, "SELECT id, pid FROM watchers") if int(r["pid"]) == victim.pid
            )
            sql = "SELECT name FROM feed_state WHERE lease_owner = ?"
            held = [r["name"] for r in fetch(pg_url, sql, killed_id)]
            victim.send_signal(signal.SIGKILL)
            victim.wait()
            killed_at = time.monotonic()
            time.sleep(max(0.0, MULTI_SECONDS - (time.monotonic() - started)))
        finally:
            for proc in procs[1:]:
                proc.send_signal(signal.SIGTERM)
            for proc in procs[1:]:
                proc.wait(timeout=30)
        polls: dict[str, list[float]] = defaultdict(list)
        for request in server.requests:
            polls[request.path].append(request.at)

    interval = 600 * MULTI_SCALE
    doubles = []
    for path, times in polls.items():
        times.sort()
        doubles += [(path, b - a) for a, b in itertools.pairwise(times) if b - a < interval / 2]
    assert not doubles, f"{len(doubles)} feeds polled twice within half an interval: {doubles[:5]}"
    assert len(polls) == MULTI_FEEDS  # every feed polled
    # The killed watcher's feeds (those it held, and every other) keep being polled after the
    # lease: each is polled again within the lease plus an interval (and some slack for load).
    late = [
        path
        for path, times in polls.items()
        if not any(killed_at < t <= killed_at + LEASE_SECONDS + interval * 3 for t in times)
    ]
    assert not late, f"{len(late)} feeds not polled after the kill, e.g. {late[:5]} (held: {held[:5]})"
    left = fetch(pg_url, "SELECT id FROM watchers")
    assert [r["id"] for r in left] == [killed_id]  # the stopped ones left; the killed one is silent


def _wait(predicate: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.2)
    return False


def _logs(folder: Path) -> str:
    return "\n".join(p.read_text(errors="replace")[-2000:] for p in sorted(folder.glob("w*.log")))


# ---------------------------------------------------------------- live dashboards


async def test_a_dashboard_elsewhere_sees_another_analysts_review_by_notification(
    tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another analyst's review (another process, another connection) reaches an open
    dashboard through LISTEN/NOTIFY: the refresh timer is pushed out of the test's reach,
    so only the notification can bring it."""
    import tracker.tui.app as app_module
    from tracker.core import Tracker, Workspace

    monkeypatch.setattr(app_module, "REFRESH_SECONDS", 3600.0)
    fixture = build_status_fixture(tmp_path / "ws", pg_url)
    waiting = [int(r[0]) for r in fetch(pg_url, "SELECT id FROM signals WHERE review IS NULL ORDER BY id")]
    app = app_module.build_app(Tracker(Workspace(fixture.root)), monitor=False)
    async with app.run_test() as pilot:
        await pilot.pause()
        seen = app.data_version
        await _settle(pilot, lambda: any(w.group == "listen" for w in app.workers))
        result = await asyncio.to_thread(
            tracker, fixture.root, "review", "confirm", str(waiting[0]), "--by", "boris"
        )
        assert result.code == 0, result.err
        assert await _settle(pilot, lambda: app.data_version > seen), "no refresh after another's review"
    app.tracker.close()


async def _settle(pilot: Any, predicate: Any, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        await pilot.pause(0.1)
    return False


# ---------------------------------------------------------------- end to end on the server


def test_watch_match_review_and_backup_end_to_end_on_postgresql(
    bundled_workspace: Path, tmp_path: Path, pg_url: str
) -> None:
    """The bundled records, a loopback feed, the state on PostgreSQL: `watch --once` polls
    and matches, `match` is idempotent, `review` confirms, `backup` writes one SQLite file."""
    from tests.test_schedule import rss

    root = bundled_workspace
    for old in (root / "feeds").glob("*.yaml"):
        old.unlink()
    with FeedServer() as server:
        server.feed("/media.xml", rss("a1", "b2"), etag='"v1"')
        (root / "feeds" / "loopback.yaml").write_text(
            f'feeds:\n  - name: media\n    url: "{server.url("/media.xml")}"\n    allow_private: true\n',
            encoding="utf-8",
        )
        (root / "tracker.yaml").write_text(f"database: {pg_url}\nfulltext: off\n", encoding="utf-8")
        watched = tracker(root, "watch", "--once", "-q")
        assert watched.code == 0, watched.err
        assert server.hits["/media.xml"] == 1
    signals = fetch(pg_url, "SELECT id, commitment_id FROM signals ORDER BY id")
    assert signals and {r["commitment_id"] for r in signals} >= {"cn-ru-2016-internet-media-forum/2"}
    again = tracker(root, "match")
    assert again.code == 0, again.err
    assert len(fetch(pg_url, "SELECT id FROM signals")) == len(signals)  # idempotent
    waiting = tracker(root, "review", "--format", "json")
    assert waiting.code == 0 and len(json.loads(waiting.out)) == len(signals), waiting.err
    confirmed = tracker(root, "review", "confirm", str(signals[0]["id"]), "--by", "ana")
    assert confirmed.code == 0, confirmed.err
    assert fetch(pg_url, "SELECT reviewer FROM reviews")[0]["reviewer"] == "ana"
    assert tracker(root, "articles", "--search", "agreement").out.count("agreement") >= 2

    backup = tmp_path / "team-backup.db"
    saved = tracker(root, "backup", backup)
    assert saved.code == 0, saved.err
    assert "backed up postgresql://" in saved.out
    copy = open_database(backup)
    try:
        with copy.reading() as conn:
            assert conn.execute("SELECT count(*) FROM signals").fetchone()[0] == len(signals)
            assert conn.execute("SELECT count(*) FROM reviews").fetchone()[0] == 1
    finally:
        copy.close()
