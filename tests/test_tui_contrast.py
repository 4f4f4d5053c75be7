"""Both themes are readable: every run of text on every screen and dialog, measured (WCAG 2).

Text needs 4.5:1 against what is behind it; text on the table's cursor row 3:1 (it is
also marked by the bar itself). The screens are rendered as the terminal receives them
(tests/contrast.py), so a colour that a theme maps badly, a `dim` that halves a colour,
or a widget default fails here with the text, the colours and the screen named.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.color import Color
from textual.screen import ModalScreen

from tests.contrast import Run, ratio, runs
from tests.fixtures_tui import FixtureWorkspace, build_fixture, make_app
from tracker.tui.app import DARK_THEME, LIGHT_THEME

TEXT = 4.5
CURSOR_ROW = 3.0

Step = Callable[[Any], Awaitable[None]]


def keys(*pressed: str) -> Step:
    async def step(pilot: Any) -> None:
        await pilot.press(*pressed)
        await pilot.pause(0.1)

    return step


def open_commitment(commitment_id: str) -> Step:
    async def step(pilot: Any) -> None:
        pilot.app.open_commitment(commitment_id)
        await pilot.pause(0.1)

    return step


#: (name, steps from the previous view); modal views are measured inside their dialog.
VIEWS: list[tuple[str, Step]] = [
    ("commitments", keys()),
    ("filters focused", keys("f")),
    ("search", keys("escape", "slash")),
    ("commitment", open_commitment("alpha/2")),
    ("reject dialog", keys("x")),
    ("strength picker", keys("n", "s")),
    ("note form", keys("escape", "n")),
    ("evidence form", keys("escape", "e")),
    ("assessment form", keys("escape", "a")),
    ("text tab", keys("escape", "t")),
    ("history tab", keys("h")),
    ("help", keys("question_mark")),
    ("feeds", keys("escape", "2")),
    ("articles", keys("3")),
    ("link form", keys("l")),
    ("articles, unmatched", keys("escape", "u")),
]


@pytest.fixture(scope="module")
def fixture(tmp_path_factory: pytest.TempPathFactory) -> FixtureWorkspace:
    return build_fixture(Path(tmp_path_factory.mktemp("contrast")) / "ws")


def dialog_region(app: Any) -> Any:
    screen = app.screen
    if not isinstance(screen, ModalScreen):
        return None
    return screen.query_one(".form, #help-body").region


def failures(app: Any, view: str) -> list[str]:
    cursor = Color.parse(app.theme_variables["block-cursor-background"]).rgb
    out = []
    for run in runs(app, dialog_region(app)):
        needed = CURSOR_ROW if run.bg == cursor else TEXT
        if run.ratio < needed:
            out.append(describe(view, run, needed))
    return out


def describe(view: str, run: Run, needed: float) -> str:
    return f"{view}: {run.text[:40]!r} {run.ratio:.2f}:1 < {needed}:1 (fg {run.fg}, bg {run.bg})"


@pytest.mark.parametrize("size", [(160, 48), (80, 24)], ids=["160x48", "80x24"])
@pytest.mark.parametrize("theme", [DARK_THEME, LIGHT_THEME])
async def test_every_text_style_is_readable(
    fixture: FixtureWorkspace, theme: str, size: tuple[int, int]
) -> None:
    app = make_app(fixture)
    found: list[str] = []
    measured = 0
    async with app.run_test(size=size) as pilot:
        app.theme = theme
        await pilot.pause()
        for view, step in VIEWS:
            await step(pilot)
            measured += len(runs(app, dialog_region(app)))
            found += failures(app, view)
    assert measured > 500  # the measurement saw the screens' text
    assert not found, "\n".join(dict.fromkeys(found))


def test_ratio_matches_wcag_examples() -> None:
    assert ratio((0, 0, 0), (255, 255, 255)) == pytest.approx(21.0)
    assert ratio((119, 119, 119), (255, 255, 255)) == pytest.approx(4.48, abs=0.01)
    assert ratio((255, 255, 255), (255, 255, 255)) == pytest.approx(1.0)
