"""The Textual dashboard: one App, three modes (commitments, feeds, articles), one factory.

`build_app(tracker, monitor=...)` is the only way the CLI and the tests make the app
(posting's pattern), so what the tests drive is what the analyst runs.

Live data, without "database is locked":
- a refresh timer asks the core for the database's data version every few seconds
  (two pragmas) and, only when someone committed, bumps `data_version`; screens
  watch that reactive and reload their view, so what a separate `tracker watch`
  writes appears by itself;
- feed polling (scheduled when `monitor` is on, or asked for on the feeds screen)
  runs in a thread worker with its own `Tracker`, i.e. its own SQLite connection, so
  a long poll never holds the dashboard's connection; SQLite's WAL mode and
  busy_timeout make the two connections wait for each other instead of failing.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.reactive import reactive
from textual.screen import ModalScreen, Screen
from textual.worker import Worker, WorkerState, get_current_worker

from tracker.core import Tracker
from tracker.errors import LockedError, TrackerError
from tracker.tui import themes
from tracker.tui.browser import open_link
from tracker.tui.commands import TrackerCommands
from tracker.tui.host import SessionReview
from tracker.tui.messages import ActionFailed, PollFinished, PollProgress
from tracker.tui.screens.articles import ArticlesScreen
from tracker.tui.screens.commitment import CommitmentScreen
from tracker.tui.screens.commitments import CommitmentsScreen
from tracker.tui.screens.feeds import FeedsScreen
from tracker.tui.screens.help import HelpScreen
from tracker.tui.widgets.safe import safe_content
from tracker.tui.words import poll_summary
from tracker.types import Overview, PollResult, Timeline

Clock = Callable[[], datetime]

#: Seconds between checks for writes by other processes (a cheap pragma).
REFRESH_SECONDS = 3.0
#: How long the listener waits for a notification before it looks at its cancellation.
LISTEN_SECONDS = 1.0
#: Seconds between scheduled polls of the feeds that are due (when monitoring).
POLL_SECONDS = 60.0

#: 1, 2, 3 show as one "123 Screens" entry in the footer.
SCREENS = Binding.Group("Screens", compact=True)
LIGHT_THEME = themes.LIGHT
DARK_THEME = themes.DARK


class TrackerApp(App[None]):
    """The dashboard. Screens read the core through `self.app.tracker`; writes are core calls."""

    CSS_PATH = "app.tcss"
    TITLE = "Commitment tracker"
    MODES: ClassVar[dict[str, str | Callable[[], Screen[Any]]]] = {
        "commitments": CommitmentsScreen,
        "feeds": FeedsScreen,
        "articles": ArticlesScreen,
    }
    DEFAULT_MODE = "commitments"
    COMMANDS = App.COMMANDS | {TrackerCommands}
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]] | None] = [(0, "-narrow"), (120, "-wide")]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "go('commitments')", "Commitments", group=SCREENS),
        Binding("2", "go('feeds')", "Feeds", group=SCREENS),
        Binding("3", "go('articles')", "Articles", group=SCREENS),
        Binding("q", "back_or_quit", "Back/quit"),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("ctrl+t", "toggle_theme", "Light/dark", show=False),
        Binding("ctrl+r", "refresh_all", "Refresh feeds", show=False),
    ]

    #: Bumped whenever the database changed; screens watch it and reload.
    data_version: reactive[int] = reactive(0, init=False)
    #: (done, total, feed) while a poll runs, None when idle; the feeds screen shows it.
    poll_progress: reactive[tuple[int, int, str] | None] = reactive(None, init=False)

    def __init__(self, tracker: Tracker, *, monitor: bool, clock: Clock | None = None) -> None:
        super().__init__()
        self.tracker = tracker
        self.monitor = monitor
        self._clock = clock
        self._seen_version: tuple[int, int] | None = None
        self._overview_future: Future[Overview] | None = None
        self.session_reviews: list[SessionReview] = []
        self.sub_title = tracker.workspace.root.name
        self.register_theme(themes.TRACKER_DARK)
        self.register_theme(themes.TRACKER_LIGHT)
        self.ansi_theme_dark = themes.ANSI_DARK
        self.ansi_theme_light = themes.ANSI_LIGHT
        self.theme = DARK_THEME

    # -- time: one clock for every "3 hours ago", injectable so snapshots are stable

    def now(self) -> datetime:
        return self._clock() if self._clock else datetime.now(UTC)

    # -- lifecycle

    def on_load(self) -> None:
        """Start reading the overview while Textual sets up the terminal and the styles.

        The queries spend their time inside SQLite, which releases the GIL, so the
        two overlap and the first full paint comes sooner (see bench/bench_tui.py).
        """
        self._preload = ThreadPoolExecutor(max_workers=1, thread_name_prefix="overview")
        self._overview_future = self._preload.submit(self._read_first)
        self._preload.shutdown(wait=False)

    def _read_first(self) -> tuple[tuple[int, int] | None, Overview]:
        """The data version, then the overview without timelines (in the preload thread).

        The version is read here, not in `on_mount`, which would wait for this thread's
        queries to release the connection before Textual could go on setting up; read
        before the overview, a write in between is seen at the next check, not lost.
        """
        return self._probe(), self.tracker.overview(now=self.now(), timelines=False)

    def read_overview(self) -> Overview:
        """The commitments screen's data, from the core (callable from any thread)."""
        return self.tracker.overview(now=self.now())

    def read_timelines(self) -> dict[str, Timeline]:
        """Each commitment's signals per month, which the first overview leaves out (any thread)."""
        return self.tracker.overview_timelines(now=self.now())

    def first_overview(self) -> Overview:
        """The overview started in `on_load` (once; without timelines, which come after
        the first paint), else a fresh, whole one."""
        future, self._overview_future = self._overview_future, None
        if future is None:
            return self.read_overview()
        self._seen_version, overview = future.result()
        return overview

    def settle(self) -> None:
        """What the dashboard keeps is loaded: leave it out of the garbage collector's full passes.

        The records, the overview of 1,000 commitments and Textual's widgets are a few
        hundred thousand objects that live as long as the app. Python's collector
        walks every one of them in each full pass, which a busy screen triggers every
        few seconds: about 80 ms landing on whatever key was being handled (measured on
        opening a commitment: 209 ms against 118 ms with the collector off).
        `gc.freeze` moves what exists now out of its reach; garbage is still freed by
        reference counting, and everything made later is collected as usual.
        """
        gc.freeze()

    def on_unmount(self) -> None:
        """The dashboard closed: what `settle` froze may be collected again (tests run many apps)."""
        gc.unfreeze()

    def on_mount(self) -> None:
        problems = self.tracker.records.problems
        if problems:
            self.notify(
                f"{len(problems)} problem(s) in the records were skipped; run `tracker check` to see them",
                title="Records",
                severity="warning",
                timeout=10,
            )
        if self._overview_future is None:  # else the preload reads it (see `_read_first`)
            self._seen_version = self._probe()
        self.set_interval(REFRESH_SECONDS, self.check_for_changes, name="refresh")
        if self.tracker.shared:
            self.listen_for_changes()
        self.call_after_refresh(self.load_rules)
        if self.monitor:
            self.set_interval(POLL_SECONDS, self.poll_due_feeds, name="monitor")
            self.call_after_refresh(self.poll_due_feeds)

    def _probe(self) -> tuple[int, int] | None:
        try:
            return self.tracker.data_version()
        except TrackerError:
            return None

    def check_for_changes(self) -> None:
        """Timer: reload the views only when someone committed since the last check."""
        version = self._probe()
        if version != self._seen_version:
            self._seen_version = version
            self.data_version += 1

    @work(thread=True, exclusive=True, group="listen", exit_on_error=False)
    def listen_for_changes(self) -> None:
        """On a shared database: wake the refresh the moment another analyst or watcher
        commits (PostgreSQL LISTEN/NOTIFY), on a connection of its own. Notifications are
        not replayed after a lost connection: the timer above still compares versions."""
        worker = get_current_worker()
        listener = self.tracker.fork()
        try:
            while not worker.is_cancelled:
                try:
                    changed = listener.wait_for_change(LISTEN_SECONDS)
                except TrackerError:
                    return  # the server went away: the timer carries on
                if changed and not worker.is_cancelled:
                    self.call_from_thread(self.check_for_changes)
        finally:
            listener.close()

    def data_changed(self) -> None:
        """After one of our own writes: reload the views now rather than at the next tick."""
        self._seen_version = self._probe()
        self.data_version += 1

    @work(thread=True, exclusive=True, group="rules", exit_on_error=False)
    def load_rules(self) -> None:
        """Read the feed list and compile the rules after the first paint, off the event loop.

        Opening a commitment names each item's source by its feed's title, and the
        explanation panel orders a signal's hits by what each term did, which the rules
        say: read here, neither waits for its files when the analyst presses Enter.
        """
        # on failure the screens show names and unordered hits; `tracker check` names the problem
        with suppress(TrackerError, OSError):
            self.tracker.feeds()
        with suppress(TrackerError):
            self.tracker.load_matcher()

    # -- polling in a worker thread, with its own connection

    def poll_due_feeds(self) -> None:
        """Timer (monitoring on): poll the feeds whose time has come."""
        self.run_poll(None, manual=False)

    def action_refresh_all(self) -> None:
        self.run_poll(None, manual=True, force=True)

    @work(thread=True, exclusive=True, group="poll", exit_on_error=False)
    def run_poll(self, feeds: list[str] | None, *, manual: bool, force: bool = False) -> None:
        """Poll `feeds` (None: all; on the timer, only those due) in a thread, reporting progress.

        A second Tracker gives this thread its own connection; a `tracker watch`
        holding the workspace lock means someone else polls, so we only read.
        """
        worker = get_current_worker()
        own = self.tracker.fork()
        try:
            total = len(feeds) if feeds else len(own.feeds())
            done = 0

            def progress(result: PollResult) -> None:
                nonlocal done
                done += 1
                if not worker.is_cancelled:
                    self.post_message(PollProgress(done, total, result.feed))

            if manual:
                self.post_message(PollProgress(0, total, "starting"))
            results = own.poll_feeds(feeds, force=force, due_only=not manual, progress=progress)
            summary, errors = poll_summary(results)
            self.post_message(PollFinished(summary, errors, manual))
        except LockedError:
            if manual:
                # `tracker watch` polls this workspace: ask it, through the database.
                own.request_poll(feeds or [], by="dashboard")
                what = ", ".join(feeds) if feeds else "every feed"
                self.post_message(
                    PollFinished(
                        f"Asked the running `tracker watch` to poll {what} now; its results appear here",
                        manual=True,
                    )
                )
        except TrackerError as exc:
            self.post_message(ActionFailed("refresh", str(exc)))
        finally:
            own.close()

    def on_poll_progress(self, message: PollProgress) -> None:
        self.poll_progress = (message.done, message.total, message.feed)

    def on_poll_finished(self, message: PollFinished) -> None:
        self.poll_progress = None
        if message.manual or message.errors:
            self.notify(
                message.summary, title="Feeds", severity="warning" if message.errors else "information"
            )
        self.data_changed()

    def on_action_failed(self, message: ActionFailed) -> None:
        self.poll_progress = None
        self.notify(message.error, title=f"Could not {message.what}", severity="error", timeout=8)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place where an unexpected error in a background task reaches the analyst."""
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            error = event.worker.error
            self.poll_progress = None
            self.notify(f"{type(error).__name__}: {error}", title="Background task failed", severity="error")

    # -- navigation

    def open_commitment(self, commitment_id: str) -> None:
        """Show one commitment (from the table, the palette or an article)."""
        if self.current_mode != "commitments":
            self.switch_mode("commitments")
        self.push_screen(CommitmentScreen(commitment_id))

    def action_go(self, mode: str) -> None:
        """1, 2, 3: that screen's home, whatever was opened on top of it (a commitment)."""
        if self.current_mode != mode:
            self.switch_mode(mode)
        self.call_after_refresh(self._to_base)

    def _to_base(self) -> None:
        while len(self.screen_stack) > 1 and not isinstance(self.screen, ModalScreen):
            self.pop_screen()

    def action_back_or_quit(self) -> None:
        """q: back from a commitment, to the home screen from feeds or articles, else quit."""
        if len(self.screen_stack) > 1:
            self.pop_screen()
        elif self.current_mode != self.DEFAULT_MODE:
            self.switch_mode(self.DEFAULT_MODE)
        else:
            self.exit()

    def open_link(self, url: str) -> None:
        """`o`: the configured command, else $BROWSER, else the system's browser; or say why not.

        When nothing can open it (a server over SSH), the link is copied to the
        clipboard (through the terminal) so the analyst can paste it elsewhere.
        """
        try:
            how = open_link(url, self.tracker.browser_command)
        except OSError as exc:
            self.copy_to_clipboard(url)
            self.notify(
                f"{exc}. The link was copied to the clipboard.",
                title="Could not open the link",
                severity="warning",
                timeout=8,
            )
            return
        self.notify(f"Opened with {how}", timeout=2)

    def deliver_screenshot(
        self, filename: str | None = None, path: str | None = None, time_format: str | None = None
    ) -> str | None:
        """The palette's Screenshot: saved in the workspace's screenshots/ folder, and said where.

        Textual's default writes to ~/Downloads, which a server often lacks, and then
        reports only "Failed to save screenshot".
        """
        folder = Path(path) if path else self.tracker.workspace.root / "screenshots"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            saved = self.save_screenshot(filename, str(folder), time_format)
        except OSError as exc:
            self.notify(
                f"{folder}: {exc.strerror or exc}", title="Could not save the screenshot", severity="error"
            )
            return None
        self.notify(Content.assemble("Saved to ", safe_content(saved)), title="Screenshot", timeout=6)
        return None

    def format_title(self, title: str, sub_title: str) -> Content:
        """Textual's title with the sub-title in `$text-muted` rather than `dim` (2.9:1 on light)."""
        if not sub_title:
            return Content(title)
        return Content.assemble(
            Content(title), (" — ", "$text-muted"), Content.styled(sub_title, "$text-muted")
        )

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_toggle_theme(self) -> None:
        self.theme = LIGHT_THEME if self.theme == DARK_THEME else DARK_THEME

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand(
            "Light/dark theme", "Switch between the light and the dark theme", self.action_toggle_theme
        )
        yield SystemCommand(
            "Refresh all feeds", "Poll every feed now, in the background", self.action_refresh_all
        )
        yield SystemCommand("Help", "Keys of this screen and what the statuses mean", self.action_help)


def build_app(tracker: Tracker, *, monitor: bool, clock: Clock | None = None) -> TrackerApp:
    """The dashboard on `tracker`'s workspace; `monitor` polls feeds in the background.

    `clock` replaces the wall clock (tests and screenshots use a fixed one so that
    "3 hours ago" and the sparkline months do not change from day to day).
    """
    return TrackerApp(tracker, monitor=monitor, clock=clock)
