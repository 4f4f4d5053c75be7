"""`?`: the keys of the screen underneath and what the statuses mean.

Built from the bindings themselves (with their descriptions), so it cannot drift from
what the keys do.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from tracker.tui.layout import set_width_class
from tracker.tui.widgets.badge import ANALYST_MARK, DERIVED_MARK, STATUS_STYLES, content_style, status_label
from tracker.tui.widgets.table import NAVIGATION_HELP, Pane
from tracker.types import DERIVED_STATUSES, STRENGTHS, VERDICT_SCORES

STATUS_MEANINGS = {
    "fulfilled": "full compliance (+1)",
    "partial": "partly done (0)",
    "in_progress": "work under way (0)",
    "stalled": "no progress for long (0)",
    "not_fulfilled": "no compliance (−1)",
    "reversed": "opposite action (−1)",
    "not_verifiable": "cannot be checked; left out of scores",
    "no_evidence": "no signal or evidence yet",
    "unreviewed": "signals wait for review",
    "overdue": "a deadline passed with no fulfilled verdict",
}


#: Keys every Textual app has; summarised once at the end of the list.
_GENERIC_KEYS = frozenset({"tab", "shift+tab", "ctrl+c", "super+c", "ctrl+q", "ctrl+p"})


def _keys_of(screen: Screen[Any]) -> list[tuple[str, str]]:
    """(key, description) of the screen's and the app's own bindings, in that order.

    The focused widget's bindings (cursor keys of a table, etc.) are left out: they
    are the same in every Textual app and summarised in one line.
    """
    seen: set[str] = set()
    out: list[tuple[str, str]] = []
    for active in screen.active_bindings.values():
        binding = active.binding
        if not isinstance(active.node, Screen | App) or binding.system or binding.key in _GENERIC_KEYS:
            continue
        if not binding.description or binding.description in seen:
            continue
        seen.add(binding.description)
        out.append((binding.key_display or screen.app.get_key_display(binding), binding.description))
    return out


def help_content(screen: Screen[Any]) -> Content:
    lines: list[Content] = [Content.styled("Keys on this screen", "bold $accent")]
    for key, description in _keys_of(screen):
        lines.append(Content.assemble((f"  {key:<12}", "bold"), description))
    lines.append(
        Content.assemble(("  ctrl+p      ", "bold"), "command palette: open a commitment, go to a screen")
    )
    lines.append(Content.assemble(("  ctrl+q      ", "bold"), "quit   (ctrl+c copies selected text)"))
    lines.append(Content(""))
    lines.append(Content.styled("Moving in tables and text", "bold $accent"))
    for part in NAVIGATION_HELP.split(" · "):
        lines.append(Content(f"  {part}"))
    lines.append(Content(""))
    lines.append(Content.styled("Statuses", "bold $accent"))
    lines.append(
        Content(f"  {ANALYST_MARK} an analyst's verdict    {DERIVED_MARK} derived while no verdict exists")
    )
    for status in (*VERDICT_SCORES, *(s for s in DERIVED_STATUSES if s not in VERDICT_SCORES)):
        style = content_style(STATUS_STYLES.get(status, ""))
        lines.append(
            Content.assemble((f"  {status_label(status):<16}", style), STATUS_MEANINGS.get(status, ""))
        )
    lines.append(Content(""))
    lines.append(Content.styled("Evidence strength (weakest first)", "bold $accent"))
    lines.append(Content("  " + " < ".join(s.replace("_", " ") for s in STRENGTHS)))
    lines.append(Content(""))
    lines.append(
        Content.styled("Compliance % = (mean score + 1) / 2 × 100, over analysts' verdicts", "$text-muted")
    )
    return Content("\n").join(lines)


class HelpScreen(ModalScreen[None]):
    """A scrollable sheet over the screen it explains; any of Esc, q or ? closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Close"),
        Binding("q", "dismiss", "Close", show=False),
        Binding("question_mark", "dismiss", "Close", show=False),
    ]

    def __init__(self, explained: Screen[Any]) -> None:
        super().__init__()
        self._content = help_content(explained)

    def compose(self) -> ComposeResult:
        set_width_class(self)
        with Pane(id="help-body") as body:
            body.border_title = "Help"
            body.border_subtitle = "Esc to close"
            yield Static(self._content, id="help-text")
