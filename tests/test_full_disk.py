"""A full disk (issue 16): one clear "disk full" line, no tracebacks, no 0-byte files,
and nothing stored lost.

The database side is exact and portable: `PRAGMA max_page_count` makes SQLite answer
SQLITE_FULL ("database or disk is full") just as a full disk does, including rolling
the transaction back itself. The end-to-end runs put a workspace on a real, tiny tmpfs
and fill it; they need permission to mount (root in a container) and skip without it.
"""

from __future__ import annotations

import io
import logging
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import redirect_stderr, suppress
from pathlib import Path

import pytest

from tests.clirun import run_cli
from tests.conftest import MINIMAL_STATEMENT, write
from tests.feedserver import FeedServer, make_rss
from tracker.errors import StorageError
from tracker.feeds.fetching import FetchSettings
from tracker.feeds.pipeline import PollSettings, poll_feeds
from tracker.records.files import write_atomically
from tracker.storage import articles as article_store
from tracker.storage import open_database
from tracker.storage.db import Database, is_disk_full
from tracker.types import Feed
from tracker.watch.logs import _QuietFileHandler


def fill_database(db: Database) -> None:
    """From now on the database cannot grow by a single page, as on a full disk."""
    pages = db.conn.execute("PRAGMA page_count").fetchone()[0]
    db.conn.execute(f"PRAGMA max_page_count = {pages}")


def test_a_full_disk_is_one_clear_error_and_the_database_stays_whole(tmp_path: Path) -> None:
    db = open_database(tmp_path / "state.db")
    with db.transaction() as conn:
        conn.execute("CREATE TABLE t (x TEXT)")
        conn.execute("INSERT INTO t VALUES ('kept')")
    fill_database(db)
    with pytest.raises(StorageError) as caught, db.transaction() as conn:
        for _ in range(1000):
            conn.execute("INSERT INTO t VALUES (?)", ("x" * 4000,))
    assert "disk full" in str(caught.value)
    assert "rollback" not in str(caught.value)
    assert not db.conn.in_transaction
    assert [tuple(row) for row in db.conn.execute("SELECT x FROM t")] == [("kept",)]
    assert db.integrity_check() == "ok"
    db.conn.execute("PRAGMA max_page_count = 1073741823")  # space again: writes work again
    with db.transaction() as conn:
        conn.execute("INSERT INTO t VALUES ('after')")
    assert db.conn.execute("SELECT count(*) FROM t").fetchone()[0] == 2


def test_disk_full_is_recognised_from_sqlite_and_the_os() -> None:
    assert is_disk_full(sqlite3.OperationalError("database or disk is full"))
    assert is_disk_full(OSError(28, "No space left on device"))
    assert not is_disk_full(OSError(13, "Permission denied"))


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as running:
        yield running


def test_a_pass_on_a_full_disk_says_so_per_feed_without_tracebacks(
    tmp_path: Path, server: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    db = open_database(tmp_path / "state.db")
    feeds = []
    for i in range(3):
        server.feed(f"/f{i}.xml", make_rss(20, prefix=f"p{i}", words=400))
        feeds.append(Feed(name=f"f{i}", url=server.url(f"/f{i}.xml")))
    fill_database(db)
    settings = PollSettings(fetch=FetchSettings(trust_env=False, allow_private=True), parse_workers=0)
    caplog.set_level(logging.ERROR)
    results = poll_feeds(db, feeds, settings=settings)
    assert [r.status for r in results] == ["error"] * 3
    assert all("disk full" in (r.error or "") for r in results)
    assert all(record.exc_info is None for record in caplog.records), "a traceback was logged"
    assert any("disk full" in record.getMessage() for record in caplog.records)
    assert sum(article_store.count_by_feed(db).values()) == 0
    assert db.integrity_check() == "ok"


def test_a_log_file_on_a_full_disk_is_reported_once(tmp_path: Path) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("needs /dev/full")
    handler = _QuietFileHandler("/dev/full", maxBytes=0, encoding="utf-8")
    logger = logging.getLogger("tracker.test-full-disk")
    logger.addHandler(handler)
    logger.propagate = False
    stderr = io.StringIO()
    try:
        with redirect_stderr(stderr):
            for i in range(50):
                logger.error("record %d", i)
    finally:
        logger.removeHandler(handler)
        handler.close()
    lines = stderr.getvalue().splitlines()
    assert len(lines) == 1 and "cannot write the log /dev/full" in lines[0]
    assert "Logging error" not in stderr.getvalue()


def test_an_atomic_write_that_fails_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out.csv"

    def full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.fsync", full)
    with pytest.raises(OSError):
        write_atomically(target, "a,b\r\n")
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- a real full disk


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    if shutil.which("mount") is None:
        pytest.skip("no mount command")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True, check=False
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True, check=False)


def fill(disk: Path, leave: int = 0) -> None:
    """Take the free space of the disk down to `leave` bytes (unbuffered, to the last byte)."""
    fd = os.open(disk / f"filler{leave}", os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        for size in (1 << 16, 4096, 1):
            with suppress(OSError):
                while shutil.disk_usage(disk).free - size >= leave:
                    os.write(fd, b"\0" * size)
                if not leave:
                    while True:
                        os.write(fd, b"\0" * size)
    finally:
        os.close(fd)


def test_the_cli_on_a_full_disk(tiny_disk: Path, server: FeedServer) -> None:
    ws = tiny_disk / "ws"
    for name in ("commitments", "rules", "feeds"):
        (ws / name).mkdir(parents=True)
    write(ws / "commitments" / "demo.yaml", MINIMAL_STATEMENT)
    lines = ["feeds:"]
    for i in range(4):
        server.feed(f"/f{i}.xml", make_rss(30, prefix=f"p{i}", words=400))
        lines += [f"  - name: f{i}", f'    url: "{server.url(f"/f{i}.xml")}"', "    allow_private: true"]
    (ws / "feeds" / "feeds.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    env = {"NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"}
    assert run_cli("status", workspace=ws).code == 0
    # A watcher keeps the database open (its -wal and -shm files exist) while the disk fills.
    held = sqlite3.connect(ws / ".tracker" / "tracker.db")
    held.execute("SELECT count(*) FROM sqlite_master").fetchall()

    fill(tiny_disk, leave=96 * 1024)  # room to open the database, not to store the articles
    fetched = run_cli("fetch", workspace=ws, env=env)
    assert fetched.code == 1
    said = fetched.out + fetched.err
    assert "Traceback" not in said and "cannot rollback" not in said
    assert "f0: " in fetched.err and "disk full" in fetched.err
    watched = run_cli("watch", "--once", workspace=ws, env=env)
    assert "Traceback" not in watched.err and "Logging error" not in watched.err
    assert "disk full" in watched.err
    assert watched.err.count("cannot write the log") <= 1

    fill(tiny_disk)  # not a byte left
    exported = run_cli("export", "--format", "csv", "-o", tiny_disk / "report.csv", workspace=ws)
    assert exported.code == 1 and "disk full" in exported.err and "Traceback" not in exported.err
    assert not [p for p in tiny_disk.iterdir() if "report.csv" in p.name]  # no 0-byte file, no debris

    backup = run_cli("backup", tiny_disk / "copy.db", workspace=ws)
    assert backup.code == 1 and "Traceback" not in backup.err
    assert f"{tiny_disk / 'copy.db'}: disk full" in backup.err
    assert not [p for p in tiny_disk.iterdir() if p.name.startswith("copy.db")]

    started = run_cli("watch", "--once", workspace=ws, env=env)
    assert started.code == 1 and "Traceback" not in started.err
    assert "disk full" in started.err
    held.close()

    for filler in tiny_disk.glob("filler*"):
        filler.unlink()  # space again: the database is whole and usable
    assert run_cli("fetch", workspace=ws, env=env).code == 0
    check = sqlite3.connect(ws / ".tracker" / "tracker.db")
    assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert check.execute("SELECT count(*) FROM articles").fetchone()[0] == 120
    check.close()
