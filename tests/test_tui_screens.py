"""Feeds, articles, help, command palette, themes and live refresh, driven with the pilot."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, OptionList, Static

from tests.fixtures_tui import FIXED_NOW, FixtureWorkspace, build_fixture, make_app, timelines_in
from tracker.tui.app import DARK_THEME, LIGHT_THEME
from tracker.tui.screens.articles import ArticlesScreen
from tracker.tui.screens.commitment import CommitmentScreen
from tracker.tui.screens.commitments import CommitmentsScreen
from tracker.tui.screens.feeds import FeedsScreen
from tracker.tui.screens.help import HelpScreen
from tracker.tui.screens.link import LinkScreen
from tracker.types import PollResult


@pytest.fixture
def fixture(tmp_path: Path) -> FixtureWorkspace:
    return build_fixture(tmp_path / "ws")


def table_rows(screen, table_id: str) -> list[list[str]]:  # type: ignore[no-untyped-def]
    table = screen.query_one(table_id, DataTable)
    return [[getattr(c, "plain", str(c)) for c in table.get_row(row.key)] for row in table.ordered_rows]


# ---------------------------------------------------------------- feeds


async def test_feeds_screen_shows_health_worst_first(fixture: FixtureWorkspace) -> None:
    app = make_app(fixture)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("2")
        screen = pilot.app.screen
        assert isinstance(screen, FeedsScreen)
        rows = table_rows(screen, "#feeds")
        assert rows[0][:6] == ["xinhua-en", "failing", "2 d ago", "3", "in 3 h", "2"]
        assert rows[0][6] == "the server is unavailable (HTTP 503)"
        assert rows[1][:3] == ["tass-en", "ok", "1 h ago"]
        detail = screen.query_one("#feed-detail", Static).content.plain
        assert "https://xinhua.example/rss.xml" in detail and "3 consecutive failure(s)" in detail


def fake_poll(monkeypatch: pytest.MonkeyPatch, app, calls: list) -> None:  # type: ignore[no-untyped-def,type-arg]
    """Polling without a network: one new article per feed asked for, progress per feed."""

    def poll_feeds(self, names=None, *, force=False, due_only=False, progress=None):  # type: ignore[no-untyped-def]
        calls.append((names, due_only))
        results = []
        for feed in self.feeds():
            if names is None or feed.name in names:
                results.append(PollResult(feed.name, feed.url, "ok", new=1))
                if progress:
                    progress(results[-1])
        return results

    monkeypatch.setattr(type(app.tracker), "poll_feeds", poll_feeds)


async def test_refresh_runs_in_a_worker_and_reports_progress(
    fixture: FixtureWorkspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(fixture)
    calls: list[tuple[object, bool]] = []
    fake_poll(monkeypatch, app, calls)
    progress: list[tuple[int, int, str] | None] = []
    async with app.run_test(notifications=True) as pilot:
        await pilot.press("2")
        pilot.app.watch(pilot.app, "poll_progress", lambda value: progress.append(value), init=False)
        await pilot.press("R")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert progress[0] == (0, 2, "starting") and progress[-1] is None
        assert {p[2] for p in progress[1:-1] if p} == {"tass-en", "xinhua-en"}
        messages = [n.message for n in pilot.app._notifications]
        assert any("2 feed(s) polled: 2 new" in m for m in messages)
        await pilot.press("r")  # the highlighted feed only
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert calls == [(None, False), (["xinhua-en"], False)]
        assert any("1 feed(s) polled" in n.message for n in pilot.app._notifications)


async def test_monitoring_polls_due_feeds_on_start(
    fixture: FixtureWorkspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(fixture, monitor=True)
    calls: list[tuple[object, bool]] = []
    fake_poll(monkeypatch, app, calls)
    async with app.run_test() as pilot:
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    assert calls == [(None, True)]


# ---------------------------------------------------------------- articles


async def test_articles_recent_search_unmatched(fixture: FixtureWorkspace) -> None:
    app = make_app(fixture)
    async with app.run_test() as pilot:
        await pilot.press("3")
        screen = pilot.app.screen
        assert isinstance(screen, ArticlesScreen)
        rows = table_rows(screen, "#articles")
        assert [r[1] for r in rows][:2] == ["2024-06-27", "2024-06-20"]
        assert rows[0][2] == "Weather in Moscow" and rows[0][4] == "–"
        assert "Sunny with light rain" in screen.query_one("#article-preview", Static).content.plain
        await pilot.press("u")
        assert [r[2] for r in table_rows(screen, "#articles")] == ["Weather in Moscow"]
        await pilot.press("u", "slash")
        assert screen.query_one("#article-search", Input).has_focus
        screen.query_one("#article-search", Input).value = "consultations"
        await pilot.press("enter")
        assert [r[2] for r in table_rows(screen, "#articles")] == [
            "China and Russia hold consultations on information security"
        ]
        await pilot.press("escape")
        assert len(table_rows(screen, "#articles")) == 6


async def test_link_an_article_to_a_commitment_by_hand(fixture: FixtureWorkspace) -> None:
    app = make_app(fixture)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("3")  # Weather in Moscow is first
        await pilot.press("l")
        form = pilot.app.screen
        assert isinstance(form, LinkScreen)
        form.query_one("#pick-filter", Input).value = "journalists"
        await pilot.pause()
        options = form.query_one("#pick", OptionList)
        assert options.option_count == 1
        await pilot.press("ctrl+s")
        assert isinstance(pilot.app.screen, ArticlesScreen)
        conn = sqlite3.connect(fixture.db_path)
        rows = conn.execute(
            "SELECT commitment_id, title, url, publisher, date, relation FROM evidence WHERE title ="
            " 'Weather in Moscow'"
        ).fetchall()
        conn.close()
        assert rows == [
            (
                "beta/training",
                "Weather in Moscow",
                "https://tass.example/5",
                "tass-en",
                "2024-06-27",
                "supports",
            )
        ]


# ---------------------------------------------------------------- app-wide


async def test_help_lists_the_keys_of_the_screen_underneath(fixture: FixtureWorkspace) -> None:
    app = make_app(fixture)
    async with app.run_test(size=(100, 40)) as pilot:
        pilot.app.open_commitment("alpha/2")
        await pilot.pause()
        await pilot.press("question_mark")
        assert isinstance(pilot.app.screen, HelpScreen)
        text = pilot.app.screen.query_one("#help-text", Static).content.plain
        assert "Confirm" in text and "Reject" in text and "Assess" in text
        assert "not fulfilled" in text and "● an analyst's verdict" in text
        await pilot.press("escape")
        assert isinstance(pilot.app.screen, CommitmentScreen)


async def test_theme_toggles_between_light_and_dark(fixture: FixtureWorkspace) -> None:
    app = make_app(fixture)
    async with app.run_test() as pilot:
        assert pilot.app.theme == DARK_THEME
        await pilot.press("ctrl+t")
        assert pilot.app.theme == LIGHT_THEME
        await pilot.press("ctrl+t")
        assert pilot.app.theme == DARK_THEME


async def test_command_palette_opens_a_commitment(fixture: FixtureWorkspace) -> None:
    app = make_app(fixture)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+p")
        pilot.app.screen.query_one(Input).value = "journalists"
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(pilot.app.screen, CommitmentScreen)
        assert pilot.app.screen.commitment_id == "beta/training"


async def test_modes_switch_and_keep_their_state(fixture: FixtureWorkspace) -> None:
    app = make_app(fixture)
    async with app.run_test() as pilot:
        await pilot.press("s")
        await pilot.press("2")
        assert isinstance(pilot.app.screen, FeedsScreen)
        await pilot.press("1")
        screen = pilot.app.screen
        assert isinstance(screen, CommitmentsScreen) and screen.sort.column == "title"


async def test_writes_by_another_process_appear_without_a_key(fixture: FixtureWorkspace) -> None:
    app = make_app(fixture)
    async with app.run_test() as pilot:
        screen = pilot.app.screen
        conn = sqlite3.connect(fixture.db_path, timeout=5)
        with conn:
            conn.execute(
                "INSERT INTO assessments (commitment_id, party, status, rationale, evidence_ids, created)"
                " VALUES ('beta/training', 'joint', 'not_fulfilled', 'Nothing happened at all.', '[]', ?)",
                (FIXED_NOW.isoformat(),),
            )
        conn.close()
        pilot.app.check_for_changes()  # what the refresh timer calls every few seconds
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        row = screen.query_one("#commitments", DataTable).get_row("beta/training")
        assert row[2].plain == "● not fulfilled"
        assert "Compliance 50%" in screen.query_one("#compliance", Static).content.plain


async def test_no_change_means_no_reload(fixture: FixtureWorkspace) -> None:
    app = make_app(fixture)
    async with app.run_test() as pilot:
        before = pilot.app.data_version
        pilot.app.check_for_changes()
        pilot.app.check_for_changes()
        assert pilot.app.data_version == before


async def test_a_review_waits_for_a_writer_instead_of_failing(fixture: FixtureWorkspace) -> None:
    """Another process holding the write lock (a `tracker watch` storing a poll) delays a review; no error."""
    import threading

    app = make_app(fixture)
    holding = threading.Event()

    def writer() -> None:
        conn = sqlite3.connect(fixture.db_path, timeout=5, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("UPDATE feed_state SET failures = failures WHERE name = 'tass-en'")
        holding.set()
        threading.Event().wait(0.4)
        conn.execute("COMMIT")
        conn.close()

    async with app.run_test() as pilot:
        pilot.app.open_commitment("alpha/2")
        await pilot.pause()
        thread = threading.Thread(target=writer)
        thread.start()
        holding.wait(5)
        await pilot.press("x", "y")
        thread.join()
        conn = sqlite3.connect(fixture.db_path)
        rejected = conn.execute("SELECT count(*) FROM signals WHERE review = 'rejected'").fetchone()[0]
        conn.close()
        assert rejected == 2


async def test_an_unexpected_worker_error_becomes_a_notification(
    fixture: FixtureWorkspace, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    app = make_app(fixture)

    def broken(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(type(app.tracker), "poll_feeds", broken)
    async with app.run_test(notifications=True) as pilot:
        await pilot.press("ctrl+r")
        await pilot.pause(0.2)
        assert any("disk on fire" in n.message for n in pilot.app._notifications)
        assert pilot.app.is_running


async def test_the_dashboard_freezes_what_it_keeps_and_thaws_it_on_exit(fixture: FixtureWorkspace) -> None:
    """After the first paint the loaded data is out of the collector's full passes; not after exit."""
    import gc

    app = make_app(fixture)
    async with app.run_test() as pilot:
        await timelines_in(pilot)
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0
