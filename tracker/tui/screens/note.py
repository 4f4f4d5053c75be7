"""A note on a signal or a piece of evidence: free text, kept with the review."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Label, TextArea

from tracker.tui.screens.form import FormScreen
from tracker.tui.widgets.safe import safe_content, shorten

MAX_NOTE = 4000


class NoteScreen(FormScreen[str]):
    """Returns the note text (possibly empty, which clears it), or None when cancelled."""

    TITLE_TEXT = "Note"

    def __init__(self, about: str, note: str = "") -> None:
        super().__init__()
        self._about = about
        self._note = note

    def fields(self) -> ComposeResult:
        yield Label(safe_content(shorten(self._about, 70)), classes="form-lead")
        yield TextArea(self._note, id="note", soft_wrap=True)

    def on_mount(self) -> None:
        self.query_one("#note", TextArea).focus()

    def submit(self) -> str | list[str]:
        text = self.query_one("#note", TextArea).text.strip()
        if len(text) > MAX_NOTE:
            return [f"Note: at most {MAX_NOTE} characters (now {len(text)})."]
        return text
