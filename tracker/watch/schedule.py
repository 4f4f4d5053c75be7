"""`tracker watch`: APScheduler polls each feed on its own schedule, for months.

Scheduling (why it is built this way):
- One job per enabled feed, on the "feeds" thread pool. The database decides when a
  feed runs next: after every poll the job is re-armed at the feed's stored
  `next_due` (interval plus jitter, raised by Retry-After, Cache-Control, <ttl>, or the
  error back-off; see tracker.polling). At start every job is armed from the stored
  `next_due` too, so a restart never polls early a server that asked us to wait. Each
  job also has an IntervalTrigger at the feed's interval (with jitter): it only
  matters if a run dies before re-arming, so no feed can silently stop. Every poll is
  made with `due_only`, so even a stray run cannot hammer a server.
- Job defaults: `coalesce` (a laptop that slept through ten runs polls once),
  `max_instances=1` (a feed is never polled twice at once), `misfire_grace_time=None`
  (a run that is late because the machine slept still runs).
- Daily jobs at fixed local times (tracker.yaml): derived statuses refreshed, database
  checkpointed and optimised, scheduled reports written, the digest handed to its
  hook. When each last ran is kept in the database, so a watcher started after the
  time (or `--once` from cron) catches up once, and never twice.
- "Poll now" requests (`tracker poll-now`, the dashboard's refresh keys) wait in the
  database; a job looks every few seconds, takes them and polls those feeds at once.
- `on_signal`: a job hands each new signal to the user's hook (tracker.alerts), after
  a poll that stored articles and every minute; a high-water mark in the database
  means each signal goes out once, across restarts.
- Records reload without restart (tracker.reload); changed rules trigger a re-match.

Lifecycle: one watcher per workspace (tracker.lock). SIGINT/SIGTERM stop new jobs, let
the jobs in flight finish (each poll commits in one transaction or not at all) and
return within `shutdown_grace`; a second signal ends the process at once. A job that
raises is logged with its traceback and the others go on.

Everything the watcher asks of the rest of the tracker goes through `Pipeline`, whose
methods are calls of the `Tracker` facade on the watcher's current records.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, tzinfo
from datetime import time as clock_time
from functools import partial
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_MAX_INSTANCES,
    EVENT_JOB_MISSED,
    JobEvent,
    JobExecutionEvent,
)
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from tracker.core import (
    DEFAULT_POLICY,
    Config,
    Digest,
    FetchSettings,
    PollSettings,
    ReportSpec,
    WatchLock,
    commitment_index,
    digest_payload,
    load_config,
    run_hook,
    signal_payload,
)
from tracker.errors import NotFoundError, RecordError, TrackerError, UsageError
from tracker.types import Feed, FeedState, Lease, PollResult
from tracker.watch import logs
from tracker.watch.reload import FileWatcher, RecordKeeper, RecordSet, ReloadReport

if TYPE_CHECKING:
    from tracker.core import MatchSummary, Tracker
    from tracker.types import NewSignal

log = logging.getLogger("tracker.watch")

FEED_JOB_PREFIX = "feed:"
#: A feed is never re-armed sooner than this after its last run, whatever the database
#: says: a next-due time in the past must not spin the scheduler.
MIN_REARM = timedelta(seconds=60)
#: At most this much jitter on the fallback interval trigger.
MAX_JITTER = timedelta(minutes=5)
#: How often `run_forever` looks at the stop flag the signal handler sets.
STOP_POLL = 0.2


@dataclass(frozen=True)
class WatchOptions:
    """Knobs for tests, benchmarks and embedding; users configure tracker.yaml instead.

    `time_scale` fast-forwards feed time: intervals, the polite minimum interval, the
    back-off caps and the re-arm floor are multiplied by it (0.001 turns 5 min into
    0.3 s), so tests run the real scheduler against a loopback server in seconds.
    """

    time_scale: float = 1.0
    feed_workers: int = 4
    alert_every: timedelta = timedelta(minutes=1)
    heartbeat_every: timedelta = timedelta(hours=1)
    #: How often the watcher looks for "poll now" requests (`tracker poll-now`, the dashboard).
    requests_every: timedelta = timedelta(seconds=5)
    watch_files: bool = True
    reload_debounce_ms: int = 500
    fetch: FetchSettings | None = None
    #: Overrides tracker.yaml's `shutdown_grace` (seconds).
    shutdown_grace: float | None = None
    #: On a shared database: how long a claimed feed stays this watcher's (a watcher
    #: killed with SIGKILL loses its feeds to the others after this), and how often the
    #: watcher says it is alive. Not scaled by `time_scale`: a poll takes real time.
    lease_ttl: timedelta = timedelta(minutes=5)
    presence_every: timedelta = timedelta(seconds=15)


@dataclass(frozen=True)
class WatchOutcome:
    """How a watch ended: did every job in flight finish, and did any job raise."""

    once: bool
    finished: bool = True
    failed_jobs: int = 0

    @property
    def exit_status(self) -> int:
        # A long-running watcher that stops on request did its job, whatever single
        # runs did (they are logged); a cron pass reports a crashed job to cron.
        return 1 if self.once and self.failed_jobs else 0


# ---------------------------------------------------------------- pure decisions


def first_run(feed: Feed, state: FeedState | None, now: datetime) -> datetime:
    """When a feed's job first runs after a (re)start: its stored next-due time, if any.

    A feed never polled, or whose URL was edited (its state is then reset, see
    polling.reconcile), runs at once.
    """
    if state is None or state.next_due is None:
        return now
    if state.config_url is not None and state.config_url != feed.url:
        return now
    return max(now, state.next_due)


def rearm_time(next_due: datetime | None, now: datetime, interval: timedelta, floor: timedelta) -> datetime:
    """When a feed runs next after a poll: its stored next-due time, never sooner than `floor`."""
    if next_due is None:
        return now + max(interval, floor)
    return max(next_due, now + floor)


def last_occurrence(at: clock_time, now: datetime, zone: tzinfo) -> datetime:
    """The latest moment at or before `now` when the local clock showed `at`."""
    local = now.astimezone(zone)
    candidate = datetime.combine(local.date(), at, tzinfo=zone)
    if candidate > local:
        candidate = datetime.combine(local.date() - timedelta(days=1), at, tzinfo=zone)
    return candidate


def daily_due(last_run: datetime | None, at: clock_time, now: datetime, zone: tzinfo) -> bool:
    """A daily job is due when it has not run since its latest scheduled time."""
    return last_run is None or last_run < last_occurrence(at, now, zone)


def scaled_settings(time_scale: float, fetch: FetchSettings | None = None) -> PollSettings:
    """The polling settings, with feed time fast-forwarded by `time_scale`."""
    policy = DEFAULT_POLICY
    if time_scale != 1.0:
        policy = replace(
            policy,
            min_interval=policy.min_interval * time_scale,
            max_hint=policy.max_hint * time_scale,
            caps={kind: cap * time_scale for kind, cap in policy.caps.items()},
        )
    return PollSettings(fetch=fetch or FetchSettings(), policy=policy)


def feed_job_id(name: str) -> str:
    return FEED_JOB_PREFIX + name


def _utcnow() -> datetime:
    return datetime.now(UTC)


# ---------------------------------------------------------------- the calls into the tracker


class Pipeline:
    """Every call the watcher makes into the tracker: each one a call of the `Tracker` facade.

    The facade normally reads the record folders itself; the watcher runs the records
    of a `RecordKeeper` instead (the last good version of each file), installed with
    `Tracker.use_records` whenever the keeper holds a new set.
    """

    def __init__(
        self,
        tracker: Tracker,
        keeper: RecordKeeper,
        config: Config,
        settings: PollSettings,
        time_scale: float,
    ) -> None:
        self.tracker = tracker
        self.keeper = keeper
        self.config = config
        self.settings = settings
        self.time_scale = time_scale
        #: Set on a shared database: every poll is made under this watcher's lease.
        self.lease: Lease | None = None
        self._installed: RecordSet | None = None
        self._install_lock = threading.Lock()

    @property
    def records(self) -> RecordSet:
        """The record set running now (installed in the tracker)."""
        return self.install()

    def install(self) -> RecordSet:
        """Hand the keeper's current record set to the tracker, if it is not there yet."""
        if self.keeper.current is None:
            self.keeper.load()
        current = self.keeper.current
        assert current is not None
        if current is not self._installed:
            with self._install_lock:
                if current is not self._installed:
                    feeds = [self.scaled(f) for f in current.feeds]
                    # Statement files with no good version to run: reports refuse to leave them out.
                    unresolved = [p for p in current.problems if p.file in current.unresolved]
                    self.tracker.use_records(
                        current.statements,
                        feeds,
                        current.matcher,
                        problems=[p for p in unresolved if p.file.parent.name == "commitments"],
                    )
                    self._installed = current
        return current

    # -- feeds

    def scaled(self, feed: Feed) -> Feed:
        return feed if self.time_scale == 1.0 else replace(feed, interval=feed.interval * self.time_scale)

    def poll(self, feeds: Sequence[Feed]) -> list[PollResult]:
        """Poll the feeds that are due (one pass); new articles are matched at once."""
        self.install()
        return self.tracker.poll_feeds(
            [f.name for f in feeds], due_only=True, settings=self.settings, lease=self.lease
        )

    def poll_now(self, names: Sequence[str]) -> list[PollResult]:
        """Poll these feeds now, due or not (someone asked), as `tracker fetch` would.

        Not forced: conditional requests, and a feed backing off after errors (or told
        to wait by Retry-After) keeps waiting, since hammering a failing server helps nobody.
        """
        self.install()
        return self.tracker.poll_feeds(list(names), settings=self.settings, lease=self.lease)

    def take_poll_requests(self) -> list[str | None]:
        return self.tracker.take_poll_requests()

    def feed_states(self) -> dict[str, FeedState]:
        return self.tracker.feed_states()

    # -- rules and statuses

    def rules_stale(self) -> bool:
        """True when the stored signals were not all matched by the rules running now."""
        self.install()
        return self.tracker.rules_changed()

    def rematch(self, records: RecordSet) -> MatchSummary:
        self.install()
        return self.tracker.match()

    def refresh_statuses(self, reason: str | None = None) -> int:
        self.install()
        return self.tracker.refresh_statuses(reason=reason)

    def maintain(self) -> None:
        self.tracker.maintain()

    # -- reports

    def write_report(self, spec: ReportSpec, day: str) -> Path:
        """Render a scheduled report as `tracker export` would and write it atomically."""
        self.install()
        text = self.tracker.export(
            spec.format,
            what=spec.what,
            statement_ids=spec.statement,
            statuses=spec.status,
            parties=spec.party,
            tags=spec.tag,
        )
        root = self.tracker.workspace.root
        path = spec.path(root, day)
        if not path.parent.is_dir():
            # As `tracker export -o` and `backup`: a typo in a folder must not create a tree of
            # folders nobody reads. Only a folder directly in the workspace (reports/) is made.
            if path.parent.parent.resolve() != root.resolve():
                raise UsageError(f"folder: {path.parent} does not exist; create it or fix tracker.yaml")
            path.parent.mkdir()
        _write_atomically(path, text.encode("utf-8"))
        return path

    # -- alerts

    def digest(self, since: datetime, until: datetime, history_after_id: int | None) -> Digest:
        self.install()
        return self.tracker.digest(since, until, history_after_id=history_after_id)

    def signals_after(self, after_id: int, limit: int) -> list[NewSignal]:
        return self.tracker.signals_after(after_id, limit=limit)

    def count_signals_after(self, after_id: int) -> int:
        return self.tracker.count_signals_after(after_id)

    def last_ids(self) -> tuple[int, int]:
        """The newest signal id and status-history id."""
        return self.tracker.last_ids()

    def mark(self, name: str) -> str | None:
        return self.tracker.mark(name)

    def set_mark(self, name: str, value: str | int) -> None:
        self.tracker.set_mark(name, value)

    def time_mark(self, name: str) -> datetime | None:
        return self.tracker.time_mark(name)

    def set_time_mark(self, name: str, moment: datetime) -> None:
        self.tracker.set_time_mark(name, moment)


def _findable(program: str, cwd: Path) -> bool:
    """Hooks run in the workspace: `./hooks/mail.sh` is found there, `mail` on PATH."""
    if os.sep in program:
        return (cwd / program).exists()
    return shutil.which(program) is not None


def _one_line(exc: TrackerError) -> str:
    """An error for the log: a record error's problems (file:line: field: message) on one line."""
    if isinstance(exc, RecordError):
        hint = f"; {exc.HINT}" if hasattr(exc, "HINT") else ""
        return "; ".join(str(p) for p in exc.problems) + hint
    return str(exc)


def _write_atomically(path: Path, data: bytes) -> None:
    """Readers (a sync client, a web server) see yesterday's file or today's, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


# ---------------------------------------------------------------- counters for the heartbeat


@dataclass
class Counters:
    """What happened since the last heartbeat; read and reset by it."""

    polls: int = 0
    errors: int = 0
    new_articles: int = 0
    alerts: int = 0
    failed_jobs: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, **amounts: int) -> None:
        with self._lock:
            for name, amount in amounts.items():
                setattr(self, name, getattr(self, name) + amount)

    def take(self) -> dict[str, int]:
        with self._lock:
            taken = {"polls": self.polls, "errors": self.errors, "new_articles": self.new_articles}
            taken |= {"alerts": self.alerts, "failed_jobs": self.failed_jobs}
            self.polls = self.errors = self.new_articles = self.alerts = self.failed_jobs = 0
        return taken


# ---------------------------------------------------------------- the watcher


class Watcher:
    """The scheduler, its jobs and their lifecycle over one Tracker (whose lock is held)."""

    def __init__(
        self, tracker: Tracker, *, config: Config | None = None, options: WatchOptions | None = None
    ) -> None:
        self.tracker = tracker
        self.options = options or WatchOptions()
        if config is None:
            config, self.config_problems = load_config(tracker.workspace.config_path)
        else:
            self.config_problems = []
        self.config = config
        self.zone = config.zone()
        self.keeper = RecordKeeper(tracker.workspace)
        scale = self.options.time_scale
        self.pipeline = Pipeline(
            tracker, self.keeper, config, scaled_settings(scale, self.options.fetch), scale
        )
        self.counters = Counters()
        #: This process among the watchers of a shared database (host, pid, start).
        self.watcher_id = f"{socket.gethostname()}:{os.getpid()}:{int(time.time())}"
        self.shared = tracker.shared
        if self.shared:
            self.pipeline.lease = Lease(self.watcher_id, self.options.lease_ttl)
        self.failed_jobs = 0
        self.stopping = threading.Event()
        self._stop_requested = False
        self._active = 0
        self._idle = threading.Condition()
        self._files: FileWatcher | None = None
        self.scheduler = BackgroundScheduler(
            executors={
                "default": ThreadPoolExecutor(2),
                "feeds": ThreadPoolExecutor(max(1, self.options.feed_workers)),
            },
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
            timezone=self.zone,
        )
        self.scheduler.add_listener(
            self._on_event, EVENT_JOB_ERROR | EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES
        )

    @property
    def grace(self) -> float:
        if self.options.shutdown_grace is not None:
            return self.options.shutdown_grace
        return self.config.shutdown_grace.total_seconds()

    # ------------------------------------------------------------ running

    def run_forever(self) -> WatchOutcome:
        """Start, wait for `request_stop` (a signal) and shut down; returns how it ended."""
        try:
            self.start()
        except BaseException:
            self.shutdown()  # threads already started must not keep the process alive
            raise
        while not self._stop_requested:
            time.sleep(STOP_POLL)
        return self.shutdown()

    def run_once(self) -> WatchOutcome:
        """One pass of everything due, then return (`tracker watch --once`, for cron)."""
        self._prepare()
        if self.shared:
            self.tracker.register_watcher(self.watcher_id, socket.gethostname(), os.getpid())
        try:
            return self._run_once_steps()
        finally:
            if self.shared:
                self._leave()

    def _run_once_steps(self) -> WatchOutcome:
        steps: list[tuple[str, Callable[[], Any]]] = [("rematch", self.rematch)]
        steps.append(("poll-requests", self.answer_poll_requests))
        steps.append(("poll", self._poll_due_feeds))
        if self.config.on_signal:
            steps.append(("alerts", self.send_signal_alerts))
        now = _utcnow()
        for job_id, at, job in self._daily_jobs():
            if daily_due(self.pipeline.time_mark(f"last_run.{job_id}"), at, now, self.zone):
                steps.append((job_id, partial(self._run_daily, job_id, at, job)))
        for name, step in steps:
            if self._stop_requested:
                log.info("stopping before %s: a stop was requested", name)
                break
            self._guarded(step, label=name)()
        return WatchOutcome(once=True, failed_jobs=self.failed_jobs)

    def start(self) -> None:
        """Load records, arm every job, start the scheduler and the file watcher."""
        self._prepare()
        if self.shared:
            self.tracker.register_watcher(self.watcher_id, socket.gethostname(), os.getpid())
        self._schedule()
        self.scheduler.start()
        if self.options.watch_files:
            self._files = FileWatcher(
                self.tracker.workspace.record_dirs, self.reload, debounce_ms=self.options.reload_debounce_ms
            )
            self._files.start()
        feeds = [f for f in self.pipeline.records.feeds if f.enabled]
        log.info(
            "watching %d feed(s) in %s (pid %d)",
            len(feeds),
            self.tracker.workspace.root,
            os.getpid(),
            extra={"event": "start", "feeds": len(feeds)},
        )

    def request_stop(self, signum: int | None = None, _frame: FrameType | None = None) -> None:
        """Ask `run_forever` to stop. Safe in a signal handler: it only sets a flag."""
        self._stop_requested = True

    # kept for callers of the first version
    stop = request_stop

    def shutdown(self) -> WatchOutcome:
        """Stop taking jobs, let the ones in flight finish (within the grace), stop threads."""
        grace = self.grace
        log.info("stopping: letting the job in flight finish (at most %g s)", grace)
        self.stopping.set()
        if self._files is not None:
            self._files.stop()
        if self.scheduler.running:
            # Queued runs still start after this, and return at once: `_guarded` sees `stopping`.
            self.scheduler.shutdown(wait=False)
        finished = self._wait_idle(grace)
        if self.shared:
            self._leave()
        if finished:
            log.info("stopped", extra={"event": "stop"})
        else:
            log.warning(
                "stopped with %d job(s) still running after %g s; what they had not committed is "
                "rolled back by the database",
                self._active,
                grace,
                extra={"event": "stop", "abandoned": self._active},
            )
        return WatchOutcome(once=False, finished=finished, failed_jobs=self.failed_jobs)

    def _leave(self) -> None:
        """Give the feeds back to the other watchers at once and leave the list."""
        try:
            self.tracker.unregister_watcher(self.watcher_id)
        except TrackerError as exc:  # the server is gone: the leases expire by themselves
            log.warning("could not unregister from the shared database: %s", exc)

    def presence(self) -> None:
        """Tell the shared database this watcher is alive (`tracker watchers`)."""
        self.tracker.watcher_seen(self.watcher_id)

    def _wait_idle(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._active:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(min(left, STOP_POLL))
        return True

    # ------------------------------------------------------------ setting up

    def _prepare(self) -> None:
        for problem in self.config_problems:
            log.warning("config problem: %s", problem, extra={"event": "config_problem"})
        for key, argv in (("on_signal", self.config.on_signal), ("on_digest", self.config.on_digest)):
            if argv and not _findable(argv[0], self.tracker.workspace.root):
                log.warning("%s: %r is not a program on PATH (or a file); the hook will fail", key, argv[0])
        self._log_records(self.keeper.load())
        self._init_marks()

    def _init_marks(self) -> None:
        """The first start with a hook must not hand it the whole history."""
        last_signal, last_history = self.pipeline.last_ids()
        if self.config.on_signal and self.pipeline.mark("signal_hook.after") is None:
            self.pipeline.set_mark("signal_hook.after", last_signal)
        if self.config.on_digest and self.pipeline.mark("digest.history_after") is None:
            self.pipeline.set_mark("digest.history_after", last_history)

    def _schedule(self) -> None:
        self._sync_feed_jobs()
        now = _utcnow()
        for job_id, at, job in self._daily_jobs():
            due = daily_due(self.pipeline.time_mark(f"last_run.{job_id}"), at, now, self.zone)
            self.scheduler.add_job(
                self._guarded(partial(self._run_daily, job_id, at, job), label=job_id),
                CronTrigger(hour=at.hour, minute=at.minute, timezone=self.zone),
                id=job_id,
                name=job_id,
                **({"next_run_time": now} if due else {}),  # missed while stopped: catch up once
            )
        if self.config.on_signal:
            self.scheduler.add_job(
                self._guarded(self.send_signal_alerts, label="alerts"),
                IntervalTrigger(seconds=self.options.alert_every.total_seconds(), timezone=UTC),
                id="alerts",
                name="alerts",
                next_run_time=now,
            )
        self.scheduler.add_job(
            self._guarded(self.answer_poll_requests, label="poll-requests"),
            IntervalTrigger(seconds=self.options.requests_every.total_seconds(), timezone=UTC),
            id="poll-requests",
            name="poll-requests",
            next_run_time=now,
        )
        if self.shared:
            self.scheduler.add_job(
                self._guarded(self.presence, label="presence"),
                IntervalTrigger(seconds=self.options.presence_every.total_seconds(), timezone=UTC),
                id="presence",
                name="presence",
            )
        self.scheduler.add_job(
            self._guarded(self.heartbeat, label="heartbeat"),
            IntervalTrigger(seconds=self.options.heartbeat_every.total_seconds(), timezone=UTC),
            id="heartbeat",
            name="heartbeat",
        )
        if self.pipeline.rules_stale():
            self._run_soon("rematch", self.rematch)

    def _daily_jobs(self) -> list[tuple[str, clock_time, Callable[[datetime], Any]]]:
        jobs: list[tuple[str, clock_time, Callable[[datetime], Any]]] = [
            ("daily:statuses", self.config.daily_at, self.refresh_statuses),
            ("daily:maintenance", self.config.daily_at, self.maintain),
        ]
        jobs += [(spec.job_id, spec.at, partial(self.write_report, spec)) for spec in self.config.reports]
        if self.config.on_digest:
            jobs.append(("digest", self.config.digest_at, self.send_digest))
        return jobs

    def _run_soon(self, job_id: str, job: Callable[[], Any]) -> None:
        """A one-off run now, on the default pool (rematch, refresh after a reload)."""
        if self.stopping.is_set():
            return
        self.scheduler.add_job(
            self._guarded(job, label=job_id), id=job_id, name=job_id, replace_existing=True
        )

    # ------------------------------------------------------------ feed jobs

    def _sync_feed_jobs(self) -> None:
        """One job per enabled feed: add the new, drop the removed, re-arm the edited."""
        feeds = {feed_job_id(f.name): f for f in self.pipeline.records.feeds if f.enabled}
        existing = {job.id for job in self.scheduler.get_jobs() if job.id.startswith(FEED_JOB_PREFIX)}
        for job_id in existing - feeds.keys():
            self._remove_job(job_id)
        states = self.pipeline.feed_states()
        now = _utcnow()
        for job_id, feed in feeds.items():
            state = states.get(feed.name)
            first = first_run(feed, state, now)
            if job_id in existing:
                if first <= now:  # its URL was edited, or it was never polled
                    self._modify(job_id, next_run_time=now)
                continue
            self.scheduler.add_job(
                self._guarded(self.poll_feed, feed.name, label=job_id),
                self._fallback_trigger(feed),
                id=job_id,
                name=job_id,
                executor="feeds",
                next_run_time=first,
                replace_existing=True,
            )

    def _fallback_trigger(self, feed: Feed) -> IntervalTrigger:
        interval = self.pipeline.scaled(feed).interval
        jitter = min(interval * 0.1, MAX_JITTER * self.options.time_scale).total_seconds()
        return IntervalTrigger(
            seconds=max(interval.total_seconds(), 0.001), jitter=jitter or None, timezone=UTC
        )

    def poll_feed(self, name: str) -> None:
        """The job of one feed: poll it if due, then re-arm at its stored next-due time."""
        feed = self.pipeline.records.feed(name)
        if feed is None or not feed.enabled:
            self._remove_job(feed_job_id(name))
            return
        next_due: datetime | None = None
        try:
            for result in self.pipeline.poll([feed]):
                self._log_poll(result)
                next_due = result.next_due
        finally:
            self._rearm(feed, next_due)

    def _rearm(self, feed: Feed, next_due: datetime | None) -> None:
        if self.stopping.is_set():
            return
        scale = self.options.time_scale
        when = rearm_time(next_due, _utcnow(), self.pipeline.scaled(feed).interval, MIN_REARM * scale)
        self._modify(feed_job_id(feed.name), next_run_time=when)

    def answer_poll_requests(self) -> int:
        """Poll what `tracker poll-now` and the dashboard asked for, at once; how many feeds.

        A request names a feed or none (every enabled feed). Each polled feed's job is
        re-armed from its new next-due time, as after a scheduled poll.
        """
        wanted = self.pipeline.take_poll_requests()
        if not wanted:
            return 0
        feeds = {f.name: f for f in self.pipeline.records.feeds}
        if None in wanted:
            names = [name for name, feed in feeds.items() if feed.enabled]
        else:
            names = [name for name in dict.fromkeys(n for n in wanted if n) if name in feeds]
        log.info("poll requested: %s", ", ".join(names) or "no known feed", extra={"event": "poll_request"})
        if not names:
            return 0
        for result in self.pipeline.poll_now(names):
            self._log_poll(result)
            feed = feeds.get(result.feed)
            if feed is not None and feed.enabled:
                self._rearm(feed, result.next_due)
        return len(names)

    def _poll_due_feeds(self) -> None:
        feeds = [f for f in self.pipeline.records.feeds if f.enabled]
        for result in self.pipeline.poll(feeds):
            self._log_poll(result)

    def _log_poll(self, result: PollResult) -> None:
        fields = {
            "event": "poll",
            "feed": result.feed,
            "status": result.status,
            "new": result.new,
            "updated": result.updated,
            "http_status": result.http_status,
            "seconds": round(result.elapsed, 3),
            "next_due": result.next_due.isoformat(timespec="seconds") if result.next_due else None,
        }
        if result.status == "skipped":
            log.debug("feed=%s skipped: %s", result.feed, result.note, extra=fields)
            return
        self.counters.add(polls=1, new_articles=result.new)
        if self.shared:
            try:
                self.tracker.watcher_seen(self.watcher_id, polled=result.feed)
            except TrackerError as exc:
                log.warning("could not record the poll in the shared database: %s", exc)
        if result.status in ("error", "gone"):
            self.counters.add(errors=1)
            log.warning(
                "feed=%s status=%s error=%r next=%s",
                result.feed,
                result.status,
                result.error,
                fields["next_due"],
                extra=fields | {"error": result.error, "error_kind": result.error_kind},
            )
            return
        log.info(
            "feed=%s status=%s new=%d updated=%d next=%s",
            result.feed,
            result.status,
            result.new,
            result.updated,
            fields["next_due"],
            extra=fields,
        )
        for warning in result.warnings:
            log.warning("feed=%s warning: %s", result.feed, warning, extra=fields)
        if (result.new or result.updated) and self.config.on_signal:
            self._modify("alerts", next_run_time=_utcnow())  # hand new signals over now

    # ------------------------------------------------------------ other jobs

    def rematch(self) -> None:
        """Re-run every rule over the stored articles while they were matched by other rules.

        Loops, because the rules may change again while a long re-match runs (a second
        request for the job is then skipped by `max_instances`).
        """
        while not self.stopping.is_set() and self.pipeline.rules_stale():
            records = self.pipeline.records
            if records.unresolved:
                names = ", ".join(str(p) for p in records.unresolved)
                log.warning(
                    "the rules differ from those the stored signals were matched with, but %s "
                    "have problems: re-matching waits until they are fixed (`tracker check`)",
                    names,
                )
                return
            summary = self.pipeline.rematch(records)
            log.info(
                "rules re-matched: %d article(s), %d link(s), %d added, %d retracted in %.1f s",
                summary.articles,
                summary.links,
                summary.added,
                summary.retracted,
                summary.seconds,
                extra={"event": "rematch", **summary.as_dict()},
            )

    def refresh_statuses(self, _occurrence: datetime | None = None, *, reason: str | None = None) -> None:
        changed = self.pipeline.refresh_statuses(reason)
        log.info("statuses: %d change(s) recorded", changed, extra={"event": "statuses", "changes": changed})

    def maintain(self, _occurrence: datetime | None = None) -> None:
        started = time.monotonic()
        self.pipeline.maintain()
        log.info(
            "database checkpointed and optimised in %.1f s",
            time.monotonic() - started,
            extra={"event": "maintenance"},
        )

    def write_report(self, spec: ReportSpec, occurrence: datetime) -> None:
        day = occurrence.astimezone(self.zone).date().isoformat()
        try:
            path = self.pipeline.write_report(spec, day)
        except NotFoundError as exc:  # a filter names a statement the records no longer have
            log.error("report %s not written: %s (tracker.yaml)", spec.name, exc, extra={"event": "report"})
            return
        except TrackerError as exc:  # incomplete (a commitment file does not load), missing folder
            log.error("report %s not written: %s", spec.name, _one_line(exc), extra={"event": "report"})
            return
        log.info("report %s written to %s", spec.name, path, extra={"event": "report", "path": str(path)})

    def _run_daily(self, job_id: str, at: clock_time, job: Callable[[datetime], Any]) -> None:
        now = _utcnow()
        occurrence = last_occurrence(at, now, self.zone)
        if not self.shared:
            job(occurrence)
            self.pipeline.set_time_mark(f"last_run.{job_id}", now)
            return
        # Several watchers: the first to claim today's run does it; a failure gives it back.
        taken, previous = self.tracker.claim_daily_run(f"last_run.{job_id}", occurrence)
        if not taken:
            log.info("%s: already done today by another watcher", job_id, extra={"event": "daily_skipped"})
            return
        try:
            job(occurrence)
        except BaseException:
            self.tracker.restore_daily_mark(f"last_run.{job_id}", previous)
            raise

    def send_signal_alerts(self) -> int:
        """Hand each signal made since the last pass to `on_signal`; how many were handed over."""
        argv = self.config.on_signal
        if not argv:
            return 0
        after = int(self.pipeline.mark("signal_hook.after") or 0)
        limit = self.config.on_signal_limit or 100_000  # 0: no limit
        pending = self.pipeline.signals_after(after, limit)
        index = commitment_index(list(self.pipeline.records.statements))
        sent = 0
        for item in pending:
            if self.stopping.is_set():
                return sent
            payload = signal_payload(item, index, self.tracker.workspace.root)
            self._run_hook("on_signal", argv, payload, signal=item.id)
            self.pipeline.set_mark("signal_hook.after", item.id)
            sent += 1
        if len(pending) == limit and pending:
            self._skip_flood(pending[-1].id, limit)
        return sent

    def _skip_flood(self, last_sent: int, limit: int) -> None:
        skipped = self.pipeline.count_signals_after(last_sent)
        if skipped:
            self.pipeline.set_mark("signal_hook.after", self.pipeline.last_ids()[0])
            log.warning(
                "%d more new signal(s) not handed to on_signal (on_signal_limit is %d per pass); "
                "`tracker digest` lists them",
                skipped,
                limit,
                extra={"event": "alerts_skipped", "skipped": skipped},
            )

    def send_digest(self, _occurrence: datetime | None = None) -> None:
        """Hand the digest since the last one to `on_digest`; a failed hand-over is retried next time."""
        now = _utcnow()
        since = self.pipeline.time_mark("digest.until") or now - timedelta(hours=24)
        after = self.pipeline.mark("digest.history_after")
        try:
            digest = self.pipeline.digest(since, now, int(after) if after is not None else None)
        except RecordError as exc:  # the marks stay: the next digest covers this period too
            log.error("digest not sent: %s", _one_line(exc), extra={"event": "digest"})
            return
        if digest.empty:
            log.info("digest: nothing new since %s", since.isoformat(timespec="seconds"))
        else:
            payload = digest_payload(digest, self.tracker.workspace.root)
            if not self._run_hook("on_digest", self.config.on_digest, payload):
                return  # the marks stay: the next digest covers this period too
        self.pipeline.set_time_mark("digest.until", digest.until)
        if digest.last_history_id:
            self.pipeline.set_mark("digest.history_after", max(int(after or 0), digest.last_history_id))

    def _run_hook(self, name: str, argv: Sequence[str], payload: dict[str, Any], **fields: Any) -> bool:
        result = run_hook(
            argv,
            payload,
            timeout=self.config.hook_timeout.total_seconds(),
            cwd=self.tracker.workspace.root,
            event=str(payload.get("event", "")),
        )
        extra = {"event": "hook", "hook": name, "seconds": round(result.seconds, 3), **fields}
        if result.ok:
            self.counters.add(alerts=1)
            log.info("%s ran in %.1f s", name, result.seconds, extra=extra)
        else:
            log.warning("%s failed: %s %s", name, result.error, result.stderr[-500:], extra=extra)
        return result.ok

    def heartbeat(self) -> None:
        """An hourly line that says the watcher is alive and what it did."""
        counts = self.counters.take()
        upcoming = [
            job.next_run_time
            for job in self.scheduler.get_jobs()
            if job.id.startswith(FEED_JOB_PREFIX) and job.next_run_time
        ]
        following = min(upcoming).isoformat(timespec="seconds") if upcoming else "none"
        described = " ".join(f"{k}={v}" for k, v in counts.items())
        log.info("alive: %s next_poll=%s", described, following, extra={"event": "heartbeat", **counts})

    # ------------------------------------------------------------ reloading

    def reload(self, changed: set[Path] | None = None) -> ReloadReport:
        """Read the record files again (called by the file watcher); act on what changed."""
        if changed:
            log.info("record files changed: %s", ", ".join(sorted(str(p) for p in changed)))
        report = self.keeper.load()
        self._log_records(report)
        if self.scheduler.running and not self.stopping.is_set():
            if report.feeds_changed:
                self._sync_feed_jobs()
            if report.rules_changed:
                self._run_soon("rematch", self.rematch)
            if report.statements_changed:
                self._run_soon("refresh", partial(self.refresh_statuses, reason="records changed"))
        return report

    def _log_records(self, report: ReloadReport) -> None:
        records = report.records
        for problem in records.problems:
            log.warning(
                "record problem: %s", problem, extra={"event": "record_problem", "field": problem.field}
            )
        for path in records.kept:
            log.warning("%s has problems: its last good version keeps running until it is fixed", path)
        changes = [
            name
            for name, changed in (
                ("statements", report.statements_changed),
                ("rules", report.rules_changed),
                ("feeds", report.feeds_changed),
            )
            if changed and report.previous is not None
        ]
        log.info(
            "records %s: %d statement(s), %d rule(s), %d feed(s)%s",
            "loaded" if report.previous is None else "reloaded",
            len(records.statements),
            len(records.matcher.rules),
            len(records.feeds),
            f"; changed: {', '.join(changes)}" if changes else "",
            extra={"event": "records", "problems": len(records.problems), "kept": len(records.kept)},
        )

    # ------------------------------------------------------------ job plumbing

    def _guarded(self, job: Callable[..., Any], *args: Any, label: str | None = None) -> Callable[[], None]:
        """The job as the scheduler runs it: skipped once stopping, counted, never raising."""
        name = label or f"{getattr(job, '__name__', 'job')}{args!r}"

        def run() -> None:
            with self._idle:
                if self.stopping.is_set():
                    return
                self._active += 1
            try:
                job(*args)
            except TrackerError as exc:  # a full disk, a vanished database: said in one line
                self._count_failure()
                extra = {"event": "job_error", "job": name}
                log.error("job %s failed: %s; the other jobs go on", name, exc, extra=extra)
            except Exception:
                self._count_failure()
                log.exception(
                    "job %s raised; the other jobs go on", name, extra={"event": "job_error", "job": name}
                )
            finally:
                with self._idle:
                    self._active -= 1
                    self._idle.notify_all()

        run.__name__ = run.__qualname__ = name
        return run

    def _on_event(self, event: JobEvent) -> None:
        """APScheduler's own reports: the second line of defence behind `_guarded`."""
        if event.code == EVENT_JOB_ERROR and isinstance(event, JobExecutionEvent):
            self._count_failure()
            log.error("job %s failed: %r", event.job_id, event.exception, extra={"event": "job_error"})
        elif event.code == EVENT_JOB_MISSED:
            log.warning("job %s missed its run", event.job_id)
        elif event.code == EVENT_JOB_MAX_INSTANCES:
            log.debug("job %s is still running; this run is skipped", event.job_id)

    def _count_failure(self) -> None:
        with self._idle:
            self.failed_jobs += 1
        self.counters.add(failed_jobs=1)

    def _modify(self, job_id: str, **changes: Any) -> None:
        with suppress(JobLookupError):  # removed meanwhile (feed deleted, watcher stopping)
            self.scheduler.modify_job(job_id, **changes)

    def _remove_job(self, job_id: str) -> None:
        with suppress(JobLookupError):
            self.scheduler.remove_job(job_id)


# ---------------------------------------------------------------- entry point


def watch(
    tracker: Tracker,
    *,
    once: bool = False,
    verbose: bool = False,
    options: WatchOptions | None = None,
) -> WatchOutcome:
    """Hold the workspace lock, log to .tracker/watch.log, and watch (or make one pass).

    Raises LockedError, naming the holder, when another watcher has the workspace.
    """
    # On a shared database (PostgreSQL) any number of watchers run, on any machines: each
    # feed is leased to one of them per poll. The file lock is SQLite's one-writer rule.
    lock = nullcontext() if tracker.shared else WatchLock(tracker.workspace.state_dir)
    with lock:
        handler = logs.file_handler(tracker.workspace.state_dir, verbose=verbose)
        with logs.logging_to(handler, verbose=verbose):
            tracker.owns_watch_lock = True
            try:
                watcher = Watcher(tracker, options=options)
                with _stop_on_signals(watcher):
                    return watcher.run_once() if once else watcher.run_forever()
            finally:
                tracker.owns_watch_lock = False


@contextmanager
def _stop_on_signals(watcher: Watcher) -> Iterator[None]:
    """SIGINT/SIGTERM ask the watcher to stop; a second one ends the process at once."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        watcher.request_stop(signum, frame)
        # Nothing is lost by dying now: SQLite rolls back any transaction not committed.
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
