"""The dashboard's read-model (tracker.overview), on the fixture database, without Textual."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from tests.fixtures_tui import FIXED_NOW, FixtureWorkspace, build_fixture, open_tracker
from tracker.review.overview import article_rows, build_overview, commitment_view, data_version, feed_rows
from tracker.tui.words import ago, poll_summary
from tracker.types import Feed, FeedHealth, FeedState, PollResult


@pytest.fixture
def fixture(tmp_path: Path) -> FixtureWorkspace:
    return build_fixture(tmp_path / "ws")


def test_overview_counts_statuses_and_percentages(fixture: FixtureWorkspace) -> None:
    tracker = open_tracker(fixture)
    overview = build_overview(tracker.records.statements, tracker.db, now=FIXED_NOW)
    rows = {r.commitment_id: r for r in overview.rows}
    assert (rows["alpha/1"].status.status, rows["alpha/1"].status.origin, rows["alpha/1"].score) == (
        "fulfilled",
        "analyst",
        1,
    )
    assert (rows["alpha/1"].evidence, rows["alpha/1"].latest_evidence) == (2, date(2024, 5, 31))
    assert (rows["alpha/2"].status.status, rows["alpha/2"].unreviewed, rows["alpha/2"].signals) == (
        "unreviewed",
        3,
        3,
    )
    assert rows["alpha/3"].status.status == "overdue"
    assert rows["beta/cooperation"].signals == 0  # its only signal was rejected
    # from the earliest statement (beta, 2022-05-20) to now; each row over its own span
    assert overview.months[0] == "2022-05" and overview.months[-1] == "2024-06"
    assert rows["alpha/2"].timeline is not None and rows["alpha/2"].timeline.first == "2023-01"
    assert len(rows["alpha/2"].monthly) == 18 and len(rows["beta/training"].monthly) == 26
    assert rows["alpha/2"].monthly[-3:] == (1, 0, 2)
    assert overview.percent == 100 and overview.assessed == 1 and overview.unreviewed == 3
    assert [(s.statement_id, s.percent) for s in overview.statements] == [("alpha", 100), ("beta", None)]


def test_overview_without_timelines_then_the_timelines_make_the_whole_overview(
    fixture: FixtureWorkspace,
) -> None:
    """The dashboard paints the list from the overview without timelines and adds them after."""
    tracker = open_tracker(fixture)
    whole = tracker.overview(now=FIXED_NOW)
    first = tracker.overview(now=FIXED_NOW, timelines=False)
    assert all(row.timeline is None and row.monthly == () for row in first.rows)
    timelines = tracker.overview_timelines(now=FIXED_NOW)
    assert set(timelines) == {row.commitment_id for row in whole.rows}
    joined = tuple(
        replace(row, monthly=timelines[row.commitment_id].signals, timeline=timelines[row.commitment_id])
        for row in first.rows
    )
    assert joined == whole.rows
    assert replace(first, rows=joined) == whole
    tracker.close()


def test_stale_evidence_makes_a_commitment_stalled(fixture: FixtureWorkspace) -> None:
    tracker = open_tracker(fixture)
    later = FIXED_NOW + timedelta(days=400)
    with tracker.db.transaction() as conn:
        conn.execute("DELETE FROM assessments")
    overview = build_overview(tracker.records.statements, tracker.db, now=later)
    assert {r.commitment_id: r.status.status for r in overview.rows}["alpha/1"] == "stalled"
    tracker.close()


def test_commitment_view_orders_work_first(fixture: FixtureWorkspace) -> None:
    tracker = open_tracker(fixture)
    records = tracker.records
    view = commitment_view(
        tracker.db, records.statement("alpha"), records.commitment("alpha/1"), now=FIXED_NOW
    )
    assert [i.state for i in view.items] == ["manual", "confirmed"]
    assert view.items[1].feeds == ("tass-en",) and view.items[1].strength == "mechanism"
    assert [h.status for h in view.history] == ["fulfilled", "in_progress", "unreviewed"]
    assert view.assessments[0].evidence_ids == (1, 2)
    other = commitment_view(tracker.db, records.statement("beta"), records.commitment("beta/cooperation"))
    assert [i.state for i in other.items] == ["rejected"]
    tracker.close()


def test_feed_rows_put_failing_feeds_first() -> None:
    now = datetime(2024, 6, 30, tzinfo=UTC)
    ok = Feed("a", "https://a.example/rss")
    failing = Feed("b", "https://b.example/rss")
    new = Feed("c", "https://c.example/rss")
    off = Feed("d", "https://d.example/rss", enabled=False)
    rows = feed_rows(
        [
            FeedHealth(ok, FeedState("a", ok.url, last_attempt=now, last_success=now)),
            FeedHealth(
                failing, FeedState("b", failing.url, last_attempt=now, failures=2, last_error="HTTP 404")
            ),
            FeedHealth(new, None),
            FeedHealth(off, None),
        ]
    )
    assert [(r.name, r.health) for r in rows] == [
        ("b", "failing"),
        ("c", "new"),
        ("a", "ok"),
        ("d", "disabled"),
    ]


def test_poll_summary_in_words() -> None:
    results = [
        PollResult("a", "u", "ok", new=3, updated=1),
        PollResult("b", "u", "error", error="HTTP 503"),
        PollResult("c", "u", "skipped"),
    ]
    assert poll_summary(results) == (
        "2 feed(s) polled: 3 new, 1 updated article(s), 1 not due;"
        " 1 failed (b: the server is unavailable (HTTP 503))",
        1,
    )


def test_ago_reads_like_speech() -> None:
    now = datetime(2024, 6, 30, 12, tzinfo=UTC)
    assert ago(now - timedelta(hours=3), now) == "3 h ago"
    assert ago(now + timedelta(minutes=25), now) == "in 25 min"
    assert ago(None, now) == "never"
    assert ago(now, now) == "now"


def test_article_rows_add_feeds_and_links(fixture: FixtureWorkspace) -> None:
    tracker = open_tracker(fixture)
    rows = article_rows(tracker.db, tracker.find_articles(limit=10))
    by_title = {r.article.title: r for r in rows}
    assert by_title["Weather in Moscow"].links == ()
    assert by_title["Russian and Chinese media sign exchange programme"].links == ("alpha/2",)
    assert by_title["Internet companies meet in Kazan"].links == ()  # rejected links do not count
    tracker.close()


def test_data_version_moves_on_any_commit(fixture: FixtureWorkspace) -> None:
    import sqlite3

    tracker = open_tracker(fixture)
    before = data_version(tracker.db)
    assert data_version(tracker.db) == before
    conn = sqlite3.connect(fixture.db_path)
    with conn:
        conn.execute("UPDATE feed_state SET failures = 0")
    conn.close()
    assert data_version(tracker.db) != before
    tracker.close()


def test_archived_news_shows_on_the_commitments_own_timeline(fixture: FixtureWorkspace) -> None:
    """Two December 2022 signals (an ingested archive) show, though a year and a half old."""
    conn = sqlite3.connect(fixture.db_path)
    for day in (5, 20):
        cursor = conn.execute(
            "INSERT INTO articles (guid, title, published, first_seen, last_seen, content_hash)"
            " VALUES (?, 'Journalists trained', ?, ?, ?, 'h')",
            (f"archive-{day}", f"2022-12-{day:02d}T10:00:00+00:00", *["2024-06-01T00:00:00+00:00"] * 2),
        )
        conn.execute(
            "INSERT INTO signals (article_id, commitment_id, rule_ids, score, relation, hits, created,"
            " updated) VALUES (?, 'beta/training', '[]', 2, 'supports', '[]', ?, ?)",
            (cursor.lastrowid, *["2024-06-01T00:00:00+00:00"] * 2),
        )
    conn.commit()
    conn.close()
    tracker = open_tracker(fixture)
    row = next(r for r in tracker.overview(now=FIXED_NOW).rows if r.commitment_id == "beta/training")
    assert row.timeline is not None
    assert row.monthly[row.timeline.months.index("2022-12")] == 2
    bars = row.timeline.bars(row.monthly, 12)
    # 26 months (2022-05 to 2024-06) at most 12 cells: 9 of 3 months; Dec 2022 is in the third
    assert bars == "··█······"
    tracker.close()
