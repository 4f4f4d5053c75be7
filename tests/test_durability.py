"""Reviews survive a writer killed with SIGKILL; backups taken while another process writes are sound.

A child process reviews signals one by one and prints each id only after its
transaction committed; the test kills it mid-stream. Every review it reported must be
in the file, complete (signal, review log, evidence), and every review, the one in
flight included, must be all or nothing.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest

from tests.clirun import run_cli
from tests.fixtures_status import ArticleSpec, insert_article, insert_signal, write_records
from tracker.records.statements import load_statements
from tracker.review.reviewing import Reviewer, backup_database
from tracker.storage import open_database

REPO = Path(__file__).resolve().parents[1]
COMMITMENTS = ("alpha/1", "alpha/2", "alpha/4", "beta/1", "beta/2", "beta/3")

WRITER = r"""
import sys
from pathlib import Path

from tracker.records.statements import load_statements
from tracker.review.reviewing import Reviewer
from tracker.storage import open_database

root, mode = Path(sys.argv[1]), sys.argv[2]
statements, _ = load_statements(root / "commitments")
reviewer = Reviewer(open_database(root / ".tracker" / "tracker.db"), statements)
if mode == "reviews":
    for n, signal_id in enumerate(int(x) for x in sys.argv[3].split(",")):
        if n % 3 == 2:
            reviewer.reject(signal_id, note=f"review {n}", reviewer="child")
        else:
            reviewer.confirm(signal_id, strength="mechanism", note=f"review {n}", reviewer="child")
        print(signal_id, flush=True)  # printed only once the review has committed
    print("done", flush=True)
else:
    n = 0
    while True:
        n += 1
        status = "fulfilled" if n % 2 else "partial"
        reviewer.assess("beta/3", status=status, rationale=f"assessment {n}")
        print(n, flush=True)
"""


@pytest.fixture
def workspace(tmp_path: Path) -> tuple[Path, list[int]]:
    """The status fixture's records and 1,200 signals waiting for review."""
    root = tmp_path / "ws"
    write_records(root)
    db = open_database(root / ".tracker" / "tracker.db")
    ids: list[int] = []
    with db.transaction() as conn:
        for n in range(1200):
            commitment = COMMITMENTS[n % len(COMMITMENTS)]
            spec = ArticleSpec(f"k{n}", f"Article {n}", date(2024, 1, 1 + n % 28), "feed", commitment)
            ids.append(insert_signal(conn, insert_article(conn, spec), commitment))
    db.close()
    return root, ids


@contextmanager
def child(root: Path, *args: str) -> Iterator[subprocess.Popen[str]]:
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(root), *args],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        assert proc.stdout is not None
        proc.stdout.close()


def read_until(proc: subprocess.Popen[str], count: int, *, limit: float = 30) -> list[str]:
    """Lines the child printed, until `count` of them or the time limit."""
    assert proc.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + limit
    while len(lines) < count and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line.strip())
    return lines


def scalar(conn: sqlite3.Connection, sql: str, *params: object) -> object:
    return conn.execute(sql, params).fetchone()[0]


def test_sigkill_mid_way_loses_no_committed_review(workspace: tuple[Path, list[int]]) -> None:
    root, ids = workspace
    with child(root, "reviews", ",".join(map(str, ids))) as proc:
        started = read_until(proc, 60)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        assert proc.stdout is not None
        reported = started + proc.stdout.read().split()  # what it printed before it died
    assert len(started) == 60 and "done" not in reported, "the writer must be killed mid-stream"
    done = [int(x) for x in reported]

    db_path = root / ".tracker" / "tracker.db"
    with sqlite3.connect(db_path) as conn:
        assert scalar(conn, "PRAGMA integrity_check") == "ok"
        for n, signal_id in enumerate(done):
            review = scalar(conn, "SELECT review FROM signals WHERE id = ?", signal_id)
            assert review == ("rejected" if n % 3 == 2 else "confirmed"), signal_id
            assert scalar(conn, "SELECT count(*) FROM reviews WHERE signal_id = ?", signal_id) == 1
            evidence = scalar(conn, "SELECT count(*) FROM evidence WHERE signal_id = ?", signal_id)
            assert evidence == (0 if review == "rejected" else 1)
        # all or nothing, the review in flight included
        reviewed = scalar(conn, "SELECT count(*) FROM signals WHERE review IS NOT NULL")
        assert reviewed in (len(done), len(done) + 1)
        assert scalar(conn, "SELECT count(*) FROM reviews") == reviewed
        confirmed = scalar(conn, "SELECT count(*) FROM signals WHERE review = 'confirmed'")
        assert scalar(conn, "SELECT count(*) FROM evidence") == confirmed

    # the file opens and takes the next review as if nothing happened
    statements, _ = load_statements(root / "commitments")
    db = open_database(db_path)
    try:
        waiting = ids[len(done) + 1]
        Reviewer(db, statements).confirm(waiting)
        assert db.integrity_check() == "ok"
    finally:
        db.close()


def test_backups_while_another_process_writes_are_consistent(
    workspace: tuple[Path, list[int]], tmp_path: Path
) -> None:
    root, _ = workspace
    copies = [tmp_path / f"copy-{n}.db" for n in range(4)]
    db = open_database(root / ".tracker" / "tracker.db")
    try:
        with child(root, "assessments") as proc:
            assert len(read_until(proc, 20)) == 20
            for target in copies[:3]:
                backup_database(db, target)
                read_until(proc, 5)  # let the writer move on between copies
            result = run_cli("backup", copies[3], workspace=root)
            assert result.code == 0, result.err
            assert proc.poll() is None, "the writer must still be writing"
    finally:
        db.close()
    counts = []
    for target in copies:
        with sqlite3.connect(target) as conn:
            assert scalar(conn, "PRAGMA integrity_check") == "ok"
            assessed = scalar(conn, "SELECT count(*) FROM assessments")
            # each assessment and its history entry were one transaction: a copy has both or neither
            recorded = scalar(conn, "SELECT count(*) FROM status_history WHERE origin = 'analyst'")
            assert assessed == recorded and isinstance(assessed, int) and assessed >= 20
            counts.append(assessed)
    assert counts == sorted(counts) and counts[0] < counts[-1]
