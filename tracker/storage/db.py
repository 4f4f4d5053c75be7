"""The state database: SQLite (one file, the embedded default) or PostgreSQL (a team's).

`open_database(target)` takes a path or a `postgresql://` URL and returns a `Database`;
everything above this package sees only that interface and the connection-like object
its `transaction()` and `reading()` yield (`execute`, `executemany`, rows readable by
index and by column name). Storage modules write one SQL text for both backends where
the dialects agree (upserts with ON CONFLICT, RETURNING, FILTER) and ask `dialect(conn)`
where they do not (full-text search, string aggregation). Errors keep one vocabulary:
`IntegrityError` and `DatabaseError` below; the PostgreSQL adapter raises subclasses.

Why these SQLite settings:
- WAL lets the dashboard read while the watcher writes; `busy_timeout` makes a writer
  wait for the other instead of failing with "database is locked".
- Every write transaction starts with BEGIN IMMEDIATE, which takes the write lock up
  front: two processes can then never deadlock on a read-to-write upgrade.
- Migrations are numbered and each runs in its own transaction, so a database from
  any older version is brought forward one step at a time and never left half-done.
"""

from __future__ import annotations

import contextlib
import errno
import shutil
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

from tracker.errors import StorageError
from tracker.storage.schema import MIGRATIONS

BUSY_TIMEOUT_MS = 30_000

#: The storage layer's error vocabulary, for both backends: a constraint refused a row,
#: and any other database error. The PostgreSQL adapter raises subclasses of these.
IntegrityError = sqlite3.IntegrityError
DatabaseError = sqlite3.Error


class Row(Protocol):
    """A result row: by position or by column name (`sqlite3.Row`, `postgres.PgRow`)."""

    def __getitem__(self, key: int | str, /) -> Any: ...

    def keys(self) -> list[str]: ...


class Connection(Protocol):
    """What a transaction yields: `sqlite3.Connection`, or `postgres.PgConnection`."""

    def execute(self, sql: str, params: Any = ..., /) -> Any: ...

    def executemany(self, sql: str, rows: Any, /) -> Any: ...

    @property
    def in_transaction(self) -> bool: ...


@contextmanager
def savepoint(conn: Connection, name: str) -> Iterator[None]:
    """A part of a write transaction that can fail alone: on an exception its writes are
    undone and the exception goes on, the transaction still usable. Unless the database
    ended the transaction itself (SQLite does on a full disk): then `conn.in_transaction`
    is False and the caller must give up the whole transaction."""
    conn.execute(f"SAVEPOINT {name}")
    try:
        yield
    except BaseException:
        if conn.in_transaction:
            conn.execute(f"ROLLBACK TO {name}")
            conn.execute(f"RELEASE {name}")
        raise
    conn.execute(f"RELEASE {name}")


def dialect(conn: Any) -> str:
    """`sqlite` or `postgresql`: the dialect of a connection a transaction yielded."""
    return "sqlite" if isinstance(conn, sqlite3.Connection) else "postgresql"


class Database:
    """What every backend offers; see `SqliteDatabase` and `storage.postgres.PostgresDatabase`.

    `name` is how errors and messages show the database: a path, or a URL with its
    password removed.
    """

    dialect: str = ""
    name: str = ""
    readonly: bool = False
    path: Path | str | None = None

    def transaction(self, *, exclusive: bool = True) -> contextlib.AbstractContextManager[Any]:
        raise NotImplementedError

    def another(self) -> Database:
        """A second connection to the same database, for work that must not queue behind this one's.

        One connection serves one transaction at a time: a lease renewal sent through it
        would wait for a batch of stores, and on PostgreSQL for the other watchers' write
        lock too, and could come after its lease ran out. The caller closes it.
        """
        raise NotImplementedError

    def reading(self) -> contextlib.AbstractContextManager[Any]:
        raise NotImplementedError

    def schema_version(self) -> int:
        raise NotImplementedError

    def migrate(self) -> int:
        raise NotImplementedError

    def data_version(self) -> tuple[int, int]:
        """A value that changes whenever anyone (this process or another) commits a write."""
        raise NotImplementedError

    def wait_for_change(self, timeout: float) -> bool:
        """Block until another process commits, or `timeout` passes (servers that notify)."""
        return False

    def checkpoint(self) -> None:
        raise NotImplementedError

    def optimize(self) -> None:
        raise NotImplementedError

    def integrity_check(self) -> str:
        raise NotImplementedError

    def backup(self, target: Path, *, shown_as: Path | None = None) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class SqliteDatabase(Database):
    """A connection to the SQLite state database, safe to share between threads one call at a time."""

    dialect = "sqlite"

    def __init__(self, path: Path | str, *, readonly: bool = False) -> None:
        self.path = Path(path) if str(path) != ":memory:" else path
        self.name = str(path)
        self.readonly = readonly
        self._lock = threading.RLock()
        try:
            if isinstance(self.path, Path):
                self.path.parent.mkdir(parents=True, exist_ok=True)
            uri = f"file:{self.path}?mode=ro" if readonly else str(self.path)
            self.conn = sqlite3.connect(
                uri,
                uri=readonly,
                isolation_level=None,  # we issue BEGIN/COMMIT ourselves
                check_same_thread=False,
                timeout=BUSY_TIMEOUT_MS / 1000,
            )
        except sqlite3.Error as exc:
            raise StorageError(f"{path}: cannot open the database: {exc}") from None
        self.conn.row_factory = sqlite3.Row
        self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        self.conn.execute("PRAGMA foreign_keys = ON")
        if not readonly:
            try:
                self.conn.execute("PRAGMA journal_mode = WAL")
            except sqlite3.OperationalError as exc:
                self.conn.close()
                raise self._storage_error("cannot switch to WAL mode", exc) from None
            # NORMAL in WAL mode survives any process crash; only an OS crash may lose
            # the last commits, never corrupt the file.
            self.conn.execute("PRAGMA synchronous = NORMAL")

    def another(self) -> Database:
        if not isinstance(self.path, Path):  # an in-memory database exists in one connection only
            raise StorageError(f"{self.name}: an in-memory database has no second connection")
        return SqliteDatabase(self.path, readonly=self.readonly)

    # -- transactions

    @contextmanager
    def transaction(self, *, exclusive: bool = True) -> Iterator[sqlite3.Connection]:
        """A write transaction: all or nothing, holding the write lock from the start.

        (`exclusive` matters only on PostgreSQL: SQLite has one writer at a time anyway.)

        On some errors (a full disk above all) SQLite rolls the transaction back itself;
        our rollback then only runs if one is still open, so the error the user sees is
        the real one ("disk full"), never "cannot rollback - no transaction is active".
        """
        with self._lock:
            try:
                self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise self._storage_error("cannot start a transaction", exc) from None
            try:
                yield self.conn
            except sqlite3.Error as exc:
                self._rollback()
                if is_disk_full(exc, self.path if isinstance(self.path, Path) else None):
                    raise self._storage_error("cannot write", exc) from None
                raise
            except BaseException:
                self._rollback()
                raise
            else:
                try:
                    self.conn.execute("COMMIT")
                except sqlite3.Error as exc:
                    self._rollback()
                    raise self._storage_error("commit failed", exc) from None

    def _rollback(self) -> None:
        # Suppressed: SQLite may end it in the meantime; nothing of it was committed.
        if self.conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                self.conn.execute("ROLLBACK")

    def _storage_error(self, doing: str, exc: sqlite3.Error) -> StorageError:
        if is_disk_full(exc, self.path if isinstance(self.path, Path) else None):
            return StorageError(
                f"{self.path}: disk full ({doing}): the last change was not saved, nothing saved "
                "before is lost; free some space and run the command again"
            )
        return StorageError(f"{self.path}: {doing}: {exc}")

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """A consistent read: one snapshot for several queries.

        Inside an open transaction it reads from that transaction, so a write can
        compute what follows from itself (a review and the status it leads to) atomically.
        """
        with self._lock:
            if self.conn.in_transaction:
                yield self.conn
                return
            self.conn.execute("BEGIN DEFERRED")
            try:
                yield self.conn
            finally:
                self.conn.execute("COMMIT")

    # -- schema

    def schema_version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def migrate(self) -> int:
        """Apply every migration newer than the file; return the final version."""
        current = self.schema_version()
        check_schema_version(self.name, current)
        for version, migration in enumerate(MIGRATIONS[current:], start=current + 1):
            with self.transaction() as conn:
                for statement in _split_sql(migration.sqlite):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {version}")
        return self.schema_version()

    def data_version(self) -> tuple[int, int]:
        """SQLite's `PRAGMA data_version` changes only for commits made by *other*
        connections; `total_changes` covers this connection's own writes. Together they
        let a timer skip the refresh when nothing happened, at the cost of two pragmas.
        """
        with self.reading() as conn:
            other = int(conn.execute("PRAGMA data_version").fetchone()[0])
        return other, self.conn.total_changes

    # -- maintenance

    def checkpoint(self) -> None:
        with self._lock:
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def optimize(self) -> None:
        with self._lock:
            self.conn.execute("PRAGMA optimize")

    def integrity_check(self) -> str:
        with self._lock:
            return str(self.conn.execute("PRAGMA integrity_check").fetchone()[0])

    def backup(self, target: Path, *, shown_as: Path | None = None) -> None:
        """A consistent copy while others write (SQLite's online backup API).

        The copy is switched out of WAL mode: a backup is one self-contained file, with
        no -wal or -shm companions to lose when it is mailed or archived.
        """
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            dest = sqlite3.connect(str(target))
        except (OSError, sqlite3.Error) as exc:
            raise StorageError(f"{target}: cannot write the backup: {exc}") from None
        try:
            with self._lock:
                self.conn.backup(dest)
            dest.execute("PRAGMA journal_mode = DELETE")
        except sqlite3.Error as exc:
            dest.close()
            target.unlink(missing_ok=True)  # an empty or partial copy must not look like a backup
            name = shown_as or target
            if is_disk_full(exc, target):
                raise StorageError(f"{name}: disk full: the backup was not written") from None
            raise StorageError(f"{name}: the backup failed: {exc}") from None
        finally:
            dest.close()

    def close(self) -> None:
        with self._lock:
            self.conn.close()


def is_disk_full(exc: BaseException, path: Path | str | None = None) -> bool:
    """A write failed for lack of space (or quota), from SQLite or the OS.

    SQLite says SQLITE_FULL when a page cannot be written, but only "disk I/O error"
    when the -wal or -shm file cannot be created or grown: with `path`, an I/O error
    on a file system with (almost) no free space counts as a full disk too.
    """
    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", None)
        if code == sqlite3.SQLITE_FULL or "disk is full" in str(exc):
            return True
        return "I/O error" in str(exc) and path is not None and _no_space_left(Path(path))
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)


#: Below this much free space a failed write is put down to a full disk.
NEARLY_FULL = 256 * 1024


def _no_space_left(path: Path) -> bool:
    try:
        return shutil.disk_usage(path.parent if not path.is_dir() else path).free < NEARLY_FULL
    except OSError:
        return False


def check_schema_version(name: str, current: int) -> None:
    """A database written by a newer tracker is never touched by an older one."""
    if current > len(MIGRATIONS):
        raise StorageError(
            f"{name}: schema version {current} is newer than this program "
            f"({len(MIGRATIONS)}); upgrade the tracker"
        )


def is_database_url(target: Path | str) -> bool:
    """A `scheme://` target names a server; anything else is a SQLite file."""
    return "://" in str(target)


def display_name(target: Path | str) -> str:
    """A path as it is; a URL with its password removed (what messages may show)."""
    return redact(str(target)) if is_database_url(target) else str(target)


def redact(url: str) -> str:
    """The URL with its password replaced by `***`: what errors and logs may show."""
    parts = urlsplit(url)
    try:
        password, port = parts.password, parts.port
    except ValueError:  # a port that is not a number: show no more than scheme and host
        return f"{parts.scheme}://{parts.hostname or ''}/…"
    if password is None:
        return url
    host = parts.hostname or ""
    if port:
        host = f"{host}:{port}"
    return urlunsplit(
        (parts.scheme, f"{parts.username or ''}:***@{host}", parts.path, parts.query, parts.fragment)
    )


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_db(moment: datetime | None) -> str | None:
    """Datetimes are stored as ISO 8601 UTC text, which sorts correctly."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def from_db(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements; triggers contain ';' so use sqlite's own test."""
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements
