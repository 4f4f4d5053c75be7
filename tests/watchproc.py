"""One `tracker watch` process with fast-forwarded feed time, for the multi-watcher tests.

    python -m tests.watchproc WORKSPACE TIME_SCALE LEASE_SECONDS

It runs the real watcher (`tracker.watch.schedule.watch`) exactly as `tracker watch`
does, only with `WatchOptions` the CLI does not expose: feed intervals scaled down so a
two-minute test sees many polls, and a short lease so a killed watcher's feeds are
taken over within the test. SIGTERM stops it as it stops `tracker watch`.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

from tracker.core import FetchSettings, Tracker, Workspace
from tracker.watch.schedule import WatchOptions, watch


def main(argv: list[str]) -> int:
    root, scale, lease = Path(argv[0]), float(argv[1]), float(argv[2])
    options = WatchOptions(
        time_scale=scale,
        watch_files=False,
        lease_ttl=timedelta(seconds=lease),
        presence_every=timedelta(seconds=1),
        feed_workers=4,
        fetch=FetchSettings(connect_timeout=2, read_timeout=5, total_timeout=5, allow_private=True),
        shutdown_grace=5,
    )
    outcome = watch(Tracker(Workspace(root)), options=options)
    return outcome.exit_status


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
