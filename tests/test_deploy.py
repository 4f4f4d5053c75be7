"""The deployment recipes: the systemd unit and the cron line are valid, and the docs show them as shipped."""

from __future__ import annotations

import configparser
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tracker.records.config import load_config

REPO = Path(__file__).resolve().parents[1]
UNIT = REPO / "deploy" / "tracker-watch.service"
CRONTAB = REPO / "deploy" / "crontab.example"
DOCS = REPO / "docs" / "deploy.md"
CRON_FIELDS = (
    ("minute", 0, 59),
    ("hour", 0, 23),
    ("day of month", 1, 31),
    ("month", 1, 12),
    ("day of week", 0, 7),
)


def code_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOCS.read_text(encoding="utf-8"), flags=re.DOTALL)


# ---------------------------------------------------------------- systemd


def read_unit(text: str) -> dict[str, dict[str, list[str]]]:
    """Sections → key → values; systemd allows a key more than once (Environment=)."""
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.read_string(text)  # the syntax check: sections and key=value lines only
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        key, _, value = line.partition("=")
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def test_the_unit_has_what_a_long_running_watcher_needs() -> None:
    unit = read_unit(UNIT.read_text(encoding="utf-8"))
    assert list(unit) == ["Unit", "Service", "Install"]
    service = {key: values[-1] for key, values in unit["Service"].items()}
    assert service["ExecStart"].endswith("tracker watch --quiet")
    assert service["Restart"] == "on-failure"
    assert service["KillMode"] == "mixed"  # SIGTERM to the watcher, not to its parse workers
    assert int(service["TimeoutStopSec"]) > 30  # longer than the default shutdown_grace
    assert any(v.startswith("TRACKER_WORKSPACE=") for v in unit["Service"]["Environment"])
    assert unit["Install"]["WantedBy"] == ["default.target"]  # a user unit


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_analyze_verifies_the_unit(tmp_path: Path) -> None:
    # verify insists that ExecStart exists: point it at this checkout's `tracker`
    tracker = Path(sys.executable).with_name("tracker")
    if not tracker.exists():
        pytest.skip("no tracker script next to this Python")
    text = UNIT.read_text(encoding="utf-8").replace("%h/commitment-tracker/.venv/bin/tracker", str(tracker))
    unit = tmp_path / "tracker-watch.service"
    unit.write_text(text, encoding="utf-8")
    result = _verify(["--user", "verify", str(unit)])
    if result.returncode != 0 and "Failed to initialize manager" in result.stderr:
        result = _verify(["verify", str(unit)])  # no user session here (CI, containers)
    # verify exits 0 even for unknown keys and bad values: it only prints them
    assert result.returncode == 0 and result.stdout.strip() == "" and result.stderr.strip() == "", result


def _verify(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["systemd-analyze", *args], capture_output=True, text=True, timeout=60, check=False)


# ---------------------------------------------------------------- cron


def cron_entries(text: str) -> list[list[str]]:
    entries = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#") or re.match(r"^[A-Za-z_]+\s*=", stripped):
            continue
        entries.append(stripped.split(None, 5))
    return entries


def valid_cron_field(field: str, low: int, high: int) -> bool:
    for part in field.split(","):
        match = re.fullmatch(r"(\*|\d+(?:-\d+)?)(?:/(\d+))?", part)
        if not match:
            return False
        span, step = match.groups()
        if step is not None and int(step) < 1:
            return False
        if span != "*":
            bounds = [int(n) for n in span.split("-")]
            if not all(low <= n <= high for n in bounds) or bounds != sorted(bounds):
                return False
    return True


def test_the_cron_line_has_five_valid_fields_and_runs_one_pass() -> None:
    [entry] = cron_entries(CRONTAB.read_text(encoding="utf-8"))
    assert len(entry) == 6, entry
    for value, (name, low, high) in zip(entry[:5], CRON_FIELDS, strict=True):
        assert valid_cron_field(value, low, high), f"{name}: {value!r}"
    command = entry[5]
    assert "watch --once" in command and "--workspace" in command
    assert "%" not in command  # cron turns % into a newline


@pytest.mark.parametrize(
    ("field", "valid"),
    [
        ("*/15", True),
        ("0", True),
        ("1-5", True),
        ("0,30", True),
        ("60", False),
        ("5-1", False),
        ("*/0", False),
        ("x", False),
    ],
)
def test_the_cron_field_check_itself(field: str, valid: bool) -> None:
    assert valid_cron_field(field, 0, 59) is valid


# ---------------------------------------------------------------- the docs show what ships


def test_the_docs_show_the_unit_and_the_cron_line_as_shipped() -> None:
    assert UNIT.read_text(encoding="utf-8") in code_blocks("ini")
    assert CRONTAB.read_text(encoding="utf-8") in code_blocks("crontab")


def test_the_documented_config_is_valid(tmp_path: Path) -> None:
    reference = next(block for block in code_blocks("yaml") if "shutdown_grace" in block)
    path = tmp_path / "tracker.yaml"
    path.write_text(reference, encoding="utf-8")
    config, problems = load_config(path)
    assert problems == []
    assert [r.name for r in config.reports] == ["status", "overdue"]


def test_every_documented_hook_example_is_a_valid_setting(tmp_path: Path) -> None:
    examples = next(block for block in code_blocks("yaml") if "ntfy" in block)
    lines = [line for line in examples.splitlines() if line.startswith(("on_signal:", "on_digest:"))]
    assert len(lines) == 4
    for line in lines:
        path = tmp_path / "tracker.yaml"
        path.write_text(line + "\n", encoding="utf-8")
        config, problems = load_config(path)
        assert problems == [], line
        assert (config.on_signal or config.on_digest)[:2] == ("sh", "-c")


def test_documented_payloads_are_json() -> None:
    blocks = code_blocks("json")
    assert len(blocks) == 2
    for block in blocks:
        json.loads(block)
