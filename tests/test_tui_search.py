"""`/` and the palette find commitments by Chinese and Russian text, across case and script.

On the bundled workspace: the sovereignty commitments carry Chinese text and their rules
Russian terms; 主权, 主權 (traditional), суверенитет and СУВЕРЕНИТЕТ all find them.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from textual.command import CommandPalette
from textual.widgets import DataTable, Input, OptionList

from tests.fixtures_tui import FIXED_NOW
from tracker.core import Tracker, Workspace, search_fold
from tracker.storage.articles import search_clause
from tracker.tui.app import build_app
from tracker.tui.search import build_index

SOVEREIGNTY = "cn-ru-2016-information-space/preamble-sovereignty"


def test_search_fold_is_case_and_script_aware() -> None:
    assert search_fold("СУВЕРЕНИТЁТ") == search_fold("суверенитет")
    assert search_fold("主權") == search_fold("主权") == "主权"
    assert search_fold("Cyber SOVEREIGNTY") == "cyber sovereignty"
    assert search_fold("ｃｙｂｅｒ") == "cyber"


def test_article_search_looks_for_both_chinese_scripts() -> None:
    _clause, params = search_clause("主權")
    assert "主權" in params and "主权" in params


def open_bundled(bundled_workspace: Path, tmp_path: Path) -> Tracker:
    return Tracker(Workspace(bundled_workspace.resolve()), db_path=tmp_path / "t.db")


@pytest.mark.parametrize("query", ["主权", "主權", "суверенитет", "СУВЕРЕНИТЕТ", "Суверенитёт"])
def test_index_finds_the_commitment_in_every_script(
    bundled_workspace: Path, tmp_path: Path, query: str
) -> None:
    index = build_index(open_bundled(bundled_workspace, tmp_path))
    found = {cid for cid, entry in index.items() if entry.matches(query)}
    assert SOVEREIGNTY in found
    assert len(found) < len(index)


async def test_slash_search_and_palette_match_chinese_and_russian(
    bundled_workspace: Path, tmp_path: Path
) -> None:
    app = build_app(open_bundled(bundled_workspace, tmp_path), monitor=False, clock=lambda: FIXED_NOW)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("slash")
        search = pilot.app.screen.query_one("#search", Input)
        for query in ("主權", "суверенитет"):
            search.value = query
            await pilot.pause(0.3)
            table = pilot.app.screen.query_one("#commitments", DataTable)
            keys = {str(row.key.value) for row in table.ordered_rows}
            assert SOVEREIGNTY in keys, query
        await pilot.press("escape")
        await pilot.press("ctrl+p")
        await pilot.pause()
        palette = pilot.app.screen
        assert isinstance(palette, CommandPalette)
        palette.query_one(Input).value = "СУВЕРЕНИТЕТ"
        for _ in range(40):
            await pilot.pause(0.05)
            prompts = [str(o.prompt) for o in palette.query_one(OptionList).options]
            if any(SOVEREIGNTY in p for p in prompts):
                break
        assert any(SOVEREIGNTY in p for p in prompts)


def test_article_search_matches_russian_case_and_yo_and_both_chinese_scripts(tmp_path: Path) -> None:
    from tests.fixtures_tui import build_fixture, open_tracker

    fixture = build_fixture(tmp_path / "ws")
    conn = sqlite3.connect(fixture.db_path)
    for guid, title in (
        ("ru", "Россия и Китай: суверенитет в информационном пространстве"),
        ("zh", "中俄网络主權合作"),
    ):
        conn.execute(
            "INSERT INTO articles (guid, title, first_seen, last_seen, content_hash)"
            " VALUES (?, ?, ?, ?, 'h')",
            (guid, title, "2024-06-01T00:00:00+00:00", "2024-06-01T00:00:00+00:00"),
        )
    conn.commit()
    conn.close()
    tracker = open_tracker(fixture)
    for query, guid in (("СУВЕРЕНИТЁТ", "ru"), ("суверенитет", "ru"), ("主权", "zh"), ("主權", "zh")):
        assert [a.guid for a in tracker.find_articles(search=query)] == [guid], query
    tracker.close()
