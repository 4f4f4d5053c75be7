"""The analyst's operations: review signals, add evidence, record assessments; statuses and reports.

Each write is validated first (known ids, known words for relation, strength, status,
party), then committed in one transaction together with the status-history entry it
causes: a crash can lose neither a review nor the trace of what it changed. The
status that entry records is computed inside the same transaction, from what the
transaction wrote, by the pure rules of `tracker.review.status`.

`Reviewer` holds one database, the loaded records and an injectable clock; the
`Tracker` facade hands out one per call, the daily job calls `refresh_statuses`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from tracker.errors import NotFoundError, StorageError, UsageError
from tracker.records.validate import SLUG
from tracker.review import reports
from tracker.review import status as rules
from tracker.review.timeline import default_span_start, from_monthly, span_start
from tracker.storage import overview as overview_store
from tracker.storage import reviews as store
from tracker.storage.db import Database, SqliteDatabase, to_db
from tracker.types import (
    DERIVED_STATUSES,
    PARTIES_SCOPE,
    RELATIONS,
    STRENGTHS,
    VERDICT_SCORES,
    Assessment,
    Commitment,
    CommitmentStatus,
    HistoryEntry,
    SourcedEvidence,
    Statement,
    Timeline,
)

Clock = Callable[[], datetime]
CONFIDENCE = ("low", "medium", "high")
#: Every status a commitment can show: the verdicts, then the derived statuses.
STATUSES = tuple(dict.fromkeys((*VERDICT_SCORES, *DERIVED_STATUSES)))


def utc_clock() -> datetime:
    return datetime.now(UTC)


class Reviewer:
    """Operations over one database and the loaded records; `clock` is injectable for tests.

    `stale_after` is the workspace default (tracker.yaml); a commitment's or its
    statement's own value wins over it.
    """

    def __init__(
        self,
        db: Database,
        statements: Sequence[Statement],
        *,
        clock: Clock = utc_clock,
        stale_after: timedelta | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.stale_after = stale_after
        self.statements = list(statements)
        self._index = {c.id: (s, c) for s in self.statements for c in s.commitments}

    # ------------------------------------------------------------ signals

    def confirm(
        self,
        signal_id: int,
        *,
        relation: str | None = None,
        strength: str | None = None,
        note: str | None = None,
        reviewer: str | None = None,
    ) -> int:
        """Confirm a signal as evidence (title, URL, feeds and day from its article); the evidence id.

        Confirming a rejected signal again revives its withdrawn evidence row.
        """
        _check_choice("--relation", relation, RELATIONS)
        _check_choice("--strength", strength, STRENGTHS)
        now = self.clock()
        at = _stamp(now)
        with self.db.transaction() as conn:
            signal = self._signal(conn, signal_id)
            relation = relation or signal["relation"]
            strength = strength or signal["strength"]
            note = note or signal["note"]
            store.amend_signal(conn, signal_id, {"relation": relation, "strength": strength, "note": note})
            store.set_review(conn, signal_id, "confirmed", at, reviewer)
            evidence_id = store.upsert_signal_evidence(
                conn, signal, relation=relation, strength=strength, note=note, at=at, added_by=reviewer
            )
            store.log_review(
                conn,
                signal_id,
                "confirm",
                at=at,
                relation=relation,
                strength=strength,
                note=note,
                reviewer=reviewer,
            )
            self._record(
                conn, [signal["commitment_id"]], now, f"signal {signal_id} confirmed", (evidence_id,)
            )
        return evidence_id

    def reject(self, signal_id: int, *, note: str | None = None, reviewer: str | None = None) -> None:
        """Reject a signal; it stays rejected when the article matches again (re-matching
        never writes the review columns). Evidence it had become is withdrawn, not deleted."""
        now = self.clock()
        at = _stamp(now)
        with self.db.transaction() as conn:
            signal = self._signal(conn, signal_id)
            if note:
                store.amend_signal(conn, signal_id, {"note": note})
            store.set_review(conn, signal_id, "rejected", at, reviewer)
            withdrawn = store.withdraw_signal_evidence(conn, signal_id, at)
            store.log_review(conn, signal_id, "reject", at=at, note=note, reviewer=reviewer)
            evidence_ids = (withdrawn,) if withdrawn else ()
            self._record(conn, [signal["commitment_id"]], now, f"signal {signal_id} rejected", evidence_ids)

    def undo_review(
        self, signal_id: int, *, expected: str, restore: str | None, reviewer: str | None = None
    ) -> None:
        """Put a signal back in the review state it had before a confirm or reject.

        Reviews are append-only, so an undo is itself a review: the signal's state goes
        back to `restore` (None: waiting for review) and the log gains an "undo" entry
        saying what was undone. `expected` is the state the undone review left; if the
        signal is in another state now (someone reviewed it since), nothing changes and
        the caller is told, so an undo never overwrites a newer decision.
        """
        _check_choice("restore", restore, ("confirmed", "rejected"))
        _check_choice("expected", expected, ("confirmed", "rejected"))
        now = self.clock()
        at = _stamp(now)
        with self.db.transaction() as conn:
            signal = self._signal(conn, signal_id)
            if signal["review"] != expected:
                now_state = signal["review"] or "unreviewed"
                raise UsageError(
                    f"SIGNAL: signal {signal_id} is {now_state} now, not {expected}; nothing undone"
                )
            evidence_ids: tuple[int, ...] = ()
            if restore == "confirmed":
                evidence_ids = (
                    store.upsert_signal_evidence(
                        conn,
                        signal,
                        relation=signal["relation"],
                        strength=signal["strength"],
                        note=signal["note"],
                        at=at,
                        added_by=reviewer,
                    ),
                )
                store.set_review(conn, signal_id, "confirmed", at, reviewer)
            else:
                withdrawn = store.withdraw_signal_evidence(conn, signal_id, at)
                evidence_ids = (withdrawn,) if withdrawn else ()
                if restore is None:
                    store.clear_review(conn, signal_id)
                else:
                    store.set_review(conn, signal_id, restore, at, reviewer)
            back = restore or "unreviewed"
            store.log_review(
                conn, signal_id, "undo", at=at, note=f"{expected} undone; {back} again", reviewer=reviewer
            )
            self._record(
                conn, [signal["commitment_id"]], now, f"signal {signal_id}: {expected} undone", evidence_ids
            )

    def amend_signal(
        self,
        signal_id: int,
        *,
        relation: str | None = None,
        strength: str | None = None,
        note: str | None = None,
        reviewer: str | None = None,
    ) -> None:
        """Change relation, strength or note (of the signal and its evidence) without a new review."""
        changes = _changes(relation, strength, note)
        now = self.clock()
        with self.db.transaction() as conn:
            signal = self._signal(conn, signal_id)
            store.amend_signal(conn, signal_id, changes)
            store.log_review(conn, signal_id, "amend", at=_stamp(now), reviewer=reviewer, **changes)
            self._record(conn, [signal["commitment_id"]], now, f"signal {signal_id} amended")

    # ------------------------------------------------------------ evidence

    def add_evidence(
        self,
        commitment_id: str,
        *,
        title: str,
        url: str | None = None,
        document: str | None = None,
        publisher: str | None = None,
        date: date | None = None,
        relation: str = "supports",
        strength: str | None = None,
        note: str | None = None,
        added_by: str | None = None,
    ) -> int:
        """Evidence found by hand, from a URL or a document reference; returns its id."""
        self._commitment(commitment_id)
        _check_choice("--relation", relation, RELATIONS)
        _check_choice("--strength", strength, STRENGTHS)
        if not title.strip():
            raise UsageError("--title: the evidence needs a title")
        if url is not None:
            check_url(url)
        now = self.clock()
        if date is not None and date > now.date():
            raise UsageError(
                f"--date: {date.isoformat()} is in the future; evidence is dated when it happened"
            )
        with self.db.transaction() as conn:
            evidence_id = store.insert_evidence(
                conn,
                commitment_id,
                title=title.strip(),
                url=url,
                document=_blank(document),
                publisher=_blank(publisher),
                day=date,
                relation=relation,
                strength=strength,
                note=_blank(note),
                at=_stamp(now),
                added_by=added_by,
            )
            self._record(conn, [commitment_id], now, f"evidence {evidence_id} added", (evidence_id,))
        return evidence_id

    def amend_evidence(
        self,
        evidence_id: int,
        *,
        relation: str | None = None,
        strength: str | None = None,
        note: str | None = None,
    ) -> None:
        changes = _changes(relation, strength, note)
        now = self.clock()
        with self.db.transaction() as conn:
            row = self._evidence_row(conn, evidence_id)
            store.amend_evidence(conn, evidence_id, changes)
            self._record(conn, [row["commitment_id"]], now, f"evidence {evidence_id} amended", (evidence_id,))

    def withdraw_evidence(self, evidence_id: int, *, note: str | None = None) -> None:
        """Withdraw evidence added by hand (kept, marked withdrawn); reject a signal's instead."""
        now = self.clock()
        with self.db.transaction() as conn:
            row = self._evidence_row(conn, evidence_id)
            if row["signal_id"] is not None:
                raise UsageError(
                    f"EVIDENCE: {evidence_id} came from signal {row['signal_id']}; reject that signal instead"
                )
            store.withdraw_evidence(conn, evidence_id, _stamp(now), _blank(note))
            self._record(
                conn, [row["commitment_id"]], now, f"evidence {evidence_id} withdrawn", (evidence_id,)
            )

    # ------------------------------------------------------------ assessments

    def assess(
        self,
        commitment_id: str,
        *,
        status: str,
        rationale: str,
        party: str = "joint",
        confidence: str | None = None,
        evidence_ids: Sequence[int] = (),
        assessor: str | None = None,
    ) -> int:
        """Append a verdict; the newest per party is current, older ones stay as history."""
        commitment = self._commitment(commitment_id)
        problems = verdict_problems(status=status, party=party, rationale=rationale, confidence=confidence)
        if problems:
            field, message = problems[0]
            raise UsageError(f"{VERDICT_ARGUMENTS[field]}: {message}")
        if party != "joint" and party not in commitment.parties:
            raise UsageError(
                f"--party: {party} is not a party of {commitment_id} ({', '.join(commitment.parties)})"
            )
        evidence_ids = list(dict.fromkeys(evidence_ids))
        now = self.clock()
        with self.db.transaction() as conn:
            unknown = set(evidence_ids) - store.current_evidence_ids(conn, commitment_id, evidence_ids)
            if unknown:
                raise NotFoundError(f"--evidence: no evidence {sorted(unknown)} for {commitment_id}")
            assessment_id = store.insert_assessment(
                conn,
                commitment_id,
                status=status,
                party=party,
                rationale=rationale.strip(),
                confidence=confidence,
                evidence_ids=evidence_ids,
                assessor=assessor,
                at=_stamp(now),
            )
            self._record(conn, [commitment_id], now, "", evidence_ids)
        return assessment_id

    # ------------------------------------------------------------ status and history

    def status(self, commitment_id: str) -> CommitmentStatus:
        self._commitment(commitment_id)
        return self.statuses([commitment_id])[commitment_id]

    def statuses(self, commitment_ids: Sequence[str] | None = None) -> dict[str, CommitmentStatus]:
        """Status of each commitment (every one in the records by default), from one read."""
        return current_statuses(
            self.db,
            self.statements,
            now=self.clock(),
            stale_after=self.stale_after,
            commitment_ids=commitment_ids,
        )

    def refresh_statuses(
        self,
        commitment_ids: Sequence[str] | None = None,
        *,
        reason: str | None = None,
        now: datetime | None = None,
    ) -> int:
        """Record the status changes nobody's action caused (time passing, new signals); how many.

        The daily job's pass: a commitment that became overdue or stalled gets its
        history entry dated when that happened. Idempotent: a second pass records nothing.
        """
        ids = self._ids(commitment_ids)
        with self.db.transaction() as conn:
            return self._record(conn, ids, now or self.clock(), reason or "refreshed", backdate=True)

    def record_status(self, commitment_id: str, reason: str) -> bool:
        """Add a history entry if the shown status changed."""
        return self.refresh_statuses([commitment_id], reason=reason) > 0

    def history(self, commitment_id: str) -> list[HistoryEntry]:
        """Every change of the shown status, oldest first."""
        self._commitment(commitment_id)
        return store.history(self.db, [commitment_id])

    def assessments(self, commitment_id: str) -> list[Assessment]:
        """Every verdict recorded, every party, oldest first."""
        self._commitment(commitment_id)
        return store.assessments(self.db, [commitment_id])

    def evidence(self, commitment_id: str) -> list[SourcedEvidence]:
        self._commitment(commitment_id)
        return store.evidence(self.db, [commitment_id])

    def unreviewed(
        self, commitment_ids: Sequence[str] | None = None, *, limit: int = 200
    ) -> list[dict[str, Any]]:
        """Signals waiting for review, newest first, with their article's title and URL."""
        if commitment_ids:
            for commitment_id in commitment_ids:
                self._commitment(commitment_id, argument="--commitment")
        rows = store.unreviewed_signals(self.db, commitment_ids=commitment_ids, limit=limit)
        return [dict(row) | {"rule_ids": json.loads(row["rule_ids"] or "[]")} for row in rows]

    # ------------------------------------------------------------ reports and snapshots

    def report(
        self,
        *,
        statement_ids: Sequence[str] = (),
        statuses: Sequence[str] = (),
        parties: Sequence[str] = (),
        tags: Sequence[str] = (),
        snapshot: str | None = None,
        missing: Sequence[Mapping[str, Any]] = (),
    ) -> dict[str, Any]:
        """The report model (statement → commitments → status, verdicts, evidence), filtered.

        Built whole and then selected, so a snapshot (`snapshot` names one) filtered
        today gives the same figures as a live report filtered the same way then.
        `missing` names the record problems a partial report leaves out (its `missing` key).
        """
        filters = self._check_filters(statement_ids, statuses, parties, tags)
        model = self.snapshot_report(snapshot) if snapshot else self._full_report(missing)
        return reports.select(model, **filters)

    def export(
        self,
        fmt: str = "yaml",
        *,
        what: str = "commitments",
        statement_ids: Sequence[str] = (),
        statuses: Sequence[str] = (),
        parties: Sequence[str] = (),
        tags: Sequence[str] = (),
        snapshot: str | None = None,
        missing: Sequence[Mapping[str, Any]] = (),
    ) -> str:
        """What `tracker export` writes (and the watcher's scheduled reports): one text."""
        _check_choice("--format", fmt, reports.REPORT_FORMATS)
        _check_choice("--what", what, reports.EXPORTS)
        if snapshot and what in ("history", "assessments"):
            raise UsageError(f"--what: a snapshot freezes statuses and evidence, not {what}")
        model = self.report(
            statement_ids=statement_ids,
            statuses=statuses,
            parties=parties,
            tags=tags,
            snapshot=snapshot,
            missing=missing,
        )
        if what == "commitments":
            timelines = self.timelines(model) if fmt == "markdown" and not snapshot else None
            return reports.render_report(model, fmt, timelines=timelines)
        if what == "evidence":
            rows, columns = reports.evidence_rows(model), reports.EVIDENCE_COLUMNS
        elif what == "history":
            rows, columns = self.history_rows(model), reports.HISTORY_COLUMNS
        else:
            rows, columns = self.assessment_rows(model), reports.ASSESSMENT_COLUMNS
        return reports.render_rows(rows, fmt, columns, what.capitalize())

    def timelines(self, model: dict[str, Any]) -> dict[str, Timeline]:
        """Each reported commitment's timeline (signals from one aggregate query, evidence
        from the model), from its statement's date to now: what the dashboard draws."""
        now = self.clock()
        ids = reports.commitment_ids(model)
        starts = {
            cid: span_start(self._index[cid][0], now, default_span_start(now))
            for cid in ids
            if cid in self._index
        }
        if not starts:
            return {}
        counts = overview_store.commitment_counts(self.db, since=min(starts.values()).replace(day=1))
        out: dict[str, Timeline] = {}
        for statement in model["statements"]:
            for c in statement["commitments"]:
                if c["id"] not in starts:
                    continue
                days = [date.fromisoformat((e["date"] or e["added"])[:10]) for e in c["evidence"]]
                entry = counts.get(c["id"])
                out[c["id"]] = from_monthly(starts[c["id"]], now.date(), entry.months if entry else {}, days)
        return out

    def history_rows(self, model: dict[str, Any]) -> list[dict[str, Any]]:
        """The status history of the commitments in a report model, as export rows."""
        return reports.history_rows(model, store.history(self.db, reports.commitment_ids(model)))

    def assessment_rows(self, model: dict[str, Any]) -> list[dict[str, Any]]:
        return reports.assessment_rows(model, store.assessments(self.db, reports.commitment_ids(model)))

    def _check_filters(
        self,
        statement_ids: Sequence[str],
        statuses: Sequence[str],
        parties: Sequence[str],
        tags: Sequence[str],
    ) -> dict[str, Sequence[str]]:
        """Unknown filter values are typos: say so instead of printing an empty report."""
        commitments = [c for _, c in self._index.values()]
        for statement_id in statement_ids:
            if statement_id not in {s.id for s in self.statements}:
                raise NotFoundError(f"--statement: no statement {statement_id!r}")
        _known("--status", statuses, STATUSES)
        _known("--party", parties, sorted({p for c in commitments for p in c.parties}), in_records=True)
        _known("--tag", tags, sorted({t for c in commitments for t in c.tags}), in_records=True)
        return {"statement_ids": statement_ids, "statuses": statuses, "parties": parties, "tags": tags}

    def snapshot(self, name: str, *, missing: Sequence[Mapping[str, Any]] = ()) -> dict[str, Any]:
        """Freeze the current report under `name` (an interim or final report); never replaced."""
        check_name("NAME", name)
        model = self._full_report(missing)
        model["snapshot"] = {"name": name, "created": model["generated"]}
        data = json.dumps(model, ensure_ascii=False)
        if not store.save_snapshot(self.db, name, model["generated"], data):
            raise UsageError(f"NAME: a snapshot {name!r} exists already; snapshots are immutable")
        return model

    def snapshot_report(self, name: str) -> dict[str, Any]:
        data = store.get_snapshot(self.db, name)
        if data is None:
            raise NotFoundError(f"--snapshot: no snapshot {name!r} (see `tracker snapshot list`)")
        return dict(json.loads(data))

    def snapshots(self) -> list[tuple[str, str]]:
        return store.list_snapshots(self.db)

    def backup(self, target: Path) -> None:
        backup_database(self.db, target)

    def _full_report(self, missing: Sequence[Mapping[str, Any]] = ()) -> dict[str, Any]:
        ids = self._ids(None)
        now = self.clock()
        with self.db.reading() as conn:
            facts = store.load_facts(conn)
        evidence = {cid: f.evidence for cid, f in facts.items()}
        statuses = {cid: self._derive(cid, facts.get(cid), now) for cid in ids}
        return reports.report_model(self.statements, statuses, evidence, generated=now, missing=missing)

    # ------------------------------------------------------------ internals

    def _derive(self, commitment_id: str, facts: store.StatusFacts | None, now: datetime) -> CommitmentStatus:
        statement, commitment = self._index[commitment_id]
        return _derive(statement, commitment, facts, now, self.stale_after)

    def _record(
        self,
        conn: store.Connection,
        commitment_ids: Sequence[str],
        now: datetime,
        reason: str,
        evidence_ids: Sequence[int] = (),
        *,
        backdate: bool = False,
    ) -> int:
        """Inside the caller's transaction: a history entry for each commitment whose status changed."""
        ids = [cid for cid in commitment_ids if cid in self._index]
        every = len(set(ids)) == len(self._index)  # one pass over the tables beats chunks of ids
        facts = store.load_facts(conn, None if every else ids, detail=False)
        recorded = 0
        for cid in ids:
            current = self._derive(cid, facts.get(cid), now)
            last = facts[cid].last_change if cid in facts else None
            entry = rules.history_entry(
                last, current.status, now=now, reason=reason, evidence_ids=evidence_ids, backdate=backdate
            )
            if entry is not None:
                store.insert_history(conn, entry)
                recorded += 1
        return recorded

    def _ids(self, commitment_ids: Sequence[str] | None) -> list[str]:
        if commitment_ids is None:
            return list(self._index)
        return [cid for cid in dict.fromkeys(commitment_ids) if cid in self._index]

    def _signal(self, conn: store.Connection, signal_id: int) -> store.Row:
        signal = store.signal_for_review(conn, signal_id)
        if signal is None:
            raise NotFoundError(f"SIGNAL: no signal {signal_id} (see `tracker review`)")
        if signal["commitment_id"] not in self._index:
            raise NotFoundError(
                f"SIGNAL: signal {signal_id} points at {signal['commitment_id']!r}, no longer in the records"
            )
        return signal

    def _evidence_row(self, conn: store.Connection, evidence_id: int) -> store.Row:
        row = store.evidence_row(conn, evidence_id)
        if row is None or row["withdrawn"] is not None:
            raise NotFoundError(f"EVIDENCE: no current evidence {evidence_id}")
        return row

    def _commitment(self, commitment_id: str, *, argument: str = "ID") -> Commitment:
        if commitment_id not in self._index:
            raise NotFoundError(f"{argument}: no commitment {commitment_id!r} (see `tracker list`)")
        return self._index[commitment_id][1]


def current_statuses(
    db: Database,
    statements: Sequence[Statement],
    *,
    now: datetime,
    stale_after: timedelta | None = None,
    commitment_ids: Sequence[str] | None = None,
) -> dict[str, CommitmentStatus]:
    """The status of each commitment of the records (or of those named), from one consistent read.

    The one way to know a status: the CLI, the reports, the history and the dashboard
    all call this (or `Reviewer.statuses`), so they never disagree. `stale_after` is
    the workspace default.
    """
    index = {c.id: (s, c) for s in statements for c in s.commitments}
    ids = list(index) if commitment_ids is None else [c for c in dict.fromkeys(commitment_ids) if c in index]
    with db.reading() as conn:
        facts = store.load_facts(conn, None if commitment_ids is None else ids, detail=False)
    return {cid: _derive(*index[cid], facts.get(cid), now, stale_after) for cid in ids}


def _derive(
    statement: Statement,
    commitment: Commitment,
    facts: store.StatusFacts | None,
    now: datetime,
    stale_after: timedelta | None,
) -> CommitmentStatus:
    facts = facts or store.StatusFacts()
    return rules.commitment_status(
        commitment,
        signals=facts.waiting,
        evidence=facts.summary if facts.summary is not None else [item.evidence for item in facts.evidence],
        assessments=facts.assessments,
        now=now,
        stale_after=rules.resolve_stale_after(commitment, statement, stale_after),
        last_change=facts.last_change,
    )


def backup_database(db: Database, target: Path) -> None:
    """A consistent copy of the database while others write, checked before it gets its name.

    SQLite's online backup copies a snapshot of committed pages; the copy is written
    beside the target and renamed only once `PRAGMA integrity_check` passes, so a
    half-written backup never looks like a good one.
    """
    if target.exists():
        raise UsageError(f"FILE: {target} exists; choose a new file name")
    if not target.parent.is_dir():
        # As `export -o`: a typo in a folder name must not silently create a tree of folders.
        raise UsageError(f"FILE: the folder {target.parent} does not exist")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    db.backup(partial, shown_as=target)
    copy = SqliteDatabase(partial, readonly=True)
    try:
        verdict = copy.integrity_check()
    finally:
        copy.close()
    if verdict != "ok":
        raise StorageError(
            f"FILE: the copy failed its integrity check ({verdict}); {partial} kept for inspection"
        )
    partial.replace(target)


#: Names the user gives to what is stored (snapshots): a slug, short enough to type and show.
NAME_MAX = 64


def check_name(argument: str, name: str) -> None:
    """A snapshot's name is permanent (snapshots are immutable): validate it before storing."""
    if len(name) > NAME_MAX:
        raise UsageError(f"{argument}: at most {NAME_MAX} characters, got {len(name):,}")
    if not SLUG.match(name):
        raise UsageError(f"{argument}: {name!r} must be lower-case letters, digits and '-'")


def check_url(url: str) -> None:
    """Evidence links must be http(s) with a host: reports turn them into clickable links."""
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise UsageError(f"URL: expected an http(s) address, got {url!r}")


def _stamp(moment: datetime) -> str:
    return to_db(moment) or ""


def _blank(value: str | None) -> str | None:
    """Empty text means "not given"."""
    return value.strip() or None if value is not None else None


def _changes(relation: str | None, strength: str | None, note: str | None) -> dict[str, str]:
    """The amendments given, validated; an empty value means "leave as it is"."""
    _check_choice("--relation", relation, RELATIONS)
    _check_choice("--strength", strength, STRENGTHS)
    return {k: v for k, v in {"relation": relation, "strength": strength, "note": note}.items() if v}


def _known(argument: str, values: Sequence[str], choices: Sequence[str], *, in_records: bool = False) -> None:
    """Unknown filter values. A status outside the vocabulary is bad usage (2); a tag or party
    no commitment has is an unknown id (1), like an unknown statement."""
    unknown = [v for v in values if v not in choices]
    if unknown:
        error = NotFoundError if in_records else UsageError
        raise error(
            f"{argument}: unknown {', '.join(map(repr, unknown))}; expected one of {', '.join(choices)}"
        )


#: A verdict nobody can explain later is worth nothing in a compliance report.
MIN_RATIONALE = 10
MAX_RATIONALE = 10_000
#: How the command line names each field of a verdict (the dashboard has its own labels).
VERDICT_ARGUMENTS = {
    "status": "STATUS",
    "party": "--party",
    "rationale": "--note",
    "confidence": "--confidence",
}


def verdict_problems(
    *, status: str | None, party: str | None, rationale: str, confidence: str | None
) -> list[tuple[str, str]]:
    """Every problem with a verdict, as (field, message): the one rule set for a verdict.

    `Reviewer.assess` (every face) and the dashboard's form both ask this, so a verdict
    the dashboard refuses is refused on the command line too, with the same words.
    """
    problems: list[tuple[str, str]] = []
    if status not in VERDICT_SCORES:
        problems.append(("status", "choose one"))  # the faces offer the choices
    if party not in PARTIES_SCOPE:
        problems.append(("party", f"one of {', '.join(PARTIES_SCOPE)}"))
    text = rationale.strip()
    if len(text) < MIN_RATIONALE:
        problems.append(("rationale", f"say why, in at least {MIN_RATIONALE} characters"))
    elif len(text) > MAX_RATIONALE:
        problems.append(("rationale", f"at most {MAX_RATIONALE:,} characters"))
    if confidence and confidence not in CONFIDENCE:
        problems.append(("confidence", f"one of {', '.join(CONFIDENCE)}"))
    return problems


def _check_choice(argument: str, value: str | None, choices: Sequence[str]) -> None:
    if value is not None and value not in choices:
        raise UsageError(f"{argument}: expected one of {', '.join(choices)}; got {value!r}")
