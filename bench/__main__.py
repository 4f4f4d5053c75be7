"""Run every benchmark (`make bench`), or the ones named: `python -m bench fetch rules`.

Each `bench/bench_<name>.py` has a `main()` that prints its own figures and targets.
"""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    available = sorted(p.stem.removeprefix("bench_") for p in Path(__file__).parent.glob("bench_*.py"))
    # Options after the names belong to the benchmarks (`python -m bench quality -v`).
    chosen = [name for name in argv if not name.startswith("-")] or available
    unknown = sorted(set(chosen) - set(available))
    if unknown:
        print(f"bench: unknown benchmark(s) {', '.join(unknown)}; available: {', '.join(available)}")
        return 2
    for name in chosen:
        print(f"\n=== {name} " + "=" * (60 - len(name)), flush=True)
        started = time.perf_counter()
        importlib.import_module(f"bench.bench_{name}").main()
        print(f"--- {name}: {time.perf_counter() - started:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
