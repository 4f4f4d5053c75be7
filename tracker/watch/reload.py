"""Reload records while the watcher runs, keeping the last good version of a broken file.

A user edits `rules/energy.yaml` in an editor while `tracker watch` runs for months.
Every save is seen (watchfiles, debounced) and the three record folders are read
again. A file that now has problems is reported (file:line: field: message) and the
version the watcher was already running, if that one was clean, keeps running. This
matters beyond convenience: a statement file with one typo is dropped whole by the
loader, its rules lose their targets, and a re-match would retract every signal of
that statement. So the watcher only re-matches over a set of records in which every
broken file was replaced by a good version (`RecordSet.unresolved` is empty).

The loaders read folders, so a replaced file is run from a copy: the category's
folder is mirrored under `.tracker/reload/` with the last good bytes in place of the
broken file. Problems found there are mapped back to the real paths.
"""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeVar

import watchfiles

from tracker.core import Matcher, Workspace, load_record_set
from tracker.errors import Problem
from tracker.types import Feed, Origin, Statement

log = logging.getLogger("tracker.watch.reload")

CATEGORIES = ("commitments", "rules", "feeds")
_T = TypeVar("_T")
RECORD_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class RecordSet:
    """The records a watcher runs: statements, feeds and the compiled rules."""

    statements: tuple[Statement, ...]
    feeds: tuple[Feed, ...]
    matcher: Matcher
    #: What is wrong with the files on disk now: in the broken files (whether or not a good
    #: version replaced them), and in the others given the versions that run.
    problems: tuple[Problem, ...] = ()
    #: Broken files whose last good version runs instead.
    kept: tuple[Path, ...] = ()
    #: Broken files with no good version to run: their valid parts run, if any.
    unresolved: tuple[Path, ...] = ()

    @property
    def fingerprint(self) -> str:
        return self.matcher.fingerprint

    def feed(self, name: str) -> Feed | None:
        return next((f for f in self.feeds if f.name == name), None)


@dataclass(frozen=True)
class ReloadReport:
    """What a (re)load found and what changed compared with the records running before."""

    records: RecordSet
    previous: RecordSet | None

    @property
    def rules_changed(self) -> bool:
        return self.previous is None or self.previous.fingerprint != self.records.fingerprint

    @property
    def feeds_changed(self) -> bool:
        return self.previous is None or self.previous.feeds != self.records.feeds

    @property
    def statements_changed(self) -> bool:
        return self.previous is None or self.previous.statements != self.records.statements


@dataclass
class _Version:
    data: bytes
    clean: bool


@dataclass
class _Snapshot:
    """The bytes of every record file at the start of a load, by category."""

    files: dict[str, dict[Path, bytes]] = field(default_factory=dict)

    def all(self) -> dict[Path, bytes]:
        return {path: data for files in self.files.values() for path, data in files.items()}


class RecordKeeper:
    """Loads the workspace's records and remembers the last good version of each file.

    Thread-safe: `load` may be called from the file-watching thread while jobs read
    `current` (an immutable RecordSet, replaced whole).
    """

    def __init__(self, workspace: Workspace, *, staging: Path | None = None) -> None:
        self.workspace = workspace
        self.staging = staging or workspace.state_dir / "reload"
        self.current: RecordSet | None = None
        self._accepted: dict[Path, _Version] = {}
        self._lock = threading.Lock()

    def dirs(self) -> dict[str, Path]:
        return {
            "commitments": self.workspace.commitments_dir,
            "rules": self.workspace.rules_dir,
            "feeds": self.workspace.feeds_dir,
        }

    def load(self) -> ReloadReport:
        """Read every record file; replace broken files by their last good version; swap."""
        with self._lock:
            snapshot = self._snapshot()
            on_disk = snapshot.all()
            first = _load_from(self.dirs())
            broken = {p.file for p in first.problems}
            substitutes = {
                path: version.data
                for path in broken
                if (version := self._accepted.get(path)) is not None
                and version.clean
                and version.data != on_disk.get(path)
            }
            records = first if not substitutes else self._load_substituted(snapshot, substitutes)
            # A rule file may be broken only because a statement file was: once that one
            # runs its good version, the rule file is fine, so ask the effective load.
            still_broken = {p.file for p in records.problems} - substitutes.keys()
            # What to tell the user: what is wrong in the files replaced, and what is still
            # wrong with them in place (not the rule file that only lost its targets).
            problems = [p for p in first.problems if p.file in substitutes] + list(records.problems)
            records = replace(
                records,
                problems=tuple(sorted(problems, key=lambda p: (str(p.file), p.line or 0))),
                kept=tuple(sorted(substitutes)),
                unresolved=tuple(sorted(still_broken)),
            )
            self._remember(snapshot, still_broken, substitutes)
            report = ReloadReport(records, self.current)
            self.current = records
            return report

    # -- internals

    def _snapshot(self) -> _Snapshot:
        snapshot = _Snapshot()
        for category, folder in self.dirs().items():
            files: dict[Path, bytes] = {}
            for path in _record_files(folder):
                try:
                    files[path] = path.read_bytes()
                except OSError:
                    continue  # deleted between listing and reading: gone, as far as we know
            snapshot.files[category] = files
        return snapshot

    def _load_substituted(self, snapshot: _Snapshot, substitutes: dict[Path, bytes]) -> RecordSet:
        """Load again from mirrored folders in which the broken files hold their last good bytes."""
        dirs = self.dirs()
        mirrored: dict[str, Path] = {}
        for category, folder in dirs.items():
            files = snapshot.files.get(category, {})
            if not substitutes.keys() & files.keys():
                continue
            target = self.staging / category
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir(parents=True)
            for path, data in files.items():
                (target / path.relative_to(folder)).write_bytes(substitutes.get(path, data))
            mirrored[category] = target
        records = _load_from({**dirs, **mirrored})
        back = {target: dirs[category] for category, target in mirrored.items()}
        return _rehome(records, back)

    def _remember(self, snapshot: _Snapshot, broken: set[Path], substitutes: dict[Path, bytes]) -> None:
        """A clean file becomes the last good version; a broken one only if nothing better exists."""
        current = snapshot.all()
        self._accepted = {
            path: self._accepted[path] if path in substitutes else _Version(data, path not in broken)
            for path, data in current.items()
        }


def _load_from(dirs: dict[str, Path]) -> RecordSet:
    statements, feeds, matcher, problems = load_record_set(dirs["commitments"], dirs["feeds"], dirs["rules"])
    return RecordSet(tuple(statements), tuple(feeds), matcher, tuple(problems))


def _rehome(records: RecordSet, back: dict[Path, Path]) -> RecordSet:
    """Records and problems loaded from the mirror name the real files again.

    (The rules inside the compiled matcher keep the mirror's paths: the watcher never
    shows a rule's origin, and the fingerprint does not include it.)
    """

    def real(path: Path) -> Path:
        for mirror, folder in back.items():
            if path.is_relative_to(mirror):
                return folder / path.relative_to(mirror)
        return path

    def rehomed(item: _T) -> _T:
        origin: Origin | None = getattr(item, "origin", None)
        return item if origin is None else replace(item, origin=replace(origin, file=real(origin.file)))  # type: ignore[type-var]

    statements = tuple(
        replace(rehomed(s), commitments=tuple(rehomed(c) for c in s.commitments)) for s in records.statements
    )
    return replace(
        records,
        statements=statements,
        feeds=tuple(rehomed(f) for f in records.feeds),
        problems=tuple(replace(p, file=real(p.file)) for p in records.problems),
    )


def _record_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in RECORD_SUFFIXES and p.is_file())


def is_record_file(path: str | Path) -> bool:
    """A YAML record, not an editor's swap file, backup or hidden temporary."""
    name = Path(path).name
    return Path(name).suffix in RECORD_SUFFIXES and not name.startswith((".", "#"))


# ---------------------------------------------------------------- watching the folders


class FileWatcher:
    """A thread that calls `on_change(paths)` after record files change (debounced).

    watchfiles uses the OS's notifications (inotify, FSEvents) and batches a burst of
    events (an editor's write, rename and chmod) into one call; `stop()` ends it within
    one `step` (50 ms).
    """

    def __init__(
        self,
        folders: Sequence[Path],
        on_change: Callable[[set[Path]], object],
        *,
        debounce_ms: int = 500,
        force_polling: bool | None = None,
    ) -> None:
        self.folders = list(folders)
        self.on_change = on_change
        self.debounce_ms = debounce_ms
        self.force_polling = force_polling
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tracker-reload", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wait_ready(self, timeout: float = 5.0) -> bool:
        """True once the OS watch is in place (tests change files only after this)."""
        return self._ready.wait(timeout)

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        folders = [f for f in self.folders if f.is_dir()]
        if not folders:
            self._ready.set()
            return
        try:
            for changes in watchfiles.watch(
                *folders,
                watch_filter=lambda _change, path: is_record_file(path),
                debounce=self.debounce_ms,
                stop_event=self._stop,
                raise_interrupt=False,
                yield_on_timeout=True,
                rust_timeout=500,
                force_polling=self.force_polling,
            ):
                self._ready.set()  # the first (timeout) yield: the watch is in place
                if changes:
                    self._deliver({Path(path) for _change, path in changes})
        except Exception:
            log.exception("watching the record folders failed; records reload only on restart")
        finally:
            self._ready.set()

    def _deliver(self, paths: set[Path]) -> None:
        try:
            self.on_change(paths)
        except Exception:
            log.exception("reloading records failed; the records loaded before keep running")
