"""`tracker run` without a terminal prints the status table and exits 0 (it must never hang in CI)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from tests.fixtures_tui import build_fixture, open_tracker
from tracker.cli import cmd_ui
from tracker.cli.common import Context


@pytest.fixture
def ctx(tmp_path: Path) -> Context:
    fixture = build_fixture(tmp_path / "ws")
    context = Context(str(fixture.root))
    context.__dict__["tracker"] = open_tracker(fixture)
    return context


def test_run_without_a_terminal_prints_the_status_table(
    ctx: Context, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cmd_ui.run_run(argparse.Namespace(format="table"), ctx)
    out = capsys.readouterr().out
    assert code == 0
    assert "5 commitments" in out and "compliance 100%" in out
    assert "alpha/1" in out and "fulfilled" in out and "unreviewed" in out
    assert "no terminal" in out


def test_run_without_a_terminal_can_emit_json(ctx: Context, capsys: pytest.CaptureFixture[str]) -> None:
    assert cmd_ui.run_run(argparse.Namespace(format="json"), ctx) == 0
    rows = json.loads(capsys.readouterr().out)
    by_id = {row["id"]: row for row in rows}
    assert by_id["alpha/2"]["status"] == "unreviewed" and by_id["alpha/2"]["unreviewed"] == 3
    assert by_id["alpha/1"]["origin"] == "analyst" and by_id["alpha/1"]["score"] == 1


def test_ui_refuses_to_start_without_a_terminal(ctx: Context, capsys: pytest.CaptureFixture[str]) -> None:
    assert cmd_ui.run_ui(argparse.Namespace(no_monitor=True), ctx) == 1
    assert "needs a terminal" in capsys.readouterr().err


def test_the_parser_knows_ui_and_run() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command")
    cmd_ui.register(sub)
    assert parser.parse_args(["ui", "--no-monitor"]).no_monitor is True
    assert parser.parse_args(["run"]).handler is cmd_ui.run_run
