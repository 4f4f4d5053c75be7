"""Every command, every argument, hostile values: one line on stderr and exit 2, never a traceback.

The commands and their arguments are read from the real parser, so a command or option
added later is fuzzed without touching this file. Each case runs `tracker.cli.main`
in-process (a thousand subprocesses would take minutes); one case per kind of value also
runs through the real executable with real bytes in argv.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tracker.cli import build_parser, main
from tracker.cli.arguments import TEXT_LIMITS, _long, path_arg

#: A valid value for each positional argument, so that only the hostile one is wrong.
BASELINE = {
    "id": "cn-ru-2016-internet-media-forum/2",
    "commitment": "cn-ru-2016-internet-media-forum/2",
    "verdict": "fulfilled",
    "signals": "1",
    "evidence": "1",
    "source": "https://example.org/report",
    "file": "input.yaml",
    "dir": "new-workspace",
    "paths": "archive.jsonl",
    "article": "1",
    "rule": "some-rule",
    "name": "interim",
}
#: Options the command needs even when another argument is the one under test.
REQUIRED_OPTIONS = {"--note": "a rationale of some length"}

HOSTILE = {
    "huge number": "9" * 400,
    "empty": "",
    "100 KB": "x" * 100_000,
    "control characters": "a\x1b[31mred\x00",
    "not UTF-8": b"caf\xe9".decode("utf-8", "surrogateescape"),
}
#: A number is a perfectly good file name; every other hostile value is refused for paths too.
PATH_DESTS = {"dir", "file", "paths", "output", "into", "rules", "workspace"}


def _commands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield (*path, name), sub
                yield from _commands(sub, (*path, name))


def _cases() -> Iterator[tuple[tuple[str, ...], str, str]]:
    """(argv without the value, dest, hostile kind): every value-taking argument of every command."""
    parser = build_parser()
    for path, sub in _commands(parser):
        if any(isinstance(a, argparse._SubParsersAction) and a.required for a in sub._actions):
            continue  # `evidence` alone is not a command; `evidence add` is
        actions = [a for a in sub._actions if not isinstance(a, argparse._SubParsersAction)]
        targets = [a for a in actions if a.nargs != 0 and a.dest != "help"]
        for target in [*targets, "workspace"]:
            dest = target if isinstance(target, str) else target.dest
            is_path = dest in PATH_DESTS or getattr(target, "type", None) in (Path, path_arg)
            for kind in HOSTILE:
                if kind == "huge number" and (is_path or dest in TEXT_LIMITS):
                    continue  # a number is a good file name, or a good note
                yield path, dest, kind


def _argv(path: tuple[str, ...], dest: str, value: str) -> list[str]:
    parser = build_parser()
    sub = dict(_commands(parser))[path]
    argv = ["--workspace", value] if dest == "workspace" else ["--workspace", "ws"]
    argv += list(path)
    positionals = [
        a for a in sub._actions if not a.option_strings and not isinstance(a, argparse._SubParsersAction)
    ]
    for action in positionals:
        if action.dest == dest:
            argv.append(value)
        elif action.nargs not in ("?", "*"):
            argv.append(BASELINE[action.dest])
    for action in sub._actions:
        if action.option_strings and action.dest == dest:
            argv += [_long(action.option_strings), value]
    for option, default in REQUIRED_OPTIONS.items():
        action = sub._option_string_actions.get(option)
        if action is not None and action.required and action.dest != dest:
            argv += [option, default]
    return argv


def _name(path: tuple[str, ...], dest: str) -> str:
    """How the argument under test is written (`--note`, `ID`): what the error must name."""
    if dest == "workspace":
        return "--workspace"
    [action] = [a for a in dict(_commands(build_parser()))[path]._actions if a.dest == dest]
    return _long(action.option_strings) if action.option_strings else str(action.metavar)


CASES = list(_cases())


def test_path_arguments_refuse_an_empty_path() -> None:
    """`type=Path` turns "" into "." (the current folder): every path argument uses path_arg."""
    for path, sub in _commands(build_parser()):
        for action in sub._actions:
            assert action.type is not Path, f"{' '.join(path)} {action.dest}: use type=path_arg"


def test_every_command_and_argument_is_fuzzed() -> None:
    commands = {" ".join(path) for path, _, _ in CASES}
    assert {
        "assess",
        "review confirm",
        "export",
        "feeds import",
        "digest",
        "articles",
        "snapshot",
    } <= commands
    assert len(CASES) > 300


@pytest.mark.parametrize(("path", "dest", "kind"), CASES, ids=[f"{' '.join(p)}-{d}-{k}" for p, d, k in CASES])
def test_hostile_argument_is_bad_usage(
    path: tuple[str, ...],
    dest: str,
    kind: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TRACKER_WORKSPACE", raising=False)
    code = main(_argv(path, dest, HOSTILE[kind]))
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith("tracker: error: ") and err.count("\n") == 1, err
    assert len(err) < 1_000  # a 100 KB value is never echoed whole
    assert "\x1b" not in err and "\x00" not in err
    name = _name(path, dest)
    assert name in err or name.lstrip("-") in err
    assert not any(tmp_path.iterdir())  # nothing was written


@pytest.mark.parametrize(
    "argv",
    [
        [b"articles", b"--since", b"99999 years"],
        [b"digest", b"--since", b"10000000days"],
        [b"show", b"caf\xe9"],
        [b"assess", b"x" * 100_000, b"fulfilled", b"--note", b"a note long enough"],
        [b"review", b"--limit", b"9" * 30],
        [b"export", b"--statement", b"a\x1b]0;pwned\x07"],
    ],
    ids=["since-years", "digest-days", "non-utf8", "100kb-id", "huge-limit", "escape"],
)
def test_real_executable_with_real_bytes(argv: list[bytes], bundled_workspace: Path) -> None:
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("TRACKER_WORKSPACE", None)
    proc = subprocess.run(
        [sys.executable.encode(), b"-m", b"tracker", b"--workspace", bytes(bundled_workspace), *argv],
        capture_output=True,
        env=env,
        timeout=60,
        check=False,
    )
    err = proc.stderr.decode("utf-8")
    assert proc.returncode == 2, err
    assert "Traceback" not in err and err.count("\n") == 1 and len(err) < 1_000, err
