"""Messages that carry results up from workers to the app (events flow up).

Workers run in threads and only call the core; they report what happened with these
messages (`post_message` is thread-safe) and the app turns them into notifications
and refreshed views in one place.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message


@dataclass
class PollProgress(Message):
    """One feed of a refresh is done: `done` of `total`, and its name."""

    done: int
    total: int
    feed: str


@dataclass
class PollFinished(Message):
    """A refresh (manual or scheduled) finished; `summary` says what it did in words."""

    summary: str
    errors: int = 0
    manual: bool = False


@dataclass
class ActionFailed(Message):
    """A core call from a worker raised an error the user should read."""

    what: str
    error: str
