"""Small modal questions: pick one value from a list, or confirm an action that matters.

Relation and strength are chosen from their whole vocabulary at once (cycling one step
per key press made the analyst count presses and cut the longer names); a reject is
confirmed first, because a rejected signal stays rejected when the article matches again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Label, OptionList
from textual.widgets.option_list import Option

from tracker.tui.widgets.safe import safe_content, shorten


class PickScreen(ModalScreen[str | None]):
    """Returns the chosen value (Enter or a click), or None on Esc. `choices` is (value, label)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("q", "cancel", "Cancel", show=False),
        Binding("j", "cursor('down')", "Down", show=False),
        Binding("k", "cursor('up')", "Up", show=False),
    ]

    def __init__(self, question: str, about: str, choices: Sequence[tuple[str, str]], current: str | None):
        super().__init__()
        self._question = question
        self._about = about
        self._choices = list(choices)
        self._current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="form pick-form") as box:
            box.border_title = self._question
            box.border_subtitle = "Enter choose · Esc cancel"
            yield Label(safe_content(shorten(self._about, 70), "bold"), classes="form-lead")
            yield OptionList(
                *(Option(label, id=value) for value, label in self._choices), id="choices", classes="pick"
            )

    def on_mount(self) -> None:
        options = self.query_one("#choices", OptionList)
        values = [value for value, _ in self._choices]
        options.highlighted = values.index(self._current) if self._current in values else 0
        options.focus()

    @on(OptionList.OptionSelected, "#choices")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option_id)

    def action_cursor(self, direction: str) -> None:
        options = self.query_one("#choices", OptionList)
        options.action_cursor_down() if direction == "down" else options.action_cursor_up()

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question: y says yes; n, Esc, or Enter on the focused Cancel button say no.

    The safe answer has the focus, so a stray Enter never confirms.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n", "answer(False)", "No"),
        Binding("escape", "answer(False)", "No", show=False),
    ]

    def __init__(self, question: str, detail: Content | str, yes: str = "Yes") -> None:
        super().__init__()
        self._question = question
        self._detail = detail
        self._yes = yes

    def compose(self) -> ComposeResult:
        with Vertical(classes="form confirm-form") as box:
            box.border_title = self._question
            box.border_subtitle = "y yes · n/Esc no"
            yield Label(self._detail, classes="form-lead")
            with Horizontal(classes="form-buttons"):
                yield Button(f"{self._yes} (y)", variant="error", id="yes")
                yield Button("Cancel (n)", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    @on(Button.Pressed, "#yes")
    def _yes_pressed(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#no")
    def _no_pressed(self) -> None:
        self.dismiss(False)

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)
