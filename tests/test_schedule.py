"""The watcher: real APScheduler, short (fast-forwarded) intervals, a loopback feed server.

In-process tests fast-forward feed time (`WatchOptions.time_scale`) so the real
scheduler polls every few tenths of a second; the end-to-end tests run
`python -m tracker --workspace TMP watch` and stop it with SIGTERM. Every wait is a
bounded polling loop.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.clirun import run_cli
from tests.feedserver import FeedServer
from tracker.core import Tracker
from tracker.feeds.fetching import FetchSettings
from tracker.feeds.polling import DEFAULT_POLICY
from tracker.records.lock import watch_holder
from tracker.records.workspace import Workspace
from tracker.types import Feed, FeedState
from tracker.watch.schedule import (
    Watcher,
    WatchOptions,
    daily_due,
    first_run,
    last_occurrence,
    rearm_time,
    scaled_settings,
)

COMMITMENT = "cn-ru-2016-internet-media-forum/2"
DESCRIPTION = (
    "Sputnik and Xinhua agreed a long-term cooperation mechanism between Chinese and Russian "
    "internet media, with content exchange, joint interviews and joint seminars."
)
FAST_FETCH = FetchSettings(connect_timeout=2, read_timeout=5, total_timeout=5, allow_private=True)
NOW = datetime(2025, 6, 10, 12, 0, tzinfo=UTC)
HERE = Path(__file__).resolve().parents[1]


#: Where the items link: a closed loopback port. The items name both parties and carry a
#: summary only, so the watcher tries their pages for full text; tests never leave the machine.
PAGES = "http://127.0.0.1:9"


def rss(*slugs: str) -> bytes:
    """A feed whose every item a bundled rule links to COMMITMENT."""
    items = "".join(
        f"<item><title>Russian and Chinese media sign {slug} agreement on content exchange</title>"
        f"<link>{PAGES}/{slug}</link><guid>{PAGES}/{slug}</guid>"
        f"<pubDate>Thu, 02 Mar 2023 10:00:00 GMT</pubDate><description>{DESCRIPTION}</description></item>"
        for slug in slugs
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Loopback</title>'
        f"<link>{PAGES}/</link>{items}</channel></rss>"
    ).encode()


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as running:
        yield running


def loopback_workspace(root: Path, server: FeedServer, names: tuple[str, ...] = ("loopback",)) -> Path:
    """The bundled records with feeds on the loopback server only."""
    for old in (root / "feeds").glob("*.yaml"):
        old.unlink()
    lines = ["feeds:"]
    for name in names:
        lines += [f"  - name: {name}", f'    url: "{server.url("/" + name + ".xml")}"', "    interval: 5 min"]
        lines += ["    allow_private: true"]
    (root / "feeds" / "loopback.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


@pytest.fixture
def workspace(bundled_workspace: Path, server: FeedServer) -> Path:
    server.feed("/loopback.xml", rss("a1"), etag='"v1"')
    return loopback_workspace(bundled_workspace, server)


def open_watcher(root: Path, **options: object) -> Watcher:
    settings: dict[str, object] = {"time_scale": 0.001, "watch_files": False, "fetch": FAST_FETCH}
    settings.update(options)
    return Watcher(Tracker(Workspace(root)), options=WatchOptions(**settings))  # type: ignore[arg-type]


@pytest.fixture
def watchers() -> Iterator[list[Watcher]]:
    """Watchers a test opened; shut down and closed whatever happens."""
    opened: list[Watcher] = []
    yield opened
    for watcher in opened:
        if watcher.scheduler.running:
            watcher.request_stop()
            watcher.shutdown()
        watcher.tracker.close()


def rows(root: Path, sql: str) -> list[tuple]:
    db = root / ".tracker" / "tracker.db"
    if not db.exists():
        return []
    try:
        with sqlite3.connect(db, timeout=10) as conn:
            return conn.execute(sql).fetchall()
    except sqlite3.OperationalError:  # not migrated yet
        return []


def signal_titles(root: Path) -> list[str]:
    sql = "SELECT a.title FROM signals s JOIN articles a ON a.id = s.article_id ORDER BY s.id"
    return [title for (title,) in rows(root, sql)]


def wait_for(predicate: Callable[[], object], timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return bool(predicate())


# ---------------------------------------------------------------- pure decisions


def feed(url: str = "https://example.org/feed.xml") -> Feed:
    return Feed(name="example", url=url, interval=timedelta(hours=1))


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (None, NOW),
        (FeedState("example", "https://example.org/feed.xml"), NOW),
        (FeedState("example", "u", next_due=NOW - timedelta(hours=2)), NOW),
        (FeedState("example", "u", next_due=NOW + timedelta(hours=3), failures=4), NOW + timedelta(hours=3)),
        (
            FeedState(
                "example", "u", next_due=NOW + timedelta(hours=3), config_url="https://old.example.org/"
            ),
            NOW,
        ),
    ],
)
def test_first_run_after_a_restart_comes_from_the_stored_next_due(
    state: FeedState | None, expected: datetime
) -> None:
    assert first_run(feed(), state, NOW) == expected


def test_rearm_never_sooner_than_the_floor() -> None:
    floor, hour = timedelta(minutes=1), timedelta(hours=1)
    assert rearm_time(NOW + hour, NOW, hour, floor) == NOW + hour
    assert rearm_time(NOW - hour, NOW, hour, floor) == NOW + floor
    assert rearm_time(None, NOW, hour, floor) == NOW + hour


def test_daily_jobs_catch_up_once_after_their_time() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    seven = clock_time(7, 0)
    morning = datetime(2025, 6, 10, 6, 0, tzinfo=UTC)  # 08:00 in Berlin (CEST)
    assert last_occurrence(seven, morning, berlin) == datetime(2025, 6, 10, 7, 0, tzinfo=berlin)
    night = datetime(2025, 6, 10, 3, 0, tzinfo=UTC)  # 05:00 in Berlin: today's 07:00 is to come
    assert last_occurrence(seven, night, berlin) == datetime(2025, 6, 9, 7, 0, tzinfo=berlin)
    assert daily_due(None, seven, morning, berlin)
    assert daily_due(datetime(2025, 6, 10, 4, 0, tzinfo=UTC), seven, morning, berlin)  # ran before 07:00
    assert not daily_due(datetime(2025, 6, 10, 5, 1, tzinfo=UTC), seven, morning, berlin)


def test_fast_forward_scales_every_politeness_limit() -> None:
    policy = scaled_settings(0.001).policy
    assert policy.min_interval == DEFAULT_POLICY.min_interval * 0.001
    assert policy.caps["hard"] == DEFAULT_POLICY.caps["hard"] * 0.001
    assert scaled_settings(1.0).policy is DEFAULT_POLICY


# ---------------------------------------------------------------- the real scheduler, fast-forwarded


@pytest.mark.slow
def test_new_articles_become_signals_with_no_other_command(
    workspace: Path, server: FeedServer, watchers: list[Watcher]
) -> None:
    watcher = open_watcher(workspace)
    watchers.append(watcher)
    watcher.start()
    assert wait_for(lambda: len(signal_titles(workspace)) == 1), "the first poll made no signal"
    # the scheduler keeps polling on its own: conditional requests answered 304 ...
    assert wait_for(lambda: server.not_modified["/loopback.xml"] >= 2)
    # ... until the publisher adds an article, which becomes a signal by itself
    server.feed("/loopback.xml", rss("a1", "a2"), etag='"v2"')
    assert wait_for(lambda: len(signal_titles(workspace)) == 2), "the new article made no signal"
    assert "a2 agreement" in signal_titles(workspace)[1]
    assert watcher.shutdown().finished
    assert rows(workspace, "SELECT count(*) FROM articles") == [(2,)]


def test_backoff_is_respected_across_a_restart(
    workspace: Path, server: FeedServer, watchers: list[Watcher]
) -> None:
    server.route("/loopback.xml", status=503, headers={"Retry-After": "3600"}, body=b"busy")
    first = open_watcher(workspace, time_scale=1.0)
    watchers.append(first)
    assert first.run_once().exit_status == 0
    assert server.hits["/loopback.xml"] == 1
    [(failures, next_due)] = rows(workspace, "SELECT failures, next_due FROM feed_state")
    due = datetime.fromisoformat(next_due)
    assert failures == 1 and due > datetime.now(UTC) + timedelta(minutes=59)

    restarted = open_watcher(workspace, time_scale=1.0)
    watchers.append(restarted)
    restarted.start()
    job = restarted.scheduler.get_job("feed:loopback")
    assert job is not None and job.next_run_time >= due
    time.sleep(0.5)  # the scheduler would have fired a due job by now
    assert server.hits["/loopback.xml"] == 1
    restarted.shutdown()
    # a cron pass after the restart does not poll it either
    assert run_cli("watch", "--once", workspace=workspace).code == 0
    assert server.hits["/loopback.xml"] == 1


@pytest.mark.slow
def test_a_job_that_raises_is_logged_and_the_others_go_on(
    bundled_workspace: Path, server: FeedServer, watchers: list[Watcher], caplog: pytest.LogCaptureFixture
) -> None:
    for name in ("broken", "healthy"):
        server.feed(f"/{name}.xml", rss(name))
    loopback_workspace(bundled_workspace, server, ("broken", "healthy"))
    watcher = open_watcher(bundled_workspace)
    watchers.append(watcher)
    calls: Counter[str] = Counter()
    poll = watcher.pipeline.poll

    def flaky(feeds: list[Feed]) -> object:
        calls[feeds[0].name] += 1
        if feeds[0].name == "broken":
            raise RuntimeError("boom in the pipeline")
        return poll(feeds)

    watcher.pipeline.poll = flaky  # type: ignore[method-assign]
    with caplog.at_level(logging.INFO, logger="tracker"):
        watcher.start()
        # the broken feed's job is re-armed after each crash; the healthy one keeps polling
        assert wait_for(lambda: calls["broken"] >= 3 and calls["healthy"] >= 3)
        watcher.scheduler.add_job(lambda: 1 / 0, id="unguarded")  # APScheduler's own error event
        assert wait_for(lambda: "job unguarded failed" in caplog.text)
    assert watcher.shutdown().finished
    assert "job feed:broken raised; the other jobs go on" in caplog.text
    assert "boom in the pipeline" in caplog.text  # the traceback is logged
    assert watcher.failed_jobs >= 3
    assert len(signal_titles(bundled_workspace)) == 1  # the healthy feed's article


def test_shutdown_waits_for_the_job_in_flight_but_only_within_the_grace(
    workspace: Path, watchers: list[Watcher]
) -> None:
    watcher = open_watcher(workspace, shutdown_grace=0.5)
    watchers.append(watcher)
    release, running = threading.Event(), threading.Event()

    def stuck() -> None:
        running.set()
        release.wait(30)

    watcher.start()
    watcher.scheduler.add_job(watcher._guarded(stuck, label="stuck"), id="stuck")
    assert running.wait(10)
    started = time.monotonic()
    outcome = watcher.shutdown()
    assert not outcome.finished and outcome.exit_status == 0
    assert 0.4 < time.monotonic() - started < 5
    release.set()


def test_once_runs_everything_due_and_reports_a_crashed_job(
    workspace: Path, server: FeedServer, watchers: list[Watcher]
) -> None:
    (workspace / "tracker.yaml").write_text(
        "reports:\n  - name: status\n    format: csv\n    folder: out\n", encoding="utf-8"
    )
    watcher = open_watcher(workspace, time_scale=1.0)
    watchers.append(watcher)

    def broken() -> None:
        raise OSError("disk full")

    watcher.pipeline.maintain = broken  # type: ignore[method-assign]
    outcome = watcher.run_once()
    assert outcome.failed_jobs == 1 and outcome.exit_status == 1
    # the other steps ran: the poll, the statuses, the report
    assert len(signal_titles(workspace)) == 1
    reports = list((workspace / "out").glob("status-*.csv"))
    assert len(reports) == 1 and reports[0].read_text().startswith("statement,commitment")
    written = reports[0].stat().st_mtime_ns
    # a second pass: nothing is due any more except the job that failed
    again = open_watcher(workspace, time_scale=1.0)
    watchers.append(again)
    assert again.run_once().exit_status == 0
    assert reports[0].stat().st_mtime_ns == written
    assert server.hits["/loopback.xml"] == 1
    marks = dict(rows(workspace, "SELECT key, value FROM meta WHERE key LIKE 'watch.last_run.%'"))
    assert set(marks) == {
        "watch.last_run.daily:statuses",
        "watch.last_run.daily:maintenance",
        "watch.last_run.report:status.csv",
    }


def hook_script(root: Path, name: str) -> list[str]:
    """A hook that appends the JSON it reads to `root/name`, one object per line."""
    code = (
        "import json, sys; data = json.load(sys.stdin); "
        f"open({str(root / name)!r}, 'a').write(json.dumps(data) + chr(10))"
    )
    return [sys.executable, "-c", code]


def test_each_new_signal_goes_to_the_hook_once_across_restarts(
    workspace: Path, server: FeedServer, watchers: list[Watcher]
) -> None:
    (workspace / "tracker.yaml").write_text(
        f"on_signal: {json.dumps(hook_script(workspace, 'signals.jsonl'))}\n"
        f"on_digest: {json.dumps(hook_script(workspace, 'digests.jsonl'))}\n",
        encoding="utf-8",
    )
    for _ in range(2):
        watcher = open_watcher(workspace, time_scale=1.0)
        watchers.append(watcher)
        assert watcher.run_once().exit_status == 0
    [signal_event] = [json.loads(line) for line in (workspace / "signals.jsonl").read_text().splitlines()]
    assert signal_event["event"] == "signal" and signal_event["commitment"]["id"] == COMMITMENT
    [digest] = [json.loads(line) for line in (workspace / "digests.jsonl").read_text().splitlines()]
    assert digest["event"] == "digest" and digest["signals"] == 1
    assert "# Tracker digest" in digest["markdown"]


def test_the_hook_is_not_flooded_after_a_big_rematch(
    workspace: Path, server: FeedServer, watchers: list[Watcher], caplog: pytest.LogCaptureFixture
) -> None:
    server.feed("/loopback.xml", rss("a1", "a2", "a3", "a4"))
    (workspace / "tracker.yaml").write_text(
        f"on_signal: {json.dumps(hook_script(workspace, 'signals.jsonl'))}\non_signal_limit: 2\n",
        encoding="utf-8",
    )
    watcher = open_watcher(workspace, time_scale=1.0)
    watchers.append(watcher)
    with caplog.at_level(logging.WARNING, logger="tracker"):
        watcher.run_once()
    assert len((workspace / "signals.jsonl").read_text().splitlines()) == 2
    assert "2 more new signal(s) not handed to on_signal" in caplog.text
    assert watcher.send_signal_alerts() == 0  # the rest were skipped for good, the digest lists them


def test_heartbeat_says_what_happened(
    workspace: Path, watchers: list[Watcher], caplog: pytest.LogCaptureFixture
) -> None:
    watcher = open_watcher(workspace, time_scale=1.0)
    watchers.append(watcher)
    with caplog.at_level(logging.INFO, logger="tracker"):
        watcher.run_once()
        watcher.heartbeat()
    assert "alive: polls=1 errors=0 new_articles=1" in caplog.text


def test_a_report_whose_filter_names_a_gone_statement_is_logged_not_fatal(
    workspace: Path, watchers: list[Watcher], caplog: pytest.LogCaptureFixture
) -> None:
    (workspace / "tracker.yaml").write_text(
        "reports:\n  - name: gone\n    statement: [no-such-statement]\n", encoding="utf-8"
    )
    watcher = open_watcher(workspace, time_scale=1.0)
    watchers.append(watcher)
    with caplog.at_level(logging.INFO, logger="tracker"):
        assert watcher.run_once().exit_status == 0
    assert "report gone not written: --statement: no statement 'no-such-statement'" in caplog.text
    assert not (workspace / "reports").exists()


def test_a_report_is_not_written_incomplete(
    workspace: Path, watchers: list[Watcher], caplog: pytest.LogCaptureFixture
) -> None:
    (workspace / "tracker.yaml").write_text("reports:\n  - name: status\n", encoding="utf-8")
    record = workspace / "commitments" / "cn-ru-2016-internet-media-forum.yaml"
    record.write_text(record.read_text(encoding="utf-8").replace("date: 2016-10-29", "date: 2016-02-30", 1))
    watcher = open_watcher(workspace, time_scale=1.0)
    watchers.append(watcher)
    with caplog.at_level(logging.INFO, logger="tracker"):
        assert watcher.run_once().exit_status == 0  # logged, not a crashed job
    # a broken statement file with no good version: the report would lack its statement
    assert (
        "report status not written: " in caplog.text
        and "cn-ru-2016-internet-media-forum.yaml:" in caplog.text
    )
    assert "pass --partial" in caplog.text and "Traceback" not in caplog.text
    assert not (workspace / "reports").exists()


def test_a_report_is_not_written_into_a_missing_folder(
    workspace: Path, watchers: list[Watcher], caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "no" / "such" / "folder"
    (workspace / "tracker.yaml").write_text(
        f"reports:\n  - name: lost\n    folder: {elsewhere}\n  - name: status\n", encoding="utf-8"
    )
    watcher = open_watcher(workspace, time_scale=1.0)
    watchers.append(watcher)
    with caplog.at_level(logging.INFO, logger="tracker"):
        assert watcher.run_once().exit_status == 0
    assert f"report lost not written: folder: {elsewhere} does not exist" in caplog.text
    assert not elsewhere.parent.parent.exists()
    assert list((workspace / "reports").glob("status-*.md"))  # reports/ in the workspace is made


def test_quiet_and_verbose_choose_what_reaches_stderr(workspace: Path, server: FeedServer) -> None:
    quiet = run_cli("watch", "--once", "--quiet", workspace=workspace)
    assert quiet.code == 0 and quiet.err == ""
    verbose = run_cli("watch", "--once", "--verbose", workspace=workspace)
    assert verbose.code == 0
    assert "records loaded" in verbose.err and "feed=loopback skipped: not due until" in verbose.err
    log = (workspace / ".tracker" / "watch.log").read_text()
    assert "feed=loopback status=ok new=1" in log  # the file has the first pass, quiet or not


# ---------------------------------------------------------------- the real command, stopped by SIGTERM


def start_watch(root: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(HERE)}
    env.pop("TRACKER_WORKSPACE", None)
    return subprocess.Popen(
        [sys.executable, "-m", "tracker", "--workspace", str(root), "watch", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def stop(proc: subprocess.Popen[str], timeout: float = 30) -> tuple[float, str]:
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    _out, err = proc.communicate(timeout=timeout)
    return time.monotonic() - started, err


@pytest.mark.slow
def test_tracker_watch_produces_signals_on_its_own_and_stops_on_sigterm(
    workspace: Path, server: FeedServer
) -> None:
    (workspace / "tracker.yaml").write_text(
        f"on_signal: {json.dumps(hook_script(workspace, 'signals.jsonl'))}\n", encoding="utf-8"
    )
    proc = start_watch(workspace)
    try:
        assert wait_for(lambda: signal_titles(workspace), timeout=30), "no signal appeared"
        assert wait_for(lambda: (workspace / "signals.jsonl").exists(), timeout=30), "on_signal never ran"
        fetch = run_cli("fetch", workspace=workspace)  # the watcher polls; others step aside
        assert fetch.code == 1 and "tracker watch is polling this workspace" in fetch.err
    finally:
        seconds, err = stop(proc)
    assert proc.returncode == 0, err
    assert seconds < 10 and "stopped" in err
    log = [json.loads(line) for line in (workspace / ".tracker" / "watch.log").read_text().splitlines()]
    polls = [entry for entry in log if entry.get("event") == "poll"]
    assert polls[0]["feed"] == "loopback" and polls[0]["new"] == 1  # structured fields, not only text
    assert log[-1]["msg"] == "stopped"


@pytest.mark.slow
def test_sigterm_during_a_poll_lets_it_commit_and_exits_0(workspace: Path, server: FeedServer) -> None:
    server.feed("/loopback.xml", rss("a1"), delay=1.5)  # the poll is in flight when SIGTERM comes
    proc = start_watch(workspace)
    try:
        assert wait_for(lambda: server.hits["/loopback.xml"] >= 1, timeout=30)
    finally:
        seconds, err = stop(proc)
    assert proc.returncode == 0, err
    assert seconds < 10 and "stopped" in err and "still running" not in err
    # the poll finished and committed whole: article, signal and feed state together
    assert rows(workspace, "SELECT count(*) FROM articles") == [(1,)]
    assert len(signal_titles(workspace)) == 1
    assert rows(workspace, "SELECT failures, last_success IS NOT NULL FROM feed_state") == [(0, 1)]
    assert rows(workspace, "PRAGMA integrity_check") == [("ok",)]


@pytest.mark.slow
def test_sigterm_with_a_hung_poll_exits_within_the_grace_and_writes_nothing_partial(
    workspace: Path, server: FeedServer
) -> None:
    (workspace / "tracker.yaml").write_text("shutdown_grace: 1 s\n", encoding="utf-8")
    server.route("/loopback.xml", hang=True)
    proc = start_watch(workspace)
    try:
        assert wait_for(lambda: server.hits["/loopback.xml"] >= 1, timeout=30)
    finally:
        seconds, err = stop(proc)
    assert proc.returncode == 0, err
    assert seconds < 8 and "still running after 1 s" in err
    assert rows(workspace, "SELECT count(*) FROM articles") == [(0,)]
    assert rows(workspace, "SELECT count(*) FROM feed_state WHERE last_attempt IS NOT NULL") == [(0,)]
    assert rows(workspace, "PRAGMA integrity_check") == [("ok",)]
    assert watch_holder(workspace / ".tracker") is None  # the kernel released the lock


@pytest.mark.slow
def test_a_kill_9_during_on_signal_hands_the_signal_over_again_with_its_id(
    workspace: Path, server: FeedServer, tmp_path: Path
) -> None:
    """The delivery promise (docs/deploy.md): at least once, with the id to drop repeats."""
    server.feed("/loopback.xml", rss("a1", "a2", "a3"))
    received, hook_pid, hold = tmp_path / "received.txt", tmp_path / "hook.pid", tmp_path / "hold"
    code = (
        "import json, os, sys, time; data = json.load(sys.stdin); "
        f"open({str(received)!r}, 'a').write(str(data['signal']['id']) + ' ' + data['delivery'] + chr(10)); "
        f"open({str(hook_pid)!r}, 'w').write(str(os.getpid())); "
        f"time.sleep(120 if os.path.exists({str(hold)!r}) else 0)"
    )
    (workspace / "tracker.yaml").write_text(
        f"on_signal: {json.dumps([sys.executable, '-c', code])}\nhook_timeout: 300 s\n", encoding="utf-8"
    )
    hold.touch()
    env = {**os.environ, "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"}
    argv = [sys.executable, "-m", "tracker", "--workspace", str(workspace), "watch", "--once", "--quiet"]
    watcher = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_for(lambda: received.exists() and hook_pid.exists(), timeout=60), "the hook never ran"
        os.kill(watcher.pid, signal.SIGKILL)  # mid-hook: the mark has not moved
        watcher.wait(timeout=10)
    finally:
        if watcher.poll() is None:
            watcher.kill()
        if hook_pid.exists():  # the hook runs in a session of its own: end it by its pid
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int(hook_pid.read_text()), signal.SIGKILL)
    hold.unlink()
    [first] = received.read_text().split()[:1]
    again = run_cli("watch", "--once", "--quiet", workspace=workspace, env=env, timeout=120)
    assert again.code == 0, again.err
    lines = [line.split() for line in received.read_text().splitlines()]
    ids = [int(signal_id) for signal_id, _ in lines]
    assert all(delivery == "at-least-once" for _, delivery in lines)
    made = {signal_id for (signal_id,) in rows(workspace, "SELECT id FROM signals")}
    assert len(made) == 3 and set(ids) == made  # nothing lost
    assert ids.count(int(first)) == 2  # the interrupted one came again, with the same id
    assert len(ids) == 4  # and only that one
