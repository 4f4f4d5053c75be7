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

#: Bidirectional and invisible formatting characters that can reorder or hide text.
_BIDI = (
    0x061C, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2060, 0xFEFF,
    *range(0x202A, 0x202F),
    *range(0x2066, 0x206A),
)  # fmt: skip

_TABLE: dict[int, str] = {code: chr(0x2400 + code) for code in range(0x20)}
_TABLE[0x7F] = "\u2421"  # ␡
_TABLE.update({code: "\ufffd" for code in range(0x80, 0xA0)})
_TABLE.update({code: "\ufffd" for code in _BIDI})

#: Line breaks kept as line breaks where a block of text (verbatim commitment text) wants them.
_MULTILINE = dict(_TABLE)
_MULTILINE[0x0A] = "\n"
_MULTILINE[0x09] = "    "


def clean(value: object, *, multiline: bool = False) -> str:
    """`value` as a string with every control character replaced by a visible stand-in.

    Single-line text (titles, table cells) turns newlines and tabs into spaces
    first, so a multi-line title cannot break a table row.
    """
    text = "" if value is None else str(value)
    if not multiline:
        text = text.replace("\r\n", " ").replace("\n", " ").replace("\t", " ")
        return text.translate(_TABLE)
    return text.replace("\r\n", "\n").translate(_MULTILINE)


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
