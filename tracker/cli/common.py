"""What every command handler gets: the workspace, a console, the database, output.

Handlers stay thin: they parse arguments, call the core, and print through `emit`.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from functools import cached_property
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from tracker.core import Tracker
from tracker.errors import UsageError
from tracker.tabular import to_csv, to_json, to_yaml
from tracker.types import Statement
from tracker.workspace import Workspace

FORMATS = ("table", "yaml", "json", "csv")


class Context:
    """Lazily opens what a command needs: `tracker init` needs no workspace at all."""

    def __init__(self, workspace_arg: str | None, *, console: Console | None = None) -> None:
        self._workspace_arg = workspace_arg
        self.console = console or Console(highlight=False, soft_wrap=False)
        self.err = Console(stderr=True, highlight=False)

    @cached_property
    def workspace(self) -> Workspace:
        return Workspace.locate(self._workspace_arg)

    @cached_property
    def tracker(self) -> Tracker:
        return Tracker(self.workspace)

    def db(self):
        return self.tracker.db

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
            table = Table(title=title, show_lines=False, header_style="bold")
            for column in columns:
                table.add_column(column.replace("_", " "), overflow="fold")
            for row in rows:
                # Text from records and articles is shown as text, never as markup.
                table.add_row(*(escape(_cell(row.get(c))) for c in columns))
            self.console.print(table)
        elif fmt == "yaml":
            sys.stdout.write(to_yaml(list(rows)))
        elif fmt == "json":
            sys.stdout.write(to_json(list(rows)))
        elif fmt == "csv":
            sys.stdout.write(to_csv(rows, columns))
        else:
            raise UsageError(f"--format: expected one of {', '.join(FORMATS)}, got {fmt!r}")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)
