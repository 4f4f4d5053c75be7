"""Public data types, all in one place, as frozen dataclasses.

Four layers never mix (see DESIGN.md): a Commitment is authored YAML; a Signal is an
automatic link from an article; Evidence is what an analyst confirmed or added; an
Assessment is an analyst's dated verdict. Each has its own type so that no code path
can turn a signal into a verdict by accident.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Literal

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
