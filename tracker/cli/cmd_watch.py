"""`tracker watch` (poll feeds on their schedules until stopped), `tracker poll-now`, `tracker digest`."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime, timedelta

from tracker.cli.common import FORMATS, Context
from tracker.errors import UsageError

DEFAULT_SINCE = "24h"


def register(sub: argparse._SubParsersAction) -> None:
    _register_watch(sub)
    _register_poll_now(sub)
    _register_digest(sub)
    _register_watchers(sub)


def _register_watchers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "watchers",
        help="the `tracker watch` processes of this workspace's database, and what each is polling",
        description=(
            "Lists every watcher registered in the database (on a shared PostgreSQL database: on "
            "every machine), when each was last heard from, how many polls it made, and the feeds "
            "it holds a lease on now. A watcher silent for over a minute has probably died: its "
            "leases expire and the others take its feeds."
        ),
    )
    p.add_argument("--format", choices=FORMATS, default="table")
    p.set_defaults(handler=run_watchers)


def run_watchers(args: argparse.Namespace, ctx: Context) -> int:
    now = datetime.now(UTC)
    rows = [
        {
            "watcher": row.id,
            "host": row.host,
            "pid": row.pid or "",
            "started": row.started.isoformat(timespec="seconds") if row.started else "",
            "last heard": f"{max(0.0, (now - row.seen).total_seconds()):.0f} s ago" if row.seen else "",
            "polls": row.polls,
            "last feed": row.last_feed or "",
            "polling now": ", ".join(row.holding),
        }
        for row in ctx.tracker.watchers()
    ]
    if not rows and args.format == "table":
        holder = ctx.tracker.watcher()
        ctx.say(f"no watcher registered in the database; {holder or 'none runs on this workspace'}")
        return 0
    ctx.emit(rows, args.format, title="watchers")
    return 0


def _register_poll_now(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "poll-now",
        help="ask the running `tracker watch` to poll a feed (or every feed) now",
        description=(
            "Files a request in the workspace's database; the watcher (in any process, on any "
            "machine sharing the database) looks every few seconds and polls at once, due or "
            "not. Use it after editing a feed, instead of waiting for its next turn. Without a "
            "running watcher the request waits for the next one; `tracker fetch` polls here."
        ),
    )
    p.add_argument("feeds", metavar="FEED", nargs="*", help="feed names (default: every enabled feed)")
    p.set_defaults(handler=run_poll_now)


def _register_watch(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "watch",
        help="poll feeds on their own schedules, match new articles, write daily reports, until stopped",
        description=(
            "Runs in the foreground (deployment: docs/deploy.md has a systemd unit and a cron line). "
            "One watcher per workspace. Each feed is polled at its own interval, respecting the "
            "back-off and next-due time stored in the database; daily jobs refresh statuses, "
            "maintain the database and write the reports configured in tracker.yaml. Edited "
            "records are reloaded (a broken file keeps its last good version running). "
            "SIGINT/SIGTERM finish the job in flight and exit 0. Logs go to stderr and, as "
            "JSON lines, to .tracker/watch.log (rotated)."
        ),
    )
    p.add_argument(
        "--once",
        action="store_true",
        help="one pass of everything due, then exit (for cron); 1 if a job crashed",
    )
    level = p.add_mutually_exclusive_group()
    level.add_argument(
        "-v", "--verbose", action="store_true", help="also log skipped feeds and debug details"
    )
    level.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors on stderr")
    p.set_defaults(handler=run_watch)


def _register_digest(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "digest",
        help="new signals and status changes since a time, grouped by commitment",
        description=(
            "What happened recently: the signals made and the status changes recorded, grouped "
            "by commitment. `tracker watch` can hand the same digest to a command of yours every "
            "day (on_digest in tracker.yaml)."
        ),
    )
    p.add_argument(
        "--since",
        metavar="WHEN",
        default=DEFAULT_SINCE,
        help="a duration back from now ('24h', '7 days') or a date (2025-06-01); default 24h",
    )
    p.add_argument("--format", choices=("text", "markdown", "json"), default="text", help="default: text")
    p.add_argument(
        "--partial",
        action="store_true",
        help="digest even if a commitment file does not load; the digest then names what it misses",
    )
    p.set_defaults(handler=run_digest)


def run_watch(args: argparse.Namespace, ctx: Context) -> int:
    from tracker.watch import logs
    from tracker.watch.schedule import watch

    console = logs.console_handler(verbose=args.verbose, quiet=args.quiet)
    with logs.logging_to(console, verbose=args.verbose):
        outcome = watch(ctx.tracker, once=args.once, verbose=args.verbose)
        if not outcome.finished:
            # A job outlived the grace period: its thread would keep the interpreter from
            # exiting. Leave now; the database rolls back whatever it had not committed.
            logs.flush_all()
            sys.stderr.flush()
            os._exit(outcome.exit_status)
    return outcome.exit_status


def run_poll_now(args: argparse.Namespace, ctx: Context) -> int:
    tracker = ctx.tracker
    tracker.request_poll(args.feeds, by=os.environ.get("USER") or None)
    what = ", ".join(args.feeds) or "every enabled feed"
    holder = tracker.watcher()
    if holder:
        ctx.say(f"asked the watcher ({holder}) to poll {what} now")
    else:
        ctx.say(f"poll of {what} requested")
        ctx.err.print(
            "note: no `tracker watch` runs on this workspace now; the request waits for the next "
            "one (`tracker fetch` polls from here)",
            style="yellow",
            markup=False,
        )
    return 0


def run_digest(args: argparse.Namespace, ctx: Context) -> int:
    from tracker.cli.cmd_feeds import parse_since

    now = datetime.now(UTC)
    since = parse_since(args.since, now)
    if since is None or since >= now + timedelta(seconds=1):
        raise UsageError(f"--since: {args.since!r} is not in the past")
    digest = ctx.tracker.digest(since, now, partial=args.partial)
    sys.stdout.write(ctx.tracker.render_digest(digest, args.format))
    return 0
