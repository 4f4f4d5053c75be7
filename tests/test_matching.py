"""The matching pipeline on a real SQLite file: idempotent re-matching, retraction,
review preservation (a rejected pair stays rejected), dry runs and the watcher's hook.

Articles are inserted with plain SQL (`insert_article`) so these tests do not depend
on the article storage module.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.test_rules_model import make_workspace, statements_of
from tracker.errors import StaleRulesError
from tracker.rules import Matcher, compile_rules, load_rules
from tracker.rules.matching import (
    drafts_for,
    make_on_stored,
    match_articles,
    plan_sync,
    rematch_all,
    rule_test,
    rules_changed,
)
from tracker.storage import open_database
from tracker.storage import signals as store
from tracker.storage.db import Database, to_db
from tracker.storage.signals import SignalDraft, StoredSignal

RULES_V1 = """\
rules:
  - id: drills
    targets: {commitments: [demo/1]}
    all: [$china, $russia]
    any: [cert, drill*, exercise]
  - id: media
    targets: {commitments: [demo/2]}
    phrases: [media year]
"""


def insert_article(
    db: Database,
    title: str,
    summary: str = "",
    *,
    published: datetime = datetime(2017, 3, 1, tzinfo=UTC),
    url: str | None = None,
) -> int:
    """An article row with the columns schema v1 requires (what article storage will write)."""
    now = to_db(datetime.now(UTC))
    with db.transaction() as conn:
        cursor = conn.execute(
            "INSERT INTO articles (guid, url, canonical_url, title, summary, content, language, published,"
            " first_seen, last_seen, content_hash) VALUES (?, ?, ?, ?, ?, '', 'en', ?, ?, ?, ?) RETURNING id",
            (
                url or title,
                url,
                url,
                title,
                summary,
                to_db(published),
                now,
                now,
                hashlib.sha256((title + summary).encode()).hexdigest(),
            ),
        )
        return int(cursor.fetchone()[0])


def matcher_for(root: Path, rules: str) -> Matcher:
    (root / "rules" / "rules.yaml").write_text(rules, encoding="utf-8")
    statements = statements_of(root)
    loaded, problems = load_rules(root / "rules", statements)
    assert not problems, problems
    return compile_rules(loaded, statements)


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return make_workspace(tmp_path / "ws", RULES_V1)


@pytest.fixture
def db(state_target: Path | str) -> Iterator[Database]:
    """The signal store on each backend (SQLite and PostgreSQL)."""
    database = open_database(state_target)
    yield database
    database.close()


def rows(db: Database) -> dict[tuple[int, str], dict]:
    with db.reading() as conn:
        return {
            (r["article_id"], r["commitment_id"]): dict(r)
            for r in conn.execute("SELECT * FROM signals ORDER BY id")
        }


def review(db: Database, article_id: int, commitment_id: str, verdict: str) -> None:
    """What the review module will do; here in SQL so the test does not depend on it."""
    with db.transaction() as conn:
        conn.execute(
            "UPDATE signals SET review = ?, reviewed_at = ?, reviewer = 'analyst', note = 'checked'"
            " WHERE article_id = ? AND commitment_id = ?",
            (verdict, to_db(datetime.now(UTC)), article_id, commitment_id),
        )


# ---------------------------------------------------------------- the pipeline


def test_new_articles_become_signals_with_explanations(ws: Path, db: Database) -> None:
    matcher = matcher_for(ws, RULES_V1)
    a1 = insert_article(db, "China and Russia hold CERT drills", "A joint exercise.")
    a2 = insert_article(db, "Weather in Moscow")
    summary = match_articles(db, matcher, [a1, a2])
    assert (summary.articles, summary.links, summary.added) == (2, 1, 1)
    [signal] = store.signals_for_commitment(db, "demo/1")
    assert signal.article_id == a1 and signal.rule_ids == ("drills",)
    assert signal.score == 3.0 and signal.relation == "supports" and signal.state == "active"
    title = "China and Russia hold CERT drills"
    assert {(h.term, h.text) for h in signal.hits if h.field == "title"} >= {
        ("cert", "CERT"),
        ("drill*", "drills"),
    }
    for hit in signal.hits:
        if hit.field == "title":
            assert title[hit.start : hit.end] == hit.text
    assert signal.dates == ()
    assert store.get_signal(db, signal.id) == signal


def test_matching_is_idempotent(ws: Path, db: Database) -> None:
    matcher = matcher_for(ws, RULES_V1)
    ids = [insert_article(db, f"China and Russia hold CERT drills {i}") for i in range(3)]
    first = rematch_all(db, matcher)
    before = rows(db)
    second = rematch_all(db, matcher)
    assert first.added == 3
    assert (second.added, second.updated, second.retracted, second.unchanged) == (0, 0, 0, 3)
    assert rows(db) == before  # not even the `updated` stamp moved
    assert match_articles(db, matcher, ids).unchanged == 3


def test_rule_changes_update_retract_and_revive(ws: Path, db: Database) -> None:
    a1 = insert_article(db, "China and Russia hold CERT drills")
    a2 = insert_article(db, "China and Russia: a media year of exchanges")
    rematch_all(db, matcher_for(ws, RULES_V1))
    # v2: `drills` scores differently, `media` is gone
    v2 = RULES_V1.split("  - id: media")[0].replace(
        "any: [cert, drill*, exercise]", "any: [cert, drill*]\n    weight: 2"
    )
    summary = rematch_all(db, matcher_for(ws, v2))
    assert (summary.updated, summary.retracted) == (1, 1)
    state = rows(db)
    assert state[(a1, "demo/1")]["score"] == 4.0
    assert state[(a2, "demo/2")]["state"] == "retracted"
    # back to v1: the retracted signal returns, as the same row
    summary = rematch_all(db, matcher_for(ws, RULES_V1))
    assert (summary.reactivated, summary.updated) == (1, 1)
    again = rows(db)
    assert again[(a2, "demo/2")]["state"] == "active"
    assert again[(a2, "demo/2")]["id"] == state[(a2, "demo/2")]["id"]


def test_reviewed_signals_are_never_touched(ws: Path, db: Database) -> None:
    confirmed = insert_article(db, "China and Russia hold CERT drills")
    rejected = insert_article(db, "China and Russia: CERT exercise")
    rematch_all(db, matcher_for(ws, RULES_V1))
    review(db, confirmed, "demo/1", "confirmed")
    review(db, rejected, "demo/1", "rejected")
    before = rows(db)
    # The rules change so that neither matches any more: nothing may change for reviewed rows.
    gone = "rules:\n  - id: media\n    targets: {commitments: [demo/2]}\n    phrases: [media year]\n"
    summary = rematch_all(db, matcher_for(ws, gone))
    assert summary.retracted == 0 and summary.kept_reviewed == 2
    assert rows(db) == before
    # A rule that scores them differently: still untouched.
    summary = rematch_all(db, matcher_for(ws, RULES_V1.replace("any: [cert", "weight: 3\n    any: [cert")))
    assert summary.kept_reviewed == 2 and summary.updated == 0
    assert rows(db) == before


def test_a_rejected_pair_that_matches_again_stays_rejected(ws: Path, db: Database) -> None:
    article_id = insert_article(db, "China and Russia hold CERT drills")
    matcher = matcher_for(ws, RULES_V1)
    match_articles(db, matcher, [article_id])
    review(db, article_id, "demo/1", "rejected")
    for _ in range(2):
        summary = match_articles(db, matcher, [article_id])
        assert summary.added == 0 and summary.kept_reviewed == 1
    [row] = rows(db).values()
    assert row["review"] == "rejected" and row["note"] == "checked"
    with db.reading() as conn:
        assert conn.execute("SELECT count(*) FROM signals").fetchone()[0] == 1


def test_only_the_given_articles_are_retracted(ws: Path, db: Database) -> None:
    a1 = insert_article(db, "China and Russia hold CERT drills")
    a2 = insert_article(db, "China and Russia: CERT exercise")
    rematch_all(db, matcher_for(ws, RULES_V1))
    nothing = matcher_for(ws, "rules: []\n")
    assert match_articles(db, nothing, [a1]).retracted == 1
    state = rows(db)
    assert state[(a1, "demo/1")]["state"] == "retracted"
    assert state[(a2, "demo/1")]["state"] == "active"


def test_fingerprint_tells_whether_rules_changed(ws: Path, db: Database) -> None:
    matcher = matcher_for(ws, RULES_V1)
    assert rules_changed(db, matcher)
    rematch_all(db, matcher)
    assert not rules_changed(db, matcher)
    assert rules_changed(db, matcher_for(ws, RULES_V1.replace("media year", "media years")))


def test_the_watcher_hook_matches_what_was_stored(ws: Path, db: Database) -> None:
    current = {"matcher": matcher_for(ws, RULES_V1)}
    on_stored = make_on_stored(db, lambda: current["matcher"])
    article_id = insert_article(db, "China and Russia hold CERT drills")
    assert on_stored([article_id]).added == 1
    current["matcher"] = matcher_for(ws, "rules: []\n")  # the watcher reloaded its rules
    assert on_stored([article_id]).retracted == 1


def test_rule_test_is_a_dry_run(ws: Path, db: Database) -> None:
    old = insert_article(db, "China and Russia hold CERT drills", published=datetime(2016, 7, 1, tzinfo=UTC))
    new = insert_article(db, "China and Russia: CERT exercise", published=datetime(2018, 1, 1, tzinfo=UTC))
    insert_article(db, "Unrelated")
    matcher = matcher_for(ws, RULES_V1)
    match_articles(db, matcher, [old])
    review(db, old, "demo/1", "rejected")
    found = rule_test(db, matcher, "drills")
    assert [(r.article_id, r.stored) for r in found] == [(old, "rejected"), (new, "new")]
    assert found[1].terms == ("china", "russia", "cert", "exercise")
    assert [r.article_id for r in rule_test(db, matcher, "drills", datetime(2017, 1, 1, tzinfo=UTC))] == [new]
    assert len(rows(db)) == 1  # nothing written
    with pytest.raises(KeyError):
        rule_test(db, matcher, "no-such-rule")


def test_articles_are_read_in_id_batches(db: Database) -> None:
    ids = [insert_article(db, f"story {i}") for i in range(7)]
    batches = list(store.iter_articles(db, batch_size=3))
    assert [len(b) for b in batches] == [3, 3, 1]
    assert [a.id for b in batches for a in b] == ids
    assert [a.id for a in store.articles_by_ids(db, [ids[4], ids[1], 999])] == [ids[1], ids[4]]
    assert store.find_article_id(db, str(ids[2])) == ids[2]


# ---------------------------------------------------------------- the decision, as a pure function


def _stored(
    signal_id: int, key: tuple[int, str], *, state: str = "active", review: str | None = None
) -> StoredSignal:
    return StoredSignal(signal_id, key[0], key[1], ["r"], 2.0, "supports", "[]", "[]", state, review)


def _draft(key: tuple[int, str], score: float = 2.0) -> SignalDraft:
    return SignalDraft(key[0], key[1], ("r",), score, "supports", (), ())


def test_plan_sync_covers_every_case() -> None:
    keys = [(1, f"c/{i}") for i in range(7)]
    existing = {
        keys[1]: _stored(11, keys[1]),  # same → unchanged
        keys[2]: _stored(12, keys[2]),  # score changed → update
        keys[3]: _stored(13, keys[3], state="retracted"),  # matches again → reactivate
        keys[4]: _stored(14, keys[4], review="rejected"),  # matches again → kept, untouched
        keys[5]: _stored(15, keys[5]),  # no longer matches → retract
        keys[6]: _stored(16, keys[6], review="confirmed"),  # no longer matches → kept, untouched
    }
    drafts = {k: _draft(k) for k in keys[:5]}
    drafts[keys[2]] = _draft(keys[2], score=3.0)
    plan = plan_sync(existing, drafts)
    assert [d.commitment_id for d in plan.inserts] == ["c/0"]
    assert [i for i, _ in plan.updates] == [12]
    assert [i for i, _ in plan.reactivations] == [13]
    assert plan.retractions == [15]
    assert (plan.unchanged, plan.kept_reviewed) == (1, 2)


def test_drafts_join_every_rule_of_a_pair(ws: Path) -> None:
    from tests.test_rules_matcher import article

    rules = RULES_V1 + (
        "  - id: drills-context\n    targets: {commitments: [demo/1]}\n    any: [cert, drill*]\n"
        "    relation: contradicts\n"
    )
    matcher = matcher_for(ws, rules)
    [draft] = drafts_for(matcher.match(article("China and Russia hold CERT drills"))).values()
    # Equal scores: the contradicting rule comes first and gives the relation (never hidden).
    assert draft.rule_ids == ("drills-context", "drills")
    assert (draft.score, draft.relation) == (4.0, "contradicts")
    hits = [h["rule"] for h in draft.hits]
    assert set(hits) == {"drills", "drills-context"}
    assert json.loads(json.dumps(list(draft.hits)))  # JSON-ready


# ---------------------------------------------------------------- racing matchers (issue 16)

RULES_V2 = RULES_V1.replace("any: [cert, drill*, exercise]", "any: [naval, fleet, submarine]")


def test_stale_rules_never_win_a_race_with_newer_ones(ws: Path, db: Database) -> None:
    """`tracker match` with the old rules interleaved with the watcher's re-match with the new."""
    ids = [insert_article(db, f"China and Russia hold CERT drills {i}") for i in range(4)]
    old = matcher_for(ws, RULES_V1)  # `tracker match` loaded the rules ...
    rematch_all(db, old)
    assert sum(r["state"] == "active" for r in rows(db).values()) == 4
    new = matcher_for(ws, RULES_V2)  # ... then the file was edited and the watcher reloaded
    assert new.loaded_at > old.loaded_at
    assert rematch_all(db, new).retracted == 4
    with pytest.raises(StaleRulesError, match="rules changed while matching"):
        match_articles(db, old, ids[:2])  # the old run's next batch
    with pytest.raises(StaleRulesError):
        rematch_all(db, old)
    assert all(r["state"] == "retracted" for r in rows(db).values())  # nothing reactivated
    assert not rules_changed(db, new)


def test_the_same_rules_loaded_twice_never_conflict(ws: Path, db: Database) -> None:
    a1 = insert_article(db, "China and Russia hold CERT drills")
    first = matcher_for(ws, RULES_V1)
    second = matcher_for(ws, RULES_V1)
    match_articles(db, second, [a1])
    assert match_articles(db, first, [a1]).unchanged == 1  # older load, same rules: fine
    newer = matcher_for(ws, RULES_V2)
    rematch_all(db, newer)
    reverted = matcher_for(ws, RULES_V1)  # the edit undone: the newest load wins again
    assert rematch_all(db, reverted).reactivated == 1
