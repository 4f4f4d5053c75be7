"""Verdicts follow one rule set everywhere and always name their assessor; the digest lists
only signals still waiting (issue 15, items 5 and 6)."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest

from tests.clirun import run_cli
from tests.fixtures_status import build_status_fixture
from tracker.core import verdict_problems
from tracker.tui.screens.assess import validate_assessment

WHY = "consultations were held in 2023"


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return build_status_fixture(tmp_path / "ws").root


def _assessors(ws: Path) -> list[str | None]:
    with sqlite3.connect(ws / ".tracker" / "tracker.db") as conn:
        return [row[0] for row in conn.execute("SELECT assessor FROM assessments ORDER BY id")]


def _without_names() -> dict[str, str]:
    """The environment of a systemd unit or a container: no $USER, $LOGNAME, $TRACKER_USER."""
    return {
        k: v
        for k, v in os.environ.items()
        if k not in ("USER", "LOGNAME", "LNAME", "USERNAME", "TRACKER_USER")
    }


def test_the_cli_refuses_what_the_dashboard_refuses(ws: Path) -> None:
    short = run_cli("assess", "alpha/2", "fulfilled", "--note", "x", workspace=ws)
    assert short.code == 2 and short.err == "tracker: error: --note: say why, in at least 10 characters\n"
    form = validate_assessment(
        status="fulfilled", party="joint", rationale="x", confidence="", evidence_ids=[], assessor=""
    )
    assert form == ["Rationale: say why, in at least 10 characters."]
    assert verdict_problems(status="fulfilled", party="joint", rationale=WHY, confidence=None) == []


def test_the_assessor_comes_from_tracker_yaml(ws: Path) -> None:
    (ws / "tracker.yaml").write_text("reviewer: zoe\n", encoding="utf-8")
    env = _without_names()
    result = run_cli("assess", "alpha/2", "in_progress", "--note", WHY, workspace=ws, env=env)
    assert result.code == 0, result.err
    evidence = run_cli("evidence", "add", "alpha/2", "https://example.org/x", workspace=ws, env=env)
    assert evidence.code == 0, evidence.err
    assert _assessors(ws)[-1] == "zoe"
    by = run_cli(
        "assess", "alpha/2", "in_progress", "--note", WHY, "--assessor", "kim", workspace=ws, env=env
    )
    assert by.code == 0 and _assessors(ws)[-1] == "kim"  # the old name of --by still works
    with sqlite3.connect(ws / ".tracker" / "tracker.db") as conn:
        sql = "SELECT added_by FROM evidence WHERE url = 'https://example.org/x'"
        assert [row[0] for row in conn.execute(sql)] == ["zoe"]


def test_the_assessor_is_never_empty(ws: Path) -> None:
    """Without any name in the environment or the workspace, the login name of the uid is used."""
    result = run_cli("assess", "alpha/2", "in_progress", "--note", WHY, workspace=ws, env=_without_names())
    assert result.code == 0, result.err
    assert _assessors(ws)[-1]  # never None or ""
    with_env = run_cli(
        "assess",
        "alpha/2",
        "partial",
        "--note",
        WHY,
        workspace=ws,
        env={**_without_names(), "TRACKER_USER": "lee"},
    )
    assert with_env.code == 0 and _assessors(ws)[-1] == "lee"


def test_the_digest_lists_only_waiting_signals(ws: Path) -> None:
    data = json.loads(run_cli("digest", "--since", "3650d", "--format", "json", workspace=ws).out)
    groups = {g["commitment"]: g for g in data["commitments"]}
    alpha2 = groups["alpha/2"]
    # a1 was confirmed and a2 rejected by the analyst: neither is news any more
    assert alpha2["signals"] == []
    assert [s["review"] for s in alpha2["confirmed"]] == ["confirmed"]
    assert [s["review"] for s in alpha2["rejected"]] == ["rejected"]
    assert [s["review"] for s in groups["beta/2"]["signals"]] == [None]
    assert data["signals"] == 2 and data["reviewed"] == 3  # waiting: beta/2's and alpha/3's
    text = run_cli("digest", "--since", "3650d", workspace=ws).out
    assert "2 new signals waiting for review (3 already reviewed)" in text
    rejected = alpha2["rejected"][0]["id"]
    assert f"  rejected since: signal {rejected} (" in text
    assert f"  signal {rejected} [" not in text
    markdown = run_cli("digest", "--since", "3650d", "--format", "markdown", workspace=ws).out
    assert "Rejected since:" in markdown and "Confirmed since:" in markdown
