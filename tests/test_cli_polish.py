"""What a newcomer trips on (issue 15, items 3 and 8): writes outside their place, `show`
in Python reprs, commands without a description, noisy logs, YAML's special characters,
`--search -term`, names of any length."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import pytest

from tests.clirun import run_cli
from tests.conftest import MINIMAL_STATEMENT, write
from tests.fixtures_status import build_status_fixture
from tracker.cli import build_parser
from tracker.core import Tracker, Workspace
from tracker.errors import UsageError
from tracker.watch import logs

OPML = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>f</title></head><body>
<outline type="rss" text="Example" xmlUrl="https://news.example.org/rss.xml"/>
</body></opml>
"""


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return build_status_fixture(tmp_path / "ws").root


# ---------------------------------------------------------------- item 3: writes stay where they belong


def test_feeds_import_writes_only_into_the_feeds_folder(demo_workspace: Path, tmp_path: Path) -> None:
    opml = write(tmp_path / "f.opml", OPML)
    statement = demo_workspace / "commitments" / "demo.yaml"
    before = statement.read_bytes()
    into_records = run_cli("feeds", "import", opml, "--into", statement, workspace=demo_workspace)
    assert into_records.code == 2 and "--into: expected a .yaml file in" in into_records.err
    assert statement.read_bytes() == before  # the program never writes to commitments/
    elsewhere = tmp_path / "elsewhere.yaml"
    outside = run_cli("feeds", "import", opml, "--into", elsewhere, workspace=demo_workspace)
    assert outside.code == 2 and not elsewhere.exists()  # it would never be watched
    named = run_cli("feeds", "import", opml, "--into", "mine.yaml", workspace=demo_workspace, cwd=tmp_path)
    assert named.code == 0, named.err
    assert "news.example.org" in (demo_workspace / "feeds" / "mine.yaml").read_text(encoding="utf-8")
    assert not (tmp_path / "mine.yaml").exists()


def test_names_are_validated_before_anything_is_stored(ws: Path) -> None:
    long_name = run_cli("snapshot", "a" * 5000, workspace=ws)
    assert long_name.code == 2 and len(long_name.err) < 500
    tracker = Tracker(Workspace.locate(str(ws)))
    try:
        with pytest.raises(UsageError, match="NAME: at most 64 characters"):
            tracker.snapshot("a" * 65)  # the dashboard's path: the core checks, not only the CLI
        assert tracker.snapshots() == []
    finally:
        tracker.close()


def test_long_ids_in_records_are_refused(demo_workspace: Path) -> None:
    long_id = "d" * 81
    text = MINIMAL_STATEMENT.replace("id: demo\n", f"id: {long_id}\n").replace("demo/1", f"{long_id}/1")
    write(demo_workspace / "commitments" / f"{long_id}.yaml", text)
    result = run_cli("check", workspace=demo_workspace)
    assert result.code == 1 and "does not match" in result.err and "… (81 characters)" not in result.err


# ---------------------------------------------------------------- item 8: CLI polish


def test_show_is_readable_text_with_status_and_evidence(ws: Path) -> None:
    text = run_cli("show", "alpha/1", workspace=ws).out
    assert "tags: mechanism\n" in text
    assert "window: 2020-01-15 to not stated" in text
    assert "status: fulfilled (analyst, since 2024-" in text
    assert "evidence: 1\n" in text and "Joint communiqué of the 2023 consultations" in text
    assert "['" not in text and "{'" not in text  # no Python reprs


def test_every_command_has_a_description() -> None:
    missing = []
    stack: list[tuple[str, argparse.ArgumentParser]] = [("tracker", build_parser())]
    while stack:
        name, parser = stack.pop()
        if not parser.description:
            missing.append(name)
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                stack += [(f"{name} {sub}", p) for sub, p in action.choices.items()]
    assert missing == []
    for command in ("init", "check", "list", "show", "status", "history", "export", "snapshot", "backup"):
        help_text = run_cli(command, "--help").out
        assert len(help_text.split("\n\n")[1]) > 60, command  # a real description, not the one-liner


def test_watch_quiet_and_verbose(empty_workspace: Path) -> None:
    quiet = run_cli("watch", "--once", "-q", workspace=empty_workspace)
    assert quiet.code == 0 and quiet.err == ""
    verbose = run_cli("watch", "--once", "-v", workspace=empty_workspace)
    assert verbose.code == 0 and "records loaded" in verbose.err
    with logs.logging_to(logging.NullHandler(), verbose=True):
        # -v is for the tracker's details, not APScheduler's internals ("Looking for jobs to run")
        assert logging.getLogger("apscheduler").getEffectiveLevel() == logging.WARNING
        assert logging.getLogger("tracker").getEffectiveLevel() == logging.DEBUG


def test_yaml_special_characters_get_a_hint(demo_workspace: Path) -> None:
    write(
        demo_workspace / "rules" / "star.yaml",
        "rules:\n  - id: star\n    targets: {commitments: [demo/1]}\n    any: [*consultations]\n",
    )
    result = run_cli("check", workspace=demo_workspace)
    assert result.code == 1
    assert (
        "star.yaml:4: invalid YAML: found undefined alias; a value that starts with '*' must be quoted: "
        in (result.err)
    )


def test_duplicate_feed_names_across_files_are_reported(demo_workspace: Path) -> None:
    for name in ("a", "b"):
        write(
            demo_workspace / "feeds" / f"{name}.yaml",
            f"feeds:\n  - name: same\n    url: https://{name}.example.org/rss.xml\n",
        )
    result = run_cli("check", workspace=demo_workspace)
    assert result.code == 1 and "duplicate feed name 'same'" in result.err


def test_search_accepts_an_excluded_term(demo_workspace: Path) -> None:
    result = run_cli("articles", "--search", "-russia china", workspace=demo_workspace)
    assert result.code == 0, result.err
    # the search itself (not argparse's "expected one argument") says what is missing
    alone = run_cli("articles", "--search", "-russia", workspace=demo_workspace)
    assert alone.code == 2 and "--search: expected at least one word to search for" in alone.err


def test_check_strict_refuses_drafts(demo_workspace: Path) -> None:
    record = demo_workspace / "commitments" / "demo.yaml"
    record.write_text(
        record.read_text(encoding="utf-8").replace(
            "    type: action\n", "    type: action\n    draft: true\n"
        ),
        encoding="utf-8",
    )
    lenient = run_cli("check", workspace=demo_workspace)
    assert lenient.code == 0 and "1 record(s) still marked draft" in lenient.out
    strict = run_cli("check", "--strict", workspace=demo_workspace)
    assert strict.code == 1
    assert "demo.yaml:" in strict.err and "draft: demo/1 is still a draft" in strict.err


# ---------------------------------------------------------------- item 2: durations in records


def test_huge_durations_in_records_are_problems_not_tracebacks(bundled_workspace: Path) -> None:
    rules = bundled_workspace / "rules" / "cn-2021-internet-media-forum.yaml"
    text = rules.read_text(encoding="utf-8")
    assert "    dates: {window: true}\n" in text
    rules.write_text(text.replace("    dates: {window: true}\n", "    dates: {within: 99999 years}\n", 1))
    (bundled_workspace / "tracker.yaml").write_text("stale_after: 9999999 years\n", encoding="utf-8")
    result = run_cli("check", workspace=bundled_workspace)
    assert result.code == 1 and "Traceback" not in result.err
    assert "tracker.yaml:1: stale_after: '9999999 years' is too long: at most 1000 years" in result.err
    assert "cn-2021-internet-media-forum.yaml:" in result.err and "'99999 years' is too long" in result.err
    matched = run_cli("match", workspace=bundled_workspace)
    assert matched.code == 0 and "Traceback" not in matched.err
