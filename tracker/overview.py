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
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from tracker.reviewing import current_statuses
from tracker.status import compliance_percent
from tracker.storage import overview as store
from tracker.storage import reviews as review_store
from tracker.storage import signals as signal_store
from tracker.storage.db import Database
from tracker.types import (
    Article,
    Assessment,
    Commitment,
    Evidence,
    Feed,
    FeedHealth,
    FeedState,
    HistoryEntry,
    PollResult,
    Signal,
    Statement,
    Status,
)

#: Months in each sparkline, newest last.
SPARK_MONTHS = 12


@dataclass(frozen=True)
class OverviewRow:
    """One commitment as the commitments screen shows it."""

    commitment_id: str
    statement_id: str
    label: str
    title: str
    type: str
    parties: tuple[str, ...]
    tags: tuple[str, ...]
    status: Status
    signals: int
    unreviewed: int
    evidence: int
    latest_evidence: date | None
    #: Signals per month over `Overview.months`, oldest first.
    monthly: tuple[int, ...]

    @property
    def score(self) -> int | None:
        return self.status.score

    def matches(self, needle: str) -> bool:
        """Incremental search: a case-insensitive substring of id, title, tags or status."""
        needle = needle.casefold()
        haystack = " ".join((self.commitment_id, self.title, self.status.status, *self.tags))
        return needle in haystack.casefold()


@dataclass(frozen=True)
class StatementSummary:
    """A statement's line in the header: how many commitments, how many assessed, the percentage."""

    statement_id: str
    title: str
    date: date | None
    commitments: int
    assessed: int
    percent: float | None


@dataclass(frozen=True)
class Overview:
    rows: tuple[OverviewRow, ...]
    statements: tuple[StatementSummary, ...]
    #: "YYYY-MM" of each sparkline position, oldest first.
    months: tuple[str, ...]
    percent: float | None
    assessed: int
    unreviewed: int
    generated: datetime


def month_keys(now: datetime, count: int = SPARK_MONTHS) -> tuple[str, ...]:
    """The `count` months ending with `now`'s, as "YYYY-MM", oldest first."""
    year, month = now.year, now.month
    keys: list[str] = []
    for _ in range(count):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return tuple(reversed(keys))


def build_overview(
    statements: Sequence[Statement],
    db: Database,
    *,
    now: datetime | None = None,
    stale_after: timedelta | None = None,
) -> Overview:
    """Every commitment's row and the header figures, from four bulk queries."""
    now = now or datetime.now(UTC)
    months = month_keys(now)
    counts = store.commitment_counts(db, since=date.fromisoformat(months[0] + "-01"))
    statuses = current_statuses(db, statements, now=now, stale_after=stale_after)
    rows: list[OverviewRow] = []
    summaries: list[StatementSummary] = []
    for statement in statements:
        own: list[OverviewRow] = []
        for commitment in statement.commitments:
            entry = counts.get(commitment.id) or store.CommitmentCounts()
            own.append(_row(commitment, entry, statuses[commitment.id].status, months))
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


def _row(
    commitment: Commitment, counts: store.CommitmentCounts, status: Status, months: tuple[str, ...]
) -> OverviewRow:
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
        monthly=tuple(counts.months.get(m, 0) for m in months),
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


@dataclass(frozen=True)
class ReviewItem:
    """One line of the commitment screen: a signal (reviewed or not) or evidence added by hand.

    A confirmed signal and the evidence it became are one item: the analyst reviewed
    one thing, and sees one line.
    """

    key: str
    signal: Signal | None
    evidence: Evidence | None
    article: Article | None
    feeds: tuple[str, ...] = ()
    #: The document reference of evidence added by hand without a link.
    document: str | None = None

    @property
    def state(self) -> str:
        """ "unreviewed", "confirmed", "rejected", or "manual" (evidence added by hand)."""
        if self.signal is None:
            return "manual"
        return self.signal.review or "unreviewed"

    @property
    def title(self) -> str:
        if self.article is not None:
            return self.article.title
        return self.evidence.title if self.evidence else ""

    @property
    def source(self) -> str:
        if self.evidence is not None and self.evidence.publisher:
            return self.evidence.publisher
        return ", ".join(self.feeds)

    @property
    def day(self) -> date | None:
        if self.evidence is not None and self.evidence.date:
            return self.evidence.date
        if self.article is not None:
            return (self.article.published or self.article.first_seen).date()
        return None

    @property
    def score(self) -> float | None:
        return self.signal.score if self.signal else None

    @property
    def relation(self) -> str:
        if self.evidence is not None:
            return self.evidence.relation
        return self.signal.relation if self.signal else ""

    @property
    def strength(self) -> str | None:
        if self.evidence is not None and self.evidence.strength:
            return self.evidence.strength
        return self.signal.strength if self.signal else None

    @property
    def note(self) -> str | None:
        if self.evidence is not None and self.evidence.note:
            return self.evidence.note
        return self.signal.note if self.signal else None

    @property
    def url(self) -> str | None:
        if self.evidence is not None and self.evidence.url:
            return self.evidence.url
        return self.article.url if self.article else None


@dataclass(frozen=True)
class CommitmentView:
    """Everything the commitment screen shows, read in one go."""

    statement: Statement
    commitment: Commitment
    status: Status
    items: tuple[ReviewItem, ...]
    assessments: tuple[Assessment, ...]
    history: tuple[HistoryEntry, ...]
    unreviewed: int
    evidence: int


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
    by_signal = {e.signal_id: e for e in evidence if e.signal_id is not None}
    article_ids = [s.article_id for s in signals]
    articles = {a.id: a for a in signal_store.articles_by_ids(db, article_ids)}
    feeds = store.article_feeds(db, article_ids)
    items = [
        ReviewItem(
            f"signal:{s.id}", s, by_signal.get(s.id), articles.get(s.article_id), feeds.get(s.article_id, ())
        )
        for s in signals
    ]
    items += [
        ReviewItem(f"evidence:{e.id}", None, e, None, document=documents.get(e.id))
        for e in evidence
        if e.signal_id is None
    ]
    items.sort(key=_item_order)
    return CommitmentView(
        statement=statement,
        commitment=commitment,
        status=commitment_status(db, statement, commitment, now=now, stale_after=stale_after),
        items=tuple(items),
        assessments=tuple(reversed(review_store.assessments(db, [commitment.id]))),
        history=tuple(reversed(review_store.history(db, [commitment.id]))),
        unreviewed=sum(1 for i in items if i.state == "unreviewed"),
        evidence=len(evidence),
    )


_STATE_ORDER = {"unreviewed": 0, "confirmed": 1, "manual": 1, "rejected": 2}


def _item_order(item: ReviewItem) -> tuple[int, int]:
    """Unreviewed first (the work to do), then evidence, rejected last; newest first within."""
    day = item.day.toordinal() if item.day else 0
    return (_STATE_ORDER.get(item.state, 3), -day)


# ---------------------------------------------------------------- feeds


@dataclass(frozen=True)
class FeedRow:
    """One feed's line on the feeds screen: configuration and state, judged."""

    name: str
    url: str
    enabled: bool
    health: str  # "ok", "failing", "disabled", "new"
    last_success: datetime | None
    last_error: str | None
    failures: int
    next_due: datetime | None
    articles: int
    interval: timedelta | None


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


def poll_summary(results: Sequence[PollResult]) -> tuple[str, int]:
    """One sentence for a finished poll, and how many feeds failed."""
    polled = [r for r in results if r.status != "skipped"]
    failed = [r for r in polled if r.status == "error"]
    new = sum(r.new for r in polled)
    updated = sum(r.updated for r in polled)
    text = f"{len(polled)} feed(s) polled: {new} new, {updated} updated article(s)"
    if len(results) > len(polled):
        text += f", {len(results) - len(polled)} not due"
    if failed:
        first = failed[0]
        text += f"; {len(failed)} failed ({first.feed}: {error_in_words(first.error)})"
    return text, len(failed)


def span(delta: timedelta) -> str:
    """A duration as an analyst says it: "1 h", "30 min", "2 d"."""
    seconds = int(delta.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size} {unit}"
    return f"{seconds // 60} min" if seconds >= 60 else f"{seconds} s"


def ago(moment: datetime | None, now: datetime) -> str:
    """ "3 h ago", "in 25 min", "2 d ago": how an analyst reads a timestamp at a glance."""
    if moment is None:
        return "never"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    seconds = (now - moment).total_seconds()
    future, seconds = seconds < 0, abs(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            amount = f"{int(seconds // size)} {unit}"
            break
    else:
        return "now"
    return f"in {amount}" if future else f"{amount} ago"


_HTTP_WORDS = {
    301: "moved permanently",
    304: "not modified",
    400: "the server refused the request",
    401: "the feed needs a login",
    403: "access is forbidden",
    404: "the feed is gone (not found)",
    410: "the feed was removed",
    429: "too many requests; the server asks us to slow down",
    500: "the server failed",
    502: "a gateway failed",
    503: "the server is unavailable",
    504: "a gateway timed out",
}
_ERROR_WORDS = (
    ("timed out", "the server did not answer in time"),
    ("timeout", "the server did not answer in time"),
    ("name or service not known", "the address does not resolve"),
    ("nodename nor servname", "the address does not resolve"),
    ("connection refused", "the server refused the connection"),
    ("certificate", "the server's certificate is not valid"),
    ("ssl", "a secure connection could not be made"),
    ("too large", "the response was too large"),
    ("not a feed", "the page is not a feed"),
    ("html", "the page is not a feed (HTML)"),
)


def error_in_words(error: str | None) -> str:
    """A stored feed error as a sentence an analyst understands, keeping the detail."""
    if not error:
        return ""
    lowered = error.casefold()
    for code, words in _HTTP_WORDS.items():
        if f"http {code}" in lowered or f"status {code}" in lowered or lowered.startswith(str(code)):
            return f"{words} (HTTP {code})"
    for needle, words in _ERROR_WORDS:
        if needle in lowered:
            return f"{words}: {error}"
    return error


# ---------------------------------------------------------------- articles


@dataclass(frozen=True)
class ArticleRow:
    """An article on the articles screen, with the feeds it came from and what it is linked to."""

    article: Article
    feeds: tuple[str, ...]
    links: tuple[str, ...]


def article_rows(db: Database, articles: Sequence[Article]) -> list[ArticleRow]:
    """Decorate articles (from a search or a listing) with their feeds and links, in two queries."""
    ids = [a.id for a in articles]
    feeds = store.article_feeds(db, ids)
    links = store.article_links(db, ids)
    return [ArticleRow(a, a.feeds or feeds.get(a.id, ()), links.get(a.id, ())) for a in articles]
