"""Matching in the parse workers gives exactly the signals matching in the storage thread gives.

`tracker.rules.prematch` runs the rules where the entries are parsed; the storage thread
only writes the results. Here, on real items of the shared corpus and the bundled rules:

- each entry, matched as `EntryArticle`, gives the results of its stored article read back
  (publication times in other zones than UTC included, where the calendar day differs);
- a whole pass through the real CLI-facing API, the parse workers real processes and the
  feeds served on 127.0.0.1, writes the same signals with and without prematching, on
  SQLite and PostgreSQL, and the workers' results did cover every new article;
- results made by other rules (edited during the pass) are ignored, not written;
- a ticket whose file is gone, or a body that is no feed, costs only the speed-up.

(A page fetched for its full text is matched again in the storage thread: that is held by
tests/test_fulltext.py, whose summary-only article links only through its page.)
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest

from tests.conftest import REPO, SHARED
from tests.feedserver import FeedServer
from tracker.core import Tracker
from tracker.feeds.backfill import entry_from_record
from tracker.feeds.fastpath import parse_job_fast
from tracker.feeds.fetching import FetchSettings
from tracker.feeds.parsing import ParsedFeed
from tracker.feeds.pipeline import PollSettings
from tracker.records.workspace import Workspace
from tracker.rules import prematch
from tracker.rules.matching import match_articles
from tracker.storage import articles as article_store
from tracker.storage import open_database
from tracker.storage.signals import articles_by_ids
from tracker.types import Entry, MatcherTicket, Prematched

CORPUS_FILES = [
    "pages-dev/items.jsonl",
    "state-media/cctv_xinwenlianbo_china_russia.jsonl",
    "state-media/rt_2023_china_russia.jsonl",
    "news-2022/2022_china_and_russia_entries.jsonl",
]
#: Zones where a late evening is the next day in UTC, or an early morning the previous one.
ZONES = [timezone(timedelta(hours=8)), timezone(timedelta(hours=3)), timezone(timedelta(hours=-5)), UTC]


def _records() -> list[dict[str, Any]]:
    missing = [name for name in CORPUS_FILES if not (SHARED / "corpus" / name).exists()]
    if missing:
        pytest.skip(f"the shared corpus is absent ({missing[0]} not found)")
    out = []
    for name in CORPUS_FILES:
        for line in (SHARED / "corpus" / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.append(json.loads(line)["entry"])
    return out


def _published(n: int) -> datetime:
    """Spread over 2014–2025, at 23:40 or 00:20 local time in one of ZONES."""
    day = datetime(2014, 3, 1) + timedelta(days=(n * 37) % 4200)
    clock = timedelta(hours=23, minutes=40) if n % 2 else timedelta(minutes=20)
    return (day + clock).replace(tzinfo=ZONES[n % len(ZONES)])


@pytest.fixture(scope="module")
def entries() -> list[Entry]:
    out = []
    for n, record in enumerate(_records()):
        entry = entry_from_record(record)
        out.append(replace(entry, guid=f"item-{n}", published=_published(n)))
    return out


@pytest.fixture(scope="module")
def tracker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tracker]:
    root = tmp_path_factory.mktemp("bundled")
    for name in ("commitments", "rules"):
        shutil.copytree(REPO / name, root / name)
    running = Tracker(Workspace(root))
    yield running
    running.close()


def test_an_entry_matches_as_its_stored_article(
    tracker: Tracker, entries: list[Entry], tmp_path: Path
) -> None:
    matcher = tracker.matcher
    db = open_database(tmp_path / "state.db")
    try:
        with db.transaction() as conn:
            stats = article_store.store_entries(conn, "corpus", entries, datetime.now(UTC))
        assert len(stats.new_ids) == len(entries)
        stored = {a.id: a for a in articles_by_ids(db, stats.new_ids)}
        linked = 0
        for article_id, index in zip(stats.new_ids, stats.new_entries, strict=True):
            ahead = [
                replace(r, article_id=article_id)
                for r in matcher.match(prematch.entry_article(entries[index]))
            ]
            assert ahead == matcher.match(stored[article_id]), entries[index].title
            linked += bool(ahead)
        assert linked >= 20, "the corpus should give the rules something to link"
    finally:
        db.close()


def test_parse_job_returns_each_entries_results_in_order(tracker: Tracker, tmp_path: Path) -> None:
    body = _rss(_records()[:40], 0)
    ticket = prematch.ticket_for(tracker.matcher)
    assert ticket is not None
    parsed = parse_job_fast(body, "http://127.0.0.1/f.xml", {}, None, 30.0, ticket)
    assert isinstance(parsed, ParsedFeed) and parsed.matches is not None
    assert parsed.matched_by == tracker.matcher.fingerprint
    assert len(parsed.matches) == len(parsed.entries)
    expected = [tuple(tracker.matcher.match(prematch.entry_article(e))) for e in parsed.entries]
    assert list(parsed.matches) == expected and any(expected)


def test_a_lost_ticket_costs_only_the_speed_up(tracker: Tracker, tmp_path: Path) -> None:
    gone = MatcherTicket(tracker.matcher.fingerprint + "-other", str(tmp_path / "missing.pickle"))
    assert prematch.worker_matcher(gone) is None
    body = _rss(_records()[:5], 0)
    parsed = parse_job_fast(body, "http://127.0.0.1/f.xml", {}, None, 30.0, gone)
    assert isinstance(parsed, ParsedFeed) and len(parsed.entries) == 5 and parsed.matches is None
    # Another process's file under the right name but for other rules is refused too.
    ticket = prematch.ticket_for(tracker.matcher)
    assert ticket is not None
    assert prematch.worker_matcher(MatcherTicket("not-these-rules", ticket.path)) is None
    # Not a feed: the parse error comes back as ever, nothing is matched.
    assert parse_job_fast(b"<html><body>no feed</body></html>", "http://x/", {}, None, 30.0, ticket) == (
        parse_job_fast(b"<html><body>no feed</body></html>", "http://x/", {}, None, 30.0)
    )


def test_results_of_other_rules_are_never_written(
    tracker: Tracker, entries: list[Entry], tmp_path: Path
) -> None:
    matcher = tracker.matcher
    chosen = [e for e in entries if matcher.match(prematch.entry_article(e))][:5]
    assert chosen
    db = open_database(tmp_path / "state.db")
    try:
        with db.transaction() as conn:
            ids = article_store.store_entries(conn, "corpus", chosen, datetime.now(UTC)).new_ids
        # Stale results (other rules): claim a link to nothing on every article.
        stale = Prematched("rules-of-yesterday", {i: () for i in ids})
        summary = match_articles(db, matcher, ids, prematched=stale)
        expected = sum(len({r.commitment_id for r in matcher.match(a)}) for a in articles_by_ids(db, ids))
        assert summary.links == expected > 0
    finally:
        db.close()


# ---------------------------------------------------------------- a whole pass


def _rss(records: list[dict[str, Any]], first: int) -> bytes:
    items = []
    for n, record in enumerate(records, first):
        published = _published(n).strftime("%a, %d %b %Y %H:%M:%S %z")
        items.append(
            f"<item><title>{escape(record.get('title') or '')}</title>"
            f"<link>https://example.org/item/{n}</link><guid>item-{n}</guid>"
            f"<pubDate>{published}</pubDate>"
            f"<description>{escape(record.get('description') or '')}</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>Corpus</title>'
        f"<link>https://example.org/</link><description>c</description>{''.join(items)}</channel></rss>"
    ).encode()


def _workspace(root: Path, server: FeedServer, state: Path | str, feeds: int) -> Workspace:
    (root / "feeds").mkdir(parents=True)
    for name in ("commitments", "rules"):
        shutil.copytree(REPO / name, root / name)
    lines = ["feeds:"]
    for n in range(feeds):
        lines += [f"  - name: f{n}", f'    url: "{server.url(f"/f{n}.xml")}"', "    allow_private: true"]
    (root / "feeds" / "corpus.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (root / "tracker.yaml").write_text(f"fulltext: off\ndatabase: {state}\n", encoding="utf-8")
    return Workspace(root)


def _signals(tracker: Tracker) -> list[tuple[Any, ...]]:
    keys = ("url", "commitment_id", "rule_ids", "score", "relation")
    return sorted((tuple(row[k] for k in keys) for row in tracker.unreviewed(limit=100_000)), key=repr)


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as running:
        yield running


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_pass_writes_the_same_signals_matched_in_the_workers(
    backend: str,
    server: FeedServer,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    records = _records()
    per_feed = 50
    feeds = len(records) // per_feed
    for n in range(feeds):
        server.route(f"/f{n}.xml", body=_rss(records[n * per_feed : (n + 1) * per_feed], n * per_feed))
    settings = PollSettings(
        fetch=FetchSettings(trust_env=False, allow_private=True, per_host=16), parse_workers=1
    )
    seen: list[Prematched | None] = []
    original = Tracker._on_stored

    def spy(self: Tracker, ids: Any, prematched: Prematched | None = None) -> Any:
        seen.append(prematched)
        return original(self, ids, prematched)

    monkeypatch.setattr(Tracker, "_on_stored", spy)
    outcomes = []
    for mode in ("workers", "storage thread"):
        state: Path | str = tmp_path / f"{mode}.db"
        if backend == "postgresql":
            state = str(request.getfixturevalue("pg_url")) if mode == "workers" else _second_pg(request)
        tracker = Tracker(_workspace(tmp_path / mode.replace(" ", "-"), server, state, feeds))
        if mode == "storage thread":
            monkeypatch.setattr(Tracker, "_rules_ticket", lambda self: None)
        try:
            results = tracker.poll_feeds(settings=settings)
            assert not [r.error for r in results if r.error]
            new = sum(r.new for r in results)  # the few items the corpus repeats are folded
            assert new > 0.98 * feeds * per_feed
            outcomes.append(_signals(tracker))
        finally:
            tracker.close()
        if mode == "workers":
            covered = sum(len(p.results) for p in seen if p is not None)
            assert covered == new, "every new article should come matched from a worker"
            seen.clear()
        else:
            assert seen and all(p is None for p in seen)
    assert len(outcomes[0]) >= 20
    assert outcomes[0] == outcomes[1]


def _second_pg(request: pytest.FixtureRequest) -> str:
    cluster = request.getfixturevalue("pg_cluster")
    url = cluster.fresh()
    request.addfinalizer(lambda: cluster.drop(url))
    return str(url)
