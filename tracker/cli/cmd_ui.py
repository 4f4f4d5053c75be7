"""`tracker ui` and `tracker run`: open the dashboard.

- `tracker ui [--no-monitor]` opens the dashboard; with monitoring on (the default)
  it polls the feeds in the background on their schedule.
- `tracker run` is what `make run` calls: the dashboard with monitoring on. When
  standard output is not a terminal (CI, a pipe, `make run > file`), it does not
  start the full-screen app, which would wait for a terminal forever: it prints the
  status of every commitment as a table (or `--format`) and exits 0.

The Textual app is imported when the command runs, not when the CLI loads, so every
other command (and the core) starts without Textual (tests/test_layers.py).
"""

from __future__ import annotations

import argparse
import sys
from importlib import import_module

from tracker.cli.common import FORMATS, Context


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "ui",
        help="open the dashboard (polls feeds in the background unless --no-monitor)",
        description=(
            "The terminal dashboard: commitments and their status, review of signals, feeds, "
            "articles. Keys are shown at the bottom; ? shows them all."
        ),
    )
    p.add_argument(
        "--no-monitor", action="store_true", help="do not poll feeds; only show what is in the database"
    )
    p.set_defaults(handler=run_ui)

    p = sub.add_parser(
        "run",
        help="what `make run` does: the dashboard with monitoring; without a terminal, the status table",
        description=(
            "Open the dashboard on the workspace with monitoring on. When standard output is not a "
            "terminal (CI, pipes), print the status of every commitment instead and exit 0."
        ),
    )
    p.add_argument("--format", choices=FORMATS, default="table", help="output when there is no terminal")
    p.set_defaults(handler=run_run)


def _interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def _open_dashboard(ctx: Context, *, monitor: bool) -> int:
    ctx.statements()  # report record problems once, before the screen takes over
    tui = import_module("tracker.tui.app")
    tui.build_app(ctx.tracker, monitor=monitor).run()
    return 0


def run_ui(args: argparse.Namespace, ctx: Context) -> int:
    if not _interactive():
        ctx.err.print("tracker: `tracker ui` needs a terminal; `tracker run` prints the status table instead")
        return 1
    return _open_dashboard(ctx, monitor=not args.no_monitor)


def run_run(args: argparse.Namespace, ctx: Context) -> int:
    if _interactive():
        return _open_dashboard(ctx, monitor=True)
    print_status_table(ctx, args.format)
    return 0


def print_status_table(ctx: Context, fmt: str) -> None:
    """The commitments screen as a table: what `tracker run` shows without a terminal."""
    ctx.statements()  # warns once about record problems
    overview = ctx.tracker.overview()
    rows = [
        {
            "id": row.commitment_id,
            "status": row.status.status,
            "origin": row.status.origin,
            "score": row.score,
            "unreviewed": row.unreviewed,
            "evidence": row.evidence,
            "latest_evidence": row.latest_evidence.isoformat() if row.latest_evidence else None,
            "signals": row.signals,
            "summary": row.title,
        }
        for row in overview.rows
    ]
    percent = "–" if overview.percent is None else f"{overview.percent:.0f}%"
    columns = ["id", "status", "origin", "score", "unreviewed", "evidence", "latest_evidence"]
    ctx.emit(
        rows,
        fmt,
        columns=columns if fmt == "table" else None,
        title=f"{len(rows)} commitments · compliance {percent} · {overview.unreviewed} signals to review",
    )
    if fmt == "table":
        ctx.console.print("(no terminal: run `tracker ui` in a terminal for the dashboard)", style="dim")
