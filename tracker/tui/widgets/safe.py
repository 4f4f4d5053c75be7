"""Turn any external string into inert text.

Titles, summaries and names come from feeds, articles and YAML written by others. Two
things in them must never take effect in the dashboard:

- markup: Textual parses `[bold red]` or `[@click=app.quit]` in plain `str` content, and
  Rich-based widgets such as DataTable parse `[link=...]` in `str` cells. Everything
  built here is a `Text`/`Content` object, which is never parsed as markup;
- terminal control characters: ESC, BEL, backspace, C1 controls and bidirectional
  overrides could move the cursor, ring the bell or reorder what the analyst reads.
  Each is replaced by a visible stand-in (control pictures such as ␛ for C0, � for the
  others), so a hostile title is shown, not obeyed, and the analyst can see it is odd.
"""

from __future__ import annotations

from rich.text import Text
from textual.content import Content

from tracker.core import inert


def clean(value: object, *, multiline: bool = False) -> str:
    """`value` as a string with every control character replaced by a visible stand-in.

    The project's one sanitiser (`tracker.core.inert`, shared with the CLI, CSV and
    Markdown output). Single-line text (titles, table cells) turns newlines and tabs
    into spaces first, so a multi-line title cannot break a table row; a block of
    text keeps its lines, with tabs as four spaces.
    """
    text = inert(value, multiline=multiline)
    return text.replace("\t", "    ") if multiline else text


def safe_text(value: object, style: str = "", *, multiline: bool = False) -> Text:
    """A Rich `Text` for DataTable cells and Rich renderables: never parsed as markup."""
    return Text(clean(value, multiline=multiline), style=style, end="")


def safe_content(value: object, style: str = "", *, multiline: bool = False) -> Content:
    """A Textual `Content` for Static and Label: never parsed as markup."""
    content = Content(clean(value, multiline=multiline))
    return content.stylize(style) if style and content else content


def shorten(value: object, width: int) -> str:
    """Clean and cut to `width` characters with an ellipsis, for narrow columns."""
    text = clean(value)
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"
