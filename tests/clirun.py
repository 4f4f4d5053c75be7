"""Run the real CLI in a subprocess, as a user would, and capture what it prints."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Result:
    code: int
    out: str
    err: str


def run_cli(
    *args: str | Path,
    workspace: Path | None = None,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 60,
    stdin: str | None = None,
) -> Result:
    argv = [sys.executable, "-m", "tracker"]
    if workspace is not None:
        argv += ["--workspace", str(workspace)]
    argv += [str(a) for a in args]
    full_env = {**os.environ, "COLUMNS": "160", "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8"}
    full_env.pop("TRACKER_WORKSPACE", None)
    full_env.update(env or {})
    proc = subprocess.run(
        argv, capture_output=True, text=True, env=full_env, cwd=cwd, timeout=timeout, input=stdin, check=False
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)
