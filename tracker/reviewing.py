"""The analyst's operations: review signals, add evidence, record assessments.

Each operation is validated first (known ids, known relation/strength/status words),
then committed in one transaction together with the status-history entry it causes,
so a crash can lose neither a review nor the trace of what it changed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta

from tracker.errors import NotFoundError, UsageError
from tracker.overview import commitment_status
from tracker.storage import reviews as store
from tracker.storage.db import Database, to_db
from tracker.types import PARTIES_SCOPE, RELATIONS, STRENGTHS, VERDICT_SCORES, Commitment, Statement

Clock = Callable[[], datetime]
CONFIDENCE = ("low", "medium", "high")


def utc_clock() -> datetime:
    return datetime.now(UTC)


class Reviewer:
    """Operations over one database and the loaded records; `clock` is injectable for tests."""

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
        self._index = {c.id: (s, c) for s in statements for c in s.commitments}

    # -- signals

    def confirm(
        self,
        signal_id: int,
        *,
        relation: str | None = None,
        strength: str | None = None,
        note: str | None = None,
        reviewer: str | None = None,
    ) -> int:
        """Confirm a signal as evidence; returns the evidence id."""
        _check_choice("--relation", relation, RELATIONS)
        _check_choice("--strength", strength, STRENGTHS)
        at = to_db(self.clock())
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
            self._record_status(signal["commitment_id"], f"signal {signal_id} confirmed", (evidence_id,))
        return evidence_id

    def reject(self, signal_id: int, *, note: str | None = None, reviewer: str | None = None) -> None:
        """Reject a signal; it stays rejected when the article matches again."""
        at = to_db(self.clock())
        with self.db.transaction() as conn:
            signal = self._signal(conn, signal_id)
            if note:
                store.amend_signal(conn, signal_id, {"note": note})
            store.set_review(conn, signal_id, "rejected", at, reviewer)
            store.withdraw_signal_evidence(conn, signal_id, at)
            store.log_review(conn, signal_id, "reject", at=at, note=note, reviewer=reviewer)
            self._record_status(signal["commitment_id"], f"signal {signal_id} rejected")

    def amend_signal(
        self,
        signal_id: int,
        *,
        relation: str | None = None,
        strength: str | None = None,
        note: str | None = None,
    ) -> None:
        """Change relation, strength or note without changing the review itself."""
        changes = _changes(relation, strength, note)
        at = to_db(self.clock())
        with self.db.transaction() as conn:
            signal = self._signal(conn, signal_id)
            store.amend_signal(conn, signal_id, changes)
            store.log_review(conn, signal_id, "amend", at=at, **changes)
            self._record_status(signal["commitment_id"], f"signal {signal_id} amended")

    # -- evidence

    def amend_evidence(
        self,
        evidence_id: int,
        *,
        relation: str | None = None,
        strength: str | None = None,
        note: str | None = None,
    ) -> None:
        changes = _changes(relation, strength, note)
        with self.db.transaction() as conn:
            commitment_id = store.evidence_exists(conn, evidence_id)
            if commitment_id is None:
                raise NotFoundError(f"no evidence {evidence_id}")
            store.amend_evidence(conn, evidence_id, changes)
            self._record_status(commitment_id, f"evidence {evidence_id} amended", (evidence_id,))

    def add_evidence(
        self,
        commitment_id: str,
        *,
        title: str,
        url: str | None = None,
        publisher: str | None = None,
        date: date | None = None,
        relation: str = "supports",
        strength: str | None = None,
        note: str | None = None,
        added_by: str | None = None,
    ) -> int:
        """Evidence found by hand (a URL or a document reference); returns its id."""
        self._commitment(commitment_id)
        _check_choice("--relation", relation, RELATIONS)
        _check_choice("--strength", strength, STRENGTHS)
        if not title.strip():
            raise UsageError("--title: the evidence needs a title")
        at = to_db(self.clock())
        with self.db.transaction() as conn:
            evidence_id = store.insert_evidence(
                conn,
                commitment_id,
                title=title.strip(),
                url=url,
                publisher=publisher,
                day=date,
                relation=relation,
                strength=strength,
                note=note,
                at=at,
                added_by=added_by,
            )
            self._record_status(commitment_id, f"evidence {evidence_id} added by hand", (evidence_id,))
        return evidence_id

    # -- assessments

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
        """Append a verdict; the newest one is current, older ones stay as history."""
        self._commitment(commitment_id)
        _check_choice("STATUS", status, tuple(VERDICT_SCORES))
        _check_choice("--party", party, PARTIES_SCOPE)
        _check_choice("--confidence", confidence, CONFIDENCE)
        if not rationale.strip():
            raise UsageError("--note: an assessment needs a rationale")
        at = to_db(self.clock())
        with self.db.transaction() as conn:
            unknown = set(evidence_ids) - store.existing_evidence_ids(conn, commitment_id, evidence_ids)
            if unknown:
                raise UsageError(f"--evidence: no evidence {sorted(unknown)} for {commitment_id}")
            assessment_id = store.insert_assessment(
                conn,
                commitment_id,
                status=status,
                party=party,
                rationale=rationale.strip(),
                confidence=confidence,
                evidence_ids=evidence_ids,
                assessor=assessor,
                at=at,
            )
            if party == "joint":
                store.insert_history(
                    conn,
                    commitment_id,
                    status=status,
                    origin="analyst",
                    at=at,
                    reason=rationale.strip(),
                    evidence_ids=evidence_ids,
                )
            else:
                self._record_status(commitment_id, f"{party} assessment: {rationale.strip()}", evidence_ids)
        return assessment_id

    # -- status history

    def record_status(self, commitment_id: str, reason: str) -> bool:
        """Add a history entry if the shown status changed (used by the daily refresh)."""
        with self.db.transaction():
            return self._record_status(commitment_id, reason)

    def refresh_statuses(
        self, commitment_ids: Sequence[str] | None = None, *, reason: str | None = None
    ) -> int:
        """Record derived changes (new signals, overdue, stalled) as history; returns how many.

        Without ids every commitment is checked: the daily job's pass for what time changes.
        """
        ids = [c for c in (commitment_ids if commitment_ids is not None else self._index) if c in self._index]
        return sum(self.record_status(cid, reason or "refreshed: the passing of time") for cid in ids)

    def _record_status(self, commitment_id: str, reason: str, evidence_ids: Sequence[int] = ()) -> bool:
        statement, commitment = self._index[commitment_id]
        now = self.clock()
        status = commitment_status(self.db, statement, commitment, now=now, stale_after=self.stale_after)
        with self.db.reading() as conn:
            last = store.last_history(conn, commitment_id)
            if last == (status.status, status.origin):
                return False
            store.insert_history(
                conn,
                commitment_id,
                status=status.status,
                origin=status.origin,
                at=to_db(now) or "",
                reason=f"{reason}: {status.reason}",
                evidence_ids=evidence_ids,
            )
        return True

    # -- lookups

    def _signal(self, conn, signal_id: int):
        signal = store.signal_for_review(conn, signal_id)
        if signal is None:
            raise NotFoundError(f"no signal {signal_id} (see `tracker review`)")
        if signal["commitment_id"] not in self._index:
            raise NotFoundError(
                f"signal {signal_id} points at {signal['commitment_id']!r}, no longer in the records"
            )
        return signal

    def _commitment(self, commitment_id: str) -> Commitment:
        if commitment_id not in self._index:
            raise NotFoundError(f"ID: no commitment {commitment_id!r} (see `tracker list`)")
        return self._index[commitment_id][1]


def _changes(relation: str | None, strength: str | None, note: str | None) -> dict[str, str]:
    """The amendments given, validated; an empty value means "leave as it is"."""
    _check_choice("--relation", relation, RELATIONS)
    _check_choice("--strength", strength, STRENGTHS)
    return {k: v for k, v in {"relation": relation, "strength": strength, "note": note}.items() if v}


def _check_choice(argument: str, value: str | None, choices: Sequence[str]) -> None:
    if value is not None and value not in choices:
        raise UsageError(f"{argument}: expected one of {', '.join(choices)}; got {value!r}")
