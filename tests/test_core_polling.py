"""Polling through the core: what a pass loads, on a real loopback server and real SQLite."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.feedserver import FeedServer, make_rss
from tracker.core import Tracker, Workspace
from tracker.feeds.fetching import FetchSettings
from tracker.feeds.pipeline import PollSettings

SETTINGS = PollSettings(fetch=FetchSettings(trust_env=False), parse_workers=0)


def test_a_pass_of_unchanged_feeds_never_builds_the_matcher(bundled_workspace: Path) -> None:
    with FeedServer() as server:
        server.feed("/tass.xml", make_rss(5, prefix="tass", title="TASS"), etag='"v1"')
        shutil.rmtree(bundled_workspace / "feeds")
        (bundled_workspace / "feeds").mkdir()
        (bundled_workspace / "feeds" / "loopback.yaml").write_text(
            f"feeds:\n  - name: tass\n    url: {server.url('/tass.xml')}\n    allow_private: true\n",
            encoding="utf-8",
        )
        (bundled_workspace / "tracker.yaml").write_text("fulltext: gate\n", encoding="utf-8")
        first = Tracker(Workspace(bundled_workspace))
        [result] = first.poll_feeds(settings=SETTINGS)
        assert (result.status, result.new) == ("ok", 5)
        assert first._matcher is not None  # new articles: the rules ran on them
        first.close()

        second = Tracker(Workspace(bundled_workspace))
        [result] = second.poll_feeds(settings=SETTINGS)
        assert result.status == "not_modified"
        assert second._matcher is None  # nothing new: no rule was loaded
        second.close()
