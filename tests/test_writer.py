"""Group commit: polls that finish while the writer is busy are stored in one transaction.

Unit tests of `Batcher` with a real writer thread, then whole passes on a loopback server
over real SQLite and PostgreSQL: every poll still gets its own outcome, one failing poll
fails alone, the rules hook sees each article once, and the search index is complete
and consistent at the end of the pass however the articles were batched.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.feedserver import FeedServer, make_rss
from tracker.feeds import pipeline
from tracker.feeds.fetching import FetchSettings
from tracker.feeds.pipeline import PollSettings, poll_feeds
from tracker.feeds.polling import PollPolicy
from tracker.feeds.writer import Batcher, Writer
from tracker.storage import articles as article_store
from tracker.storage import open_database
from tracker.storage.db import Database
from tracker.types import Feed, MatchResult, Prematched

SETTINGS = PollSettings(
    fetch=FetchSettings(allow_private=True, trust_env=False), parse_workers=0, policy=PollPolicy(jitter=0)
)


# ---------------------------------------------------------------- Batcher


def run_batcher(
    items: list[int], run: Any, *, limit: int, hold: float = 0.2
) -> tuple[list[Any], list[list[int]]]:
    """Submit every item at once while the writer is held busy; the outcomes, the batches."""
    batches: list[list[int]] = []
    release = threading.Event()

    def recorded(batch: list[int]) -> Any:
        batches.append(list(batch))
        return run(batch)

    async def main() -> list[Any]:
        writer = Writer()
        try:
            writer.executor.submit(release.wait, hold)  # the writer is busy: items queue up
            batcher: Batcher[int, Any] = Batcher(writer, recorded, limit=limit)
            return await asyncio.gather(*(batcher.submit(i) for i in items), return_exceptions=True)
        finally:
            release.set()
            writer.shutdown()

    return asyncio.run(main()), batches


def test_items_queued_while_the_writer_is_busy_go_in_bounded_batches() -> None:
    outcomes, batches = run_batcher(list(range(10)), lambda batch: [i * 10 for i in batch], limit=4)
    assert outcomes == [i * 10 for i in range(10)]
    assert batches == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]  # in order, at most `limit` each


def test_a_lone_item_waits_for_nothing() -> None:
    outcomes, batches = run_batcher([7], lambda batch: batch, limit=4, hold=0)
    assert outcomes == [7] and batches == [[7]]


def test_an_item_that_fails_fails_alone() -> None:
    def run(batch: list[int]) -> list[Any]:
        return [ValueError(f"item {i}") if i == 2 else i for i in batch]

    outcomes, _ = run_batcher([1, 2, 3], run, limit=8)
    assert outcomes[0] == 1 and outcomes[2] == 3
    assert isinstance(outcomes[1], ValueError) and str(outcomes[1]) == "item 2"


def test_a_batch_that_fails_fails_every_item_of_it_and_no_other() -> None:
    def run(batch: list[int]) -> list[int]:
        if 0 in batch:
            raise OSError("commit failed")
        return batch

    outcomes, batches = run_batcher([0, 1, 2, 3], run, limit=2)
    assert batches == [[0, 1], [2, 3]]
    assert [type(o) for o in outcomes[:2]] == [OSError, OSError] and outcomes[2:] == [2, 3]


# ---------------------------------------------------------------- whole passes


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as running:
        yield running


@pytest.fixture
def db(state_target: Path | str) -> Iterator[Database]:
    database = open_database(state_target)
    yield database
    database.close()


def serve(server: FeedServer, count: int, entries: int = 5) -> list[Feed]:
    feeds = []
    for n in range(count):
        server.feed(f"/f{n}.xml", make_rss(entries, prefix=f"f{n}", title=f"Feed {n}"))
        feeds.append(Feed(name=f"f{n}", url=server.url(f"/f{n}.xml")))
    return feeds


def scalar(db: Database, sql: str) -> int:
    with db.reading() as conn:
        return int(conn.execute(sql).fetchone()[0])


class SlowHook:
    """A rules hook slow enough that the polls finishing meanwhile queue up behind it."""

    def __init__(self) -> None:
        self.calls: list[list[int]] = []

    def __call__(self, ids: list[int]) -> None:
        self.calls.append(list(ids))
        threading.Event().wait(0.05)


def test_a_pass_stores_every_poll_and_hooks_each_article_once(server: FeedServer, db: Database) -> None:
    hook = SlowHook()
    results = poll_feeds(db, serve(server, 24), settings=SETTINGS, on_stored=hook)
    assert [(r.status, r.new) for r in results] == [("ok", 5)] * 24
    assert scalar(db, "SELECT count(*) FROM articles") == 120
    hooked = [i for call in hook.calls for i in call]
    assert sorted(hooked) == sorted(i for r in results for i in r.article_ids)  # each once
    assert len(hook.calls) < 24  # polls that waited for the writer were matched together
    with db.reading() as conn:  # each feed's state was saved with its articles
        assert conn.execute("SELECT count(*) FROM feed_state WHERE etag IS NOT NULL").fetchone()[0] == 24


def test_one_poll_that_fails_to_store_fails_alone(
    server: FeedServer, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = article_store.store_entries

    def broken_for_f3(conn: Any, feed: str, entries: Any, now: Any) -> Any:
        stats = real(conn, feed, entries, now)  # its rows are written, then undone
        if feed == "f3":
            raise RuntimeError("a bug in storing")
        return stats

    monkeypatch.setattr(article_store, "store_entries", broken_for_f3)
    hook = SlowHook()
    results = poll_feeds(db, serve(server, 8), settings=SETTINGS, on_stored=hook)
    by_feed = {r.feed: r for r in results}
    assert by_feed["f3"].error == "internal error: RuntimeError: a bug in storing"
    assert all(r.status == "ok" and r.new == 5 for name, r in by_feed.items() if name != "f3")
    assert scalar(db, "SELECT count(*) FROM articles") == 35
    assert scalar(db, "SELECT count(*) FROM article_feeds WHERE feed = 'f3'") == 0
    monkeypatch.setattr(article_store, "store_entries", real)
    [again] = poll_feeds(db, [f for f in serve(server, 8) if f.name == "f3"], settings=SETTINGS, force=True)
    assert (again.status, again.new) == ("ok", 5)  # nothing of it was kept: stored in full next time


def test_the_search_index_is_complete_and_consistent_after_a_pass(
    server: FeedServer, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline, "INDEX_BATCH", 12)  # indexed in the middle of the pass too
    poll_feeds(db, serve(server, 10), settings=SETTINGS, on_stored=SlowHook())
    if db.dialect == "sqlite":
        assert scalar(db, "SELECT count(*) FROM articles_fts_docsize") == 50
        assert scalar(db, "SELECT value FROM meta WHERE key = 'fts.indexed_to'") == 50
        with db.transaction() as conn:  # FTS5's own check: the index matches the table
            conn.execute("INSERT INTO articles_fts(articles_fts, rank) VALUES ('integrity-check', 1)")
    found = article_store.list_articles(db, search="f7", limit=100)
    assert len(found) == 5


def test_an_article_a_later_poll_of_the_batch_changed_is_matched_as_stored() -> None:
    """Prematched results of a new article are stale once another poll of the same hook
    batch updated it: the hook must match that article from the database instead."""
    calls: list[tuple[list[int], Prematched | None]] = []
    pass_ = pipeline._Pass(
        None,  # type: ignore[arg-type]  # the hook batch never touches the database itself
        SETTINGS,
        force=False,
        on_stored=lambda ids, given=None: calls.append((ids, given)),
        rng=__import__("random").Random(0),
    )
    found: tuple[MatchResult, ...] = ()
    first = pipeline._ToMatch((1, 2), "a", Prematched("fp", {1: found, 2: found}))
    second = pipeline._ToMatch((2, 3), "b", Prematched("fp", {3: found}))  # 2 updated by "b"
    other_rules = pipeline._ToMatch((4,), "c", Prematched("older", {4: found}))
    plain = pipeline._ToMatch((5,), "d", None)
    warnings = pass_._hook_batch([first, second, other_rules, plain])
    pass_.writer.shutdown()
    assert warnings == [[], [], [], []]
    assert [(ids, given.fingerprint if given else None) for ids, given in calls] == [
        ([1, 2, 3], "fp"),
        ([4], "older"),
        ([5], None),
    ]
    assert calls[0][1] is not None and sorted(calls[0][1].results) == [1, 3]
