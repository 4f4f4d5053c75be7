"""What every modal form shares: Save/Cancel buttons, ctrl+s and Esc, one line of errors.

A form validates with a pure function (values in, form or error messages out), so
the rules are tested without a terminal; the screen only shows the messages next to
the buttons and keeps the analyst's input when something is wrong.
"""

from __future__ import annotations

from typing import ClassVar, Generic, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

T = TypeVar("T")


class FormScreen(ModalScreen[T | None], Generic[T]):
    """Subclasses compose their fields in `fields()` and build the result in `submit()`."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "save", "Save"),
    ]
    TITLE_TEXT = "Form"

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="form") as box:
            box.border_title = self.TITLE_TEXT
            box.border_subtitle = "ctrl+s save · Esc cancel"
            yield from self.fields()
            yield Static(id="form-errors")
            with Horizontal(classes="form-buttons"):
                yield Button("Save", variant="primary", id="save")
                yield Button("Cancel", id="cancel")

    def fields(self) -> ComposeResult:
        raise NotImplementedError

    def submit(self) -> T | list[str]:
        """The result, or the problems to show (each a short sentence naming the field)."""
        raise NotImplementedError

    def show_errors(self, errors: list[str]) -> None:
        self.query_one("#form-errors", Static).update(Content.styled("  ".join(errors), "bold $text-error"))

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        result = self.submit()
        if isinstance(result, list):
            self.show_errors(result)
            return
        self.dismiss(result)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
