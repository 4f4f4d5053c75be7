"""One watcher per workspace: the lock, the note that names its holder, and what others see."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.clirun import run_cli
from tracker.errors import LockedError
from tracker.records.lock import NOTE_NAME, WatchLock, read_holder, watch_holder

HOLD = """
import sys, time
from pathlib import Path
from tracker.records.lock import WatchLock
lock = WatchLock(Path(sys.argv[1]))
lock.acquire()
print("locked", flush=True)
time.sleep(60)
"""


def test_holding_the_lock_writes_a_note_and_releasing_removes_it(tmp_path: Path) -> None:
    state = tmp_path / ".tracker"
    with WatchLock(state) as lock:
        assert lock.is_locked
        holder = read_holder(state / NOTE_NAME)
        assert holder is not None
        assert (holder.pid, holder.host) == (os.getpid(), socket.gethostname())
        assert watch_holder(state) == str(holder)
    assert not (state / NOTE_NAME).exists()
    assert watch_holder(state) is None


def test_a_second_lock_says_who_holds_the_workspace(tmp_path: Path) -> None:
    state = tmp_path / ".tracker"
    with WatchLock(state):
        second = WatchLock(state, timeout=0)
        with pytest.raises(LockedError) as caught:
            second.acquire()
        message = str(caught.value)
        assert f"pid {os.getpid()} on {socket.gethostname()}" in message
        assert "another tracker watch holds" in message
        assert not second.is_locked
    with WatchLock(state, timeout=0):  # free again once released
        pass


def test_nobody_holds_a_fresh_workspace(tmp_path: Path) -> None:
    assert watch_holder(tmp_path / ".tracker") is None


def test_a_garbled_note_still_gives_a_message(tmp_path: Path) -> None:
    state = tmp_path / ".tracker"
    with WatchLock(state):
        (state / NOTE_NAME).write_text("{not json", encoding="utf-8")
        assert watch_holder(state) == "a process that has not written its note yet"


def test_the_lock_dies_with_its_holder_and_its_note_is_not_believed(tmp_path: Path) -> None:
    """A watcher killed with SIGKILL leaves its note behind; the kernel frees the lock."""
    state = tmp_path / ".tracker"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(state)], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
        assert f"pid {proc.pid}" in (watch_holder(state) or "")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    assert json.loads((state / NOTE_NAME).read_text())["pid"] == proc.pid  # the stale note...
    assert watch_holder(state) is None  # ...is not believed: nobody holds the lock
    with WatchLock(state, timeout=0):
        assert read_holder(state / NOTE_NAME).pid == os.getpid()  # type: ignore[union-attr]


def test_a_second_tracker_watch_names_the_holder_and_exits_1(demo_workspace: Path) -> None:
    (demo_workspace / "feeds" / "feeds.yaml").write_text(
        "feeds:\n  - name: local\n    url: http://127.0.0.1:9/feed.xml\n    allow_private: true\n",
        encoding="utf-8",
    )
    with WatchLock(demo_workspace / ".tracker"):
        started = time.monotonic()
        result = run_cli("watch", workspace=demo_workspace)
        assert result.code == 1
        assert "another tracker watch holds" in result.err
        assert f"pid {os.getpid()} on {socket.gethostname()}" in result.err
        assert time.monotonic() - started < 15
        # a manual poll would race the watcher: it is refused too, naming the holder
        fetch = run_cli("fetch", workspace=demo_workspace)
        assert fetch.code == 1 and f"pid {os.getpid()}" in fetch.err
