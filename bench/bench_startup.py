"""How long `tracker --help` and `tracker status` take to start (`python -m bench startup`).

Figures, against the targets of issue #14 (< 200 ms each, on the bundled workspace):
wall time from starting the process to its exit, the best and the median of several
runs (the best is what the code costs, the median what a loaded machine adds), next to
a bare `python -c pass`, the floor no command can go under. Each command runs once
first so that bytecode is compiled and files are cached, as for anyone who ran it
before. Printed, never asserted: timing tests fail on a busy machine.

What `--help` imports is the other half of the story: the test
tests/test_cli_startup.py checks (structurally, not by timing) that it loads none of
the heavy libraries, which `python -X importtime -m tracker --help` also shows.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = 15
TARGET = 0.200
COMMANDS: dict[str, list[str]] = {
    "python -c pass (floor)": [sys.executable, "-c", "pass"],
    "tracker --help": [sys.executable, "-m", "tracker", "--help"],
    "tracker status": [sys.executable, "-m", "tracker", "status"],
}


def _environment() -> dict[str, str]:
    """This checkout first on the path, bytecode allowed (a no-bytecode shell would time the compiler)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.setdefault("PYTHONPYCACHEPREFIX", str(Path(os.environ.get("TMPDIR", "/tmp")) / "tracker-bench-pyc"))
    env.pop("TRACKER_WORKSPACE", None)
    return env


def time_command(argv: list[str], runs: int = RUNS) -> list[float]:
    """Wall seconds of `runs` runs of `argv` from the bundled workspace, after one warm-up run."""
    env = _environment()
    samples: list[float] = []
    for index in range(runs + 1):
        started = time.perf_counter()
        done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, check=False)
        elapsed = time.perf_counter() - started
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} exited {done.returncode}: {done.stderr.decode()[-500:]}")
        if index:
            samples.append(elapsed)
    return samples


def main() -> None:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{RUNS} runs each from {ROOT} (load average {load:.2f}, {os.cpu_count()} CPUs)")
    for name, argv in COMMANDS.items():
        samples = time_command(argv)
        best, median = min(samples), statistics.median(samples)
        verdict = ""
        if "floor" not in name:
            verdict = " ok" if best < TARGET else f" OVER target {TARGET * 1000:.0f} ms"
        print(f"  {name:<28} best {best * 1000:6.1f} ms   median {median * 1000:6.1f} ms{verdict}")


if __name__ == "__main__":
    main()
