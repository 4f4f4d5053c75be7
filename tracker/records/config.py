"""`tracker.yaml`: optional workspace settings, validated like every other record file.

Every key is optional; a missing file means the defaults. Problems are collected with
file, line and field (`tracker check` prints them), and an invalid value falls back to
its default so the watcher still starts. The format is documented in docs/deploy.md:

    stale_after: 365 days          # derived status `stalled` after this long without evidence
    timezone: Europe/Berlin        # for the times below; default: this machine's zone
    daily_at: "03:30"              # statuses refreshed, database checkpointed and optimised
    reports:                       # written by `tracker watch` every day
      - name: weekly-status        # file name stem; default: the `what`
        format: markdown           # yaml | json | csv | markdown
        what: commitments          # commitments | evidence | history | assessments
        folder: reports            # relative to the workspace
        at: "07:00"
        status: [overdue, stalled] # filters, as `tracker export` takes them
    on_signal: [notify-send, "New signal"]   # argv (no shell); the signal as JSON on stdin
    on_digest: [./mail-digest.sh]            # argv; the digest as JSON on stdin
    digest_at: "08:00"
    hook_timeout: 30 s
    on_signal_limit: 20            # hook runs per pass at most; the digest lists the rest
    shutdown_grace: 30 s           # SIGTERM waits this long for the job in flight
    fulltext: gate                 # fetch article pages: gate (feeds with `fulltext: true`,
                                   # and summary-only articles passing a rule's `all` gate),
                                   # feeds (only those feeds), off
    browser: [firefox, --new-tab]  # argv the dashboard's `o` opens links with (the URL is
                                   # appended, or replaces "{url}"); default: $BROWSER
    reviewer: ana                  # who reviews and assesses here, when no --by is given
    database: postgresql://tracker@db.example.org/tracker   # a team's shared state (docs/deploy.md);
                                   # default: .tracker/tracker.db (SQLite); $TRACKER_DATABASE_URL wins
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time, timedelta, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tracker.errors import Problem, RecordError
from tracker.records.validate import Checker
from tracker.records.yamlio import LineList, LineMap, load_file
from tracker.types import DERIVED_STATUSES, VERDICT_SCORES

#: The formats and kinds of `tracker export`, repeated here so that reading the config
#: never imports the report machinery (tests/test_config.py checks they agree).
REPORT_FORMATS = ("yaml", "json", "csv", "markdown")
REPORT_KINDS = ("commitments", "evidence", "history", "assessments")
REPORT_EXTENSIONS = {"yaml": "yaml", "json": "json", "csv": "csv", "markdown": "md"}
STATUSES = tuple(dict.fromkeys((*VERDICT_SCORES, *DERIVED_STATUSES)))

KNOWN_KEYS = (
    "stale_after",
    "timezone",
    "daily_at",
    "reports",
    "on_signal",
    "on_digest",
    "digest_at",
    "hook_timeout",
    "on_signal_limit",
    "shutdown_grace",
    "fulltext",
    "browser",
    "reviewer",
    "database",
)
#: When article pages are fetched for their full text (see tracker.feeds.fulltext).
FULLTEXT_MODES = ("gate", "feeds", "off")
REPORT_KEYS = ("name", "format", "what", "folder", "at", "statement", "status", "party", "tag")
RECORD_FOLDERS = ("commitments", "rules", "feeds")

_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")

DEFAULT_DAILY_AT = time(3, 30)
DEFAULT_DIGEST_AT = time(8, 0)
DEFAULT_REPORT_AT = time(7, 0)
DEFAULT_HOOK_TIMEOUT = timedelta(seconds=30)
DEFAULT_SHUTDOWN_GRACE = timedelta(seconds=30)
DEFAULT_SIGNAL_LIMIT = 20


@dataclass(frozen=True)
class ReportSpec:
    """One scheduled report: what `tracker export` would write, written by the watcher daily."""

    name: str
    format: str = "markdown"
    what: str = "commitments"
    folder: Path = Path("reports")
    at: time = DEFAULT_REPORT_AT
    statement: tuple[str, ...] = ()
    status: tuple[str, ...] = ()
    party: tuple[str, ...] = ()
    tag: tuple[str, ...] = ()

    @property
    def job_id(self) -> str:
        return f"report:{self.name}.{self.format}"

    def path(self, root: Path, day: str) -> Path:
        """Where the report of `day` (YYYY-MM-DD) goes: one file per day, never overwritten by another day."""
        folder = self.folder.expanduser()
        folder = folder if folder.is_absolute() else root / folder
        return folder / f"{self.name}-{day}.{REPORT_EXTENSIONS[self.format]}"


@dataclass(frozen=True)
class Config:
    #: Derived status turns `stalled` when the newest supporting evidence is older than this.
    stale_after: timedelta | None = None
    #: IANA zone name for the times of day below; None: the machine's local zone.
    timezone: str | None = None
    daily_at: time = DEFAULT_DAILY_AT
    reports: tuple[ReportSpec, ...] = ()
    #: argv run once per new signal, the signal as JSON on stdin; empty: no hook.
    on_signal: tuple[str, ...] = ()
    #: argv run with each digest as JSON on stdin; empty: no digest is sent.
    on_digest: tuple[str, ...] = ()
    digest_at: time = DEFAULT_DIGEST_AT
    hook_timeout: timedelta = DEFAULT_HOOK_TIMEOUT
    #: A re-match after a rule change may make hundreds of signals: not hundreds of mails.
    on_signal_limit: int = DEFAULT_SIGNAL_LIMIT
    shutdown_grace: timedelta = DEFAULT_SHUTDOWN_GRACE
    fulltext: str = "gate"
    #: argv the dashboard opens links with; empty: $BROWSER or the system's browser.
    browser: tuple[str, ...] = ()
    #: Who reviews and assesses in this workspace when no `--by` is given (before
    #: $TRACKER_USER and the login name): a verdict always records its assessor.
    reviewer: str | None = None
    #: Where the state lives: a `postgresql://` URL, or a SQLite file (relative to the
    #: workspace); None: `.tracker/tracker.db`.
    database: str | None = None

    def zone(self) -> tzinfo:
        """The zone the times of day are in (the machine's when none is configured)."""
        if self.timezone:
            return ZoneInfo(self.timezone)
        # tzlocal comes with APScheduler 3 (which uses it for the same purpose): it gives
        # the named zone, so report times follow daylight saving time.
        from tzlocal import get_localzone

        return get_localzone()


def load_config(path: Path) -> tuple[Config, list[Problem]]:
    """The settings, or the defaults with the problems when the file is invalid or absent."""
    if not path.exists():
        return Config(), []
    try:
        data = load_file(path)
    except RecordError as exc:
        return Config(), exc.problems
    if data is None:
        return Config(), []
    check = Checker(path)
    root = check.mapping(data, "", 1)
    if root is None:
        return Config(), check.problems
    check.keys(root, "", (), KNOWN_KEYS)
    config = Config(
        stale_after=check.duration(root, "stale_after", ""),
        timezone=_timezone(check, root),
        daily_at=_clock(check, root, "daily_at", "", DEFAULT_DAILY_AT),
        reports=_reports(check, root, path.parent),
        on_signal=_argv(check, root, "on_signal"),
        on_digest=_argv(check, root, "on_digest"),
        digest_at=_clock(check, root, "digest_at", "", DEFAULT_DIGEST_AT),
        hook_timeout=check.duration(root, "hook_timeout", "") or DEFAULT_HOOK_TIMEOUT,
        on_signal_limit=_count(check, root, "on_signal_limit", DEFAULT_SIGNAL_LIMIT),
        shutdown_grace=check.duration(root, "shutdown_grace", "") or DEFAULT_SHUTDOWN_GRACE,
        fulltext=_fulltext(check, root),
        browser=_argv(check, root, "browser"),
        reviewer=_person(check, root),
        database=_database(check, root),
    )
    return config, check.problems


# ---------------------------------------------------------------- fields

#: The longest name a person is recorded under (reviews, evidence, verdicts).
PERSON_MAX = 100


def _person(check: Checker, root: LineMap) -> str | None:
    name = check.string(root, "reviewer", "", required=False)
    if name is not None and (len(name) > PERSON_MAX or not name.isprintable()):
        check.add(
            root.line_of("reviewer"), "reviewer", f"a name of at most {PERSON_MAX} printable characters"
        )
        return None
    return name.strip() if name else None


#: URL schemes `database:` takes besides a file path.
DATABASE_SCHEMES = ("postgresql", "postgres")


def _database(check: Checker, root: LineMap) -> str | None:
    value = check.string(root, "database", "", required=False)
    if value is None:
        return None
    value = value.strip()
    scheme = value.split("://", 1)[0].lower() if "://" in value else None
    if scheme is not None and scheme not in DATABASE_SCHEMES:
        check.add(
            root.line_of("database"),
            "database",
            f"a postgresql:// URL or a file path, got a {scheme}:// URL",
        )
        return None
    if "\n" in value or not value:
        check.add(root.line_of("database"), "database", "a postgresql:// URL or a file path")
        return None
    return value


def parse_clock(value: Any) -> time:
    """A time of day, "07:00" or 7:00. Raises ValueError naming what is expected.

    YAML 1.1 reads an unquoted 17:30 as the base-60 number 1050; it is read back here,
    so users need not remember to quote times.
    """
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
        return time(value // 60, value % 60)
    if isinstance(value, str) and (match := _CLOCK.match(value.strip())):
        return time(int(match.group(1)), int(match.group(2)))
    raise ValueError(f'expected a time of day such as "07:00", got {value!r}')


def _clock(check: Checker, node: LineMap, key: str, field: str, default: time) -> time:
    if key not in node:
        return default
    try:
        return parse_clock(node[key])
    except ValueError as exc:
        check.add(node.line_of(key), _join(field, key), str(exc))
        return default


def _fulltext(check: Checker, root: LineMap) -> str:
    """One of FULLTEXT_MODES (default `gate`). YAML 1.1 reads a bare `off` as false: so is it here."""
    value = root.get("fulltext")
    if value is None:
        return FULLTEXT_MODES[0]
    if isinstance(value, bool):
        return "gate" if value else "off"
    if value not in FULLTEXT_MODES:
        check.add(
            root.line_of("fulltext"),
            "fulltext",
            f"expected one of {', '.join(FULLTEXT_MODES)}, got {value!r}",
        )
        return FULLTEXT_MODES[0]
    return str(value)


def _timezone(check: Checker, root: LineMap) -> str | None:
    name = check.string(root, "timezone", "", required=False)
    if name is None:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        check.add(
            root.line_of("timezone"), "timezone", f"unknown time zone {name!r}; expected e.g. Europe/Berlin"
        )
        return None
    return name


def _argv(check: Checker, root: LineMap, key: str) -> tuple[str, ...]:
    """A command as a list of arguments; a single string is refused because no shell splits it."""
    if key not in root or root[key] is None:
        return ()
    if not isinstance(root[key], LineList) or not root[key]:
        check.add(
            root.line_of(key),
            key,
            "expected a command as a non-empty list of arguments, e.g. [notify-send, New signal] "
            "(no shell is used; for pipes write [sh, -c, '...'])",
        )
        return ()
    return check.string_list(root, key, "") or ()


def _count(check: Checker, root: LineMap, key: str, default: int) -> int:
    value = check.number(root, key, "", default=default)
    if value < 0 or value != int(value):
        check.add(root.line_of(key), key, f"expected a whole number ≥ 0, got {root[key]!r}")
        return default
    return int(value)


def _reports(check: Checker, root: LineMap, workspace: Path) -> tuple[ReportSpec, ...]:
    specs: list[ReportSpec] = []
    seen: set[str] = set()
    for item, field, line in check.items(root.get("reports"), "reports", root.line_of("reports")):
        node = check.mapping(item, field, line)
        if node is None:
            continue
        spec = _report(check, node, field, workspace)
        if spec is None:
            continue
        if spec.job_id in seen:
            check.add(node.line, field, f"a second report named {spec.name!r} in {spec.format}; rename one")
            continue
        seen.add(spec.job_id)
        specs.append(spec)
    return tuple(specs)


def _report(check: Checker, node: LineMap, field: str, workspace: Path) -> ReportSpec | None:
    before = len(check.problems)
    check.keys(node, field, (), REPORT_KEYS)
    what = check.choice(node, "what", field, REPORT_KINDS, default="commitments") or "commitments"
    name = check.string(node, "name", field, required=False) or what
    if not _NAME.match(name):
        check.add(
            node.line_of("name"), _join(field, "name"), f"{name!r} must be letters, digits, '.', '_', '-'"
        )
    folder = Path(check.string(node, "folder", field, required=False) or "reports")
    _check_folder(check, node, field, folder, workspace)
    statuses = check.string_list(node, "status", field) or ()
    for status in statuses:
        if status not in STATUSES:
            check.add(
                node.line_of("status"),
                _join(field, "status"),
                f"unknown status {status!r}; expected one of {', '.join(STATUSES)}",
            )
    spec = ReportSpec(
        name=name,
        format=check.choice(node, "format", field, REPORT_FORMATS, default="markdown") or "markdown",
        what=what,
        folder=folder,
        at=_clock(check, node, "at", field, DEFAULT_REPORT_AT),
        statement=check.string_list(node, "statement", field) or (),
        status=statuses,
        party=check.string_list(node, "party", field) or (),
        tag=check.string_list(node, "tag", field) or (),
    )
    return spec if len(check.problems) == before else None


def _check_folder(check: Checker, node: LineMap, field: str, folder: Path, workspace: Path) -> None:
    """Reports must not land among the records: the watcher would read them back as records."""
    target = folder.expanduser()
    target = (target if target.is_absolute() else workspace / target).resolve()
    for name in RECORD_FOLDERS:
        records = (workspace / name).resolve()
        if target == records or records in target.parents:
            check.add(
                node.line_of("folder"),
                _join(field, "folder"),
                f"{folder} is inside {name}/, which holds records; choose another folder",
            )


def _join(*parts: str) -> str:
    return ".".join(p for p in parts if p)
