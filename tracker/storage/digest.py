"""Reads for alerts and digests, and the watcher's small bookkeeping in `meta`.

- new signals: by creation time (`tracker digest --since`) or after a signal id (the
  watcher's `on_signal` hook, which must hand each signal over once, restart or not);
- status changes: by time, or after a history id. The daily status pass backdates an
  entry to when the change happened (a deadline passed last week), so "recorded since
  the last digest" needs the id, not the date;
- `meta` keys under `watch.` remember high-water marks and when each daily job last
  ran, so neither a restart nor `tracker watch --once` from cron repeats or skips one.
"""

from __future__ import annotations

import json
from datetime import datetime

from tracker.storage.db import Database, Row, from_db, to_db, utcnow
from tracker.types import HistoryEntry, NewSignal, StatusChange

META_PREFIX = "watch."


#: An article's feeds as one text, split again on U+001F (the dialects name the aggregate differently).
_CONCAT = {"sqlite": "group_concat(f.feed, char(31))", "postgresql": "string_agg(f.feed, chr(31))"}
_SIGNALS = """
SELECT s.id, s.commitment_id, s.rule_ids, s.score, s.relation, s.hits, s.created, s.review,
       a.id AS article_id, a.title, a.url, a.published, a.language,
       (SELECT {concat} FROM article_feeds f WHERE f.article_id = a.id) AS feeds
FROM signals s JOIN articles a ON a.id = s.article_id
WHERE s.state = 'active' AND {where}
ORDER BY s.id
LIMIT ?
"""


def signals_between(
    db: Database, since: datetime, until: datetime, *, limit: int = 10_000
) -> list[NewSignal]:
    """Active signals created in [since, until), oldest first."""
    sql = _SIGNALS.format(where="s.created >= ? AND s.created < ?", concat=_CONCAT[db.dialect])
    with db.reading() as conn:
        return [_new_signal(r) for r in conn.execute(sql, (to_db(since), to_db(until), limit))]


def signals_after(db: Database, after_id: int, *, limit: int = 100) -> list[NewSignal]:
    """Active signals with an id above `after_id`, oldest first (the hook's queue)."""
    sql = _SIGNALS.format(where="s.id > ?", concat=_CONCAT[db.dialect])
    with db.reading() as conn:
        return [_new_signal(r) for r in conn.execute(sql, (after_id, limit))]


def last_signal_id(db: Database) -> int:
    with db.reading() as conn:
        return int(conn.execute("SELECT coalesce(max(id), 0) FROM signals").fetchone()[0])


def status_changes(
    db: Database, since: datetime, until: datetime, *, after_id: int | None = None
) -> list[StatusChange]:
    """History entries dated in [since, until), plus (with `after_id`) any recorded after that id."""
    sql = (
        "SELECT h.*, (SELECT p.status FROM status_history p WHERE p.commitment_id = h.commitment_id"
        " AND p.id < h.id ORDER BY p.id DESC LIMIT 1) AS previous"
        " FROM status_history h WHERE (h.at >= ? AND h.at < ?)"
    )
    params: list[object] = [to_db(since), to_db(until)]
    if after_id is not None:
        sql += " OR h.id > ?"
        params.append(after_id)
    with db.reading() as conn:
        return [_change(r) for r in conn.execute(sql + " ORDER BY h.id", params)]


def last_history_id(db: Database) -> int:
    with db.reading() as conn:
        return int(conn.execute("SELECT coalesce(max(id), 0) FROM status_history").fetchone()[0])


# ---------------------------------------------------------------- bookkeeping


def get_mark(db: Database, name: str) -> str | None:
    with db.reading() as conn:
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (META_PREFIX + name,)).fetchone()
    return row["value"] if row else None


def set_mark(db: Database, name: str, value: str) -> None:
    with db.transaction() as conn:
        conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?)"
            " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (META_PREFIX + name, value),
        )


def get_time_mark(db: Database, name: str) -> datetime | None:
    return from_db(get_mark(db, name))


def set_time_mark(db: Database, name: str, moment: datetime) -> None:
    set_mark(db, name, to_db(moment) or "")


def claim_time_mark(db: Database, name: str, occurrence: datetime, now: datetime) -> tuple[bool, str | None]:
    """Compare-and-set: move the mark to `now` unless it already stands at or after
    `occurrence`; (claimed, the value before). Several watchers on one database ask at
    once and exactly one is told yes: the check and the write are one transaction under
    the one-writer lock (an advisory lock on PostgreSQL, the write lock on SQLite)."""
    key = META_PREFIX + name
    with db.transaction() as conn:
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        before = row["value"] if row else None
        last = from_db(before)
        if last is not None and last >= occurrence:
            return False, before
        conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?)"
            " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, to_db(now)),
        )
    return True, before


def restore_mark(db: Database, name: str, value: str | None) -> None:
    """Put a claimed mark back (the job failed: a later run may try again today)."""
    with db.transaction() as conn:
        if value is None:
            conn.execute("DELETE FROM meta WHERE key = ?", (META_PREFIX + name,))
        else:
            conn.execute("UPDATE meta SET value = ? WHERE key = ?", (value, META_PREFIX + name))


# ---------------------------------------------------------------- rows


def _new_signal(row: Row) -> NewSignal:
    hits = json.loads(row["hits"] or "[]")
    return NewSignal(
        id=row["id"],
        commitment_id=row["commitment_id"],
        rule_ids=tuple(json.loads(row["rule_ids"] or "[]")),
        score=float(row["score"]),
        relation=row["relation"],
        terms=tuple(dict.fromkeys(str(h.get("text") or h.get("term")) for h in hits)),
        created=from_db(row["created"]) or utcnow(),
        review=row["review"],
        article_id=row["article_id"],
        title=row["title"] or "",
        url=row["url"],
        published=from_db(row["published"]),
        language=row["language"],
        feeds=tuple(sorted(row["feeds"].split("\x1f"))) if row["feeds"] else (),
    )


def _change(row: Row) -> StatusChange:
    return StatusChange(
        id=row["id"],
        entry=HistoryEntry(
            commitment_id=row["commitment_id"],
            status=row["status"],
            origin=row["origin"],
            at=from_db(row["at"]) or utcnow(),
            reason=row["reason"],
            evidence_ids=tuple(json.loads(row["evidence_ids"] or "[]")),
        ),
        previous=row["previous"],
    )


def count_signals_after(db: Database, after_id: int) -> int:
    """How many active signals have an id above `after_id` (what a capped hook pass leaves)."""
    with db.reading() as conn:
        sql = "SELECT count(*) FROM signals WHERE state = 'active' AND id > ?"
        return int(conn.execute(sql, (after_id,)).fetchone()[0])
