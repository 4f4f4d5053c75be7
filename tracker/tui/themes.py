"""The dashboard's two themes: Textual's own, with the colours an analyst can read.

Measured on Textual's textual-light, the accent (the commitment id in the header) stood
at 1.5:1 against its background, muted labels at 2.9:1, and the ANSI green of "supports"
at 2.7:1; in textual-dark the cursor row's text at 3.8:1 and ANSI red at 3.6:1. WCAG
asks 4.5:1 for text. These themes keep Textual's layout colours and change only what
text is drawn with: the accent, muted text, the block cursor, and the ANSI palette that
the tables' status colours (Rich styles such as "bold green") are mapped through.
tests/test_tui_contrast.py measures every run of text on every screen in both.
"""

from __future__ import annotations

from dataclasses import replace

from rich.terminal_theme import TerminalTheme
from textual.theme import BUILTIN_THEMES, Theme

DARK = "tracker-dark"
LIGHT = "tracker-light"

TRACKER_DARK: Theme = replace(
    BUILTIN_THEMES["textual-dark"],
    name=DARK,
    primary="#0A5FA8",
    error="#a02c4a",
    variables={
        "text-muted": "#a8a8a8",
        "text-disabled": "#9a9a9a",
        "text-error": "#ff8a9c",
        "foreground-muted": "#b0b0b0",
        "block-cursor-background": "#0A5FA8",
        "block-cursor-foreground": "#ffffff",
        "footer-key-foreground": "#ffb454",
        "input-cursor-foreground": "#000000",
    },
)

TRACKER_LIGHT: Theme = replace(
    BUILTIN_THEMES["textual-light"],
    name=LIGHT,
    accent="#8a4500",
    warning="#8a5300",
    error="#a3243f",
    success="#1f6b35",
    variables={
        "text-muted": "#4a4a4a",
        "text-disabled": "#505050",
        "text-error": "#a3243f",
        "text-accent": "#8a4500",
        "foreground-muted": "#404040",
        "block-cursor-background": "#004578",
        "block-cursor-foreground": "#ffffff",
        "footer-key-foreground": "#0a4f8a",
        "footer-description-foreground": "#1e1e1e",
    },
)

#: ANSI colours for dark backgrounds: each at least 4.5:1 on the table's rows (#1e1e1e
#: to #272727) and 3:1 on the cursor row.
ANSI_DARK = TerminalTheme(
    (12, 12, 12),
    (217, 217, 217),
    [
        (26, 26, 26),
        (255, 122, 140),  # red
        (134, 220, 90),  # green
        (240, 190, 80),  # yellow
        (150, 170, 255),  # blue
        (240, 140, 230),  # magenta
        (110, 215, 240),  # cyan
        (220, 220, 220),  # white
        (150, 150, 150),  # bright black
    ],
    [
        (255, 150, 165),
        (160, 235, 120),
        (255, 165, 80),  # bright yellow: orange (stalled)
        (175, 190, 255),
        (245, 170, 240),
        (140, 225, 245),
        (246, 246, 239),
    ],
)

#: ANSI colours for light backgrounds: each at least 4.5:1 on the rows (#cecece to #e0e0e0).
ANSI_LIGHT = TerminalTheme(
    (247, 247, 247),
    (0, 0, 0),
    [
        (0, 0, 0),
        (150, 20, 30),  # red
        (25, 95, 20),  # green
        (105, 85, 0),  # yellow (a dark amber: yellow itself cannot be read on white)
        (25, 55, 160),  # blue
        (120, 30, 125),  # magenta
        (0, 85, 115),  # cyan
        (60, 60, 60),  # white (used for text: dark on a light theme)
        (75, 75, 75),  # bright black
    ],
    [
        (160, 30, 40),
        (30, 100, 25),
        (150, 60, 0),  # bright yellow: a brown orange (stalled)
        (30, 60, 165),
        (125, 35, 130),
        (0, 90, 120),
        (20, 20, 20),
    ],
)
