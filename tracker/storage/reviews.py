"""SQL for the analyst's work: reviews of signals, evidence, assessments, status history.

Every function takes an open connection inside the caller's transaction, so one review
(signal + evidence + log + history) commits as one unit or not at all.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import date

from tracker.storage.db import Database

EVIDENCE_COLUMNS = ("relation", "strength", "note")


def signal_for_review(conn: sqlite3.Connection, signal_id: int) -> sqlite3.Row | None:
    return conn.execute(
        "SELECT s.id, s.commitment_id, s.relation, s.strength, s.note, s.review,"
        " a.title, a.url, a.published"
        " FROM signals s JOIN articles a ON a.id = s.article_id WHERE s.id = ?",
        (signal_id,),
    ).fetchone()


def set_review(conn: sqlite3.Connection, signal_id: int, review: str, at: str, reviewer: str | None) -> None:
    conn.execute(
        "UPDATE signals SET review = ?, reviewed_at = ?, reviewer = ? WHERE id = ?",
        (review, at, reviewer, signal_id),
    )


def amend_signal(conn: sqlite3.Connection, signal_id: int, changes: dict[str, str | None]) -> None:
    """Relation, strength or note of a signal and of its evidence row, if it has one."""
    for column, value in changes.items():
        assert column in EVIDENCE_COLUMNS  # column names are never user text
        conn.execute(f"UPDATE signals SET {column} = ? WHERE id = ?", (value, signal_id))
        conn.execute(f"UPDATE evidence SET {column} = ? WHERE signal_id = ?", (value, signal_id))


def amend_evidence(conn: sqlite3.Connection, evidence_id: int, changes: dict[str, str | None]) -> None:
    for column, value in changes.items():
        assert column in EVIDENCE_COLUMNS
        conn.execute(f"UPDATE evidence SET {column} = ? WHERE id = ?", (value, evidence_id))


def evidence_exists(conn: sqlite3.Connection, evidence_id: int) -> str | None:
    """The commitment id of an evidence row, or None."""
    row = conn.execute("SELECT commitment_id FROM evidence WHERE id = ?", (evidence_id,)).fetchone()
    return row[0] if row else None


def upsert_signal_evidence(
    conn: sqlite3.Connection,
    signal: sqlite3.Row,
    *,
    relation: str,
    strength: str | None,
    note: str | None,
    at: str,
    added_by: str | None,
) -> int:
    """The evidence row of a confirmed signal; confirming again revives a withdrawn one."""
    conn.execute(
        "INSERT INTO evidence (commitment_id, signal_id, relation, strength, title, url, date, note,"
        " added, added_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT(signal_id) DO UPDATE SET withdrawn = NULL, relation = excluded.relation,"
        " strength = excluded.strength, note = excluded.note",
        (
            signal["commitment_id"],
            signal["id"],
            relation,
            strength,
            signal["title"] or signal["url"] or f"article of signal {signal['id']}",
            signal["url"],
            (signal["published"] or "")[:10] or None,
            note,
            at,
            added_by,
        ),
    )
    return int(conn.execute("SELECT id FROM evidence WHERE signal_id = ?", (signal["id"],)).fetchone()[0])


def withdraw_signal_evidence(conn: sqlite3.Connection, signal_id: int, at: str) -> None:
    conn.execute(
        "UPDATE evidence SET withdrawn = ? WHERE signal_id = ? AND withdrawn IS NULL", (at, signal_id)
    )


def log_review(
    conn: sqlite3.Connection,
    signal_id: int,
    action: str,
    *,
    at: str,
    relation: str | None = None,
    strength: str | None = None,
    note: str | None = None,
    reviewer: str | None = None,
) -> None:
    conn.execute(
        "INSERT INTO reviews (signal_id, action, relation, strength, note, reviewer, at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (signal_id, action, relation, strength, note, reviewer, at),
    )


def insert_evidence(
    conn: sqlite3.Connection,
    commitment_id: str,
    *,
    title: str,
    url: str | None,
    publisher: str | None,
    day: date | None,
    relation: str,
    strength: str | None,
    note: str | None,
    at: str,
    added_by: str | None,
) -> int:
    cursor = conn.execute(
        "INSERT INTO evidence (commitment_id, relation, strength, title, url, publisher, date, note,"
        " added, added_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            commitment_id,
            relation,
            strength,
            title,
            url,
            publisher,
            day.isoformat() if day else None,
            note,
            at,
            added_by,
        ),
    )
    return int(cursor.lastrowid or 0)


def insert_assessment(
    conn: sqlite3.Connection,
    commitment_id: str,
    *,
    status: str,
    party: str,
    rationale: str,
    confidence: str | None,
    evidence_ids: Sequence[int],
    assessor: str | None,
    at: str,
) -> int:
    cursor = conn.execute(
        "INSERT INTO assessments (commitment_id, party, status, rationale, confidence, evidence_ids,"
        " assessor, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (commitment_id, party, status, rationale, confidence, json.dumps(list(evidence_ids)), assessor, at),
    )
    return int(cursor.lastrowid or 0)


def existing_evidence_ids(conn: sqlite3.Connection, commitment_id: str, ids: Sequence[int]) -> set[int]:
    if not ids:
        return set()
    marks = ",".join("?" * len(ids))
    rows = conn.execute(
        f"SELECT id FROM evidence WHERE commitment_id = ? AND id IN ({marks})", (commitment_id, *ids)
    )
    return {int(r[0]) for r in rows}


def last_history(conn: sqlite3.Connection, commitment_id: str) -> tuple[str, str] | None:
    row = conn.execute(
        "SELECT status, origin FROM status_history WHERE commitment_id = ? ORDER BY at DESC, id DESC LIMIT 1",
        (commitment_id,),
    ).fetchone()
    return (row[0], row[1]) if row else None


def insert_history(
    conn: sqlite3.Connection,
    commitment_id: str,
    *,
    status: str,
    origin: str,
    at: str,
    reason: str,
    evidence_ids: Sequence[int] = (),
) -> None:
    conn.execute(
        "INSERT INTO status_history (commitment_id, status, origin, at, reason, evidence_ids)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (commitment_id, status, origin, at, reason, json.dumps(list(evidence_ids))),
    )


def unreviewed_signals(
    db: Database, *, commitment_ids: Sequence[str] | None = None, limit: int = 200
) -> list[sqlite3.Row]:
    """Active signals nobody reviewed yet, newest first, with their article's title and URL."""
    where = "s.state = 'active' AND s.review IS NULL"
    params: list[object] = []
    if commitment_ids:
        where += f" AND s.commitment_id IN ({','.join('?' * len(commitment_ids))})"
        params += list(commitment_ids)
    with db.reading() as conn:
        return list(
            conn.execute(
                "SELECT s.id, s.commitment_id, s.score, s.relation, s.rule_ids, s.created,"
                " a.title, a.url, a.published FROM signals s JOIN articles a ON a.id = s.article_id"
                f" WHERE {where} ORDER BY s.created DESC, s.id DESC LIMIT ?",
                (*params, limit),
            )
        )


def commitments_of_articles(db: Database, article_ids: Sequence[int]) -> set[str]:
    """The commitments that these articles' signals (in any state) point at."""
    found: set[str] = set()
    ids = list(article_ids)
    with db.reading() as conn:
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT DISTINCT commitment_id FROM signals WHERE article_id IN ({marks})"
            rows = conn.execute(sql, chunk)
            found.update(str(r[0]) for r in rows)
    return found


def save_snapshot(db: Database, name: str, created: str, data: str) -> bool:
    """Store a frozen report; False if the name is taken (snapshots are never replaced)."""
    with db.transaction() as conn:
        cursor = conn.execute(
            "INSERT INTO snapshots (name, created, data) VALUES (?, ?, ?) ON CONFLICT(name) DO NOTHING",
            (name, created, data),
        )
        return cursor.rowcount == 1


def get_snapshot(db: Database, name: str) -> str | None:
    with db.reading() as conn:
        row = conn.execute("SELECT data FROM snapshots WHERE name = ?", (name,)).fetchone()
        return str(row[0]) if row else None


def list_snapshots(db: Database) -> list[tuple[str, str]]:
    with db.reading() as conn:
        return [
            (str(r[0]), str(r[1]))
            for r in conn.execute("SELECT name, created FROM snapshots ORDER BY created")
        ]
