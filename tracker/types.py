"""Public data types, all in one place, as frozen dataclasses.

Four layers never mix (see DESIGN.md): a Commitment is authored YAML; a Signal is an
automatic link from an article; Evidence is what an analyst confirmed or added; an
Assessment is an analyst's dated verdict. Each has its own type so that no code path
can turn a signal into a verdict by accident.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

# ---------------------------------------------------------------- vocabulary

Language = str  # ISO 639-1: "en", "zh", "ru"
CommitmentType = Literal["action", "advocacy", "principle", "mechanism"]
StatementKind = Literal["joint_statement", "forum_consensus", "forum_report", "meeting_report"]
Relation = Literal["supports", "contradicts", "context"]

COMMITMENT_TYPES: tuple[str, ...] = ("action", "advocacy", "principle", "mechanism")
STATEMENT_KINDS: tuple[str, ...] = (
    "joint_statement",
    "forum_consensus",
    "forum_report",
    "meeting_report",
)
RELATIONS: tuple[str, ...] = ("supports", "contradicts", "context")

#: Verdicts an analyst records, with their G7/G20/BRICS Research Group score.
#: `not_verifiable` is left out of every average, hence None.
VERDICT_SCORES: dict[str, int | None] = {
    "fulfilled": 1,
    "partial": 0,
    "in_progress": 0,
    "stalled": 0,
    "not_fulfilled": -1,
    "reversed": -1,
    "not_verifiable": None,
}
#: Statuses the program derives while no verdict exists.
DERIVED_STATUSES: tuple[str, ...] = ("no_evidence", "unreviewed", "in_progress", "stalled", "overdue")

#: The G7 Research Group's evidence ladder, weakest first.
STRENGTHS: tuple[str, ...] = (
    "reaffirmation",
    "representation",
    "resources",
    "mechanism",
    "over_implementation",
)
PARTIES_SCOPE: tuple[str, ...] = ("joint", "china", "russia")

NOT_STATED = "not stated"


@dataclass(frozen=True)
class Origin:
    """Where a record came from, so every message can name file and line."""

    file: Path
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else str(self.file)


# ---------------------------------------------------------------- commitments


@dataclass(frozen=True)
class Source:
    document: str
    role: Literal["primary", "variant"]
    languages: tuple[Language, ...]
    publisher: str | None = None
    published: date | None = None
    url: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Variant:
    """The same commitment in another source's wording (e.g. another translation)."""

    source: str
    lang: Language
    text: str


@dataclass(frozen=True)
class Window:
    """Monitoring window: evidence published inside it counts."""

    start: date | None
    end: date | None = None

    def contains(self, day: date) -> bool:
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)


@dataclass(frozen=True)
class Verifiable:
    value: bool
    reason: str


@dataclass(frozen=True)
class Commitment:
    id: str
    statement_id: str
    label: str
    type: str
    summary: str
    text: dict[Language, str]
    tags: tuple[str, ...]
    parties: tuple[str, ...]
    #: None means the source does not say who is responsible.
    responsible: tuple[str, ...] | None
    deadline: date | None
    window: Window | None
    verifiable: Verifiable
    variants: tuple[Variant, ...] = ()
    stale_after: timedelta | None = None
    keywords: dict[Language, tuple[str, ...]] = field(default_factory=dict)
    draft: bool = False
    origin: Origin | None = None

    @property
    def title(self) -> str:
        """A short title for tables: the summary, which every commitment has."""
        return self.summary


@dataclass(frozen=True)
class Statement:
    id: str
    title: dict[Language, str]
    kind: str
    date: date | None
    place: str | None
    parties: tuple[str, ...]
    sources: tuple[Source, ...]
    commitments: tuple[Commitment, ...]
    date_note: str | None = None
    notes: str | None = None
    stale_after: timedelta | None = None
    draft: bool = False
    origin: Origin | None = None

    def display_title(self, prefer: Language = "en") -> str:
        return self.title.get(prefer) or next(iter(self.title.values()), self.id)


# ---------------------------------------------------------------- feeds and articles


@dataclass(frozen=True)
class Feed:
    """A feed as configured in `feeds/*.yaml`."""

    name: str
    url: str
    language: Language | None = None
    interval: timedelta = timedelta(hours=1)
    tags: tuple[str, ...] = ()
    enabled: bool = True
    title: str | None = None
    origin: Origin | None = None
    #: Fetch each new article's page for its full text (the feed carries only summaries).
    fulltext: bool = False
    #: The feed may live on a loopback or private address (an intranet server).
    allow_private: bool = False


@dataclass(frozen=True)
class FeedState:
    """What the database remembers about a feed between polls."""

    name: str
    url: str
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    last_attempt: datetime | None = None
    last_success: datetime | None = None
    last_error: str | None = None
    failures: int = 0
    next_due: datetime | None = None
    disabled_reason: str | None = None
    note: str | None = None
    article_count: int = 0
    #: The URL feeds/*.yaml had when this state was saved: a permanent redirect changes
    #: `url` and leaves this; editing the YAML changes this, which resets the state.
    config_url: str | None = None
    last_error_at: datetime | None = None
    last_status: int | None = None


@dataclass(frozen=True)
class Entry:
    """One parsed, normalised feed entry, before it is stored."""

    guid: str
    url: str | None
    canonical_url: str | None
    title: str
    summary: str
    content: str
    language: Language | None
    published: datetime | None
    updated: datetime | None = None
    author: str | None = None


@dataclass(frozen=True)
class Article:
    """A stored article: one per real-world item however many feeds carried it."""

    id: int
    guid: str
    url: str | None
    canonical_url: str | None
    title: str
    summary: str
    content: str
    language: Language | None
    published: datetime | None
    first_seen: datetime
    updated: datetime | None = None
    feeds: tuple[str, ...] = ()
    #: "feed" (content as the feed carried it) or "fulltext" (extracted from the article's page).
    content_source: str = "feed"
    #: When the page was fetched, for `content_source == "fulltext"`.
    fulltext_at: datetime | None = None


#: What a poll of one feed came to (PollResult.status).
POLL_STATUSES: tuple[str, ...] = ("ok", "not_modified", "unchanged", "error", "gone", "skipped")


@dataclass(frozen=True)
class PollResult:
    """What one poll of one feed did: one line of `tracker fetch`, one progress tick.

    `status`: `ok` (a body was parsed and stored), `not_modified` (HTTP 304),
    `unchanged` (200 with the same body as last time: nothing parsed), `error`,
    `gone` (410: the feed is now disabled) or `skipped` (not due, backing off, disabled).
    `article_ids` are the new and changed articles, as handed to `on_stored`.
    """

    feed: str
    url: str
    status: str
    new: int = 0
    updated: int = 0
    entries: int = 0
    http_status: int | None = None
    error: str | None = None
    error_kind: str | None = None
    warnings: tuple[str, ...] = ()
    note: str | None = None
    bytes_received: int = 0
    elapsed: float = 0.0
    next_due: datetime | None = None
    article_ids: tuple[int, ...] = ()
    #: Articles whose page was fetched and whose full text became their content.
    fulltext: int = 0


@dataclass(frozen=True)
class IngestResult:
    """What ingesting one local source (a feed file, or one feed's entries in an archive) did."""

    source: str
    feed: str
    status: str  # "ok" or "error"
    entries: int = 0
    new: int = 0
    updated: int = 0
    duplicates: int = 0
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    article_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class FeedHealth:
    """A configured feed with what the database remembers of it: a row of `tracker feeds`."""

    feed: Feed
    state: FeedState | None

    @property
    def name(self) -> str:
        return self.feed.name


# ---------------------------------------------------------------- signals, evidence, status


@dataclass(frozen=True)
class TermHit:
    """A term found in an article: which term, in which field, where."""

    term: str
    field: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Signal:
    id: int
    article_id: int
    commitment_id: str
    rule_ids: tuple[str, ...]
    score: float
    relation: str
    hits: tuple[TermHit, ...]
    dates: tuple[str, ...]
    created: datetime
    #: "active" while some rule still links it; "retracted" once none does.
    state: str
    #: None (unreviewed), "confirmed" or "rejected".
    review: str | None = None
    strength: str | None = None
    note: str | None = None
    reviewed_at: datetime | None = None
    reviewer: str | None = None


@dataclass(frozen=True)
class Evidence:
    """A confirmed signal or a source an analyst added by hand."""

    id: int
    commitment_id: str
    relation: str
    title: str
    url: str | None
    publisher: str | None
    date: date | None
    added: datetime
    signal_id: int | None = None
    strength: str | None = None
    note: str | None = None
    added_by: str | None = None


#: What fetching an article's page came to (FetchedPage.status).
PAGE_STATUSES: tuple[str, ...] = ("ok", "refused", "error", "gone")


@dataclass(frozen=True)
class FetchedPage:
    """An article's page as fetched (full text, evidence archive): the exchange, as on the wire.

    `status`: `ok` (an HTML body), `refused` (robots.txt disallows it, or the answer is
    not a web page: `error` says why), `gone` (404 or 410: the page no longer exists)
    or `error` (network, server). The body is decoded (no Content-Encoding) and at most
    the size limit: `truncated` says it was cut there.
    """

    url: str
    status: str
    fetched_at: datetime
    final_url: str = ""
    http_status: int | None = None
    reason: str = ""
    http_version: str = "HTTP/1.1"
    body: bytes | None = None
    content_type: str = ""
    truncated: bool = False
    error: str | None = None
    request_headers: tuple[tuple[str, str], ...] = ()
    response_headers: tuple[tuple[str, str], ...] = ()
    redirects: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True)
class EvidenceArchive:
    """The archived copy (a WARC file) of one piece of evidence's page, and its source's fate.

    `sha256` is the archived body's digest (what a reader of the report can check against
    the WARC's payload); `file_sha256` the digest of the WARC file as written, which
    `tracker archive verify` recomputes. `source_gone_since` is set when the page later
    answered 404/410: the archive is kept and the evidence flagged.
    """

    evidence_id: int
    url: str
    archived_at: datetime
    path: str
    sha256: str
    file_sha256: str
    size: int
    http_status: int | None = None
    content_type: str = ""
    truncated: bool = False
    source_gone_since: datetime | None = None
    checked_at: datetime | None = None


#: What archiving one evidence page came to (ArchiveOutcome.status).
ARCHIVE_STATUSES: tuple[str, ...] = ("archived", "unchanged", "gone", "refused", "error", "no_url")


@dataclass(frozen=True)
class ArchiveOutcome:
    """One evidence item archived (or why not): a line of `tracker evidence archive`."""

    evidence_id: int
    url: str | None
    status: str
    message: str
    archive: EvidenceArchive | None = None


@dataclass(frozen=True)
class ArchivedPage:
    """What `tracker evidence show` prints: the archive's facts and its page as plain text."""

    archive: EvidenceArchive
    text: str
    status_line: str
    #: The file was missing and was restored from a copy carried in the database (a backup).
    restored: bool = False


@dataclass(frozen=True)
class ArchiveCheck:
    """One archive file re-hashed by `tracker archive verify`."""

    evidence_id: int
    path: str
    ok: bool
    message: str


@dataclass(frozen=True)
class Assessment:
    """An analyst's dated verdict; appended, never edited."""

    id: int
    commitment_id: str
    status: str
    party: str
    rationale: str
    confidence: str | None
    evidence_ids: tuple[int, ...]
    assessor: str | None
    created: datetime

    @property
    def score(self) -> int | None:
        return VERDICT_SCORES.get(self.status)


@dataclass(frozen=True)
class Status:
    """The status shown for a commitment: a verdict or a derived status, and since when."""

    commitment_id: str
    status: str
    origin: Literal["analyst", "derived"]
    since: datetime | None
    score: int | None
    reason: str


@dataclass(frozen=True)
class HistoryEntry:
    commitment_id: str
    status: str
    origin: str
    at: datetime
    reason: str
    evidence_ids: tuple[int, ...] = ()


# ---- rules
# Rules link articles to commitments (rules/*.yaml, docs/rules.md). A Rule is the
# validated record; MatchResult and Explanation are what the matcher says about one
# article, so that every signal can show why it exists.

FIELDS: tuple[str, ...] = ("title", "summary", "content")


@dataclass(frozen=True)
class Term:
    """One keyword of a rule, as written and as matched.

    `norm` is the normalised text the automaton looks for (NFKC, case-folded, ё→е,
    hyphens and runs of spaces as one space). `prefix` terms were written with a
    trailing `*` and match any word continuation; `cjk` terms match as substrings.
    `stems` holds, per word, the Snowball stem it is matched by ("" for a word matched
    as written: short words, prefixes, digits); empty when no word is stemmed.
    """

    text: str
    norm: str
    lang: Language = ""
    prefix: bool = False
    phrase: bool = False
    generic: bool = False
    cjk: bool = False
    line: int | None = None
    stems: tuple[str, ...] = ()


@dataclass(frozen=True)
class TermGroup:
    """Terms of which any one satisfies the group; `name` is the term set it came from."""

    terms: tuple[Term, ...]
    name: str | None = None
    line: int | None = None

    def label(self) -> str:
        return self.name or ", ".join(t.text for t in self.terms[:4]) + (" …" if len(self.terms) > 4 else "")


@dataclass(frozen=True)
class DateCondition:
    """When an article counts: published (or, if `mentioned`, a date in its text) inside bounds.

    `window`: inside the target commitment's monitoring window. `within`: from the
    statement date (or the commitment's window start) for this long. `after` and
    `before` are absolute and inclusive. Every bound given must hold.
    """

    window: bool = False
    after: date | None = None
    before: date | None = None
    within: timedelta | None = None
    mentioned: bool = False
    line: int | None = None


@dataclass(frozen=True)
class Rule:
    id: str
    #: Commitment ids this rule feeds, resolved from `commitments`, `statements` and `tags`.
    targets: tuple[str, ...]
    all: tuple[TermGroup, ...] = ()
    any: TermGroup | None = None
    phrases: TermGroup | None = None
    none: TermGroup | None = None
    fields: tuple[str, ...] = FIELDS
    dates: DateCondition | None = None
    weight: float = 1.0
    relation: str = "supports"
    min_score: float = 2.0
    description: str | None = None
    origin: Origin | None = None
    #: Where the conditions must hold together: "article" (anywhere), "sentence" (one
    #: sentence holds a term of every `all` group and the score), or "near" (within
    #: `near` words of each other).
    scope: str = "article"
    near: int | None = None
    #: Groups that must each have a term somewhere in the article, outside the scope
    #: ("双方签署…媒体…合作文件" names the parties only in an earlier sentence).
    anywhere: tuple[TermGroup, ...] = ()
    #: Terms that exclude only where they meet the rule's conditions: the scope holds in a
    #: sentence or stretch without any of them ("СМИ двух стран сообщили" is media
    #: reporting, but "посол сообщил" further on does not undo a media agreement).
    none_in_scope: TermGroup | None = None
    #: Groups that must each have a term in the title: what the item is about ("中俄媒体
    #:交流年" in the title reports the Year; in the body it is the frame of another act).
    in_title: tuple[TermGroup, ...] = ()


@dataclass(frozen=True)
class ConditionResult:
    """One condition of one rule on one article: did it hold, and on what evidence."""

    condition: str  # "all[0]", "any", "phrases", "none", "score", "dates"
    held: bool
    detail: str
    hits: tuple[TermHit, ...] = ()
    dates: tuple[str, ...] = ()


@dataclass(frozen=True)
class Explanation:
    """Why one rule did or did not link one article to one commitment."""

    rule_id: str
    commitment_id: str
    linked: bool
    score: float
    min_score: float
    relation: str
    conditions: tuple[ConditionResult, ...]

    @property
    def hits(self) -> tuple[TermHit, ...]:
        """The hits that speak for the link (positive conditions only, not `none`)."""
        return tuple(h for c in self.conditions if c.condition != "none" for h in c.hits)

    @property
    def dates(self) -> tuple[str, ...]:
        return tuple(d for c in self.conditions for d in c.dates)


@dataclass(frozen=True)
class MatchResult:
    """A rule linked an article to a commitment; becomes (part of) a Signal."""

    article_id: int
    rule_id: str
    commitment_id: str
    score: float
    relation: str
    hits: tuple[TermHit, ...]
    dates: tuple[str, ...]
    explanation: Explanation


@dataclass(frozen=True)
class MatcherTicket:
    """Where a parse worker finds the rules of this pass (tracker.rules.prematch).

    The matcher is pickled once per set of rules to a private file; workers load it by
    `fingerprint`, so rules edited during a pass can never mix with the old ones.
    """

    fingerprint: str
    path: str


@dataclass(frozen=True)
class Prematched:
    """The rules' results on new articles, computed where their entries were parsed.

    `results` maps an article id to what `Matcher.match` gave on the entry it was stored
    from (article ids set). Valid only for the rules of `fingerprint`: matching with
    other rules ignores them and matches the stored articles itself.
    """

    fingerprint: str
    results: Mapping[int, tuple[MatchResult, ...]]


# ---- status and reports
# What status derivation reads (SignalFact, SourcedEvidence) and what it says
# (CommitmentStatus, Compliance). tracker.status computes them as pure functions; the
# report model in tracker.reports is built from them, so every format shows the same.

#: Derived statuses whose start follows from the data alone (a deadline, an evidence
#: date plus `stale_after`): history records them at the moment they began.
TIME_DRIVEN_STATUSES: tuple[str, ...] = ("overdue", "stalled")


@dataclass(frozen=True)
class SignalFact:
    """The part of a signal that status derivation reads: is it waiting for review, since when.

    One fact may stand for `count` signals alike (the storage layer groups the waiting
    signals of a commitment into one, created when the first of them was), so that a
    hundred thousand waiting signals cost one row, not a hundred thousand objects.
    """

    id: int
    state: str
    review: str | None
    created: datetime
    count: int = 1


@dataclass(frozen=True)
class EvidenceSummary:
    """All that status derivation reads of a commitment's current evidence.

    Built from evidence items (`tracker.review.status.summarize`) or, for every commitment at
    once, by one aggregate query: the dashboard's first paint then reads a few rows per
    commitment instead of building an object per evidence item.
    """

    count: int = 0
    supporting: int = 0
    contradicting: int = 0
    #: The day the newest evidence speaks for (its date, else the day it was recorded).
    latest: date | None = None
    latest_supporting: date | None = None
    #: When the first supporting evidence was recorded: `in_progress` holds since then.
    first_supporting_added: datetime | None = None


@dataclass(frozen=True)
class SourcedEvidence:
    """Evidence with where it came from: the article and feeds of a confirmed signal,
    or the document reference of evidence added by hand (no URL)."""

    evidence: Evidence
    document: str | None = None
    article_id: int | None = None
    feeds: tuple[str, ...] = ()
    #: The newest archived copy of its page, if any.
    archive: EvidenceArchive | None = None


@dataclass(frozen=True)
class CommitmentStatus:
    """A commitment's shown status, the current verdict of each party, and what it rests on.

    `status` is the headline: the newest joint verdict, else the parties' verdicts
    combined once every party has one, else the derived status. `verdicts` holds the
    newest assessment per party scope (`joint`, `china`, `russia`) that has any.
    """

    status: Status
    verdicts: dict[str, Assessment]
    unreviewed: int = 0
    evidence: int = 0
    supporting: int = 0
    contradicting: int = 0
    latest_evidence: date | None = None
    latest_supporting: date | None = None


@dataclass(frozen=True)
class Compliance:
    """Scores of a group of commitments (a statement, a party, a tag, all of them).

    Only analyst verdicts with a score count in `mean` and `percent`; `not_verifiable`
    verdicts count in `assessed` but not in `scored`; derived statuses are counted in
    `derived` and never scored, because a derived status is not a verdict.
    """

    commitments: int
    assessed: int
    scored: int
    mean: float | None
    percent: float | None
    verdicts: dict[str, int]
    derived: dict[str, int]


# ---------------------------------------------------------------- read models the faces show

#: Eight heights of a bar, lowest first (one character per period of a timeline).
BARS = "▁▂▃▄▅▆▇█"


def month_keys_between(first: date, last: date) -> tuple[str, ...]:
    """Every month from `first`'s to `last`'s, as "YYYY-MM", oldest first (at least one)."""
    year, month = first.year, first.month
    keys: list[str] = []
    while (year, month) <= (last.year, last.month) or not keys:
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return tuple(keys)


@dataclass(frozen=True)
class Timeline:
    """Signals and evidence per month over a commitment's own span: from its statement's
    month to now. A fixed twelve months showed nothing for a statement of 2016 whose news
    came in 2022; the whole span, binned to the room there is, shows when things happened.

    The dashboard's list (a sparkline), the commitment screen (a dated timeline) and the
    Markdown export draw it with the same `bars` and `ranges`, so they agree.
    """

    months: tuple[str, ...]
    signals: tuple[int, ...]
    evidence: tuple[int, ...] = ()

    def ranges(self, cells: int) -> list[tuple[int, int]]:
        """[start, end) month indexes of each of at most `cells` periods of equal length."""
        size = max(1, -(-len(self.months) // max(1, cells)))
        return [(lo, min(lo + size, len(self.months))) for lo in range(0, len(self.months), size)]

    def months_per_cell(self, cells: int) -> int:
        return max(1, -(-len(self.months) // max(1, cells)))

    def binned(self, counts: tuple[int, ...], cells: int) -> list[int]:
        return [sum(counts[lo:hi]) for lo, hi in self.ranges(cells)]

    def bars(self, counts: tuple[int, ...], cells: int, *, empty: str = "·") -> str:
        """One character per period: a bar scaled to the busiest period, `empty` for none."""
        values = self.binned(counts, cells)
        peak = max(values, default=0)
        return "".join(
            BARS[min(len(BARS) - 1, (v * len(BARS) - 1) // peak)] if v > 0 and peak else empty for v in values
        )

    def marks(self, counts: tuple[int, ...], cells: int, mark: str = "●", empty: str = "·") -> str:
        """One character per period: `mark` where anything happened (evidence is rare and discrete)."""
        return "".join(mark if v > 0 else empty for v in self.binned(counts, cells))

    @property
    def first(self) -> str:
        return self.months[0] if self.months else ""

    @property
    def last(self) -> str:
        return self.months[-1] if self.months else ""


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
    #: Signals per month over the commitment's own span (its statement's month to now).
    monthly: tuple[int, ...]
    #: The same counts with their months (evidence is not counted in the overview).
    timeline: Timeline | None = None

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
    #: "YYYY-MM" of every month from the earliest statement's to now, oldest first.
    months: tuple[str, ...]
    percent: float | None
    assessed: int
    unreviewed: int
    generated: datetime


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
    #: The newest archived copy of the evidence's page, if any.
    archive: EvidenceArchive | None = None

    @property
    def archive_mark(self) -> str:
        """ "archived <date>", with "source gone since <date>" when the page has since vanished."""
        if self.archive is None:
            return ""
        mark = f"archived {self.archive.archived_at.date().isoformat()}"
        if self.archive.source_gone_since is not None:
            mark += f" · source gone since {self.archive.source_gone_since.date().isoformat()}"
        return mark

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
    #: Signals and evidence per month from the statement's date to now.
    timeline: Timeline | None = None


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


@dataclass(frozen=True)
class ArticleRow:
    """An article on the articles screen, with the feeds it came from and what it is linked to."""

    article: Article
    feeds: tuple[str, ...]
    links: tuple[str, ...]
    #: Marked read by an analyst (the articles screen can show the unread only).
    read: bool = False


# ---------------------------------------------------------------- alerts


@dataclass(frozen=True)
class NewSignal:
    """A signal with what a person needs to decide whether to open it."""

    id: int
    commitment_id: str
    rule_ids: tuple[str, ...]
    score: float
    relation: str
    terms: tuple[str, ...]
    created: datetime
    review: str | None
    article_id: int
    title: str
    url: str | None
    published: datetime | None
    language: str | None
    feeds: tuple[str, ...]


@dataclass(frozen=True)
class StatusChange:
    """One status-history entry with its id (the order in which changes were recorded)
    and the status it replaced (None for a commitment's first entry)."""

    id: int
    entry: HistoryEntry
    previous: str | None = None


# ---------------------------------------------------------------- rule quality


@dataclass(frozen=True)
class RuleStats:
    """How one rule fares with the analyst: its signals, their reviews, the precision the
    reviews give, and the terms its rejected signals share (what to put under `none`)."""

    rule_id: str
    signals: int
    confirmed: int
    rejected: int
    waiting: int
    #: confirmed / (confirmed + rejected); None before any review.
    precision: float | None
    #: (term, rejected signals it was found in), most frequent first.
    rejected_terms: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class LabelledItem:
    """One item as a feed reader shows it, with its labels."""

    key: str
    entry: Mapping[str, Any]
    #: commitment id -> relation (supports, contradicts, context)
    labels: Mapping[str, str]
    hard_negative: bool = False
    language: str | None = None
    note: str = ""

    @property
    def positive(self) -> bool:
        return bool(self.labels)


@dataclass(frozen=True)
class Figures:
    """Counts and the figures derived from them, for one slice of the items."""

    items: int = 0
    positives: int = 0
    found: int = 0  # positives linked to one of their commitments
    linked: int = 0  # items with any link
    linked_right: int = 0  # linked items with at least one right commitment
    links: int = 0  # (item, commitment) links
    links_right: int = 0
    hard_negatives: int = 0
    hard_negatives_linked: int = 0

    @property
    def precision(self) -> float | None:
        return self.linked_right / self.linked if self.linked else None

    @property
    def exact_precision(self) -> float | None:
        return self.links_right / self.links if self.links else None

    @property
    def recall(self) -> float | None:
        return self.found / self.positives if self.positives else None

    @property
    def hard_negative_rate(self) -> float | None:
        return self.hard_negatives_linked / self.hard_negatives if self.hard_negatives else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "items": self.items,
            "positives": self.positives,
            "precision": _round(self.precision),
            "exact_precision": _round(self.exact_precision),
            "recall": _round(self.recall),
            "hard_negatives": self.hard_negatives,
            "hard_negatives_linked": self.hard_negatives_linked,
            "linked": self.linked,
            "links": self.links,
        }


@dataclass(frozen=True)
class Quality:
    """The figures overall, by language and by statement, and the items behind the errors."""

    overall: Figures
    by_language: dict[str, Figures]
    by_statement: dict[str, Figures]
    #: key -> (labelled commitments, linked commitments) for every item the rules got wrong
    misses: dict[str, tuple[frozenset[str], frozenset[str]]] = field(default_factory=dict)
    false_links: dict[str, tuple[frozenset[str], frozenset[str]]] = field(default_factory=dict)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


# ---------------------------------------------------------------- databases (#17)


@dataclass(frozen=True)
class TableCopy:
    """One table moved by `tracker db copy`: its rows and the checksum both sides agree on."""

    table: str
    rows: int
    checksum: str


@dataclass(frozen=True)
class DatabaseInfo:
    """What `tracker db info` shows: which backend, where (password removed), which schema."""

    backend: str
    name: str
    schema_version: int
    program_version: int
    rows: dict[str, int]


@dataclass(frozen=True)
class WatcherRow:
    """A `tracker watch` process as the database knows it (`tracker watchers`)."""

    id: str
    host: str
    pid: int
    started: datetime | None
    seen: datetime | None
    polls: int
    last_feed: str | None
    #: The feeds it holds a live lease on now (it is polling them).
    holding: tuple[str, ...] = ()


@dataclass(frozen=True)
class Lease:
    """Who polls: each feed polled under a lease in this owner's name, held for `ttl`
    (a watcher killed with SIGKILL loses its feeds to the others after `ttl`)."""

    owner: str
    ttl: timedelta
