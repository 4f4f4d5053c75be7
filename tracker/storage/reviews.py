"""SQL for the analyst's work: reviews of signals, evidence, assessments, status history, snapshots.

Writers take an open connection inside the caller's transaction, so one review
(signal + evidence + review log + status history) commits as one unit or not at all.
Readers that status derivation needs (`load_facts`) also take a connection: inside a
write transaction they see what that transaction wrote, so the status recorded with a
review is the status that review leads to.

Assessments, the review log and the status history are append-only (triggers since
schema 3); snapshots are immutable (triggers since schema 1).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date

from tracker.storage import archives
from tracker.storage.db import Connection, Database, Row, dialect, from_db, to_db, utcnow
from tracker.types import Assessment, Evidence, EvidenceSummary, HistoryEntry, SignalFact, SourcedEvidence

#: Opaque handles for callers above storage, who pass them back and never run SQL on them.
Connection = Connection
Row = Row
#: Columns an analyst may amend on a signal and its evidence (never user text in SQL).
AMENDABLE = ("relation", "strength", "note")
_CHUNK = 500


@dataclass
class StatusFacts:
    """What the database holds about one commitment that its status depends on."""

    waiting: list[SignalFact] = field(default_factory=list)
    #: The evidence items (read with `detail`), else empty and `summary` is set.
    evidence: list[SourcedEvidence] = field(default_factory=list)
    summary: EvidenceSummary | None = None
    assessments: list[Assessment] = field(default_factory=list)
    last_change: HistoryEntry | None = None


# ---------------------------------------------------------------- reading for status


def load_facts(
    conn: Connection, commitment_ids: Sequence[str] | None = None, *, detail: bool = True
) -> dict[str, StatusFacts]:
    """Waiting signals, evidence, assessments and the newest history entry, per commitment.

    Only active, unreviewed signals are read, grouped into one fact per commitment
    (how many, since when): reviewed or retracted ones cannot change a status, and
    there may be a hundred thousand of them. Without ids, every commitment. Without
    `detail`, evidence comes as one summary per commitment (all a status needs) from
    an aggregate query, instead of an item with its sources per row: the dashboard's
    first paint reads every commitment's status.
    """
    facts: dict[str, StatusFacts] = {}

    def entry(commitment_id: str) -> StatusFacts:
        return facts.setdefault(commitment_id, StatusFacts())

    for row in _select(
        conn,
        "SELECT commitment_id, min(id) AS id, count(*) AS n, min(created) AS first FROM signals"
        " WHERE state = 'active' AND review IS NULL {only} GROUP BY commitment_id",
        commitment_ids,
    ):
        first = from_db(row["first"]) or utcnow()
        entry(row["commitment_id"]).waiting.append(SignalFact(row["id"], "active", None, first, row["n"]))
    if detail:
        for item in _evidence(conn, commitment_ids):
            entry(item.evidence.commitment_id).evidence.append(item)
    else:
        for commitment_id, summary in _evidence_summaries(conn, commitment_ids):
            entry(commitment_id).summary = summary
    for assessment in _assessments(conn, commitment_ids):
        entry(assessment.commitment_id).assessments.append(assessment)
    for change in _latest_history(conn, commitment_ids):
        entry(change.commitment_id).last_change = change
    return facts


def _evidence(conn: Connection, commitment_ids: Sequence[str] | None) -> Iterator[SourcedEvidence]:
    sql = (
        "SELECT e.*, s.article_id FROM evidence e LEFT JOIN signals s ON s.id = e.signal_id"
        " WHERE e.withdrawn IS NULL {only} ORDER BY coalesce(e.date, substr(e.added, 1, 10)), e.id"
    )
    rows = list(_select(conn, sql, commitment_ids, column="e.commitment_id"))
    feeds = _article_feeds(conn, [r["article_id"] for r in rows if r["article_id"] is not None])
    archived = archives.latest(conn, [r["id"] for r in rows])
    for row in rows:
        yield SourcedEvidence(
            evidence=evidence_from_row(row),
            document=row["document"],
            article_id=row["article_id"],
            feeds=feeds.get(row["article_id"], ()),
            archive=archived.get(row["id"]),
        )


#: The day evidence speaks for, as `status.evidence_day` takes it: its date, else the
#: (UTC) day it was recorded. Both are stored as ISO text, so the first ten characters.
_EVIDENCE_DAY = "substr(coalesce(date, added), 1, 10)"


def _evidence_summaries(
    conn: Connection, commitment_ids: Sequence[str] | None
) -> Iterator[tuple[str, EvidenceSummary]]:
    sql = (
        "SELECT commitment_id, count(*) AS n,"
        " count(*) FILTER (WHERE relation = 'supports') AS supporting,"
        " count(*) FILTER (WHERE relation = 'contradicts') AS contradicting,"
        f" max({_EVIDENCE_DAY}) AS latest,"
        f" max(CASE WHEN relation = 'supports' THEN {_EVIDENCE_DAY} END) AS latest_supporting,"
        " min(CASE WHEN relation = 'supports' THEN added END) AS first_supporting_added"
        " FROM evidence WHERE withdrawn IS NULL {only} GROUP BY commitment_id"
    )
    for row in _select(conn, sql, commitment_ids):
        yield (
            row["commitment_id"],
            EvidenceSummary(
                count=row["n"],
                supporting=row["supporting"],
                contradicting=row["contradicting"],
                latest=_day(row["latest"]),
                latest_supporting=_day(row["latest_supporting"]),
                first_supporting_added=from_db(row["first_supporting_added"]),
            ),
        )


def evidence_from_row(row: Row) -> Evidence:
    return Evidence(
        id=row["id"],
        commitment_id=row["commitment_id"],
        relation=row["relation"],
        title=row["title"],
        url=row["url"],
        publisher=row["publisher"],
        date=_day(row["date"]),
        added=from_db(row["added"]) or utcnow(),
        signal_id=row["signal_id"],
        strength=row["strength"],
        note=row["note"],
        added_by=row["added_by"],
    )


def _assessments(conn: Connection, commitment_ids: Sequence[str] | None) -> Iterator[Assessment]:
    sql = (
        "SELECT id, commitment_id, status, party, rationale, confidence, evidence_ids, assessor, created"
        " FROM assessments WHERE 1 = 1 {only} ORDER BY created, id"
    )
    for row in _select(conn, sql, commitment_ids):
        yield Assessment(
            id=row["id"],
            commitment_id=row["commitment_id"],
            status=row["status"],
            party=row["party"],
            rationale=row["rationale"],
            confidence=row["confidence"],
            evidence_ids=tuple(json.loads(row["evidence_ids"] or "[]")),
            assessor=row["assessor"],
            created=from_db(row["created"]) or utcnow(),
        )


def _latest_history(conn: Connection, commitment_ids: Sequence[str] | None) -> Iterator[HistoryEntry]:
    # Newest by insertion (id): entries are appended in the order the changes happened.
    sql = (
        "SELECT * FROM status_history WHERE id IN"
        " (SELECT max(id) FROM status_history WHERE 1 = 1 {only} GROUP BY commitment_id)"
    )
    for row in _select(conn, sql, commitment_ids):
        yield _history(row)


def _history(row: Row) -> HistoryEntry:
    return HistoryEntry(
        commitment_id=row["commitment_id"],
        status=row["status"],
        origin=row["origin"],
        at=from_db(row["at"]) or utcnow(),
        reason=row["reason"],
        evidence_ids=tuple(json.loads(row["evidence_ids"] or "[]")),
    )


# ---------------------------------------------------------------- reading for people


def history(db: Database, commitment_ids: Sequence[str] | None = None) -> list[HistoryEntry]:
    """Every status change, oldest first (in the order recorded)."""
    with db.reading() as conn:
        sql = "SELECT * FROM status_history WHERE 1 = 1 {only} ORDER BY id"
        return [_history(row) for row in _select(conn, sql, commitment_ids)]


def assessments(db: Database, commitment_ids: Sequence[str] | None = None) -> list[Assessment]:
    """Every assessment, oldest first."""
    with db.reading() as conn:
        return list(_assessments(conn, commitment_ids))


def evidence(db: Database, commitment_ids: Sequence[str] | None = None) -> list[SourcedEvidence]:
    """Evidence that is not withdrawn, by date (oldest first)."""
    with db.reading() as conn:
        return list(_evidence(conn, commitment_ids))


def facts(db: Database, commitment_ids: Sequence[str] | None = None) -> dict[str, StatusFacts]:
    """`load_facts` in one consistent read."""
    with db.reading() as conn:
        return load_facts(conn, commitment_ids)


def unreviewed_signals(
    db: Database, *, commitment_ids: Sequence[str] | None = None, limit: int = 200
) -> list[Row]:
    """Active signals nobody reviewed yet, newest first, with their article's title and URL."""
    where = "s.state = 'active' AND s.review IS NULL"
    params: list[object] = []
    if commitment_ids:
        where += f" AND s.commitment_id IN ({','.join('?' * len(commitment_ids))})"
        params += list(commitment_ids)
    with db.reading() as conn:
        return list(
            conn.execute(
                "SELECT s.id, s.article_id, s.commitment_id, s.score, s.relation, s.rule_ids, s.created,"
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
        for chunk in _chunks(ids):
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT DISTINCT commitment_id FROM signals WHERE article_id IN ({marks})"
            found.update(str(r[0]) for r in conn.execute(sql, chunk))
    return found


# ---------------------------------------------------------------- writing: signals


#: An article's feeds in name order, as one text (the dialects name the aggregate differently).
_FEED_LIST = {
    "sqlite": "(SELECT group_concat(feed, ', ') FROM (SELECT feed FROM article_feeds"
    " WHERE article_id = a.id ORDER BY feed))",
    "postgresql": "(SELECT string_agg(feed, ', ' ORDER BY feed) FROM article_feeds WHERE article_id = a.id)",
}


def signal_for_review(conn: Connection, signal_id: int) -> Row | None:
    """A signal with what its evidence row copies from the article (title, URL, day, feeds)."""
    return conn.execute(
        "SELECT s.id, s.article_id, s.commitment_id, s.relation, s.strength, s.note, s.review,"
        " a.title, a.url, coalesce(a.published, a.first_seen) AS day,"
        f" {_FEED_LIST[dialect(conn)]} AS feeds"
        " FROM signals s JOIN articles a ON a.id = s.article_id WHERE s.id = ?",
        (signal_id,),
    ).fetchone()


def set_review(conn: Connection, signal_id: int, review: str, at: str, reviewer: str | None) -> None:
    conn.execute(
        "UPDATE signals SET review = ?, reviewed_at = ?, reviewer = ? WHERE id = ?",
        (review, at, reviewer, signal_id),
    )


def clear_review(conn: Connection, signal_id: int) -> None:
    """The signal waits for review again (an undone review; the log keeps what happened)."""
    conn.execute(
        "UPDATE signals SET review = NULL, reviewed_at = NULL, reviewer = NULL WHERE id = ?", (signal_id,)
    )


def amend_signal(conn: Connection, signal_id: int, changes: dict[str, str | None]) -> None:
    """Relation, strength or note of a signal and of its evidence row, if it has one."""
    for column, value in changes.items():
        assert column in AMENDABLE  # column names are never user text
        conn.execute(f"UPDATE signals SET {column} = ? WHERE id = ?", (value, signal_id))
        conn.execute(f"UPDATE evidence SET {column} = ? WHERE signal_id = ?", (value, signal_id))


def amend_evidence(conn: Connection, evidence_id: int, changes: dict[str, str | None]) -> None:
    for column, value in changes.items():
        assert column in AMENDABLE
        conn.execute(f"UPDATE evidence SET {column} = ? WHERE id = ?", (value, evidence_id))


def upsert_signal_evidence(
    conn: Connection,
    signal: Row,
    *,
    relation: str,
    strength: str | None,
    note: str | None,
    at: str,
    added_by: str | None,
) -> int:
    """The evidence row of a confirmed signal; confirming again revives a withdrawn one."""
    conn.execute(
        "INSERT INTO evidence (commitment_id, signal_id, relation, strength, title, url, publisher, date,"
        " note, added, added_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT(signal_id) DO UPDATE SET withdrawn = NULL, relation = excluded.relation,"
        " strength = excluded.strength, note = excluded.note",
        (
            signal["commitment_id"],
            signal["id"],
            relation,
            strength,
            signal["title"] or signal["url"] or f"article {signal['article_id']}",
            signal["url"],
            signal["feeds"] or None,
            (signal["day"] or "")[:10] or None,
            note,
            at,
            added_by,
        ),
    )
    return int(conn.execute("SELECT id FROM evidence WHERE signal_id = ?", (signal["id"],)).fetchone()[0])


def withdraw_signal_evidence(conn: Connection, signal_id: int, at: str) -> int | None:
    """Withdraw the evidence a signal became (kept, marked); its id, or None if it had none."""
    row = conn.execute(
        "SELECT id FROM evidence WHERE signal_id = ? AND withdrawn IS NULL", (signal_id,)
    ).fetchone()
    if row is None:
        return None
    conn.execute("UPDATE evidence SET withdrawn = ? WHERE id = ?", (at, row[0]))
    return int(row[0])


def log_review(
    conn: Connection,
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


# ---------------------------------------------------------------- writing: evidence, assessments


def evidence_row(conn: Connection, evidence_id: int) -> Row | None:
    return conn.execute(
        "SELECT id, commitment_id, signal_id, withdrawn FROM evidence WHERE id = ?", (evidence_id,)
    ).fetchone()


def insert_evidence(
    conn: Connection,
    commitment_id: str,
    *,
    title: str,
    url: str | None,
    document: str | None = None,
    publisher: str | None,
    day: date | None,
    relation: str,
    strength: str | None,
    note: str | None,
    at: str,
    added_by: str | None,
) -> int:
    cursor = conn.execute(
        "INSERT INTO evidence (commitment_id, relation, strength, title, url, document, publisher, date,"
        " note, added, added_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (
            commitment_id,
            relation,
            strength,
            title,
            url,
            document,
            publisher,
            day.isoformat() if day else None,
            note,
            at,
            added_by,
        ),
    )
    return int(cursor.fetchone()[0])


def withdraw_evidence(conn: Connection, evidence_id: int, at: str, note: str | None) -> None:
    conn.execute(
        "UPDATE evidence SET withdrawn = ?, note = coalesce(?, note) WHERE id = ? AND withdrawn IS NULL",
        (at, note, evidence_id),
    )


def current_evidence_ids(conn: Connection, commitment_id: str, ids: Sequence[int]) -> set[int]:
    """Those of `ids` that are evidence of this commitment and not withdrawn."""
    if not ids:
        return set()
    marks = ",".join("?" * len(ids))
    rows = conn.execute(
        f"SELECT id FROM evidence WHERE commitment_id = ? AND withdrawn IS NULL AND id IN ({marks})",
        (commitment_id, *ids),
    )
    return {int(r[0]) for r in rows}


def insert_assessment(
    conn: Connection,
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
        " assessor, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (commitment_id, party, status, rationale, confidence, json.dumps(list(evidence_ids)), assessor, at),
    )
    return int(cursor.fetchone()[0])


def insert_history(conn: Connection, entry: HistoryEntry) -> None:
    conn.execute(
        "INSERT INTO status_history (commitment_id, status, origin, at, reason, evidence_ids)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (
            entry.commitment_id,
            entry.status,
            entry.origin,
            to_db(entry.at),
            entry.reason,
            json.dumps(list(entry.evidence_ids)),
        ),
    )


# ---------------------------------------------------------------- snapshots


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
    """(name, created) of every snapshot, oldest first."""
    with db.reading() as conn:
        return [
            (str(r[0]), str(r[1]))
            for r in conn.execute("SELECT name, created FROM snapshots ORDER BY created, name")
        ]


# ---------------------------------------------------------------- helpers


def _select(
    conn: Connection,
    sql: str,
    commitment_ids: Sequence[str] | None,
    *,
    column: str = "commitment_id",
) -> Iterator[Row]:
    """Run `sql` for every commitment, or for the given ones in chunks (SQLite caps parameters).

    `{only}` in `sql` is where the `AND column IN (...)` condition goes.
    """
    if commitment_ids is None:
        yield from conn.execute(sql.format(only=""))
        return
    for chunk in _chunks(list(dict.fromkeys(commitment_ids))):
        only = f"AND {column} IN ({','.join('?' * len(chunk))})"
        yield from conn.execute(sql.format(only=only), chunk)


def _article_feeds(conn: Connection, article_ids: list[int]) -> dict[int, tuple[str, ...]]:
    out: dict[int, list[str]] = {}
    for chunk in _chunks(sorted(set(article_ids))):
        marks = ",".join("?" * len(chunk))
        sql = f"SELECT article_id, feed FROM article_feeds WHERE article_id IN ({marks}) ORDER BY feed"
        for row in conn.execute(sql, chunk):
            out.setdefault(row["article_id"], []).append(row["feed"])
    return {key: tuple(value) for key, value in out.items()}


def _chunks(items: list) -> Iterator[list]:  # type: ignore[type-arg]
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _day(text: str | None) -> date | None:
    """Evidence dates are ISO days (older rows may hold datetimes); keep the day."""
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None
