"""tracker.yaml: every setting read, every problem named by file, line and field."""

from __future__ import annotations

import textwrap
from datetime import time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.clirun import run_cli
from tracker.records.config import (
    REPORT_FORMATS,
    REPORT_KINDS,
    STATUSES,
    Config,
    ReportSpec,
    load_config,
    parse_clock,
)
from tracker.review import reports
from tracker.types import DERIVED_STATUSES, VERDICT_SCORES

FULL = """\
stale_after: 2 years
timezone: Europe/Berlin
daily_at: 4:15
reports:
  - name: weekly-status
    format: csv
    what: evidence
    folder: out/reports
    at: "06:30"
    statement: [cn-ru-2016-information-space]
    status: [overdue, stalled]
    party: china
    tag: [mechanism]
  - format: markdown
on_signal: [notify-send, New signal]
on_digest: [sh, -c, "jq -r .markdown | mail -s digest me@example.org"]
digest_at: "08:05"
hook_timeout: 10 s
on_signal_limit: 5
shutdown_grace: 45 s
"""


def write_config(root: Path, text: str) -> Path:
    path = root / "tracker.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_absent_or_empty_file_means_defaults(tmp_path: Path) -> None:
    assert load_config(tmp_path / "tracker.yaml") == (Config(), [])
    assert load_config(write_config(tmp_path, "# only comments\n")) == (Config(), [])


def test_every_setting_is_read(tmp_path: Path) -> None:
    config, problems = load_config(write_config(tmp_path, FULL))
    assert problems == []
    assert config.stale_after == timedelta(days=730)
    assert config.timezone == "Europe/Berlin" and config.zone() == ZoneInfo("Europe/Berlin")
    assert config.daily_at == time(4, 15)
    weekly, default = config.reports
    assert weekly == ReportSpec(
        name="weekly-status",
        format="csv",
        what="evidence",
        folder=Path("out/reports"),
        at=time(6, 30),
        statement=("cn-ru-2016-information-space",),
        status=("overdue", "stalled"),
        party=("china",),
        tag=("mechanism",),
    )
    assert default == ReportSpec(name="commitments")  # format markdown, at 07:00, folder reports
    assert config.on_signal == ("notify-send", "New signal")
    assert config.on_digest[:2] == ("sh", "-c")
    assert config.digest_at == time(8, 5)
    assert config.hook_timeout == timedelta(seconds=10)
    assert config.on_signal_limit == 5
    assert config.shutdown_grace == timedelta(seconds=45)


def test_report_paths_are_one_file_per_day_under_the_workspace(tmp_path: Path) -> None:
    spec = ReportSpec(name="status", format="markdown", folder=Path("reports"))
    assert spec.path(tmp_path, "2025-06-10") == tmp_path / "reports" / "status-2025-06-10.md"
    absolute = ReportSpec(name="status", format="csv", folder=tmp_path / "elsewhere")
    assert absolute.path(Path("/ignored"), "2025-06-10") == tmp_path / "elsewhere" / "status-2025-06-10.csv"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("07:00", time(7)), ("7:05", time(7, 5)), (" 23:59 ", time(23, 59)), (1050, time(17, 30)), (0, time(0))],
)
def test_times_of_day_quoted_or_not(value: object, expected: time) -> None:
    # YAML 1.1 reads an unquoted 17:30 as the base-60 number 1050.
    assert parse_clock(value) == expected


@pytest.mark.parametrize("value", ["24:00", "7", "7:5", "noon", 1440, -1, True, None])
def test_impossible_times_are_refused(value: object) -> None:
    with pytest.raises(ValueError, match="time of day"):
        parse_clock(value)


@pytest.mark.parametrize(
    ("text", "line", "field", "message"),
    [
        ("stale_after: soon\n", 1, "stale_after", "duration"),
        ("staleafter: 1 year\n", 1, "staleafter", "unknown key"),
        ("timezone: Mars/Olympus\n", 1, "timezone", "unknown time zone"),
        ("daily_at: 25:00\n", 1, "daily_at", "time of day"),
        ("on_signal: notify-send hello\n", 1, "on_signal", "list of arguments"),
        ("on_digest: []\n", 1, "on_digest", "non-empty list"),
        ("on_signal_limit: -3\n", 1, "on_signal_limit", "whole number"),
        ("hook_timeout: 0 s\n", 1, "hook_timeout", "positive"),
        ("reports:\n  - format: pdf\n", 2, "reports[0].format", "expected one of"),
        ("reports:\n  - what: everything\n", 2, "reports[0].what", "expected one of"),
        ("reports:\n  - at: 7\n    colour: red\n", 3, "reports[0].colour", "unknown key"),
        ("reports:\n  - status: [done]\n", 2, "reports[0].status", "unknown status"),
        ("reports:\n  - folder: rules/out\n", 2, "reports[0].folder", "holds records"),
        ("reports:\n  - name: ../up\n", 2, "reports[0].name", "letters, digits"),
        ("reports:\n  - {}\n  - format: markdown\n", 3, "reports[1]", "second report named"),
        ("reports: weekly\n", 1, "reports", "expected a list"),
        ("- just a list\n", 1, "", "expected a mapping"),
        ("daily_at: [\n", 2, "", "invalid YAML"),
    ],
)
def test_problems_name_file_line_and_field(
    tmp_path: Path, text: str, line: int, field: str, message: str
) -> None:
    path = write_config(tmp_path, text)
    config, problems = load_config(path)
    assert [(p.file, p.line, p.field) for p in problems] == [(path, line, field)], problems
    assert message in problems[0].message
    assert isinstance(config, Config)  # the watcher still starts, on defaults


def test_an_invalid_report_is_left_out_and_the_others_kept(tmp_path: Path) -> None:
    config, problems = load_config(write_config(tmp_path, "reports:\n  - format: pdf\n  - name: ok\n"))
    assert len(problems) == 1
    assert [r.name for r in config.reports] == ["ok"]


def test_config_vocabulary_agrees_with_reports_and_statuses() -> None:
    assert REPORT_FORMATS == reports.REPORT_FORMATS
    assert REPORT_KINDS == reports.EXPORTS
    assert set(STATUSES) == set(VERDICT_SCORES) | set(DERIVED_STATUSES)


def test_default_zone_is_the_machines() -> None:
    assert Config().zone() is not None


def test_tracker_check_reports_config_problems_with_file_and_line(demo_workspace: Path) -> None:
    write_config(demo_workspace, "stale_after: 1 year\nreports:\n  - format: pdf\n")
    result = run_cli("check", workspace=demo_workspace)
    assert result.code == 1
    assert "tracker.yaml:3: reports[0].format: expected one of yaml, json, csv, markdown" in result.err


def test_the_example_that_tracker_init_writes_is_valid_once_uncommented(tmp_path: Path) -> None:
    from tracker.records.workspace import EXAMPLE_CONFIG

    lines = [line.removeprefix("# ") for line in EXAMPLE_CONFIG.splitlines() if line.startswith("# ")]
    settings = "\n".join(
        line
        for line in lines
        if line.lstrip().startswith("- ") or not line.startswith(("Workspace", "described", " "))
    )
    path = tmp_path / "tracker.yaml"
    path.write_text(settings + "\n", encoding="utf-8")
    config, problems = load_config(path)
    assert problems == []
    assert [spec.name for spec in config.reports] == ["status"]
    assert config.on_digest[:2] == ("sh", "-c") and config.digest_at == time(8, 0)
