"""Review keys act only on what the analyst sees; reject asks first; `u` undoes; keys people expect.

The first test is the bug an analyst met: on the History tab, `x` rejected the signal
highlighted on the hidden Signals tab.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest
from textual.widgets import DataTable, OptionList

from tests.fixtures_tui import FixtureWorkspace, build_fixture, make_app
from tracker.tui.browser import commands
from tracker.tui.screens.commitment import CommitmentScreen
from tracker.tui.screens.commitments import CommitmentsScreen
from tracker.tui.screens.help import HelpScreen
from tracker.tui.screens.pick import ConfirmScreen, PickScreen
from tracker.tui.widgets.keybar import KeyBar


@pytest.fixture
def fixture(tmp_path: Path) -> FixtureWorkspace:
    return build_fixture(tmp_path / "ws")


def query(fixture: FixtureWorkspace, sql: str, *params: object) -> list[tuple]:
    conn = sqlite3.connect(fixture.db_path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def reviews(fixture: FixtureWorkspace) -> list[tuple]:
    return query(fixture, "SELECT id, review FROM signals ORDER BY id")


async def open_commitment(pilot, commitment_id: str) -> CommitmentScreen:  # type: ignore[no-untyped-def]
    pilot.app.open_commitment(commitment_id)
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, CommitmentScreen)
    return screen


def footer(screen) -> str:  # type: ignore[no-untyped-def]
    return str(screen.query_one(KeyBar).content)


def highlighted_signal(screen: CommitmentScreen) -> int:
    key = (
        screen.query_one("#items", DataTable)
        .coordinate_to_cell_key((screen.query_one("#items", DataTable).cursor_row, 0))
        .row_key.value
    )
    return int(str(key).split(":")[1])


@pytest.mark.parametrize("tab", ["h", "t"])
async def test_review_keys_do_nothing_on_a_hidden_table(fixture: FixtureWorkspace, tab: str) -> None:
    app = make_app(fixture)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_commitment(pilot, "alpha/2")
        before = reviews(fixture)
        assert "Reject" in footer(screen) and "Confirm" in footer(screen)
        await pilot.press(tab)
        await pilot.pause()
        await pilot.press("x", "y", "y", "r", "s")
        await pilot.pause()
        assert reviews(fixture) == before
        assert isinstance(pilot.app.screen, CommitmentScreen)
        assert "Reject" not in footer(screen) and "Confirm" not in footer(screen)
        await pilot.press("v")
        await pilot.pause()
        assert "Reject" in footer(screen)


async def test_reject_asks_first_and_undo_restores_as_a_logged_review(fixture: FixtureWorkspace) -> None:
    app = make_app(fixture)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_commitment(pilot, "alpha/2")
        target = highlighted_signal(screen)
        await pilot.press("x")
        assert isinstance(pilot.app.screen, ConfirmScreen)
        await pilot.press("n")
        assert isinstance(pilot.app.screen, CommitmentScreen)
        assert query(fixture, "SELECT review FROM signals WHERE id = ?", target) == [(None,)]
        await pilot.press("x")
        await pilot.press("y")
        await pilot.pause()
        assert query(fixture, "SELECT review FROM signals WHERE id = ?", target) == [("rejected",)]
        assert "Undo" in footer(screen)
        await pilot.press("u")
        await pilot.pause()
        assert query(fixture, "SELECT review, reviewed_at FROM signals WHERE id = ?", target) == [
            (None, None)
        ]
        log = query(fixture, "SELECT action FROM reviews WHERE signal_id = ? ORDER BY id", target)
        assert log == [("reject",), ("undo",)]
        assert "Undo" not in footer(screen)
        # confirm then undo: the evidence it made is withdrawn, the signal waits again
        screen.query_one("#items", DataTable).move_to_key(f"signal:{target}")
        await pilot.press("y")
        await pilot.pause()
        assert query(fixture, "SELECT withdrawn IS NULL FROM evidence WHERE signal_id = ?", target) == [(1,)]
        await pilot.press("u")
        await pilot.pause()
        assert query(fixture, "SELECT review FROM signals WHERE id = ?", target) == [(None,)]
        assert query(fixture, "SELECT withdrawn IS NULL FROM evidence WHERE signal_id = ?", target) == [(0,)]
        history = query(fixture, "SELECT reason FROM status_history WHERE commitment_id = 'alpha/2'")
        assert any("confirmed undone" in r for (r,) in history)


async def test_undo_refuses_when_the_signal_was_reviewed_again_elsewhere(fixture: FixtureWorkspace) -> None:
    app = make_app(fixture)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_commitment(pilot, "alpha/2")
        target = highlighted_signal(screen)
        await pilot.press("y")
        await pilot.pause()
        other = make_app(fixture).tracker
        other.reject_signal(target)
        await pilot.press("u")
        await pilot.pause()
        assert query(fixture, "SELECT review FROM signals WHERE id = ?", target) == [("rejected",)]
        assert not pilot.app.session_reviews


async def test_relation_and_strength_are_picked_from_a_list(fixture: FixtureWorkspace) -> None:
    app = make_app(fixture)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_commitment(pilot, "alpha/2")
        target = highlighted_signal(screen)
        await pilot.press("s")
        picker = pilot.app.screen
        assert isinstance(picker, PickScreen)
        labels = [str(o.prompt) for o in picker.query_one(OptionList).options]
        assert "reaffirmation" in labels
        index = labels.index("reaffirmation")
        picker.query_one(OptionList).highlighted = index
        await pilot.press("enter")
        await pilot.pause()
        assert query(fixture, "SELECT strength FROM signals WHERE id = ?", target) == [("reaffirmation",)]
        cells = [
            getattr(c, "plain", str(c))
            for c in screen.query_one("#items", DataTable).get_row(f"signal:{target}")
        ]
        assert "reaffirmation" in cells
        await pilot.press("r", "escape")
        assert query(fixture, "SELECT relation FROM signals WHERE id = ?", target) == [("supports",)]


async def test_vim_keys_home_end_and_q(fixture: FixtureWorkspace) -> None:
    app = make_app(fixture)
    async with app.run_test(size=(80, 24)) as pilot:
        home = pilot.app.screen
        assert isinstance(home, CommitmentsScreen)
        table = home.query_one(DataTable)
        table.move_cursor(row=0)
        await pilot.press("j", "j")
        assert table.cursor_row == 2
        await pilot.press("k")
        assert table.cursor_row == 1
        await pilot.press("G")
        assert table.cursor_row == table.row_count - 1
        await pilot.press("g")
        assert table.cursor_row == 0
        await pilot.press("end")
        assert table.cursor_row == table.row_count - 1
        await pilot.press("home")
        assert table.cursor_row == 0
        await pilot.press("ctrl+d")
        assert table.cursor_row > 0
        await pilot.press("ctrl+u")
        assert table.cursor_row == 0
        # 1 from a commitment goes home; q goes back, then quits
        await open_commitment(pilot, "alpha/2")
        await pilot.press("1")
        await pilot.pause()
        assert isinstance(pilot.app.screen, CommitmentsScreen)
        await open_commitment(pilot, "alpha/2")
        await pilot.press("q")
        assert isinstance(pilot.app.screen, CommitmentsScreen)
        await pilot.press("2")
        await pilot.pause()
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(pilot.app.screen, CommitmentsScreen)
        await pilot.press("question_mark")
        help_screen = pilot.app.screen
        assert isinstance(help_screen, HelpScreen)
        assert "g/G or Home/End" in str(help_screen.query_one("#help-text").content)
        await pilot.press("escape", "q")
        await pilot.pause()
    assert app.return_code == 0


def test_browser_commands_follow_the_configuration_then_browser() -> None:
    url = "https://example.org/a?b=1"
    assert commands(url, ("firefox", "--new-tab"), {}) == [["firefox", "--new-tab", url]]
    assert commands(url, ("open", "{url}", "-g"), {"BROWSER": "w3m %s:lynx"}) == [
        ["open", url, "-g"],
        ["w3m", url],
        ["lynx", url],
    ]


async def test_o_opens_through_browser_and_says_when_nothing_works(
    fixture: FixtureWorkspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened = tmp_path / "opened.txt"
    script = tmp_path / "fake-browser"
    script.write_text(f'#!/bin/sh\nprintf "%s" "$1" > {opened}\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("BROWSER", str(script))
    app = make_app(fixture)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_commitment(pilot, "alpha/2")
        assert screen.view is not None
        row = next(n for n, i in enumerate(screen.view.items) if i.url)
        screen.query_one("#items", DataTable).move_cursor(row=row)
        item = screen.current_item()
        assert item is not None and item.url
        await pilot.press("o")
        for _ in range(50):
            if opened.exists() and opened.read_text():
                break
            await pilot.pause(0.05)
        assert opened.read_text() == item.url
        monkeypatch.setenv("BROWSER", str(tmp_path / "no-such-browser"))
        await pilot.press("o")
        await pilot.pause()
        messages = [str(n.message) for n in pilot.app._notifications]
        assert any("no-such-browser" in m and "copied to the clipboard" in m for m in messages)
    assert os.environ["BROWSER"].endswith("no-such-browser")


async def test_palette_screenshot_is_saved_and_says_where(fixture: FixtureWorkspace) -> None:
    app = make_app(fixture)
    async with app.run_test(size=(80, 24)) as pilot:
        pilot.app.deliver_screenshot()
        await pilot.pause()
        saved = list((fixture.root / "screenshots").glob("*.svg"))
        assert len(saved) == 1
        assert any("Saved to" in str(n.message) for n in pilot.app._notifications)
