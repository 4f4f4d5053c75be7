"""Overview SQL: per-commitment aggregates for the dashboard's home screen, in bulk.

The commitments screen shows, for every commitment at once, how many signals it has,
how many wait for review, how much evidence is confirmed and when the latest is
dated, and a sparkline of signals per month. With 100,000 signals, one query per
commitment would cost seconds; instead three grouped queries (signal totals per
commitment, signals per commitment and month, evidence per commitment) run inside
one read snapshot, so the numbers agree with each other. (One `GROUP BY commitment,
month` over the join was measured at 390 ms for 100,000 signals: sorting every
signal by month costs more than the split, 230 ms.)

The month of a signal is its article's publication month (first-seen when the feed
gave no date), because that is when something happened; the signal's own `created`
stamp only says when the rules ran, which after a re-match is the same for all.
Only months from `since` on are counted, so the cost does not grow with the archive.

`data_version` is the cheap "did anything change?" probe that the dashboard's
refresh timer calls every few seconds to pick up what `tracker watch` writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from tracker.storage.db import Database
from tracker.storage.reads import UNREAD

# Totals per commitment. `NOT INDEXED`: one sequential scan of the table beats 100,000
# random lookups through signals_commitment (measured: 80 ms against 220 ms).
_SIGNAL_TOTALS = """
SELECT commitment_id, count(*) AS signals, count(*) FILTER (WHERE review IS NULL) AS unreviewed
FROM signals NOT INDEXED
WHERE state = 'active' AND coalesce(review, '') <> 'rejected' {only}
GROUP BY commitment_id
"""

# Signals per (commitment, month) over the sparkline's months only: driven from the
# articles published since then (index articles_published), so old archives cost nothing.
_SIGNAL_MONTHS = """
SELECT s.commitment_id AS commitment_id, substr(a.published, 1, 7) AS month, count(*) AS signals
FROM articles AS a CROSS JOIN signals AS s ON s.article_id = a.id
WHERE a.published >= :since AND s.state = 'active' AND coalesce(s.review, '') <> 'rejected' {only}
GROUP BY 1, 2
UNION ALL
SELECT s.commitment_id, substr(a.first_seen, 1, 7), count(*)
FROM articles AS a CROSS JOIN signals AS s ON s.article_id = a.id
WHERE a.published IS NULL AND a.first_seen >= :since AND s.state = 'active'
  AND coalesce(s.review, '') <> 'rejected' {only}
GROUP BY 1, 2
"""

_EVIDENCE_AGGREGATES = """
SELECT commitment_id,
       count(*) AS evidence,
       max(date) AS latest,
       max(CASE WHEN relation = 'supports' THEN date END) AS latest_supporting,
       count(*) FILTER (WHERE relation = 'contradicts') AS contradicting
FROM evidence
WHERE withdrawn IS NULL {only}
GROUP BY commitment_id
"""


@dataclass
class CommitmentCounts:
    """What the database says about one commitment; absent commitments have none of it."""

    signals: int = 0
    unreviewed: int = 0
    evidence: int = 0
    contradicting: int = 0
    latest_evidence: date | None = None
    latest_supporting: date | None = None
    #: "YYYY-MM" → signals whose article falls in that month (only months >= since).
    months: dict[str, int] = field(default_factory=dict)


def commitment_counts(
    db: Database, *, since: date, commitment_id: str | None = None, months: bool = True
) -> dict[str, CommitmentCounts]:
    """Aggregates for every commitment that has a signal or evidence, keyed by id.

    `signals` counts active signals that are not rejected (rejected ones are noise
    the analyst already dismissed); `unreviewed` those still waiting for review.
    With `commitment_id`, only that one (an index lookup, for the commitment screen);
    `months=False` skips the per-month counts (a status does not need them).
    """
    counts: dict[str, CommitmentCounts] = {}
    params = {"since": since.isoformat(), "cid": commitment_id}
    only = "AND s.commitment_id = :cid" if commitment_id else ""
    totals_sql = _SIGNAL_TOTALS.format(only=only.replace("s.", ""))
    if commitment_id or db.dialect != "sqlite":  # one commitment: its index is the fast way
        totals_sql = totals_sql.replace("NOT INDEXED", "")
    months_sql = _SIGNAL_MONTHS.format(only=only)
    if db.dialect != "sqlite":
        # CROSS JOIN is how SQLite is told the join order; PostgreSQL's planner chooses its own.
        months_sql = months_sql.replace("CROSS JOIN", "JOIN")
    evidence_sql = _EVIDENCE_AGGREGATES.format(only=only.replace("s.", ""))
    with db.reading() as conn:
        for row in conn.execute(totals_sql, params):
            entry = counts.setdefault(row["commitment_id"], CommitmentCounts())
            entry.signals, entry.unreviewed = row["signals"], row["unreviewed"] or 0
        for row in conn.execute(months_sql, params) if months else ():
            entry = counts.setdefault(row["commitment_id"], CommitmentCounts())
            entry.months[row["month"]] = entry.months.get(row["month"], 0) + row["signals"]
        for row in conn.execute(evidence_sql, params):
            entry = counts.setdefault(row["commitment_id"], CommitmentCounts())
            entry.evidence = row["evidence"]
            entry.contradicting = row["contradicting"] or 0
            entry.latest_evidence = _day(row["latest"])
            entry.latest_supporting = _day(row["latest_supporting"])
    return counts


def data_version(db: Database) -> tuple[int, int]:
    """A value that changes whenever anyone (this process or another) commits a write;
    each backend knows its own cheap way to tell (see `Database.data_version`)."""
    return db.data_version()


def _day(text: str | None) -> date | None:
    """Evidence dates are stored as ISO dates (or datetimes); keep the day."""
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def article_feeds(db: Database, article_ids: list[int]) -> dict[int, tuple[str, ...]]:
    """The feeds each article came from (one article may come from several)."""
    out: dict[int, list[str]] = {}
    with db.reading() as conn:
        for start in range(0, len(article_ids), 500):
            chunk = article_ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT article_id, feed FROM article_feeds WHERE article_id IN ({marks}) ORDER BY feed"
            rows = conn.execute(sql, chunk)
            for row in rows:
                out.setdefault(row["article_id"], []).append(row["feed"])
    return {key: tuple(value) for key, value in out.items()}


def article_links(db: Database, article_ids: list[int]) -> dict[int, tuple[str, ...]]:
    """The commitments each article is linked to by an active, not rejected signal."""
    out: dict[int, list[str]] = {}
    with db.reading() as conn:
        for start in range(0, len(article_ids), 500):
            chunk = article_ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            sql = (
                "SELECT article_id, commitment_id FROM signals WHERE article_id IN"
                f" ({marks}) AND state = 'active' AND (review IS NULL OR review = 'confirmed')"
                " ORDER BY commitment_id"
            )
            for row in conn.execute(sql, chunk):
                out.setdefault(row["article_id"], []).append(row["commitment_id"])
    return {key: tuple(value) for key, value in out.items()}


def unmatched_article_ids(db: Database, *, limit: int = 50, unread: bool = False) -> list[int]:
    """Newest articles with no active signal; a rejected link counts as a link.

    `unread` leaves out the articles marked read.
    """
    with db.reading() as conn:
        rows = conn.execute(
            "SELECT id FROM articles a WHERE NOT EXISTS (SELECT 1 FROM signals s"
            " WHERE s.article_id = a.id"
            " AND (s.state = 'active' OR s.review IS NOT NULL))"
            + (f" AND {UNREAD}" if unread else "")
            + " ORDER BY coalesce(published, first_seen) DESC, id DESC LIMIT ?",
            (limit,),
        )
        return [int(r[0]) for r in rows]
