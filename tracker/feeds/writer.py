"""The pass's writer: one thread for every write, and group commit.

SQLite has one writer at a time, and PostgreSQL serialises our writes on a lock (see
storage.postgres), so a pass writes from one thread and the event loop never blocks on
it. Most of a commit's cost does not depend on its size (the write-ahead log's frame
headers, the lock, the B-tree pages of every index touched, the search index's segment
merges), so polls that finish while the writer is busy are stored together: a `Batcher`
queues them and the next writer job takes everything queued (up to a bound) in one
transaction, each feed in its own savepoint. When the writer keeps up, a batch is a
single poll, as before; when it falls behind, batches grow, exactly when it pays.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

I = TypeVar("I")  # noqa: E741 - an item, as in the typing docs
R = TypeVar("R")
T = TypeVar("T")

#: `run(items)` gives one outcome per item, in order: a result or the exception it raised.
BatchRun = Callable[[list[I]], Sequence[R | BaseException]]


class Writer:
    """The pass's one writer thread."""

    def __init__(self) -> None:
        self.executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="tracker-store"
        )

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(*args)` in the writer thread, after every job queued before it."""
        return await asyncio.get_running_loop().run_in_executor(self.executor, fn, *args)

    def shutdown(self) -> None:
        self.executor.shutdown(wait=True)


class Batcher(Generic[I, R]):
    """Items submitted from the event loop, done by `run` in the writer in batches.

    A batch is whatever queued while the writer was busy, at most `limit` items, so a
    lone item waits for nothing. `run` sees the batch in submission order and gives
    each item its own outcome: one item's exception is that item's alone; an exception
    from `run` itself (the commit failed) is every item's of the batch.
    """

    def __init__(self, writer: Writer, run: BatchRun[I, R], *, limit: int) -> None:
        self._writer = writer
        self._run = run
        self._limit = max(1, limit)
        self._lock = threading.Lock()
        self._queue: list[tuple[I, asyncio.Future[R], asyncio.AbstractEventLoop]] = []
        self._scheduled = False

    async def submit(self, item: I) -> R:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[R] = loop.create_future()
        with self._lock:
            self._queue.append((item, future, loop))
            start = not self._scheduled
            self._scheduled = True
        if start:
            self._writer.executor.submit(self._drain)
        return await future

    def _drain(self) -> None:
        """One batch, in the writer thread; what queued meanwhile goes in a job of its own,
        behind the writer's other jobs (a full-text fill, a hook), which thus never starve."""
        with self._lock:
            batch, self._queue = self._queue[: self._limit], self._queue[self._limit :]
        outcomes: Sequence[R | BaseException]
        try:
            outcomes = self._run([item for item, _future, _loop in batch])
        except BaseException as exc:  # handed to every waiting poll, never lost
            outcomes = [exc] * len(batch)
        for (_item, future, loop), outcome in zip(batch, outcomes, strict=True):
            with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits any more
                loop.call_soon_threadsafe(_settle, future, outcome)
        with self._lock:
            if not self._queue:
                self._scheduled = False
                return
        try:
            self._writer.executor.submit(self._drain)
        except RuntimeError:  # the pass is shutting down: finish here
            self._drain()


def _settle(future: asyncio.Future[R], outcome: R | BaseException) -> None:
    if future.cancelled():  # the poll was cancelled (Ctrl-C); what was stored stays stored
        return
    if isinstance(outcome, BaseException):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)
