"""Review, evidence, assessment, history and snapshots on a real SQLite file, with a stepping clock."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from tests.fixtures_status import (
    NOW,
    ArticleSpec,
    StatusFixture,
    SteppingClock,
    build_status_fixture,
    insert_article,
    insert_articles_and_signals,
    insert_signal,
    write_records,
)
from tracker.errors import NotFoundError, UsageError
from tracker.review.reviewing import Reviewer, backup_database
from tracker.rules.matching import plan_sync
from tracker.storage import open_database
from tracker.storage import reviews as store
from tracker.storage.db import Database, SqliteDatabase
from tracker.storage.signals import SignalDraft, sync_signals


@pytest.fixture
def fresh(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> Iterator[tuple[StatusFixture, Database, dict[str, int]]]:
    """The fixture's records and signals, before any analyst work (on each backend)."""
    root = tmp_path / "ws"
    write_records(root)
    fixture = StatusFixture(root, {}, request.getfixturevalue("pg_url") if backend == "postgresql" else None)
    db = open_database(fixture.target)
    signals = insert_articles_and_signals(db)
    yield fixture, db, signals
    db.close()


@pytest.fixture
def built(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> Iterator[tuple[StatusFixture, Database]]:
    url = request.getfixturevalue("pg_url") if backend == "postgresql" else None
    fixture = build_status_fixture(tmp_path / "ws", url)
    db = open_database(fixture.target)
    yield fixture, db
    db.close()


def one(db: Database, sql: str, *params: object) -> sqlite3.Row:
    with db.reading() as conn:
        return conn.execute(sql, params).fetchone()


def count(db: Database, table: str) -> int:
    return int(one(db, f"SELECT count(*) FROM {table}")[0])


# ---------------------------------------------------------------- confirm and reject


def test_confirm_makes_evidence_from_the_article_logs_and_records_history(fresh) -> None:  # type: ignore[no-untyped-def]
    fixture, db, signals = fresh
    reviewer = fixture.reviewer(db, SteppingClock())
    evidence_id = reviewer.confirm(signals["a1"], strength="mechanism", note="signed", reviewer="ana")
    row = one(db, "SELECT * FROM evidence WHERE id = ?", evidence_id)
    assert (row["signal_id"], row["commitment_id"], row["relation"], row["strength"]) == (
        signals["a1"],
        "alpha/2",
        "supports",
        "mechanism",
    )
    assert row["title"] == "Xinhua and Sputnik sign a content exchange agreement"
    assert (row["url"], row["publisher"], row["date"]) == (
        "https://news.example.org/a1",
        "xinhua-en",
        "2024-04-20",
    )
    signal = one(
        db, "SELECT review, reviewer, reviewed_at, strength, note FROM signals WHERE id = ?", signals["a1"]
    )
    assert tuple(signal) == ("confirmed", "ana", "2024-05-01T09:00:00+00:00", "mechanism", "signed")
    log = one(db, "SELECT action, strength, note, reviewer FROM reviews")
    assert tuple(log) == ("confirm", "mechanism", "signed", "ana")
    [entry] = store.history(db, ["alpha/2"])
    assert (entry.status, entry.origin, entry.evidence_ids) == ("in_progress", "derived", (evidence_id,))
    assert entry.reason.startswith(f"signal {signals['a1']} confirmed")


def test_reject_withdraws_evidence_and_confirm_again_revives_it(fresh) -> None:  # type: ignore[no-untyped-def]
    fixture, db, signals = fresh
    reviewer = fixture.reviewer(db, SteppingClock())
    evidence_id = reviewer.confirm(signals["a1"])
    reviewer.reject(signals["a1"], note="misread", reviewer="boris")
    assert one(db, "SELECT withdrawn FROM evidence WHERE id = ?", evidence_id)[0] is not None
    assert reviewer.status("alpha/2").status.status == "unreviewed"  # a2 still waits
    assert reviewer.confirm(signals["a1"]) == evidence_id
    assert one(db, "SELECT withdrawn FROM evidence WHERE id = ?", evidence_id)[0] is None
    actions = [r[0] for r in db.conn.execute("SELECT action FROM reviews ORDER BY id")]
    assert actions == ["confirm", "reject", "confirm"]
    assert [h.status for h in store.history(db, ["alpha/2"])] == ["in_progress", "unreviewed", "in_progress"]


def test_a_rejected_signal_stays_rejected_when_the_article_matches_again(fresh) -> None:  # type: ignore[no-untyped-def]
    fixture, db, signals = fresh
    fixture.reviewer(db).reject(signals["a2"], note="not about it")
    article_id = one(db, "SELECT article_id FROM signals WHERE id = ?", signals["a2"])[0]
    draft = SignalDraft(article_id, "alpha/2", ("other-rule",), 9.0, "supports", (), ())
    plan = sync_signals(db, [article_id], {(article_id, "alpha/2"): draft}, plan_sync)
    assert plan.kept_reviewed == 1
    row = one(db, "SELECT review, rule_ids, note FROM signals WHERE id = ?", signals["a2"])
    assert tuple(row) == ("rejected", '["demo-rule"]', "not about it")
    assert signals["a2"] not in [r["id"] for r in fixture.reviewer(db).unreviewed()]


def test_amend_changes_signal_and_evidence_without_a_new_review(fresh) -> None:  # type: ignore[no-untyped-def]
    fixture, db, signals = fresh
    reviewer = fixture.reviewer(db)
    evidence_id = reviewer.confirm(signals["a1"])
    reviewer.amend_signal(signals["a1"], relation="contradicts", strength="resources")
    row = one(db, "SELECT relation, strength FROM evidence WHERE id = ?", evidence_id)
    assert tuple(row) == ("contradicts", "resources")
    assert one(db, "SELECT review FROM signals WHERE id = ?", signals["a1"])[0] == "confirmed"
    assert reviewer.status("alpha/2").status.status == "unreviewed"  # no supporting evidence left


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda r, s: r.confirm(999), "no signal 999"),
        (lambda r, s: r.confirm(s["a1"], relation="maybe"), "--relation: expected one of"),
        (lambda r, s: r.confirm(s["a1"], strength="huge"), "--strength: expected one of"),
        (lambda r, s: r.reject(999), "no signal 999"),
    ],
)
def test_review_input_is_checked_before_anything_is_written(fresh, call, message) -> None:  # type: ignore[no-untyped-def]
    fixture, db, signals = fresh
    with pytest.raises((NotFoundError, UsageError), match=message):
        call(fixture.reviewer(db), signals)
    assert count(db, "reviews") == 0 and count(db, "evidence") == 0


def test_a_review_is_one_transaction(fresh, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """If the history entry cannot be written, the review is not written either."""
    fixture, db, signals = fresh

    def broken(*args: object) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(store, "insert_history", broken)
    with pytest.raises(sqlite3.OperationalError):
        fixture.reviewer(db).confirm(signals["a1"])
    assert one(db, "SELECT review FROM signals WHERE id = ?", signals["a1"])[0] is None
    assert count(db, "evidence") == 0 and count(db, "reviews") == 0


# ---------------------------------------------------------------- evidence by hand


def test_evidence_from_a_url_or_a_document(fresh) -> None:  # type: ignore[no-untyped-def]
    fixture, db, _ = fresh
    reviewer = fixture.reviewer(db)
    by_url = reviewer.add_evidence(
        "beta/3", title="Speech", url="https://example.org/speech", publisher="MFA", date=date(2024, 5, 2)
    )
    by_document = reviewer.add_evidence("beta/3", title="Note", document="Note verbale 17", added_by="ana")
    items = {item.evidence.id: item for item in reviewer.evidence("beta/3")}
    assert items[by_url].evidence.url == "https://example.org/speech" and items[by_url].document is None
    assert items[by_document].document == "Note verbale 17" and items[by_document].evidence.url is None
    assert reviewer.status("beta/3").status.status == "in_progress"
    reviewer.withdraw_evidence(by_url, note="wrong speech")
    reviewer.withdraw_evidence(by_document)
    assert reviewer.status("beta/3").status.status == "no_evidence"
    assert [h.status for h in reviewer.history("beta/3")] == ["in_progress", "no_evidence"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"title": " "}, "--title"),
        ({"title": "t", "url": "javascript:alert(1)"}, "URL: expected an http"),
        ({"title": "t", "url": "https://"}, "URL: expected an http"),
        ({"title": "t", "relation": "likes"}, "--relation"),
        ({"title": "t", "date": date(2024, 6, 2)}, "--date: 2024-06-02 is in the future"),
    ],
)
def test_evidence_input_is_checked(fresh, kwargs: dict[str, object], message: str) -> None:  # type: ignore[no-untyped-def]
    fixture, db, _ = fresh
    with pytest.raises(UsageError, match=message):
        fixture.reviewer(db).add_evidence("beta/3", **kwargs)  # type: ignore[arg-type]
    with pytest.raises(NotFoundError, match="ID: no commitment 'nope/1'"):
        fixture.reviewer(db).add_evidence("nope/1", title="t")


def test_a_confirmed_signal_s_evidence_is_withdrawn_by_rejecting_it(fresh) -> None:  # type: ignore[no-untyped-def]
    fixture, db, signals = fresh
    reviewer = fixture.reviewer(db)
    evidence_id = reviewer.confirm(signals["a1"])
    with pytest.raises(UsageError, match="reject that signal"):
        reviewer.withdraw_evidence(evidence_id)


# ---------------------------------------------------------------- assessments and history


def test_assessments_are_appended_and_the_newest_is_current(fresh) -> None:  # type: ignore[no-untyped-def]
    fixture, db, _ = fresh
    reviewer = fixture.reviewer(db, SteppingClock())
    first = reviewer.assess("beta/3", status="in_progress", rationale="Work began.")
    second = reviewer.assess(
        "beta/3", status="fulfilled", rationale="Done in full.", confidence="high", assessor="ana"
    )
    assert second > first
    shown = reviewer.status("beta/3").status
    assert (shown.status, shown.origin, shown.score) == ("fulfilled", "analyst", 1)
    assert [a.status for a in reviewer.assessments("beta/3")] == ["in_progress", "fulfilled"]
    assert [(h.status, h.origin) for h in reviewer.history("beta/3")] == [
        ("in_progress", "analyst"),
        ("fulfilled", "analyst"),
    ]
    # the database refuses edits, not only the code
    with pytest.raises(sqlite3.DatabaseError, match="append-only"), db.transaction() as conn:
        conn.execute("UPDATE assessments SET status = 'reversed'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"), db.transaction() as conn:
        conn.execute("DELETE FROM status_history")


def test_party_verdicts_and_their_combination(fresh) -> None:  # type: ignore[no-untyped-def]
    fixture, db, _ = fresh
    reviewer = fixture.reviewer(db, SteppingClock())
    reviewer.assess("alpha/4", status="fulfilled", party="china", rationale="Licences granted.")
    assert reviewer.status("alpha/4").status.origin == "derived"  # russia not yet assessed
    assert [h.status for h in reviewer.history("alpha/4")] == ["no_evidence"]  # the first status known
    reviewer.assess("alpha/4", status="fulfilled", party="russia", rationale="Licences granted too.")
    result = reviewer.status("alpha/4")
    assert (result.status.status, result.status.origin) == ("fulfilled", "analyst")
    assert sorted(result.verdicts) == ["china", "russia"]
    assert [(h.status, h.origin) for h in reviewer.history("alpha/4")][-1] == ("fulfilled", "analyst")
    with pytest.raises(UsageError, match="--party: russia is not a party of beta/1"):
        reviewer.assess("beta/1", status="fulfilled", party="russia", rationale="Licences granted.")


WHY = "a reason long enough"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"status": "done", "rationale": WHY}, "STATUS: choose one"),
        ({"status": "fulfilled", "rationale": " "}, "--note: say why, in at least 10 characters"),
        ({"status": "fulfilled", "rationale": "too short"}, "--note: say why, in at least 10 characters"),
        ({"status": "fulfilled", "rationale": WHY, "party": "eu"}, "--party: one of"),
        ({"status": "fulfilled", "rationale": WHY, "confidence": "total"}, "--confidence"),
    ],
)
def test_assessment_input_is_checked(fresh, kwargs: dict[str, object], message: str) -> None:  # type: ignore[no-untyped-def]
    fixture, db, _ = fresh
    with pytest.raises(UsageError, match=message):
        fixture.reviewer(db).assess("alpha/1", **kwargs)  # type: ignore[arg-type]
    assert count(db, "assessments") == 0


def test_unknown_evidence_for_a_verdict_is_an_unknown_id(fresh) -> None:  # type: ignore[no-untyped-def]
    fixture, db, _ = fresh
    kwargs = {"status": "fulfilled", "rationale": WHY, "evidence_ids": [42]}
    with pytest.raises(NotFoundError, match=r"--evidence: no evidence \[42\]"):
        fixture.reviewer(db).assess("alpha/1", **kwargs)  # type: ignore[arg-type]
    assert count(db, "assessments") == 0


def test_evidence_of_another_commitment_cannot_support_a_verdict(fresh) -> None:  # type: ignore[no-untyped-def]
    fixture, db, signals = fresh
    reviewer = fixture.reviewer(db)
    elsewhere = reviewer.confirm(signals["a1"])  # alpha/2's
    with pytest.raises(NotFoundError, match="--evidence"):
        reviewer.assess("alpha/1", status="fulfilled", rationale=WHY, evidence_ids=[elsewhere])


def test_refresh_records_what_time_changed_dated_when_it_happened(fresh) -> None:  # type: ignore[no-untyped-def]
    fixture, db, signals = fresh
    reviewer = fixture.reviewer(db, SteppingClock())
    reviewer.confirm(signals["a1"])  # alpha/2 in progress, evidence of 2024-04-20
    assert reviewer.refresh_statuses(now=datetime(2024, 5, 2, tzinfo=UTC)) == 7  # the others' first entries
    assert reviewer.refresh_statuses(now=datetime(2024, 5, 3, tzinfo=UTC)) == 0  # idempotent
    # the daily job runs late: the evidence went stale on 2025-04-20, noticed in June
    assert reviewer.refresh_statuses(["alpha/2"], now=datetime(2025, 6, 1, tzinfo=UTC)) == 1
    last = reviewer.history("alpha/2")[-1]
    assert (last.status, last.at) == ("stalled", datetime(2025, 4, 20, tzinfo=UTC))
    assert last.reason.startswith("refreshed: newest supporting evidence 2024-04-20")
    overdue = [h for h in reviewer.history("alpha/3")]
    assert [(h.status, h.at) for h in overdue] == [("overdue", datetime(2022, 1, 1, tzinfo=UTC))]


def test_refresh_with_a_workspace_stale_after(fresh) -> None:  # type: ignore[no-untyped-def]
    fixture, db, signals = fresh
    Reviewer(db, fixture.statements(), clock=lambda: NOW).confirm(signals["a1"])
    late = datetime(2025, 6, 1, tzinfo=UTC)
    patient = Reviewer(db, fixture.statements(), clock=lambda: late, stale_after=timedelta(days=3650))
    assert patient.status("alpha/2").status.status == "in_progress"
    assert Reviewer(db, fixture.statements(), clock=lambda: late).status("alpha/2").status.status == "stalled"


def test_statuses_of_the_built_fixture(built) -> None:  # type: ignore[no-untyped-def]
    fixture, db = built
    shown = {cid: (s.status.status, s.status.origin) for cid, s in fixture.reviewer(db).statuses().items()}
    assert shown == {
        "alpha/1": ("fulfilled", "analyst"),
        "alpha/2": ("in_progress", "derived"),
        "alpha/3": ("overdue", "derived"),
        "alpha/4": ("partial", "analyst"),
        "beta/1": ("stalled", "derived"),
        "beta/2": ("unreviewed", "derived"),
        "beta/3": ("no_evidence", "derived"),
        "beta/4": ("not_verifiable", "analyst"),
    }


def test_unreviewed_lists_waiting_signals_only(built) -> None:  # type: ignore[no-untyped-def]
    fixture, db = built
    reviewer = fixture.reviewer(db)
    waiting = reviewer.unreviewed()
    assert sorted(r["commitment_id"] for r in waiting) == ["alpha/3", "beta/2"]
    assert waiting[0]["rule_ids"] == ["demo-rule"]
    assert [r["commitment_id"] for r in reviewer.unreviewed(["beta/2"])] == ["beta/2"]
    with pytest.raises(NotFoundError, match="--commitment: no commitment 'zeta/1'"):
        reviewer.unreviewed(["zeta/1"])


def test_a_signal_of_a_commitment_no_longer_in_the_records(fresh) -> None:  # type: ignore[no-untyped-def]
    fixture, db, _ = fresh
    with db.transaction() as conn:
        article = insert_article(conn, ArticleSpec("x", "Old", date(2024, 1, 1), "f", "gone/1"))
        signal_id = insert_signal(conn, article, "gone/1")
    with pytest.raises(NotFoundError, match="no longer in the records"):
        fixture.reviewer(db).confirm(signal_id)


# ---------------------------------------------------------------- snapshots and backups


def test_snapshots_are_immutable(built) -> None:  # type: ignore[no-untyped-def]
    fixture, db = built
    reviewer = fixture.reviewer(db)
    frozen = reviewer.snapshot("interim-2024")
    assert frozen["snapshot"] == {"name": "interim-2024", "created": "2024-06-01T12:00:00+00:00"}
    assert reviewer.snapshot_report("interim-2024") == frozen
    with pytest.raises(UsageError, match="snapshots are immutable"):
        reviewer.snapshot("interim-2024")
    with pytest.raises(sqlite3.DatabaseError, match="snapshots are immutable"), db.transaction() as conn:
        conn.execute("UPDATE snapshots SET data = '{}'")
    with pytest.raises(NotFoundError, match="--snapshot: no snapshot 'final'"):
        reviewer.snapshot_report("final")
    assert reviewer.snapshots() == [("interim-2024", "2024-06-01T12:00:00+00:00")]


def test_backup_is_a_checked_copy_and_never_overwrites(built, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, db = built
    target = tmp_path / "copies" / "tracker-backup.db"
    with pytest.raises(UsageError, match=r"FILE: the folder .* does not exist"):
        backup_database(db, target)
    target.parent.mkdir()
    backup_database(db, target)
    copy = SqliteDatabase(target, readonly=True)
    try:
        assert copy.integrity_check() == "ok"
        assert copy.conn.execute("SELECT count(*) FROM assessments").fetchone()[0] == 5
    finally:
        copy.close()
    assert not target.with_name(target.name + ".partial").exists()
    with pytest.raises(UsageError, match="exists"):
        backup_database(db, target)


def test_the_aggregate_evidence_summary_equals_the_one_built_from_the_items(built) -> None:  # type: ignore[no-untyped-def]
    """The dashboard reads statuses from an aggregate query; it must say what the items say."""
    from tracker.review.status import summarize

    fixture, db = built
    reviewer = fixture.reviewer(db)
    reviewer.add_evidence("beta/3", title="undated: counts from when it was recorded", url="https://e.org/u")
    reviewer.add_evidence("beta/3", title="against", document="Note 1", relation="contradicts")
    reviewer.add_evidence(
        "alpha/2", title="an older second source", url="https://e.org/2", date=date(2020, 1, 1)
    )
    gone = reviewer.add_evidence("alpha/2", title="withdrawn", url="https://e.org/w", date=date(2024, 5, 2))
    reviewer.withdraw_evidence(gone, note="wrong commitment")
    with db.reading() as conn:
        detailed = store.load_facts(conn)
        summarised = store.load_facts(conn, detail=False)
    relations = {item.evidence.relation for facts in detailed.values() for item in facts.evidence}
    assert relations == {"supports", "contradicts", "context"}
    assert gone not in {item.evidence.id for facts in detailed.values() for item in facts.evidence}
    for cid, facts in detailed.items():
        expected = summarize(item.evidence for item in facts.evidence)
        got = summarised[cid].summary or summarize([])
        assert got == expected, cid
