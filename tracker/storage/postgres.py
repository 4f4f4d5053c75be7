"""The state database on a PostgreSQL server, for a team (psycopg 3).

The storage modules write their SQL once, in the dialect both backends share (`?`
placeholders, ON CONFLICT upserts, RETURNING, FILTER). `PgConnection` is the small
adapter that makes a psycopg connection read like `sqlite3.Connection` to them:
placeholders become `%s` (cached per statement), rows are readable by index and by
column name, and errors become the storage layer's own (`IntegrityError`,
`DatabaseError`, subclasses of sqlite3's), so one `except` serves both backends.

Why psycopg 3 rather than SQLAlchemy Core: the storage layer's SQL is already written
by hand and batched, and psycopg is what SQLAlchemy would call underneath; an ORM or
expression layer would add a translation step to every statement of the ingest hot
path for no query we cannot write directly.

Writers take one transaction-scoped advisory lock (`WRITE_LOCK`), so every invariant the
storage code keeps under SQLite's single writer (ids assigned ahead in a batch, an
article's identity looked up then inserted) holds here too; readers never wait
(MVCC snapshots). Lease claims (`transaction(exclusive=False)`) do not take it: they
rely on row locks with SKIP LOCKED, so watchers claim feeds concurrently.

A URL's password never appears in an error, a log line or `name`: see `redact`.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg

from tracker.errors import StorageError
from tracker.storage.db import Database, check_schema_version, redact
from tracker.storage.schema import MIGRATIONS

#: Advisory lock keys (any two distinct 64-bit numbers of our own).
WRITE_LOCK = 0x7472_6163_6B01  # "track" 01: one writer at a time
MIGRATE_LOCK = 0x7472_6163_6B02  # one process migrates at a time
#: The channel writers notify on commit; dashboards LISTEN to it (see `wait_for_change`).
CHANGES_CHANNEL = "tracker_changes"
CONNECT_TIMEOUT_S = 10
SCHEMES = ("postgresql", "postgres")


class PgIntegrityError(sqlite3.IntegrityError):
    """A PostgreSQL constraint refused a row (the storage layer's `IntegrityError`)."""


class PgDatabaseError(sqlite3.DatabaseError):
    """Any other PostgreSQL error (the storage layer's `DatabaseError`)."""


def check_url(url: str) -> None:
    """A database URL must be postgresql://; anything else is a one-line error naming it."""
    scheme = urlsplit(url).scheme.lower()
    if scheme not in SCHEMES:
        raise StorageError(
            f"database: {redact(url)}: unsupported scheme {scheme!r}; "
            "use a postgresql:// URL, or a file path for SQLite"
        )


# ---------------------------------------------------------------- SQL and rows

_TOKEN = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|::|:[A-Za-z_]\w*|\?|%")


@lru_cache(maxsize=2048)
def translate(sql: str, with_params: bool) -> str:
    """SQLite placeholders as psycopg's: `?` → `%s`, `:name` → `%(name)s`, `%` → `%%`.

    Quoted strings and identifiers are copied as they are (a `?` or `%` inside a literal
    is text); without parameters psycopg does not read placeholders, so `%` stays.
    """
    if not with_params:
        return sql

    def swap(match: re.Match[str]) -> str:
        piece = match.group(0)
        if piece == "?":
            return "%s"
        if piece == "%":
            return "%%"
        if piece.startswith(":") and piece != "::":
            return f"%({piece[1:]})s"
        if piece.startswith("'"):
            return piece.replace("%", "%%")
        return piece

    return _TOKEN.sub(swap, sql)


class PgRow(tuple[Any, ...]):
    """A result row readable like `sqlite3.Row`: by position, by column name, `keys()`."""

    _index: Mapping[str, int]

    def __new__(cls, values: Sequence[Any], index: Mapping[str, int]) -> PgRow:
        row = super().__new__(cls, values)
        row._index = index
        return row

    def __getitem__(self, key: Any) -> Any:  # type: ignore[override]
        if isinstance(key, str):
            return tuple.__getitem__(self, self._index[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._index)


def _row_factory(cursor: Any) -> Any:
    description = cursor.description
    if description is None:
        return tuple
    index = {column.name: i for i, column in enumerate(description)}

    def make(values: Sequence[Any]) -> PgRow:
        return PgRow(values, index)

    return make


class PgConnection:
    """A psycopg connection that reads like `sqlite3.Connection` to the storage modules."""

    def __init__(self, raw: psycopg.Connection[Any]) -> None:
        self.raw = raw

    def execute(self, sql: str, params: Sequence[Any] | Mapping[str, Any] | None = None) -> Any:
        cursor = self.raw.cursor()
        try:
            cursor.execute(translate(sql, params is not None), _params(params))
        except psycopg.Error as exc:
            raise _error(exc) from exc
        return cursor

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]] | Iterator[Sequence[Any]]) -> Any:
        cursor = self.raw.cursor()
        rows = list(rows)
        if not rows:
            return cursor
        try:
            cursor.executemany(translate(sql, True), [_params(r) for r in rows])
        except psycopg.Error as exc:
            raise _error(exc) from exc
        return cursor

    @property
    def in_transaction(self) -> bool:
        return self.raw.info.transaction_status != psycopg.pq.TransactionStatus.IDLE


def _params(params: Any) -> Any:
    if params is None:
        return None
    if isinstance(params, Mapping):
        return {key: _value(value) for key, value in params.items()}
    return [_value(value) for value in params]


def _value(value: Any) -> Any:
    # SQLite stores a bool as 0/1 in INTEGER columns; PostgreSQL would refuse the type.
    return int(value) if isinstance(value, bool) else value


def _error(exc: psycopg.Error) -> sqlite3.Error:
    message = (exc.diag.message_primary if exc.diag else None) or str(exc).strip()
    if isinstance(exc, psycopg.IntegrityError):
        return PgIntegrityError(message)
    return PgDatabaseError(message)


# ---------------------------------------------------------------- the database


class PostgresDatabase(Database):
    """A connection to a PostgreSQL state database, shared between threads one call at a time."""

    dialect = "postgresql"

    def __init__(self, url: str, *, readonly: bool = False) -> None:
        check_url(url)
        self.url = url
        self.name = redact(url)
        self.path = None
        self.readonly = readonly
        self._lock = threading.RLock()
        self.raw = _connect(url, self.name)
        self.conn = PgConnection(self.raw)
        self._listener: psycopg.Connection[Any] | None = None

    def another(self) -> PostgresDatabase:
        return PostgresDatabase(self.url, readonly=self.readonly)

    # -- transactions

    @contextmanager
    def transaction(self, *, exclusive: bool = True) -> Iterator[PgConnection]:
        """A write transaction: all or nothing; `exclusive` holds the one-writer lock."""
        with self._lock:
            try:
                self.raw.execute("BEGIN")
                if exclusive:
                    self.raw.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
            except psycopg.Error as exc:
                self._rollback()
                raise self._storage_error("cannot start a transaction", exc) from None
            try:
                yield self.conn
                # Delivered on commit only; dashboards elsewhere refresh at once.
                self.raw.execute("SELECT nextval('tracker_data_version')")
                self.raw.execute(f"NOTIFY {CHANGES_CHANNEL}")
            except BaseException:
                self._rollback()
                raise
            try:
                self.raw.execute("COMMIT")
            except psycopg.Error as exc:
                self._rollback()
                raise self._storage_error("commit failed", exc) from None

    def _rollback(self) -> None:
        if self.raw.closed:
            return
        try:
            if self.raw.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                self.raw.execute("ROLLBACK")
        except psycopg.Error:
            pass  # the connection is gone: nothing of the transaction was committed

    def _storage_error(self, doing: str, exc: psycopg.Error) -> StorageError:
        return StorageError(f"{self.name}: {doing}: {_error(exc)}")

    @contextmanager
    def reading(self) -> Iterator[PgConnection]:
        """A consistent read: one snapshot (REPEATABLE READ) for several queries."""
        with self._lock:
            if self.conn.in_transaction:
                yield self.conn
                return
            try:
                self.raw.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            except psycopg.Error as exc:
                self._rollback()
                raise self._storage_error("cannot read", exc) from None
            try:
                yield self.conn
            finally:
                self._rollback()  # a read-only snapshot: ending it is all there is to do

    # -- schema

    def schema_version(self) -> int:
        with self._lock:
            row = self.raw.execute("SELECT to_regclass('tracker_schema') IS NOT NULL").fetchone()
            if not row or not row[0]:
                return 0
            found = self.raw.execute("SELECT max(version) FROM tracker_schema").fetchone()
            return int(found[0] or 0) if found else 0

    def migrate(self) -> int:
        """Apply every migration newer than the database, one process at a time."""
        with self._lock:
            try:
                self.raw.execute("SELECT pg_advisory_lock(%s)", (MIGRATE_LOCK,))
            except psycopg.Error as exc:
                raise self._storage_error("cannot lock the schema", exc) from None
            try:
                current = self.schema_version()
                check_schema_version(self.name, current)
                for version, migration in enumerate(MIGRATIONS[current:], start=current + 1):
                    with self.transaction(exclusive=False) as conn:
                        if version == 1:
                            conn.execute("CREATE TABLE tracker_schema (version INTEGER NOT NULL)")
                            conn.execute("CREATE SEQUENCE tracker_data_version")
                        conn.raw.execute(migration.postgresql)
                        conn.execute("INSERT INTO tracker_schema (version) VALUES (?)", (version,))
            except psycopg.Error as exc:
                raise self._storage_error("cannot upgrade the schema", exc) from None
            finally:
                # A failure here means the session is gone, and its lock with it.
                with contextlib.suppress(psycopg.Error):
                    self.raw.execute("SELECT pg_advisory_unlock(%s)", (MIGRATE_LOCK,))
        return self.schema_version()

    def data_version(self) -> tuple[int, int]:
        """Every committed write (anyone's) advances `tracker_data_version`."""
        with self._lock:
            try:
                row = self.raw.execute("SELECT last_value FROM tracker_data_version").fetchone()
            except psycopg.Error as exc:
                raise self._storage_error("cannot read", exc) from None
        return int(row[0]) if row else 0, 0

    def wait_for_change(self, timeout: float) -> bool:
        """Block up to `timeout` seconds for another writer's commit (LISTEN/NOTIFY).

        Uses a connection of its own, so a dashboard can wait in a worker thread while
        its main connection reads. Notifications are not replayed to a listener that
        was away: callers keep comparing `data_version` too.
        """
        if self._listener is None or self._listener.closed:
            self._listener = _connect(self.url, self.name)
            self._listener.execute(f"LISTEN {CHANGES_CHANNEL}")
        try:
            for _ in self._listener.notifies(timeout=timeout, stop_after=1):
                return True
        except psycopg.Error:
            self._listener.close()
            self._listener = None
        return False

    # -- maintenance

    def checkpoint(self) -> None:
        """PostgreSQL checkpoints by itself; nothing to do."""

    def optimize(self) -> None:
        with self._lock:
            self.raw.execute("ANALYZE")

    def integrity_check(self) -> str:
        """PostgreSQL keeps its own integrity; a query that reads every table answers."""
        with self.reading() as conn:
            conn.execute("SELECT count(*) FROM articles").fetchone()
        return "ok"

    def backup(self, target: Path, *, shown_as: Path | None = None) -> None:
        """A SQLite file holding the whole state: `tracker backup` works the same on both."""
        from tracker.storage.copying import copy_database
        from tracker.storage.db import SqliteDatabase

        dest = SqliteDatabase(target)
        try:
            dest.migrate()
            copy_database(self, dest)
            dest.checkpoint()
            dest.conn.execute("PRAGMA journal_mode = DELETE")
        except BaseException:
            dest.close()
            target.unlink(missing_ok=True)
            raise
        dest.close()

    def close(self) -> None:
        with self._lock:
            self.raw.close()
            if self._listener is not None:
                self._listener.close()


def _connect(url: str, name: str) -> psycopg.Connection[Any]:
    try:
        raw = psycopg.connect(
            url,
            autocommit=True,  # we issue BEGIN/COMMIT ourselves, as on SQLite
            connect_timeout=CONNECT_TIMEOUT_S,
            application_name="tracker",
        )
    except psycopg.Error as exc:
        raise StorageError(f"{name}: cannot connect: {_clean(str(exc), url)}") from None
    raw.row_factory = _row_factory
    return raw


def _clean(message: str, url: str) -> str:
    """A driver message on one line, never holding the password."""
    password = urlsplit(url).password
    if password:
        message = message.replace(password, "***")
    return " ".join(message.split())
