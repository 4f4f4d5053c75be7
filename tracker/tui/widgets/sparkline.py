"""A sparkline that fits in one table cell: signals per month as block characters.

Textual's Sparkline widget is a whole widget per chart; a table of 1,000 commitments
needs 1,000 charts, so each is a short `Text` instead (one character per month).
Bars are scaled to the row's own busiest month, so a quiet commitment's pattern is
still visible; the total is in its own column for comparing rows.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Span, Text

BARS = "▁▂▃▄▅▆▇█"


def sparkline_text(counts: Sequence[int], *, style: str = "cyan") -> Text:
    """One block per month, oldest first; a month without signals is a dim dot.

    Made as one string with a span per run of marks (not one append per character,
    which cost most of filling a 1,000-row table): the same text and styles.
    """
    peak = max(counts, default=0)
    chars: list[str] = []
    spans: list[Span] = []
    for index, count in enumerate(counts):
        if count <= 0 or peak <= 0:
            chars.append("·")
            mark_style = "bright_black"
        else:
            chars.append(BARS[min(len(BARS) - 1, (count * len(BARS) - 1) // peak)])
            mark_style = style
        if spans and spans[-1].style == mark_style and spans[-1].end == index:
            spans[-1] = Span(spans[-1].start, index + 1, mark_style)
        else:
            spans.append(Span(index, index + 1, mark_style))
    return Text("".join(chars), end="", no_wrap=True, spans=spans)
