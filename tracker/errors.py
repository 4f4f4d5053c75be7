"""Exceptions, one hierarchy, so callers catch what they mean.

A record error is not a feed error and neither is a storage error: the CLI turns
each kind into a one-line message, the watcher logs a feed error and goes on.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class TrackerError(Exception):
    """Base of every error the tracker raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one YAML record: where it is and what was expected."""

    file: Path
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else f"{self.file}"
        field = f" {self.field}:" if self.field else ""
        return f"{where}:{field} {self.message}"


class RecordError(TrackerError):
    """A YAML record (commitment, rule, feed, config) is invalid.

    Carries every problem found, not just the first, so a user fixes a file in one go.
    """

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class IncompleteError(RecordError):
    """A report would silently leave out the commitments of record files that do not load.

    Reports (status, export, digest, snapshot, the watcher's scheduled reports) refuse
    to be incomplete unless asked (`--partial`): a report sent from cron that quietly
    lacks a statement is worse than no report.
    """

    HINT = "the report would leave out the commitments of these files; fix them or pass --partial"


class FeedError(TrackerError):
    """Fetching or parsing one feed failed; names the feed URL."""

    def __init__(self, url: str, message: str, *, kind: str = "temporary") -> None:
        self.url = url
        self.message = message
        # hard (4xx other than 429, unparsable), soft (parse warning), temporary (network, 5xx)
        self.kind = kind
        super().__init__(f"{url}: {message}")


class StorageError(TrackerError):
    """The state database cannot be opened, migrated or written."""


class StaleRulesError(TrackerError):
    """Newer rules matched the stored articles while these (older) rules were matching."""


class NotFoundError(TrackerError):
    """An id given by the user (commitment, signal, rule, feed, snapshot) does not exist."""


class UsageError(TrackerError):
    """A command-line argument is wrong; the message names the argument."""


class LockedError(TrackerError):
    """Another process holds the workspace lock (a second `tracker watch`)."""
