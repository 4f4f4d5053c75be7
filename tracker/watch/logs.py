"""Logging for the long-running watcher: people read stderr, programs read the file.

- stderr: one human line per event (`2025-06-10 07:00:01 INFO  feed=tass status=ok new=3`);
- `.tracker/watch.log`: JSON lines (time, level, logger, message, and the structured
  fields a job passed with `extra=`), rotated by size so months of running never fill
  a disk; `jq` or any log shipper reads it.

`--verbose` adds the debug lines (skipped feeds, APScheduler's own notes), `--quiet`
keeps stderr to warnings and errors; the file always gets at least INFO, so a quiet
systemd journal still leaves a full trace in the workspace.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import Any, TextIO

from tracker.core import escape_active, inert

LOG_NAME = "watch.log"
MAX_BYTES = 5_000_000
BACKUPS = 5
#: Loggers whose records the watcher's handlers receive.
LOGGERS = ("tracker", "apscheduler")

#: Attributes every LogRecord has; anything else came from `extra=` and is a field.
_STANDARD = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


class JsonLinesFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, msg, the `extra` fields, exc."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return escape_active(json.dumps(entry, ensure_ascii=False, default=str))


class HumanFormatter(logging.Formatter):
    """`2025-06-10 07:00:01 INFO  message`; tracebacks follow on their own lines."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-5s %(message)s", datefmt="%Y-%m-%d %H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        """Inert on the terminal: messages quote feed errors and titles written by strangers."""
        return inert(super().format(record), multiline=True)


def console_handler(
    *, verbose: bool = False, quiet: bool = False, stream: TextIO | None = None
) -> logging.Handler:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setLevel(logging.WARNING if quiet else logging.DEBUG if verbose else logging.INFO)
    handler.setFormatter(HumanFormatter())
    return handler


class _QuietFileHandler(RotatingFileHandler):
    """A log file that cannot be written (a full disk) is said once, in one line.

    logging's default prints "--- Logging error ---" and a traceback for every record
    it fails to write: hundreds of them from a watcher on a full disk, hiding the cause.
    When writing works again, the next failure is reported again.
    """

    failing = False
    _errored = False

    def emit(self, record: logging.LogRecord) -> None:
        self._errored = False
        super().emit(record)  # calls handleError when the write fails
        if not self._errored:
            self.failing = False

    def flush(self) -> None:
        try:
            super().flush()
        except (OSError, ValueError) as exc:  # buffered lines a full disk cannot take
            self._report(exc)

    def close(self) -> None:
        try:
            super().close()
        except (OSError, ValueError) as exc:
            self._report(exc)
            self.stream = None  # type: ignore[assignment]

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - logging's name
        self._report(sys.exc_info()[1])

    def _report(self, error: BaseException | None) -> None:
        self._errored = True
        if self.failing:
            return
        self.failing = True
        reason = getattr(error, "strerror", None) or error
        with suppress(OSError, ValueError):
            sys.stderr.write(f"tracker: cannot write the log {self.baseFilename}: {reason}\n")


def file_handler(state_dir: Path, *, verbose: bool = False) -> logging.Handler:
    """The rotating JSON-lines log in the workspace's state folder."""
    state_dir.mkdir(parents=True, exist_ok=True)
    handler = _QuietFileHandler(
        state_dir / LOG_NAME, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8", delay=True
    )
    handler.setLevel(logging.DEBUG if verbose else logging.INFO)
    handler.setFormatter(JsonLinesFormatter())
    return handler


@contextmanager
def logging_to(*handlers: logging.Handler, verbose: bool = False) -> Iterator[None]:
    """Attach handlers to the tracker's loggers for the duration; detach and close them after.

    Detaching matters: tests (and the dashboard) start several watchers in one process.
    """
    levels = {name: logging.getLogger(name).level for name in LOGGERS}
    logging.getLogger("tracker").setLevel(logging.DEBUG if verbose else logging.INFO)
    # APScheduler's INFO and DEBUG ("Running job ...", "Looking for jobs to run", "Next
    # wakeup is due ...") describe its internals, not the user's feeds: only its warnings
    # and errors are shown, with -v too (which is for the tracker's own details).
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    for name in LOGGERS:
        for handler in handlers:
            logging.getLogger(name).addHandler(handler)
    try:
        yield
    finally:
        for name in LOGGERS:
            logger = logging.getLogger(name)
            for handler in handlers:
                logger.removeHandler(handler)
            logger.setLevel(levels[name])
        for handler in handlers:
            handler.close()


def flush_all() -> None:
    """Before an abrupt exit (os._exit): what was logged must reach the file."""
    for name in LOGGERS:
        for handler in logging.getLogger(name).handlers:
            handler.flush()
