"""One watcher per workspace: a file lock plus a note saying who holds it.

The lock is an OS-level lock (filelock), released by the kernel when the holder dies,
so a crashed watcher never blocks the next one; the JSON note beside it lets a second
`tracker watch` say which process holds the workspace.
"""

from __future__ import annotations

import json
import os
import socket
from datetime import UTC, datetime
from pathlib import Path

from filelock import FileLock, Timeout

from tracker.errors import LockedError


class WatchLock:
    """Held while a watcher polls a workspace; a context manager."""

    def __init__(self, state_dir: Path) -> None:
        state_dir.mkdir(parents=True, exist_ok=True)
        self.path = state_dir / "watch.lock"
        self.note = state_dir / "watch.owner.json"
        self._lock = FileLock(str(self.path), timeout=0)

    def acquire(self) -> None:
        try:
            self._lock.acquire()
        except Timeout:
            raise LockedError(
                f"another tracker watch holds {self.path}: {describe_holder(self.note)}"
            ) from None
        holder = {"pid": os.getpid(), "host": socket.gethostname(), "since": datetime.now(UTC).isoformat()}
        self.note.write_text(json.dumps(holder), encoding="utf-8")

    def release(self) -> None:
        if self._lock.is_locked:
            self.note.unlink(missing_ok=True)
            self._lock.release()

    def __enter__(self) -> WatchLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def describe_holder(note: Path) -> str:
    try:
        holder = json.loads(note.read_text(encoding="utf-8"))
        return f"pid {holder['pid']} on {holder['host']}, since {holder['since']}"
    except (OSError, ValueError, KeyError):
        return "a process that left no note"


def watch_holder(state_dir: Path) -> str | None:
    """Who holds the workspace's watch lock, or None when nobody does."""
    path = state_dir / "watch.lock"
    if not path.exists():
        return None
    probe = FileLock(str(path), timeout=0)
    try:
        probe.acquire()
    except Timeout:
        return describe_holder(state_dir / "watch.owner.json")
    probe.release()
    return None
