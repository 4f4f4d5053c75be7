"""The real CLI in a subprocess against a loopback feed server: fetch, feeds, ingest, articles."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.clirun import Result, run_cli
from tests.feedserver import FeedServer, make_rss
from tracker.cli import COMMAND_MODULES

pytestmark = pytest.mark.slow

# Until tracker/cli/__init__.py lists cmd_feeds, run the real `main` with it added.
_SHIM = (
    "import sys, tracker.cli as c\n"
    "if 'cmd_feeds' not in c.COMMAND_MODULES: c.COMMAND_MODULES = (*c.COMMAND_MODULES, 'cmd_feeds')\n"
    "raise SystemExit(c.main(sys.argv[1:]))"
)
_LOOPBACK_ENV = {"NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}


def tracker(workspace: Path, *args: str | Path) -> Result:
    if "cmd_feeds" in COMMAND_MODULES:
        return run_cli(*args, workspace=workspace, env=_LOOPBACK_ENV)
    argv = [sys.executable, "-c", _SHIM, "--workspace", str(workspace), *map(str, args)]
    env = {**os.environ, "COLUMNS": "160", "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8", **_LOOPBACK_ENV}
    env.pop("TRACKER_WORKSPACE", None)
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=60, check=False)
    return Result(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as running:
        running.feed("/tass.xml", make_rss(4, prefix="tass", title="TASS"))
        running.feed("/ria.xml", make_rss(3, prefix="ria", title="RIA"))
        running.route("/gone.xml", status=404)
        yield running


@pytest.fixture
def workspace(tmp_path: Path, server: FeedServer, backend: str, request: pytest.FixtureRequest) -> Path:
    """A workspace of loopback feeds, its state on each backend (tracker.yaml names PostgreSQL)."""
    root = tmp_path / "ws"
    for name in ("commitments", "rules", "feeds"):
        (root / name).mkdir(parents=True)
    if backend == "postgresql":
        url = request.getfixturevalue("pg_url")
        (root / "tracker.yaml").write_text(f"database: {url}\n", encoding="utf-8")
    (root / "feeds" / "feeds.yaml").write_text(
        "# test feeds\nfeeds:\n"
        f"  - name: tass\n    url: {server.url('/tass.xml')}\n    language: en\n    tags: [russia]\n"
        "    allow_private: true\n"
        f"  - name: ria\n    url: {server.url('/ria.xml')}\n    tags: [russia]\n    allow_private: true\n"
        f"  - name: broken\n    url: {server.url('/gone.xml')}\n    allow_private: true\n"
        f"  - name: paused\n    url: {server.url('/off.xml')}\n    enabled: false\n    allow_private: true\n",
        encoding="utf-8",
    )
    return root


def test_fetch_then_fetch_again(workspace: Path, server: FeedServer) -> None:
    first = tracker(workspace, "fetch", "--format", "json")
    assert first.code == 0, first.err
    rows = {row["feed"]: row for row in json.loads(first.out)}
    assert set(rows) == {"tass", "ria", "broken"}  # disabled feeds are not polled
    assert (rows["tass"]["result"], rows["tass"]["new"]) == ("ok", 4)
    assert rows["broken"]["result"] == "error" and "404" in rows["broken"]["detail"]
    server.reset_counters()
    second = tracker(workspace, "fetch", "--force", "--feed", "tass", "--feed", "ria")
    assert second.code == 0, second.err
    assert "tass" in second.out and "0 new articles" in second.err
    third = tracker(workspace, "fetch", "--format", "json")
    results = {row["feed"]: row["result"] for row in json.loads(third.out)}
    assert results["tass"] == results["ria"] == "not modified"
    assert results["broken"] == "skipped"  # backing off after its 404


def test_fetch_a_disabled_feed_by_name(workspace: Path, server: FeedServer) -> None:
    server.feed("/off.xml", make_rss(1, prefix="off"))
    result = tracker(workspace, "fetch", "--feed", "paused", "--format", "json")
    assert result.code == 0 and json.loads(result.out)[0]["new"] == 1


def test_fetch_unknown_feed_is_an_unknown_id(workspace: Path) -> None:
    result = tracker(workspace, "fetch", "--feed", "nope")
    assert result.code == 1 and "--feed" in result.err and "nope" in result.err


def test_feeds_health_table(workspace: Path) -> None:
    tracker(workspace, "fetch")
    result = tracker(workspace, "feeds", "--format", "json")
    assert result.code == 0, result.err
    rows = {row["name"]: row for row in json.loads(result.out)}
    assert rows["tass"]["articles"] == 4 and rows["tass"]["failures"] == 0 and rows["tass"]["last_success"]
    assert rows["broken"]["failures"] == 1 and "404" in rows["broken"]["last_error"]
    assert rows["paused"]["enabled"] == "no" and rows["paused"]["last_success"] == "never polled"
    table = tracker(workspace, "feeds")
    assert table.code == 0 and "tass" in table.out and "never polled" in table.out


def test_articles_list_and_search(workspace: Path) -> None:
    tracker(workspace, "fetch")
    listed = tracker(workspace, "articles", "--since", "2025-06-01", "--format", "json", "--limit", "50")
    assert listed.code == 0, listed.err
    assert len(json.loads(listed.out)) == 7
    found = tracker(workspace, "articles", "--search", '"talks number 2"', "--format", "json")
    assert sorted(row["title"] for row in json.loads(found.out)) == [
        "ria 2: leaders meet for talks number 2",
        "tass 2: leaders meet for talks number 2",
    ]
    assert tracker(workspace, "articles", "--feed", "ria", "--format", "csv").out.count("\n") == 4


@pytest.mark.parametrize(
    ("args", "argument"),
    [
        (("articles", "--since", "whenever"), "--since"),
        (("articles", "--search", "-x"), "--search"),
        (("articles", "--limit", "0"), "--limit"),
        (("ingest", "/no/such/file.jsonl"), "PATH"),
        (("feeds", "import", "/no/such.opml"), "FILE"),
    ],
)
def test_usage_errors_name_the_argument(workspace: Path, args: tuple[str, ...], argument: str) -> None:
    result = tracker(workspace, *args)
    assert result.code == 2 and argument in result.err
    assert "Traceback" not in result.err


def test_opml_export_and_import(workspace: Path, tmp_path: Path) -> None:
    exported = tracker(workspace, "feeds", "export")
    assert exported.code == 0 and exported.out.startswith("<?xml")
    assert exported.out.count("<outline") == 3  # enabled feeds only
    opml = tmp_path / "feeds.opml"
    assert tracker(workspace, "feeds", "export", "--all", "-o", opml).code == 0
    other = tmp_path / "other"
    for name in ("commitments", "rules", "feeds"):
        (other / name).mkdir(parents=True)
    refused = tracker(other, "feeds", "import", opml, "--dry-run")
    assert "- name:" not in refused.out and "127.0.0.1 is a loopback address" in refused.err
    dry = tracker(other, "feeds", "import", opml, "--dry-run", "--allow-private")
    assert dry.code == 0 and "- name: tass" in dry.out and not (other / "feeds" / "imported.yaml").exists()
    assert "allow_private: true" in dry.out
    done = tracker(other, "feeds", "import", opml, "--allow-private")
    assert done.code == 0 and "added 4 feed(s)" in done.out
    text = (other / "feeds" / "imported.yaml").read_text(encoding="utf-8")
    assert "# imported from feeds.opml" in text
    again = tracker(other, "feeds", "import", opml, "--allow-private")
    assert "added 0 feed(s)" in again.out and "already in the feed list" in again.err


def test_ingest_archive(workspace: Path, tmp_path: Path) -> None:
    archive = tmp_path / "entries.jsonl"
    archive.write_text(
        "\n".join(
            json.dumps(
                {
                    "entry": {
                        "title": f"Archived {i}",
                        "link": f"https://x.example/{i}",
                        "source": "https://x.example/rss",
                    }
                }
            )
            for i in range(5)
        )
        + "\n",
        encoding="utf-8",
    )
    result = tracker(workspace, "ingest", archive)
    assert result.code == 0, result.err
    assert "5 entries, 5 new" in result.err
    again = tracker(workspace, "ingest", archive, "--format", "json")
    assert json.loads(again.out)[0]["duplicates"] == 5
