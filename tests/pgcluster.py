"""A throw-away PostgreSQL server for the test suite, started by the tests themselves.

`make test` on a fresh machine has no PostgreSQL: the `pgserver` package (a test
extra) ships the server binaries and starts one in a temporary folder in about a
second. One server serves the whole session; each test gets a database of its own,
copied from a migrated template (CREATE DATABASE … TEMPLATE is a file copy, much
faster than migrating every time), and dropped afterwards.
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

TEMPLATE = "tracker_template"


class PgCluster:
    """One running server; `fresh()` hands out empty, migrated databases."""

    def __init__(self, url: str, server: Any, folder: Path) -> None:
        self.url = url
        self.server = server
        self.folder = folder
        self._names = itertools.count(1)

    def url_of(self, database: str) -> str:
        parts = urlsplit(self.url)
        return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, ""))

    def admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(sql)

    def make_template(self) -> None:
        from tracker.storage import open_database

        self.admin(f"DROP DATABASE IF EXISTS {TEMPLATE}")
        self.admin(f"CREATE DATABASE {TEMPLATE}")
        open_database(self.url_of(TEMPLATE)).close()

    def fresh(self, *, migrated: bool = True) -> str:
        """The URL of a new database (migrated, or empty)."""
        name = f"t{next(self._names)}"
        self.admin(f"CREATE DATABASE {name}" + (f" TEMPLATE {TEMPLATE}" if migrated else ""))
        return self.url_of(name)

    def drop(self, url: str) -> None:
        name = urlsplit(url).path.lstrip("/")
        self.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def stop(self) -> None:
        self.server.cleanup()
        shutil.rmtree(self.folder, ignore_errors=True)


def start_cluster() -> Iterator[PgCluster]:
    """Start a server (skipping, with the reason, where pgserver cannot run)."""
    import pytest

    try:
        import pgserver
    except ImportError as exc:  # pragma: no cover - the test extra installs it
        pytest.skip(f"PostgreSQL tests need the pgserver package (pip install -e '.[test]'): {exc}")
    # Outside pytest's tmp folders: the server may run as an unprivileged user, which
    # must be able to reach its data folder.
    folder = Path(tempfile.mkdtemp(prefix="tracker-pg-"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs: XDG_RUNTIME_DIR not set on CI machines
        server = pgserver.get_server(folder / "data", cleanup_mode="delete")
    cluster = PgCluster(server.get_uri(), server, folder)
    cluster.make_template()
    try:
        yield cluster
    finally:
        cluster.stop()
