"""Signal SQL: store what the rules linked, retract what they no longer link, read signals.

One row per (article, commitment) (schema v1, `signals`). The matcher's side of a
row is `rule_ids`, `score`, `relation`, `hits` and `dates`; the analyst's side is
`review`, `strength`, `note`, `reviewed_at`, `reviewer`. Nothing in this module ever
writes the analyst's side, and `sync_signals` leaves a reviewed row entirely alone.

`hits` is a JSON list of objects `{rule, condition, term, field, start, end, text}`:
the rule and condition that counted the term, the term as written in the rule, the
field and the offsets of the matched text in the original field. `dates` is a JSON
list of strings such as "2017-03-01 (mentioned: 1 марта 2017 года)".

Reading articles for matching lives here too (`iter_articles`, `articles_by_ids`):
the article storage module is another engineer's, and matching needs only plain
reads by id batches; these functions say so in their names.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tracker.errors import NotFoundError, StaleRulesError
from tracker.storage.articles import row_to_article
from tracker.storage.db import Connection, Database, Row, from_db, to_db, utcnow
from tracker.types import Article, Signal, TermHit

RULES_FINGERPRINT_KEY = "rules_fingerprint"
#: The rules in force: the fingerprint and load time of the newest rules that matched.
RULES_CLAIM_KEY = "rules_claim"
#: SQLite allows 999 bound parameters in old builds; stay well below.
_CHUNK = 500

_ARTICLE_COLUMNS = (
    "id, guid, url, canonical_url, title, summary, content, language, published, first_seen, updated,"
    " content_source, fulltext_at"
)
_SIGNAL_COLUMNS = (
    "id, article_id, commitment_id, rule_ids, score, relation, hits, dates, created, state, "
    "review, strength, note, reviewed_at, reviewer"
)


# ---------------------------------------------------------------- record types


@dataclass(frozen=True)
class SignalDraft:
    """What the rules say now about one (article, commitment) pair."""

    article_id: int
    commitment_id: str
    rule_ids: tuple[str, ...]
    score: float
    relation: str
    hits: tuple[dict[str, Any], ...]
    dates: tuple[str, ...]

    def same_as(self, stored: StoredSignal) -> bool:
        return (
            list(self.rule_ids) == stored.rule_ids
            and abs(self.score - stored.score) < 1e-9
            and self.relation == stored.relation
            and _dump(list(self.hits)) == stored.hits_json
            and _dump(list(self.dates)) == stored.dates_json
        )


@dataclass(frozen=True)
class StoredSignal:
    """The matcher's view of an existing row (what it needs to decide what to do)."""

    id: int
    article_id: int
    commitment_id: str
    rule_ids: list[str]
    score: float
    relation: str
    hits_json: str
    dates_json: str
    state: str
    review: str | None

    @property
    def key(self) -> tuple[int, str]:
        return (self.article_id, self.commitment_id)


@dataclass
class SyncPlan:
    """What to write for one batch; made by a pure planner (tracker.matching.plan_sync)."""

    inserts: list[SignalDraft] = field(default_factory=list)
    updates: list[tuple[int, SignalDraft]] = field(default_factory=list)
    reactivations: list[tuple[int, SignalDraft]] = field(default_factory=list)
    retractions: list[int] = field(default_factory=list)
    unchanged: int = 0
    kept_reviewed: int = 0


Planner = Callable[[dict[tuple[int, str], StoredSignal], dict[tuple[int, str], SignalDraft]], SyncPlan]


# ---------------------------------------------------------------- writing


@dataclass(frozen=True)
class RulesClaim:
    """Which rules a matching write comes from: their fingerprint and when they were loaded."""

    fingerprint: str
    loaded_at: float


def sync_signals(
    db: Database,
    article_ids: Sequence[int],
    drafts: dict[tuple[int, str], SignalDraft],
    planner: Planner,
    *,
    now: datetime | None = None,
    rules: RulesClaim | None = None,
) -> SyncPlan:
    """Bring the signals of these articles in line with `drafts`, in one transaction.

    The existing rows are read inside the write transaction, so a review saved by
    the dashboard a moment earlier is seen and respected, never overwritten. With
    `rules`, the same transaction first checks that no newer rules have written since
    (`_claim_rules`): two processes matching with different rules cannot interleave
    so that the older rules' signals win.
    """
    stamp = to_db(now or utcnow())
    with db.transaction() as conn:
        if rules is not None:
            _claim_rules(conn, rules)
        existing = _existing(conn, article_ids)
        plan = planner(existing, drafts)
        for draft in plan.inserts:
            # An article deleted since it was read (retention) simply gets no signal.
            conn.execute(
                "INSERT INTO signals (article_id, commitment_id, rule_ids, score, relation, hits, dates,"
                " created, updated, state) SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active'"
                " WHERE EXISTS (SELECT 1 FROM articles WHERE id = ?)",
                (
                    draft.article_id,
                    draft.commitment_id,
                    *_matcher_values(draft),
                    stamp,
                    stamp,
                    draft.article_id,
                ),
            )
        for signal_id, draft in plan.updates + plan.reactivations:
            # `review IS NULL` again here: belt and braces for "never touch reviews".
            conn.execute(
                "UPDATE signals SET rule_ids = ?, score = ?, relation = ?, hits = ?, dates = ?,"
                " updated = ?, state = 'active' WHERE id = ? AND review IS NULL",
                (*_matcher_values(draft), stamp, signal_id),
            )
        for chunk in _chunks(plan.retractions):
            marks = ",".join("?" * len(chunk))
            conn.execute(
                "UPDATE signals SET state = 'retracted', updated = ?"
                f" WHERE id IN ({marks}) AND review IS NULL",
                (stamp, *chunk),
            )
    return plan


def _matcher_values(draft: SignalDraft) -> tuple[str, float, str, str, str]:
    return (
        _dump(list(draft.rule_ids)),
        draft.score,
        draft.relation,
        _dump(list(draft.hits)),
        _dump(list(draft.dates)),
    )


def _existing(conn: Connection, article_ids: Sequence[int]) -> dict[tuple[int, str], StoredSignal]:
    out: dict[tuple[int, str], StoredSignal] = {}
    for chunk in _chunks(list(article_ids)):
        marks = ",".join("?" * len(chunk))
        rows = conn.execute(
            "SELECT id, article_id, commitment_id, rule_ids, score, relation, hits, dates, state, review"
            f" FROM signals WHERE article_id IN ({marks})",
            chunk,
        )
        for row in rows:
            stored = StoredSignal(
                id=row["id"],
                article_id=row["article_id"],
                commitment_id=row["commitment_id"],
                rule_ids=json.loads(row["rule_ids"]),
                score=row["score"],
                relation=row["relation"],
                hits_json=row["hits"],
                dates_json=row["dates"],
                state=row["state"],
                review=row["review"],
            )
            out[stored.key] = stored
    return out


def existing_signals(db: Database, article_ids: Sequence[int]) -> dict[tuple[int, str], StoredSignal]:
    """The matcher's view of the rows for these articles (read-only; for `rules test`)."""
    with db.reading() as conn:
        return _existing(conn, article_ids)


# ---------------------------------------------------------------- reading signals


def get_signal(db: Database, signal_id: int) -> Signal:
    with db.reading() as conn:
        row = conn.execute(f"SELECT {_SIGNAL_COLUMNS} FROM signals WHERE id = ?", (signal_id,)).fetchone()
    if row is None:
        raise NotFoundError(f"no signal {signal_id}")
    return _signal(row)


def signals_for_commitment(db: Database, commitment_id: str, *, state: str | None = "active") -> list[Signal]:
    """Newest first; `state=None` includes retracted signals."""
    sql = f"SELECT {_SIGNAL_COLUMNS} FROM signals WHERE commitment_id = ?"
    params: list[Any] = [commitment_id]
    if state is not None:
        sql += " AND state = ?"
        params.append(state)
    with db.reading() as conn:
        return [_signal(r) for r in conn.execute(sql + " ORDER BY created DESC, id DESC", params)]


def signals_for_article(db: Database, article_id: int) -> list[Signal]:
    with db.reading() as conn:
        rows = conn.execute(
            f"SELECT {_SIGNAL_COLUMNS} FROM signals WHERE article_id = ? ORDER BY commitment_id",
            (article_id,),
        )
        return [_signal(r) for r in rows]


def signal_hit_records(signal_json: str) -> list[dict[str, Any]]:
    """The stored hit objects with their rule and condition (TermHit drops those two)."""
    return list(json.loads(signal_json or "[]"))


def _signal(row: Row) -> Signal:
    hits = tuple(
        TermHit(h["term"], h["field"], int(h["start"]), int(h["end"]), h["text"])
        for h in json.loads(row["hits"] or "[]")
    )
    return Signal(
        id=row["id"],
        article_id=row["article_id"],
        commitment_id=row["commitment_id"],
        rule_ids=tuple(json.loads(row["rule_ids"] or "[]")),
        score=row["score"],
        relation=row["relation"],
        hits=hits,
        dates=tuple(json.loads(row["dates"] or "[]")),
        created=from_db(row["created"]) or utcnow(),
        state=row["state"],
        review=row["review"],
        strength=row["strength"],
        note=row["note"],
        reviewed_at=from_db(row["reviewed_at"]),
        reviewer=row["reviewer"],
    )


# ---------------------------------------------------------------- reading articles for matching


def articles_by_ids(db: Database, article_ids: Sequence[int]) -> list[Article]:
    """Articles for matching, in id order; unknown ids are skipped. `feeds` is left empty."""
    out: list[Article] = []
    with db.reading() as conn:
        for chunk in _chunks(sorted(set(article_ids))):
            marks = ",".join("?" * len(chunk))
            rows = conn.execute(
                f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE id IN ({marks}) ORDER BY id", chunk
            )
            out.extend(row_to_article(r) for r in rows)
    return out


def iter_articles(
    db: Database, *, since: datetime | None = None, batch_size: int = 500
) -> Iterator[list[Article]]:
    """Every stored article in id batches (keyset pagination: constant memory, no OFFSET).

    `since` keeps articles published (or, without a date, first seen) on or after it.
    Each batch is its own read, so a long re-match never holds a snapshot open.
    """
    last_id = 0
    where = "id > ?"
    if since is not None:
        where += " AND coalesce(published, first_seen) >= ?"
    while True:
        params: list[Any] = [last_id]
        if since is not None:
            params.append(to_db(since))
        with db.reading() as conn:
            rows = conn.execute(
                f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE {where} ORDER BY id LIMIT ?",
                (*params, batch_size),
            ).fetchall()
        if not rows:
            return
        yield [row_to_article(r) for r in rows]
        last_id = rows[-1]["id"]


def find_article_id(db: Database, ref: str) -> int:
    """An article by id, or by URL (canonical or as fetched). Raises NotFoundError."""
    with db.reading() as conn:
        if ref.isdigit():
            row = conn.execute("SELECT id FROM articles WHERE id = ?", (int(ref),)).fetchone()
        else:
            row = conn.execute(
                "SELECT id FROM articles WHERE canonical_url = ? OR url = ? ORDER BY id LIMIT 1", (ref, ref)
            ).fetchone()
    if row is None:
        raise NotFoundError(f"no article {ref!r}")
    return int(row["id"])


def count_articles(db: Database) -> int:
    with db.reading() as conn:
        return int(conn.execute("SELECT count(*) FROM articles").fetchone()[0])


# ---------------------------------------------------------------- meta: the rules fingerprint


def rules_fingerprint(db: Database) -> str | None:
    """The fingerprint of the rules the stored signals were last fully matched with."""
    with db.reading() as conn:
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (RULES_FINGERPRINT_KEY,)).fetchone()
    return row["value"] if row else None


def set_rules_fingerprint(db: Database, fingerprint: str, rules: RulesClaim | None = None) -> None:
    """Record that every stored article was matched with these rules (checked like a
    matching write, so a stale full re-match cannot leave its fingerprint last)."""
    with db.transaction() as conn:
        if rules is not None:
            _claim_rules(conn, rules)
        conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?)"
            " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (RULES_FINGERPRINT_KEY, fingerprint),
        )


def _claim_rules(conn: Connection, rules: RulesClaim) -> None:
    """Compare-and-set, inside the caller's write transaction, of the rules in force.

    The rules in force are the most recently loaded ones that have written. A write
    from other rules loaded earlier is refused (StaleRulesError): `tracker match` started
    with yesterday's rules stops at its next batch once the watcher, which reloaded the
    edited files, has matched with today's. Same rules: always allowed.
    """
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (RULES_CLAIM_KEY,)).fetchone()
    held = json.loads(row["value"]) if row else None
    held_at = float(held.get("loaded_at", 0)) if held else 0.0
    same = bool(held) and held.get("fingerprint") == rules.fingerprint
    if held and not same and held_at > rules.loaded_at:
        when = datetime.fromtimestamp(held_at, UTC).isoformat(timespec="seconds")
        raise StaleRulesError(
            f"the rules changed while matching: newer rules (loaded {when}) have matched the "
            "articles since these were loaded; this batch was not written; run `tracker match` again"
        )
    if same and held_at >= rules.loaded_at:
        return
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (RULES_CLAIM_KEY, _dump({"fingerprint": rules.fingerprint, "loaded_at": rules.loaded_at})),
    )


def _dump(value: Any) -> str:
    """Canonical JSON, so that equal content compares equal as text."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def rule_review_rows(db: Database) -> Iterator[tuple[list[str], str | None, list[dict[str, Any]]]]:
    """Every signal ever made (retracted ones too: their reviews still teach), as
    (rule ids, review or None, hit records): what `tracker rules stats` counts."""
    with db.reading() as conn:
        for row in conn.execute("SELECT rule_ids, review, hits FROM signals ORDER BY id"):
            yield json.loads(row["rule_ids"] or "[]"), row["review"], json.loads(row["hits"] or "[]")
