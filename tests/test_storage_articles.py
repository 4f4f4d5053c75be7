"""Storing articles once, remembering every feed, updating edits, searching with FTS5."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tracker.errors import NotFoundError, StorageError
from tracker.storage import feeds as feed_store
from tracker.storage import open_database
from tracker.storage.articles import (
    StoreStats,
    delete_articles,
    get_article,
    index_new,
    index_pending,
    list_articles,
    parse_search,
    store_entries,
)
from tracker.storage.db import Database
from tracker.storage.schema import MIGRATIONS
from tracker.textnorm import canonical_url
from tracker.types import Entry, FeedState

NOW = datetime(2025, 6, 10, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=2)


def entry(guid: str, title: str = "Putin and Xi sign a joint statement on energy", **fields: object) -> Entry:
    url = fields.pop("url", f"https://example.org/{guid}")
    base = {
        "guid": guid,
        "url": url,
        "canonical_url": canonical_url(url),  # type: ignore[arg-type]
        "title": title,
        "summary": f"Summary of {title}",
        "content": "",
        "language": "en",
        "published": NOW - timedelta(hours=1),
    }
    return Entry(**{**base, **fields})  # type: ignore[arg-type]


@pytest.fixture
def db(state_target: Path | str) -> Iterator[Database]:
    """The article store on each backend (SQLite and PostgreSQL)."""
    database = open_database(state_target)
    yield database
    database.close()


def store(db: Database, feed: str, entries: list[Entry], now: datetime = NOW) -> StoreStats:
    with db.transaction() as conn:
        return store_entries(conn, feed, entries, now)


def rows(db: Database, sql: str) -> list[tuple[object, ...]]:
    with db.reading() as conn:
        return [tuple(r) for r in conn.execute(sql).fetchall()]


# ---------------------------------------------------------------- identity


def test_new_entries_are_stored_once_across_polls(db: Database) -> None:
    first = store(db, "tass", [entry("a"), entry("b", "Another headline about trade talks")])
    assert len(first.new_ids) == 2
    again = store(db, "tass", [entry("a"), entry("b", "Another headline about trade talks")], LATER)
    assert again.new_ids == [] and again.duplicates == 2
    assert rows(db, "SELECT count(*) FROM articles") == [(2,)]


def test_same_url_on_two_feeds_is_one_article_remembering_both(db: Database) -> None:
    store(db, "tass", [entry("tass-1", url="https://example.org/story?utm_source=tass")])
    second = store(db, "ria", [entry("ria-77", url="http://www.example.org/story#top")])
    assert second.new_ids == [] and second.duplicates == 1
    article = get_article(db, 1)
    assert article.feeds == ("tass", "ria")
    assert rows(db, "SELECT feed, guid FROM article_feeds ORDER BY feed") == [
        ("ria", "ria-77"),
        ("tass", "tass-1"),
    ]


def test_a_global_guid_shared_by_two_feeds_is_one_article(db: Database) -> None:
    guid = "urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66"
    store(db, "a", [entry(guid, url="https://a.example/1")])
    assert store(db, "b", [entry(guid, url="https://b.example/2")]).duplicates == 1


def test_a_syndicated_copy_is_found_by_title_within_days(db: Database) -> None:
    store(db, "xinhua", [entry("x1", url="https://xinhua.example/1")])
    copy = entry("c1", "PUTIN and Xi sign a joint statement on energy!", url="https://paper.example/9")
    assert store(db, "paper", [copy]).duplicates == 1
    far = entry(
        "c2",
        "Putin and Xi sign a joint statement on energy",
        url="https://other.example/3",
        published=NOW + timedelta(days=9),
    )
    assert len(store(db, "other", [far]).new_ids) == 1


def test_a_feed_repeating_a_headline_is_not_syndication(db: Database) -> None:
    daily = "Regular press conference of the foreign ministry spokesperson"
    store(db, "mfa", [entry("day1", daily, url="https://mfa.example/1")])
    second = store(
        db, "mfa", [entry("day2", daily, url="https://mfa.example/2", published=NOW + timedelta(days=1))]
    )
    assert len(second.new_ids) == 1


def test_generic_titles_never_merge(db: Database) -> None:
    store(db, "a", [entry("a1", "News", url="https://a.example/1")])
    assert len(store(db, "b", [entry("b1", "News", url="https://b.example/1")]).new_ids) == 1


def test_duplicates_inside_one_batch(db: Database) -> None:
    stats = store(
        db, "a", [entry("a1", url="https://x.example/s"), entry("a2", url="https://x.example/s?utm_medium=x")]
    )
    assert len(stats.new_ids) == 1 and stats.duplicates == 1
    assert rows(db, "SELECT count(*) FROM article_feeds") == [(2,)]


# ---------------------------------------------------------------- updates


def test_an_edited_entry_updates_the_article(db: Database) -> None:
    [article_id] = store(db, "tass", [entry("a")]).new_ids
    edited = entry("a", "Putin and Xi sign a joint statement on energy (updated)", summary="New text")
    stats = store(db, "tass", [edited], LATER)
    assert stats.updated_ids == [article_id]
    article = get_article(db, article_id)
    assert article.title.endswith("(updated)") and article.summary == "New text"
    assert rows(db, "SELECT update_count FROM articles") == [(1,)]
    assert [a.id for a in list_articles(db, search="updated")] == [article_id]  # FTS follows


def test_edits_count_at_most_once_per_interval(db: Database) -> None:
    store(db, "tass", [entry("a")])
    soon = NOW + timedelta(minutes=10)
    stats = store(db, "tass", [entry("a", summary="edited quickly")], soon)
    assert stats.updated_ids == [] and stats.deferred == 1
    assert get_article(db, 1).summary != "edited quickly"
    assert store(db, "tass", [entry("a", summary="edited quickly")], LATER).updated_ids == [1]


def test_a_copy_on_another_feed_never_overwrites_the_original(db: Database) -> None:
    store(db, "tass", [entry("t1", url="https://example.org/s")])
    store(db, "ria", [entry("r1", url="https://example.org/s")])
    stats = store(db, "ria", [entry("r1", url="https://example.org/s", summary="RIA's version")], LATER)
    assert stats.updated_ids == []
    assert get_article(db, 1).summary.startswith("Summary of")


# ---------------------------------------------------------------- tombstones and transactions


def test_deleted_articles_do_not_come_back(db: Database) -> None:
    [article_id] = store(db, "tass", [entry("a")]).new_ids
    assert delete_articles(db, [article_id], reason="spam") == 1
    stats = store(db, "tass", [entry("a")], LATER)
    assert stats.new_ids == [] and stats.tombstoned == 1
    assert store(db, "other", [entry("zz", url="https://example.org/a")], LATER).tombstoned == 1


def test_a_failed_batch_stores_nothing(db: Database) -> None:
    with pytest.raises(RuntimeError), db.transaction() as conn:
        store_entries(conn, "tass", [entry("a"), entry("b", "Second headline about grain exports")], NOW)
        feed_store.save_state(conn, FeedState(name="tass", url="https://tass.com/rss"))
        raise RuntimeError("crash mid-poll")
    assert rows(db, "SELECT count(*) FROM articles") == [(0,)]
    assert feed_store.get_state(db, "tass") is None


def test_feed_state_round_trip_with_article_counts(db: Database) -> None:
    store(db, "tass", [entry("a"), entry("b", "Second headline about grain exports")])
    state = FeedState(
        name="tass",
        url="https://tass.com/rss/v2.xml",
        etag='W/"x"',
        last_modified="Tue, 10 Jun 2025 10:00:00 GMT",
        failures=2,
        next_due=LATER,
        config_url="https://tass.com/rss/v2.xml",
        last_status=503,
    )
    feed_store.save_states(db, [state])
    loaded = feed_store.get_state(db, "tass")
    assert loaded == replace(state, article_count=2)
    assert feed_store.all_states(db)["tass"].article_count == 2
    assert feed_store.all_states(db, with_counts=False)["tass"].article_count == 0


def test_schema_has_migration_two() -> None:
    assert len(MIGRATIONS) >= 2


# ---------------------------------------------------------------- listing and search


@pytest.fixture
def library(db: Database) -> Database:
    store(
        db,
        "mixed",
        [
            entry("1", "China and Russia agree on gas pipeline", published=NOW - timedelta(days=1)),
            entry("2", "Sanctions hit Russian banks", published=NOW - timedelta(days=5)),
            entry("3", "中俄两国签署天然气管道协议", language="zh", published=NOW - timedelta(days=2)),
            entry("4", "Россия и Китай подписали соглашение о газопроводе", language="ru", published=NOW),
            entry("5", 'He said "NEAR" OR NOT AND the pipeline*', published=NOW - timedelta(days=3)),
        ],
    )
    return db


def titles(articles: list) -> list[str]:  # type: ignore[type-arg]
    return [a.title for a in articles]


def test_list_newest_first_with_since(library: Database) -> None:
    assert titles(list_articles(library))[0].startswith("Россия")
    recent = list_articles(library, since=NOW - timedelta(days=2, hours=1))
    assert len(recent) == 3


def test_search_words_phrases_prefix_and_exclusion(library: Database) -> None:
    assert titles(list_articles(library, search="pipeline")) == [
        "China and Russia agree on gas pipeline",
        'He said "NEAR" OR NOT AND the pipeline*',
    ]
    assert titles(list_articles(library, search='"gas pipeline"')) == [
        "China and Russia agree on gas pipeline"
    ]
    assert titles(list_articles(library, search="sanct*")) == ["Sanctions hit Russian banks"]
    assert titles(list_articles(library, search="pipeline -gas")) == [
        'He said "NEAR" OR NOT AND the pipeline*'
    ]


def test_search_russian_is_case_insensitive(library: Database) -> None:
    assert len(list_articles(library, search="РОССИЯ")) == 1
    assert len(list_articles(library, search="газопровод*")) == 1


def test_search_chinese_by_substring(library: Database) -> None:
    assert titles(list_articles(library, search="天然气")) == ["中俄两国签署天然气管道协议"]
    assert list_articles(library, search="天然气 -协议") == []


@pytest.mark.parametrize(
    "text",
    [
        '"',
        "NEAR(a b)",
        "OR",
        "AND NOT",
        "a:b",
        "title:x",
        "(((",
        "col*umn",
        "'; DROP TABLE articles; --",
        "^start",
    ],
)
def test_search_never_breaks_on_query_syntax(library: Database, text: str) -> None:
    try:
        list_articles(library, search=text)
    except ValueError as exc:
        assert "expected at least one word" in str(exc)
    assert rows(library, "SELECT count(*) FROM articles") == [(5,)]


def test_operators_are_searched_as_words(library: Database) -> None:
    assert titles(list_articles(library, search="NEAR OR NOT")) == ['He said "NEAR" OR NOT AND the pipeline*']


def test_search_needs_a_word() -> None:
    assert parse_search("-only -negative")[0].negated
    with pytest.raises(ValueError, match="at least one word"):
        from tracker.storage.articles import search_clause

        search_clause("-only")


def test_filter_by_feed_and_get_article(library: Database) -> None:
    assert len(list_articles(library, feed="mixed")) == 5
    assert list_articles(library, feed="nope") == []
    with pytest.raises(NotFoundError):
        get_article(library, 999)


# ---------------------------------------------------------------- the full-text index without a trigger


def fts_ids(db: Database) -> list[int]:
    """The articles in the full-text index (PostgreSQL: those whose `fts` column holds words)."""
    if db.dialect == "postgresql":
        return [int(r[0]) for r in rows(db, "SELECT id FROM articles WHERE length(fts) > 0 ORDER BY id")]
    # (not `articles_fts` itself: an external-content table reads its rows from `articles`)
    return [int(r[0]) for r in rows(db, "SELECT id FROM articles_fts_docsize ORDER BY id")]


def test_new_articles_wait_for_one_index_statement(db: Database) -> None:
    if db.dialect != "sqlite":
        pytest.skip("FTS5 and its triggers are SQLite's; PostgreSQL indexes a generated column")
    triggers = {r[0] for r in rows(db, "SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert "articles_ai" not in triggers and {"articles_ad", "articles_au"} <= triggers
    first = store(db, "tass", [entry("a", "Gas pipeline talks"), entry("b", "Grain corridor deal")])
    second = store(db, "rt", [entry("c", "Arctic shipping route")])
    assert fts_ids(db) == []  # storing does not index
    with db.transaction() as conn:
        assert index_new(conn) == 3
        assert index_new(conn) == 0  # nothing twice
    assert fts_ids(db) == sorted(first.new_ids + second.new_ids)
    assert titles(list_articles(db, search="arctic")) == ["Arctic shipping route"]


def fts_consistent(db: Database) -> bool:
    """FTS5's own check that the index matches the articles table, row for row."""
    try:
        with db.transaction() as conn:
            conn.execute("INSERT INTO articles_fts(articles_fts, rank) VALUES ('integrity-check', 1)")
    except Exception:
        return False
    return True


def test_an_article_edited_or_deleted_before_its_batch_was_indexed(db: Database) -> None:
    """The update and delete triggers skip rows not indexed yet: FTS5 would otherwise
    subtract words it never added, and the index would no longer match the table."""
    stats = store(db, "tass", [entry("a", "Gas pipeline talks"), entry("b", "Grain corridor deal")])
    store(db, "tass", [entry("a", "Wheat export quota")], LATER)  # an edit, not indexed yet
    delete_articles(db, [max(stats.new_ids)])  # and a deletion, not indexed yet
    assert titles(list_articles(db, search="wheat")) == ["Wheat export quota"]
    assert list_articles(db, search="pipeline") == [] and list_articles(db, search="grain") == []
    if db.dialect == "sqlite":
        assert fts_consistent(db)
        assert fts_ids(db) == [min(stats.new_ids)]
    store(db, "tass", [entry("a", "Rail freight record")], LATER + timedelta(hours=1))  # indexed now
    assert titles(list_articles(db, search="freight")) == ["Rail freight record"]
    assert list_articles(db, search="wheat") == []
    if db.dialect == "sqlite":
        assert fts_consistent(db)


def test_the_integrity_check_sees_a_broken_index(db: Database) -> None:
    if db.dialect != "sqlite":
        pytest.skip("FTS5's integrity check")
    store(db, "tass", [entry("a", "Gas pipeline talks")])
    index_pending(db)
    assert fts_consistent(db)
    with db.transaction() as conn:  # an edit the index does not follow
        conn.execute("DROP TRIGGER articles_au")
        conn.execute("UPDATE articles SET title = 'Wheat export quota'")
    assert not fts_consistent(db)


def test_articles_written_another_way_are_indexed_before_a_search(db: Database) -> None:
    store(db, "tass", [entry("a", "Gas pipeline talks")])
    with db.transaction() as conn:  # an older program, or a hand-made fixture, with no index step
        conn.execute(
            "INSERT INTO articles (guid, title, first_seen, last_seen, content_hash) "
            "VALUES ('raw', 'Yuan settlement grows', '2025-06-10', '2025-06-10', 'x')"
        )
    assert titles(list_articles(db, search="yuan")) == ["Yuan settlement grows"]
    assert titles(list_articles(db, search="pipeline")) == ["Gas pipeline talks"]  # indexed once
    assert len(fts_ids(db)) == 2


def test_a_deleted_top_article_and_its_reused_id(db: Database) -> None:
    stats = store(db, "tass", [entry("a", "Gas pipeline talks"), entry("b", "Grain corridor deal")])
    delete_articles(db, [max(stats.new_ids)])
    assert list_articles(db, search="grain") == []
    again = store(db, "rt", [entry("c", "Arctic shipping route")])
    assert again.new_ids == [max(stats.new_ids)]  # SQLite gives the top id again
    assert titles(list_articles(db, search="arctic")) == ["Arctic shipping route"]
    assert list_articles(db, search="grain") == []


def test_edits_keep_the_index_true(db: Database) -> None:
    store(db, "tass", [entry("a", "Gas pipeline talks")])
    store(db, "tass", [entry("a", "Wheat export quota")], LATER)
    assert titles(list_articles(db, search="wheat")) == ["Wheat export quota"]
    assert list_articles(db, search="pipeline") == []


def test_a_url_conflict_the_lookups_missed_is_stored_row_by_row(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    store(db, "tass", [entry("a", "Gas pipeline talks", url="https://example.org/same")])
    import tracker.storage.articles as articles

    real = articles._known_urls
    calls: list[int] = []

    def racing(conn: object, urls: list[str]) -> dict[str, int]:
        calls.append(1)  # the batch's lookup misses the URL, as if another writer raced us
        return {} if len(calls) == 1 else real(conn, urls)  # type: ignore[arg-type]

    monkeypatch.setattr(articles, "_known_urls", racing)
    stats = store(
        db, "rt", [entry("b", "Grain corridor deal"), entry("c", "Copy", url="https://example.org/same")]
    )
    assert len(stats.new_ids) == 1 and stats.duplicates == 1
    assert rows(db, "SELECT count(*) FROM articles") == [(2,)]
    index_pending(db)
    assert len(fts_ids(db)) == 2


def test_the_fts_migration_keeps_an_older_database_searchable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tracker.storage.db as db_module

    fts = next(i for i, script in enumerate(MIGRATIONS) if "DROP TRIGGER articles_ai" in script.sqlite)
    with monkeypatch.context() as patch:  # a database written by the version before this change
        patch.setattr(db_module, "MIGRATIONS", MIGRATIONS[:fts])
        old = open_database(tmp_path / "old.db")
        store(old, "tass", [entry("a", "Gas pipeline talks")])
        old.close()
    db = open_database(tmp_path / "old.db")
    assert db.schema_version() == len(MIGRATIONS)
    assert titles(list_articles(db, search="pipeline")) == ["Gas pipeline talks"]
    store(db, "tass", [entry("b", "Grain corridor deal")])
    assert titles(list_articles(db, search="grain")) == ["Grain corridor deal"]
    assert len(fts_ids(db)) == 2
    db.close()


# ---------------------------------------------------------------- leases renewed by a long pass


def test_renewing_leases_extends_only_the_owners_live_ones(state_target: Path | str) -> None:
    db = open_database(state_target)
    feeds = [(f"f{i}", f"https://example.org/{i}.xml") for i in range(3)]
    now = datetime(2025, 6, 10, 12, 0, tzinfo=UTC)
    soon, later = now + timedelta(minutes=5), now + timedelta(minutes=30)
    assert feed_store.claim_feeds(db, feeds[:2], "me", now, soon, due_only=False) == {"f0", "f1"}
    assert feed_store.claim_feeds(db, feeds[2:], "them", now, soon, due_only=False) == {"f2"}
    with db.transaction(exclusive=False) as conn:
        feed_store.release_feeds(conn, ["f1"], "me")  # its state was saved
    # Renewing touches f0 only: f1 is released, f2 is someone else's, f9 was never claimed.
    assert feed_store.renew_leases(db, ["f0", "f1", "f2", "f9"], "me", later) == 1
    after_the_first_lease = now + timedelta(minutes=10)
    live = feed_store.leases(db, after_the_first_lease)
    assert live == {"me": ["f0"]}
    db.close()


def test_a_second_connection_renews_while_the_first_is_in_a_transaction(state_target: Path | str) -> None:
    """`another()` is how a pass renews its leases without waiting for its own writes."""
    db = open_database(state_target)
    now = datetime(2025, 6, 10, 12, 0, tzinfo=UTC)
    feeds = [("f0", "https://example.org/0.xml")]
    assert feed_store.claim_feeds(db, feeds, "me", now, now + timedelta(minutes=5), due_only=False) == {"f0"}
    side = db.another()
    assert side is not db
    with db.reading():  # the first connection is busy; the second is not held up by it
        assert feed_store.renew_leases(side, ["f0"], "me", now + timedelta(hours=1)) == 1
    side.close()
    assert feed_store.leases(db, now + timedelta(minutes=30)) == {"me": ["f0"]}  # the first still works
    db.close()


def test_an_in_memory_database_has_no_second_connection() -> None:
    db = open_database(":memory:")
    with pytest.raises(StorageError, match="in-memory"):
        db.another()
    db.close()
