"""A writer killed with SIGKILL mid-way loses no committed review and leaves a sound file."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import MINIMAL_STATEMENT, write

WRITER = r"""
import sys
from pathlib import Path
from tracker.core import Tracker
from tracker.workspace import Workspace

tracker = Tracker(Workspace(Path(sys.argv[1])))
n = 0
while True:
    n += 1
    evidence = tracker.add_evidence("demo/1", title=f"evidence {n}", url=f"https://example.org/{n}")
    tracker.assess("demo/1", status="in_progress", rationale=f"review {n}", evidence_ids=[evidence])
    print(n, flush=True)  # printed only after both transactions committed
"""


def test_sigkill_mid_way_loses_no_committed_review(empty_workspace: Path, tmp_path: Path) -> None:
    write(empty_workspace / "commitments" / "demo.yaml", MINIMAL_STATEMENT)
    script = tmp_path / "writer.py"
    script.write_text(WRITER, encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, str(script), str(empty_workspace)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
    )
    assert proc.stdout is not None
    reported = 0
    deadline = time.monotonic() + 30
    while reported < 40 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        reported = int(line)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert reported >= 40, "the writer did not get going"

    db = empty_workspace / ".tracker" / "tracker.db"
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assessed = conn.execute("SELECT count(*) FROM assessments").fetchone()[0]
        evidence = conn.execute("SELECT count(*) FROM evidence").fetchone()[0]
        rationales = {r[0] for r in conn.execute("SELECT rationale FROM assessments")}
        history = conn.execute("SELECT evidence_ids FROM status_history WHERE origin = 'analyst'").fetchall()
    # Everything the writer reported as done is there; at most the step in flight is missing.
    assert assessed >= reported and evidence >= reported
    assert {f"review {n}" for n in range(1, reported + 1)} <= rationales
    # Each assessment and its history entry were one transaction.
    assert len(history) == assessed and all(json.loads(h[0]) for h in history)
