"""Link an article to a commitment by hand: for what the rules missed.

The analyst types a few letters to narrow the commitments (id or words), picks one,
says how the article relates to it, and the article becomes evidence of that
commitment (the core records it like evidence added by hand, with the article's
title, link, feeds and date).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.widgets import Input, Label, OptionList, Select
from textual.widgets.option_list import Option

from tracker.tui.screens.evidence import select_value
from tracker.tui.screens.form import FormScreen
from tracker.tui.widgets.safe import safe_content, safe_text, shorten
from tracker.types import RELATIONS, STRENGTHS

#: Options shown at once; typing narrows the rest.
MAX_OPTIONS = 200


@dataclass(frozen=True)
class LinkForm:
    commitment_id: str
    relation: str
    strength: str | None
    note: str | None

    def as_kwargs(self) -> dict[str, Any]:
        return {"relation": self.relation, "strength": self.strength, "note": self.note}


def narrow(commitments: Sequence[tuple[str, str]], needle: str) -> list[tuple[str, str]]:
    """Commitments whose id or summary contains every word of `needle` (case-insensitive)."""
    words = needle.casefold().split()
    return [
        (cid, summary)
        for cid, summary in commitments
        if all(w in f"{cid} {summary}".casefold() for w in words)
    ]


class LinkScreen(FormScreen[LinkForm]):
    """Returns a LinkForm, or None when cancelled. `commitments` is (id, summary) to choose from."""

    TITLE_TEXT = "Link to a commitment"

    def __init__(self, article_title: str, commitments: Sequence[tuple[str, str]]) -> None:
        super().__init__()
        self._title = article_title
        self._commitments = list(commitments)

    def fields(self) -> ComposeResult:
        yield Label(safe_content(shorten(self._title, 70), "bold"), classes="form-lead")
        yield Input(id="pick-filter", placeholder="Type to narrow: id or words")
        yield OptionList(id="pick", classes="pick")
        yield Label("Relation")
        yield Select.from_values(RELATIONS, value="supports", allow_blank=False, id="relation")
        yield Label("Strength")
        yield Select.from_values(STRENGTHS, prompt="(not set)", id="strength")
        yield Label("Note")
        yield Input(id="note")

    def on_mount(self) -> None:
        self._fill("")
        self.query_one("#pick-filter", Input).focus()

    def _fill(self, needle: str) -> None:
        options = self.query_one("#pick", OptionList)
        shown = narrow(self._commitments, needle)[:MAX_OPTIONS]
        options.set_options(
            Option(safe_text(f"{cid}  {shorten(summary, 80)}"), id=cid) for cid, summary in shown
        )
        if shown:
            options.highlighted = 0

    @on(Input.Changed, "#pick-filter")
    def _narrow(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Input.Submitted, "#pick-filter")
    def _to_list(self) -> None:
        self.query_one("#pick", OptionList).focus()

    def submit(self) -> LinkForm | list[str]:
        option = self.query_one("#pick", OptionList).highlighted_option
        if option is None or option.id is None:
            return ["Commitment: choose one (type to narrow the list)."]
        strength = select_value(self.query_one("#strength", Select)) or None
        note = self.query_one("#note", Input).value.strip() or None
        return LinkForm(option.id, select_value(self.query_one("#relation", Select)), strength, note)
