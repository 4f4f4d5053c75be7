"""One watcher per workspace: a file lock plus a note saying who holds it.

The lock is an OS-level lock (filelock: `flock` on POSIX), released by the kernel when
the holder dies, so a crashed watcher never blocks the next one and no stale-lock
clean-up is needed. The JSON note beside it (pid, host, start time) lets a second
`tracker watch`, or a `tracker fetch` that would poll behind the watcher's back, say
which process holds the workspace. The note is only ever read while the lock is held
by someone, so a note a crash left behind is never believed.
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from filelock import FileLock, Timeout

from tracker.errors import LockedError, StorageError
from tracker.records.files import describe_os_error, write_atomically

LOCK_NAME = "watch.lock"
NOTE_NAME = "watch.owner.json"


@dataclass(frozen=True)
class Holder:
    """Who holds a workspace's watch lock, as its note says."""

    pid: int
    host: str
    since: str

    def __str__(self) -> str:
        return f"pid {self.pid} on {self.host}, since {self.since}"


class WatchLock:
    """Held while a watcher polls a workspace; a context manager.

    `timeout` rides over the instant in which another command probes the lock
    (`watch_holder`), so a watcher started at that moment does not give up.
    """

    def __init__(self, state_dir: Path, *, timeout: float = 1.0) -> None:
        state_dir.mkdir(parents=True, exist_ok=True)
        self.path = state_dir / LOCK_NAME
        self.note = state_dir / NOTE_NAME
        self._lock = FileLock(str(self.path), timeout=timeout)

    def acquire(self) -> None:
        """Take the lock and write the note; LockedError names the holder if another has it."""
        try:
            self._lock.acquire()
        except Timeout:
            raise LockedError(
                f"another tracker watch holds {self.path}: {describe_holder(self.note)}; "
                "stop it first (SIGTERM) or let it do the polling"
            ) from None
        holder = {"pid": os.getpid(), "host": socket.gethostname(), "since": _now()}
        try:
            write_atomically(self.note, json.dumps(holder))
        except OSError as exc:
            self._lock.release()
            reason = describe_os_error(exc)
            raise StorageError(f"{self.note}: cannot write the watcher's note: {reason}") from None

    def release(self) -> None:
        if self._lock.is_locked:
            self.note.unlink(missing_ok=True)
            self._lock.release()

    @property
    def is_locked(self) -> bool:
        return bool(self._lock.is_locked)

    def __enter__(self) -> WatchLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def read_holder(note: Path) -> Holder | None:
    """The note's contents, or None when it is missing or unreadable."""
    try:
        data = json.loads(note.read_text(encoding="utf-8"))
        return Holder(pid=int(data["pid"]), host=str(data["host"]), since=str(data["since"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def describe_holder(note: Path) -> str:
    holder = read_holder(note)
    # The note is written right after the lock is taken: a reader may come in between.
    return str(holder) if holder else "a process that has not written its note yet"


def watch_holder(state_dir: Path) -> str | None:
    """Who holds the workspace's watch lock, or None when nobody does."""
    path = state_dir / LOCK_NAME
    if not path.exists():
        return None
    probe = FileLock(str(path), timeout=0)
    try:
        probe.acquire()
    except Timeout:
        return describe_holder(state_dir / NOTE_NAME)
    probe.release()
    return None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
