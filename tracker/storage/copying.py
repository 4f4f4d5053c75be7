"""Moving a workspace's whole state between databases (`tracker db copy`), ids preserved.

Both sides must be at the same schema version (the target is migrated first), and the
target must be empty: a copy never merges into, or overwrites, someone's state. Tables
go in an order that satisfies their foreign keys, rows in id order (so `article_feeds`
keeps which feed came first). Afterwards each table is verified by its row count and a
checksum over its rows read back from both sides; the target's derived parts are rebuilt
(SQLite's FTS5 index, PostgreSQL's identity sequences).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

from tracker.errors import StorageError
from tracker.storage.db import Database
from tracker.types import TableCopy

#: Every table of the state, parents before children.
TABLES: tuple[str, ...] = (
    "feed_state",
    "articles",
    "article_feeds",
    "article_tombstones",
    "signals",
    "reviews",
    "evidence",
    "assessments",
    "status_history",
    "snapshots",
    "meta",
    "article_pages",
    "evidence_archives",
    "evidence_sources",
    "archive_files",
    "article_reads",
    "poll_requests",
    "watchers",
)
#: Columns one backend derives by itself: never copied.
_DERIVED = {"fts", "rowid"}
#: How rows are ordered when read (the primary key, or the insertion order).
_ORDER = {
    "feed_state": "name",
    "article_feeds": "rowid",
    "article_tombstones": "key",
    "snapshots": "name",
    "meta": "key",
    "article_pages": "article_id",
    "evidence_sources": "evidence_id",
    "archive_files": "path",
    "article_reads": "article_id",
    "watchers": "id",
}
#: `meta` keys that describe the database itself, not the workspace.
_LOCAL_META = ("fts.indexed_to",)
_BATCH = 500


def columns(db: Database, table: str) -> list[str]:
    """The table's columns in their declared order, without the derived ones."""
    with db.reading() as conn:
        if db.dialect == "sqlite":
            names = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
        else:
            names = [
                row[0]
                for row in conn.execute(
                    "SELECT column_name FROM information_schema.columns"
                    " WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position",
                    (table,),
                )
            ]
    return [name for name in names if name not in _DERIVED]


def is_empty(db: Database) -> bool:
    """No workspace state at all (a migrated schema and its own bookkeeping do not count)."""
    with db.reading() as conn:
        for table in TABLES:
            sql = f"SELECT 1 FROM {table} LIMIT 1"
            if table == "meta":
                sql = f"SELECT 1 FROM meta WHERE key NOT IN ({','.join('?' * len(_LOCAL_META))}) LIMIT 1"
                if conn.execute(sql, _LOCAL_META).fetchone() is not None:
                    return False
                continue
            if conn.execute(sql).fetchone() is not None:
                return False
    return True


def row_counts(db: Database) -> dict[str, int]:
    """Rows per table: what `tracker db info` shows."""
    with db.reading() as conn:
        return {table: int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]) for table in TABLES}


def copy_database(source: Database, target: Database) -> list[TableCopy]:
    """Copy every row of `source` into the empty `target`; verified table by table."""
    if source.schema_version() != target.schema_version():
        raise StorageError(
            f"{target.name}: schema version {target.schema_version()} differs from the source's "
            f"({source.schema_version()}); run `tracker db upgrade` on both first"
        )
    if not is_empty(target):
        raise StorageError(f"{target.name}: the target already holds a workspace's state; refusing to copy")
    copied: list[TableCopy] = []
    with target.transaction() as out:
        for table in TABLES:
            names = columns(source, table)
            insert = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
            count = 0
            for batch in _batches(source, table, names):
                if table == "meta":
                    batch = [row for row in batch if row[0] not in _LOCAL_META]
                out.executemany(insert, batch)
                count += len(batch)
            copied.append(TableCopy(table, count, ""))
        _rebuild_derived(target, out)
    verified: list[TableCopy] = []
    for entry in copied:
        names = columns(source, entry.table)
        mine, theirs = checksum(source, entry.table, names), checksum(target, entry.table, names)
        if mine != theirs:
            raise StorageError(
                f"{target.name}: table {entry.table} differs after the copy "
                f"({mine[1]} rows, checksum {mine[0][:12]} → {theirs[1]} rows, {theirs[0][:12]})"
            )
        verified.append(TableCopy(entry.table, mine[1], mine[0]))
    return verified


def _batches(db: Database, table: str, names: list[str]) -> Iterator[list[tuple[Any, ...]]]:
    order = _ORDER.get(table, "id")
    with db.reading() as conn:
        cursor = conn.execute(f"SELECT {', '.join(names)} FROM {table} ORDER BY {order}")
        while True:
            rows = cursor.fetchmany(_BATCH)
            if not rows:
                return
            yield [tuple(_portable(value) for value in row) for row in rows]


def _portable(value: Any) -> Any:
    # psycopg reads BYTEA as memoryview in some paths; both sides take bytes.
    return bytes(value) if isinstance(value, memoryview) else value


def checksum(db: Database, table: str, names: list[str]) -> tuple[str, int]:
    """SHA-256 over the table's rows in key order, each value in a backend-neutral form."""
    digest = hashlib.sha256()
    count = 0
    for batch in _batches(db, table, names):
        for row in batch:
            if table == "meta" and row[0] in _LOCAL_META:
                continue
            digest.update(repr(tuple(_neutral(value) for value in row)).encode("utf-8", "surrogatepass"))
            count += 1
    return digest.hexdigest(), count


def _neutral(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return hashlib.sha256(bytes(value)).hexdigest()
    return value


def _rebuild_derived(target: Database, conn: Any) -> None:
    """What each backend derives from the rows: the FTS5 index, or the identity counters."""
    if target.dialect == "sqlite":
        conn.execute("INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')")
        conn.execute(
            "INSERT INTO meta (key, value) SELECT 'fts.indexed_to', coalesce(max(id), 0) FROM articles"
            " WHERE true ON CONFLICT (key) DO UPDATE SET value = excluded.value"
        )
        return
    for table in TABLES:
        if "id" in columns(target, table) and table not in _ORDER:
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), coalesce(max(id), 0) + 1, false)"
                f" FROM {table}"
            )
