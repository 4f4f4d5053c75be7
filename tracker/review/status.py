"""Status of a commitment, and compliance scores of groups of them: pure functions.

Everything here works on plain values (records, signals, evidence, assessments, a
`now`) and never touches the database or the clock, so every transition is tested
with an injected time and every caller (CLI, reports, dashboard, daily job) gets the
same answer for the same facts.

The rules (DESIGN.md, "Status vocabulary"; docs/exports.md explains them to users):

- **Verdicts win.** The headline is the newest `joint` assessment. Without one, the
  parties' own verdicts (newest per party) are combined once *every* party of the
  commitment has one: the same verdict stays itself; verdicts with one score become
  that score's plain verdict (`fulfilled`, `partial`, `not_fulfilled`); differing
  scores give `partial` (0), the Research Group's "partial compliance", since some
  parties complied and some did not. Until every party has a verdict no verdict is
  invented: the derived status shows, with the party verdicts beside it.
- **Derived**, when no verdict holds, the first that applies:
  `overdue` (deadline passed) > `stalled` (newest confirmed supporting evidence older
  than `stale_after`) > `in_progress` (confirmed supporting evidence) > `unreviewed`
  (active signals wait for review) > `no_evidence`.
- **Scores** (G7/G20/BRICS Research Group): fulfilled +1; partial, in_progress,
  stalled 0; not_fulfilled, reversed −1; `not_verifiable` is left out; percentage =
  (mean + 1) / 2 × 100. Derived statuses are not verdicts: they are counted, never scored.
- **Per party**, a party's score on a commitment is its own newest verdict, else the
  joint verdict (which speaks for every party of the commitment).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol

from tracker.types import (
    DERIVED_STATUSES,
    PARTIES_SCOPE,
    TIME_DRIVEN_STATUSES,
    VERDICT_SCORES,
    Assessment,
    Commitment,
    CommitmentStatus,
    Compliance,
    Evidence,
    EvidenceSummary,
    HistoryEntry,
    Statement,
    Status,
)

#: Without a `stale_after` on the commitment, the statement or the workspace.
DEFAULT_STALE_AFTER = timedelta(days=365)
#: The verdict each score stands for when party verdicts with one score are combined.
PLAIN_VERDICT = {1: "fulfilled", 0: "partial", -1: "not_fulfilled"}
#: Party scopes that are parties (not `joint`).
PARTIES: tuple[str, ...] = tuple(p for p in PARTIES_SCOPE if p != "joint")


class SignalLike(Protocol):
    """A Signal or a SignalFact: all derivation reads of a signal."""

    @property
    def state(self) -> str: ...
    @property
    def review(self) -> str | None: ...
    @property
    def created(self) -> datetime: ...


# ---------------------------------------------------------------- one commitment


def resolve_stale_after(
    commitment: Commitment, statement: Statement | None = None, workspace: timedelta | None = None
) -> timedelta:
    """The commitment's own `stale_after`, else its statement's, else the workspace's, else 365 days."""
    return (
        commitment.stale_after
        or (statement.stale_after if statement else None)
        or workspace
        or DEFAULT_STALE_AFTER
    )


def commitment_status(
    commitment: Commitment,
    *,
    signals: Iterable[SignalLike] = (),
    evidence: Iterable[Evidence] | EvidenceSummary = (),
    assessments: Iterable[Assessment] = (),
    now: datetime,
    stale_after: timedelta = DEFAULT_STALE_AFTER,
    last_change: HistoryEntry | None = None,
) -> CommitmentStatus:
    """The shown status of one commitment and the facts it rests on.

    `evidence` is the commitment's evidence that is not withdrawn, or its summary;
    `signals` may hold every signal (only active, unreviewed ones matter); `last_change`
    is the newest status-history entry, which says since when a status without a
    datable start holds.
    """
    now = _aware(now)
    waiting = [s for s in signals if s.state == "active" and s.review is None]
    waiting_count = sum(_count(s) for s in waiting)
    summary = evidence if isinstance(evidence, EvidenceSummary) else summarize(evidence)
    verdicts = current_verdicts(assessments)
    status = headline_verdict(commitment, verdicts) or derive_status(
        commitment,
        waiting=waiting,
        evidence=summary,
        now=now,
        stale_after=stale_after,
        last_change=last_change,
    )
    return CommitmentStatus(
        status=status,
        verdicts=verdicts,
        unreviewed=waiting_count,
        evidence=summary.count,
        supporting=summary.supporting,
        contradicting=summary.contradicting,
        latest_evidence=summary.latest,
        latest_supporting=summary.latest_supporting,
    )


def summarize(evidence: Iterable[Evidence]) -> EvidenceSummary:
    """What derivation reads of these evidence items (see EvidenceSummary)."""
    items = list(evidence)
    supporting = [e for e in items if e.relation == "supports"]
    return EvidenceSummary(
        count=len(items),
        supporting=len(supporting),
        contradicting=sum(1 for e in items if e.relation == "contradicts"),
        latest=max((evidence_day(e) for e in items), default=None),
        latest_supporting=max((evidence_day(e) for e in supporting), default=None),
        first_supporting_added=min((_aware(e.added) for e in supporting), default=None),
    )


def current_verdicts(assessments: Iterable[Assessment]) -> dict[str, Assessment]:
    """The newest assessment per party scope (assessments are appended; the newest is current)."""
    newest: dict[str, Assessment] = {}
    for assessment in assessments:
        held = newest.get(assessment.party)
        if held is None or (assessment.created, assessment.id) > (held.created, held.id):
            newest[assessment.party] = assessment
    return {party: newest[party] for party in PARTIES_SCOPE if party in newest} | {
        party: a for party, a in sorted(newest.items()) if party not in PARTIES_SCOPE
    }


def headline_verdict(commitment: Commitment, verdicts: dict[str, Assessment]) -> Status | None:
    """The joint verdict, else the parties' verdicts combined, else None (derive instead)."""
    joint = verdicts.get("joint")
    if joint is not None:
        return Status(
            commitment.id,
            joint.status,
            "analyst",
            joint.created,
            VERDICT_SCORES.get(joint.status),
            _rationale("joint verdict", joint),
        )
    required = _required_parties(commitment, verdicts)
    if not required or any(p not in verdicts for p in required):
        return None
    return _combine(commitment.id, [verdicts[p] for p in required])


def _required_parties(commitment: Commitment, verdicts: dict[str, Assessment]) -> list[str]:
    """The parties whose verdicts make a headline: those of the commitment we assess separately."""
    own = [p for p in PARTIES if p in commitment.parties]
    return own or [p for p in PARTIES if p in verdicts]


def _combine(commitment_id: str, party_verdicts: list[Assessment]) -> Status:
    since = max(a.created for a in party_verdicts)
    words = ", ".join(f"{a.party}: {a.status}" for a in party_verdicts)
    scored = [a for a in party_verdicts if VERDICT_SCORES.get(a.status) is not None]
    statuses = {a.status for a in scored}
    scores = {VERDICT_SCORES[a.status] for a in scored}
    if not scored:
        status = "not_verifiable"
    elif len(statuses) == 1:
        status = statuses.pop()
    elif len(scores) == 1:
        status = PLAIN_VERDICT[int(scores.pop() or 0)]
    else:
        status = "partial"
    return Status(
        commitment_id,
        status,
        "analyst",
        since,
        VERDICT_SCORES.get(status),
        f"party verdicts combined ({words})",
    )


def derive_status(
    commitment: Commitment,
    *,
    waiting: Sequence[SignalLike],
    evidence: EvidenceSummary,
    now: datetime,
    stale_after: timedelta,
    last_change: HistoryEntry | None = None,
) -> Status:
    """The derived status, most urgent first: overdue > stalled > in_progress > unreviewed > no_evidence.

    `since` is exact where the data dates the start (a deadline; the newest evidence
    plus `stale_after`); otherwise it is the status history's, or an estimate from the
    data (first supporting evidence recorded, first signal waiting) when history has none.
    """
    status, since, reason = _derived(commitment, waiting, evidence, _aware(now), stale_after)
    if (
        status not in TIME_DRIVEN_STATUSES
        and last_change is not None
        and (last_change.status, last_change.origin) == (status, "derived")
    ):
        since = _aware(last_change.at)
    if waiting and status != "unreviewed":
        reason += f"; {sum(_count(s) for s in waiting)} signal(s) wait for review"
    return Status(commitment.id, status, "derived", since, None, reason)


def _derived(
    commitment: Commitment,
    waiting: Sequence[SignalLike],
    evidence: EvidenceSummary,
    now: datetime,
    stale_after: timedelta,
) -> tuple[str, datetime | None, str]:
    if commitment.deadline is not None and now >= (due := start_of(commitment.deadline + timedelta(days=1))):
        return "overdue", due, f"deadline {commitment.deadline.isoformat()} passed with no verdict"
    latest = evidence.latest_supporting
    if evidence.supporting and latest is not None:
        stale_from = start_of(latest) + stale_after
        if now > stale_from:
            return (
                "stalled",
                stale_from,
                f"newest supporting evidence {latest.isoformat()} is older than" + (f" {_days(stale_after)}"),
            )
        first = evidence.first_supporting_added
        return "in_progress", first, f"{evidence.supporting} confirmed supporting evidence, newest {latest}"
    if waiting:
        first = min(_aware(s.created) for s in waiting)
        return "unreviewed", first, f"{sum(_count(s) for s in waiting)} signal(s) wait for review"
    return "no_evidence", None, "no signal or evidence yet"


def _count(signal: SignalLike) -> int:
    """How many signals a fact stands for: a SignalFact may group several, a Signal is one."""
    return int(getattr(signal, "count", 1))


def evidence_day(evidence: Evidence) -> date:
    """The day evidence speaks for: its own date, else the day it was recorded."""
    return evidence.date or _aware(evidence.added).date()


def start_of(day: date) -> datetime:
    """Midnight UTC at the start of `day`: deadlines and evidence dates are whole UTC days."""
    return datetime.combine(day, time(), tzinfo=UTC)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _days(delta: timedelta) -> str:
    return f"{delta.days} days" if delta.days and not delta.seconds else str(delta)


def _rationale(prefix: str, assessment: Assessment) -> str:
    return f"{prefix} (assessment {assessment.id}): {assessment.rationale}"


# ---------------------------------------------------------------- status history


def history_entry(
    previous: HistoryEntry | None,
    current: Status,
    *,
    now: datetime,
    reason: str,
    evidence_ids: Sequence[int] = (),
    backdate: bool = False,
) -> HistoryEntry | None:
    """The history entry that `current` calls for, or None when the shown status is unchanged.

    A change an action causes (a review, an assessment) is recorded at `now`. With
    `backdate` (the refresh pass, which finds what time changed), a change whose start
    the data dates exactly (a verdict, `overdue`, `stalled`) is recorded at that
    start, so a daily pass that runs late still says when it happened; never before
    the previous entry, so the history stays in order, and never after `now`.
    """
    if previous is not None and (previous.status, previous.origin) == (current.status, current.origin):
        return None
    now = _aware(now)
    at = now
    exact = current.origin == "analyst" or current.status in TIME_DRIVEN_STATUSES
    if backdate and exact and current.since is not None:
        floor = _aware(previous.at) if previous is not None else _aware(current.since)
        at = min(now, max(_aware(current.since), floor))
    return HistoryEntry(
        commitment_id=current.commitment_id,
        status=current.status,
        origin=current.origin,
        at=at,
        reason=f"{reason}: {current.reason}" if reason else current.reason,
        evidence_ids=tuple(evidence_ids),
    )


# ---------------------------------------------------------------- scores of groups


def compliance_percent(scores: Iterable[float | None]) -> float | None:
    """G7/G20 Research Group percentage: (mean score + 1) / 2 × 100; None when nothing is scored."""
    mean = mean_score(scores)
    return None if mean is None else (mean + 1) / 2 * 100


def mean_score(scores: Iterable[float | None]) -> float | None:
    scored = [s for s in scores if s is not None]
    return sum(scored) / len(scored) if scored else None


def compliance(items: Iterable[tuple[str, str, int | None]]) -> Compliance:
    """Aggregate (status, origin, score) triples: analyst scores averaged, derived ones counted.

    The mean is rounded to three places and the percentage to one, as reports show them.
    """
    verdicts: dict[str, int] = {}
    derived: dict[str, int] = {}
    scores: list[int] = []
    count = 0
    for status, origin, score in items:
        count += 1
        if origin == "analyst":
            verdicts[status] = verdicts.get(status, 0) + 1
            if score is not None:
                scores.append(score)
        else:
            derived[status] = derived.get(status, 0) + 1
    mean = mean_score(scores)
    return Compliance(
        commitments=count,
        assessed=sum(verdicts.values()),
        scored=len(scores),
        mean=None if mean is None else round(mean, 3),
        percent=None if mean is None else round((mean + 1) / 2 * 100, 1),
        verdicts={s: verdicts[s] for s in VERDICT_SCORES if s in verdicts},
        derived={s: derived[s] for s in DERIVED_STATUSES if s in derived},
    )


def party_view(
    party: str, headline: tuple[str, str, int | None], verdicts: Mapping[str, str]
) -> tuple[str, str, int | None]:
    """(status, origin, score) of a commitment for one party: its own verdict, else the joint one.

    `headline` is the commitment's (status, origin, score); `verdicts` maps party scope
    to the current verdict's status. Without a verdict that speaks for the party, the
    party is counted under the headline, which is then a derived status.
    """
    verdict = verdicts.get(party) or verdicts.get("joint")
    if verdict is not None:
        return verdict, "analyst", VERDICT_SCORES.get(verdict)
    return headline
