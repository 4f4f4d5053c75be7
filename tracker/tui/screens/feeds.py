"""Feeds: the health of every feed, and refreshing one or all of them now.

A refresh runs in the app's poll worker (a thread with its own database
connection); this screen shows its progress from the app's `poll_progress` and
reloads the table when the data version changes, so the interface never waits for
the network.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Header, ProgressBar, Static

from tracker.errors import TrackerError
from tracker.tui.layout import set_width_class
from tracker.tui.widgets.columns import set_columns
from tracker.tui.widgets.keybar import KeyBar
from tracker.tui.widgets.safe import safe_content, safe_text, shorten
from tracker.tui.widgets.table import FixedTable
from tracker.tui.words import ago, error_in_words, span
from tracker.types import FeedRow

if TYPE_CHECKING:
    from tracker.tui.host import DashboardHost

HEALTH_STYLES = {"ok": "green", "failing": "bold red", "disabled": "bright_black", "new": "yellow"}
COLUMNS = (
    ("name", "Feed", 16),
    ("health", "Health", 8),
    ("success", "Success", 10),
    ("failures", "Fails", 5),
    ("due", "Next due", 10),
    ("articles", "Articles", 8),
    ("error", "Last error", 0),
)


def health_cells(row: FeedRow, now: datetime) -> list[Text]:
    """The table cells of one feed; the error in words, the times relative to now."""
    return [
        safe_text(shorten(row.name, 16), "bold"),
        Text(row.health, HEALTH_STYLES.get(row.health, "")),
        Text(ago(row.last_success, now)),
        Text(str(row.failures), "bold red" if row.failures else "bright_black", justify="right"),
        Text(ago(row.next_due, now) if row.enabled else "–"),
        Text(str(row.articles), justify="right"),
        safe_text(error_in_words(row.last_error), "red"),
    ]


def detail(row: FeedRow, now: datetime) -> Content:
    """The highlighted feed in full: address, schedule, and the whole error in words."""
    interval = f"every {span(row.interval)}" if row.interval else "not in feeds/*.yaml any more"
    lines = [
        Content.assemble(safe_content(row.name, "bold"), "  ", safe_content(row.url, "underline")),
        Content(
            f"{interval} · last success {ago(row.last_success, now)} · next {ago(row.next_due, now)}"
            f" · {row.failures} consecutive failure(s) · {row.articles} articles"
        ),
    ]
    if row.last_error:
        lines.append(
            Content.assemble(
                ("Last error  ", "bold $text-error"), safe_content(error_in_words(row.last_error))
            )
        )
    return Content("\n").join(lines)


class FeedsScreen(Screen[None]):
    """Every feed; r refreshes the highlighted one, R all of them."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "refresh_one", "Refresh feed"),
        Binding("R", "refresh_all", "Refresh all"),
        Binding("escape", "app.switch_mode('commitments')", "Commitments", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, FeedRow] = {}
        self._width = 0

    @property
    def tracker_app(self) -> DashboardHost:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        set_width_class(self)
        yield Header()
        yield Static(id="feeds-summary")
        with Horizontal(id="poll-bar"):
            yield Static(id="poll-status")
            yield ProgressBar(id="poll-progress", show_eta=False)
        yield FixedTable(id="feeds", cursor_type="row", zebra_stripes=True)
        yield Static(id="feed-detail")
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one("#feeds", DataTable)
        set_columns(table, self.app.size.width, COLUMNS)
        self._width = self.app.size.width
        self.query_one("#poll-bar").display = False
        self.reload()
        self.watch(self.app, "data_version", self.reload, init=False)
        self.watch(self.app, "poll_progress", self._show_progress, init=False)
        table.focus()

    def on_resize(self) -> None:
        if self.app.size.width != self._width:
            self._width = self.app.size.width
            set_columns(self.query_one("#feeds", DataTable), self._width, COLUMNS)
            self.reload()

    def reload(self) -> None:
        tracker = self.tracker_app.tracker
        try:
            rows = tracker.feed_rows()
        except TrackerError as exc:
            self.notify(str(exc), title="Could not read the feeds", severity="error")
            return
        now = self.tracker_app.now()
        table = self.query_one("#feeds", FixedTable)
        keep = table.cursor_key()
        table.clear()
        self.rows = {row.name: row for row in rows}
        for row in rows:
            table.add_row(*health_cells(row, now), key=row.name)
        table.move_to_key(keep)
        self._show_detail()
        failing = sum(1 for r in rows if r.health == "failing")
        watcher = tracker.watcher()
        self.query_one("#feeds-summary", Static).update(
            safe_text(
                f"{len(rows)} feeds · {failing} failing · {sum(r.articles for r in rows)} articles"
                + (
                    f" · tracker watch polls ({watcher}): r/R ask it to poll now"
                    if watcher
                    else ("" if self.tracker_app.monitor else " · monitoring off (tracker ui --no-monitor)")
                )
            )
        )

    @on(DataTable.RowHighlighted, "#feeds")
    def _show_detail(self) -> None:
        row = self.rows.get(self.query_one("#feeds", FixedTable).cursor_key() or "")
        self.query_one("#feed-detail", Static).update(detail(row, self.tracker_app.now()) if row else "")

    def _show_progress(self, progress: tuple[int, int, str] | None) -> None:
        bar = self.query_one("#poll-bar")
        if progress is None:
            bar.display = False
            return
        done, total, feed = progress
        bar.display = True
        self.query_one("#poll-status", Static).update(safe_text(f"Polling {feed} ({done}/{total})"))
        self.query_one("#poll-progress", ProgressBar).update(total=max(total, 1), progress=done)

    def action_refresh_one(self) -> None:
        name = self.query_one("#feeds", FixedTable).cursor_key()
        if name is None:
            return
        self.tracker_app.run_poll([name], manual=True, force=True)
        self.notify(f"Refreshing {name}…", timeout=2)

    def action_refresh_all(self) -> None:
        self.tracker_app.run_poll(None, manual=True, force=True)
        self.notify("Refreshing every feed…", timeout=2)
