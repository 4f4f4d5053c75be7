"""A table cell made when it is first drawn, not when its row is added.

The commitments table holds 1,000 rows of eight cells, and a terminal shows about
forty of them: building every `Text` up front (a sparkline is one styled character
per period) cost more than the rest of filling the table. DataTable draws a cell
through Rich, which asks a renderable for `__rich__`; this object answers with its
`Text`, built on that first call and kept. Tests and code that read a cell see the
same `plain` and `spans` a `Text` would show.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Span, Text


class LazyText:
    """`build()`'s `Text`, made on first use (drawing or reading) and kept."""

    __slots__ = ("_build", "_text")

    def __init__(self, build: Callable[[], Text]) -> None:
        self._build: Callable[[], Text] | None = build
        self._text: Text | None = None

    @property
    def text(self) -> Text:
        if self._text is None:
            assert self._build is not None
            self._text, self._build = self._build(), None
        return self._text

    def __rich__(self) -> Text:
        return self.text

    @property
    def plain(self) -> str:
        return self.text.plain

    @property
    def spans(self) -> list[Span]:
        return self.text.spans

    def __str__(self) -> str:
        return self.text.plain
