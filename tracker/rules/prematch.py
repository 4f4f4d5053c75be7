"""Matching where the entries are parsed: the rules run in the parse workers, on every core.

Matching costs about twice what parsing does (≈ 0.3 ms an entry with the bundled rules
on China–Russia news), and it used to run in the pipeline's one storage thread, after
each commit, so the pass used one core for it while the parse workers waited. Here the
parse job matches each entry it has just parsed, in the same worker, and hands the
results back with the entries; the storage thread only writes them (`Prematched`).

Exactness: a worker matches an `EntryArticle` made of exactly what storing keeps of the
entry (title, summary, content, language, and the publication time as it reads back
from the database: UTC, to the second), so its results equal those of matching the
stored article. The pipeline uses them only for articles stored new from that very
entry; an updated article, one whose page text was fetched, or results made by rules
other than the current ones (edited during the pass) are matched in the storage thread
as before. `tests/test_prematch.py` holds both paths to the same signals.

How a worker gets the rules: the pipeline's process pickles its matcher once per set of
rules (`fingerprint`) into a file in a private directory (mode 0700, removed at exit);
the job carries a `MatcherTicket` naming it; each worker loads it once and keeps it
while the fingerprint stays the same. The file holds only our own data, written by this
process for its own children: the usual caution about unpickling untrusted input does
not arise. Any failure (no file, a matcher that cannot be pickled) means no ticket or
no results: the storage thread matches, as it always could.
"""

from __future__ import annotations

import atexit
import logging
import os
import pickle
import shutil
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from tracker.rules.automaton import Matcher
from tracker.storage.db import from_db, to_db
from tracker.types import Entry, MatcherTicket, MatchResult

log = logging.getLogger(__name__)

_LOCK = threading.Lock()
_DIRECTORY: Path | None = None
#: fingerprint → the ticket of its pickled file, in this process.
_FILES: dict[str, MatcherTicket] = {}
#: The matcher a worker loaded last: (fingerprint, matcher).
_LOADED: tuple[str, Matcher] | None = None


@dataclass(frozen=True)
class EntryArticle:
    """What the matcher reads of an article, as storing the entry will make it."""

    id: int
    title: str
    summary: str
    content: str
    language: str | None
    published: datetime | None


def ticket_for(matcher: Matcher) -> MatcherTicket | None:
    """A ticket for these rules (pickled once per fingerprint); None if it cannot be made."""
    with _LOCK:
        known = _FILES.get(matcher.fingerprint)
        if known is not None and Path(known.path).exists():
            return known
        try:
            directory = _directory()
            fd, name = tempfile.mkstemp(prefix="rules-", suffix=".pickle", dir=directory)
            with os.fdopen(fd, "wb") as out:
                pickle.dump(matcher, out, protocol=pickle.HIGHEST_PROTOCOL)
        except (OSError, pickle.PicklingError, TypeError, AttributeError) as exc:
            log.warning("matching stays in the storage thread: the rules could not be handed on (%s)", exc)
            return None
        for old in _FILES.values():  # one set of rules at a time: older passes are over
            Path(old.path).unlink(missing_ok=True)
        _FILES.clear()
        ticket = MatcherTicket(matcher.fingerprint, name)
        _FILES[matcher.fingerprint] = ticket
        return ticket


def _directory() -> Path:
    global _DIRECTORY
    if _DIRECTORY is None:
        _DIRECTORY = Path(tempfile.mkdtemp(prefix="tracker-rules-"))  # mode 0700
        atexit.register(shutil.rmtree, _DIRECTORY, ignore_errors=True)
    return _DIRECTORY


def worker_matcher(ticket: MatcherTicket) -> Matcher | None:
    """The ticket's matcher, loaded once per worker; None if it is gone or not the same rules."""
    global _LOADED
    if _LOADED is not None and _LOADED[0] == ticket.fingerprint:
        return _LOADED[1]
    try:
        with Path(ticket.path).open("rb") as source:
            # Our own file, in a 0700 directory this process made for its children.
            matcher = pickle.load(source)  # noqa: S301
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError) as exc:
        log.debug("no rules for prematching from %s: %s", ticket.path, exc)
        return None
    if not isinstance(matcher, Matcher) or matcher.fingerprint != ticket.fingerprint:
        return None
    _LOADED = (ticket.fingerprint, matcher)
    return matcher


def entry_article(entry: Entry) -> EntryArticle:
    """The entry as the matcher will see it once stored (id 0 until it has one)."""
    return EntryArticle(
        id=0,
        title=entry.title,
        summary=entry.summary,
        content=entry.content,
        language=entry.language,
        published=from_db(to_db(entry.published)),
    )


def prematch(matcher: Matcher, entries: Sequence[Entry]) -> tuple[tuple[MatchResult, ...], ...]:
    """Each entry's results, in order (article id 0: the storage thread sets it)."""
    return tuple(tuple(matcher.match(entry_article(entry))) for entry in entries)
