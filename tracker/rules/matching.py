"""The matching pipeline: run the compiled rules over stored articles and keep signals in step.

- `match_articles(db, matcher, ids)`: the articles just stored (the watcher's
  `on_stored` hook, see `make_on_stored`) or any chosen set;
- `rematch_all(db, matcher)`: every stored article, after the rules changed
  (`tracker match`); records the rules' fingerprint so a caller can tell whether the
  stored signals reflect the current rules (`rules_changed`);
- `rule_test(db, matcher, rule_id, since)`: a dry run of one rule, for tuning.

Racing matchers: `tracker match` may run while the watcher re-matches after a rules
edit. Each batch's transaction compares the rules it comes from with the newest rules
that have written (`storage.signals._claim_rules`) and refuses to write with older
ones, so old rules never reactivate what new rules retracted.

Matching is idempotent. For each (article, commitment) the rules link now, a signal is
added, updated, or brought back from retraction; a signal the rules no longer make is
retracted. A reviewed signal (confirmed or rejected) is never changed in any way: a
rejected pair that matches again stays rejected, a confirmed one stays confirmed even
if the rule that found it is deleted. The decision is the pure function `plan_sync`.

A signal joins every rule that links its pair: `rule_ids` lists them strongest first,
`score` is the sum of their scores, `relation` is the strongest rule's (on a tie,
contradicts before supports before context, so a contradiction is never hidden).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime
from functools import partial

from tracker.rules.automaton import Matcher
from tracker.storage import signals as store
from tracker.storage.db import Database
from tracker.storage.signals import SignalDraft, StoredSignal, SyncPlan
from tracker.types import Article, MatchResult, Prematched

_RELATION_ORDER = {"contradicts": 0, "supports": 1, "context": 2}


@dataclass
class MatchSummary:
    """What one run did; `links` counts the (article, commitment) pairs linked now."""

    articles: int = 0
    links: int = 0
    added: int = 0
    updated: int = 0
    reactivated: int = 0
    retracted: int = 0
    unchanged: int = 0
    kept_reviewed: int = 0
    seconds: float = 0.0

    def add(self, other: MatchSummary) -> None:
        for item in fields(self):
            setattr(self, item.name, getattr(self, item.name) + getattr(other, item.name))

    def as_dict(self) -> dict[str, int | float]:
        return {item.name: getattr(self, item.name) for item in fields(self)}


@dataclass(frozen=True)
class RuleTestRow:
    """One article a rule would link now, and what the database holds for it."""

    article_id: int
    published: datetime | None
    title: str
    url: str | None
    commitment_id: str
    score: float
    terms: tuple[str, ...]
    dates: tuple[str, ...]
    #: "new", "active", "retracted", "confirmed" or "rejected"
    stored: str


# ---------------------------------------------------------------- from matches to drafts


def drafts_for(results: Iterable[MatchResult]) -> dict[tuple[int, str], SignalDraft]:
    """Join the results of all rules into one draft per (article, commitment)."""
    grouped: dict[tuple[int, str], list[MatchResult]] = {}
    for result in results:
        grouped.setdefault((result.article_id, result.commitment_id), []).append(result)
    return {key: _draft(items) for key, items in grouped.items()}


def _draft(results: list[MatchResult]) -> SignalDraft:
    ordered = sorted(results, key=lambda r: (-r.score, _RELATION_ORDER.get(r.relation, 9), r.rule_id))
    hits: list[dict[str, object]] = []
    for result in ordered:
        for condition in result.explanation.conditions:
            if condition.condition == "none":
                continue
            for hit in condition.hits:
                hits.append(
                    {
                        "rule": result.rule_id,
                        "condition": condition.condition,
                        "term": hit.term,
                        "field": hit.field,
                        "start": hit.start,
                        "end": hit.end,
                        "text": hit.text,
                    }
                )
    dates = sorted({d for r in ordered for d in r.dates})
    first = ordered[0]
    return SignalDraft(
        article_id=first.article_id,
        commitment_id=first.commitment_id,
        rule_ids=tuple(r.rule_id for r in ordered),
        score=round(sum(r.score for r in ordered), 6),
        relation=first.relation,
        hits=tuple(hits),
        dates=tuple(dates),
    )


def plan_sync(
    existing: dict[tuple[int, str], StoredSignal],
    drafts: dict[tuple[int, str], SignalDraft],
    known: Collection[str] | None = None,
) -> SyncPlan:
    """Decide, for one batch of articles, what to insert, update, revive and retract.

    Pure: `existing` holds every stored row of the batch's articles, `drafts` what the
    rules link now. Reviewed rows are only counted, never planned for. With `known`
    (the commitments the records hold now), a signal of any other commitment is left
    alone: its statement file is momentarily broken, so its rules could not run, which
    says nothing about the link.
    """
    plan = SyncPlan()
    for key, draft in drafts.items():
        stored = existing.get(key)
        if stored is None:
            plan.inserts.append(draft)
        elif stored.review is not None:
            plan.kept_reviewed += 1
        elif stored.state == "retracted":
            plan.reactivations.append((stored.id, draft))
        elif draft.same_as(stored):
            plan.unchanged += 1
        else:
            plan.updates.append((stored.id, draft))
    for key, stored in existing.items():
        if key in drafts:
            continue
        if stored.review is not None:
            plan.kept_reviewed += 1
        elif stored.state == "active" and (known is None or key[1] in known):
            plan.retractions.append(stored.id)
    return plan


# ---------------------------------------------------------------- pipeline


def match_articles(
    db: Database,
    matcher: Matcher,
    article_ids: Sequence[int],
    *,
    known: Collection[str] | None = None,
    prematched: Prematched | None = None,
) -> MatchSummary:
    """Match these stored articles and sync their signals (idempotent; `known`: see plan_sync).

    `prematched`: results already computed in a parse worker (tracker.rules.prematch),
    used for the articles they cover when they come from these very rules; the others
    are read back and matched here. Either way the same signals are written.
    """
    started = time.perf_counter()
    summary = MatchSummary()
    ids = sorted(set(article_ids))
    ready = prematched.results if prematched and prematched.fingerprint == matcher.fingerprint else {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        done = [i for i in chunk if i in ready]
        rest = [i for i in chunk if i not in ready]
        articles = store.articles_by_ids(db, rest) if rest else []
        results = [replace(r, article_id=i) for i in done for r in ready[i]]
        results += [result for article in articles for result in matcher.match(article)]
        summary.add(_sync_batch(db, matcher, done + [a.id for a in articles], results, known))
    summary.seconds = round(time.perf_counter() - started, 3)
    return summary


def rematch_all(
    db: Database, matcher: Matcher, *, batch_size: int = 500, known: Collection[str] | None = None
) -> MatchSummary:
    """Re-run the rules over every stored article; then record the rules' fingerprint."""
    started = time.perf_counter()
    summary = MatchSummary()
    for batch in store.iter_articles(db, batch_size=batch_size):
        summary.add(_match_batch(db, matcher, batch, known))
    store.set_rules_fingerprint(db, matcher.fingerprint, _claim(matcher))
    summary.seconds = round(time.perf_counter() - started, 3)
    return summary


def rules_changed(db: Database, matcher: Matcher) -> bool:
    """True if the stored signals were not (all) made by these rules."""
    return store.rules_fingerprint(db) != matcher.fingerprint


def _match_batch(
    db: Database, matcher: Matcher, articles: list[Article], known: Collection[str] | None = None
) -> MatchSummary:
    results = [result for article in articles for result in matcher.match(article)]
    return _sync_batch(db, matcher, [a.id for a in articles], results, known)


def _sync_batch(
    db: Database,
    matcher: Matcher,
    article_ids: list[int],
    results: list[MatchResult],
    known: Collection[str] | None,
) -> MatchSummary:
    drafts = drafts_for(results)
    plan = store.sync_signals(db, article_ids, drafts, partial(plan_sync, known=known), rules=_claim(matcher))
    return MatchSummary(
        articles=len(article_ids),
        links=len(drafts),
        added=len(plan.inserts),
        updated=len(plan.updates),
        reactivated=len(plan.reactivations),
        retracted=len(plan.retractions),
        unchanged=plan.unchanged,
        kept_reviewed=plan.kept_reviewed,
    )


def _claim(matcher: Matcher) -> store.RulesClaim:
    """Every matching write says which rules it comes from; storage refuses a stale one
    inside the same transaction (StaleRulesError), so the newest rules always win."""
    return store.RulesClaim(matcher.fingerprint, getattr(matcher, "loaded_at", 0.0))


def make_on_stored(db: Database, matcher: Callable[[], Matcher]) -> Callable[..., MatchSummary]:
    """The watcher's hook: called with the ids of each poll's new or changed articles
    (and, in a pass given rules, the parse workers' results: `Prematched`).

    `matcher` is called every time, so a watcher that reloads its rules when the files
    change hands the new matcher to the next poll without re-wiring the hook.
    """

    def on_stored(article_ids: Sequence[int], prematched: Prematched | None = None) -> MatchSummary:
        return match_articles(db, matcher(), article_ids, prematched=prematched)

    return on_stored


def rule_test(
    db: Database, matcher: Matcher, rule_id: str, since: datetime | None = None, *, limit: int | None = None
) -> list[RuleTestRow]:
    """The stored articles `rule_id` would link now (a dry run: nothing is written)."""
    matcher.rule(rule_id)  # KeyError for an unknown rule, before reading any article
    rows: list[RuleTestRow] = []
    for batch in store.iter_articles(db, since=since):
        found = [(a, r) for a in batch for r in matcher.match(a) if r.rule_id == rule_id]
        if not found:
            continue
        stored = store.existing_signals(db, sorted({a.id for a, _ in found}))
        for article, result in found:
            row = stored.get((article.id, result.commitment_id))
            rows.append(
                RuleTestRow(
                    article_id=article.id,
                    published=article.published,
                    title=article.title,
                    url=article.canonical_url or article.url,
                    commitment_id=result.commitment_id,
                    score=result.score,
                    terms=tuple(dict.fromkeys(h.term for h in result.hits)),
                    dates=result.dates,
                    stored="new" if row is None else (row.review or row.state),
                )
            )
            if limit is not None and len(rows) >= limit:
                return rows
    return rows
