"""A sparkline that fits in one table cell: signals per month as block characters.

Textual's Sparkline widget is a whole widget per chart; a table of 1,000 commitments
needs 1,000 charts, so each is a short `Text` instead (one character per month).
Bars are scaled to the row's own busiest month, so a quiet commitment's pattern is
still visible; the total is in its own column for comparing rows.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

BARS = "▁▂▃▄▅▆▇█"


def sparkline_text(counts: Sequence[int], *, style: str = "cyan") -> Text:
    """One block per month, oldest first; a month without signals is a dim dot."""
    peak = max(counts, default=0)
    text = Text(end="", no_wrap=True)
    for count in counts:
        if count <= 0 or peak <= 0:
            text.append("·", style="bright_black")
        else:
            level = min(len(BARS) - 1, (count * len(BARS) - 1) // peak)
            text.append(BARS[level], style=style)
    return text
