"""Numbered schema migrations, for SQLite and PostgreSQL. Append only: never edit one that has shipped.

Times are ISO 8601 UTC text on both backends (they sort as text, and a copy between
backends moves them unchanged). JSON columns hold small lists (matched terms, rule ids).

Each migration has the same number on both backends, so `schema_version` means the same
thing everywhere and `tracker db copy` can refuse a target of another version. The
PostgreSQL texts differ where the dialects do: identity columns for ids, a `tsvector`
column with a GIN index instead of FTS5, PL/pgSQL triggers for the append-only tables,
BYTEA for blobs. `article_feeds` gets an explicit `rowid` there (SQLite has one
implicitly), so "the first feed an article came from" reads the same on both.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    sqlite: str
    postgresql: str


# 7 (both backends): several watchers on one database. A feed is polled by the watcher
# holding its lease (claimed when due, released with the poll's state, taken over by
# another once `lease_until` passes: a watcher killed with SIGKILL); `watchers` is who
# is alive, for `tracker watchers`.
_WATCHERS = """
    ALTER TABLE feed_state ADD COLUMN lease_owner TEXT;
    ALTER TABLE feed_state ADD COLUMN lease_until TEXT;
    CREATE TABLE watchers (
        id TEXT PRIMARY KEY,
        host TEXT NOT NULL,
        pid INTEGER NOT NULL,
        started TEXT NOT NULL,
        seen TEXT NOT NULL,
        polls INTEGER NOT NULL DEFAULT 0,
        last_feed TEXT
    );
"""

_SQLITE: list[str] = [
    # 1: the first schema
    """
    CREATE TABLE feed_state (
        name TEXT PRIMARY KEY,
        url TEXT NOT NULL,
        etag TEXT,
        last_modified TEXT,
        body_hash TEXT,
        last_attempt TEXT,
        last_success TEXT,
        last_error TEXT,
        failures INTEGER NOT NULL DEFAULT 0,
        next_due TEXT,
        disabled_reason TEXT,
        note TEXT
    );

    CREATE TABLE articles (
        id INTEGER PRIMARY KEY,
        guid TEXT NOT NULL,
        url TEXT,
        canonical_url TEXT,
        title TEXT NOT NULL DEFAULT '',
        summary TEXT NOT NULL DEFAULT '',
        content TEXT NOT NULL DEFAULT '',
        language TEXT,
        published TEXT,
        updated TEXT,
        author TEXT,
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        title_key TEXT,
        update_count INTEGER NOT NULL DEFAULT 0
    );
    CREATE UNIQUE INDEX articles_canonical_url ON articles(canonical_url)
        WHERE canonical_url IS NOT NULL;
    CREATE INDEX articles_guid ON articles(guid);
    CREATE INDEX articles_published ON articles(published);
    CREATE INDEX articles_first_seen ON articles(first_seen);
    CREATE INDEX articles_title_key ON articles(title_key);

    -- every feed an article came from, with the guid that feed used for it
    CREATE TABLE article_feeds (
        feed TEXT NOT NULL,
        guid TEXT NOT NULL,
        article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        first_seen TEXT NOT NULL,
        PRIMARY KEY (feed, guid)
    );
    CREATE INDEX article_feeds_article ON article_feeds(article_id);

    CREATE VIRTUAL TABLE articles_fts USING fts5(
        title, summary, content,
        content='articles', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER articles_ai AFTER INSERT ON articles BEGIN
        INSERT INTO articles_fts(rowid, title, summary, content)
        VALUES (new.id, new.title, new.summary, new.content);
    END;
    CREATE TRIGGER articles_ad AFTER DELETE ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, summary, content)
        VALUES ('delete', old.id, old.title, old.summary, old.content);
    END;
    CREATE TRIGGER articles_au AFTER UPDATE OF title, summary, content ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, summary, content)
        VALUES ('delete', old.id, old.title, old.summary, old.content);
        INSERT INTO articles_fts(rowid, title, summary, content)
        VALUES (new.id, new.title, new.summary, new.content);
    END;

    -- one signal per (article, commitment); rule_ids lists every rule that linked them
    CREATE TABLE signals (
        id INTEGER PRIMARY KEY,
        article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        commitment_id TEXT NOT NULL,
        rule_ids TEXT NOT NULL,
        score REAL NOT NULL,
        relation TEXT NOT NULL,
        hits TEXT NOT NULL,
        dates TEXT NOT NULL DEFAULT '[]',
        created TEXT NOT NULL,
        updated TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'retracted')),
        review TEXT CHECK (review IN ('confirmed', 'rejected')),
        strength TEXT,
        note TEXT,
        reviewed_at TEXT,
        reviewer TEXT,
        UNIQUE (article_id, commitment_id)
    );
    CREATE INDEX signals_commitment ON signals(commitment_id, state);
    CREATE INDEX signals_review ON signals(review, state);
    CREATE INDEX signals_created ON signals(created);

    -- every review action, appended, so a review can always be traced
    CREATE TABLE reviews (
        id INTEGER PRIMARY KEY,
        signal_id INTEGER NOT NULL REFERENCES signals(id),
        action TEXT NOT NULL,
        relation TEXT,
        strength TEXT,
        note TEXT,
        reviewer TEXT,
        at TEXT NOT NULL
    );
    CREATE INDEX reviews_signal ON reviews(signal_id);

    -- confirmed signals and sources added by hand
    CREATE TABLE evidence (
        id INTEGER PRIMARY KEY,
        commitment_id TEXT NOT NULL,
        signal_id INTEGER UNIQUE REFERENCES signals(id),
        relation TEXT NOT NULL,
        strength TEXT,
        title TEXT NOT NULL,
        url TEXT,
        publisher TEXT,
        date TEXT,
        note TEXT,
        added TEXT NOT NULL,
        added_by TEXT,
        withdrawn TEXT
    );
    CREATE INDEX evidence_commitment ON evidence(commitment_id);

    CREATE TABLE assessments (
        id INTEGER PRIMARY KEY,
        commitment_id TEXT NOT NULL,
        party TEXT NOT NULL DEFAULT 'joint',
        status TEXT NOT NULL,
        rationale TEXT NOT NULL,
        confidence TEXT,
        evidence_ids TEXT NOT NULL DEFAULT '[]',
        assessor TEXT,
        created TEXT NOT NULL
    );
    CREATE INDEX assessments_commitment ON assessments(commitment_id, party, created);

    CREATE TABLE status_history (
        id INTEGER PRIMARY KEY,
        commitment_id TEXT NOT NULL,
        status TEXT NOT NULL,
        origin TEXT NOT NULL,
        at TEXT NOT NULL,
        reason TEXT NOT NULL,
        evidence_ids TEXT NOT NULL DEFAULT '[]'
    );
    CREATE INDEX status_history_commitment ON status_history(commitment_id, at);

    CREATE TABLE snapshots (
        name TEXT PRIMARY KEY,
        created TEXT NOT NULL,
        data TEXT NOT NULL
    );
    CREATE TRIGGER snapshots_immutable BEFORE UPDATE ON snapshots BEGIN
        SELECT RAISE(ABORT, 'snapshots are immutable');
    END;
    CREATE TRIGGER snapshots_undeletable BEFORE DELETE ON snapshots BEGIN
        SELECT RAISE(ABORT, 'snapshots are immutable');
    END;

    -- small key/value facts: the fingerprint of the rules last matched, etc.
    CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
    # 2: feed watcher: per-feed health details, article change times, tombstones
    """
    -- the URL feeds/*.yaml had when the state was saved (a permanent redirect changes `url`)
    ALTER TABLE feed_state ADD COLUMN config_url TEXT;
    ALTER TABLE feed_state ADD COLUMN last_error_at TEXT;
    ALTER TABLE feed_state ADD COLUMN last_status INTEGER;

    -- when the stored text last changed, to limit how often an edited entry counts as updated
    ALTER TABLE articles ADD COLUMN changed TEXT;

    -- deleted articles' identity keys (canonical URL or feed+guid), so they never return
    CREATE TABLE article_tombstones (
        key TEXT PRIMARY KEY,
        deleted TEXT NOT NULL,
        reason TEXT
    );
    """,
    # 3: the analyst's records: evidence from a document reference; append-only logs enforced
    """
    -- evidence added by hand from a document (a note verbale, a treaty text) rather than a URL
    ALTER TABLE evidence ADD COLUMN document TEXT;

    -- assessments, the review log and the status history are appended, never edited:
    -- what a published figure rested on must stay traceable
    CREATE TRIGGER assessments_no_update BEFORE UPDATE ON assessments BEGIN
        SELECT RAISE(ABORT, 'assessments are append-only');
    END;
    CREATE TRIGGER reviews_no_update BEFORE UPDATE ON reviews BEGIN
        SELECT RAISE(ABORT, 'the review log is append-only');
    END;
    CREATE TRIGGER reviews_no_delete BEFORE DELETE ON reviews BEGIN
        SELECT RAISE(ABORT, 'the review log is append-only');
    END;
    CREATE TRIGGER status_history_no_update BEFORE UPDATE ON status_history BEGIN
        SELECT RAISE(ABORT, 'status history is append-only');
    END;
    CREATE TRIGGER status_history_no_delete BEFORE DELETE ON status_history BEGIN
        SELECT RAISE(ABORT, 'status history is append-only');
    END;
    CREATE INDEX reviews_at ON reviews(at);
    """,
    # 4: full text of articles from their pages; archived copies (WARC) of evidence pages
    """
    -- where `content` came from: NULL (the feed) or 'fulltext' (extracted from the page)
    ALTER TABLE articles ADD COLUMN content_source TEXT;
    ALTER TABLE articles ADD COLUMN fulltext_at TEXT;

    -- each article's page tried once for its full text; a refusal is remembered with its reason
    CREATE TABLE article_pages (
        article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        url TEXT NOT NULL,
        fetched_at TEXT NOT NULL,
        status TEXT NOT NULL,
        http_status INTEGER,
        note TEXT
    );

    -- every archived copy of an evidence page (a WARC file under .tracker/archive/), newest last
    CREATE TABLE evidence_archives (
        id INTEGER PRIMARY KEY,
        evidence_id INTEGER NOT NULL REFERENCES evidence(id),
        url TEXT NOT NULL,
        archived_at TEXT NOT NULL,
        path TEXT NOT NULL UNIQUE,
        sha256 TEXT NOT NULL,
        file_sha256 TEXT NOT NULL,
        size INTEGER NOT NULL,
        http_status INTEGER,
        content_type TEXT,
        truncated INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX evidence_archives_evidence ON evidence_archives(evidence_id, id);

    -- what the live page of archived evidence answered when last checked
    CREATE TABLE evidence_sources (
        evidence_id INTEGER PRIMARY KEY REFERENCES evidence(id),
        checked_at TEXT NOT NULL,
        http_status INTEGER,
        gone_since TEXT
    );

    -- archive files carried inside a backup (empty in a live database; see review.archive)
    CREATE TABLE archive_files (
        path TEXT PRIMARY KEY,
        sha256 TEXT NOT NULL,
        data BLOB NOT NULL
    );
    """,
    # 5: what the analyst has read; asking a running watcher to poll now
    """
    -- articles an analyst marked read (a row per read article; unread is no row)
    CREATE TABLE article_reads (
        article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        read_at TEXT NOT NULL
    );

    -- "poll now" requests from `tracker poll-now` or the dashboard; the watcher takes them
    CREATE TABLE poll_requests (
        id INTEGER PRIMARY KEY,
        feed TEXT,                 -- NULL: every enabled feed
        requested TEXT NOT NULL,
        requested_by TEXT,
        taken TEXT                 -- when a watcher took it; NULL while it waits
    );
    CREATE INDEX poll_requests_waiting ON poll_requests(taken, id);
    """,
    # 6: full-text rows are written by the batch that stores the articles, not a trigger per row
    """
    -- storage.articles.index_articles indexes each batch of new articles in one statement;
    -- updates and deletes (rare) keep their triggers
    DROP TRIGGER articles_ai;
    -- every article so far was indexed by the trigger
    INSERT INTO meta (key, value) SELECT 'fts.indexed_to', coalesce(max(id), 0) FROM articles WHERE true
        ON CONFLICT (key) DO UPDATE SET value = excluded.value;
    """,
    _WATCHERS,
    # 8: the search index is filled in batches of thousands, possibly after a later write
    # changed or deleted a row of the batch: the triggers touch only rows already indexed
    """
    DROP TRIGGER articles_ad;
    DROP TRIGGER articles_au;
    CREATE TRIGGER articles_ad AFTER DELETE ON articles
    WHEN EXISTS (SELECT 1 FROM articles_fts_docsize d WHERE d.id = old.id) BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, summary, content)
        VALUES ('delete', old.id, old.title, old.summary, old.content);
    END;
    CREATE TRIGGER articles_au AFTER UPDATE OF title, summary, content ON articles
    WHEN EXISTS (SELECT 1 FROM articles_fts_docsize d WHERE d.id = old.id) BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, summary, content)
        VALUES ('delete', old.id, old.title, old.summary, old.content);
        INSERT INTO articles_fts(rowid, title, summary, content)
        VALUES (new.id, new.title, new.summary, new.content);
    END;
    """,
]

_APPEND_ONLY = """
    CREATE FUNCTION tracker_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '%', TG_ARGV[0];
    END $$;
"""

_POSTGRESQL: list[str] = [
    # 1: the first schema
    """
    CREATE TABLE feed_state (
        name TEXT PRIMARY KEY,
        url TEXT NOT NULL,
        etag TEXT,
        last_modified TEXT,
        body_hash TEXT,
        last_attempt TEXT,
        last_success TEXT,
        last_error TEXT,
        failures INTEGER NOT NULL DEFAULT 0,
        next_due TEXT,
        disabled_reason TEXT,
        note TEXT
    );
    CREATE TABLE articles (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        guid TEXT NOT NULL,
        url TEXT,
        canonical_url TEXT,
        title TEXT NOT NULL DEFAULT '',
        summary TEXT NOT NULL DEFAULT '',
        content TEXT NOT NULL DEFAULT '',
        language TEXT,
        published TEXT,
        updated TEXT,
        author TEXT,
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        title_key TEXT,
        update_count INTEGER NOT NULL DEFAULT 0,
        -- full-text search: kept by PostgreSQL itself, in the 'simple' configuration
        -- (no stemming: the tracker searches English, Russian and Chinese alike)
        fts TSVECTOR GENERATED ALWAYS AS (
            to_tsvector('simple', title || ' ' || summary || ' ' || content)
        ) STORED
    );
    CREATE UNIQUE INDEX articles_canonical_url ON articles(canonical_url)
        WHERE canonical_url IS NOT NULL;
    CREATE INDEX articles_guid ON articles(guid);
    CREATE INDEX articles_published ON articles(published);
    CREATE INDEX articles_first_seen ON articles(first_seen);
    CREATE INDEX articles_title_key ON articles(title_key);
    CREATE INDEX articles_fts ON articles USING gin (fts);
    CREATE TABLE article_feeds (
        rowid BIGINT GENERATED ALWAYS AS IDENTITY,
        feed TEXT NOT NULL,
        guid TEXT NOT NULL,
        article_id BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        first_seen TEXT NOT NULL,
        PRIMARY KEY (feed, guid)
    );
    CREATE INDEX article_feeds_article ON article_feeds(article_id);
    CREATE TABLE signals (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        article_id BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        commitment_id TEXT NOT NULL,
        rule_ids TEXT NOT NULL,
        score DOUBLE PRECISION NOT NULL,
        relation TEXT NOT NULL,
        hits TEXT NOT NULL,
        dates TEXT NOT NULL DEFAULT '[]',
        created TEXT NOT NULL,
        updated TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'retracted')),
        review TEXT CHECK (review IN ('confirmed', 'rejected')),
        strength TEXT,
        note TEXT,
        reviewed_at TEXT,
        reviewer TEXT,
        UNIQUE (article_id, commitment_id)
    );
    CREATE INDEX signals_commitment ON signals(commitment_id, state);
    CREATE INDEX signals_review ON signals(review, state);
    CREATE INDEX signals_created ON signals(created);
    CREATE TABLE reviews (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        signal_id BIGINT NOT NULL REFERENCES signals(id),
        action TEXT NOT NULL,
        relation TEXT,
        strength TEXT,
        note TEXT,
        reviewer TEXT,
        at TEXT NOT NULL
    );
    CREATE INDEX reviews_signal ON reviews(signal_id);
    CREATE TABLE evidence (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        commitment_id TEXT NOT NULL,
        signal_id BIGINT UNIQUE REFERENCES signals(id),
        relation TEXT NOT NULL,
        strength TEXT,
        title TEXT NOT NULL,
        url TEXT,
        publisher TEXT,
        date TEXT,
        note TEXT,
        added TEXT NOT NULL,
        added_by TEXT,
        withdrawn TEXT
    );
    CREATE INDEX evidence_commitment ON evidence(commitment_id);
    CREATE TABLE assessments (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        commitment_id TEXT NOT NULL,
        party TEXT NOT NULL DEFAULT 'joint',
        status TEXT NOT NULL,
        rationale TEXT NOT NULL,
        confidence TEXT,
        evidence_ids TEXT NOT NULL DEFAULT '[]',
        assessor TEXT,
        created TEXT NOT NULL
    );
    CREATE INDEX assessments_commitment ON assessments(commitment_id, party, created);
    CREATE TABLE status_history (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        commitment_id TEXT NOT NULL,
        status TEXT NOT NULL,
        origin TEXT NOT NULL,
        at TEXT NOT NULL,
        reason TEXT NOT NULL,
        evidence_ids TEXT NOT NULL DEFAULT '[]'
    );
    CREATE INDEX status_history_commitment ON status_history(commitment_id, at);
    CREATE TABLE snapshots (
        name TEXT PRIMARY KEY,
        created TEXT NOT NULL,
        data TEXT NOT NULL
    );
    """
    + _APPEND_ONLY
    + """
    CREATE TRIGGER snapshots_immutable BEFORE UPDATE OR DELETE ON snapshots
        FOR EACH ROW EXECUTE FUNCTION tracker_refuse('snapshots are immutable');
    CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
    # 2
    """
    ALTER TABLE feed_state ADD COLUMN config_url TEXT;
    ALTER TABLE feed_state ADD COLUMN last_error_at TEXT;
    ALTER TABLE feed_state ADD COLUMN last_status INTEGER;
    ALTER TABLE articles ADD COLUMN changed TEXT;
    CREATE TABLE article_tombstones (
        key TEXT PRIMARY KEY,
        deleted TEXT NOT NULL,
        reason TEXT
    );
    """,
    # 3
    """
    ALTER TABLE evidence ADD COLUMN document TEXT;
    CREATE TRIGGER assessments_no_update BEFORE UPDATE ON assessments
        FOR EACH ROW EXECUTE FUNCTION tracker_refuse('assessments are append-only');
    CREATE TRIGGER reviews_no_change BEFORE UPDATE OR DELETE ON reviews
        FOR EACH ROW EXECUTE FUNCTION tracker_refuse('the review log is append-only');
    CREATE TRIGGER status_history_no_change BEFORE UPDATE OR DELETE ON status_history
        FOR EACH ROW EXECUTE FUNCTION tracker_refuse('status history is append-only');
    CREATE INDEX reviews_at ON reviews(at);
    """,
    # 4
    """
    ALTER TABLE articles ADD COLUMN content_source TEXT;
    ALTER TABLE articles ADD COLUMN fulltext_at TEXT;
    CREATE TABLE article_pages (
        article_id BIGINT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        url TEXT NOT NULL,
        fetched_at TEXT NOT NULL,
        status TEXT NOT NULL,
        http_status INTEGER,
        note TEXT
    );
    CREATE TABLE evidence_archives (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        evidence_id BIGINT NOT NULL REFERENCES evidence(id),
        url TEXT NOT NULL,
        archived_at TEXT NOT NULL,
        path TEXT NOT NULL UNIQUE,
        sha256 TEXT NOT NULL,
        file_sha256 TEXT NOT NULL,
        size BIGINT NOT NULL,
        http_status INTEGER,
        content_type TEXT,
        truncated INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX evidence_archives_evidence ON evidence_archives(evidence_id, id);
    CREATE TABLE evidence_sources (
        evidence_id BIGINT PRIMARY KEY REFERENCES evidence(id),
        checked_at TEXT NOT NULL,
        http_status INTEGER,
        gone_since TEXT
    );
    CREATE TABLE archive_files (
        path TEXT PRIMARY KEY,
        sha256 TEXT NOT NULL,
        data BYTEA NOT NULL
    );
    """,
    # 5
    """
    CREATE TABLE article_reads (
        article_id BIGINT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        read_at TEXT NOT NULL
    );
    CREATE TABLE poll_requests (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        feed TEXT,
        requested TEXT NOT NULL,
        requested_by TEXT,
        taken TEXT
    );
    CREATE INDEX poll_requests_waiting ON poll_requests(taken, id);
    """,
    # 6: PostgreSQL indexes every row by its generated column; nothing to catch up, ever
    """
    INSERT INTO meta (key, value) VALUES ('fts.indexed_to', '0') ON CONFLICT (key) DO NOTHING;
    """,
    _WATCHERS,
    # 8: nothing to do: the generated `fts` column follows every write
    """
    SELECT 1;
    """,
]

MIGRATIONS: list[Migration] = [
    Migration(sqlite=lite, postgresql=pg) for lite, pg in zip(_SQLITE, _POSTGRESQL, strict=True)
]
