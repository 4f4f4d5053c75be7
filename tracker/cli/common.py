"""What every command handler gets: the workspace, a console, the Tracker, output.

Handlers stay thin: they parse arguments, call the core, and print through `emit`.
"""

from __future__ import annotations

import errno
import sys
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

from rich.cells import cell_len
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from tracker.core import (
    Tracker,
    Workspace,
    describe_os_error,
    inert,
    to_csv,
    to_json,
    to_yaml,
    write_atomically,
)
from tracker.errors import TrackerError, UsageError
from tracker.types import Statement

FORMATS = ("table", "yaml", "json", "csv")
#: Exit status of a `--partial` report whose format cannot name what it misses (CSV, tables).
EXIT_PARTIAL = 3


class InertConsole(Console):
    """A Rich console that shows every string it is given as inert text.

    Every str a command prints (plain lines, table cells, titles) passes
    `render_str`: here it first goes through `inert`, the one sanitiser, so an
    article's ESC sequence, bidi override or zero-width character is shown, never
    obeyed. Rich's own styling is added afterwards and is unaffected.
    """

    def render_str(self, text: str, **kwargs: Any) -> Text:
        return super().render_str(inert(text, multiline=True), **kwargs)


class Context:
    """Lazily opens what a command needs: `tracker init` needs no workspace at all."""

    def __init__(self, workspace_arg: str | None, *, console: Console | None = None) -> None:
        self._workspace_arg = workspace_arg
        self.console = console or InertConsole(highlight=False, soft_wrap=False)
        self.err = InertConsole(stderr=True, highlight=False)

    @cached_property
    def workspace(self) -> Workspace:
        return Workspace.locate(self._workspace_arg)

    @cached_property
    def tracker(self) -> Tracker:
        return Tracker(self.workspace)

    def statements(self) -> list[Statement]:
        """Loaded statements; problems are reported once on stderr, not fatal for readers."""
        records = self.tracker.records
        if records.problems and not getattr(self, "_warned", False):
            self._warned = True
            self.err.print(
                f"warning: {len(records.problems)} problem(s) in the records were skipped; "
                "run `tracker check` to see them",
                style="yellow",
            )
        return records.statements

    def say(self, text: str) -> None:
        """One line of plain text (never markup), never folded: scripts read these lines."""
        self.console.print(text, markup=False, soft_wrap=True)

    def emit(
        self,
        rows: Sequence[dict[str, Any]],
        fmt: str,
        *,
        columns: Sequence[str] | None = None,
        title: str | None = None,
    ) -> None:
        """Print rows in the chosen format; table for people, the others for programs."""
        columns = list(columns or (rows[0].keys() if rows else []))
        if fmt == "table":
            self._table(rows, columns, title)
        elif fmt == "yaml":
            sys.stdout.write(to_yaml(list(rows)))
        elif fmt == "json":
            sys.stdout.write(to_json(list(rows)))
        elif fmt == "csv":
            sys.stdout.write(to_csv(rows, columns))
        else:
            raise UsageError(f"--format: expected one of {', '.join(FORMATS)}, got {fmt!r}")

    def _table(self, rows: Sequence[dict[str, Any]], columns: Sequence[str], title: str | None) -> None:
        """A table that keeps ids and statuses whole and folds only the long text.

        Short columns (ids, statuses, dates) do not wrap when the terminal is wide enough:
        a folded id cannot be copied into the next command. When it is not, every column
        folds (Rich would otherwise crop). Piped into a file, the table gets its natural
        width instead of the 80 columns Rich assumes without a terminal.
        """
        cells = [[_cell(row.get(c)) for c in columns] for row in rows]
        table = _build_table(cells, columns, title, keep_short=True)
        width = self.console.width
        if not self.console.is_terminal:
            unbounded = self.console.options.update_width(UNBOUNDED)
            probe = _build_table(_widest_rows(cells), columns, title, keep_short=True)
            natural = self.console.measure(probe, options=unbounded).maximum
            width = max(width, min(natural, PIPED_WIDTH))
        if _least_width(cells, columns) > width:
            table = _build_table(cells, columns, title, keep_short=False)
        held, self.console.width = self.console.width, width  # print() clamps to the console's
        try:
            self.console.print(table)
        finally:
            self.console.width = held


def write_output(path: Path, text: str, argument: str) -> None:
    """Write an -o file whole or not at all: a full disk leaves no 0-byte file behind.

    An unwritable path is a usage error (exit 2); a full disk is a failure (exit 1).
    """
    try:
        write_atomically(path, text)
    except OSError as exc:
        message = f"{argument}: cannot write {path}: {describe_os_error(exc)}"
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise TrackerError(message) from None
        raise UsageError(message) from None


def _widest_rows(cells: list[list[str]]) -> list[list[str]]:
    """The rows that hold each column's widest and longest cells: the table measures as with all rows.

    Measuring every row costs as much as printing them; a table's natural width is
    each column's widest cell (header included, it is in both tables) plus fixed
    padding and rules. A cell shows as `inert(cell)`, as wide, except that Rich turns
    `:name:` into one emoji and expands tabs: rows with a colon or a tab are kept too.
    """
    keep: set[int] = set()
    for index in range(len(cells[0]) if cells else 0):
        shown = [max(map(cell_len, inert(line[index], multiline=True).split("\n"))) for line in cells]
        keep.add(max(range(len(cells)), key=shown.__getitem__))
        # and the longest string: `_build_table` sets short columns' minimum width from it
        keep.add(max(range(len(cells)), key=lambda number: len(cells[number][index])))
    keep.update(number for number, line in enumerate(cells) if any(":" in c or "\t" in c for c in line))
    return [cells[number] for number in sorted(keep)]


def _least_width(cells: list[list[str]], columns: Sequence[str]) -> int:
    """The narrowest the table can be with its short columns whole (3 per column: padding, rule)."""
    need = 1
    for index, column in enumerate(columns):
        widest = max((len(line[index]) for line in cells), default=0)
        short = widest <= SHORT_COLUMN
        need += 3 + (max(widest, len(column)) if short else FOLDED_MINIMUM)
    return need


def _build_table(
    cells: list[list[str]], columns: Sequence[str], title: str | None, *, keep_short: bool
) -> Table:
    table = Table(title=title, show_lines=False, header_style="bold")
    for index, column in enumerate(columns):
        header = column.replace("_", " ")
        widest = max((len(line[index]) for line in cells), default=0)
        if keep_short and widest <= SHORT_COLUMN:
            table.add_column(header, no_wrap=True, min_width=max(widest, len(header)))
        else:
            table.add_column(header, overflow="fold")
    for line in cells:
        # Text from records and articles is shown as text, never as markup.
        table.add_row(*(escape(cell) for cell in line))
    return table


#: Columns whose cells are all this short (ids, statuses, dates) are never folded.
SHORT_COLUMN = 48
#: Width to measure a table's natural width in (Rich clamps measurements to the console's).
UNBOUNDED = 10_000
#: Widest a table gets when piped (no terminal to ask): wide enough for ids, not for essays.
PIPED_WIDTH = 160
#: Room left at the least for a column of long text that folds.
FOLDED_MINIMUM = 12


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)
