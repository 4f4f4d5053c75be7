"""One exit-code convention over every command (README, "Exit status"):

0 success, 1 failure or unknown id, 2 bad usage (3: a `--partial` CSV or table report).

One row per case, each on a fresh copy of the status fixture, through the real CLI. The
table must name every command the parser has, so a new command cannot skip the rule.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from tests.clirun import run_cli
from tests.fixtures_status import build_status_fixture
from tracker.cli import build_parser

LONG_NOTE = "consultations were held in 2023"
#: In a row's argv: break beta.yaml (an impossible date) before running the command.
BREAK = "<break beta.yaml>"

#: (command, argv, expected exit status). `{tmp}` is a fresh folder outside the workspace;
#: `{a1}` … are the fixture's signal ids; article 1 is the fixture's first article.
TABLE: list[tuple[str, list[str], int]] = [
    ("db info", ["db", "info"], 0),
    ("db info", ["db", "info", "extra"], 2),
    ("db upgrade", ["db", "upgrade"], 0),
    ("db upgrade", ["db", "upgrade", "--nope"], 2),
    ("db copy", ["db", "copy", "--to", "{tmp}/copy.db"], 0),
    ("db copy", ["db", "copy"], 2),
    ("db copy", ["db", "copy", "--to", "{ws}/.tracker/tracker.db"], 2),  # the source itself
    ("db copy", ["db", "copy", "--to", "mysql://db.example.org/tracker"], 1),
    ("watchers", ["watchers"], 0),
    ("watchers", ["watchers", "--format", "nope"], 2),
    ("init", ["init", "{tmp}/new"], 0),
    ("init", ["init", "{ws}"], 2),
    ("check", ["check"], 0),
    ("check", ["check", BREAK], 1),
    ("list", ["list"], 0),
    ("list", ["list", "--tag", "nosuch"], 1),
    ("list", ["list", "--statement", "nosuch"], 1),
    ("list", ["list", "--format", "nope"], 2),
    ("show", ["show", "alpha/1"], 0),
    ("show", ["show", "nosuch"], 1),
    ("show", ["show"], 2),
    ("fetch", ["fetch"], 0),  # no feeds configured: nothing to do
    ("fetch", ["fetch", "--feed", "nosuch"], 1),
    ("fetch", ["fetch", "--format", "nope"], 2),
    ("feeds", ["feeds"], 0),
    ("feeds", ["feeds", "--format", "nope"], 2),
    ("feeds import", ["feeds", "import", "{tmp}/missing.opml"], 2),
    ("feeds export", ["feeds", "export"], 0),
    ("feeds export", ["feeds", "export", "-o", "{tmp}/no/such/folder/feeds.opml"], 2),
    ("ingest", ["ingest", "{tmp}/good.jsonl"], 0),
    ("ingest", ["ingest", "{tmp}/mixed"], 1),  # one source could not be read
    ("ingest", ["ingest", "{tmp}/missing.jsonl"], 2),
    ("articles", ["articles"], 0),
    ("articles", ["articles", "--limit", "0"], 2),
    ("articles", ["articles", "--since", "99999 years"], 2),
    ("match", ["match"], 0),
    ("match", ["match", "--article", "99999"], 1),
    ("explain", ["explain", "1"], 0),
    ("explain", ["explain", "99999"], 1),
    ("explain", ["explain", "1", "nosuch/1"], 1),
    ("rules", ["rules"], 0),
    ("rules", ["rules", "--format", "nope"], 2),
    ("rules test", ["rules", "test", "nosuch"], 1),
    ("rules stats", ["rules", "stats"], 0),
    ("rules stats", ["rules", "stats", "--format", "nope"], 2),
    ("status", ["status"], 0),
    ("status", ["status", "--statement", "nosuch"], 1),
    ("status", ["status", "--tag", "nosuch"], 1),
    ("status", ["status", "--status", "nope"], 2),
    ("review", ["review"], 0),
    ("review", ["review", "--commitment", "nosuch/1"], 1),
    ("review confirm", ["review", "confirm", "{a4}"], 0),
    ("review confirm", ["review", "confirm", "99999"], 1),
    ("review confirm", ["review", "confirm", "x"], 2),
    ("review reject", ["review", "reject", "{a4}"], 0),
    ("review reject", ["review", "reject", "99999"], 1),
    ("review amend", ["review", "amend", "{a1}", "--note", "re-read"], 0),
    ("review amend", ["review", "amend", "99999", "--note", "x"], 1),
    ("review amend", ["review", "amend", "{a1}"], 2),
    ("assess", ["assess", "alpha/2", "in_progress", "--note", LONG_NOTE], 0),
    ("assess", ["assess", "nosuch/1", "fulfilled", "--note", LONG_NOTE], 1),
    ("assess", ["assess", "alpha/2", "fulfilled", "--note", LONG_NOTE, "--evidence", "999"], 1),
    ("assess", ["assess", "alpha/2", "fulfilled", "--note", "x"], 2),
    ("assess", ["assess", "alpha/2", "done", "--note", LONG_NOTE], 2),
    ("evidence add", ["evidence", "add", "alpha/2", "https://example.org/a"], 0),
    ("evidence add", ["evidence", "add", "nosuch/1", "https://example.org/a"], 1),
    ("evidence add", ["evidence", "add", "alpha/2", "javascript:alert(1)"], 2),
    ("evidence list", ["evidence", "list", "alpha/1"], 0),
    ("evidence list", ["evidence", "list", "nosuch/1"], 1),
    ("evidence show", ["evidence", "show", "1"], 1),  # nothing archived yet: a failure, said why
    ("evidence show", ["evidence", "show", "x"], 2),
    ("evidence show", ["evidence", "show", "99999"], 1),
    ("evidence archive", ["evidence", "archive", "99999"], 1),
    ("evidence archive", ["evidence", "archive", "x"], 2),
    ("archive verify", ["archive", "verify"], 0),
    ("archive verify", ["archive", "verify", "--nope"], 2),
    ("evidence withdraw", ["evidence", "withdraw", "99999"], 1),
    ("evidence withdraw", ["evidence", "withdraw"], 2),
    ("history", ["history", "alpha/1"], 0),
    ("history", ["history", "nosuch/1"], 1),
    ("export", ["export"], 0),
    ("export", ["export", "--snapshot", "nosuch"], 1),
    ("export", ["export", "--format", "nope"], 2),
    ("export", ["export", "-o", "{tmp}/no/such/folder/r.yaml"], 2),
    ("snapshot", ["snapshot", "interim"], 0),
    ("snapshot", ["snapshot", "--list"], 0),
    ("snapshot", ["snapshot", "Not_A_Slug"], 2),
    ("backup", ["backup", "{tmp}/copy.db"], 0),
    ("backup", ["backup", "{tmp}/no/such/folder/copy.db"], 2),
    ("watch", ["watch", "-v", "-q"], 2),
    ("poll-now", ["poll-now"], 0),  # filed for the next watcher
    ("poll-now", ["poll-now", "no-such-feed"], 1),
    ("digest", ["digest"], 0),
    ("digest", ["digest", "--since", "99999 years"], 2),
    ("ui", ["ui"], 1),  # no terminal here
    ("run", ["run"], 0),
    ("run", ["run", "--format", "nope"], 2),
    ("extract", ["extract", "{tmp}/statement.txt"], 0),
    ("extract", ["extract", "{tmp}/missing.txt"], 2),
]

STATEMENT = """Joint Statement of the Two Sides on Demo Cooperation
Moscow, 15 January 2020

1. The two sides will hold annual consultations on demo matters.
2. The sides agreed to set up a joint working group on data exchange by 2022.
"""


def _commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> set[str]:
    found: set[str] = set()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                required = any(isinstance(a, argparse._SubParsersAction) and a.required for a in sub._actions)
                if not required:
                    found.add(" ".join((*path, name)))
                found |= _commands(sub, (*path, name))
    return found


def test_the_table_covers_every_command() -> None:
    assert _commands(build_parser()) == {command for command, _, _ in TABLE}
    for command in {command for command, _, _ in TABLE}:
        codes = {code for c, _, code in TABLE if c == command}
        assert codes & {1, 2}, f"{command}: add a failure or bad-usage row"


@pytest.mark.parametrize(
    ("command", "argv", "code"), TABLE, ids=[" ".join(argv)[:60] for _, argv, _ in TABLE]
)
def test_exit_status(command: str, argv: list[str], code: int, tmp_path: Path) -> None:
    fixture = build_status_fixture(tmp_path / "ws")
    outside = tmp_path / "outside"
    (outside / "mixed").mkdir(parents=True)
    entry = {"entry": {"title": "Archived", "link": "https://x.example/1", "source": "https://x.example/rss"}}
    (outside / "good.jsonl").write_text(json.dumps(entry) + "\n", encoding="utf-8")
    (outside / "mixed" / "good.jsonl").write_text(json.dumps(entry) + "\n", encoding="utf-8")
    (outside / "mixed" / "broken.json").write_text("{not json", encoding="utf-8")
    (outside / "statement.txt").write_text(STATEMENT, encoding="utf-8")
    values = {"tmp": str(outside), "ws": str(fixture.root), **{k: str(v) for k, v in fixture.signals.items()}}
    if BREAK in argv:
        beta = fixture.root / "commitments" / "beta.yaml"
        beta.write_text(beta.read_text(encoding="utf-8").replace("date: 2021-06-01", "date: 2021-02-30"))
    args = [a.format(**values) for a in argv if a != BREAK]
    result = run_cli(*args, workspace=fixture.root, cwd=outside, env={"TRACKER_USER": "ana"})
    assert result.code == code, f"{args}: {result.err}"
    assert "Traceback" not in result.err
    if code == 2:
        assert result.err.startswith("tracker: error: ") and result.err.count("\n") == 1, result.err
    if code == 1:
        assert result.err.strip(), "a failure says why on stderr"
