"""The commitment screen: review keys change the database; forms validate; tabs show text and history."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, Select, SelectionList, Static, TextArea

from tests.fixtures_tui import FixtureWorkspace, build_fixture, make_app
from tracker.tui.screens.assess import AssessScreen
from tracker.tui.screens.commitment import CommitmentScreen
from tracker.tui.screens.evidence import EvidenceScreen
from tracker.tui.screens.note import NoteScreen
from tracker.tui.widgets.badge import StatusBadge
from tracker.tui.widgets.explanation import ExplanationPanel


@pytest.fixture
def fixture(tmp_path: Path) -> FixtureWorkspace:
    return build_fixture(tmp_path / "ws")


def query(fixture: FixtureWorkspace, sql: str, *params: object) -> list[tuple]:
    conn = sqlite3.connect(fixture.db_path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


async def open_commitment(pilot, commitment_id: str) -> CommitmentScreen:  # type: ignore[no-untyped-def]
    pilot.app.open_commitment(commitment_id)
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, CommitmentScreen)
    return screen


def item_keys(screen: CommitmentScreen) -> list[str]:
    return [str(row.key.value) for row in screen.query_one("#items", DataTable).ordered_rows]


def signal_id(fixture: FixtureWorkspace, title_start: str) -> int:
    [(found,)] = query(
        fixture,
        "SELECT s.id FROM signals s JOIN articles a ON a.id = s.article_id WHERE a.title LIKE ?",
        title_start + "%",
    )
    return int(found)


async def test_lists_signals_unreviewed_first_and_explains_the_highlighted_one(
    fixture: FixtureWorkspace,
) -> None:
    app = make_app(fixture)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_commitment(pilot, "alpha/2")
        keys = item_keys(screen)
        assert len(keys) == 3 and all(k.startswith("signal:") for k in keys)
        table = screen.query_one("#items", DataTable)
        first = [getattr(c, "plain", c) for c in table.get_row_at(0)]
        assert first[0] == "? new" and first[1] == "2024-06-20"
        panel = screen.query_one(ExplanationPanel)
        text = panel.render().plain
        assert "alpha-media" in text and "score 2" in text and "term     title: " in text
        assert "2024-05-21 (published)" in text
        await pilot.press("down")
        assert "Russian and Chinese media sign exchange programme" in panel.render().plain
        badge = screen.query_one(StatusBadge)
        assert (badge.status, badge.origin) == ("unreviewed", "derived")


async def test_confirm_makes_evidence_and_reject_stays_rejected(fixture: FixtureWorkspace) -> None:
    app = make_app(fixture)
    async with app.run_test() as pilot:
        screen = await open_commitment(pilot, "alpha/2")
        media = signal_id(fixture, "Russian and Chinese media")
        radio = signal_id(fixture, "Media exchange programme expands")
        screen.query_one("#items", DataTable).move_cursor(row=item_keys(screen).index(f"signal:{media}"))
        await pilot.press("y")
        assert query(fixture, "SELECT review FROM signals WHERE id = ?", media) == [("confirmed",)]
        assert query(fixture, "SELECT commitment_id, relation FROM evidence WHERE signal_id = ?", media) == [
            ("alpha/2", "supports")
        ]
        screen.query_one("#items", DataTable).move_cursor(row=item_keys(screen).index(f"signal:{radio}"))
        await pilot.press("x", "y")
        assert query(fixture, "SELECT review FROM signals WHERE id = ?", radio) == [("rejected",)]
        table = screen.query_one("#items", DataTable)
        states = {str(k.value): table.get_row(k)[0].plain for k in table.rows}
        assert states[f"signal:{media}"] == "✔ confirmed"
        assert states[f"signal:{radio}"] == "✘ rejected"
        assert "1 to review" in screen.sub_title


async def test_relation_and_strength_are_picked_and_note_is_saved(fixture: FixtureWorkspace) -> None:
    app = make_app(fixture)
    async with app.run_test() as pilot:
        screen = await open_commitment(pilot, "alpha/2")
        hostile = int(item_keys(screen)[0].split(":")[1])
        await pilot.press("r", "j", "enter")
        assert query(fixture, "SELECT relation FROM signals WHERE id = ?", hostile) == [("contradicts",)]
        await pilot.press("s", "j", "enter")
        assert query(fixture, "SELECT strength FROM signals WHERE id = ?", hostile) == [("representation",)]
        await pilot.press("n")
        assert isinstance(pilot.app.screen, NoteScreen)
        pilot.app.screen.query_one(TextArea).text = "Looks like spam [bold]really[/]"
        await pilot.press("ctrl+s")
        assert isinstance(pilot.app.screen, CommitmentScreen)
        assert query(fixture, "SELECT note FROM signals WHERE id = ?", hostile) == [
            ("Looks like spam [bold]really[/]",)
        ]
        assert "Looks like spam [bold]really[/]" in screen.query_one(ExplanationPanel).render().plain


async def test_add_evidence_form_validates_then_saves(fixture: FixtureWorkspace) -> None:
    app = make_app(fixture)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_commitment(pilot, "beta/training")
        await pilot.press("e")
        form = pilot.app.screen
        assert isinstance(form, EvidenceScreen)
        form.query_one("#url", Input).value = "ftp://nope"
        await pilot.press("ctrl+s")
        errors = str(form.query_one("#form-errors", Static).content)
        assert "Title: required." in errors and "Link: expected an http(s) address" in errors
        assert isinstance(pilot.app.screen, EvidenceScreen)
        form.query_one("#title", Input).value = "Journalists trained in Kazan"
        form.query_one("#url", Input).value = "https://example.org/kazan"
        form.query_one("#date", Input).value = "2024-06-01"
        form.query_one("#strength", Select).value = "resources"
        await pilot.press("ctrl+s")
        assert isinstance(pilot.app.screen, CommitmentScreen)
        assert query(
            fixture,
            "SELECT title, url, date, relation, strength, signal_id FROM evidence WHERE"
            " commitment_id = 'beta/training'",
        ) == [
            (
                "Journalists trained in Kazan",
                "https://example.org/kazan",
                "2024-06-01",
                "supports",
                "resources",
                None,
            )
        ]
        assert item_keys(pilot.app.screen)[0].startswith("evidence:")


async def test_evidence_from_a_document_reference_is_saved_and_shown(fixture: FixtureWorkspace) -> None:
    app = make_app(fixture)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await open_commitment(pilot, "beta/training")
        await pilot.press("e")
        form = pilot.app.screen
        assert isinstance(form, EvidenceScreen)
        form.query_one("#title", Input).value = "Training programme agreed"
        await pilot.press("ctrl+s")
        assert "Source: give a link or a document reference." in str(
            form.query_one("#form-errors", Static).content
        )
        form.query_one("#document", Input).value = "MFA note 2017/12 [bold]x[/]"
        await pilot.press("ctrl+s")
        assert isinstance(pilot.app.screen, CommitmentScreen)
        assert query(fixture, "SELECT url, document FROM evidence WHERE commitment_id = 'beta/training'") == [
            (None, "MFA note 2017/12 [bold]x[/]")
        ]
        await pilot.pause()
        assert "MFA note 2017/12 [bold]x[/]" in screen.query_one(ExplanationPanel).render().plain


async def test_cancel_leaves_the_database_alone(fixture: FixtureWorkspace) -> None:
    app = make_app(fixture)
    async with app.run_test() as pilot:
        await open_commitment(pilot, "beta/training")
        await pilot.press("e")
        pilot.app.screen.query_one("#title", Input).value = "Not saved"
        await pilot.press("escape")
        assert isinstance(pilot.app.screen, CommitmentScreen)
        assert query(fixture, "SELECT count(*) FROM evidence WHERE commitment_id = 'beta/training'") == [(0,)]


async def test_assessment_form_records_a_verdict_and_the_status_follows(fixture: FixtureWorkspace) -> None:
    app = make_app(fixture)
    async with app.run_test(size=(100, 48)) as pilot:
        screen = await open_commitment(pilot, "alpha/1")
        await pilot.press("a")
        form = pilot.app.screen
        assert isinstance(form, AssessScreen)
        assert form.query_one(SelectionList).selected == [2, 1] or sorted(
            form.query_one(SelectionList).selected
        ) == [1, 2]
        await pilot.press("ctrl+s")
        assert "Verdict: choose one." in str(form.query_one("#form-errors", Static).content)
        form.query_one("#status", Select).value = "partial"
        form.query_one("#rationale", TextArea).text = "Consultations held once, not annually."
        form.query_one("#confidence", Select).value = "medium"
        await pilot.press("ctrl+s")
        assert isinstance(pilot.app.screen, CommitmentScreen)
        rows = query(
            fixture,
            "SELECT status, party, rationale, confidence FROM assessments WHERE commitment_id ="
            " 'alpha/1' ORDER BY id",
        )
        assert rows[-1] == ("partial", "joint", "Consultations held once, not annually.", "medium")
        badge = screen.query_one(StatusBadge)
        assert (badge.status, badge.origin) == ("partial", "analyst")


async def test_history_and_text_tabs(fixture: FixtureWorkspace) -> None:
    app = make_app(fixture)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await open_commitment(pilot, "alpha/1")
        await pilot.press("h")
        assert screen.active_tab == "history"
        history = screen.query_one("#commitment-history", Static).content.plain
        assert "Consultations held as promised." in history
        assert history.index("● fulfilled") < history.index("○ in progress") < history.index("○ unreviewed")
        await pilot.press("t")
        text = screen.query_one("#commitment-text", Static).content.plain
        assert "The two sides will hold annual consultations on information security." in text
        assert "双方将每年就信息安全举行磋商。" in text
        assert "Responsible   foreign ministries" in text and "Deadline      not stated" in text
        await pilot.press("v")
        assert screen.active_tab == "review"


async def test_open_link_uses_the_browser_only_for_http(
    fixture: FixtureWorkspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []
    app = make_app(fixture)
    monkeypatch.setattr("tracker.tui.app.open_link", lambda url, configured: opened.append(url) or "test")
    async with app.run_test() as pilot:
        screen = await open_commitment(pilot, "alpha/2")
        await pilot.press("o")  # the hostile article has no link
        screen.query_one("#items", DataTable).move_cursor(row=1)
        await pilot.press("o")
        assert opened == ["https://xinhua.example/2"]


async def test_hand_added_evidence_cannot_be_confirmed(fixture: FixtureWorkspace) -> None:
    app = make_app(fixture)
    async with app.run_test() as pilot:
        screen = await open_commitment(pilot, "alpha/1")
        assert item_keys(screen)[0].startswith("evidence:")
        await pilot.press("x")
        assert query(fixture, "SELECT count(*) FROM signals WHERE review = 'rejected'") == [(1,)]
        await pilot.press("r", "j", "enter")
        assert query(fixture, "SELECT relation FROM evidence WHERE signal_id IS NULL") == [("contradicts",)]


async def test_the_commitment_screen_follows_a_resize_of_the_terminal(fixture: FixtureWorkspace) -> None:
    """Opened narrow, then widened: the screen gets the wide layout (panel beside the table)."""
    app = make_app(fixture)
    async with app.run_test(size=(100, 30)) as pilot:
        pilot.app.open_commitment("alpha/2")
        await pilot.pause()
        screen = pilot.app.screen
        table = screen.query_one("#items", DataTable)
        assert screen.has_class("-narrow") and table.size.width == 100
        await pilot.resize_terminal(160, 40)
        await pilot.pause()
        assert screen.has_class("-wide") and not screen.has_class("-narrow")
        assert table.size.width < 160 and table.size.height > 20  # two thirds, the panel beside it
        await pilot.resize_terminal(90, 30)
        await pilot.pause()
        assert screen.has_class("-narrow") and table.size.width == 90
