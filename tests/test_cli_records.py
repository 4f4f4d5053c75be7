"""The record commands driven through the real CLI."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import yaml

from tests.clirun import run_cli
from tests.conftest import MINIMAL_STATEMENT, write


def test_check_ok_on_a_valid_workspace(demo_workspace: Path) -> None:
    result = run_cli("check", workspace=demo_workspace)
    assert result.code == 0, result.err
    assert result.out.startswith("ok: 1 statements, 1 commitments")


def test_check_lists_every_problem_with_file_and_line(demo_workspace: Path) -> None:
    bad = MINIMAL_STATEMENT.replace("  date: 2020-01-15\n", "  date: 15/01/2020\n").replace(
        "    type: action\n", "    type: action\n    colour: red\n"
    )
    write(
        demo_workspace / "commitments" / "bad.yaml",
        bad.replace("  id: demo\n", "  id: bad\n", 1).replace("  - id: demo/1", "  - id: bad/1"),
    )
    result = run_cli("check", workspace=demo_workspace)
    assert result.code == 1
    lines = result.err.splitlines()
    bad_path = demo_workspace.resolve() / "commitments" / "bad.yaml"
    assert (
        f"{bad_path}:7: statement.date: expected a date YYYY-MM-DD or 'not stated', got '15/01/2020'" in lines
    )
    assert any(line.startswith(f"{bad_path}:18: commitments[0].colour: unknown key") for line in lines)
    assert "Traceback" not in result.err


def test_read_commands_keep_working_when_a_file_is_broken(demo_workspace: Path) -> None:
    write(demo_workspace / "commitments" / "broken.yaml", "statement: [\n")
    result = run_cli("list", "--format", "json", workspace=demo_workspace)
    assert result.code == 0
    assert [row["id"] for row in json.loads(result.out)] == ["demo/1"]
    assert "problem(s) in the records were skipped" in result.err


def test_list_formats(demo_workspace: Path) -> None:
    as_yaml = yaml.safe_load(run_cli("list", "--format", "yaml", workspace=demo_workspace).out)
    as_json = json.loads(run_cli("list", "--format", "json", workspace=demo_workspace).out)
    as_csv = list(
        csv.DictReader(io.StringIO(run_cli("list", "--format", "csv", workspace=demo_workspace).out))
    )
    assert as_yaml == as_json
    assert as_csv[0]["id"] == "demo/1" and as_csv[0]["tags"] == "mechanism"
    table = run_cli("list", workspace=demo_workspace).out
    assert "demo/1" in table and "Hold annual consultations" in table


def test_list_filters_by_statement_and_tag(demo_workspace: Path) -> None:
    unknown = run_cli("list", "--tag", "nothing", "--format", "json", workspace=demo_workspace)
    assert unknown.code == 1 and "--tag: no commitment has the tag 'nothing'" in unknown.err
    assert unknown.out == ""
    tagged = json.loads(
        run_cli("list", "--tag", "mechanism", "--format", "json", workspace=demo_workspace).out
    )
    assert [row["id"] for row in tagged] == ["demo/1"]
    result = run_cli("list", "--statement", "nope", workspace=demo_workspace)
    assert result.code == 1 and "--statement: no statement 'nope'" in result.err


def test_show_commitment_and_statement(demo_workspace: Path) -> None:
    text = run_cli("show", "demo/1", workspace=demo_workspace).out
    assert "双方将就示范事项举行年度磋商。" in text and "not stated" in text
    data = yaml.safe_load(run_cli("show", "demo/1", "--format", "yaml", workspace=demo_workspace).out)
    assert data[0]["deadline"] == "not stated"
    assert "demo/1" in run_cli("show", "demo", workspace=demo_workspace).out
    missing = run_cli("show", "demo/99", workspace=demo_workspace)
    assert missing.code == 1 and "ID: no commitment or statement 'demo/99'" in missing.err


def test_workspace_from_environment_and_errors(demo_workspace: Path, tmp_path: Path) -> None:
    assert run_cli("check", env={"TRACKER_WORKSPACE": str(demo_workspace)}, cwd=tmp_path).code == 0
    missing = run_cli("check", workspace=tmp_path / "nowhere")
    assert missing.code == 2 and "--workspace:" in missing.err and "is not a folder" in missing.err
    unknown = run_cli("frobnicate", workspace=demo_workspace)
    assert unknown.code == 2 and "invalid choice: 'frobnicate'" in unknown.err


def test_init_creates_a_workspace_that_checks_clean(tmp_path: Path) -> None:
    target = tmp_path / "new"
    result = run_cli("init", target)
    assert result.code == 0, result.err
    for name in ("commitments", "rules", "feeds"):
        assert (target / name).is_dir()
    assert ".tracker/" in (target / ".gitignore").read_text()
    assert run_cli("check", workspace=target).code == 0
    again = run_cli("init", target)
    assert again.code == 2 and "already holds a workspace" in again.err
