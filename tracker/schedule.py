"""`tracker watch`: APScheduler polls each feed on its own interval, for months.

- One job per enabled feed, at the feed's interval with jitter; missed runs coalesce and
  a feed never runs twice at once. Each run polls with `due_only`, so the back-off and
  Retry-After stored in the database are respected, across restarts too.
- A daily job records the derived status changes time brings (overdue, stalled) and
  maintains the database (WAL checkpoint, optimise).
- A job that raises is logged and the others go on. SIGINT/SIGTERM let the job in
  flight finish (its transaction commits or nothing does) and exit 0.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import FrameType

from apscheduler.events import EVENT_JOB_ERROR, JobExecutionEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from tracker.core import Tracker
from tracker.lock import WatchLock
from tracker.types import Feed

log = logging.getLogger("tracker.watch")

#: At most this much jitter, whatever the interval: spread polls, don't delay them long.
MAX_JITTER = timedelta(minutes=5)
#: How long SIGTERM waits for the job in flight.
SHUTDOWN_GRACE = 60.0


class Watcher:
    """The scheduler and its jobs over one Tracker."""

    def __init__(self, tracker: Tracker, *, clock: Callable[[], datetime] | None = None) -> None:
        self.tracker = tracker
        self.clock = clock or (lambda: datetime.now(UTC))
        self.stopping = threading.Event()
        self.scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(4)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
            timezone=UTC,
        )
        self.scheduler.add_listener(self._job_failed, EVENT_JOB_ERROR)

    # -- jobs

    def poll_feed(self, name: str) -> None:
        for result in self.tracker.poll_feeds([name], due_only=True):
            if result.status == "skipped":
                log.debug("feed=%s skipped: %s", name, result.error or "not due")
            elif result.status in ("error", "gone"):
                log.warning("feed=%s status=%s error=%r", name, result.status, result.error)
            else:
                log.info(
                    "feed=%s status=%s new=%s updated=%s", name, result.status, result.new, result.updated
                )

    def daily(self) -> None:
        changed = self.tracker.refresh_statuses()
        self.tracker.db.checkpoint()
        self.tracker.db.optimize()
        log.info("daily: %s status change(s) recorded; database checkpointed and optimised", changed)

    def _job_failed(self, event: JobExecutionEvent) -> None:
        log.error("job=%s failed: %r", event.job_id, event.exception)

    def _guarded(self, job: Callable[..., None], *args: object) -> Callable[[], None]:
        def run() -> None:
            if self.stopping.is_set():
                return
            try:
                job(*args)
            except Exception:
                log.exception("job %s%s raised; the other jobs go on", job.__name__, args)

        return run

    # -- lifecycle

    def schedule(self, feeds: list[Feed]) -> None:
        now = self.clock()
        for feed in feeds:
            jitter = min(feed.interval * 0.1, MAX_JITTER).total_seconds()
            self.scheduler.add_job(
                self._guarded(self.poll_feed, feed.name),
                IntervalTrigger(seconds=feed.interval.total_seconds(), jitter=int(jitter), timezone=UTC),
                id=f"feed:{feed.name}",
                next_run_time=now,  # due_only decides at once whether it is really due
            )
        self.scheduler.add_job(
            self._guarded(self.daily), CronTrigger(hour=3, minute=17, timezone=UTC), id="daily"
        )

    def run_once(self) -> None:
        """One pass of everything due, then return (`tracker watch --once`, cron)."""
        for feed in [f for f in self.tracker.feeds() if f.enabled]:
            self._guarded(self.poll_feed, feed.name)()
        self._guarded(self.daily)()

    def run_forever(self) -> None:
        feeds = [f for f in self.tracker.feeds() if f.enabled]
        self.schedule(feeds)
        self.scheduler.start()
        log.info("watching %d feed(s) in %s", len(feeds), self.tracker.workspace.root)
        while not self.stopping.wait(0.5):  # wake up now and then so signals are handled
            pass
        log.info("stopping: letting the job in flight finish")
        self.scheduler.shutdown(wait=True)
        log.info("stopped")

    def stop(self, signum: int | None = None, _frame: FrameType | None = None) -> None:
        self.stopping.set()


def watch(tracker: Tracker, *, once: bool = False) -> int:
    """Hold the workspace lock and watch; returns the exit status."""
    with WatchLock(tracker.workspace.state_dir):
        tracker.owns_watch_lock = True
        watcher = Watcher(tracker)
        if once:
            watcher.run_once()
            return 0
        signal.signal(signal.SIGTERM, watcher.stop)
        signal.signal(signal.SIGINT, watcher.stop)
        watcher.run_forever()
    return 0
