"""Queries of the `feed_state` table: what the database remembers about each feed.

ETag and Last-Modified are stored exactly as the server sent them (opaque strings);
times are ISO 8601 UTC text. The article count is computed from `article_feeds`, never
stored, so it cannot drift.
"""

from __future__ import annotations

from collections.abc import Iterable

from tracker.storage.db import Connection, Database, Row, from_db, to_db
from tracker.types import FeedState

_COLUMNS = (
    "name, url, etag, last_modified, body_hash, last_attempt, last_success, last_error, "
    "failures, next_due, disabled_reason, note, config_url, last_error_at, last_status"
)

#: Every column but the key, taken from the row being saved (an upsert on both backends).
_UPDATE = ", ".join(f"{c.strip()} = excluded.{c.strip()}" for c in _COLUMNS.split(",")[1:])


def get_state(db: Database, name: str) -> FeedState | None:
    """The remembered state of one feed (with its article count), or None if never polled."""
    with db.reading() as conn:
        row = conn.execute(f"SELECT {_COLUMNS} FROM feed_state WHERE name = ?", (name,)).fetchone()
        if row is None:
            return None
        return _state(row, _count(conn, name))


def all_states(db: Database, *, with_counts: bool = True) -> dict[str, FeedState]:
    """Every remembered feed state by name, in one snapshot.

    Article counts scan `article_feeds`; the poller does not need them, so it says so.
    """
    with db.reading() as conn:
        counts = article_counts(conn) if with_counts else {}
        rows = conn.execute(f"SELECT {_COLUMNS} FROM feed_state ORDER BY name").fetchall()
        return {row["name"]: _state(row, counts.get(row["name"], 0)) for row in rows}


def article_counts(conn: Connection) -> dict[str, int]:
    """Articles per feed name (from `article_feeds`, so ingested sources count too)."""
    rows = conn.execute("SELECT feed, count(*) AS n FROM article_feeds GROUP BY feed")
    return {row["feed"]: int(row["n"]) for row in rows}


def save_state(conn: Connection, state: FeedState) -> None:
    """Insert or replace one feed's state; call inside `db.transaction()`."""
    conn.execute(
        f"INSERT INTO feed_state ({_COLUMNS}) VALUES ({', '.join('?' * 15)}) ON CONFLICT (name) DO UPDATE"
        f" SET {_UPDATE}",
        (
            state.name,
            state.url,
            state.etag,
            state.last_modified,
            state.body_hash,
            to_db(state.last_attempt),
            to_db(state.last_success),
            state.last_error,
            state.failures,
            to_db(state.next_due),
            state.disabled_reason,
            state.note,
            state.config_url,
            to_db(state.last_error_at),
            state.last_status,
        ),
    )


def save_states(db: Database, states: Iterable[FeedState]) -> None:
    """Several states in one transaction (used for feeds that produced no articles)."""
    with db.transaction() as conn:
        for state in states:
            save_state(conn, state)


def forget(db: Database, name: str) -> bool:
    """Drop a feed's state (its articles stay); True if there was one."""
    with db.transaction() as conn:
        return conn.execute("DELETE FROM feed_state WHERE name = ?", (name,)).rowcount > 0


def _count(conn: Connection, name: str) -> int:
    return int(conn.execute("SELECT count(*) FROM article_feeds WHERE feed = ?", (name,)).fetchone()[0])


def _state(row: Row, count: int) -> FeedState:
    return FeedState(
        name=row["name"],
        url=row["url"],
        etag=row["etag"],
        last_modified=row["last_modified"],
        body_hash=row["body_hash"],
        last_attempt=from_db(row["last_attempt"]),
        last_success=from_db(row["last_success"]),
        last_error=row["last_error"],
        failures=int(row["failures"] or 0),
        next_due=from_db(row["next_due"]),
        disabled_reason=row["disabled_reason"],
        note=row["note"],
        article_count=count,
        config_url=row["config_url"],
        last_error_at=from_db(row["last_error_at"]),
        last_status=row["last_status"],
    )
