"""A fixed workspace and database for the dashboard's tests, snapshots and screenshots.

Everything is dated relative to `FIXED_NOW` (the app under test gets the same clock),
so snapshots do not change from day to day. Rows are written with plain SQL in the
columns of schema v1, so these fixtures do not depend on how other modules write.

The data tells a small story an analyst would recognise: statement `alpha` has one
fulfilled commitment (an analyst's verdict resting on confirmed evidence), one with
signals waiting for review, one overdue; statement `beta` has a commitment with a
rejected signal and one with nothing at all. One article has a hostile title (markup
and terminal control sequences) to prove that external text is shown, not obeyed.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import textwrap
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

FIXED_NOW = datetime(2024, 6, 30, 12, 0, tzinfo=UTC)

HOSTILE_TITLE = (
    "[bold red]PWNED[/bold red] \x1b[2J\x1b[31mcleared\x07 [link=https://evil.example]click[/link] "
    "[@click=app.quit]quit[/] \u202eevil"
)

ALPHA = """\
statement:
  id: alpha
  title:
    en: Joint Statement on Alpha Cooperation
    zh: 阿尔法合作联合声明
  kind: joint_statement
  date: 2023-01-15
  place: Moscow
  parties: [china, russia]
  sources:
    - document: alpha.txt
      role: primary
      languages: [en, zh]
commitments:
  - id: alpha/1
    label: "1"
    type: mechanism
    summary: Hold annual consultations on information security.
    text:
      en: |-
        The two sides will hold annual consultations on information security.
      zh: |-
        双方将每年就信息安全举行磋商。
    tags: [mechanism, security]
    parties: [china, russia]
    responsible: [foreign ministries]
    deadline: not stated
    window:
      start: 2023-01-15
    verifiable:
      value: true
      reason: Consultations are announced by both foreign ministries.
  - id: alpha/2
    label: "2"
    type: action
    summary: Launch a joint media exchange programme.
    text:
      en: |-
        The parties will launch a joint programme of exchanges between media organisations.
    tags: [media]
    parties: [china, russia]
    responsible: not stated
    deadline: not stated
    window:
      start: 2023-01-15
    verifiable:
      value: true
      reason: Exchanges are reported by state media.
  - id: alpha/3
    label: "3"
    type: action
    summary: Sign an agreement on cross-border data flows by the end of 2023.
    text:
      en: |-
        The sides will sign an agreement on cross-border data flows before the end of 2023.
    tags: [data, security]
    parties: [china]
    responsible: not stated
    deadline: 2023-12-31
    window:
      start: 2023-01-15
      end: 2024-12-31
    verifiable:
      value: true
      reason: Agreements are published.
"""

BETA = """\
statement:
  id: beta
  title:
    en: Beta Forum Consensus
  kind: forum_consensus
  date: 2022-05-20
  place: Beijing
  parties: [china, russia]
  sources:
    - document: beta.txt
      role: primary
      languages: [en]
commitments:
  - id: beta/cooperation
    label: cooperation
    type: advocacy
    summary: Promote cooperation between internet companies.
    text:
      en: |-
        Both sides support cooperation between their internet companies.
    tags: [technology]
    parties: [russia]
    responsible: not stated
    deadline: not stated
    window:
      start: 2022-05-20
    verifiable:
      value: false
      reason: Support is a stance, not an act.
  - id: beta/training
    label: training
    type: action
    summary: Train journalists from both countries.
    text:
      en: |-
        The parties will organise training for journalists.
    tags: [media]
    parties: [china, russia]
    responsible: not stated
    deadline: not stated
    window:
      start: 2022-05-20
    verifiable:
      value: true
      reason: Training sessions are reported.
"""

FEEDS = """\
feeds:
  - name: tass-en
    title: TASS (English)
    url: https://tass.example/rss/v2.xml
    language: en
    interval: 1 hour
    tags: [news]
    enabled: true
  - name: xinhua-en
    title: Xinhua (English)
    url: https://xinhua.example/rss.xml
    language: en
    interval: 2 hours
    tags: [news]
    enabled: true
"""

RULES = """\
rules: []
"""


@dataclass(frozen=True)
class ArticleSpec:
    title: str
    days_ago: int
    feed: str
    summary: str = ""
    content: str = ""
    url: str | None = None


ARTICLES: tuple[ArticleSpec, ...] = (
    ArticleSpec(
        "China and Russia hold consultations on information security",
        40,
        "tass-en",
        summary="Officials met in Moscow for the annual consultations on information security.",
        url="https://tass.example/1",
    ),
    ArticleSpec(
        "Russian and Chinese media sign exchange programme",
        20,
        "xinhua-en",
        summary="A joint media exchange programme was launched in Beijing.",
        url="https://xinhua.example/2",
    ),
    ArticleSpec(HOSTILE_TITLE, 10, "tass-en", summary="A media exchange \x1b[5mblinks\x1b[0m.", url=None),
    ArticleSpec(
        "Internet companies meet in Kazan",
        95,
        "tass-en",
        summary="Companies from both countries met.",
        url="https://tass.example/4",
    ),
    ArticleSpec(
        "Weather in Moscow",
        3,
        "tass-en",
        summary="Sunny with light rain, nothing to do with any commitment.",
        url="https://tass.example/5",
    ),
    ArticleSpec(
        "Media exchange programme expands to radio",
        70,
        "xinhua-en",
        summary="The joint media exchange programme now includes radio.",
        url="https://xinhua.example/6",
    ),
)


def write_workspace(root: Path) -> Path:
    """The YAML records of the fixture workspace under `root` (created)."""
    for name in ("commitments", "rules", "feeds"):
        (root / name).mkdir(parents=True, exist_ok=True)
    (root / "commitments" / "alpha.yaml").write_text(ALPHA, encoding="utf-8")
    (root / "commitments" / "beta.yaml").write_text(BETA, encoding="utf-8")
    (root / "rules" / "rules.yaml").write_text(RULES, encoding="utf-8")
    (root / "feeds" / "feeds.yaml").write_text(FEEDS, encoding="utf-8")
    return root


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _ago(days: int, hours: int = 0) -> str:
    return _stamp(FIXED_NOW - timedelta(days=days, hours=hours))


def fill_database(db_path: Path) -> None:
    """Articles, feed state, signals, evidence, an assessment and history, at fixed dates.

    The database must already be migrated (open it once with `open_database`).
    """
    conn = sqlite3.connect(db_path, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        _feeds(conn)
        ids = [_article(conn, spec) for spec in ARTICLES]
        _signals_and_evidence(conn, ids)
        conn.execute("COMMIT")
    finally:
        conn.close()


def _feeds(conn: sqlite3.Connection) -> None:
    conn.execute(
        "INSERT INTO feed_state (name, url, etag, last_attempt, last_success, failures, next_due)"
        " VALUES ('tass-en', 'https://tass.example/rss/v2.xml', '\"abc\"', ?, ?, 0, ?)",
        (_ago(0, 1), _ago(0, 1), _stamp(FIXED_NOW + timedelta(minutes=25))),
    )
    conn.execute(
        "INSERT INTO feed_state (name, url, last_attempt, last_success, last_error, failures, next_due)"
        " VALUES ('xinhua-en', 'https://xinhua.example/rss.xml', ?, ?, ?, 3, ?)",
        (
            _ago(0, 2),
            _ago(2),
            "HTTP 503 Service Unavailable",
            _stamp(FIXED_NOW + timedelta(hours=3)),
        ),
    )


def _article(conn: sqlite3.Connection, spec: ArticleSpec) -> int:
    published = _ago(spec.days_ago)
    cursor = conn.execute(
        "INSERT INTO articles (guid, url, canonical_url, title, summary, content, language, published,"
        " first_seen, last_seen, content_hash) VALUES (?, ?, ?, ?, ?, ?, 'en', ?, ?, ?, ?)",
        (
            spec.url or f"guid:{spec.title}",
            spec.url,
            spec.url,
            spec.title,
            spec.summary,
            spec.content,
            published,
            published,
            published,
            hashlib.sha256(spec.title.encode()).hexdigest(),
        ),
    )
    article_id = int(cursor.lastrowid or 0)
    # index it as the article store does (no trigger per row since the FTS migration)
    conn.execute(
        "INSERT INTO articles_fts (rowid, title, summary, content) SELECT id, title, summary, content "
        "FROM articles WHERE id = ?",
        (article_id,),
    )
    conn.execute(
        "INSERT INTO article_feeds (feed, guid, article_id, first_seen) VALUES (?, ?, ?, ?)",
        (spec.feed, spec.url or spec.title, article_id, published),
    )
    return article_id


def _hit(rule: str, term: str, title: str, field: str = "title") -> dict[str, object]:
    start = title.lower().find(term.lower())
    start = max(start, 0)
    return {
        "rule": rule,
        "condition": "any",
        "term": term,
        "field": field,
        "start": start,
        "end": start + len(term),
        "text": title[start : start + len(term)],
    }


def _signal(
    conn: sqlite3.Connection,
    article_id: int,
    commitment_id: str,
    rule: str,
    terms: list[str],
    *,
    score: float = 3.0,
    review: str | None = None,
    strength: str | None = None,
    days_ago: int = 1,
) -> int:
    title = str(conn.execute("SELECT title FROM articles WHERE id = ?", (article_id,)).fetchone()[0])
    hits = [_hit(rule, term, title) for term in terms]
    stamp = _ago(days_ago)
    cursor = conn.execute(
        "INSERT INTO signals (article_id, commitment_id, rule_ids, score, relation, hits, dates, created,"
        " updated, state, review, strength, reviewed_at, reviewer)"
        " VALUES (?, ?, ?, ?, 'supports', ?, ?, ?, ?, 'active', ?, ?, ?, ?)",
        (
            article_id,
            commitment_id,
            json.dumps([rule]),
            score,
            json.dumps(hits),
            json.dumps(["2024-05-21 (published)"]),
            stamp,
            stamp,
            review,
            strength,
            stamp if review else None,
            "analyst" if review else None,
        ),
    )
    return int(cursor.lastrowid or 0)


def _signals_and_evidence(conn: sqlite3.Connection, ids: list[int]) -> None:
    consult, media, hostile, companies, _weather, radio = ids
    confirmed = _signal(
        conn, consult, "alpha/1", "alpha-consultations", ["consultations", "information security"],
        review="confirmed", strength="mechanism", days_ago=39,
    )  # fmt: skip
    conn.execute(
        "INSERT INTO evidence (commitment_id, signal_id, relation, strength, title, url, publisher, date,"
        " added, added_by) VALUES ('alpha/1', ?, 'supports', 'mechanism', ?, ?, 'tass-en', ?, ?, 'analyst')",
        (confirmed, ARTICLES[0].title, ARTICLES[0].url, _ago(40)[:10], _ago(39)),
    )
    conn.execute(
        "INSERT INTO evidence (commitment_id, relation, strength, title, url, publisher, date,"
        " added, added_by)"
        " VALUES ('alpha/1', 'supports', 'reaffirmation', 'Foreign ministry press release', "
        "'https://mid.example/press/1', 'MID', ?, ?, 'analyst')",
        (_ago(30)[:10], _ago(29)),
    )
    conn.execute(
        "INSERT INTO assessments (commitment_id, party, status, rationale, confidence, evidence_ids,"
        " assessor,"
        " created) VALUES ('alpha/1', 'joint', 'fulfilled', 'Consultations held as promised.', 'high',"
        " '[1, 2]', 'analyst', ?)",
        (_ago(28),),
    )
    conn.execute(
        "INSERT INTO status_history (commitment_id, status, origin, at, reason, evidence_ids)"
        " VALUES ('alpha/1', 'unreviewed', 'derived', ?, 'a signal waits for review', '[]')",
        (_ago(40),),
    )
    conn.execute(
        "INSERT INTO status_history (commitment_id, status, origin, at, reason, evidence_ids)"
        " VALUES ('alpha/1', 'in_progress', 'derived', ?, 'confirmed supporting evidence', '[1]')",
        (_ago(39),),
    )
    conn.execute(
        "INSERT INTO status_history (commitment_id, status, origin, at, reason, evidence_ids)"
        " VALUES ('alpha/1', 'fulfilled', 'analyst', ?, 'Consultations held as promised.', '[1, 2]')",
        (_ago(28),),
    )
    _signal(conn, media, "alpha/2", "alpha-media", ["media", "exchange programme"], days_ago=19)
    _signal(conn, hostile, "alpha/2", "alpha-media", ["media"], score=2.0, days_ago=9)
    _signal(conn, radio, "alpha/2", "alpha-media", ["media exchange programme"], days_ago=69)
    _signal(
        conn, companies, "beta/cooperation", "beta-companies", ["companies"],
        review="rejected", days_ago=90,
    )  # fmt: skip


@dataclass(frozen=True)
class FixtureWorkspace:
    root: Path
    db_path: Path


def build_fixture(root: Path) -> FixtureWorkspace:
    """Write the records and a filled, migrated database under `root`."""
    from tracker.records.workspace import Workspace
    from tracker.storage import open_database

    write_workspace(root)
    workspace = Workspace(root.resolve())
    db = open_database(workspace.db_path)
    db.close()
    fill_database(workspace.db_path)
    return FixtureWorkspace(workspace.root, workspace.db_path)


def dedent(text: str) -> str:
    return textwrap.dedent(text)


def screen_text(app: object) -> str:
    """What the terminal shows now, as plain text (for debugging and coarse assertions)."""
    import io

    from rich.console import Console

    width, height = app.size  # type: ignore[attr-defined]
    console = Console(width=width, height=height, file=io.StringIO(), record=True, color_system=None)
    update = app.screen._compositor.render_update(full=True)  # type: ignore[attr-defined]
    console.print(update)
    return console.export_text()


# ---------------------------------------------------------------- facade stand-in
#
# The dashboard calls these `Tracker` methods. Until the facade has them (the lead
# wires them to status/reviewing/monitor), `missing_facade()` fills the gaps on a
# subclass so the TUI tests run against a real database. Each method here is the
# contract: same name, same signature, same effect on the tables.


def open_tracker(fixture: FixtureWorkspace):  # type: ignore[no-untyped-def]
    from tracker.core import Tracker
    from tracker.records.workspace import Workspace

    return Tracker(Workspace(fixture.root), clock=lambda: FIXED_NOW)


def make_app(fixture: FixtureWorkspace, *, monitor: bool = False):  # type: ignore[no-untyped-def]
    """The app exactly as the CLI builds it, on the fixture workspace, with the fixed clock."""
    from tracker.tui.app import build_app

    return build_app(open_tracker(fixture), monitor=monitor, clock=lambda: FIXED_NOW)


async def timelines_in(pilot: Any) -> None:
    """Wait until the commitments screen has its sparklines (they follow the first paint
    from a background thread), so what a test reads or shoots does not depend on timing."""
    screen = pilot.app.screen
    for _ in range(1000):
        overview = getattr(screen, "overview", None)
        if overview is not None and all(row.timeline is not None for row in overview.rows):
            await pilot.pause()
            return
        await pilot.pause(0.01)
    raise AssertionError("the commitments screen never got its timelines")


# ---------------------------------------------------------------- README screenshots

SCREENSHOT_SIZE = (130, 36)


def save_screenshots(folder: Path, *, size: tuple[int, int] = SCREENSHOT_SIZE) -> list[Path]:
    """SVG screenshots of the commitments and commitment screens on the fixture data.

    Used by docs/make_screenshots.py for the README; the same fixture as the
    snapshot tests, so what the README shows is what the tests pin.
    """
    import asyncio
    import tempfile

    async def shoot(fixture: FixtureWorkspace) -> list[Path]:
        app = make_app(fixture)
        saved: list[Path] = []
        async with app.run_test(size=size) as pilot:
            await timelines_in(pilot)
            saved.append(Path(app.save_screenshot("commitments.svg", str(folder))))
            app.open_commitment("alpha/2")
            await pilot.pause()
            await pilot.press("down")
            await pilot.pause()
            saved.append(Path(app.save_screenshot("commitment.svg", str(folder))))
        return saved

    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        return asyncio.run(shoot(build_fixture(Path(tmp) / "ws")))
