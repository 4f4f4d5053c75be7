"""What a screen may ask of the app that hosts it: a small protocol instead of `TrackerApp`.

Screens, widgets and the command provider are mounted by `TrackerApp` and need a few of
its services (the Tracker facade, the injected clock, polling, opening a commitment).
Typing them against this protocol instead of importing `tracker.tui.app` keeps the
dependency one-way: the app imports its screens, never the reverse.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from tracker.core import Tracker
    from tracker.types import Overview, Timeline


@dataclass(frozen=True)
class SessionReview:
    """A confirm or reject made in this dashboard session, kept so that `u` can undo it."""

    signal_id: int
    commitment_id: str
    #: The state the review left ("confirmed" or "rejected").
    made: str
    #: The state before it (None: waiting for review).
    before: str | None


class DashboardHost(Protocol):
    """The services of the running dashboard that its screens use."""

    tracker: Tracker
    monitor: bool
    #: Reviews made since the dashboard opened, oldest first (`u` undoes the last).
    session_reviews: list[SessionReview]

    def now(self) -> datetime:
        """The dashboard's clock (injected in tests)."""
        ...

    def read_overview(self) -> Overview:
        """The commitments screen's data, read now."""
        ...

    def read_timelines(self) -> dict[str, Timeline]:
        """Each commitment's signals per month, read now (the first overview has none)."""
        ...

    def first_overview(self) -> Overview:
        """The overview preloaded while the app started (without timelines)."""
        ...

    def settle(self) -> None:
        """The data the dashboard keeps is loaded (see `TrackerApp.settle`)."""
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

    def open_link(self, url: str) -> None:
        """Open a link in the analyst's browser, or say why it could not be opened."""
        ...
