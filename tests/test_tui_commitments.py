"""The commitments screen, driven with the pilot: grouping, header, search, filters, sort, open."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, Select, Static

from tests.fixtures_tui import FixtureWorkspace, build_fixture, make_app, timelines_in
from tracker.tui.screens.commitment import CommitmentScreen
from tracker.tui.screens.commitments import CommitmentsScreen


@pytest.fixture
def fixture(tmp_path: Path) -> FixtureWorkspace:
    return build_fixture(tmp_path / "ws")


def rows(screen: CommitmentsScreen) -> list[str]:
    table = screen.query_one("#commitments", DataTable)
    return [str(row.key.value) for row in table.ordered_rows]


def cells(screen: CommitmentsScreen, key: str) -> list[str]:
    table = screen.query_one("#commitments", DataTable)
    return [str(getattr(cell, "plain", cell)) for cell in table.get_row(key)]


async def test_every_commitment_grouped_by_statement(fixture: FixtureWorkspace) -> None:
    app = make_app(fixture)
    async with app.run_test() as pilot:
        screen = pilot.app.screen
        assert isinstance(screen, CommitmentsScreen)
        assert rows(screen) == [
            "statement:alpha", "alpha/1", "alpha/2", "alpha/3",
            "statement:beta", "beta/cooperation", "beta/training",
        ]  # fmt: skip
        first = cells(screen, "alpha/1")
        assert first[1].startswith("Hold annual consult") and first[1].endswith("…")
        assert [first[0], *first[2:6]] == ["1", "● fulfilled", "+1", "·", "2"]
        # ids are never cut: the column is as wide as the longest
        assert cells(screen, "beta/cooperation")[0] == "cooperation"
        assert cells(screen, "alpha/2")[2:5] == ["○ unreviewed", "–", "3"]
        assert cells(screen, "alpha/3")[2] == "○ overdue"
        assert cells(screen, "statement:alpha")[2] == "100% (1/3)"
        header = str(screen.query_one("#compliance", Static).content)
        assert "Compliance 100%" in header and "1 of 5 assessed" in header and "3 signals to review" in header
        assert "beta – (0/2)" in header


async def test_wide_terminal_shows_latest_evidence_and_the_commitments_span(
    fixture: FixtureWorkspace,
) -> None:
    app = make_app(fixture)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = pilot.app.screen
        await timelines_in(pilot)
        row = cells(screen, "alpha/1")
        assert "2024-05-31" in row
        # 2023-01 (the statement) to 2024-06: 18 months in at most 16 cells, two months each
        assert row[-1] == "········█"
        assert cells(screen, "alpha/2")[-1] == "·······▄█"  # 1 signal in Mar–Apr, 2 in May–Jun


async def test_search_narrows_as_you_type_and_escape_clears(fixture: FixtureWorkspace) -> None:
    app = make_app(fixture)
    async with app.run_test() as pilot:
        screen = pilot.app.screen
        await pilot.press("slash")
        assert screen.query_one("#search", Input).has_focus
        await pilot.press(*"media")
        assert rows(screen) == ["statement:alpha", "alpha/2", "statement:beta", "beta/training"]
        await pilot.press("enter")
        assert screen.query_one("#commitments", DataTable).has_focus
        assert len(rows(screen)) == 4
        await pilot.press("escape")
        assert rows(screen)[-1] == "beta/training" and len(rows(screen)) == 7
        assert screen.query_one("#commitments", DataTable).has_focus
        assert not screen.query_one("#search", Input).display


async def test_filters_by_status_party_and_tag(fixture: FixtureWorkspace) -> None:
    app = make_app(fixture)
    async with app.run_test() as pilot:
        screen = pilot.app.screen
        screen.query_one("#filter-status", Select).value = "no_evidence"
        await pilot.pause()
        assert rows(screen) == ["statement:beta", "beta/cooperation", "beta/training"]
        screen.query_one("#filter-party", Select).value = "china"
        await pilot.pause()
        assert rows(screen) == ["statement:beta", "beta/training"]
        await pilot.press("x")
        assert len(rows(screen)) == 7
        screen.query_one("#filter-tag", Select).value = "security"
        await pilot.pause()
        assert rows(screen) == ["statement:alpha", "alpha/1", "alpha/3"]
        assert screen.query_one("#commitments", DataTable).border_subtitle == "2 of 5 commitments"


async def test_sort_key_and_reverse_sort_within_statements(fixture: FixtureWorkspace) -> None:
    app = make_app(fixture)
    async with app.run_test() as pilot:
        screen = pilot.app.screen
        await pilot.press("s", "s")  # id → title → status
        assert screen.sort.column == "status"
        assert rows(screen)[:4] == ["statement:alpha", "alpha/3", "alpha/2", "alpha/1"]
        await pilot.press("S")
        assert rows(screen)[:4] == ["statement:alpha", "alpha/1", "alpha/2", "alpha/3"]


async def test_clicking_a_header_sorts_by_it(fixture: FixtureWorkspace) -> None:
    app = make_app(fixture)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = pilot.app.screen
        table = screen.query_one("#commitments", DataTable)
        table.post_message(
            DataTable.HeaderSelected(table, table.columns["review"].key, 4, table.columns["review"].label)
        )  # type: ignore[index]
        await pilot.pause()
        assert screen.sort.column == "review"


async def test_enter_opens_the_commitment_and_escape_comes_back(fixture: FixtureWorkspace) -> None:
    app = make_app(fixture)
    async with app.run_test() as pilot:
        await pilot.press("n")  # next commitment with signals to review
        await pilot.press("enter")
        assert isinstance(pilot.app.screen, CommitmentScreen)
        assert pilot.app.screen.commitment_id == "alpha/2"
        await pilot.press("escape")
        assert isinstance(pilot.app.screen, CommitmentsScreen)


async def test_enter_on_a_statement_filters_to_it(fixture: FixtureWorkspace) -> None:
    app = make_app(fixture)
    async with app.run_test() as pilot:
        screen = pilot.app.screen
        screen.query_one("#commitments", DataTable).move_cursor(row=4)
        await pilot.press("enter")
        assert rows(screen) == ["statement:beta", "beta/cooperation", "beta/training"]
        await pilot.press("enter")
        assert len(rows(screen)) == 7


async def test_mouse_click_on_a_row_opens_it(fixture: FixtureWorkspace) -> None:
    app = make_app(fixture)
    async with app.run_test() as pilot:
        table = pilot.app.screen.query_one("#commitments", DataTable)
        await pilot.click(table, offset=(5, 3))  # header row is y=0; alpha/2 is the fourth line
        await pilot.click(table, offset=(5, 3))
        await pilot.pause()
        assert isinstance(pilot.app.screen, CommitmentScreen)


async def test_sorting_by_the_timeline_before_it_is_counted_follows_when_it_arrives(
    fixture: FixtureWorkspace,
) -> None:
    """The Timeline is counted after the first paint; sorted by it before then, the rows
    are in the order of zeros, and they move into the real order when it arrives."""
    import threading

    app = make_app(fixture)
    arrived = threading.Event()
    counted = app.read_timelines

    def late_timelines():  # type: ignore[no-untyped-def]
        arrived.wait(10)
        return counted()

    app.read_timelines = late_timelines  # type: ignore[method-assign]
    async with app.run_test(size=(160, 48)) as pilot:
        screen = pilot.app.screen
        assert isinstance(screen, CommitmentsScreen)
        for _ in range(12):
            if screen.sort.column == "signals":
                break
            await pilot.press("s")
        await pilot.press("S")  # most signals first
        assert screen.sort.column == "signals" and screen.sort.reverse
        unsorted = rows(screen)
        arrived.set()
        await timelines_in(pilot)
        counts = {row.commitment_id: sum(row.monthly) for row in screen.overview.rows}  # type: ignore[union-attr]
        alpha = [key for key in rows(screen) if key.startswith("alpha/")]
        assert [counts[key] for key in alpha] == sorted((counts[key] for key in alpha), reverse=True)
        assert rows(screen) != unsorted  # the fixture's counts do reorder alpha
