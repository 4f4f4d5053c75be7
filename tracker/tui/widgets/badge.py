"""How a status looks: one colour per verdict, a filled dot for the analyst's, a ring for derived.

The shape says who decided (● an analyst's verdict, ○ derived by the program), so the
difference survives a monochrome terminal and colour blindness; the colour says how
good it is. Colours are ANSI names, which Textual maps through the active theme, so
the same badge reads well in the light and the dark theme.
"""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

#: Status → Rich style. Unknown statuses (a newer vocabulary) fall back to plain.
STATUS_STYLES: dict[str, str] = {
    "fulfilled": "bold green",
    "partial": "yellow",
    "in_progress": "cyan",
    "stalled": "bright_yellow",
    "not_fulfilled": "bold red",
    "reversed": "bold magenta",
    "not_verifiable": "bright_black",
    "no_evidence": "bright_black",
    "unreviewed": "bold blue",
    "overdue": "red",
}
ANALYST_MARK = "●"
DERIVED_MARK = "○"


_ANSI_COLOURS = ("black", "red", "green", "yellow", "blue", "magenta", "cyan", "white")
_ANSI_NAMES = frozenset((*_ANSI_COLOURS, *(f"bright_{c}" for c in _ANSI_COLOURS)))


def content_style(style: str) -> str:
    """A Rich style ("bold green") for Textual Content, its colours through the theme ("bold ansi_green")."""
    return " ".join(f"ansi_{word}" if word in _ANSI_NAMES else word for word in style.split())


def status_label(status: str) -> str:
    """`not_fulfilled` → `not fulfilled`: the vocabulary word, readable."""
    return status.replace("_", " ")


def status_text(status: str, origin: str, *, width: int | None = None) -> Text:
    """A one-line badge for tables: mark, then the status in its colour."""
    mark = ANALYST_MARK if origin == "analyst" else DERIVED_MARK
    label = status_label(status)
    if width is not None and len(label) + 2 > width:
        label = label[: max(1, width - 3)] + "…"
    return Text.assemble((f"{mark} ", STATUS_STYLES.get(status, "")), (label, STATUS_STYLES.get(status, "")))


def score_text(score: int | None) -> Text:
    """+1, 0, −1 on the Research Group scale; a dash when the status carries no score."""
    if score is None:
        return Text("–", style="bright_black", justify="right")
    style = "green" if score > 0 else "red" if score < 0 else "yellow"
    return Text(f"{score:+d}" if score else "0", style=style, justify="right")


class StatusBadge(Static):
    """The status of one commitment, with who decided it and since when."""

    status: reactive[str] = reactive("no_evidence")
    origin: reactive[str] = reactive("derived")
    since: reactive[str] = reactive("")

    def render(self) -> Text:
        badge = status_text(self.status, self.origin)
        who = "analyst's verdict" if self.origin == "analyst" else "derived"
        badge.append(f"  ({who}{', since ' + self.since if self.since else ''})", style="bright_black")
        return badge
