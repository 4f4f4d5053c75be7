"""Archived copies of evidence pages: the WARC files' records, the sources' fate, backups.

The WARC files themselves live under `.tracker/archive/` (tracker.review.archive writes
and reads them); this module keeps what the database knows of them, in one small
module so a port to PostgreSQL (which would keep the files as large objects) finds
every statement here.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from datetime import datetime

from tracker.errors import NotFoundError
from tracker.storage.db import Connection, Database, Row, from_db, to_db, utcnow
from tracker.types import EvidenceArchive

_CHUNK = 400
_COLUMNS = (
    "a.evidence_id, a.url, a.archived_at, a.path, a.sha256, a.file_sha256, a.size, a.http_status,"
    " a.content_type, a.truncated, s.gone_since, s.checked_at"
)


def add_archive(conn: Connection, archive: EvidenceArchive) -> None:
    """Record a WARC just written; it becomes the evidence's current archive."""
    conn.execute(
        "INSERT INTO evidence_archives (evidence_id, url, archived_at, path, sha256, file_sha256, size,"
        " http_status, content_type, truncated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            archive.evidence_id,
            archive.url,
            to_db(archive.archived_at),
            archive.path,
            archive.sha256,
            archive.file_sha256,
            archive.size,
            archive.http_status,
            archive.content_type,
            int(archive.truncated),
        ),
    )


def record_check(
    conn: Connection, evidence_id: int, *, at: datetime, http_status: int | None, gone: bool
) -> None:
    """What the live page answered: `gone` (404/410) starts or keeps "source gone since",
    any other answer clears it (a page can come back)."""
    row = conn.execute(
        "SELECT gone_since FROM evidence_sources WHERE evidence_id = ?", (evidence_id,)
    ).fetchone()
    since = (row["gone_since"] if row and row["gone_since"] else to_db(at)) if gone else None
    conn.execute(
        "INSERT INTO evidence_sources (evidence_id, checked_at, http_status, gone_since)"
        " VALUES (?, ?, ?, ?) ON CONFLICT (evidence_id) DO UPDATE SET checked_at = excluded.checked_at,"
        " http_status = excluded.http_status, gone_since = excluded.gone_since",
        (evidence_id, to_db(at), http_status, since),
    )


def latest(conn: Connection, evidence_ids: Sequence[int]) -> dict[int, EvidenceArchive]:
    """The newest archive of each of these evidence items that has one."""
    ids = sorted(set(evidence_ids))
    out: dict[int, EvidenceArchive] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        marks = ",".join("?" * len(chunk))
        rows = conn.execute(
            f"SELECT {_COLUMNS} FROM evidence_archives a"
            " LEFT JOIN evidence_sources s ON s.evidence_id = a.evidence_id"
            f" WHERE a.id IN (SELECT max(id) FROM evidence_archives WHERE evidence_id IN ({marks})"
            " GROUP BY evidence_id)",
            chunk,
        )
        for row in rows:
            out[int(row["evidence_id"])] = _archive(row)
    return out


def latest_archive(db: Database, evidence_id: int) -> EvidenceArchive | None:
    with db.reading() as conn:
        return latest(conn, [evidence_id]).get(evidence_id)


def every_archive(db: Database) -> list[EvidenceArchive]:
    """Every archive file recorded, oldest first (what `tracker archive verify` checks)."""
    with db.reading() as conn:
        rows = conn.execute(
            f"SELECT {_COLUMNS} FROM evidence_archives a"
            " LEFT JOIN evidence_sources s ON s.evidence_id = a.evidence_id ORDER BY a.id"
        ).fetchall()
    return [_archive(row) for row in rows]


def evidence_source(db: Database, evidence_id: int) -> tuple[str | None, bool]:
    """(URL, withdrawn) of one evidence item; NotFoundError for an unknown id."""
    with db.reading() as conn:
        row = conn.execute("SELECT url, withdrawn FROM evidence WHERE id = ?", (evidence_id,)).fetchone()
    if row is None:
        raise NotFoundError(f"no evidence {evidence_id}")
    return row["url"], row["withdrawn"] is not None


def evidence_with_urls(db: Database) -> list[tuple[int, str]]:
    """(id, URL) of every current evidence item that has a URL, in id order."""
    with db.reading() as conn:
        rows = conn.execute(
            "SELECT id, url FROM evidence WHERE withdrawn IS NULL AND url IS NOT NULL ORDER BY id"
        ).fetchall()
    return [(int(r["id"]), r["url"]) for r in rows]


# ---------------------------------------------------------------- archive files inside a backup


def embed_files(path: str, files: Iterable[tuple[str, str, bytes]]) -> int:
    """Put archive files (relative path, SHA-256, bytes) into the database file at `path`.

    Used on a backup's copy only, so one backup file carries the archives with it.
    """
    conn = sqlite3.connect(path)
    try:
        count = 0
        with conn:
            for name, digest, data in files:
                conn.execute(
                    "INSERT OR REPLACE INTO archive_files (path, sha256, data) VALUES (?, ?, ?)",
                    (name, digest, data),
                )
                count += 1
        return count
    finally:
        conn.close()


def embedded_file(db: Database, name: str) -> tuple[str, bytes] | None:
    """(SHA-256, bytes) of an archive file carried in this database (restored from a backup)."""
    with db.reading() as conn:
        row = conn.execute("SELECT sha256, data FROM archive_files WHERE path = ?", (name,)).fetchone()
    return None if row is None else (row["sha256"], bytes(row["data"]))


def _archive(row: Row) -> EvidenceArchive:
    return EvidenceArchive(
        evidence_id=int(row["evidence_id"]),
        url=row["url"],
        archived_at=from_db(row["archived_at"]) or utcnow(),
        path=row["path"],
        sha256=row["sha256"],
        file_sha256=row["file_sha256"],
        size=int(row["size"]),
        http_status=row["http_status"],
        content_type=row["content_type"] or "",
        truncated=bool(row["truncated"]),
        source_gone_since=from_db(row["gone_since"]),
        checked_at=from_db(row["checked_at"]),
    )
