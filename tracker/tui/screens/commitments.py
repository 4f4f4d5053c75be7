"""Home screen: every commitment grouped by statement, with status, score and activity.

The view is a pure function of the overview (from the core), the filters, the search
text and the sort: `arrange` picks and orders the rows, the screen only renders
them. Reloading (a review elsewhere, a poll, another process writing) rebuilds the
overview in a worker thread and keeps the cursor on the same commitment.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Header, Input, Select, Static
from textual.worker import get_current_worker

from tracker.tui.layout import set_width_class
from tracker.tui.search import SearchEntry, build_index
from tracker.tui.widgets.badge import score_text, status_label, status_text
from tracker.tui.widgets.keybar import KeyBar
from tracker.tui.widgets.lazy import LazyText
from tracker.tui.widgets.safe import safe_content, safe_text, shorten
from tracker.tui.widgets.sparkline import sparkline_text
from tracker.tui.widgets.table import FixedTable
from tracker.types import Overview, OverviewRow, StatementSummary, Timeline

if TYPE_CHECKING:
    from tracker.tui.host import DashboardHost

#: Most urgent first: what an analyst should look at comes to the top when sorting by status.
STATUS_ORDER: tuple[str, ...] = (
    "overdue",
    "unreviewed",
    "not_fulfilled",
    "reversed",
    "stalled",
    "partial",
    "in_progress",
    "no_evidence",
    "not_verifiable",
    "fulfilled",
)
STATEMENT_KEY = "statement:"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    narrow: int
    wide: int
    sort: Callable[[OverviewRow], Any]


def _status_rank(row: OverviewRow) -> int:
    status = row.status.status
    return STATUS_ORDER.index(status) if status in STATUS_ORDER else len(STATUS_ORDER)


COLUMNS: tuple[Column, ...] = (
    Column("id", "ID", 9, 16, lambda r: r.commitment_id),
    Column("title", "Commitment", 0, 0, lambda r: r.title.casefold()),
    Column("status", "Status", 15, 16, _status_rank),
    Column("score", "Score", 3, 5, lambda r: -2 if r.score is None else r.score),
    Column("review", "Rev", 3, 9, lambda r: r.unreviewed),
    Column("evidence", "Ev", 3, 8, lambda r: r.evidence),
    Column("latest", "Latest", 0, 10, lambda r: r.latest_evidence or date.min),
    Column("signals", "Timeline", 8, 16, lambda r: sum(r.monthly)),
)
WIDE_LABELS = {"review": "To review", "evidence": "Evidence", "signals": "Signals over time"}
#: Terminals at least this wide get the wide column set.
WIDE_AT = 120
#: Statement lines under the figures: one per statement on a wide terminal, up to this many.
MAX_STATEMENT_LINES = 5
#: On a narrow terminal the statements share this many lines.
NARROW_STATEMENT_LINES = 2
#: Above this many commitments, the table follows the search box after a short pause in
#: typing instead of after every key, so typing never waits for a 1,000-row rebuild.
DEBOUNCE_ROWS = 300
DEBOUNCE_SECONDS = 0.15


@dataclass(frozen=True)
class Filters:
    """What the analyst narrowed the table to; None means "any"."""

    statement: str | None = None
    status: str | None = None
    party: str | None = None
    tag: str | None = None
    search: str = ""

    def keep(self, row: OverviewRow, entry: SearchEntry | None = None) -> bool:
        """Does `row` pass? The search looks in `entry` (every language) when given."""
        return (
            (self.statement is None or row.statement_id == self.statement)
            and (self.status is None or row.status.status == self.status)
            and (self.party is None or self.party in row.parties)
            and (self.tag is None or self.tag in row.tags)
            and (
                not self.search
                or row.matches(self.search)
                or (entry is not None and entry.matches(self.search))
            )
        )

    @property
    def active(self) -> bool:
        return self != Filters()


@dataclass(frozen=True)
class Sort:
    column: str = "id"
    reverse: bool = False


@dataclass
class Group:
    statement: StatementSummary
    rows: list[OverviewRow] = field(default_factory=list)


def arrange(
    overview: Overview, filters: Filters, sort: Sort, index: Mapping[str, SearchEntry] | None = None
) -> list[Group]:
    """The groups to show, in statement order, each sorted; empty groups are dropped."""
    column = next((c for c in COLUMNS if c.key == sort.column), COLUMNS[0])
    groups = {s.statement_id: Group(s) for s in overview.statements}
    index = index or {}
    for row in overview.rows:
        if filters.keep(row, index.get(row.commitment_id)) and row.statement_id in groups:
            groups[row.statement_id].rows.append(row)
    out = [g for g in groups.values() if g.rows]
    for group in out:
        group.rows.sort(key=column.sort, reverse=sort.reverse)
    return out


def short_id(commitment_id: str) -> str:
    """The id within its statement (the statement's row above says which statement)."""
    return commitment_id.split("/", 1)[-1]


def percent_text(percent: float | None) -> str:
    return "–" if percent is None else f"{percent:.0f}%"


class CommitmentsScreen(Screen[None]):
    """Every commitment; Enter opens one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "search", "Search", key_display="/"),
        Binding("s", "sort_next", "Sort"),
        Binding("S", "sort_reverse", "Reverse", show=False),
        Binding("f", "focus_filters", "Filter"),
        Binding("x", "reset_filters", "Clear filters", show=False),
        Binding("n", "next_unreviewed", "To review"),
        Binding("escape", "leave_search", "Back to table", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.overview: Overview | None = None
        self.filters = Filters()
        self.sort = Sort()
        #: The terminal width the columns were laid out for.
        self._width = 0
        #: Cells per commitment (made when first drawn), valid for one overview and one column layout.
        self._cells: dict[str, list[LazyText]] = {}
        self._search_timer: Timer | None = None
        #: Every commitment's text in all its languages, folded; built on the first search.
        self._search_index: dict[str, SearchEntry] | None = None

    @property
    def tracker_app(self) -> DashboardHost:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        set_width_class(self)
        yield Header()
        yield Static(id="compliance")
        with Horizontal(id="filters"):
            yield Select[str]([], prompt="Statement", id="filter-statement", compact=True)
            yield Select[str]([], prompt="Status", id="filter-status", compact=True)
            yield Select[str]([], prompt="Party", id="filter-party", compact=True)
            yield Select[str]([], prompt="Tag", id="filter-tag", compact=True)
        yield Input(placeholder="Search id, words, tag, status…  (Esc: back)", id="search", compact=True)
        yield FixedTable(id="commitments", cursor_type="row", zebra_stripes=True)
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#search", Input).display = False
        self.apply_overview(self.tracker_app.first_overview())
        self.watch(self.app, "data_version", self._on_data_changed, init=False)
        self.query_one(DataTable).focus()
        self.call_after_refresh(self._painted)

    def _painted(self) -> None:
        """After the first paint: keep what is loaded out of the collector's way, fetch the sparklines."""
        self.tracker_app.settle()
        if self.overview is not None and self._waits_for_timelines(self.overview):
            self.load_timelines()

    # -- data

    def _on_data_changed(self) -> None:
        self.reload()

    @work(thread=True, exclusive=True, group="overview", exit_on_error=False)
    def reload(self) -> None:
        """Rebuild the overview off the event loop; apply it when done."""
        overview = self.tracker_app.read_overview()
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self.apply_overview, overview)

    @staticmethod
    def _waits_for_timelines(overview: Overview) -> bool:
        return any(row.timeline is None for row in overview.rows)

    @work(thread=True, exclusive=True, group="timelines", exit_on_error=False)
    def load_timelines(self) -> None:
        """The sparklines, after the first paint: the list shows without them first.

        Counting signals per month is most of the overview's cost; the rows are
        complete without it and the Timeline column fills in when this returns. A
        reload meanwhile brings whole rows, which `apply_timelines` leaves as they are.
        """
        timelines = self.tracker_app.read_timelines()
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self.apply_timelines, timelines)

    def apply_timelines(self, timelines: Mapping[str, Timeline]) -> None:
        """Give each row still without one its timeline and redraw only the Timeline column."""
        if self.overview is None:
            return
        changed: dict[str, OverviewRow] = {}
        rows: list[OverviewRow] = []
        for row in self.overview.rows:
            found = timelines.get(row.commitment_id) if row.timeline is None else None
            if found is not None:
                row = changed[row.commitment_id] = replace(row, monthly=found.signals, timeline=found)
            rows.append(row)
        if not changed:  # a reload brought whole rows meanwhile
            return
        self.overview = replace(self.overview, rows=tuple(rows))
        if self.sort.column == "signals":
            # Sorted by the Timeline while it was still being counted (as zeros): the
            # order changes now, so the rows are arranged again, the cursor kept.
            self._cells.clear()
            self.rebuild()
            return
        table = self.query_one("#commitments", FixedTable)
        if "signals" not in table.columns:
            self._cells.clear()
            return
        index = [str(key.value) for key in table.columns].index("signals")
        width = table.columns["signals"].width  # type: ignore[index]
        signals = next(c for c in COLUMNS if c.key == "signals")
        for commitment_id, row in changed.items():
            cells = self._cells.get(commitment_id)
            if cells is None:  # not shown yet: made from the new row when it is
                continue
            cells[index] = self._lazy(row, signals, width)
            if commitment_id in table.rows:
                table.update_cell(commitment_id, "signals", cells[index])
        self.tracker_app.settle()

    def apply_overview(self, overview: Overview) -> None:
        self.overview = overview
        self._cells.clear()
        self._fill_filters(overview)
        self._show_compliance(overview)
        self.rebuild()

    def _fill_filters(self, overview: Overview) -> None:
        rows = overview.rows
        options = {
            "statement": [s.statement_id for s in overview.statements],
            "status": [s for s in STATUS_ORDER if any(r.status.status == s for r in rows)],
            "party": sorted({p for r in rows for p in r.parties}),
            "tag": sorted({t for r in rows for t in r.tags}),
        }
        for name, values in options.items():
            select = self.query_one(f"#filter-{name}", Select)
            labels = [(safe_text(status_label(v) if name == "status" else v), v) for v in values]
            current = select.value
            with select.prevent(Select.Changed):
                select.set_options(labels)
                if current in values:
                    select.value = current

    def _show_compliance(self, overview: Overview) -> None:
        """The figures, then the statements: one line each on a wide terminal, else as
        many as fit on two lines, with "+N more" (the table's statement rows show all)."""
        total = len(overview.rows)
        head = Content.assemble(
            ("Compliance ", "bold"),
            (percent_text(overview.percent), "bold"),
            f"  ·  {overview.assessed} of {total} assessed  ·  ",
            (f"{overview.unreviewed} signals to review", "bold")
            if overview.unreviewed
            else "nothing to review",
        )
        parts = [
            Content.assemble(
                safe_content(s.statement_id, "bold"),
                f" {percent_text(s.percent)} ({s.assessed}/{s.commitments})",
            )
            for s in overview.statements
        ]
        width = max(20, self.app.size.width - 2)
        if self.app.size.width >= WIDE_AT:
            lines = parts[:MAX_STATEMENT_LINES]
            if len(parts) > MAX_STATEMENT_LINES:
                lines[-1] = Content.assemble(lines[-1], f"   +{len(parts) - MAX_STATEMENT_LINES} more")
        else:
            lines = _fit_lines(parts, width, NARROW_STATEMENT_LINES)
        self.query_one("#compliance", Static).update(Content("\n").join([head, *lines]))

    # -- the table

    def _id_width(self) -> int:
        """The longest id shown (never cut: copied into commands); statement ids go in the title."""
        rows = self.overview.rows if self.overview else ()
        return max([len("ID ▲"), *(len(short_id(r.commitment_id)) for r in rows)])

    def _columns(self, wide: bool) -> list[tuple[Column, int]]:
        """Fixed columns at their width, the id as wide as the longest, the title the rest.

        When even a 16-cell title does not fit, the table scrolls sideways rather than
        cut an id.
        """
        chosen = [
            (c, c.wide if wide else c.narrow)
            for c in COLUMNS
            if (c.wide if wide else c.narrow) or c.key == "title"
        ]
        chosen = [(c, self._id_width() if c.key == "id" else w) for c, w in chosen]
        fixed = sum(width + 2 for column, width in chosen if column.key != "title")
        title = max(16, self.app.size.width - fixed - 4)
        return [(c, title if c.key == "title" else w) for c, w in chosen]

    def rebuild(self) -> None:
        """Render the arranged groups, keeping the cursor on the same row if it is still shown."""
        if self.overview is None:
            return
        table = self.query_one("#commitments", FixedTable)
        width = self.app.size.width
        wide = width >= WIDE_AT
        keep = table.cursor_key()
        table.clear(columns=width != self._width)
        columns = self._columns(wide)
        if width != self._width:
            self._cells.clear()
            for column, column_width in columns:
                label = WIDE_LABELS.get(column.key, column.label) if wide else column.label
                table.add_column(self._header(column, label), width=column_width, key=column.key)
            self._width = width
        else:
            self._mark_sort(table, wide)
        if self.filters.search and self._search_index is None:
            self._search_index = build_index(self.tracker_app.tracker)
        for group in arrange(self.overview, self.filters, self.sort, self._search_index):
            self._add_group(table, group, columns)
        self._restore_cursor(table, keep)
        table.border_subtitle = self._count_label(table)

    def _header(self, column: Column, label: str) -> Text:
        if column.key != self.sort.column:
            return Text(label)
        return Text(label + (" ▼" if self.sort.reverse else " ▲"), style="bold")

    def _mark_sort(self, table: DataTable[Any], wide: bool) -> None:
        for column in COLUMNS:
            if column.key in table.columns:
                label = WIDE_LABELS.get(column.key, column.label) if wide else column.label
                table.columns[column.key].label = self._header(column, label)  # type: ignore[index]

    def _add_group(self, table: FixedTable, group: Group, columns: list[tuple[Column, int]]) -> None:
        summary = group.statement
        widths = {c.key: w for c, w in columns}
        cells = {
            "title": safe_text(shorten(f"{summary.statement_id} · {summary.title}", widths["title"]), "bold"),
            "status": Text(
                f"{percent_text(summary.percent)} ({summary.assessed}/{summary.commitments})", "bold"
            ),
        }
        lines: list[tuple[str, list[Any]]] = [
            (STATEMENT_KEY + summary.statement_id, [cells.get(c.key, Text("")) for c, _ in columns])
        ]
        for row in group.rows:
            row_cells = self._cells.get(row.commitment_id)
            if row_cells is None:
                row_cells = self._cells[row.commitment_id] = [self._lazy(row, c, w) for c, w in columns]
            lines.append((row.commitment_id, row_cells))
        table.add_keyed_rows(lines)

    def _lazy(self, row: OverviewRow, column: Column, width: int) -> LazyText:
        """The cell, made when the table first draws it (most of 1,000 rows never are)."""
        return LazyText(lambda: self._cell(row, column, width))

    def _cell(self, row: OverviewRow, column: Column, width: int) -> Text:
        key = column.key
        if key == "id":
            return safe_text(short_id(row.commitment_id))
        if key == "title":
            return safe_text(shorten(row.title, width))
        if key == "status":
            return status_text(row.status.status, row.status.origin, width=width)
        if key == "score":
            return score_text(row.score)
        if key == "review":
            return (
                Text(str(row.unreviewed), "bold blue", justify="right")
                if row.unreviewed
                else Text("·", "bright_black", justify="right")
            )
        if key == "evidence":
            return (
                Text(str(row.evidence), justify="right")
                if row.evidence
                else Text("·", "bright_black", justify="right")
            )
        if key == "latest":
            return Text(row.latest_evidence.isoformat()) if row.latest_evidence else Text("–", "bright_black")
        # signals over the commitment's own span (statement to now), binned to the column;
        # empty while the timelines are still being counted (see `load_timelines`)
        if row.timeline is None:
            return sparkline_text(row.monthly[-width:] if width else row.monthly)
        return sparkline_text(row.timeline.binned(row.monthly, width or 12))

    def _count_label(self, table: DataTable[Any]) -> str:
        shown = sum(1 for key in table.rows if not str(key.value).startswith(STATEMENT_KEY))
        total = len(self.overview.rows) if self.overview else 0
        return f"{shown} of {total} commitments" if shown != total else f"{total} commitments"

    @staticmethod
    def _restore_cursor(table: FixedTable, key: str | None) -> None:
        """Back on `key` if it is still shown, else on the first commitment."""
        if not table.move_to_key(key) and table.row_count:
            table.move_cursor(row=min(1, table.row_count - 1), animate=False, scroll=key is not None)

    def selected_commitment(self) -> str | None:
        key = self.query_one("#commitments", FixedTable).cursor_key()
        return None if key is None or key.startswith(STATEMENT_KEY) else key

    # -- events

    def on_resize(self) -> None:
        if self.overview is not None and self.app.size.width != self._width:
            self.rebuild()

    @on(DataTable.RowSelected, "#commitments")
    def _open(self, event: DataTable.RowSelected) -> None:
        key = str(event.row_key.value)
        if key.startswith(STATEMENT_KEY):
            self._set_filters(
                replace(
                    self.filters,
                    statement=None if self.filters.statement else key.removeprefix(STATEMENT_KEY),
                )
            )
            return
        self.tracker_app.open_commitment(key)

    @on(DataTable.HeaderSelected, "#commitments")
    def _sort_by_header(self, event: DataTable.HeaderSelected) -> None:
        column = str(event.column_key.value)
        reverse = not self.sort.reverse if column == self.sort.column else False
        self.sort = Sort(column, reverse)
        self.rebuild()

    @on(Select.Changed)
    def _filter_changed(self, event: Select.Changed) -> None:
        name = (event.select.id or "").removeprefix("filter-")
        value = None if event.value is Select.NULL else str(event.value)
        if name in ("statement", "status", "party", "tag"):
            self.filters = replace(self.filters, **{name: value})
            self.rebuild()

    @on(Input.Changed, "#search")
    def _search_changed(self, event: Input.Changed) -> None:
        self.filters = replace(self.filters, search=event.value.strip())
        if self._search_timer is not None:
            self._search_timer.stop()
            self._search_timer = None
        if self.overview is not None and len(self.overview.rows) > DEBOUNCE_ROWS:
            self._search_timer = self.set_timer(DEBOUNCE_SECONDS, self.rebuild)
        else:
            self.rebuild()

    @on(Input.Submitted, "#search")
    def _search_done(self) -> None:
        self.query_one(DataTable).focus()

    def _set_filters(self, filters: Filters) -> None:
        self.filters = filters
        for name in ("statement", "status", "party", "tag"):
            select = self.query_one(f"#filter-{name}", Select)
            value = getattr(filters, name)
            with select.prevent(Select.Changed):
                if value is None:
                    select.clear()
                else:
                    select.value = value
        self.rebuild()

    # -- actions

    def action_search(self) -> None:
        search = self.query_one("#search", Input)
        search.display = True
        search.focus()

    def action_leave_search(self) -> None:
        """Esc: drop the search (Enter keeps it and goes to the table)."""
        search = self.query_one("#search", Input)
        search.value = ""
        search.display = False
        self.query_one(DataTable).focus()

    def action_sort_next(self) -> None:
        keys = [c.key for c in COLUMNS if c.key in self.query_one(DataTable).columns]
        index = keys.index(self.sort.column) if self.sort.column in keys else -1
        self.sort = Sort(keys[(index + 1) % len(keys)], False)
        self.rebuild()
        waiting = self.sort.column == "signals" and self.overview and self._waits_for_timelines(self.overview)
        note = " (timelines still loading: the order follows)" if waiting else ""
        self.notify(f"Sorted by {self.sort.column}{note}", timeout=1.5)

    def action_sort_reverse(self) -> None:
        self.sort = replace(self.sort, reverse=not self.sort.reverse)
        self.rebuild()

    def action_focus_filters(self) -> None:
        self.query_one("#filter-statement", Select).focus()

    def action_reset_filters(self) -> None:
        search = self.query_one("#search", Input)
        with search.prevent(Input.Changed):
            search.value = ""
        search.display = False
        self._set_filters(Filters())
        self.query_one(DataTable).focus()

    def action_next_unreviewed(self) -> None:
        """Jump to the next commitment with signals waiting, wrapping around."""
        table = self.query_one(DataTable)
        if self.overview is None or not table.row_count:
            return
        waiting = {r.commitment_id for r in self.overview.rows if r.unreviewed}
        keys = [str(row.key.value) for row in table.ordered_rows]
        start = table.cursor_row
        for step in range(1, len(keys) + 1):
            index = (start + step) % len(keys)
            if keys[index] in waiting:
                table.move_cursor(row=index)
                return
        self.notify("No signals wait for review", timeout=2)


def _fit_lines(parts: list[Content], width: int, max_lines: int) -> list[Content]:
    """`parts` dot-separated, wrapped between parts into at most `max_lines` lines of
    `width`; what does not fit is counted ("+3 more") at the end of the last line."""
    sep = "  ·  "
    rows: list[list[Content]] = [[]]
    for part in parts:
        row = rows[-1]
        used = sum(p.cell_length for p in row) + len(sep) * len(row)
        if row and used + part.cell_length > width:
            rows.append([part])
        else:
            row.append(part)
    if len(rows) > max_lines:
        rows = rows[:max_lines]
        last = rows[-1]
        shown = sum(len(r) for r in rows)
        while last:
            rest = f"  +{len(parts) - shown} more"
            used = sum(p.cell_length for p in last) + len(sep) * (len(last) - 1)
            if used + len(rest) <= width:
                break
            last.pop()
            shown -= 1
        last.append(Content(f"+{len(parts) - shown} more"))
    return [Content(sep).join(row) for row in rows]
