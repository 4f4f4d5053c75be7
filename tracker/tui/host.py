"""What a screen may ask of the app that hosts it: a small protocol instead of `TrackerApp`.

Screens, widgets and the command provider are mounted by `TrackerApp` and need a few of
its services (the Tracker facade, the injected clock, polling, opening a commitment).
Typing them against this protocol instead of importing `tracker.tui.app` keeps the
dependency one-way: the app imports its screens, never the reverse.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from tracker.core import Tracker
    from tracker.types import Overview


class DashboardHost(Protocol):
    """The services of the running dashboard that its screens use."""

    tracker: Tracker
    monitor: bool

    def now(self) -> datetime:
        """The dashboard's clock (injected in tests)."""
        ...

    def read_overview(self) -> Overview:
        """The commitments screen's data, read now."""
        ...

    def first_overview(self) -> Overview:
        """The overview preloaded while the app started."""
        ...

    def data_changed(self) -> None:
        """A screen wrote to the database: refresh what depends on it."""
        ...

    def run_poll(self, feeds: list[str] | None, *, manual: bool, force: bool = False) -> None:
        """Poll these feeds (all when None) in a worker."""
        ...

    def open_commitment(self, commitment_id: str) -> None:
        """Push the commitment screen for this id."""
        ...
