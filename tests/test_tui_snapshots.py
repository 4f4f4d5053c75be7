"""Snapshots of the main screens at 80×24 and 160×48 on the fixed fixture database.

Regenerate after a deliberate change of the look with
`.venv/bin/python -m pytest tests/test_tui_snapshots.py --snapshot-update` and review the
SVGs in tests/snapshots/ (they open in a browser). Textual is pinned exactly in
pyproject.toml because its rendering changes between releases.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from pytest_textual_snapshot import SVGImageExtension
from syrupy.assertion import SnapshotAssertion
from textual._doc import take_svg_screenshot
from textual.pilot import Pilot

from tests.fixtures_tui import FixtureWorkspace, build_fixture, make_app, timelines_in

SIZES = {"80x24": (80, 24), "160x48": (160, 48)}
RunBefore = Callable[[Pilot[Any]], Awaitable[None]]


class SnapshotsFolder(SVGImageExtension):
    """pytest-textual-snapshot's SVG extension, stored in tests/snapshots/<module>/."""

    @classmethod
    def dirname(cls, *, test_location: Any) -> str:
        return str(Path(test_location.filepath).parent / "snapshots" / test_location.basename)


@pytest.fixture
def fixture(tmp_path: Path) -> FixtureWorkspace:
    return build_fixture(tmp_path / "ws")


@pytest.fixture
def snap(snapshot: SnapshotAssertion, fixture: FixtureWorkspace) -> Callable[..., bool]:
    store = snapshot.use_extension(SnapshotsFolder)

    def compare(size: str, run_before: RunBefore | None = None) -> bool:
        async def settled(pilot: Pilot[Any]) -> None:
            await timelines_in(pilot)  # the list's sparklines come after its first paint
            if run_before is not None:
                await run_before(pilot)

        svg = take_svg_screenshot(app=make_app(fixture), terminal_size=SIZES[size], run_before=settled)
        return store == svg

    return compare


async def open_alpha_2(pilot: Pilot[Any]) -> None:
    pilot.app.open_commitment("alpha/2")  # type: ignore[attr-defined]
    await pilot.pause()


async def open_alpha_1_history(pilot: Pilot[Any]) -> None:
    pilot.app.open_commitment("alpha/1")  # type: ignore[attr-defined]
    await pilot.pause()
    await pilot.press("h")


def press(*keys: str) -> RunBefore:
    async def run(pilot: Pilot[Any]) -> None:
        await pilot.press(*keys)

    return run


@pytest.mark.parametrize("size", SIZES)
def test_commitments_screen(snap: Callable[..., bool], size: str) -> None:
    assert snap(size)


@pytest.mark.parametrize("size", SIZES)
def test_commitment_screen(snap: Callable[..., bool], size: str) -> None:
    assert snap(size, open_alpha_2)


@pytest.mark.parametrize("size", SIZES)
def test_commitment_history(snap: Callable[..., bool], size: str) -> None:
    assert snap(size, open_alpha_1_history)


@pytest.mark.parametrize("size", SIZES)
def test_feeds_screen(snap: Callable[..., bool], size: str) -> None:
    assert snap(size, press("2"))


@pytest.mark.parametrize("size", SIZES)
def test_articles_screen(snap: Callable[..., bool], size: str) -> None:
    assert snap(size, press("3"))


def test_help_screen(snap: Callable[..., bool]) -> None:
    assert snap("80x24", press("question_mark"))


def light(then: RunBefore | None = None) -> RunBefore:
    async def run(pilot: Pilot[Any]) -> None:
        await pilot.press("ctrl+t")
        if then is not None:
            await then(pilot)

    return run


@pytest.mark.parametrize("size", SIZES)
def test_commitment_screen_light(snap: Callable[..., bool], size: str) -> None:
    assert snap(size, light(open_alpha_2))


def test_reject_asks_first(snap: Callable[..., bool]) -> None:
    async def reject(pilot: Pilot[Any]) -> None:
        await open_alpha_2(pilot)
        await pilot.press("j", "x")

    assert snap("80x24", reject)
