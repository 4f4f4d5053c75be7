"""Starting the CLI loads only what the command needs (issue #14: `--help` and `status` at once).

Structural, not timed: which modules a fresh interpreter has loaded after the command,
read from `sys.modules` in a subprocess. The figures themselves are printed by
`python -m bench startup`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib import import_module
from pathlib import Path

import pytest

from tracker.cli import COMMAND_MODULES, COMMANDS, _command_name, _Parser, build_parser

ROOT = Path(__file__).resolve().parents[1]
#: Libraries no quick command needs: each costs tens of milliseconds to import.
HEAVY = (
    "dateparser",
    "aiohttp",
    "textual",
    "trafilatura",
    "lxml",
    "opencc",
    "Stemmer",
    "apscheduler",
    "feedparser",
    "ahocorasick",
    "warcio",
    "watchfiles",
    "psutil",
    "tracker.extract",
    "tracker.feeds",
    "tracker.rules",
    "tracker.tui",
    "tracker.watch",
)

_PROBE = """
import contextlib, io, json, sys
from tracker.cli import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    try:
        code = main(sys.argv[1:])
    except SystemExit as exc:
        code = exc.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def _loaded(*argv: str) -> tuple[int, set[str]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("TRACKER_WORKSPACE", None)
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *argv], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    result = json.loads(done.stdout)
    return result["code"], set(result["modules"])


def _heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


@pytest.mark.parametrize("argv", [("--help",), ("status",), ("status", "--format", "csv")])
def test_quick_commands_load_no_heavy_library(argv: tuple[str, ...]) -> None:
    code, modules = _loaded(*argv)
    assert code == 0
    assert _heavy(modules) == []


def test_a_command_loads_only_its_own_module() -> None:
    _, modules = _loaded("status")
    own = {"tracker.cli.cmd_status", "tracker.cli.cmd_archive"}  # status offers archive's evidence actions
    others = {f"tracker.cli.{m}" for m in COMMAND_MODULES} - own
    assert modules & others == set()


def test_every_command_is_mapped_to_the_module_that_registers_it() -> None:
    registered: dict[str, str] = {}
    for name in COMMAND_MODULES:
        sub = _Parser(prog="tracker").add_subparsers(dest="command")
        import_module(f"tracker.cli.{name}").register(sub)
        registered.update(dict.fromkeys(sub.choices, name))
    assert registered == COMMANDS


@pytest.mark.parametrize(
    ("argv", "command"),
    [
        (["status"], "status"),
        (["-w", "ws", "status"], "status"),
        (["--workspace", "ws", "review", "list"], "review"),
        (["--workspace=ws", "export"], "export"),
        (["-wws", "feeds", "list"], "feeds"),
        (["--help"], None),
        (["--version"], None),
        ([], None),
    ],
)
def test_the_command_is_found_after_the_global_options(argv: list[str], command: str | None) -> None:
    assert _command_name(argv) == command


def test_one_command_parses_as_with_every_command() -> None:
    argv = ["-w", "ws", "export", "--format", "json", "--what", "commitments"]
    one, whole = build_parser(argv).parse_args(argv), build_parser().parse_args(argv)
    assert vars(one) == vars(whole)


def test_a_piped_table_measures_its_widest_rows_as_wide_as_all_of_them() -> None:
    """`tracker status | less` sizes the table from the rows holding each column's widest cell."""
    import random

    from rich.console import Console

    from tracker.cli.common import UNBOUNDED, InertConsole, _build_table, _widest_rows

    console: Console = InertConsole(highlight=False, soft_wrap=False, width=80)
    options = console.options.update_width(UNBOUNDED)
    words = [
        "id",
        "协议",
        "соглашение",
        ":smile:",
        "a:b",
        "line\nbreak",
        "[bold]x[/]",
        "\x1b[2J",
        "tab\tx",
        "",
    ]
    rng = random.Random(14)
    for _ in range(300):
        columns = [f"c{n}" for n in range(rng.randrange(1, 5))]
        cells = [
            [" ".join(rng.choice(words) for _ in range(rng.randrange(0, 6))) for _ in columns]
            for _ in range(rng.randrange(1, 12))
        ]
        whole = console.measure(_build_table(cells, columns, None, keep_short=True), options=options)
        probe = console.measure(
            _build_table(_widest_rows(cells), columns, None, keep_short=True), options=options
        )
        assert probe.maximum == whole.maximum, cells
