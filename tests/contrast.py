"""WCAG contrast of what the dashboard draws: every styled run of text on a screen, measured.

Used by tests/test_tui_contrast.py. The screen is rendered as the terminal receives it
(Textual's line filters applied: ANSI colours mapped through the theme, `dim` blended
into the background), then each run of visible text is measured as WCAG 2 defines it:
(L1 + 0.05) / (L2 + 0.05) over the relative luminances of its colours.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: Bars, rules and box corners: graphics (3:1 would apply), not text.
GRAPHICS = frozenset("▁▂▃▄▅▆▇█▊▋▌▍▎▏▐│─━┃╭╮╰╯┌┐└┘├┤┬┴┼═║▔▕")


def luminance(rgb: tuple[int, int, int]) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def ratio(fg: tuple[int, int, int], bg: tuple[int, int, int]) -> float:
    high, low = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@dataclass(frozen=True)
class Run:
    text: str
    fg: tuple[int, int, int]
    bg: tuple[int, int, int]
    line: int

    @property
    def ratio(self) -> float:
        return ratio(self.fg, self.bg)


def runs(app: Any, region: Any = None) -> list[Run]:
    """Every run of visible text on the app's current screen (within `region`), final colours.

    A modal screen is measured within `region` (its dialog): what shows through its
    backdrop is dimmed on purpose and is not meant to be read.
    """
    screen = app.screen
    background = screen.styles.background
    default_bg = background.rich_color.triplet
    out: list[Run] = []
    for number, strip in enumerate(screen._compositor.render_strips()):
        for line_filter in app.get_line_filters():
            strip = strip.apply_filter(line_filter, background)
        x = 0
        for segment in strip:
            text, style = segment.text, segment.style
            start, x = x, x + segment.cell_length
            if region is not None and not (
                region.y <= number < region.bottom and region.x <= start < region.right
            ):
                continue
            if style is None or not text.strip() or style.color is None:
                continue
            if all(ch in GRAPHICS for ch in text.strip()):
                continue  # bars and rules are graphics, not text
            fg = style.color.triplet
            bg = style.bgcolor.triplet if style.bgcolor is not None else default_bg
            if style.reverse:
                fg, bg = bg, fg
            if fg is None or bg is None:
                continue
            out.append(Run(text.strip(), tuple(fg), tuple(bg), number))  # type: ignore[arg-type]
    return out
