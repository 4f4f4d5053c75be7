"""The dashboard's read-model: what the commitments screen shows, computed in bulk.

The home screen lists every commitment with its status, score, signals waiting for
review, confirmed evidence, the date of the latest evidence and a sparkline of
signals per month, under a header of compliance percentages. With thousands of
commitments and 100,000 signals that must cost a few queries, not a few per
commitment: the aggregates come from `tracker.storage.overview` in one pass, and
this module joins them with the records in memory.

Textual-free on purpose (the layering test imports the core without Textual): the
TUI renders these plain values, and a report or a web face could reuse them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta

from tracker.review.reviewing import current_statuses
from tracker.review.status import compliance_percent
from tracker.review.timeline import build_timeline, default_span_start, span_start
from tracker.storage import overview as store
from tracker.storage import reads as read_store
from tracker.storage import reviews as review_store
from tracker.storage import signals as signal_store
from tracker.storage.db import Database
from tracker.types import (
    Article,
    ArticleRow,
    Commitment,
    CommitmentView,
    Feed,
    FeedHealth,
    FeedRow,
    FeedState,
    Overview,
    OverviewRow,
    ReviewItem,
    Statement,
    StatementSummary,
    Status,
    Timeline,
    month_keys_between,
)


def build_overview(
    statements: Sequence[Statement],
    db: Database,
    *,
    now: datetime | None = None,
    stale_after: timedelta | None = None,
    timelines: bool = True,
) -> Overview:
    """Every commitment's row and the header figures, from four bulk queries.

    `timelines=False` leaves out the signals per month (each row's `monthly` empty, its
    `timeline` None): that query is most of the cost (two thirds at 100,000 signals),
    and the dashboard paints the list first and fills the sparklines in from
    `overview_timelines` a moment later.
    """
    now = now or datetime.now(UTC)
    months, spans = _spans(statements, now)
    counts = store.commitment_counts(db, since=date.fromisoformat(months[0] + "-01"), months=timelines)
    statuses = current_statuses(db, statements, now=now, stale_after=stale_after)
    rows: list[OverviewRow] = []
    summaries: list[StatementSummary] = []
    for statement in statements:
        own: list[OverviewRow] = []
        own_months = spans[statement.id] if timelines else None
        for commitment in statement.commitments:
            entry = counts.get(commitment.id) or store.CommitmentCounts()
            own.append(_row(commitment, entry, statuses[commitment.id].status, own_months))
        rows.extend(own)
        summaries.append(_summary(statement, own))
    return Overview(
        rows=tuple(rows),
        statements=tuple(summaries),
        months=months,
        percent=compliance_percent(r.score for r in rows if r.status.origin == "analyst"),
        assessed=sum(1 for r in rows if r.status.origin == "analyst"),
        unreviewed=sum(r.unreviewed for r in rows),
        generated=now,
    )


def overview_timelines(
    statements: Sequence[Statement], db: Database, *, now: datetime | None = None
) -> dict[str, Timeline]:
    """Each commitment's signals per month over its own span: what `build_overview` leaves
    out with `timelines=False`, by commitment id (the same counts it would have given)."""
    now = now or datetime.now(UTC)
    months, spans = _spans(statements, now)
    counts = store.commitment_counts(db, since=date.fromisoformat(months[0] + "-01"))
    empty: dict[str, int] = {}
    out: dict[str, Timeline] = {}
    for statement in statements:
        own = spans[statement.id]
        for commitment in statement.commitments:
            entry = counts.get(commitment.id)
            per_month = entry.months if entry is not None else empty
            out[commitment.id] = Timeline(own, tuple(per_month.get(m, 0) for m in own))
    return out


def _spans(
    statements: Sequence[Statement], now: datetime
) -> tuple[tuple[str, ...], dict[str, tuple[str, ...]]]:
    """Every month from the earliest statement's to now, and each statement's own months."""
    default_start = default_span_start(now)
    starts = {s.id: span_start(s, now, default_start) for s in statements}
    months = month_keys_between(min(starts.values(), default=default_start), now.date())
    return months, {sid: month_keys_between(start, now.date()) for sid, start in starts.items()}


def _row(
    commitment: Commitment, counts: store.CommitmentCounts, status: Status, months: tuple[str, ...] | None
) -> OverviewRow:
    monthly = () if months is None else tuple(counts.months.get(m, 0) for m in months)
    return OverviewRow(
        commitment_id=commitment.id,
        statement_id=commitment.statement_id,
        label=commitment.label,
        title=commitment.title,
        type=commitment.type,
        parties=commitment.parties,
        tags=commitment.tags,
        status=status,
        signals=counts.signals,
        unreviewed=counts.unreviewed,
        evidence=counts.evidence,
        latest_evidence=counts.latest_evidence,
        monthly=monthly,
        timeline=None if months is None else Timeline(months, monthly),
    )


def _summary(statement: Statement, rows: list[OverviewRow]) -> StatementSummary:
    analyst = [r for r in rows if r.status.origin == "analyst"]
    return StatementSummary(
        statement_id=statement.id,
        title=statement.display_title(),
        date=statement.date,
        commitments=len(rows),
        assessed=len(analyst),
        percent=compliance_percent(r.score for r in analyst),
    )


def data_version(db: Database) -> tuple[int, int]:
    """Changes whenever anyone commits to the database; the dashboard's cheap refresh probe."""
    return store.data_version(db)


# ---------------------------------------------------------------- one commitment


def commitment_status(
    db: Database,
    statement: Statement,
    commitment: Commitment,
    *,
    now: datetime | None = None,
    stale_after: timedelta | None = None,
) -> Status:
    """The status of one commitment, by the same rules (and the same code) as every other face."""
    now = now or datetime.now(UTC)
    return current_statuses(
        db, [statement], now=now, stale_after=stale_after, commitment_ids=[commitment.id]
    )[commitment.id].status


def commitment_view(
    db: Database,
    statement: Statement,
    commitment: Commitment,
    *,
    now: datetime | None = None,
    stale_after: timedelta | None = None,
) -> CommitmentView:
    """Signals (unreviewed first, then newest), evidence, assessments and history of one commitment.

    Retracted signals that nobody reviewed are left out: no rule links them any
    more, so there is nothing to review.
    """
    signals = [
        s for s in signal_store.signals_for_commitment(db, commitment.id, state=None)
        if s.state == "active" or s.review is not None
    ]  # fmt: skip
    # newest first: the screen's lists read from the top
    sourced = list(reversed(review_store.evidence(db, [commitment.id])))
    evidence = [item.evidence for item in sourced]
    documents = {item.evidence.id: item.document for item in sourced if item.document}
    archives = {item.evidence.id: item.archive for item in sourced if item.archive}
    by_signal = {e.signal_id: e for e in evidence if e.signal_id is not None}
    article_ids = [s.article_id for s in signals]
    articles = {a.id: a for a in signal_store.articles_by_ids(db, article_ids)}
    feeds = store.article_feeds(db, article_ids)
    items = [
        ReviewItem(
            f"signal:{s.id}",
            s,
            (found := by_signal.get(s.id)),
            articles.get(s.article_id),
            feeds.get(s.article_id, ()),
            archive=archives.get(found.id) if found else None,
        )
        for s in signals
    ]
    items += [
        ReviewItem(
            f"evidence:{e.id}", None, e, None, document=documents.get(e.id), archive=archives.get(e.id)
        )
        for e in evidence
        if e.signal_id is None
    ]
    items.sort(key=_item_order)
    moment = now or datetime.now(UTC)
    # what the list counts: signals still linked and not rejected, by their article's day
    signal_days = [
        i.day for i in items if i.signal is not None and i.signal.state == "active" and i.state != "rejected"
    ]
    timeline = build_timeline(
        span_start(statement, moment, default_span_start(moment)),
        moment.date(),
        [day for day in signal_days if day is not None],
        [e.date or e.added.date() for e in evidence],
    )
    return CommitmentView(
        statement=statement,
        commitment=commitment,
        status=commitment_status(db, statement, commitment, now=now, stale_after=stale_after),
        items=tuple(items),
        assessments=tuple(reversed(review_store.assessments(db, [commitment.id]))),
        history=tuple(reversed(review_store.history(db, [commitment.id]))),
        unreviewed=sum(1 for i in items if i.state == "unreviewed"),
        evidence=len(evidence),
        timeline=timeline,
    )


_STATE_ORDER = {"unreviewed": 0, "confirmed": 1, "manual": 1, "rejected": 2}


def _item_order(item: ReviewItem) -> tuple[int, int]:
    """Unreviewed first (the work to do), then evidence, rejected last; newest first within."""
    day = item.day.toordinal() if item.day else 0
    return (_STATE_ORDER.get(item.state, 3), -day)


# ---------------------------------------------------------------- feeds


def feed_rows(health: Iterable[FeedHealth]) -> list[FeedRow]:
    """Every configured feed with its state, worst first: failing feeds need attention."""
    rows = [_feed_row(h.feed, h.state) for h in health]
    order = {"failing": 0, "new": 1, "ok": 2, "disabled": 3}
    return sorted(rows, key=lambda r: (order.get(r.health, 9), r.name))


def _feed_row(feed: Feed, state: FeedState | None) -> FeedRow:
    if not feed.enabled or (state is not None and state.disabled_reason):
        health = "disabled"
    elif state is None or state.last_attempt is None:
        health = "new"
    elif state.failures:
        health = "failing"
    else:
        health = "ok"
    return FeedRow(
        name=feed.name,
        url=feed.url,
        enabled=feed.enabled,
        health=health,
        last_success=state.last_success if state else None,
        last_error=(state.disabled_reason or state.last_error) if state else None,
        failures=state.failures if state else 0,
        next_due=state.next_due if state else None,
        articles=state.article_count if state else 0,
        interval=feed.interval,
    )


# ---------------------------------------------------------------- articles


def article_rows(db: Database, articles: Sequence[Article]) -> list[ArticleRow]:
    """Decorate articles (from a search or a listing) with their feeds and links, in two queries."""
    ids = [a.id for a in articles]
    feeds = store.article_feeds(db, ids)
    links = store.article_links(db, ids)
    read = read_store.read_ids(db, ids)
    return [
        ArticleRow(a, a.feeds or feeds.get(a.id, ()), links.get(a.id, ()), a.id in read) for a in articles
    ]
