"""A report is complete or it fails (issue 15, item 1).

One typo in a commitment file used to remove its statement from `status` and `export`
with exit 0, turn into a dozen `check` problems, and let `match` retract its signals.
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
from tests.fixtures_status import build_status_fixture
from tracker.errors import IncompleteError

BAD_DATE = ("  date: 2021-06-01\n", "  date: 2021-02-30\n")


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    """The status fixture with beta.yaml's statement date made impossible (Feb 30)."""
    root = build_status_fixture(tmp_path / "ws").root
    beta = root / "commitments" / "beta.yaml"
    text = beta.read_text(encoding="utf-8")
    assert BAD_DATE[0] in text
    beta.write_text(text.replace(*BAD_DATE, 1), encoding="utf-8")
    return root


@pytest.mark.parametrize(
    "args",
    [
        ["status"],
        ["status", "--summary"],
        ["export", "--format", "csv"],
        ["export", "--format", "yaml"],
        ["export", "--what", "evidence", "--format", "json"],
        ["digest", "--since", "3650d"],
        ["snapshot", "interim"],
    ],
)
def test_reports_fail_naming_the_file_line_and_field(broken: Path, args: list[str]) -> None:
    result = run_cli(*args, workspace=broken)
    assert result.code == 1, result.err
    assert result.out == ""
    lines = result.err.splitlines()
    assert any("commitments/beta.yaml:" in line and "statement.date" in line for line in lines), result.err
    assert lines[-1] == f"tracker: error: {IncompleteError.HINT}"
    assert "fix them or pass --partial" in lines[-1]


def test_partial_yaml_json_and_markdown_name_what_is_missing(broken: Path) -> None:
    as_json = run_cli("export", "--format", "json", "--partial", workspace=broken)
    assert as_json.code == 0, as_json.err
    model = json.loads(as_json.out)
    assert [m["file"] for m in model["missing"]] == ["commitments/beta.yaml"]
    assert model["missing"][0]["field"] == "statement.date"
    assert [s["id"] for s in model["statements"]] == ["alpha"]
    as_yaml = yaml.safe_load(run_cli("export", "--partial", workspace=broken).out)
    assert as_yaml["missing"] == model["missing"]
    markdown = run_cli("export", "--format", "markdown", "--partial", workspace=broken).out
    first = markdown.split("\n\n")[1]
    assert first.startswith("**Incomplete report**: the commitments of commitments/beta.yaml are missing")
    assert "statement.date" in first


def test_partial_csv_warns_and_exits_3(broken: Path) -> None:
    result = run_cli("export", "--format", "csv", "--partial", workspace=broken)
    assert result.code == 3
    assert {row["statement"] for row in csv.DictReader(io.StringIO(result.out))} == {"alpha"}
    assert "incomplete report (--partial)" in result.err and "commitments/beta.yaml" in result.err
    status = run_cli("status", "--summary", "--partial", workspace=broken)
    assert status.code == 3 and "commitments/beta.yaml" in status.err


def test_partial_digest_and_snapshot_carry_what_is_missing(broken: Path) -> None:
    digest = run_cli("digest", "--since", "3650d", "--partial", workspace=broken)
    assert digest.code == 0, digest.err
    assert digest.out.splitlines()[1].startswith("Incomplete: 1 record problem left commitments out:")
    as_json = json.loads(
        run_cli("digest", "--since", "3650d", "--partial", "--format", "json", workspace=broken).out
    )
    assert "commitments/beta.yaml" in as_json["missing"][0]
    snap = run_cli("snapshot", "interim", "--partial", workspace=broken)
    assert snap.code == 0, snap.err
    frozen = json.loads(run_cli("export", "--snapshot", "interim", "--format", "json", workspace=broken).out)
    assert frozen["missing"][0]["file"] == "commitments/beta.yaml"


def test_a_complete_report_has_no_missing_key(tmp_path: Path) -> None:
    root = build_status_fixture(tmp_path / "ws").root
    model = json.loads(run_cli("export", "--format", "json", workspace=root).out)
    assert "missing" not in model


def test_match_does_not_retract_the_signals_of_a_broken_file(broken: Path) -> None:
    db = broken / ".tracker" / "tracker.db"

    def active() -> set[str]:
        with sqlite3.connect(db) as conn:
            sql = "SELECT commitment_id FROM signals WHERE state = 'active' AND review IS NULL"
            return {row[0] for row in conn.execute(sql)}

    before = active()
    assert "beta/2" in before
    result = run_cli("match", "--format", "json", workspace=broken)
    assert result.code == 0, result.err
    assert "beta/2" in active()  # its rules could not run: the link is not judged gone


def test_check_reports_the_root_cause_once(bundled_workspace: Path) -> None:
    record = bundled_workspace / "commitments" / "cn-ru-2016-internet-media-forum.yaml"
    text = record.read_text(encoding="utf-8")
    assert "date: 2016-10-29" in text
    record.write_text(text.replace("date: 2016-10-29", "date: 2016-02-30", 1), encoding="utf-8")
    result = run_cli("check", workspace=bundled_workspace)
    assert result.code == 1
    problems = [line for line in result.err.splitlines() if not line.startswith(tuple("0123456789"))]
    assert not [line for line in problems if "unknown commitment" in line], result.err
    assert any("cn-ru-2016-internet-media-forum.yaml" in line and "date" in line for line in problems)
    assert any("reference(s)" in line and "not listed" in line for line in problems)
    assert len(problems) == 2, result.err
