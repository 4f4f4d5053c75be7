"""Articles: stored once however many feeds and polls carry them; listed and searched.

Identity, in the order it is tried (DESIGN.md, "Lessons from feed watchers"):
1. the same feed's own id for the entry (`article_feeds (feed, guid)`): the same item
   polled again, possibly edited;
2. the canonical URL: the same page reached through another feed or another link;
3. a globally unique guid (a URL, `urn:` or `tag:` id) that another feed also used;
4. the title key, within a few days, from another feed: a syndicated copy.
Every feed an article came from is remembered in `article_feeds`. An edited entry
updates the stored text only when it comes from the article's first feed (copies on
other feeds would otherwise overwrite each other back and forth) and at most once per
`UPDATE_MIN_INTERVAL`. Deleted articles leave tombstones so a feed cannot bring them back.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tracker.errors import NotFoundError
from tracker.storage.db import Connection, Database, IntegrityError, Row, dialect, from_db, to_db, utcnow
from tracker.storage.reads import UNREAD
from tracker.textnorm import han_variants, title_key, yo_variants
from tracker.types import Article, Entry

UPDATE_MIN_INTERVAL = timedelta(hours=1)
SYNDICATION_WINDOW = timedelta(days=3)
_CHUNK = 400
_GLOBAL_GUID = re.compile(r"^(?:https?://|urn:|tag:)", re.IGNORECASE)
_ARTICLE_COLUMNS = (
    "id, guid, url, canonical_url, title, summary, content, language, published, updated, first_seen,"
    " content_source, fulltext_at"
)


@dataclass
class StoreStats:
    """What storing one batch did. `new_ids` and `updated_ids` go to the rules engine."""

    new_ids: list[int] = field(default_factory=list)
    #: The index in the batch of the entry each new article was made from (as `new_ids`).
    new_entries: list[int] = field(default_factory=list)
    updated_ids: list[int] = field(default_factory=list)
    #: Entries that matched a stored article and changed nothing (or were not allowed to).
    duplicates: int = 0
    #: Entries refused because the article was deleted (a tombstone).
    tombstoned: int = 0
    #: Edits held back by `UPDATE_MIN_INTERVAL`: the caller should parse this body again later.
    deferred: int = 0

    @property
    def article_ids(self) -> list[int]:
        return [*self.new_ids, *self.updated_ids]


@dataclass(frozen=True)
class _Stored:
    id: int
    content_hash: str
    changed: datetime | None


# ---------------------------------------------------------------- storing


def store_entries(conn: Connection, feed: str, entries: Sequence[Entry], now: datetime) -> StoreStats:
    """Store a batch of entries from one feed (or one ingested source); call in a transaction.

    Lookups are made once per batch (one query per identity key, not per entry), and the
    writes too: new articles and their feed links go in with one `executemany` each, so a
    poll of a 50-entry feed costs a handful of statements. The new articles are not yet
    in the search index: the writer calls `index_new` once per few thousand of them (the
    index grows far faster in big batches), and a search catches up first anyway.
    """
    stats = StoreStats()
    if not entries:
        return stats
    conn.execute("SAVEPOINT store_entries")
    try:
        stats = _store(conn, feed, entries, now, bulk=True)
    except IntegrityError:
        # A canonical URL stored by a writer the lookups did not see: redo the batch one
        # row at a time, where each conflict is resolved on its own.
        conn.execute("ROLLBACK TO store_entries")
        stats = _store(conn, feed, entries, now, bulk=False)
    # Any other error (a full disk) propagates as it is: the caller's transaction rolls
    # back, savepoint included.
    conn.execute("RELEASE store_entries")
    return stats


def _store(conn: Connection, feed: str, entries: Sequence[Entry], now: datetime, *, bulk: bool) -> StoreStats:
    stats = StoreStats()
    keys = [title_key(e.title) for e in entries]
    found = _Lookups.load(conn, feed, entries, keys)
    stamp = to_db(now) or ""
    seen_ids: list[int] = []
    new_rows: list[tuple[Any, ...]] = []
    links: list[tuple[str, str, int, str]] = []
    pending: dict[int, str] = {}  # ids assigned in this batch, not written yet: their content hash
    next_id = _next_id(conn) if bulk else 0
    for index, (entry, key) in enumerate(zip(entries, keys, strict=True)):
        if entry.canonical_url in found.dead or _feed_key(feed, entry.guid) in found.dead:
            stats.tombstoned += 1
            continue
        stored_id = found.by_guid.get(entry.guid)
        if stored_id is not None:
            if stored_id in pending:  # the same item twice in one batch
                verdict = "same" if pending[stored_id] == content_hash(entry) else "deferred"
            else:
                verdict = _maybe_update(conn, feed, stored_id, entry, now)
            if verdict == "updated":
                stats.updated_ids.append(stored_id)
                continue
            stats.deferred += verdict == "deferred"
            stats.duplicates += 1
            seen_ids.append(stored_id)
            continue
        other_id = found.elsewhere(conn, feed, entry, key)
        inserted = False
        if other_id is None and bulk:
            other_id, next_id = next_id, next_id + 1
            row = _article_row(other_id, entry, stamp, key)
            new_rows.append(row)
            pending[other_id] = row[13]
            inserted = True
        elif other_id is None:
            other_id = _insert(conn, entry, stamp, key)
            inserted = other_id is not None
            if other_id is None and entry.canonical_url:  # another writer stored this URL first
                other_id = _known_urls(conn, [entry.canonical_url]).get(entry.canonical_url)
        if other_id is None:
            continue
        links.append((feed, entry.guid, other_id, stamp))
        found.by_guid[entry.guid] = other_id
        if inserted:
            stats.new_ids.append(other_id)
            stats.new_entries.append(index)
            if entry.canonical_url:
                found.by_url[entry.canonical_url] = other_id
        else:
            stats.duplicates += 1
            seen_ids.append(other_id)
    if new_rows:
        conn.executemany(_INSERT_ARTICLE, new_rows)
        _advance_ids(conn, new_rows[-1][0])
    if links:
        conn.executemany(
            "INSERT INTO article_feeds (feed, guid, article_id, first_seen) VALUES (?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            links,
        )
    _touch(conn, seen_ids, stamp)
    return stats


_INSERT_ARTICLE = """
    INSERT INTO articles (id, guid, url, canonical_url, title, summary, content, language,
        published, updated, author, first_seen, last_seen, content_hash, title_key, changed)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""

#: One article, its id given by the database; a canonical URL already stored gives no row.
_INSERT_ONE = (
    _INSERT_ARTICLE.replace("articles (id, ", "articles (").replace("VALUES (?, ", "VALUES (")
    + " ON CONFLICT DO NOTHING RETURNING id"
)


def _article_row(article_id: int | None, entry: Entry, stamp: str, key: str | None) -> tuple[Any, ...]:
    return (
        article_id,
        entry.guid,
        entry.url,
        entry.canonical_url,
        entry.title,
        entry.summary,
        entry.content,
        entry.language,
        to_db(entry.published),
        to_db(entry.updated),
        entry.author,
        stamp,
        stamp,
        content_hash(entry),
        key,
        stamp,
    )


def _next_id(conn: Connection) -> int:
    """The id the next row would get; safe to assign ahead because every write runs as
    the only writer (SQLite's BEGIN IMMEDIATE, PostgreSQL's write lock, see storage.postgres)."""
    return int(conn.execute("SELECT coalesce(max(id), 0) + 1 FROM articles").fetchone()[0])


def _advance_ids(conn: Connection, top: int) -> None:
    """PostgreSQL's identity counter does not see ids given explicitly: move it past them."""
    if dialect(conn) == "postgresql":
        conn.execute("SELECT setval(pg_get_serial_sequence('articles', 'id'), ?)", (top,))


# ---------------------------------------------------------------- the full-text index

#: `meta` key: every article with an id up to this one is in `articles_fts`. Storing does
#: not index (see `store_entries`); `index_new` indexes everything above the mark that is
#: not in the index yet. The update and delete triggers touch only rows already indexed
#: (migration 8), so an article changed or deleted before its batch was indexed is safe.
FTS_MARK = "fts.indexed_to"


def index_new(conn: Connection) -> int:
    """Index every article not in the full-text index yet, in one statement; return how
    many. Call in a write transaction. (PostgreSQL indexes each row itself, by its
    generated `fts` column.)"""
    if dialect(conn) == "postgresql":
        return 0
    mark = _fts_mark(conn)
    top = int(conn.execute("SELECT coalesce(max(id), 0) FROM articles").fetchone()[0])
    if top <= mark:
        return 0
    rows = conn.execute(
        "INSERT INTO articles_fts (rowid, title, summary, content) "
        "SELECT a.id, a.title, a.summary, a.content FROM articles a WHERE a.id > ? "
        "AND NOT EXISTS (SELECT 1 FROM articles_fts_docsize d WHERE d.id = a.id)",
        (mark,),
    ).rowcount
    _set_fts_mark(conn, top)
    return max(rows, 0)


def index_pending(db: Database) -> int:
    """`index_new` in its own transaction, if anything waits; return how many.

    Cheap when there is nothing to do (two indexed lookups), so searches call it first.
    """
    if db.dialect == "postgresql":
        return 0
    with db.reading() as conn:
        mark = _fts_mark(conn)
        top = int(conn.execute("SELECT coalesce(max(id), 0) FROM articles").fetchone()[0])
    if top <= mark or db.readonly:
        return 0
    with db.transaction() as conn:
        return index_new(conn)


def _fts_mark(conn: Connection) -> int:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (FTS_MARK,)).fetchone()
    return int(row[0]) if row else 0


def _set_fts_mark(conn: Connection, value: int) -> None:
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (FTS_MARK, str(value)),
    )


def content_hash(entry: Entry) -> str:
    """What an edit changes: title, text and link (not dates, which some feeds bump for nothing)."""
    text = "\x1f".join((entry.title, entry.summary, entry.content, entry.url or ""))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


@dataclass
class _Lookups:
    """Everything a batch needs to know about stored articles, fetched up front."""

    by_guid: dict[str, int]
    by_url: dict[str, int]
    by_global_guid: dict[str, int]
    by_title: dict[str, list[tuple[int, datetime | None]]]
    dead: set[str]

    @classmethod
    def load(
        cls, conn: Connection, feed: str, entries: Sequence[Entry], keys: Sequence[str | None]
    ) -> _Lookups:
        global_guids = [e.guid for e in entries if _is_global_guid(e.guid)]
        dated_keys = [k for e, k in zip(entries, keys, strict=True) if k and e.published is not None]
        return cls(
            by_guid=_known_guids(conn, feed, [e.guid for e in entries]),
            by_url=_known_urls(conn, [e.canonical_url for e in entries if e.canonical_url]),
            by_global_guid=_lookup(conn, "guid", global_guids),
            by_title=_titles(conn, dated_keys),
            dead=_tombstones(conn, feed, entries),
        )

    def elsewhere(self, conn: Connection, feed: str, entry: Entry, key: str | None) -> int | None:
        """The stored article this entry copies: same URL, same global guid, or same title nearby."""
        if entry.canonical_url and entry.canonical_url in self.by_url:
            return self.by_url[entry.canonical_url]
        if entry.guid in self.by_global_guid:
            return self.by_global_guid[entry.guid]
        if key is None or entry.published is None:
            return None
        for article_id, published in self.by_title.get(key, ()):
            if published is None or abs(published - entry.published) > SYNDICATION_WINDOW:
                continue
            # A feed repeating a headline (a daily briefing) is not syndication.
            if not _in_feed(conn, feed, article_id):
                return article_id
        return None


def _is_global_guid(guid: str) -> bool:
    return len(guid) > 12 and bool(_GLOBAL_GUID.match(guid))


def _lookup(conn: Connection, column: str, values: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in _chunks(values):
        rows = conn.execute(f"SELECT {column}, id FROM articles WHERE {column} IN ({_marks(chunk)})", chunk)
        for row in rows:
            found.setdefault(row[0], int(row[1]))
    return found


def _titles(conn: Connection, keys: list[str]) -> dict[str, list[tuple[int, datetime | None]]]:
    found: dict[str, list[tuple[int, datetime | None]]] = {}
    for chunk in _chunks(sorted(set(keys))):
        rows = conn.execute(
            f"SELECT title_key, id, published FROM articles WHERE title_key IN ({_marks(chunk)}) ORDER BY id",
            chunk,
        )
        for row in rows:
            found.setdefault(row[0], []).append((int(row[1]), from_db(row[2])))
    return found


def _in_feed(conn: Connection, feed: str, article_id: int) -> bool:
    row = conn.execute(
        "SELECT 1 FROM article_feeds WHERE article_id = ? AND feed = ? LIMIT 1", (article_id, feed)
    ).fetchone()
    return row is not None


def _maybe_update(conn: Connection, feed: str, article_id: int, entry: Entry, now: datetime) -> str:
    """Apply an edited entry to its article if allowed: `updated`, `deferred` or `same`."""
    row = conn.execute(
        "SELECT content_hash, changed, first_seen FROM articles WHERE id = ?", (article_id,)
    ).fetchone()
    if row is None:
        return "same"
    new_hash = content_hash(entry)
    if row["content_hash"] == new_hash:
        return "same"
    if _first_feed(conn, article_id) != feed:
        return "same"  # a copy on another feed never overwrites the original
    changed = from_db(row["changed"]) or from_db(row["first_seen"])
    if changed is not None and now - changed < UPDATE_MIN_INTERVAL:
        return "deferred"
    conn.execute(
        """
        UPDATE articles SET title = ?, summary = ?,
            content = CASE WHEN content_source = 'fulltext' THEN content ELSE ? END,
            url = coalesce(?, url),
            language = coalesce(?, language), published = coalesce(published, ?), updated = ?,
            author = coalesce(?, author), content_hash = ?, title_key = ?, last_seen = ?, changed = ?,
            update_count = update_count + 1
        WHERE id = ?
        """,
        (
            entry.title,
            entry.summary,
            entry.content,
            entry.url,
            entry.language,
            to_db(entry.published),
            to_db(entry.updated),
            entry.author,
            new_hash,
            title_key(entry.title),
            to_db(now),
            to_db(now),
            article_id,
        ),
    )
    return "updated"


def _first_feed(conn: Connection, article_id: int) -> str | None:
    row = conn.execute(
        "SELECT feed FROM article_feeds WHERE article_id = ? ORDER BY first_seen, rowid LIMIT 1",
        (article_id,),
    ).fetchone()
    return row[0] if row else None


def _insert(conn: Connection, entry: Entry, stamp: str, key: str | None) -> int | None:
    row = conn.execute(
        _INSERT_ARTICLE.replace("INSERT INTO articles (id, ", "INSERT INTO articles (").replace(
            "(?, ", "(", 1
        )
        + " ON CONFLICT DO NOTHING RETURNING id",
        _article_row(None, entry, stamp, key)[1:],
    ).fetchone()
    return int(row[0]) if row else None


def _touch(conn: Connection, ids: list[int], stamp: str) -> None:
    for chunk in _chunks(sorted(set(ids))):
        conn.execute(f"UPDATE articles SET last_seen = ? WHERE id IN ({_marks(chunk)})", (stamp, *chunk))


def _known_guids(conn: Connection, feed: str, guids: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in _chunks(guids):
        rows = conn.execute(
            f"SELECT guid, article_id FROM article_feeds WHERE feed = ? AND guid IN ({_marks(chunk)})",
            (feed, *chunk),
        )
        found.update({row[0]: int(row[1]) for row in rows})
    return found


def _known_urls(conn: Connection, urls: list[str]) -> dict[str, int]:
    return _lookup(conn, "canonical_url", urls)


def _tombstones(conn: Connection, feed: str, entries: Sequence[Entry]) -> set[str]:
    if conn.execute("SELECT 1 FROM article_tombstones LIMIT 1").fetchone() is None:
        return set()
    keys = [e.canonical_url for e in entries if e.canonical_url]
    keys += [_feed_key(feed, e.guid) for e in entries]
    dead: set[str] = set()
    for chunk in _chunks(keys):
        rows = conn.execute(f"SELECT key FROM article_tombstones WHERE key IN ({_marks(chunk)})", chunk)
        dead.update(row[0] for row in rows)
    return dead


def _feed_key(feed: str, guid: str) -> str:
    return f"{feed}\x1f{guid}"


# ---------------------------------------------------------------- deleting


def delete_articles(db: Database, article_ids: Sequence[int], *, reason: str = "deleted") -> int:
    """Delete articles and leave tombstones (canonical URL, each feed's guid) behind them."""
    now = to_db(utcnow())
    deleted = 0
    with db.transaction() as conn:
        for chunk in _chunks(sorted(set(article_ids))):
            marks = _marks(chunk)
            keys = [
                row[0]
                for row in conn.execute(
                    f"SELECT canonical_url FROM articles WHERE id IN ({marks}) AND canonical_url IS NOT NULL",
                    chunk,
                )
            ]
            keys += [
                _feed_key(row[0], row[1])
                for row in conn.execute(
                    f"SELECT feed, guid FROM article_feeds WHERE article_id IN ({marks})", chunk
                )
            ]
            conn.executemany(
                "INSERT INTO article_tombstones (key, deleted, reason) VALUES (?, ?, ?)"
                " ON CONFLICT (key) DO UPDATE SET deleted = excluded.deleted, reason = excluded.reason",
                [(key, now, reason) for key in keys],
            )
            deleted += conn.execute(f"DELETE FROM articles WHERE id IN ({marks})", chunk).rowcount
        # A deleted top id may be given again: the catch-up must look from below it.
        top = int(conn.execute("SELECT coalesce(max(id), 0) FROM articles").fetchone()[0])
        _set_fts_mark(conn, min(top, _fts_mark(conn)))
    return deleted


# ---------------------------------------------------------------- reading


def get_article(db: Database, article_id: int) -> Article:
    """One article with the feeds it came from; NotFoundError if there is none."""
    with db.reading() as conn:
        row = conn.execute(f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE id = ?", (article_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no article {article_id}")
        return row_to_article(row, _feeds_of(conn, [article_id]).get(article_id, ()))


def list_articles(
    db: Database,
    *,
    since: datetime | None = None,
    search: str | None = None,
    feed: str | None = None,
    limit: int = 50,
    unread: bool = False,
) -> list[Article]:
    """Articles newest first (by publication, else first seen), filtered; `search` is user text.

    `unread` keeps only those not marked read. Raises ValueError when `search` holds no
    searchable word.
    """
    where: list[str] = [UNREAD] if unread else []
    params: list[Any] = []
    if since is not None:
        where.append("coalesce(a.published, a.first_seen) >= ?")
        params.append(to_db(since))
    if feed:
        where.append("a.id IN (SELECT article_id FROM article_feeds WHERE feed = ?)")
        params.append(feed)
    if search is not None:
        clause, search_params = search_clause(search, db.dialect)
        where.append(clause)
        params.extend(search_params)
        index_pending(db)
    sql = f"SELECT {_prefixed(_ARTICLE_COLUMNS)} FROM articles a"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY coalesce(a.published, a.first_seen) DESC, a.id DESC LIMIT ?"
    params.append(max(1, limit))
    with db.reading() as conn:
        rows = conn.execute(sql, params).fetchall()
        feeds = _feeds_of(conn, [row["id"] for row in rows])
    return [row_to_article(row, feeds.get(row["id"], ())) for row in rows]


def count_by_feed(db: Database) -> dict[str, int]:
    with db.reading() as conn:
        rows = conn.execute("SELECT feed, count(*) FROM article_feeds GROUP BY feed")
        return {row[0]: int(row[1]) for row in rows}


# ---------------------------------------------------------------- full-text search

_TERM = re.compile(r'(-?)"([^"]*)"|(\S+)')
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af]")


@dataclass(frozen=True)
class SearchTerm:
    text: str
    negated: bool = False
    prefix: bool = False
    phrase: bool = False


def parse_search(text: str) -> list[SearchTerm]:
    """User search text as terms: words, "quoted phrases", -excluded, prefix* (no other syntax).

    Nothing the user types reaches FTS5 unquoted, so no input can be a syntax error or
    an injection into the query language.
    """
    terms: list[SearchTerm] = []
    for match in _TERM.finditer(text):
        if match.group(2) is not None:
            body = " ".join(match.group(2).split())
            if body:
                terms.append(SearchTerm(body, negated=bool(match.group(1)), phrase=True))
            continue
        word = match.group(3)
        negated = word.startswith("-") and len(word) > 1
        word = word[1:] if negated else word
        prefix = word.endswith("*") and len(word) > 1
        word = word.rstrip("*").strip("\"'")
        if word and any(ch.isalnum() for ch in word):
            terms.append(SearchTerm(word, negated=negated, prefix=prefix))
    return terms


def search_clause(text: str, dialect: str = "sqlite") -> tuple[str, list[Any]]:
    """A WHERE clause (over alias `a`) for the search text, and its parameters.

    Words go to the FTS5 index, each quoted. Chinese and Japanese have no spaces, and
    the index's unicode61 tokenizer keeps a whole run of CJK characters as one token, so
    CJK terms are matched as substrings instead (slower, but correct), in both their
    simplified and traditional forms. Cyrillic needs nothing more: unicode61 folds case
    and, with remove_diacritics, reads ё as е.

    On PostgreSQL the same terms become a `tsquery` over the `fts` column ('simple'
    configuration: folded case, no stemming), each term passed as a parameter and
    quoted by the server's own `quote_literal`, so no input is query syntax there either.
    """
    if dialect == "postgresql":
        return _pg_search_clause(text)
    terms = parse_search(text)
    if not any(not t.negated for t in terms):
        raise ValueError(f"expected at least one word to search for, got {text!r}")
    clauses: list[str] = []
    params: list[Any] = []
    fts_positive = [t for t in terms if not t.negated and not _CJK.search(t.text)]
    fts_negative = [t for t in terms if t.negated and not _CJK.search(t.text)]
    if fts_positive:
        query = " ".join(_fts_term(t) for t in fts_positive)
        query += "".join(f" NOT {_fts_term(t)}" for t in fts_negative)
        clauses.append("a.id IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)")
        params.append(query)
    elif fts_negative:
        query = " OR ".join(_fts_term(t) for t in fts_negative)
        clauses.append("a.id NOT IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)")
        params.append(query)
    for term in (t for t in terms if _CJK.search(t.text)):
        # 主权 also finds 主權: the term in its simplified and traditional forms (OpenCC).
        variants = han_variants(term.text)
        one = "instr(a.title, ?) > 0 OR instr(a.summary, ?) > 0 OR instr(a.content, ?) > 0"
        test = "(" + " OR ".join([one] * len(variants)) + ")"
        clauses.append(f"NOT {test}" if term.negated else test)
        for variant in variants:
            params.extend([variant] * 3)
    return "(" + " AND ".join(clauses) + ")", params


def _pg_search_clause(text: str) -> tuple[str, list[Any]]:
    terms = parse_search(text)
    if not any(not t.negated for t in terms):
        raise ValueError(f"expected at least one word to search for, got {text!r}")
    clauses: list[str] = []
    params: list[Any] = []
    for term in terms:
        if _CJK.search(term.text):
            variants = han_variants(term.text)
            one = "strpos(a.title, ?) > 0 OR strpos(a.summary, ?) > 0 OR strpos(a.content, ?) > 0"
            test = "(" + " OR ".join([one] * len(variants)) + ")"
            for variant in variants:
                params.extend([variant] * 3)
        else:
            forms = yo_variants(term.text)
            test = "(" + " OR ".join([_PG_TERM[_pg_kind(term)]] * len(forms)) + ")"
            params.extend(forms)
        clauses.append(f"NOT {test}" if term.negated else test)
    return "(" + " AND ".join(clauses) + ")", params


#: One search term as a test of the `fts` column; the term is always a parameter.
_PG_TERM = {
    "word": "a.fts @@ plainto_tsquery('simple', ?)",
    "phrase": "a.fts @@ phraseto_tsquery('simple', ?)",
    "prefix": "a.fts @@ to_tsquery('simple', quote_literal(lower(?)) || ':*')",
}


def _pg_kind(term: SearchTerm) -> str:
    if term.phrase:
        return "phrase"
    return "prefix" if term.prefix else "word"


def _fts_term(term: SearchTerm) -> str:
    """The term quoted for FTS5; a Russian word in each of its е/ё spellings, OR-ed.

    unicode61 folds Cyrillic case but reads ё and е as different letters, and Russian
    writes either (ещё, еще): "СУВЕРЕНИТЁТ" must find "суверенитет" and the reverse.
    """
    forms = yo_variants(term.text)
    quoted = ['"' + form.replace('"', '""') + '"' + ("*" if term.prefix else "") for form in forms]
    return quoted[0] if len(quoted) == 1 else "(" + " OR ".join(quoted) + ")"


# ---------------------------------------------------------------- helpers


def _feeds_of(conn: Connection, ids: list[int]) -> dict[int, tuple[str, ...]]:
    out: dict[int, list[str]] = {}
    for chunk in _chunks(ids):
        rows = conn.execute(
            f"SELECT article_id, feed FROM article_feeds WHERE article_id IN ({_marks(chunk)}) "
            "ORDER BY first_seen, rowid",
            chunk,
        )
        for row in rows:
            out.setdefault(int(row[0]), []).append(row[1])
    return {key: tuple(value) for key, value in out.items()}


def row_to_article(row: Row, feeds: tuple[str, ...] = ()) -> Article:
    """An `articles` row as an Article; the one place that knows the columns."""
    return Article(
        id=int(row["id"]),
        guid=row["guid"],
        url=row["url"],
        canonical_url=row["canonical_url"],
        title=row["title"] or "",
        summary=row["summary"] or "",
        content=row["content"] or "",
        language=row["language"],
        published=from_db(row["published"]),
        first_seen=from_db(row["first_seen"]) or utcnow(),
        updated=from_db(row["updated"]),
        feeds=feeds,
        content_source=row["content_source"] or "feed",
        fulltext_at=from_db(row["fulltext_at"]),
    )


def _prefixed(columns: str) -> str:
    return ", ".join(f"a.{c.strip()}" for c in columns.split(","))


def _marks(items: Sequence[Any]) -> str:
    return ",".join("?" * len(items))


def _chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]
