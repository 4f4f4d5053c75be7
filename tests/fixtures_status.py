"""A small workspace with every status in it, for the status, review, report and CLI tests.

Two statements, eight commitments; articles and signals are inserted with plain SQL
(what the article store and the matcher write), the analyst's work goes through
`Reviewer` with a stepping clock, so the database (and the golden reports) come out
the same on every run. At `NOW` the commitments show:

    alpha/1 fulfilled (joint verdict)      beta/1 stalled (old evidence, stale_after 90 days)
    alpha/2 in_progress (confirmed signal) beta/2 unreviewed (one signal waits)
    alpha/3 overdue (deadline 2021-12-31)  beta/3 no_evidence
    alpha/4 partial (china + russia)       beta/4 not_verifiable (joint verdict)
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from tracker.records.statements import load_statements
from tracker.review.reviewing import Reviewer
from tracker.storage import open_database
from tracker.storage.articles import index_new
from tracker.storage.db import Connection, Database, Row, to_db
from tracker.types import Statement

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
START = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)

ALPHA = """\
statement:
  id: alpha
  title:
    en: Joint Statement on Alpha Cooperation
    zh: 阿尔法合作联合声明
  kind: joint_statement
  date: 2020-01-15
  place: Moscow
  parties: [china, russia]
  sources:
    - document: alpha.txt
      role: primary
      languages: [en, zh]
      publisher: Example Ministry
      url: https://mfa.example.org/alpha
commitments:
  - id: alpha/1
    label: "1"
    type: mechanism
    summary: Hold annual consultations on alpha matters.
    text:
      en: |-
        The two sides will hold annual consultations on alpha matters.
    tags: [mechanism]
    parties: [china, russia]
    responsible: [foreign ministries]
    deadline: not stated
    window:
      start: 2020-01-15
    verifiable:
      value: true
      reason: Consultations are announced.
  - id: alpha/2
    label: "2"
    type: action
    summary: Exchange news content between state media.
    text:
      en: |-
        The sides will promote the exchange of news content.
    tags: [media, mechanism]
    parties: [china, russia]
    responsible: not stated
    deadline: not stated
    window: not stated
    verifiable:
      value: true
      reason: Agreements between agencies are public.
  - id: alpha/3
    label: "3"
    type: action
    summary: Sign a cyber-security agreement by the end of 2021.
    text:
      en: |-
        The sides will sign an agreement on information security before the end of 2021.
    tags: [cyber-security]
    parties: [china, russia]
    responsible: not stated
    deadline: 2021-12-31
    window: not stated
    verifiable:
      value: true
      reason: Treaties are published.
  - id: alpha/4
    label: "4"
    type: action
    summary: Open each other's markets to online films.
    text:
      en: |-
        Each side will open its market to the other's online films.
    tags: [media]
    parties: [china, russia]
    responsible: not stated
    deadline: not stated
    window: not stated
    verifiable:
      value: true
      reason: Licences are published.
"""

BETA = """\
statement:
  id: beta
  title:
    en: Beta Internet Forum Consensus
  kind: forum_consensus
  date: 2021-06-01
  place: not stated
  parties: [china]
  sources:
    - document: beta.txt
      role: primary
      languages: [en]
commitments:
  - id: beta/1
    label: "1"
    type: advocacy
    summary: Promote online media forums every year.
    text:
      en: |-
        Participants will promote online media forums every year.
    tags: [media]
    parties: [china]
    responsible: not stated
    deadline: not stated
    window: not stated
    stale_after: 90 days
    verifiable:
      value: true
      reason: Forums are reported.
  - id: beta/2
    label: "2"
    type: action
    summary: Organise youth exchanges in digital media.
    text:
      en: |-
        Participants will organise youth exchanges in digital media.
    tags: [youth]
    parties: [china]
    responsible: not stated
    deadline: not stated
    window: not stated
    verifiable:
      value: true
      reason: Exchanges are reported.
  - id: beta/3
    label: "3"
    type: principle
    summary: Respect each country's internet sovereignty.
    text:
      en: |-
        Participants respect each country's sovereignty in cyberspace.
    tags: [cyber-sovereignty]
    parties: [china]
    responsible: not stated
    deadline: not stated
    window: not stated
    verifiable:
      value: false
      reason: A principle, no act to observe.
  - id: beta/4
    label: "4"
    type: advocacy
    summary: Advocate a community with a shared future in cyberspace.
    text:
      en: |-
        Participants advocate a community with a shared future in cyberspace.
    tags: [cyber-sovereignty]
    parties: [china]
    responsible: not stated
    deadline: not stated
    window: not stated
    verifiable:
      value: false
      reason: Advocacy only.
"""

INJECTION_TITLE = '=HYPERLINK("http://evil.example","click")'


@dataclass(frozen=True)
class ArticleSpec:
    key: str
    title: str
    published: date | None
    feed: str
    commitment: str
    state: str = "active"


ARTICLES = (
    ArticleSpec(
        "a1",
        "Xinhua and Sputnik sign a content exchange agreement",
        date(2024, 4, 20),
        "xinhua-en",
        "alpha/2",
    ),
    ArticleSpec("a2", INJECTION_TITLE, date(2024, 4, 25), "tabloid", "alpha/2"),
    ArticleSpec("a3", "中俄网络媒体论坛在北京举行", date(2022, 3, 1), "xinhua-zh", "beta/1"),
    ArticleSpec("a4", "Youth digital media exchange announced", date(2024, 5, 10), "xinhua-en", "beta/2"),
    ArticleSpec("a5", "Moscow weather", date(2024, 5, 11), "tass-en", "beta/2", state="retracted"),
    ArticleSpec("a6", "Talks on an information security treaty resume", None, "tass-en", "alpha/3"),
)


class SteppingClock:
    """A clock that moves one hour per reading: every write gets its own, repeatable time."""

    def __init__(self, start: datetime = START, step: timedelta = timedelta(hours=1)) -> None:
        self.now = start - step
        self.step = step

    def __call__(self) -> datetime:
        self.now += self.step
        return self.now


@dataclass(frozen=True)
class StatusFixture:
    root: Path
    signals: dict[str, int]  # article key -> signal id
    #: A PostgreSQL URL the workspace's tracker.yaml points at; None: SQLite in .tracker/.
    database: str | None = None

    @property
    def db_path(self) -> Path:
        return self.root / ".tracker" / "tracker.db"

    @property
    def target(self) -> Path | str:
        """Where the state is: the database URL, or the SQLite file."""
        return self.database or self.db_path

    def statements(self) -> list[Statement]:
        statements, problems = load_statements(self.root / "commitments")
        assert not problems, problems
        return statements

    def reviewer(self, db: Database, clock: object = None) -> Reviewer:
        return Reviewer(db, self.statements(), clock=clock or (lambda: NOW))  # type: ignore[arg-type]


def write_records(root: Path) -> None:
    for name, text in (("alpha", ALPHA), ("beta", BETA)):
        path = root / "commitments" / f"{name}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    for name in ("rules", "feeds"):
        (root / name).mkdir(exist_ok=True)


def insert_article(conn: Connection, spec: ArticleSpec, *, url: str | None = None) -> int:
    """An article row as the article store writes it, with the feed it came from."""
    stamp = to_db(START - timedelta(days=1))
    published = to_db(datetime.combine(spec.published, datetime.min.time(), UTC)) if spec.published else None
    url = url or f"https://news.example.org/{spec.key}"
    cursor = conn.execute(
        "INSERT INTO articles (guid, url, canonical_url, title, summary, content, language, published,"
        " first_seen, last_seen, content_hash) VALUES (?, ?, ?, ?, '', '', 'en', ?, ?, ?, ?) RETURNING id",
        (url, url, url, spec.title, published, stamp, stamp, spec.key),
    )
    article_id = int(cursor.fetchone()[0])
    # index it as the article store does (no trigger per row since the FTS migration)
    index_new(conn)
    conn.execute(
        "INSERT INTO article_feeds (feed, guid, article_id, first_seen) VALUES (?, ?, ?, ?)",
        (spec.feed, url, article_id, stamp),
    )
    return article_id


def insert_signal(
    conn: Connection,
    article_id: int,
    commitment_id: str,
    *,
    state: str = "active",
    created: datetime = START - timedelta(hours=12),
    relation: str = "supports",
) -> int:
    """A signal row as the matcher writes it."""
    hits = [{"term": "exchange", "field": "title", "start": 0, "end": 8, "text": "exchange"}]
    cursor = conn.execute(
        "INSERT INTO signals (article_id, commitment_id, rule_ids, score, relation, hits, dates, created,"
        " updated, state) VALUES (?, ?, ?, 3.0, ?, ?, '[]', ?, ?, ?) RETURNING id",
        (article_id, commitment_id, json.dumps(["demo-rule"]), relation, json.dumps(hits),
         to_db(created), to_db(created), state),
    )  # fmt: skip
    return int(cursor.fetchone()[0])


def insert_articles_and_signals(db: Database) -> dict[str, int]:
    signals: dict[str, int] = {}
    with db.transaction() as conn:
        for spec in ARTICLES:
            article_id = insert_article(conn, spec)
            signals[spec.key] = insert_signal(conn, article_id, spec.commitment, state=spec.state)
    return signals


def analyst_work(reviewer: Reviewer, signals: dict[str, int]) -> None:
    """What an analyst did in May 2024, in order."""
    reviewer.refresh_statuses(reason="signals arrived")
    reviewer.confirm(signals["a1"], strength="mechanism", note="agreement signed", reviewer="ana")
    reviewer.reject(signals["a2"], note="not about the agreement", reviewer="ana")
    reviewer.confirm(signals["a3"], strength="reaffirmation", reviewer="ana")
    communique = reviewer.add_evidence(
        "alpha/1",
        title="Joint communiqué of the 2023 consultations",
        url="https://mfa.example.org/2023/communique",
        publisher="Example Ministry",
        date=date(2023, 11, 20),
        strength="mechanism",
        added_by="ana",
    )
    reviewer.assess("alpha/1", status="in_progress", rationale="First round held.", assessor="ana")
    reviewer.assess(
        "alpha/1",
        status="fulfilled",
        rationale="Consultations held every year since 2020.",
        confidence="high",
        evidence_ids=[communique],
        assessor="boris",
    )
    note = reviewer.add_evidence(
        "alpha/4",
        title="-2+3 quota note",
        document="Note verbale 2023/17",
        publisher="@mention",
        date=date(2023, 2, 1),
        relation="context",
        note="+cmd|' /C calc'!A0",
        added_by="ana",
    )
    reviewer.assess(
        "alpha/4", status="fulfilled", party="china", rationale="Licences granted.", evidence_ids=[note]
    )
    reviewer.assess(
        "alpha/4", status="not_fulfilled", party="russia", rationale="No licences.", assessor="boris"
    )
    reviewer.assess("beta/4", status="not_verifiable", rationale="Advocacy leaves nothing to observe.")


def build_status_fixture(root: Path, database: str | None = None) -> StatusFixture:
    """The workspace on disk with its database filled; the last refresh runs at `NOW`.

    With `database` (a PostgreSQL URL), the state goes there and the workspace's
    tracker.yaml names it, so the CLI finds it as a team's workspace would.
    """
    write_records(root)
    if database:
        (root / "tracker.yaml").write_text(f"database: {database}\n", encoding="utf-8")
    fixture = StatusFixture(root, {}, database)
    db = open_database(fixture.target)
    try:
        signals = insert_articles_and_signals(db)
        clock = SteppingClock()
        analyst_work(fixture.reviewer(db, clock), signals)
        fixture.reviewer(db).refresh_statuses(reason="daily refresh")
    finally:
        db.close()
    return StatusFixture(root, signals, database)


def rows(target: Path | str, sql: str, *params: object) -> Iterator[Row]:
    """Plain SQL reads for assertions, on a connection of their own (a file or a URL)."""
    db = open_database(target, migrate=False)
    try:
        with db.reading() as conn:
            found = conn.execute(sql, params).fetchall()
        yield from found
    finally:
        db.close()
