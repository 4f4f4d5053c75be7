"""The dashboard's pure parts: inert text, badges, sparklines, view arrangement, form rules."""

from __future__ import annotations

from datetime import date

import pytest
from rich.text import Text

from tests.fixtures_tui import HOSTILE_TITLE
from tracker.review.status import compliance_percent
from tracker.review.timeline import month_keys
from tracker.tui.screens.assess import AssessForm, validate_assessment
from tracker.tui.screens.evidence import EvidenceForm, validate_evidence
from tracker.tui.screens.link import narrow
from tracker.tui.widgets.badge import score_text, status_text
from tracker.tui.widgets.columns import fit
from tracker.tui.widgets.safe import clean, safe_content, safe_text, shorten
from tracker.tui.widgets.sparkline import sparkline_text
from tracker.tui.words import error_in_words, span

# ---------------------------------------------------------------- inert text


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("plain", "plain"),
        ("\x1b[31mred", "␛[31mred"),
        ("bell\x07", "bell␇"),
        ("back\x08space", "back␈space"),
        ("del\x7f", "del␡"),
        ("c1\x9bcsi", "c1\ufffdcsi"),
        ("bidi\u202eevil", "bidi\ufffdevil"),
        ("two\nlines\tand tab", "two lines and tab"),
        ("[bold red]x[/]", "[bold red]x[/]"),
        (None, ""),
    ],
)
def test_clean_replaces_every_control_character(raw: str | None, shown: str) -> None:
    assert clean(raw) == shown


def test_clean_multiline_keeps_line_breaks_but_not_escapes() -> None:
    assert clean("a\r\nb\x1b", multiline=True) == "a\nb␛"


def test_safe_text_and_content_are_never_markup() -> None:
    text = safe_text(HOSTILE_TITLE)
    assert isinstance(text, Text)
    assert "[bold red]PWNED[/bold red]" in text.plain
    assert not text.spans
    content = safe_content(HOSTILE_TITLE)
    assert "[link=https://evil.example]click[/link]" in content.plain
    assert "[@click=app.quit]" in content.plain
    assert "\x1b" not in content.plain and "\x07" not in content.plain


def test_shorten_cuts_with_an_ellipsis() -> None:
    assert shorten("abcdef", 4) == "abc…"
    assert shorten("abc", 4) == "abc"


# ---------------------------------------------------------------- badges, sparklines, columns


def test_status_badge_says_who_decided() -> None:
    assert status_text("fulfilled", "analyst").plain == "● fulfilled"
    assert status_text("no_evidence", "derived").plain == "○ no evidence"
    assert status_text("not_verifiable", "analyst", width=10).plain.endswith("…")


@pytest.mark.parametrize(("score", "shown"), [(1, "+1"), (0, "0"), (-1, "-1"), (None, "–")])
def test_score_text(score: int | None, shown: str) -> None:
    assert score_text(score).plain == shown


def test_sparkline_scales_to_the_busiest_month() -> None:
    assert sparkline_text([0, 1, 8]).plain == "·▁█"
    assert sparkline_text([0, 0]).plain == "··"
    assert sparkline_text([]).plain == ""


def test_fit_gives_the_flexible_column_what_is_left() -> None:
    columns = fit(80, [("a", "A", 10), ("t", "T", 0), ("b", "B", 8)])
    assert columns[1][2] == 80 - (10 + 2) - (8 + 2) - 2 - 2
    assert fit(20, [("a", "A", 30), ("t", "T", 0)])[1][2] == 16


# ---------------------------------------------------------------- overview helpers


def test_compliance_percent_uses_the_research_group_formula() -> None:
    assert compliance_percent([1, 1]) == 100
    assert compliance_percent([1, -1]) == 50
    assert compliance_percent([0, None]) == 50
    assert compliance_percent([None]) is None


def test_month_keys_cross_the_year() -> None:
    from datetime import UTC, datetime

    assert month_keys(datetime(2024, 2, 10, tzinfo=UTC), 3) == ("2023-12", "2024-01", "2024-02")


@pytest.mark.parametrize(
    ("error", "words"),
    [
        ("HTTP 503 Service Unavailable", "the server is unavailable (HTTP 503)"),
        ("HTTP 404", "the feed is gone (not found) (HTTP 404)"),
        ("read timed out after 20 s", "the server did not answer in time: read timed out after 20 s"),
        ("something new", "something new"),
        (None, ""),
    ],
)
def test_feed_errors_in_words(error: str | None, words: str) -> None:
    assert error_in_words(error) == words


def test_span() -> None:
    from datetime import timedelta

    assert span(timedelta(hours=1)) == "1 h"
    assert span(timedelta(minutes=90)) == "90 min"
    assert span(timedelta(days=2)) == "2 d"


# ---------------------------------------------------------------- forms


TODAY = date(2024, 6, 30)


def test_evidence_form_accepts_a_complete_source() -> None:
    form = validate_evidence(
        {
            "title": " Treaty signed ",
            "url": "https://mid.example/1",
            "date": "2024-06-01",
            "relation": "supports",
            "strength": "mechanism",
            "publisher": "MID",
            "note": "",
        },
        today=TODAY,
    )
    assert form == EvidenceForm(
        "Treaty signed", "https://mid.example/1", None, "MID", date(2024, 6, 1), "supports", "mechanism", None
    )
    by_document = validate_evidence({"title": "Note verbale", "document": " MFA note 2017/12 "}, today=TODAY)
    assert isinstance(by_document, EvidenceForm)
    assert (by_document.url, by_document.document) == (None, "MFA note 2017/12")


def test_evidence_form_lists_every_problem() -> None:
    errors = validate_evidence({"title": "", "url": "javascript:alert(1)", "date": "2024-13-01"}, today=TODAY)
    assert isinstance(errors, list)
    assert [e.split(":")[0] for e in errors] == ["Title", "Link", "Date"]
    future = validate_evidence({"title": "x", "url": "https://e.org", "date": "2025-01-01"}, today=TODAY)
    assert future == ["Date: evidence cannot be dated in the future."]
    assert validate_evidence({"title": "x"}, today=TODAY) == ["Source: give a link or a document reference."]


def test_assessment_needs_a_verdict_and_a_rationale() -> None:
    errors = validate_assessment(
        status="", party="joint", rationale="short", confidence="", evidence_ids=[], assessor=""
    )
    assert isinstance(errors, list)
    assert [e.split(":")[0] for e in errors] == ["Verdict", "Rationale"]
    form = validate_assessment(
        status="partial",
        party="china",
        rationale="Half of it was done.",
        confidence="low",
        evidence_ids=[2],
        assessor=" ab ",
    )
    assert form == AssessForm("partial", "china", "Half of it was done.", "low", (2,), "ab")


def test_link_narrowing_needs_every_word() -> None:
    commitments = [("alpha/1", "Hold consultations"), ("beta/training", "Train journalists")]
    assert narrow(commitments, "alpha cons") == [("alpha/1", "Hold consultations")]
    assert narrow(commitments, "") == commitments


async def test_fixed_table_adds_keyed_rows_as_add_row_does() -> None:
    """`add_keyed_rows` (the commitments table's fill) leaves the table as `add_row` row by row."""
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable
    from textual.widgets.data_table import DuplicateKey

    from tracker.tui.widgets.table import FixedTable

    highlighted: dict[str, list[int]] = {"one": [], "all": []}

    class Tables(App[None]):
        def compose(self) -> ComposeResult:
            yield FixedTable(id="one", cursor_type="row")
            yield FixedTable(id="all", cursor_type="row")

        def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
            highlighted[str(event.data_table.id)].append(event.cursor_row)

    rows = [(f"k{n}", [f"cell {n}", str(n)]) for n in range(30)]
    app = Tables()
    async with app.run_test(size=(80, 30)) as pilot:
        one, every = app.query_one("#one", FixedTable), app.query_one("#all", FixedTable)
        for table in (one, every):
            table.add_column("a", width=10, key="a")
            table.add_column("b", width=4, key="b")
        for key, cells in rows:
            one.add_row(*cells, key=key)
        every.add_keyed_rows(rows[:10])
        every.add_keyed_rows(rows[10:])
        await pilot.pause()
        assert [str(r.key.value) for r in every.ordered_rows] == [str(r.key.value) for r in one.ordered_rows]
        assert [every.get_row_at(n) for n in range(30)] == [one.get_row_at(n) for n in range(30)]
        assert (every.cursor_coordinate, every.virtual_size) == (one.cursor_coordinate, one.virtual_size)
        assert highlighted["all"] == highlighted["one"] == [0]
        every.move_cursor(row=12)
        assert every.cursor_key() == "k12"
        with pytest.raises(DuplicateKey):  # as add_row
            every.add_keyed_rows([("k3", ["again", "3"])])


async def test_fixed_table_draws_text_cells_as_datatable_does() -> None:
    """FixedTable's one-pass cell rendering makes DataTable's segments, cursor and hover included."""
    from rich.text import Text
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable

    from tracker.tui.widgets.lazy import LazyText
    from tracker.tui.widgets.table import FixedTable

    cells = [
        Text("plain"),
        Text("● fulfilled", "bold green"),
        Text("3", "bold blue", justify="right"),
        Text("a title far too long for its narrow column, cut at the edge"),
        Text("协议与соглашение wide letters"),
        Text(""),
        Text.assemble(("● ", "red"), ("not fulfilled", "red on yellow")),
        LazyText(lambda: Text("made when drawn", "italic")),
        "plain [bold]str[/] markup",
    ]

    class Tables(App[None]):
        def compose(self) -> ComposeResult:
            yield FixedTable(cursor_type="row", zebra_stripes=True)

    app = Tables()
    async with app.run_test(size=(100, 20)) as pilot:
        table = app.query_one(FixedTable)
        for width, key in ((6, "a"), (14, "b"), (30, "c")):
            table.add_column(key, width=width, key=key)
        for row in range(0, len(cells), 3):
            table.add_row(*cells[row : row + 3], key=str(row))
        await pilot.pause()
        style = table.rich_style
        for row in range(table.row_count):
            for column in range(3):
                for cursor, hover in ((False, False), (True, False), (False, True)):
                    width = table.ordered_columns[column].get_render_width(table)
                    table._cell_render_cache.clear()
                    ours = table._render_cell(row, column, style, width, cursor, hover)
                    table._cell_render_cache.clear()
                    theirs = DataTable._render_cell(table, row, column, style, width, cursor, hover)
                    assert ours == theirs, (row, column, cursor, hover)
