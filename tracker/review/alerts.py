"""Alerts: the digest of what happened (new signals, status changes) and the user's hooks.

The project sends no mail and posts to no chat. Instead `tracker watch` runs a command
the user configured (`on_signal`, `on_digest` in tracker.yaml) with the data as JSON
on its standard input, so any mailer, chat CLI or script can be wired in
(docs/deploy.md has examples). Hooks run without a shell, with a timeout, in a session
of their own; at the timeout their whole process tree is killed, their output is
bounded, and a failing hook is reported, never fatal.

    digest = build_digest(db, statements, since=..., until=...)
    print(render_digest(digest, "markdown"))
    result = run_hook(["notify-send", "x"], signal_payload(signal, index, root), timeout=30)
"""

from __future__ import annotations

import contextlib
import json
import os
import signal as signals
import subprocess
import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psutil

from tracker.records.statements import commitment_index
from tracker.storage import digest as store
from tracker.storage.db import Database
from tracker.textnorm import escape_active, inert, inert_link
from tracker.types import Commitment, NewSignal, Statement, StatusChange

DIGEST_FORMATS = ("text", "markdown", "json")
#: Bytes of a failing hook's stderr kept for the log.
STDERR_TAIL = 2000


# ---------------------------------------------------------------- the digest model


@dataclass(frozen=True)
class CommitmentDigest:
    """What happened to one commitment in the period."""

    commitment_id: str
    statement_id: str | None
    summary: str | None
    #: Signals still waiting for review: the news. Those already reviewed are listed apart,
    #: so a mail never presents a rejected signal as new.
    signals: tuple[NewSignal, ...]
    changes: tuple[StatusChange, ...]
    confirmed: tuple[NewSignal, ...] = ()
    rejected: tuple[NewSignal, ...] = ()


@dataclass(frozen=True)
class Digest:
    """New signals and status changes in [since, until), grouped by commitment in record order."""

    since: datetime
    until: datetime
    commitments: tuple[CommitmentDigest, ...]
    #: The highest ids seen: the watcher's next digest starts after them.
    last_signal_id: int = 0
    last_history_id: int = 0
    #: A `--partial` digest: the record problems whose commitments it may lack.
    missing: tuple[str, ...] = ()

    @property
    def signal_count(self) -> int:
        """Signals waiting for review (the reviewed ones are not news)."""
        return sum(len(c.signals) for c in self.commitments)

    @property
    def reviewed_count(self) -> int:
        return sum(len(c.confirmed) + len(c.rejected) for c in self.commitments)

    @property
    def change_count(self) -> int:
        return sum(len(c.changes) for c in self.commitments)

    @property
    def empty(self) -> bool:
        return not self.commitments


def build_digest(
    db: Database,
    statements: Sequence[Statement],
    *,
    since: datetime,
    until: datetime | None = None,
    history_after_id: int | None = None,
    missing: Sequence[str] = (),
) -> Digest:
    """The digest of [since, until). With `history_after_id`, status changes recorded after
    that id count too, even when the daily pass dated them earlier (see storage.digest)."""
    # Times are stored to the second: round `until` up, so that what was made in the
    # current second is in this digest, and (as the next one starts there) not in two.
    until = ceil_second(until or datetime.now(UTC))
    new_signals = store.signals_between(db, since, until)
    recorded = store.status_changes(db, since, until, after_id=history_after_id)
    changes = [c for c in recorded if not _initial(c)]
    index = commitment_index(list(statements))
    by_commitment: dict[str, tuple[list[NewSignal], list[StatusChange]]] = {}
    for item in new_signals:
        by_commitment.setdefault(item.commitment_id, ([], []))[0].append(item)
    for change in changes:
        by_commitment.setdefault(change.entry.commitment_id, ([], []))[1].append(change)
    order = {cid: n for n, cid in enumerate(index)}
    groups = []
    for cid in sorted(by_commitment, key=lambda c: (order.get(c, len(order)), c)):
        commitment = index.get(cid)
        found, entries = by_commitment[cid]
        groups.append(
            CommitmentDigest(
                commitment_id=cid,
                statement_id=commitment.statement_id if commitment else None,
                summary=commitment.summary if commitment else None,
                signals=tuple(s for s in found if s.review is None),
                changes=tuple(entries),
                confirmed=tuple(s for s in found if s.review == "confirmed"),
                rejected=tuple(s for s in found if s.review == "rejected"),
            )
        )
    return Digest(
        since=since,
        until=until,
        commitments=tuple(groups),
        last_signal_id=max((s.id for s in new_signals), default=0),
        last_history_id=max((c.id for c in recorded), default=0),
        missing=tuple(missing),
    )


def _initial(change: StatusChange) -> bool:
    """A commitment's first entry saying there is nothing yet is not news."""
    return change.previous is None and change.entry.status == "no_evidence"


def ceil_second(moment: datetime) -> datetime:
    whole = moment.replace(microsecond=0)
    return whole if whole == moment else whole + timedelta(seconds=1)


# ---------------------------------------------------------------- as plain data


def digest_dict(digest: Digest) -> dict[str, Any]:
    """The digest as JSON-ready plain values (the `--format json` output and the hook's input)."""
    return {
        "since": _iso(digest.since),
        "until": _iso(digest.until),
        **({"missing": list(digest.missing)} if digest.missing else {}),
        "signals": digest.signal_count,
        "reviewed": digest.reviewed_count,
        "status_changes": digest.change_count,
        "commitments": [
            {
                "commitment": c.commitment_id,
                "statement": c.statement_id,
                "summary": c.summary,
                "status_changes": [_change_dict(e) for e in c.changes],
                "signals": [_signal_dict(s) for s in c.signals],
                "confirmed": [_signal_dict(s) for s in c.confirmed],
                "rejected": [_signal_dict(s) for s in c.rejected],
            }
            for c in digest.commitments
        ],
    }


def _signal_dict(item: NewSignal) -> dict[str, Any]:
    return {
        "id": item.id,
        "relation": item.relation,
        "score": item.score,
        "rules": list(item.rule_ids),
        "terms": list(item.terms),
        "created": _iso(item.created),
        "review": item.review,
        "article": {
            "id": item.article_id,
            "title": item.title,
            "url": item.url,
            "published": _iso(item.published),
            "language": item.language,
            "feeds": list(item.feeds),
        },
    }


def _change_dict(change: StatusChange) -> dict[str, Any]:
    entry = change.entry
    return {
        "at": _iso(entry.at),
        "previous": change.previous,
        "status": entry.status,
        "origin": entry.origin,
        "reason": entry.reason,
        "evidence_ids": list(entry.evidence_ids),
    }


def signal_payload(item: NewSignal, index: Mapping[str, Commitment], workspace: Path) -> dict[str, Any]:
    """What `on_signal` reads on stdin: the signal, its article and its commitment."""
    commitment = index.get(item.commitment_id)
    data = _signal_dict(item)
    article = data.pop("article")
    return {
        "event": "signal",
        # The watcher moves its mark after the hook ran: a crash in between hands the same
        # signal over again, so a receiver drops repeats by signal.id (docs/deploy.md).
        "delivery": "at-least-once",
        "workspace": str(workspace),
        "signal": data,
        "article": article,
        "commitment": {
            "id": item.commitment_id,
            "statement": commitment.statement_id if commitment else None,
            "summary": commitment.summary if commitment else None,
        },
    }


def digest_payload(digest: Digest, workspace: Path) -> dict[str, Any]:
    """What `on_digest` reads on stdin: the digest, plus its text and Markdown renderings
    so a hook can mail it without formatting anything (`jq -r .markdown`)."""
    return {
        "event": "digest",
        "workspace": str(workspace),
        **digest_dict(digest),
        "text": render_text(digest),
        "markdown": render_markdown(digest),
    }


# ---------------------------------------------------------------- rendering


def render_digest(digest: Digest, fmt: str) -> str:
    if fmt == "text":
        return render_text(digest)
    if fmt == "markdown":
        return render_markdown(digest)
    if fmt == "json":
        return escape_active(json.dumps(digest_dict(digest), ensure_ascii=False, indent=2)) + "\n"
    raise ValueError(f"unknown digest format {fmt!r}")


def _headline(digest: Digest) -> str:
    reviewed = f" ({digest.reviewed_count} already reviewed)" if digest.reviewed_count else ""
    return (
        f"{_when(digest.since)} to {_when(digest.until)}: "
        f"{_count(digest.signal_count, 'new signal')} waiting for review{reviewed}, "
        f"{_count(digest.change_count, 'status change')} in {_count(len(digest.commitments), 'commitment')}"
    )


def _incomplete(digest: Digest) -> str:
    return f"Incomplete: {_count(len(digest.missing), 'record problem')} left commitments out: " + "; ".join(
        digest.missing
    )


def render_text(digest: Digest) -> str:
    lines = [f"Digest {_headline(digest)}"]
    if digest.missing:
        lines.append(_incomplete(digest))
    for group in digest.commitments:
        lines += ["", group.commitment_id + (f": {group.summary}" if group.summary else "")]
        for change in group.changes:
            entry = change.entry
            lines.append(
                f"  status {_transition(change)} ({entry.origin}) at {_when(entry.at)}: {entry.reason}"
            )
        for item in group.signals:
            lines.append(f"  signal {item.id} [{item.relation}, score {item.score:g}] {item.title}")
            details = [f"published {_day(item.published)}"] if item.published else []
            details += [f"feeds {', '.join(item.feeds)}"] if item.feeds else []
            details += [f"terms {', '.join(item.terms)}"] if item.terms else []
            if item.url:
                lines.append(f"      {item.url}")
            if details:
                lines.append(f"      {'; '.join(details)}")
        for heading, items in (("confirmed", group.confirmed), ("rejected", group.rejected)):
            if items:
                lines.append(f"  {heading} since: " + ", ".join(f"signal {i.id} ({i.title})" for i in items))
    # The one sanitiser over every field: titles, reasons, links, feed names.
    return inert("\n".join(lines) + "\n", multiline=True)


def render_markdown(digest: Digest) -> str:
    lines = ["# Tracker digest", ""]
    if digest.missing:
        lines += ["**Incomplete**: " + _md(_incomplete(digest).removeprefix("Incomplete: ")), ""]
    lines += [_md(_headline(digest)) + "."]
    for group in digest.commitments:
        lines += ["", f"## {_md(group.commitment_id)}"]
        if group.summary:
            lines += ["", _md(group.summary)]
        if group.changes:
            lines += ["", "Status changes:", ""]
            lines += [
                f"- {_when(c.entry.at)}: **{_md(_transition(c))}** ({c.entry.origin}) — {_md(c.entry.reason)}"
                for c in group.changes
            ]
        if group.signals:
            lines += ["", "New signals:", ""]
            lines += [_signal_line(item) for item in group.signals]
        for heading, items in (("Confirmed since", group.confirmed), ("Rejected since", group.rejected)):
            if items:
                lines += ["", f"{heading}:", ""]
                lines += [_signal_line(item) for item in items]
    return inert("\n".join(lines) + "\n", multiline=True)


def _transition(change: StatusChange) -> str:
    status = change.entry.status
    return f"{change.previous} → {status}" if change.previous and change.previous != status else status


def _signal_line(item: NewSignal) -> str:
    title = _md(item.title or f"article {item.article_id}")
    link = f"[{title}](<{inert_link(item.url)}>)" if item.url and _web(item.url) else title
    parts = [f"{item.relation}, score {item.score:g}"]
    if item.published:
        parts.append(f"published {_day(item.published)}")
    if item.feeds:
        parts.append(f"from {_md(', '.join(item.feeds))}")
    if item.terms:
        parts.append(f"terms: {_md(', '.join(item.terms))}")
    return f"- {link} — {'; '.join(parts)} (signal {item.id})"


def _md(text: str) -> str:
    """Text from articles and records shown as text, never as Markdown or HTML."""
    out = text.replace("\\", "\\\\")
    for char in "`*_[]<>#|":
        out = out.replace(char, "\\" + char)
    return " ".join(out.split())


def _web(url: str) -> bool:
    # Only web links become links: a `javascript:` URL in a feed must stay inert text.
    return url.startswith(("http://", "https://")) and not any(c in url for c in "<> \n")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _day(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d") if moment else ""


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat(timespec="seconds") if moment else None


# ---------------------------------------------------------------- hooks


@dataclass(frozen=True)
class HookResult:
    """How one hook run went; `error` is None when it exited 0 in time."""

    argv: tuple[str, ...]
    returncode: int | None
    seconds: float
    error: str | None = None
    stderr: str = ""

    @property
    def ok(self) -> bool:
        return self.error is None


def run_hook(
    argv: Sequence[str],
    payload: Mapping[str, Any],
    *,
    timeout: float,
    cwd: Path | None = None,
    event: str = "",
) -> HookResult:
    """Run `argv` (no shell) with `payload` as JSON on stdin; never raises for the hook's sake.

    The hook gets TRACKER_EVENT (signal, digest), TRACKER_WORKSPACE and, for a signal,
    TRACKER_SIGNAL_ID in its environment. Bounded on every side: its standard output is
    discarded (read into nothing), at most STDERR_TAIL bytes of its standard error are
    kept, and at `timeout` its whole process tree is ended (see `end_process_tree`), a
    grandchild that started a session of its own or was orphaned included.
    """
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    marker = f"{os.getpid()}-{uuid.uuid4().hex}"
    env = {
        **os.environ,
        "TRACKER_EVENT": event,
        "TRACKER_WORKSPACE": str(payload.get("workspace", "")),
        HOOK_MARKER: marker,
    }
    signal = payload.get("signal")
    if isinstance(signal, Mapping) and signal.get("id") is not None:
        env["TRACKER_SIGNAL_ID"] = str(signal["id"])
    started = time.monotonic()
    try:
        proc = subprocess.Popen(
            list(argv),
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            cwd=cwd,
            env=env,
            start_new_session=True,
        )
    except OSError as exc:
        return HookResult(tuple(argv), None, 0.0, f"cannot run {argv[0]!r}: {exc.strerror or exc}")
    try:
        return _wait(proc, argv, data, timeout, started, marker)
    finally:
        for pipe in (proc.stdin, proc.stderr):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()


#: Environment variable that marks every process a hook starts (inherited by its
#: descendants, even those that leave its session or are orphaned), so all can be found.
HOOK_MARKER = "TRACKER_HOOK_RUN"


def _wait(
    proc: subprocess.Popen[bytes],
    argv: Sequence[str],
    data: bytes,
    timeout: float,
    started: float,
    marker: str,
) -> HookResult:
    deadline = started + timeout
    stderr = _Tail(proc.stderr, STDERR_TAIL)
    feeder = threading.Thread(target=_feed, args=(proc, data), name="tracker-hook-stdin", daemon=True)
    feeder.start()
    try:
        proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        # A descendant may still hold stderr open: its time is the hook's time.
        stderr.join(max(0.0, deadline - time.monotonic()))
        if stderr.is_alive():
            raise subprocess.TimeoutExpired(list(argv), timeout)
    except subprocess.TimeoutExpired:
        end_process_tree(proc, marker)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)
        return HookResult(
            tuple(argv), proc.returncode, time.monotonic() - started, f"timed out after {timeout:g} s; killed"
        )
    seconds = time.monotonic() - started
    tail = stderr.text()
    if proc.returncode != 0:
        return HookResult(
            tuple(argv), proc.returncode, seconds, f"exited with status {proc.returncode}", tail
        )
    return HookResult(tuple(argv), 0, seconds, None, tail)


def _feed(proc: subprocess.Popen[bytes], data: bytes) -> None:
    """Write the payload; a hook that does not read its stdin is its own business."""
    assert proc.stdin is not None
    with contextlib.suppress(OSError, ValueError):
        proc.stdin.write(data)
        proc.stdin.close()


class _Tail(threading.Thread):
    """Reads a pipe to its end, keeping only the last `limit` bytes: `cat /dev/zero >&2`
    in a hook costs a little CPU until the timeout, never memory."""

    def __init__(self, pipe: Any, limit: int) -> None:
        super().__init__(name="tracker-hook-stderr", daemon=True)
        self.pipe = pipe
        self.limit = limit
        self.kept = bytearray()
        self.start()

    def run(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            while chunk := self.pipe.read1(65536):
                self.kept += chunk
                if len(self.kept) > 2 * self.limit:
                    del self.kept[: -self.limit]

    def text(self) -> str:
        return bytes(self.kept[-self.limit :]).decode("utf-8", "replace").strip()


def end_process_tree(proc: subprocess.Popen[bytes], marker: str | None = None) -> None:
    """Kill a hook and everything it started: its process group, its descendants, and
    every process carrying its `marker` in the environment.

    The group alone misses a grandchild that called setsid(); the tree of descendants
    misses one whose parent exited (it is re-parented to init). The marker finds both,
    unless a process cleared its own environment. Two rounds, for a fork in between.
    """
    for _round in range(2):
        victims: dict[int, psutil.Process] = {}
        with contextlib.suppress(psutil.Error):
            for child in psutil.Process(proc.pid).children(recursive=True):
                victims[child.pid] = child
        if marker is not None:
            for candidate in psutil.process_iter():
                if candidate.pid in victims or candidate.pid == os.getpid():
                    continue
                with contextlib.suppress(psutil.Error):
                    if candidate.environ().get(HOOK_MARKER) == marker:
                        victims[candidate.pid] = candidate
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signals.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        for victim in victims.values():
            with contextlib.suppress(psutil.Error):
                victim.kill()
        if not victims:
            return
