"""Full text of articles: which pages were tried, and the extracted text as the article's content.

Kept apart from `articles.py` so a port to another database (PostgreSQL) finds the few
statements of this feature in one small module. An article's page is fetched at most
once (the `article_pages` row remembers the attempt, its outcome and why a page was
refused); the text replaces `content`, and `content_source = 'fulltext'` makes a later
edit of the feed entry keep it (`articles._maybe_update`) and lets `tracker explain`
say where a hit came from.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from tracker.storage.db import Connection, Database, to_db

_CHUNK = 400


def untried(db: Database, article_ids: Sequence[int]) -> list[int]:
    """The ids among these whose page was never tried, in id order."""
    ids = sorted(set(article_ids))
    tried: set[int] = set()
    with db.reading() as conn:
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            rows = conn.execute(f"SELECT article_id FROM article_pages WHERE article_id IN ({marks})", chunk)
            tried.update(int(r[0]) for r in rows)
    return [i for i in ids if i not in tried]


def save_page(
    conn: Connection,
    article_id: int,
    *,
    url: str,
    fetched_at: datetime,
    status: str,
    http_status: int | None,
    note: str | None,
    text: str | None,
) -> None:
    """Record one page attempt; with `text`, the text becomes the article's content."""
    conn.execute(
        "INSERT INTO article_pages (article_id, url, fetched_at, status, http_status, note)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (article_id) DO UPDATE SET url = excluded.url,"
        " fetched_at = excluded.fetched_at, status = excluded.status, http_status = excluded.http_status,"
        " note = excluded.note",
        (article_id, url, to_db(fetched_at), status, http_status, note),
    )
    if text:
        conn.execute(
            "UPDATE articles SET content = ?, content_source = 'fulltext', fulltext_at = ? WHERE id = ?",
            (text, to_db(fetched_at), article_id),
        )


def page_note(db: Database, article_id: int) -> tuple[str, str, str | None] | None:
    """(status, url, note) of the article's page attempt, or None if none was made."""
    with db.reading() as conn:
        row = conn.execute(
            "SELECT status, url, note FROM article_pages WHERE article_id = ?", (article_id,)
        ).fetchone()
    return None if row is None else (row["status"], row["url"], row["note"])
