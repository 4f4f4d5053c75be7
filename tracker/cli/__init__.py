"""`tracker`: the command line, a thin layer over `tracker.core.Tracker`.

Each `cmd_*` module registers its subcommands; errors the user can fix become one
line on stderr (with the file:line, feed URL or argument they concern) and a
non-zero exit status, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from importlib import import_module

from tracker import __version__
from tracker.cli.arguments import argument_names, check_namespace, one_line
from tracker.cli.common import Context
from tracker.core import inert
from tracker.errors import IncompleteError, LockedError, RecordError, TrackerError, UsageError

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
    "cmd_db",
)

#: The exit statuses (README, "Exit status"): tests/test_cli_exitcodes.py holds one row per
#: command. EXIT_PARTIAL: `--partial` wrote a report that cannot say what it misses (CSV).
EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_PARTIAL = 0, 1, 2, 3


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
    _describe(sub)
    return parser


def _describe(sub: argparse._SubParsersAction) -> None:
    """A command registered with only a one-line help shows that line under `--help` too.

    The longer descriptions are written where the command is registered; this makes
    sure no `tracker X --help` (nor a subcommand's) is ever without one.
    """
    helps = {choice.dest: choice.help for choice in sub._choices_actions}
    for name, parser in sub.choices.items():
        if not parser.description and helps.get(name):
            text = str(helps[name])
            parser.description = text[0].upper() + text[1:] + ("" if text.endswith(".") else ".")
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                _describe(action)


def main(argv: Sequence[str] | None = None) -> int:
    ctx: Context | None = None
    try:
        parser = build_parser()
        args = parser.parse_args(dash_values(sys.argv[1:] if argv is None else list(argv)))
        if not getattr(args, "handler", None):
            parser.print_help()
            return EXIT_USAGE
        check_namespace(args, argument_names(parser, args))
        ctx = Context(args.workspace)
        return int(args.handler(args, ctx) or EXIT_OK)
    except UsageError as exc:
        _say(f"tracker: error: {exc}")
        return EXIT_USAGE
    except RecordError as exc:
        for problem in exc.problems:
            _say(f"tracker: {problem}")
        if isinstance(exc, IncompleteError):
            _say(f"tracker: error: {exc.HINT}")
        return EXIT_FAILURE
    except LockedError as exc:
        _say(f"tracker: {exc}")
        return EXIT_FAILURE
    except TrackerError as exc:
        _say(f"tracker: error: {exc}")
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print("tracker: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `tracker export | head` closes the pipe early; that is not an error.
        sys.stderr.close()
        return EXIT_OK
    except OSError as exc:
        # A file the command had to read or write: name it, no traceback.
        where = f"{exc.filename}: " if exc.filename else ""
        _say(f"tracker: error: {where}{exc.strerror or exc}")
        return EXIT_FAILURE
    except Exception as exc:
        # A bug. The user gets one line and a way to see more; TRACKER_DEBUG=1 shows it all.
        if os.environ.get("TRACKER_DEBUG"):
            raise
        _say(
            f"tracker: internal error ({type(exc).__name__}: {exc}); "
            "please report it, with the output of TRACKER_DEBUG=1 tracker …"
        )
        return EXIT_FAILURE
    finally:
        if ctx is not None and "tracker" in ctx.__dict__:
            ctx.tracker.close()


#: Options whose value is the user's text and may start with '-': `--search -russia`
#: excludes a word (docs), `--note -2% on 2023` is a note. argparse would read the value
#: as an unknown option; written `--search=-russia` it is the value, so that is what they become.
DASH_VALUE_OPTIONS = ("--search", "--note", "--title", "--publisher")


def dash_values(argv: list[str]) -> list[str]:
    out: list[str] = []
    pending = False
    for arg in argv:
        if pending and arg.startswith("-") and not arg.startswith("--") and len(arg) > 1:
            out[-1] = f"{out[-1]}={arg}"
        else:
            out.append(arg)
        pending = arg in DASH_VALUE_OPTIONS
    return out


def _say(message: str) -> None:
    """One line on stderr: control characters and bytes that are not UTF-8 escaped, long
    arguments cut (an error never echoes a 100 KB value whole)."""
    print(one_line(inert(message)), file=sys.stderr)
