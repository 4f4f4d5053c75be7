"""Status, review, assessment, evidence, history, export and backup through the real CLI.

Articles arrive through `tracker ingest` and are linked by the bundled rules, so the
whole flow from article to exported verdict is exercised, on a real SQLite file.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import pytest
import yaml

from tests.clirun import run_cli

ARTICLES = [
    {
        "title": "Russian and Chinese online media sign agreement on content exchange and joint interviews",
        "link": "https://news.example.org/a1",
        "date": "2023-03-02",
        "description": "Sputnik and Xinhua agreed a long-term cooperation mechanism between Chinese"
        " and Russian internet media, with content exchange, joint interviews and joint seminars.",
    },
    {
        "title": "Weather in Moscow",
        "link": "https://news.example.org/a2",
        "date": "2023-03-03",
        "description": "Snow.",
    },
]
COMMITMENT = "cn-ru-2016-internet-media-forum/2"


@pytest.fixture
def workspace(bundled_workspace: Path) -> Path:
    archive = bundled_workspace / "articles.jsonl"
    archive.write_text("\n".join(json.dumps(a) for a in ARTICLES) + "\n", encoding="utf-8")
    result = run_cli("ingest", archive, workspace=bundled_workspace)
    assert result.code == 0, result.err
    return bundled_workspace


def status_of(workspace: Path, commitment_id: str) -> dict[str, str]:
    rows = csv.DictReader(io.StringIO(run_cli("status", "--format", "csv", workspace=workspace).out))
    return next(row for row in rows if row["commitment"] == commitment_id)


def test_review_confirm_assess_history_and_export(workspace: Path) -> None:
    pending = json.loads(run_cli("review", "--format", "json", workspace=workspace).out)
    assert [(s["id"], s["commitment_id"]) for s in pending] == [(1, COMMITMENT)]
    assert status_of(workspace, COMMITMENT)["status"] == "unreviewed"

    confirm = run_cli(
        "review", "confirm", "1", "--strength", "mechanism", "--note", "signed", workspace=workspace
    )
    assert confirm.code == 0 and "confirmed as evidence 1" in confirm.out
    row = status_of(workspace, COMMITMENT)
    assert (row["status"], row["origin"], row["evidence"]) == ("stalled", "derived", "1")

    assess = run_cli("assess", COMMITMENT, "fulfilled", "--note", "mechanism in place", "--evidence", "1",
                     workspace=workspace)  # fmt: skip
    assert assess.code == 0, assess.err
    row = status_of(workspace, COMMITMENT)
    assert (row["status"], row["origin"], row["score"]) == ("fulfilled", "analyst", "1")

    history = json.loads(run_cli("history", COMMITMENT, "--format", "json", workspace=workspace).out)
    assert [h["status"] for h in history] == ["unreviewed", "stalled", "fulfilled"]
    assert history[-1]["evidence"] == [1] and history[-1]["reason"] == "mechanism in place"

    report = yaml.safe_load(
        run_cli("export", "--format", "yaml", "--status", "fulfilled", workspace=workspace).out
    )
    assert report["compliance_percent"] == 100.0 and report["commitments"] == 1
    [statement] = report["statements"]
    [commitment] = statement["commitments"]
    assert commitment["evidence"][0]["url"] == "https://news.example.org/a1"
    assert commitment["evidence"][0]["strength"] == "mechanism"
    as_json = json.loads(
        run_cli("export", "--format", "json", "--status", "fulfilled", workspace=workspace).out
    )
    as_json.pop("generated"), report.pop("generated")  # two runs, two clocks
    assert as_json == report  # one model, every format

    markdown = run_cli(
        "export", "--format", "markdown", "--statement", statement["id"], workspace=workspace
    ).out
    assert "| cn-ru-2016-internet-media-forum/2 |" in markdown and "compliance 100.0 %" in markdown


def test_rejected_signal_stays_rejected_after_rematching(workspace: Path) -> None:
    assert run_cli("review", "reject", "1", "--note", "not about the forum", workspace=workspace).code == 0
    assert run_cli("match", workspace=workspace).code == 0
    assert json.loads(run_cli("review", "--format", "json", workspace=workspace).out) == []
    assert status_of(workspace, COMMITMENT)["status"] == "no_evidence"


def test_evidence_added_by_hand_and_csv_is_safe(workspace: Path, tmp_path: Path) -> None:
    added = run_cli("evidence", "add", COMMITMENT, "https://example.org/report",
                    "--title", "=HYPERLINK(\"http://evil.example\",\"click\")", "--date", "2024-01-10",
                    "--publisher", "@mention", workspace=workspace)  # fmt: skip
    assert added.code == 0, added.err
    out = tmp_path / "evidence.csv"
    assert (
        run_cli("export", "--format", "csv", "--what", "evidence", "-o", out, workspace=workspace).code == 0
    )
    [row] = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert row["title"] == '\'=HYPERLINK("http://evil.example","click")'
    assert row["publisher"] == "'@mention" and row["date"] == "2024-01-10"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["assess", COMMITMENT, "done", "--note", "x"], "invalid choice: 'done'"),
        (["assess", "nope/1", "fulfilled", "--note", "x"], "no commitment 'nope/1'"),
        (
            ["assess", COMMITMENT, "fulfilled", "--note", "x", "--evidence", "99"],
            "--evidence: no evidence [99]",
        ),
        (["review", "confirm", "42"], "no signal 42"),
        (
            ["evidence", "add", COMMITMENT, "x", "--title", "t", "--date", "10/01/2024"],
            "--date: expected YYYY-MM-DD",
        ),
        (["export", "--statement", "nope"], "--statement: no statement 'nope'"),
    ],
)
def test_bad_input_names_the_argument(workspace: Path, args: list[str], message: str) -> None:
    result = run_cli(*args, workspace=workspace)
    assert result.code in (1, 2) and message in result.err and "Traceback" not in result.err


def test_backup_is_a_consistent_copy(workspace: Path, tmp_path: Path) -> None:
    run_cli("review", "confirm", "1", workspace=workspace)
    target = tmp_path / "copy.db"
    assert run_cli("backup", target, workspace=workspace).code == 0
    with sqlite3.connect(target) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT review FROM signals WHERE id = 1").fetchone()[0] == "confirmed"
    again = run_cli("backup", target, workspace=workspace)
    assert again.code == 2 and "exists" in again.err


def test_snapshots_freeze_the_report_and_are_immutable(workspace: Path) -> None:
    assert run_cli("snapshot", "interim-2023", workspace=workspace).code == 0
    frozen = yaml.safe_load(run_cli("export", "--snapshot", "interim-2023", workspace=workspace).out)
    assert frozen["compliance_percent"] is None
    run_cli("review", "confirm", "1", workspace=workspace)
    run_cli("assess", COMMITMENT, "fulfilled", "--note", "done", workspace=workspace)
    now = yaml.safe_load(run_cli("export", workspace=workspace).out)
    assert now["compliance_percent"] == 100.0
    again = yaml.safe_load(run_cli("export", "--snapshot", "interim-2023", workspace=workspace).out)
    assert again == frozen  # later reviews never change a snapshot
    taken = run_cli("snapshot", "interim-2023", workspace=workspace)
    assert taken.code == 2 and "snapshots are immutable" in taken.err
    assert "interim-2023" in run_cli("snapshot", "--list", workspace=workspace).out
    missing = run_cli("export", "--snapshot", "nope", workspace=workspace)
    assert missing.code == 1 and "--snapshot: no snapshot 'nope'" in missing.err


def test_workspace_stale_after_decides_when_evidence_is_stale(workspace: Path) -> None:
    run_cli("review", "confirm", "1", workspace=workspace)
    assert status_of(workspace, COMMITMENT)["status"] == "stalled"  # 2023 evidence, 365 days by default
    (workspace / "tracker.yaml").write_text("stale_after: 10 years\n", encoding="utf-8")
    assert status_of(workspace, COMMITMENT)["status"] == "in_progress"
    (workspace / "tracker.yaml").write_text("stale_after: soon\ncolour: red\n", encoding="utf-8")
    check = run_cli("check", workspace=workspace)
    assert check.code == 1
    assert "tracker.yaml:1: stale_after: expected a duration" in check.err
    assert "tracker.yaml:2: colour: unknown key" in check.err
