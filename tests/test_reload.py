"""Reload without restart: edited records are picked up, a broken file keeps its last good version."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.feedserver import FeedServer
from tests.test_schedule import open_watcher, rows, wait_for
from tracker.records.workspace import Workspace
from tracker.watch.reload import FileWatcher, RecordKeeper, is_record_file
from tracker.watch.schedule import Watcher

RULE = """\
rules:
  - id: demo-consultations
    description: Annual consultations on demo matters.
    targets: {{commitments: [demo/1]}}
    phrases:
      en: [{phrase}]
"""
ARTICLE = b"""<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Demo news</title>
<link>https://news.example.org/</link><item><title>Ministers hold annual demo consultations in Moscow</title>
<link>https://news.example.org/c1</link><guid>c1</guid><pubDate>Tue, 10 Jun 2025 10:00:00 GMT</pubDate>
<description>The annual demo consultations took place as agreed.</description></item></channel></rss>"""


def write_rule(root: Path, phrase: str, name: str = "demo.yaml") -> Path:
    path = root / "rules" / name
    path.write_text(RULE.format(phrase=phrase), encoding="utf-8")
    return path


@pytest.fixture
def keeper(demo_workspace: Path) -> RecordKeeper:
    write_rule(demo_workspace, "quarterly demo talks")
    return RecordKeeper(Workspace(demo_workspace))


def test_first_load_then_only_what_changed_is_reported(keeper: RecordKeeper, demo_workspace: Path) -> None:
    first = keeper.load()
    assert first.previous is None and first.rules_changed
    assert [s.id for s in first.records.statements] == ["demo"]
    assert [r.id for r in first.records.matcher.rules] == ["demo-consultations"]
    again = keeper.load()
    assert not (again.rules_changed or again.feeds_changed or again.statements_changed)
    write_rule(demo_workspace, "annual demo consultations")
    edited = keeper.load()
    assert edited.rules_changed and not edited.statements_changed
    (demo_workspace / "feeds" / "feeds.yaml").write_text(
        "feeds:\n  - name: demo\n    url: https://example.org/feed.xml\n", encoding="utf-8"
    )
    assert keeper.load().feeds_changed


def test_a_broken_rule_file_keeps_its_last_good_version(keeper: RecordKeeper, demo_workspace: Path) -> None:
    good = keeper.load().records.fingerprint
    path = demo_workspace / "rules" / "demo.yaml"
    path.write_text("rules:\n  - id: demo-consultations\n    phrases: [unclosed\n", encoding="utf-8")
    report = keeper.load()
    records = report.records
    assert records.kept == (path,) and records.unresolved == ()
    assert records.fingerprint == good and not report.rules_changed  # the good version still runs
    assert records.problems and all(p.file == path and p.line for p in records.problems)
    assert "invalid YAML" in str(records.problems[0])
    write_rule(demo_workspace, "annual demo consultations")  # fixed: the new version runs
    fixed = keeper.load()
    assert fixed.records.kept == () and fixed.records.problems == ()
    assert fixed.rules_changed and fixed.records.fingerprint != good


def test_a_broken_statement_keeps_its_commitments_and_their_rules(
    keeper: RecordKeeper, demo_workspace: Path
) -> None:
    """A statement with one bad field is dropped whole by the loader: its rules would lose
    their targets and a re-match would retract every signal. The last good version prevents it."""
    before = keeper.load().records
    path = demo_workspace / "commitments" / "demo.yaml"
    path.write_text(path.read_text().replace("date: 2020-01-15", "date: 2020-13-15"), encoding="utf-8")
    report = keeper.load()
    assert report.records.kept == (path,) and report.records.unresolved == ()
    assert report.records.statements == before.statements
    assert not report.rules_changed and not report.statements_changed
    [problem] = report.records.problems
    assert (problem.file, problem.line, problem.field) == (path, 7, "statement.date")
    assert not (
        demo_workspace / ".tracker" / "reload" / "rules"
    ).exists()  # only the broken category is mirrored


def test_a_new_broken_file_has_no_good_version_to_run(keeper: RecordKeeper, demo_workspace: Path) -> None:
    keeper.load()
    broken = demo_workspace / "rules" / "new.yaml"
    broken.write_text("rules: [\n", encoding="utf-8")
    records = keeper.load().records
    assert records.unresolved == (broken,) and records.kept == ()
    assert [r.id for r in records.matcher.rules] == ["demo-consultations"]


def test_a_file_broken_since_the_start_stays_unresolved_until_fixed(
    keeper: RecordKeeper, demo_workspace: Path
) -> None:
    path = demo_workspace / "rules" / "demo.yaml"
    path.write_text("rules: [\n", encoding="utf-8")
    assert keeper.load().records.unresolved == (path,)
    path.write_text("rules: [[\n", encoding="utf-8")  # still broken, differently
    assert keeper.load().records.unresolved == (path,)
    write_rule(demo_workspace, "annual demo consultations")
    assert keeper.load().records.unresolved == ()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("rules.yaml", True),
        ("feeds.yml", True),
        (".rules.yaml.swp", False),
        ("rules.yaml~", False),
        ("#rules.yaml#", False),
        (".hidden.yaml", False),
        ("notes.txt", False),
        ("4913", False),
    ],
)
def test_only_record_files_count_as_changes(name: str, expected: bool) -> None:
    assert is_record_file(Path("/w/rules") / name) is expected


def test_the_file_watcher_delivers_saved_record_files(tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    folder.mkdir()
    seen: list[set[Path]] = []
    delivered = threading.Event()

    def on_change(paths: set[Path]) -> None:
        seen.append(paths)
        delivered.set()

    watcher = FileWatcher([folder, tmp_path / "missing"], on_change, debounce_ms=100)
    watcher.start()
    try:
        assert watcher.wait_ready(10)
        (folder / ".rules.yaml.swp").write_text("x")  # an editor's swap file: ignored
        (folder / "rules.yaml").write_text("rules: []\n")
        assert delivered.wait(10), "no change delivered"
    finally:
        watcher.stop()
    assert seen[0] == {folder / "rules.yaml"}
    assert not watcher._thread.is_alive()


# ---------------------------------------------------------------- inside a running watcher


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as running:
        yield running


@pytest.mark.slow
def test_a_changed_rule_is_reloaded_and_the_stored_articles_rematched(
    demo_workspace: Path, server: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    server.feed("/demo.xml", ARTICLE)
    (demo_workspace / "feeds" / "feeds.yaml").write_text(
        f'feeds:\n  - name: demo\n    url: "{server.url("/demo.xml")}"\n    interval: 5 min\n'
        "    allow_private: true\n",
        encoding="utf-8",
    )
    rule = write_rule(demo_workspace, "quarterly demo talks")
    watcher: Watcher = open_watcher(demo_workspace, watch_files=True, reload_debounce_ms=100)
    active = "SELECT commitment_id FROM signals WHERE state = 'active'"
    with caplog.at_level(logging.INFO, logger="tracker"):
        watcher.start()
        try:
            assert watcher._files is not None and watcher._files.wait_ready(10)
            assert wait_for(lambda: rows(demo_workspace, "SELECT count(*) FROM articles") == [(1,)])
            assert rows(demo_workspace, active) == []  # the rule does not match the article yet
            write_rule(demo_workspace, "annual demo consultations")
            assert wait_for(lambda: rows(demo_workspace, active) == [("demo/1",)]), "no re-match"
            assert "rules re-matched" in caplog.text
            # a broken save is reported and the rule that made the signal keeps running
            rule.write_text("rules:\n  - id: [\n", encoding="utf-8")
            assert wait_for(lambda: "its last good version keeps running" in caplog.text)
            assert f"record problem: {rule}:" in caplog.text
            assert watcher.keeper.current is not None and watcher.keeper.current.kept == (rule,)
            assert rows(demo_workspace, active) == [("demo/1",)]  # nothing retracted
        finally:
            watcher.request_stop()
            assert watcher.shutdown().finished
            watcher.tracker.close()
