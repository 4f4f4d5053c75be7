"""A screen's width class (`-wide`/`-narrow`) from the start, so it is laid out once.

Textual gives a screen its breakpoint class in the screen's first Resize, which comes
after the first layout and paint: a new screen was laid out and painted narrow, then
restyled, laid out and painted again wide (the commitment screen's table twice, about
half the time it took to open). Setting the class when the screen composes, from the
app's size, makes the first layout the right one; Textual's own Resize then finds the
class already there and changes nothing.
"""

from __future__ import annotations

from typing import Any

from textual import events
from textual.screen import Screen


def set_width_class(screen: Screen[Any]) -> None:
    """The breakpoint class Textual's Resize would give `screen` at the app's current width."""
    breakpoints = screen.HORIZONTAL_BREAKPOINTS
    if breakpoints is None:
        breakpoints = screen.app.HORIZONTAL_BREAKPOINTS
    if not breakpoints:
        return
    width = screen.app.size.width
    chosen = next((name for limit, name in sorted(breakpoints, reverse=True) if width >= limit), None)
    screen.update_classes({name: name == chosen for _, name in breakpoints}, animate=False)


class LaidOutOnce(Screen[Any]):
    """A screen that skips the second layout Textual gives it right after its first.

    A newly shown screen is laid out once when it resumes; the Resize that layout
    sends the screen itself then lays it out again at the same size (and repaints
    what changed), about a tenth of opening a commitment. When the size is the one
    the screen was just laid out for and its width class is already right (see
    `set_width_class`), that second pass is skipped; a real resize goes through
    Textual as usual. A subclass's own `on_resize` still runs: it comes first.
    """

    def _on_resize(self, event: events.Resize) -> None:
        if event.size == self._compositor.size and self.is_current:
            event.prevent_default()  # Screen._on_resize would lay out the same again
