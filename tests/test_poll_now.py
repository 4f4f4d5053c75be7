"""`tracker poll-now` and the dashboard ask a running watcher to poll, through the database."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

from tests.clirun import run_cli
from tests.feedserver import FeedServer
from tests.test_schedule import open_watcher, rows, rss, server, wait_for, watchers, workspace  # noqa: F401
from tracker.core import Tracker, Workspace
from tracker.watch.schedule import Watcher


def test_poll_now_reaches_a_running_watcher(
    workspace: Path,  # noqa: F811
    server: FeedServer,  # noqa: F811
    watchers: list[Watcher],  # noqa: F811
) -> None:
    first = open_watcher(workspace, time_scale=1.0)
    watchers.append(first)
    assert first.run_once().exit_status == 0
    assert server.hits["/loopback.xml"] == 1
    watcher = open_watcher(workspace, time_scale=1.0, requests_every=timedelta(seconds=0.1))
    watchers.append(watcher)
    watcher.start()
    time.sleep(0.5)
    assert server.hits["/loopback.xml"] == 1  # not due for 5 minutes
    server.feed("/loopback.xml", rss("a1", "a2"), etag='"v2"')
    result = run_cli("poll-now", "loopback", workspace=workspace)
    assert result.code == 0, result.err
    assert "poll of loopback" in result.out or "asked the watcher" in result.out
    assert wait_for(lambda: server.hits["/loopback.xml"] == 2), "the watcher did not poll when asked"
    assert wait_for(lambda: rows(workspace, "SELECT count(*) FROM articles") == [(2,)])
    assert rows(workspace, "SELECT feed, taken IS NOT NULL FROM poll_requests") == [("loopback", 1)]


def test_poll_now_names_an_unknown_feed_and_waits_without_a_watcher(workspace: Path) -> None:  # noqa: F811
    bad = run_cli("poll-now", "nope", workspace=workspace)
    assert bad.code == 1 and "nope" in bad.err and "Traceback" not in bad.err
    ok = run_cli("poll-now", workspace=workspace)
    assert ok.code == 0 and "no `tracker watch` runs" in ok.err
    tracker = Tracker(Workspace(workspace))
    assert tracker.waiting_poll_requests() == 1
    assert tracker.take_poll_requests() == [None]
    assert tracker.take_poll_requests() == []
