"""Articles: read state kept in the database, an unread-only view, feeds shown by title;
the refresh keys ask a running watcher to poll, through the database."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from textual.widgets import DataTable

from tests.fixtures_tui import FixtureWorkspace, build_fixture, make_app
from tracker.records.lock import WatchLock
from tracker.tui.screens.articles import UNREAD_MARK, ArticlesScreen
from tracker.tui.screens.feeds import FeedsScreen


@pytest.fixture
def fixture(tmp_path: Path) -> FixtureWorkspace:
    return build_fixture(tmp_path / "ws")


def query(fixture: FixtureWorkspace, sql: str) -> list[tuple]:
    conn = sqlite3.connect(fixture.db_path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def cells(table: DataTable, row: int) -> list[str]:  # type: ignore[type-arg]
    return [getattr(c, "plain", str(c)) for c in table.get_row_at(row)]


async def test_mark_read_filter_unread_and_feed_titles(fixture: FixtureWorkspace) -> None:
    app = make_app(fixture)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3")
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, ArticlesScreen)
        table = screen.query_one("#articles", DataTable)
        total = table.row_count
        assert all(cells(table, n)[0] == UNREAD_MARK for n in range(total))
        first = screen.current_row()
        assert first is not None
        await pilot.press("m")
        await pilot.pause()
        assert query(fixture, "SELECT article_id FROM article_reads") == [(first.article.id,)]
        assert table.cursor_row == 1  # on to the next one
        assert cells(table, 0)[0] == " "
        await pilot.press("f")
        await pilot.pause()
        assert table.row_count == total - 1
        assert str(first.article.id) not in {str(r.key.value) for r in table.ordered_rows}
        await pilot.press("f", "home", "m")  # unread again
        await pilot.pause()
        assert query(fixture, "SELECT count(*) FROM article_reads") == [(0,)]
        feeds = {cells(table, n)[3] for n in range(table.row_count)}
        assert {"TASS (English)", "Xinhua (English)"} <= feeds


async def test_refresh_asks_the_running_watcher_to_poll(fixture: FixtureWorkspace) -> None:
    app = make_app(fixture)
    with WatchLock(fixture.root / ".tracker"):
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("2")
            await pilot.pause()
            assert isinstance(pilot.app.screen, FeedsScreen)
            summary = str(pilot.app.screen.query_one("#feeds-summary").content)
            assert "tracker watch polls" in summary and "r/R ask it to poll now" in summary
            await pilot.press("R")
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
            assert query(fixture, "SELECT feed, requested_by, taken FROM poll_requests") == [
                (None, "dashboard", None)
            ]
            messages = [str(n.message) for n in pilot.app._notifications]
            assert any("Asked the running `tracker watch` to poll" in m for m in messages)
