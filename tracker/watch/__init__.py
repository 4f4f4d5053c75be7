"""`tracker watch`: the long-running face that polls on a schedule.

Owns the APScheduler jobs and their bookkeeping (`schedule`), reloading edited record
files while keeping the last good version (`reload`) and the watcher's logs (`logs`).
Like the CLI and the dashboard, it works only through `tracker.core.Tracker`.
"""
