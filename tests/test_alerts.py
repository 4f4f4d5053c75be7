"""Digests (new signals and status changes by commitment) and the hooks that carry them away."""

from __future__ import annotations

import json
import os
import re
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psutil
import pytest

from tests.clirun import run_cli
from tracker.core import Tracker
from tracker.records.workspace import Workspace
from tracker.review.alerts import (
    STDERR_TAIL,
    CommitmentDigest,
    Digest,
    build_digest,
    digest_dict,
    digest_payload,
    render_digest,
    render_markdown,
    render_text,
    run_hook,
    signal_payload,
)
from tracker.storage.digest import signals_after
from tracker.types import HistoryEntry, NewSignal, StatusChange

COMMITMENT = "cn-ru-2016-internet-media-forum/2"
RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Loopback news</title><link>https://news.example.org/</link>
<item><title>Russian and Chinese online media sign agreement on content exchange and joint interviews</title>
<link>https://news.example.org/a1</link><guid>https://news.example.org/a1</guid>
<pubDate>Thu, 02 Mar 2023 10:00:00 GMT</pubDate>
<description>Sputnik and Xinhua agreed a long-term cooperation mechanism between Chinese and Russian
internet media, with content exchange, joint interviews and joint seminars.</description></item>
</channel></rss>"""
NOW = datetime(2025, 6, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def tracker(bundled_workspace: Path) -> Iterator[Tracker]:
    """The bundled records with one stored article that a rule links to COMMITMENT."""
    feed_file = bundled_workspace / "news.xml"
    feed_file.write_text(RSS, encoding="utf-8")
    opened = Tracker(Workspace(bundled_workspace))
    opened.ingest([feed_file])
    yield opened
    opened.close()


def a_signal(**changes: object) -> NewSignal:
    fields: dict[str, object] = {
        "id": 7,
        "commitment_id": "demo/1",
        "rule_ids": ("demo-rule",),
        "score": 3.0,
        "relation": "supports",
        "terms": ("consultations",),
        "created": NOW,
        "review": None,
        "article_id": 3,
        "title": "Annual consultations held",
        "url": "https://example.org/a",
        "published": NOW - timedelta(days=1),
        "language": "en",
        "feeds": ("example",),
    }
    fields.update(changes)
    return NewSignal(**fields)  # type: ignore[arg-type]


def a_digest(*signals: NewSignal, changes: tuple[StatusChange, ...] = ()) -> Digest:
    group = CommitmentDigest("demo/1", "demo", "Hold annual consultations.", signals, changes)
    return Digest(NOW - timedelta(days=1), NOW, (group,))


# ---------------------------------------------------------------- the model


def test_digest_groups_new_signals_and_status_changes_by_commitment(tracker: Tracker) -> None:
    now = datetime.now(UTC)
    digest = build_digest(tracker.db, tracker.records.statements, since=now - timedelta(hours=24), until=now)
    assert [c.commitment_id for c in digest.commitments] == [COMMITMENT]
    group = digest.commitments[0]
    assert group.statement_id == "cn-ru-2016-internet-media-forum"
    assert [s.title for s in group.signals] == [
        "Russian and Chinese online media sign agreement on content exchange and joint interviews"
    ]
    assert group.signals[0].feeds[0].endswith("news.xml")
    assert [c.entry.status for c in group.changes] == ["unreviewed"]
    assert digest.signal_count == 1 and digest.change_count == 1


def test_digest_leaves_out_what_is_older_than_since(tracker: Tracker) -> None:
    later = datetime.now(UTC) + timedelta(hours=1)
    digest = build_digest(
        tracker.db, tracker.records.statements, since=later, until=later + timedelta(hours=1)
    )
    assert digest.empty


def test_digest_counts_backdated_changes_recorded_after_a_history_id(tracker: Tracker) -> None:
    """The daily pass dates `overdue` to the deadline; the watcher's digest must still see it."""
    later = datetime.now(UTC) + timedelta(hours=1)
    digest = build_digest(
        tracker.db, tracker.records.statements, since=later, until=later, history_after_id=0
    )
    assert [c.commitment_id for c in digest.commitments] == [COMMITMENT]


def test_initial_no_evidence_entries_are_not_news(tracker: Tracker) -> None:
    tracker.refresh_statuses()  # records `no_evidence` for every other commitment
    now = datetime.now(UTC)
    digest = build_digest(tracker.db, tracker.records.statements, since=now - timedelta(hours=1), until=now)
    assert [c.commitment_id for c in digest.commitments] == [COMMITMENT]


# ---------------------------------------------------------------- rendering


def test_text_and_markdown_show_the_transition_and_the_article() -> None:
    change = StatusChange(
        5, HistoryEntry("demo/1", "in_progress", "derived", NOW, "confirmed evidence"), previous="unreviewed"
    )
    digest = a_digest(a_signal(), changes=(change,))
    text = render_text(digest)
    assert "1 new signal waiting for review, 1 status change in 1 commitment" in text
    assert "status unreviewed → in_progress (derived)" in text
    assert "signal 7 [supports, score 3] Annual consultations held" in text
    markdown = render_markdown(digest)
    assert markdown.startswith("# Tracker digest\n")
    assert "## demo/1" in markdown
    assert "- [Annual consultations held](<https://example.org/a>) — supports, score 3" in markdown
    assert "**unreviewed → in\\_progress**" in markdown


def test_markdown_never_renders_article_text_as_markup() -> None:
    hostile = a_signal(title="*Bold* [click](javascript:alert(1)) <b>x</b>", url="javascript:alert(1)")
    line = next(x for x in render_markdown(a_digest(hostile)).splitlines() if "signal 7" in x)
    assert not re.search(r"(?<!\\)\]\(", line)  # no link: the URL is not a web address
    assert "\\*Bold\\*" in line and "\\[click\\]" in line and "\\<b\\>" in line


def test_json_is_the_plain_model() -> None:
    data = json.loads(render_digest(a_digest(a_signal()), "json"))
    assert data == digest_dict(a_digest(a_signal()))
    assert data["commitments"][0]["signals"][0]["article"]["url"] == "https://example.org/a"
    assert data["since"] == "2025-06-09T12:00:00+00:00"
    with pytest.raises(ValueError, match="unknown digest format"):
        render_digest(a_digest(), "pdf")


def test_payloads_carry_the_data_a_hook_needs(tracker: Tracker) -> None:
    [stored] = signals_after(tracker.db, 0)
    index = {c.id: c for s in tracker.records.statements for c in s.commitments}
    payload = signal_payload(stored, index, tracker.workspace.root)
    assert payload["event"] == "signal"
    assert payload["commitment"]["id"] == COMMITMENT
    assert payload["commitment"]["statement"] == "cn-ru-2016-internet-media-forum"
    assert payload["article"]["url"] == "https://news.example.org/a1"
    assert "content exchange" in payload["signal"]["terms"]
    json.dumps(payload)  # plain values only
    digest = digest_payload(a_digest(a_signal()), tracker.workspace.root)
    assert digest["event"] == "digest" and digest["markdown"].startswith("# Tracker digest")


# ---------------------------------------------------------------- the CLI


def test_tracker_digest_prints_text_markdown_and_json(tracker: Tracker) -> None:
    root = tracker.workspace.root
    text = run_cli("digest", workspace=root)
    assert text.code == 0, text.err
    assert COMMITMENT in text.out and "1 new signal" in text.out
    markdown = run_cli("digest", "--since", "2 days", "--format", "markdown", workspace=root)
    assert markdown.out.startswith("# Tracker digest")
    data = json.loads(run_cli("digest", "--since", "2020-01-01", "--format", "json", workspace=root).out)
    assert data["signals"] == 1


@pytest.mark.parametrize("since", ["soon", "2999-01-01"])
def test_tracker_digest_names_a_bad_since(demo_workspace: Path, since: str) -> None:
    result = run_cli("digest", "--since", since, workspace=demo_workspace)
    assert result.code == 2 and "--since" in result.err


# ---------------------------------------------------------------- hooks


def python_hook(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def test_a_hook_gets_the_json_on_stdin_and_its_environment(tmp_path: Path) -> None:
    out = tmp_path / "got.json"
    code = (
        "import json, os, sys; data = json.load(sys.stdin); "
        f"data['env'] = [os.environ['TRACKER_EVENT'], os.environ['TRACKER_WORKSPACE']]; "
        f"open({str(out)!r}, 'w').write(json.dumps(data))"
    )
    result = run_hook(
        python_hook(code), {"event": "signal", "workspace": "/w", "n": "é"}, timeout=20, event="signal"
    )
    assert result.ok and result.returncode == 0, result
    assert json.loads(out.read_text()) == {
        "event": "signal",
        "workspace": "/w",
        "n": "é",
        "env": ["signal", "/w"],
    }


def test_a_failing_hook_is_reported_with_its_stderr(tmp_path: Path) -> None:
    result = run_hook(
        python_hook("import sys; sys.stderr.write('smtp refused'); sys.exit(3)"), {}, timeout=20
    )
    assert not result.ok and result.returncode == 3
    assert result.error == "exited with status 3" and "smtp refused" in result.stderr


def test_a_missing_program_is_an_error_not_an_exception(tmp_path: Path) -> None:
    result = run_hook(["/nonexistent/notify"], {}, timeout=5)
    assert not result.ok and "cannot run" in (result.error or "")


def test_a_hook_that_ignores_stdin_is_fine() -> None:
    assert run_hook(["true"], {"big": "x" * 1_000_000}, timeout=20).ok


@pytest.mark.slow
def test_a_hung_hook_is_killed_with_its_children(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    started = time.monotonic()
    result = run_hook(["sh", "-c", f"sleep 30 & echo $! > {pid_file}; wait"], {}, timeout=1)
    assert time.monotonic() - started < 10
    assert not result.ok and "timed out after 1 s" in (result.error or "")
    child = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and _alive(child):
        time.sleep(0.05)
    assert not _alive(child), "the hook's child outlived the timeout"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie waiting for its (killed) parent's reaper counts as dead
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


# ---------------------------------------------------------------- hooks under attack (issue 16)


def test_a_hook_flooding_its_output_costs_no_memory() -> None:
    """`cat /dev/zero` on stdout and stderr used to be read whole (3.4 GB)."""
    me = psutil.Process()
    before = me.memory_info().rss
    result = run_hook(["sh", "-c", "cat /dev/zero & cat /dev/zero >&2"], {}, timeout=2)
    grown = me.memory_info().rss - before
    assert not result.ok and "timed out" in (result.error or "")
    assert grown < 64 * 1024**2, f"reading the hook's output took {grown / 1024**2:.0f} MB"


def test_only_the_tail_of_stderr_is_kept() -> None:
    code = "import sys; sys.stderr.write('x' * 5_000_000 + 'the end'); sys.exit(1)"
    result = run_hook(python_hook(code), {}, timeout=20)
    assert result.returncode == 1 and result.stderr.endswith("the end")
    assert len(result.stderr) <= STDERR_TAIL


@pytest.mark.slow
def test_a_setsid_grandchild_is_ended_at_the_timeout(tmp_path: Path) -> None:
    """A grandchild in a session of its own escapes the hook's process group."""
    pid_file = tmp_path / "grandchild.pid"
    script = f"setsid sh -c 'echo $$ > {pid_file}; exec sleep 300' & sleep 300"
    result = run_hook(["sh", "-c", script], {}, timeout=1)
    assert not result.ok and "timed out" in (result.error or "")
    _assert_ends(int(pid_file.read_text()))


@pytest.mark.slow
def test_an_orphaned_daemon_is_ended_at_the_timeout(tmp_path: Path) -> None:
    """A double fork: the grandchild's parent exits, so it is no longer the hook's descendant."""
    pid_file = tmp_path / "daemon.pid"
    script = f"(setsid sh -c 'echo $$ > {pid_file}; exec sleep 300' >/dev/null 2>&1 &) ; sleep 300"
    result = run_hook(["sh", "-c", script], {}, timeout=1.5)
    assert not result.ok and "timed out" in (result.error or "")
    _assert_ends(int(pid_file.read_text()))


def test_a_background_child_holding_stderr_cannot_hang_the_watcher(tmp_path: Path) -> None:
    started = time.monotonic()
    result = run_hook(["sh", "-c", "sleep 300 & exit 0"], {}, timeout=1)
    assert time.monotonic() - started < 10
    assert not result.ok and "timed out" in (result.error or "")


def test_a_signal_hook_gets_the_signal_id_to_drop_repeats(tmp_path: Path) -> None:
    out = tmp_path / "id.txt"
    code = f"import os; open({str(out)!r}, 'w').write(os.environ['TRACKER_SIGNAL_ID'])"
    assert run_hook(python_hook(code), {"signal": {"id": 42}}, timeout=20, event="signal").ok
    assert out.read_text() == "42"


def _assert_ends(pid: int) -> None:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.05)
    alive = _alive(pid)
    if alive:
        os.kill(pid, 9)
    assert not alive, "a process of the hook outlived the timeout"
