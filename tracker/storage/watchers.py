"""The `watchers` table: which `tracker watch` processes are alive, on which machines.

Each watcher registers when it starts, touches its row every few seconds (`seen`) and
with every poll (`polls`, `last_feed`), and removes it when it stops. A watcher killed
with SIGKILL leaves its row behind: `tracker watchers` shows it as silent once `seen`
is older than a few beats, and its leases expire on their own.
"""

from __future__ import annotations

from datetime import datetime

from tracker.storage.db import Database, from_db, to_db
from tracker.types import WatcherRow


def register(db: Database, watcher_id: str, host: str, pid: int, now: datetime) -> None:
    with db.transaction(exclusive=False) as conn:
        conn.execute(
            "INSERT INTO watchers (id, host, pid, started, seen) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET seen = excluded.seen",
            (watcher_id, host, pid, to_db(now), to_db(now)),
        )


def seen(db: Database, watcher_id: str, now: datetime, *, polled: str | None = None) -> None:
    """The watcher is alive (and, with `polled`, has just polled that feed)."""
    with db.transaction(exclusive=False) as conn:
        if polled is None:
            conn.execute("UPDATE watchers SET seen = ? WHERE id = ?", (to_db(now), watcher_id))
        else:
            conn.execute(
                "UPDATE watchers SET seen = ?, polls = polls + 1, last_feed = ? WHERE id = ?",
                (to_db(now), polled, watcher_id),
            )


def unregister(db: Database, watcher_id: str) -> None:
    with db.transaction(exclusive=False) as conn:
        conn.execute("DELETE FROM watchers WHERE id = ?", (watcher_id,))


def list_watchers(db: Database) -> list[WatcherRow]:
    with db.reading() as conn:
        rows = conn.execute(
            "SELECT id, host, pid, started, seen, polls, last_feed FROM watchers ORDER BY started, id"
        ).fetchall()
    return [
        WatcherRow(
            id=row["id"],
            host=row["host"],
            pid=int(row["pid"]),
            started=from_db(row["started"]),
            seen=from_db(row["seen"]),
            polls=int(row["polls"]),
            last_feed=row["last_feed"],
        )
        for row in rows
    ]
