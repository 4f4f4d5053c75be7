"""Queries of the `feed_state` table: what the database remembers about each feed.

ETag and Last-Modified are stored exactly as the server sent them (opaque strings);
times are ISO 8601 UTC text. The article count is computed from `article_feeds`, never
stored, so it cannot drift.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from tracker.storage.db import Connection, Database, Row, dialect, from_db, to_db
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


def save_states(db: Database, states: Iterable[FeedState], *, release: str | None = None) -> None:
    """Several states in one transaction (used for feeds that produced no articles);
    with `release`, that lease owner's leases on them end in the same transaction."""
    states = list(states)
    with db.transaction() as conn:
        for state in states:
            save_state(conn, state)
        if release:
            release_feeds(conn, [state.name for state in states], release)


# ---------------------------------------------------------------- leases (several watchers)


def claim_feeds(
    db: Database,
    feeds: Sequence[tuple[str, str]],
    owner: str,
    now: datetime,
    until: datetime,
    *,
    due_only: bool,
) -> set[str]:
    """Claim these (name, url) feeds for `owner` until `until`; the names claimed.

    A feed is claimed when no live lease holds it (none, an expired one, or the owner's
    own) and, with `due_only`, when it is due in the database *now* (another watcher
    may have polled it a moment ago). On PostgreSQL the candidate rows are locked with
    FOR UPDATE SKIP LOCKED, so watchers claiming at the same instant never wait for
    each other and never take the same feed; SQLite has one writer, which is enough.
    Feeds never polled get their row first, so they can be leased too.
    """
    if not feeds:
        return set()
    stamp, expiry = to_db(now), to_db(until)
    claimed: set[str] = set()
    with db.transaction(exclusive=False) as conn:
        conn.executemany(
            "INSERT INTO feed_state (name, url) VALUES (?, ?) ON CONFLICT (name) DO NOTHING", list(feeds)
        )
        lock = " FOR UPDATE SKIP LOCKED" if dialect(conn) == "postgresql" else ""
        due = " AND (next_due IS NULL OR next_due <= ?)" if due_only else ""
        names = [name for name, _url in feeds]
        for start in range(0, len(names), 500):
            chunk = names[start : start + 500]
            params: list[Any] = [*chunk, stamp, owner]
            if due_only:
                params.append(stamp)
            rows = conn.execute(
                f"SELECT name FROM feed_state WHERE name IN ({','.join('?' * len(chunk))})"
                f" AND (lease_until IS NULL OR lease_until < ? OR lease_owner = ?){due}{lock}",
                params,
            ).fetchall()
            taken = [row[0] for row in rows]
            if taken:
                conn.execute(
                    f"UPDATE feed_state SET lease_owner = ?, lease_until = ?"
                    f" WHERE name IN ({','.join('?' * len(taken))})",
                    (owner, expiry, *taken),
                )
                claimed.update(taken)
    return claimed


def renew_leases(db: Database, names: Sequence[str], owner: str, until: datetime) -> int:
    """Hold `owner`'s live leases on these feeds until `until`; how many it still held.

    A pass longer than its lease renews it (tracker.feeds.pipeline), so no other
    watcher takes a feed it has not finished. A lease already released (the feed's
    state saved) or taken over by another owner is left alone: renewing never claims.
    """
    renewed = 0
    expiry = to_db(until)
    with db.transaction(exclusive=False) as conn:
        for start in range(0, len(names), 500):
            chunk = list(names[start : start + 500])
            renewed += conn.execute(
                "UPDATE feed_state SET lease_until = ?"
                f" WHERE lease_owner = ? AND name IN ({','.join('?' * len(chunk))})",
                (expiry, owner, *chunk),
            ).rowcount
    return renewed


def release_feeds(conn: Connection, names: Sequence[str], owner: str) -> None:
    """End `owner`'s leases on these feeds (call in the transaction that saves their state)."""
    for start in range(0, len(names), 500):
        chunk = list(names[start : start + 500])
        conn.execute(
            "UPDATE feed_state SET lease_owner = NULL, lease_until = NULL"
            f" WHERE lease_owner = ? AND name IN ({','.join('?' * len(chunk))})",
            (owner, *chunk),
        )


def release_all(db: Database, owner: str) -> int:
    """End every lease `owner` holds (a watcher stopping); how many there were."""
    with db.transaction(exclusive=False) as conn:
        return int(
            conn.execute(
                "UPDATE feed_state SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ?", (owner,)
            ).rowcount
        )


def leases(db: Database, now: datetime) -> dict[str, list[str]]:
    """The live leases: owner → feed names."""
    held: dict[str, list[str]] = {}
    with db.reading() as conn:
        rows = conn.execute(
            "SELECT lease_owner, name FROM feed_state WHERE lease_owner IS NOT NULL AND lease_until >= ?"
            " ORDER BY name",
            (to_db(now),),
        )
        for row in rows:
            held.setdefault(row[0], []).append(row[1])
    return held


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
