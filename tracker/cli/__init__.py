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

#: Every command and the module that registers it. Running one command builds the parser
#: with its module alone (the others and what they import are never loaded: `tracker
#: status` starts sooner); `--help`, no command or an unknown one builds them all.
#: tests/test_cli_startup.py checks this against what the modules register.
COMMANDS: dict[str, str] = {
    **dict.fromkeys(("init", "check", "list", "show"), "cmd_records"),
    **dict.fromkeys(("fetch", "feeds", "ingest", "articles"), "cmd_feeds"),
    **dict.fromkeys(("match", "explain", "rules"), "cmd_rules"),
    **dict.fromkeys(
        ("status", "review", "assess", "evidence", "history", "export", "snapshot", "backup"), "cmd_status"
    ),
    "archive": "cmd_archive",
    **dict.fromkeys(("watch", "poll-now", "digest", "watchers"), "cmd_watch"),
    **dict.fromkeys(("ui", "run"), "cmd_ui"),
    "extract": "cmd_extract",
    "db": "cmd_db",
}

#: The exit statuses (README, "Exit status"): tests/test_cli_exitcodes.py holds one row per
#: command. EXIT_PARTIAL: `--partial` wrote a report that cannot say what it misses (CSV).
EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_PARTIAL = 0, 1, 2, 3


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as our one-line message with exit 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or, when `argv` names a command, of that command's module only.

    Both parse that command's arguments alike (its module registers the same parser
    either way); only `tracker --help` and unknown commands need all of them.
    """
    chosen = COMMANDS.get(_command_name(argv) or "") if argv is not None else None
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
        if chosen is None or name == chosen:
            import_module(f"tracker.cli.{name}").register(sub)
    _describe(sub)
    return parser


def _command_name(argv: Sequence[str]) -> str | None:
    """The command `argv` runs: its first word after the global `-w DIR`; None before any other option."""
    args = iter(argv)
    for arg in args:
        if arg in ("-w", "--workspace"):
            next(args, None)
        elif arg.startswith(("--workspace=", "-w")) and arg != "-w":
            continue
        elif arg.startswith("-"):
            return None
        else:
            return arg
    return None


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
        arguments = dash_values(sys.argv[1:] if argv is None else list(argv))
        parser = build_parser(arguments)
        args = parser.parse_args(arguments)
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
