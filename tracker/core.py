"""The one core API that the CLI, the scheduler and the TUI call.

`Tracker` holds a workspace's loaded records and its database and offers the
operations of the product: check the records, poll feeds, ingest files, match rules,
review signals, record assessments, compute statuses, export reports. Each method is
a thin call into the module that owns the logic; callers never touch SQL or HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from tracker.errors import NotFoundError, Problem
from tracker.records import commitment_index, load_statements
from tracker.storage.db import Database, open_database
from tracker.types import Commitment, Statement
from tracker.workspace import Workspace


@dataclass
class Records:
    """What the YAML files hold right now, and what was wrong with them."""

    statements: list[Statement]
    problems: list[Problem] = field(default_factory=list)

    @cached_property
    def commitments(self) -> dict[str, Commitment]:
        return commitment_index(self.statements)

    def statement(self, statement_id: str) -> Statement:
        for statement in self.statements:
            if statement.id == statement_id:
                return statement
        raise NotFoundError(f"no statement {statement_id!r}")

    def commitment(self, commitment_id: str) -> Commitment:
        try:
            return self.commitments[commitment_id]
        except KeyError:
            raise NotFoundError(f"no commitment {commitment_id!r}") from None


def load_records(workspace: Workspace) -> Records:
    statements, problems = load_statements(workspace.commitments_dir)
    return Records(statements, problems)


class Tracker:
    """A workspace opened for work. Records load on first use; so does the database."""

    def __init__(self, workspace: Workspace, *, db_path: Path | None = None) -> None:
        self.workspace = workspace
        self._db_path = db_path or workspace.db_path
        self._db: Database | None = None
        self._records: Records | None = None

    # -- records

    @property
    def records(self) -> Records:
        if self._records is None:
            self._records = load_records(self.workspace)
        return self._records

    def reload_records(self) -> Records:
        self._records = None
        return self.records

    def check(self) -> list[Problem]:
        """Every problem in every record file, in file order."""
        records = self.reload_records()
        return sorted(records.problems, key=lambda p: (str(p.file), p.line or 0))

    def record_counts(self) -> dict[str, int]:
        """Counts of the other record kinds, for `tracker check`'s summary."""
        return {}

    # -- state

    @property
    def db(self) -> Database:
        if self._db is None:
            self._db = open_database(self._db_path)
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
