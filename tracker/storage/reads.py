"""Read state of articles and "poll now" requests: small tables the faces and the watcher share.

Read state: a row in `article_reads` per article the analyst marked read, so 400
unmatched articles can be worked through and the rest found with "unread only".

Poll requests: `tracker poll-now` and the dashboard insert a row; a running watcher
checks the table every few seconds, takes the waiting rows in one transaction (so two
watchers never both take one) and polls. Going through the database is what makes it
work across processes, users and machines sharing the workspace.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from tracker.storage.db import Database, to_db

_CHUNK = 500


def set_read(db: Database, article_ids: Sequence[int], read: bool, at: datetime) -> int:
    """Mark the articles read (or unread again); how many changed."""
    changed = 0
    with db.transaction() as conn:
        for start in range(0, len(article_ids), _CHUNK):
            chunk = list(article_ids[start : start + _CHUNK])
            marks = ",".join("?" * len(chunk))
            if read:
                cursor = conn.execute(
                    f"INSERT INTO article_reads (article_id, read_at) SELECT id, ? FROM articles"
                    f" WHERE id IN ({marks}) ON CONFLICT (article_id) DO NOTHING",
                    (to_db(at), *chunk),
                )
            else:
                cursor = conn.execute(f"DELETE FROM article_reads WHERE article_id IN ({marks})", chunk)
            changed += cursor.rowcount
    return changed


def read_ids(db: Database, article_ids: Sequence[int]) -> set[int]:
    """Those of `article_ids` that are marked read."""
    found: set[int] = set()
    with db.reading() as conn:
        for start in range(0, len(article_ids), _CHUNK):
            chunk = list(article_ids[start : start + _CHUNK])
            marks = ",".join("?" * len(chunk))
            rows = conn.execute(f"SELECT article_id FROM article_reads WHERE article_id IN ({marks})", chunk)
            found.update(int(r[0]) for r in rows)
    return found


#: The SQL condition (over alias `a`) for "not marked read".
UNREAD = "NOT EXISTS (SELECT 1 FROM article_reads r WHERE r.article_id = a.id)"


def request_poll(db: Database, feeds: Sequence[str | None], at: datetime, by: str | None) -> list[int]:
    """File one request per feed (None: every enabled feed); their ids."""
    with db.transaction() as conn:
        return [
            int(
                conn.execute(
                    "INSERT INTO poll_requests (feed, requested, requested_by) VALUES (?, ?, ?) RETURNING id",
                    (feed, to_db(at), by),
                ).fetchone()[0]
            )
            for feed in feeds
        ]


def take_poll_requests(db: Database, at: datetime) -> list[str | None]:
    """The waiting requests' feeds (None: all), oldest first, marked taken in the same transaction."""
    with db.transaction() as conn:
        rows = conn.execute("SELECT id, feed FROM poll_requests WHERE taken IS NULL ORDER BY id").fetchall()
        if rows:
            conn.execute("UPDATE poll_requests SET taken = ? WHERE taken IS NULL", (to_db(at),))
    return [row[1] for row in rows]


def waiting_poll_requests(db: Database) -> int:
    with db.reading() as conn:
        return int(conn.execute("SELECT count(*) FROM poll_requests WHERE taken IS NULL").fetchone()[0])
