"""`tracker`: the command line, a thin layer over `tracker.core.Tracker`.

Each `cmd_*` module registers its subcommands; errors the user can fix become one
line on stderr (with the file:line, feed URL or argument they concern) and a
non-zero exit status, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib import import_module

from tracker import __version__
from tracker.cli.common import Context
from tracker.core import inert
from tracker.errors import LockedError, RecordError, TrackerError, UsageError

#: Command modules, in the order their commands appear in `--help`.
COMMAND_MODULES = (
    "cmd_records",
    "cmd_feeds",
    "cmd_rules",
    "cmd_status",
    "cmd_archive",
    "cmd_watch",
    "cmd_ui",
    "cmd_extract",
)

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as our one-line message with exit 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="tracker",
        description=(
            "Track what governments promised in joint statements, and whether anything happened since."
        ),
    )
    parser.add_argument("--version", action="version", version=f"tracker {__version__}")
    parser.add_argument(
        "-w",
        "--workspace",
        metavar="DIR",
        help="workspace folder (default: $TRACKER_WORKSPACE, else the nearest folder with commitments/)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        import_module(f"tracker.cli.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    ctx: Context | None = None
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if not getattr(args, "handler", None):
            parser.print_help()
            return EXIT_USAGE
        ctx = Context(args.workspace)
        return int(args.handler(args, ctx) or EXIT_OK)
    except UsageError as exc:
        print(inert(f"tracker: error: {exc}"), file=sys.stderr)
        return EXIT_USAGE
    except RecordError as exc:
        for problem in exc.problems:
            print(inert(f"tracker: {problem}"), file=sys.stderr)
        return EXIT_FAILURE
    except LockedError as exc:
        print(inert(f"tracker: {exc}"), file=sys.stderr)
        return EXIT_FAILURE
    except TrackerError as exc:
        print(inert(f"tracker: error: {exc}"), file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print("tracker: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `tracker export | head` closes the pipe early; that is not an error.
        sys.stderr.close()
        return EXIT_OK
    finally:
        if ctx is not None and "tracker" in ctx.__dict__:
            ctx.tracker.close()
