"""Hostile text from feeds and records is shown, never obeyed.

An article title carries Rich/Textual markup (`[bold red]`, `[link=…]`, `[@click=app.quit]`)
and terminal control sequences (ESC, BEL, a bidi override); a commitment summary
carries markup too. Every screen must show them as literal text, with the control
characters replaced by visible stand-ins, and clicking the fake `[@click]` must do nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, Input

from tests.fixtures_tui import FixtureWorkspace, build_fixture, make_app, screen_text
from tracker.tui.screens.commitment import CommitmentScreen
from tracker.tui.widgets.explanation import ExplanationPanel

HOSTILE_SUMMARY = "Launch a [bold red]joint[/] media programme \\x1b[2J\\x07 [@click=app.quit]now[/]"
CONTROL = ("\x1b", "\x07", "\u202e", "\x9b")


@pytest.fixture
def fixture(tmp_path: Path) -> FixtureWorkspace:
    built = build_fixture(tmp_path / "ws")
    path = built.root / "commitments" / "alpha.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("summary: Launch a joint media exchange programme.", f'summary: "{HOSTILE_SUMMARY}"'),
        encoding="utf-8",
    )
    return built


def assert_inert(text: str) -> None:
    for char in CONTROL:
        assert char not in text


async def test_commitments_screen_shows_markup_in_a_summary_as_text(fixture: FixtureWorkspace) -> None:
    app = make_app(fixture)
    async with app.run_test(size=(160, 30)) as pilot:
        assert not app.tracker.records.problems
        shown = screen_text(pilot.app)
        assert "Launch a [bold red]joint[/] media programme ␛[2J␇ [@click=app." in shown
        assert_inert(shown)
        cell = pilot.app.screen.query_one(DataTable).get_row("alpha/2")[1]
        assert not cell.spans  # no style came from the text


async def test_commitment_screen_shows_a_hostile_article_title_inert(fixture: FixtureWorkspace) -> None:
    app = make_app(fixture)
    async with app.run_test(size=(160, 40)) as pilot:
        pilot.app.open_commitment("alpha/2")
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, CommitmentScreen)
        shown = screen_text(pilot.app)
        assert "[bold red]PWNED[/bold red] ␛[2J␛[31mcleared␇" in shown
        assert "[link=https://evil.example]click[/link]" in shown
        assert_inert(shown)
        title_cell = screen.query_one("#items", DataTable).get_row_at(0)[2]
        assert "[bold red]PWNED" in title_cell.plain and not title_cell.spans
        panel = screen.query_one(ExplanationPanel)
        rendered = panel.render()
        assert "[@click=app.quit]quit[/]" in rendered.plain
        assert not any("@click" in str(span.style) for span in rendered.spans)
        # Click all over the title with the fake [@click=app.quit]: nothing happens.
        for x, y in ((2, 0), (10, 1), (20, 1), (30, 2), (5, 2)):
            await pilot.click(panel, offset=(x, y))
        await pilot.pause()
        assert pilot.app.is_running
        assert isinstance(pilot.app.screen, CommitmentScreen)


async def test_articles_screen_and_screenshot_stay_inert(fixture: FixtureWorkspace) -> None:
    app = make_app(fixture)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("3", "down")
        shown = screen_text(pilot.app)
        assert "[bold red]PWNED[/bold red]" in shown
        assert "A media exchange ␛[5mblinks␛[0m." in shown
        assert_inert(shown)
        assert_inert(pilot.app.export_screenshot())


async def test_palette_shows_a_hostile_summary_as_text(fixture: FixtureWorkspace) -> None:
    app = make_app(fixture)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("ctrl+p")
        pilot.app.screen.query_one(Input).value = "programme"
        await pilot.pause(0.3)
        shown = screen_text(pilot.app)
        assert "[bold red]joint[/]" in shown
        assert_inert(shown)
        await pilot.press("escape")
