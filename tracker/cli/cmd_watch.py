"""`tracker watch`: poll feeds on their schedule in the foreground until stopped."""

from __future__ import annotations

import argparse
import logging
import sys
from logging.handlers import RotatingFileHandler

from tracker.cli.common import Context

LOG_FORMAT = "%(asctime)s level=%(levelname)s %(name)s %(message)s"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "watch",
        help="poll feeds on their own schedules and match new articles, until stopped",
        description=(
            "Runs in the foreground (use a systemd unit or tmux to keep it). One watcher per "
            "workspace. SIGINT/SIGTERM finish the poll in flight and exit 0. Logs go to stderr "
            "and to .tracker/watch.log (rotated)."
        ),
    )
    p.add_argument("--once", action="store_true", help="one pass of everything due, then exit (for cron)")
    level = p.add_mutually_exclusive_group()
    level.add_argument("-v", "--verbose", action="store_true", help="also log skipped feeds")
    level.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors on stderr")
    p.set_defaults(handler=run_watch)


def run_watch(args: argparse.Namespace, ctx: Context) -> int:
    from tracker.schedule import watch

    _configure_logging(ctx, verbose=args.verbose, quiet=args.quiet)
    ctx.statements()
    return watch(ctx.tracker, once=args.once)


def _configure_logging(ctx: Context, *, verbose: bool, quiet: bool) -> None:
    root = logging.getLogger("tracker")
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    stderr = logging.StreamHandler(sys.stderr)
    stderr.setLevel(logging.WARNING if quiet else logging.DEBUG)
    ctx.workspace.state_dir.mkdir(parents=True, exist_ok=True)
    logfile = RotatingFileHandler(
        ctx.workspace.state_dir / "watch.log", maxBytes=5_000_000, backupCount=3, encoding="utf-8"
    )
    for handler in (stderr, logfile):
        handler.setFormatter(logging.Formatter(LOG_FORMAT))
        root.addHandler(handler)
