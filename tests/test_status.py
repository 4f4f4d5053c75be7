"""Status derivation and scores as pure functions: every transition, with an injected clock."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from tracker.review import status as rules
from tracker.types import (
    Assessment,
    Commitment,
    Evidence,
    HistoryEntry,
    SignalFact,
    Statement,
    Status,
    Verifiable,
)

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
YEAR = timedelta(days=365)


def commitment(**changes: object) -> Commitment:
    base = Commitment(
        id="demo/1",
        statement_id="demo",
        label="1",
        type="action",
        summary="Hold consultations.",
        text={"en": "The sides will hold consultations."},
        tags=("mechanism",),
        parties=("china", "russia"),
        responsible=None,
        deadline=None,
        window=None,
        verifiable=Verifiable(True, "announced"),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def statement(**changes: object) -> Statement:
    base = Statement(
        id="demo",
        title={"en": "Demo"},
        kind="joint_statement",
        date=date(2020, 1, 15),
        place=None,
        parties=("china", "russia"),
        sources=(),
        commitments=(),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def signal(
    n: int = 1, *, state: str = "active", review: str | None = None, created: datetime = NOW
) -> SignalFact:
    return SignalFact(n, state, review, created)


def evidence(
    day: date | None,
    relation: str = "supports",
    *,
    n: int = 1,
    added: datetime = datetime(2024, 1, 2, tzinfo=UTC),
) -> Evidence:
    return Evidence(n, "demo/1", relation, f"evidence {n}", None, None, day, added)


def verdict(
    status: str, party: str = "joint", *, n: int = 1, created: datetime = datetime(2024, 3, 1, tzinfo=UTC)
) -> Assessment:
    return Assessment(n, "demo/1", status, party, f"because {n}", None, (), "ana", created)


def derive(
    c: Commitment | None = None, *, now: datetime = NOW, stale_after: timedelta = YEAR, **facts: object
):  # type: ignore[no-untyped-def]
    return rules.commitment_status(c or commitment(), now=now, stale_after=stale_after, **facts)  # type: ignore[arg-type]


# ---------------------------------------------------------------- derived statuses


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        ({}, "no_evidence"),
        ({"signals": [signal()]}, "unreviewed"),
        ({"signals": [signal(state="retracted")]}, "no_evidence"),
        ({"signals": [signal(review="rejected")]}, "no_evidence"),
        ({"signals": [signal(review="confirmed")]}, "no_evidence"),  # its evidence row is what counts
        ({"evidence": [evidence(date(2024, 5, 1))]}, "in_progress"),
        ({"evidence": [evidence(date(2024, 5, 1), "context")]}, "no_evidence"),
        ({"evidence": [evidence(date(2024, 5, 1), "contradicts")]}, "no_evidence"),
        ({"evidence": [evidence(date(2022, 5, 1))]}, "stalled"),
        ({"evidence": [evidence(date(2022, 5, 1)), evidence(date(2024, 5, 1), n=2)]}, "in_progress"),
        # precedence: stalled and in_progress come before waiting signals
        ({"evidence": [evidence(date(2024, 5, 1))], "signals": [signal()]}, "in_progress"),
        ({"evidence": [evidence(date(2022, 5, 1))], "signals": [signal()]}, "stalled"),
        ({"evidence": [evidence(date(2024, 5, 1), "contradicts")], "signals": [signal()]}, "unreviewed"),
    ],
)
def test_derived_status(facts: dict[str, object], expected: str) -> None:
    shown = derive(**facts).status
    assert (shown.status, shown.origin, shown.score) == (expected, "derived", None)


@pytest.mark.parametrize(
    ("facts"),
    [
        {},
        {"signals": [signal()]},
        {"evidence": [evidence(date(2024, 5, 1))]},
        {"evidence": [evidence(date(2020, 1, 1))]},
    ],
)
def test_a_passed_deadline_comes_first(facts: dict[str, object]) -> None:
    shown = derive(commitment(deadline=date(2023, 12, 31)), **facts).status
    assert shown.status == "overdue"
    assert shown.since == datetime(2024, 1, 1, tzinfo=UTC)  # the first day after the deadline
    assert "2023-12-31" in shown.reason


def test_overdue_starts_the_day_after_the_deadline() -> None:
    c = commitment(deadline=date(2024, 6, 1))
    assert derive(c, now=datetime(2024, 6, 1, 23, 59, tzinfo=UTC)).status.status == "no_evidence"
    assert derive(c, now=datetime(2024, 6, 2, 0, 0, tzinfo=UTC)).status.status == "overdue"


def test_stalled_starts_when_the_newest_evidence_is_older_than_stale_after() -> None:
    facts = {"evidence": [evidence(date(2023, 6, 1))]}
    edge = datetime(2024, 5, 31, tzinfo=UTC)  # 2023-06-01 + 365 days
    assert derive(now=edge, **facts).status.status == "in_progress"
    stalled = derive(now=edge + timedelta(seconds=1), **facts).status
    assert (stalled.status, stalled.since) == ("stalled", edge)
    assert "older than 365 days" in stalled.reason


def test_evidence_without_a_date_counts_from_when_it_was_added() -> None:
    added = datetime(2022, 1, 10, 8, tzinfo=UTC)
    assert derive(evidence=[evidence(None, added=added)]).status.status == "stalled"
    assert derive(evidence=[evidence(None, added=NOW)]).status.status == "in_progress"


def test_transitions_over_time_with_an_injected_clock() -> None:
    """One commitment's life: nothing, a signal, confirmed evidence, silence, the deadline."""
    c = commitment(deadline=date(2026, 12, 31))
    waiting = [signal(created=datetime(2024, 1, 5, tzinfo=UTC))]
    confirmed = [evidence(date(2024, 2, 1), added=datetime(2024, 2, 3, tzinfo=UTC))]
    timeline = [
        (datetime(2024, 1, 1, tzinfo=UTC), {}, "no_evidence", None),
        (
            datetime(2024, 1, 6, tzinfo=UTC),
            {"signals": waiting},
            "unreviewed",
            datetime(2024, 1, 5, tzinfo=UTC),
        ),
        (
            datetime(2024, 2, 4, tzinfo=UTC),
            {"evidence": confirmed},
            "in_progress",
            datetime(2024, 2, 3, tzinfo=UTC),
        ),
        (
            datetime(2025, 3, 1, tzinfo=UTC),
            {"evidence": confirmed},
            "stalled",
            datetime(2025, 1, 31, tzinfo=UTC),
        ),
        (
            datetime(2027, 1, 1, tzinfo=UTC),
            {"evidence": confirmed},
            "overdue",
            datetime(2027, 1, 1, tzinfo=UTC),
        ),
    ]
    for now, facts, expected, since in timeline:
        shown = derive(c, now=now, **facts).status  # type: ignore[arg-type]
        assert (shown.status, shown.since) == (expected, since), now


def test_since_comes_from_history_when_it_records_the_same_status() -> None:
    change = HistoryEntry("demo/1", "in_progress", "derived", datetime(2024, 4, 1, tzinfo=UTC), "confirmed")
    facts = {"evidence": [evidence(date(2024, 5, 1))]}
    assert derive(last_change=change, **facts).status.since == change.at
    other = replace(change, status="unreviewed")
    assert derive(last_change=other, **facts).status.since == datetime(2024, 1, 2, tzinfo=UTC)  # estimate
    # time-driven statuses are dated by the data, whatever history says
    late = HistoryEntry("demo/1", "overdue", "derived", datetime(2024, 5, 1, tzinfo=UTC), "refresh")
    shown = derive(commitment(deadline=date(2023, 12, 31)), last_change=late).status
    assert shown.since == datetime(2024, 1, 1, tzinfo=UTC)


def test_naive_times_are_read_as_utc() -> None:
    naive = datetime(2024, 6, 2)
    assert derive(commitment(deadline=date(2024, 6, 1)), now=naive).status.status == "overdue"


def test_counts_of_what_the_status_rests_on() -> None:
    result = derive(
        signals=[signal(1), signal(2, review="rejected")],
        evidence=[evidence(date(2024, 5, 1)), evidence(date(2024, 5, 3), "contradicts", n=2)],
    )
    assert (result.unreviewed, result.evidence, result.supporting, result.contradicting) == (1, 2, 1, 1)
    assert (result.latest_evidence, result.latest_supporting) == (date(2024, 5, 3), date(2024, 5, 1))
    assert "1 signal(s) wait for review" in result.status.reason


# ---------------------------------------------------------------- stale_after


@pytest.mark.parametrize(
    ("own", "of_statement", "workspace", "expected"),
    [
        (timedelta(days=30), timedelta(days=60), timedelta(days=90), timedelta(days=30)),
        (None, timedelta(days=60), timedelta(days=90), timedelta(days=60)),
        (None, None, timedelta(days=90), timedelta(days=90)),
        (None, None, None, timedelta(days=365)),
    ],
)
def test_stale_after_resolution(
    own: timedelta | None, of_statement: timedelta | None, workspace: timedelta | None, expected: timedelta
) -> None:
    resolved = rules.resolve_stale_after(
        commitment(stale_after=own), statement(stale_after=of_statement), workspace
    )
    assert resolved == expected


# ---------------------------------------------------------------- verdicts


@pytest.mark.parametrize(("status", "score"), list(rules.VERDICT_SCORES.items()))
def test_a_joint_verdict_wins_over_anything_derived(status: str, score: int | None) -> None:
    result = derive(
        commitment(deadline=date(2020, 1, 1)),
        signals=[signal()],
        assessments=[verdict(status)],
    )
    assert (result.status.status, result.status.origin, result.status.score) == (status, "analyst", score)
    assert result.status.since == datetime(2024, 3, 1, tzinfo=UTC)
    assert "because 1" in result.status.reason


def test_the_newest_verdict_is_current_and_ties_go_to_the_later_id() -> None:
    day = datetime(2024, 3, 1, tzinfo=UTC)
    history = [
        verdict("fulfilled", n=2, created=day),
        verdict("in_progress", n=1, created=day - timedelta(days=1)),
    ]
    assert derive(assessments=history).status.status == "fulfilled"
    tie = [verdict("fulfilled", n=1, created=day), verdict("reversed", n=2, created=day)]
    assert derive(assessments=tie).status.status == "reversed"


@pytest.mark.parametrize(
    ("china", "russia", "expected", "score"),
    [
        ("fulfilled", "fulfilled", "fulfilled", 1),
        ("in_progress", "in_progress", "in_progress", 0),
        ("in_progress", "stalled", "partial", 0),  # one score, different words: its plain verdict
        ("not_fulfilled", "reversed", "not_fulfilled", -1),
        ("fulfilled", "not_fulfilled", "partial", 0),
        ("fulfilled", "partial", "partial", 0),
        ("fulfilled", "not_verifiable", "fulfilled", 1),  # not_verifiable is left out
        ("not_verifiable", "not_verifiable", "not_verifiable", None),
    ],
)
def test_party_verdicts_combine_once_every_party_has_one(
    china: str, russia: str, expected: str, score: int | None
) -> None:
    later = datetime(2024, 4, 1, tzinfo=UTC)
    result = derive(assessments=[verdict(china, "china", n=1), verdict(russia, "russia", n=2, created=later)])
    assert (result.status.status, result.status.origin, result.status.score) == (expected, "analyst", score)
    assert result.status.since == later
    assert f"china: {china}" in result.status.reason


def test_no_verdict_is_invented_while_a_party_is_unassessed() -> None:
    result = derive(assessments=[verdict("fulfilled", "china")])
    assert (result.status.status, result.status.origin) == ("no_evidence", "derived")
    assert result.verdicts["china"].status == "fulfilled"


def test_a_commitment_of_one_party_takes_that_party_s_verdict() -> None:
    result = derive(commitment(parties=("china",)), assessments=[verdict("partial", "china")])
    assert (result.status.status, result.status.origin) == ("partial", "analyst")


def test_the_joint_verdict_wins_over_newer_party_verdicts() -> None:
    newer = datetime(2024, 5, 1, tzinfo=UTC)
    result = derive(
        assessments=[
            verdict("in_progress", n=1),
            verdict("fulfilled", "china", n=2, created=newer),
            verdict("fulfilled", "russia", n=3, created=newer),
        ]
    )
    assert result.status.status == "in_progress"
    assert list(result.verdicts) == ["joint", "china", "russia"]


# ---------------------------------------------------------------- history entries


def status_of(status: str, origin: str = "derived", since: datetime | None = None) -> Status:
    return Status(
        "demo/1",
        status,
        origin,
        since,
        rules.VERDICT_SCORES.get(status) if origin == "analyst" else None,
        "x",
    )


def test_an_unchanged_status_needs_no_history_entry() -> None:
    previous = HistoryEntry("demo/1", "unreviewed", "derived", NOW - YEAR, "signals")
    assert rules.history_entry(previous, status_of("unreviewed"), now=NOW, reason="r") is None
    changed = rules.history_entry(previous, status_of("unreviewed", "analyst"), now=NOW, reason="r")
    assert changed is not None and changed.origin == "analyst"


def test_an_action_is_recorded_when_it_happens() -> None:
    entry = rules.history_entry(
        None, status_of("stalled", since=NOW - YEAR), now=NOW, reason="confirmed", evidence_ids=[3]
    )
    assert entry is not None
    assert (entry.at, entry.reason, entry.evidence_ids) == (NOW, "confirmed: x", (3,))


@pytest.mark.parametrize(
    ("since", "previous_at", "expected"),
    [
        (datetime(2024, 1, 1, tzinfo=UTC), None, datetime(2024, 1, 1, tzinfo=UTC)),  # when it happened
        (
            datetime(2024, 1, 1, tzinfo=UTC),
            datetime(2024, 3, 1, tzinfo=UTC),
            datetime(2024, 3, 1, tzinfo=UTC),
        ),
        (NOW + timedelta(days=1), None, NOW),  # never in the future
    ],
)
def test_the_refresh_pass_dates_time_driven_changes_when_they_happened(
    since: datetime, previous_at: datetime | None, expected: datetime
) -> None:
    previous = HistoryEntry("demo/1", "in_progress", "derived", previous_at, "x") if previous_at else None
    entry = rules.history_entry(
        previous, status_of("overdue", since=since), now=NOW, reason="", backdate=True
    )
    assert entry is not None and entry.at == expected


def test_the_refresh_pass_dates_other_changes_now() -> None:
    entry = rules.history_entry(
        None, status_of("unreviewed", since=NOW - YEAR), now=NOW, reason="", backdate=True
    )
    assert entry is not None and entry.at == NOW


# ---------------------------------------------------------------- scores


@pytest.mark.parametrize(
    ("scores", "percent"),
    [
        ([1, 1], 100.0),
        ([1, -1], 50.0),
        ([0], 50.0),
        ([-1], 0.0),
        ([1, 0, 0], 200 / 3),
        ([0, None], 50.0),
        ([], None),
    ],
)
def test_compliance_percent_is_the_research_group_formula(
    scores: list[int | None], percent: float | None
) -> None:
    result = rules.compliance_percent(scores)
    assert result is None if percent is None else result == pytest.approx(percent)


def test_compliance_scores_verdicts_and_counts_derived_statuses() -> None:
    summary = rules.compliance(
        [
            ("fulfilled", "analyst", 1),
            ("partial", "analyst", 0),
            ("in_progress", "analyst", 0),
            ("not_verifiable", "analyst", None),
            ("in_progress", "derived", None),
            ("overdue", "derived", None),
            ("overdue", "derived", None),
        ]
    )
    assert (summary.commitments, summary.assessed, summary.scored) == (7, 4, 3)
    assert (summary.mean, summary.percent) == (0.333, 66.7)
    assert summary.verdicts == {"fulfilled": 1, "partial": 1, "in_progress": 1, "not_verifiable": 1}
    assert summary.derived == {"in_progress": 1, "overdue": 2}


def test_compliance_of_nothing_scored_has_no_percentage() -> None:
    summary = rules.compliance([("no_evidence", "derived", None), ("not_verifiable", "analyst", None)])
    assert (summary.mean, summary.percent, summary.assessed, summary.scored) == (None, None, 1, 0)


@pytest.mark.parametrize(
    ("party", "verdicts", "expected"),
    [
        ("china", {"china": "fulfilled", "joint": "partial"}, ("fulfilled", "analyst", 1)),
        ("russia", {"china": "fulfilled", "joint": "partial"}, ("partial", "analyst", 0)),
        ("russia", {"china": "fulfilled"}, ("unreviewed", "derived", None)),
    ],
)
def test_a_party_is_scored_by_its_own_verdict_else_the_joint_one(
    party: str, verdicts: dict[str, str], expected: tuple[str, str, int | None]
) -> None:
    assert rules.party_view(party, ("unreviewed", "derived", None), verdicts) == expected


def test_a_fact_may_stand_for_many_waiting_signals() -> None:
    first = datetime(2024, 5, 1, tzinfo=UTC)
    result = derive(signals=[SignalFact(7, "active", None, first, count=5), signal(8)])
    assert (result.unreviewed, result.status.since) == (6, first)
    assert result.status.reason == "6 signal(s) wait for review"
