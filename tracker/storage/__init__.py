"""All SQL lives in this package, behind plain functions over a `Database`.

`db` holds the interface and the SQLite backend, `postgres` the PostgreSQL one;
`open_database` (here, above both) picks one by its target. `feeds`, `articles`,
`signals`, `reviews` and the rest each hold the queries of one part of the state,
written once for both dialects. `copying` moves a whole state between databases.
Nothing outside this package writes SQL.
"""

from __future__ import annotations

from pathlib import Path

from tracker.storage.db import Database, SqliteDatabase, is_database_url


def open_database(target: Path | str, *, migrate: bool = True) -> Database:
    """Open (creating if needed) and migrate the database at a path or a `postgresql://` URL.

    psycopg is imported only for a URL: the single analyst's SQLite never pays for it.
    """
    if is_database_url(target):
        from tracker.storage.postgres import PostgresDatabase

        db: Database = PostgresDatabase(str(target))
    else:
        db = SqliteDatabase(target)
    if migrate:
        try:
            db.migrate()
        except BaseException:
            db.close()
            raise
    return db


__all__ = ["Database", "open_database"]
