"""Range checks for every command-line argument, before any handler runs.

argparse checks the shape of an argument (an int, one of the choices); it does not stop
a 100 KB id, an empty `--statement ""`, a terminal escape in a note, bytes that are not
UTF-8, or an id too large for SQLite. Those used to reach the core and come back as
tracebacks or as confusing "unknown id" failures. Checking the parsed namespace once,
here, covers every command (and every command added later) with the same one-line
messages, each naming the argument, and exit status 2.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

from tracker.errors import UsageError

#: Free-text arguments and the most characters each may hold. Every other text argument
#: (ids, names, dates, durations, formats) is short.
TEXT_LIMITS = {
    "note": 10_000,
    "title": 1_000,
    "publisher": 500,
    "source": 4_096,
    "search": 500,
}
#: Ids, names, dates, durations: the longest, a commitment id, is two 80-character slugs and a "/".
NAME_LIMIT = 161
#: File and folder paths (Linux allows 4,096 bytes).
PATH_LIMIT = 4_096
#: Ids and counts fit SQLite's integers with room to spare; beyond this a number is a typo.
INT_LIMIT = 2**31 - 1

#: Control characters: never in an argument (tab and newline allowed in free text).
_CONTROL_NAME = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_TEXT = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
#: What Python makes of bytes that are not UTF-8 in argv (surrogateescape).
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def argument_names(parser: argparse.ArgumentParser, args: argparse.Namespace) -> dict[str, str]:
    """dest -> how the user wrote it (`--note`, `ID`) for the command that was chosen.

    The same dest can be an option of one command and a positional of another
    (`match --article N`, `explain ARTICLE`), so the names come from the parsers on the
    path to the chosen command, the innermost first.
    """
    chain = [parser]
    while True:
        subs = [a for a in chain[-1]._actions if isinstance(a, argparse._SubParsersAction)]
        chosen = getattr(args, subs[0].dest, None) if subs else None
        if not subs or chosen not in subs[0].choices:
            break
        chain.append(subs[0].choices[chosen])
    names: dict[str, str] = {}
    for current in reversed(chain):
        for action in current._actions:
            if action.dest in names or isinstance(action, argparse._SubParsersAction):
                continue
            if action.option_strings:
                names[action.dest] = _long(action.option_strings)
            else:
                metavar = action.metavar if isinstance(action.metavar, str) else None
                names[action.dest] = metavar or action.dest.upper()
    return names


def _long(options: list[str]) -> str:
    """The name to show: the first long form (`--by` of `--by/--reviewer`, `--output` of `-o`)."""
    return next((o for o in options if o.startswith("--")), options[0])


def check_namespace(args: argparse.Namespace, names: dict[str, str]) -> None:
    """Raise UsageError for the first argument out of range."""
    for dest, value in vars(args).items():
        if dest in ("handler", "command") or value is None or isinstance(value, bool):
            continue
        name = names.get(dest, dest)
        for item in value if isinstance(value, list) else [value]:
            _check(dest, name, item)


def _check(dest: str, name: str, value: Any) -> None:
    if isinstance(value, int):
        if not 0 <= value <= INT_LIMIT:
            raise UsageError(f"{name}: {value} is out of range (0 to {INT_LIMIT:,})")
        return
    if isinstance(value, Path):
        _check_path(name, str(value))
        return
    if not isinstance(value, str):
        return
    if dest == "workspace":
        _check_path(name, value)
        return
    if _SURROGATE.search(value):
        raise UsageError(f"{name}: the value is not valid UTF-8")
    if not value.strip():
        raise UsageError(f"{name}: expected a value, got an empty string")
    limit = TEXT_LIMITS.get(dest, NAME_LIMIT)
    if len(value) > limit:
        raise UsageError(f"{name}: at most {limit:,} characters, got {len(value):,}")
    control = (_CONTROL_TEXT if dest in TEXT_LIMITS else _CONTROL_NAME).search(value)
    if control:
        raise UsageError(f"{name}: control character {control.group()!r} is not allowed")


def _check_path(name: str, value: str) -> None:
    if not value.strip():
        raise UsageError(f"{name}: expected a path, got an empty string")
    if len(value) > PATH_LIMIT:
        raise UsageError(f"{name}: a path of at most {PATH_LIMIT:,} characters, got {len(value):,}")
    if _SURROGATE.search(value):
        raise UsageError(f"{name}: the path is not valid UTF-8")
    control = _CONTROL_NAME.search(value)
    if control:
        raise UsageError(f"{name}: control character {control.group()!r} is not allowed in a path")


def path_arg(text: str) -> Path:
    """argparse type for paths: `Path("")` would silently mean the current folder."""
    if not text.strip():
        raise argparse.ArgumentTypeError("expected a path, got an empty string")
    return Path(text)


def one_line(message: str, limit: int = 400) -> str:
    """An error message safe to print: one line, no control characters, bytes that are not
    UTF-8 shown escaped, and never a 100 KB argument echoed whole."""
    text = message.encode("utf-8", "backslashreplace").decode("utf-8")
    text = _CONTROL_NAME.sub(lambda m: repr(m.group())[1:-1], text)
    if len(text) > limit:
        text = f"{text[: limit - 60]}… ({len(text) - limit + 60:,} more characters)"
    return text
