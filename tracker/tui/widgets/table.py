"""A DataTable for columns of set widths: new rows are not measured.

DataTable measures every cell of every new row to size auto-width columns, through
Rich, at three terminal-size system calls per cell; when every column has a set
width (ours do, see `columns.fit`) the measurement is thrown away. Filling the
commitments table with 1,000 rows spent most of its time there. This subclass skips
it and only updates the scrollable size, which is all the original then does.

It overrides a private method of Textual 8.2.8 (pinned exactly in pyproject.toml);
when a row or column needs measuring (auto width, auto height, a row label) the
original runs. The TUI tests exercise both paths.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import zip_longest
from typing import Any, ClassVar

from rich.protocol import rich_cast
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual._types import SegmentLines
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.geometry import Size
from textual.widgets import DataTable
from textual.widgets.data_table import DuplicateKey, Row, RowDoesNotExist, RowKey

#: The keys people bring from less, vim, lazygit and k9s, on every table and text pane.
#: Home/End go to the first/last row (DataTable's own scroll sideways, which surprised).
NAVIGATION: list[BindingType] = [
    Binding("j", "cursor_down", "Down", show=False),
    Binding("k", "cursor_up", "Up", show=False),
    Binding("g", "scroll_top", "Top", show=False),
    Binding("G", "scroll_bottom", "Bottom", show=False),
    Binding("home", "scroll_top", "Top", show=False),
    Binding("end", "scroll_bottom", "Bottom", show=False),
    Binding("ctrl+d", "half_page(1)", "Half page down", show=False),
    Binding("ctrl+u", "half_page(-1)", "Half page up", show=False),
]
#: One line for `?`: these keys are the same on every screen.
NAVIGATION_HELP = "j/k or ↓/↑ move · g/G or Home/End first/last · ctrl+d/ctrl+u half a page"


class FixedTable(DataTable[Any]):
    """DataTable that trusts the widths it was given, with the usual navigation keys."""

    BINDINGS: ClassVar[list[BindingType]] = NAVIGATION

    def action_half_page(self, direction: int) -> None:
        """Half a screen of rows down (1) or up (-1), as ctrl+d/ctrl+u in vim and less."""
        if not self.row_count:
            return
        step = max(1, (self.scrollable_content_region.height - 1) // 2)
        row = min(self.row_count - 1, max(0, self.cursor_row + direction * step))
        self.move_cursor(row=row, animate=False)

    def add_keyed_rows(self, rows: Iterable[tuple[str, Sequence[Any]]]) -> None:
        """Add one-line rows, each `(key, cells)`, at the bottom: what `add_row` does row by row.

        `add_row` re-sorts the columns and re-validates the cursor (a reactive, with its
        watchers) for every row: half the time of filling the 1,000-row commitments
        table. Here both happen once, for all the rows; the rows, their order, the
        cursor and its RowHighlighted message are the same (tests/test_tui_units.py).
        """
        columns = self.ordered_columns
        was_empty = not self.row_count
        for key, cells in rows:
            row_key = RowKey(key)
            if row_key in self._row_locations:
                raise DuplicateKey(f"The row key {row_key!r} already exists.")
            if len(cells) > len(columns):
                raise ValueError("More values provided than there are columns.")
            self._row_locations[row_key] = self.row_count
            self._data[row_key] = {column.key: cell for column, cell in zip_longest(columns, cells)}
            self.rows[row_key] = Row(row_key, 1, None, False)
            self._new_rows.add(row_key)
        self._require_update_dimensions = True
        self.cursor_coordinate = self.cursor_coordinate
        if was_empty and self.row_count and self.columns and self.show_cursor and self.cursor_type != "none":
            self._highlight_cursor()
        self._update_count += 1
        self.check_idle()

    def _on_resize(self, event: events.Resize) -> None:
        """Keep the rendered rows when only the table's size changed.

        DataTable forgets every rendered cell on each Resize (its `_update_count`
        keys the caches). A row of set-width columns renders the same at any table
        width (the line cache, which crops to the width, is keyed by it), so that
        threw away the first paint of every new screen: each table has a Resize right
        after its first layout. With an auto-width column or row the original runs.
        """
        if self._needs_measure(self.rows):
            return
        event.prevent_default()  # DataTable._on_resize would bump the caches' key

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> SegmentLines:
        """A one-line `Text` cell rendered straight to its segments.

        DataTable draws each cell through `Styled(Padding(cell))` and two passes of
        `render_lines`: most of the time of painting a screenful of rows, which opening
        a commitment does (~300 cells). For a body cell of a one-line row holding a
        `Text` (all of ours), this makes the same segments in one pass: the text
        rendered to the inner width, the padding, then the cell's styles around it as
        `Styled` applies them (tests/test_tui_units.py compares the two on every kind
        of cell, with cursor and hover). Headers, labels, taller rows and other
        renderables take the original.
        """
        if row_index < 0 or column_index < 0:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        row_key = self._row_locations.get_key(row_index)
        row = self.rows.get(row_key)
        if row is None or row.height != 1 or row.auto_height:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        cache_key = (
            row_key,
            self._column_locations.get_key(column_index),
            base_style,
            cursor,
            hover,
            self._show_hover_cursor,
            self._update_count,
            self._pseudo_class_state,
        )
        cached = self._cell_render_cache.get(cache_key)
        if cached is not None:
            return cached
        cell = rich_cast(self._get_row_renderables(row_index).cells[column_index])
        if not isinstance(cell, Text):
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        component_style, post_style = self._get_styles_to_render_cell(
            False,
            False,
            row_index < self.fixed_rows or column_index < self.fixed_columns,
            hover,
            cursor,
            self.show_cursor,
            self._show_hover_cursor,
            self.cursor_foreground_priority == "css",
            self.cursor_background_priority == "css",
        )
        base_style += Style.from_meta({"row": row_index, "column": column_index})
        console = self.app.console
        pad = self.cell_padding
        blank = console.get_style("none")  # Padding's own style
        options = self.app.console_options.update_dimensions(width, 1).update(no_wrap=True)
        inner = options.update_width(width - 2 * pad).update_height(1)
        content = console.render_lines(cell, inner, style=blank, pad=True)[0]
        side = [Segment(" " * pad, blank)] if pad else []
        line = list(Segment.apply_style([*side, *content, *side], base_style + component_style, post_style))
        self._cell_render_cache[cache_key] = [line]
        return [line]

    def _needs_measure(self, row_keys: Iterable[RowKey]) -> bool:
        return any(column.auto_width for column in self.columns.values()) or any(
            row.auto_height or row.label is not None
            for row in (self.rows.get(key) for key in row_keys)
            if row is not None
        )

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        new_rows = list(new_rows)
        if self._needs_measure(new_rows):
            super()._update_dimensions(new_rows)
            return
        width = sum(column.get_render_width(self) for column in self.columns.values())
        header = self.header_height if self.show_header else 0
        self.virtual_size = Size(width + self._row_label_column_width, self._total_row_height + header)

    def cursor_key(self) -> str | None:
        """The key of the row under the cursor, or None for an empty table."""
        if not self.row_count:
            return None
        try:
            return str(self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value)
        except RowDoesNotExist:
            return None

    def move_to_key(self, key: str | None) -> bool:
        """Put the cursor on the row `key` if it is shown; False if it is not."""
        if key is None or RowKey(key) not in self.rows:
            return False
        self.move_cursor(row=self.get_row_index(key), animate=False)
        return True


class Pane(VerticalScroll):
    """A scrolling text pane that answers the same keys as the tables."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "scroll_down", "Down", show=False),
        Binding("k", "scroll_up", "Up", show=False),
        Binding("g", "scroll_home", "Top", show=False),
        Binding("G", "scroll_end", "Bottom", show=False),
        Binding("ctrl+d", "half_page(1)", "Half page down", show=False),
        Binding("ctrl+u", "half_page(-1)", "Half page up", show=False),
    ]

    def action_half_page(self, direction: int) -> None:
        self.scroll_relative(y=direction * max(1, self.scrollable_content_region.height // 2), animate=False)
