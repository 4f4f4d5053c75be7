"""`tracker watch` against a loopback feed server: signals appear on their own, SIGTERM stops it."""

from __future__ import annotations

import logging
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.clirun import run_cli
from tests.feedserver import FeedServer
from tracker.core import Tracker
from tracker.schedule import Watcher
from tracker.workspace import Workspace

ITEM_TITLE = "Russian and Chinese online media sign agreement on content exchange and joint interviews"
RSS = f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Loopback news</title><link>https://news.example.org/</link>
<item><title>{ITEM_TITLE}</title><link>https://news.example.org/a1</link>
<guid>https://news.example.org/a1</guid><pubDate>Thu, 02 Mar 2023 10:00:00 GMT</pubDate>
<description>Sputnik and Xinhua agreed a long-term cooperation mechanism between Chinese and Russian
internet media, with content exchange, joint interviews and joint seminars.</description></item>
</channel></rss>""".encode()


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as running:
        yield running


@pytest.fixture
def workspace(bundled_workspace: Path, server: FeedServer) -> Path:
    server.feed("/news.xml", RSS, etag='"v1"')
    for old in (bundled_workspace / "feeds").glob("*.yaml"):
        old.unlink()
    (bundled_workspace / "feeds" / "loopback.yaml").write_text(
        f'feeds:\n  - name: loopback\n    url: "{server.url("/news.xml")}"\n    interval: 5 min\n',
        encoding="utf-8",
    )
    return bundled_workspace


def start_watch(workspace: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    return subprocess.Popen(
        [sys.executable, "-m", "tracker", "--workspace", str(workspace), "watch"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def signals_in(workspace: Path) -> list[tuple[str, str]]:
    db = workspace / ".tracker" / "tracker.db"
    if not db.exists():
        return []
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return conn.execute("SELECT commitment_id, state FROM signals").fetchall()
    except sqlite3.OperationalError:  # created but not yet migrated
        return []


def wait_for(predicate, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.slow
def test_watch_produces_signals_on_its_own_and_stops_on_sigterm(workspace: Path, server: FeedServer) -> None:
    proc = start_watch(workspace)
    try:
        assert wait_for(lambda: signals_in(workspace)), "no signal appeared"
        assert ("cn-ru-2016-internet-media-forum/2", "active") in signals_in(workspace)

        second = run_cli("watch", "--once", workspace=workspace)
        assert second.code == 1 and "another tracker watch holds" in second.err and "pid" in second.err
        fetch = run_cli("fetch", workspace=workspace)
        assert fetch.code == 1 and "tracker watch is polling this workspace" in fetch.err
    finally:
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "stopped" in err
    assert "feed=loopback status=ok new=1" in (workspace / ".tracker" / "watch.log").read_text()
    with sqlite3.connect(workspace / ".tracker" / "tracker.db") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # after the watcher stopped, the lock is free again
    assert run_cli("fetch", workspace=workspace).code == 0


def test_watch_once_polls_and_a_restart_respects_next_due(workspace: Path, server: FeedServer) -> None:
    assert run_cli("watch", "--once", workspace=workspace).code == 0
    assert server.hits["/news.xml"] == 1 and signals_in(workspace)
    # the feed is not due for 5 minutes: a restart must not poll it again
    assert run_cli("watch", "--once", workspace=workspace).code == 0
    assert server.hits["/news.xml"] == 1


def test_a_job_that_raises_is_logged_and_the_others_go_on(
    workspace: Path, caplog: pytest.LogCaptureFixture
) -> None:
    watcher = Watcher(Tracker(Workspace(workspace)))
    ran: list[str] = []

    def broken() -> None:
        raise RuntimeError("boom")

    with caplog.at_level(logging.ERROR, logger="tracker.watch"):
        watcher._guarded(broken)()
        watcher._guarded(lambda: ran.append("next"))()
    assert ran == ["next"]
    assert "raised; the other jobs go on" in caplog.text and "boom" in caplog.text
    watcher.tracker.close()
