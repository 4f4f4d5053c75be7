"""Measured quality of the bundled rules.

1. Hand-written fixtures (tests/data/positive_examples.yaml, marked as written for the
   tests): every seed commitment has at least one positive example that must be linked
   to exactly the commitments listed, and hard negatives that must link nothing.
2. Real news: the 410 China-and-Russia entries of 2022 in ../shared/corpus/news-2022/,
   labelled in tests/data/news2022_labels.yaml, are stored in a real database and
   matched by the pipeline; precision and recall over (entry, commitment) pairs are
   held at the figures reached (both 1.0: the two labelled positives are found and none
   of the 408 unrelated entries is linked). The whole-day feeds of 4 February 2022 must
   link nothing. Skipped, with the reason, when ../shared is absent.
"""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO, SHARED
from tests.test_matching import insert_article
from tracker.records.statements import load_statements
from tracker.rules import Matcher, build_matcher
from tracker.rules.matching import rematch_all
from tracker.storage import open_database
from tracker.storage.db import Database
from tracker.types import Article

DATA = Path(__file__).parent / "data"
CORPUS = SHARED / "corpus" / "news-2022"
ENTRIES = CORPUS / "2022_china_and_russia_entries.jsonl"
KEY_DAY = CORPUS / "key-day-2022-02-04"

#: The figures reached; a change to the rules must not lower them.
MIN_PRECISION = 1.0
MIN_RECALL = 1.0


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    statements, problems = load_statements(REPO / "commitments")
    assert statements and not problems
    built, rule_problems = build_matcher(REPO / "rules", statements)
    assert not rule_problems, "\n".join(map(str, rule_problems))
    return built


# ---------------------------------------------------------------- hand-written fixtures

FIXTURES = yaml.safe_load((DATA / "positive_examples.yaml").read_text(encoding="utf-8"))


def _fixture_article(example: dict, number: int) -> Article:
    day = example["published"]
    published = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return Article(
        number,
        example["id"],
        None,
        None,
        example["title"],
        example["summary"],
        "",
        None,
        published,
        published,
    )


@pytest.mark.parametrize("example", FIXTURES["positives"], ids=lambda e: e["id"])
def test_positive_fixture_is_linked_to_exactly_its_commitments(matcher: Matcher, example: dict) -> None:
    got = {r.commitment_id for r in matcher.match(_fixture_article(example, 1))}
    assert got == set(example["commitments"])


@pytest.mark.parametrize("example", FIXTURES["negatives"], ids=lambda e: e["id"])
def test_hard_negative_fixture_links_nothing(matcher: Matcher, example: dict) -> None:
    assert matcher.match(_fixture_article(example, 1)) == []


def test_every_seed_commitment_has_a_positive_fixture() -> None:
    statements, _ = load_statements(REPO / "commitments")
    every = {c.id for s in statements for c in s.commitments}
    covered = {cid for example in FIXTURES["positives"] for cid in example["commitments"]}
    assert every - covered == set()


# ---------------------------------------------------------------- real 2022 news

needs_corpus = pytest.mark.skipif(
    not ENTRIES.is_file(), reason=f"the shared corpus is absent ({ENTRIES} not found)"
)


def _text(markup: str | None) -> str:
    """Feed descriptions are HTML; article storage will store plain text, so do the same."""
    without_tags = re.sub(r"<[^>]+>", " ", markup or "")
    return re.sub(r"\s+", " ", html.unescape(without_tags)).strip()


def _store(db: Database, entries: list[dict]) -> dict[int, str]:
    """Insert entries as articles; return article id → entry link."""
    ids: dict[int, str] = {}
    for entry in entries:
        published = datetime.fromisoformat(entry["date_published"]).astimezone(UTC)
        article_id = insert_article(
            db, _text(entry["title"]), _text(entry.get("description")), published=published, url=entry["link"]
        )
        ids[article_id] = entry["link"]
    return ids


def _links(db: Database, ids: dict[int, str]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {link: set() for link in ids.values()}
    with db.reading() as conn:
        for row in conn.execute("SELECT article_id, commitment_id FROM signals WHERE state = 'active'"):
            found[ids[row["article_id"]]].add(row["commitment_id"])
    return found


@needs_corpus
def test_2022_news_precision_and_recall(tmp_path: Path, matcher: Matcher) -> None:
    labels: dict[str, list[str]] = yaml.safe_load((DATA / "news2022_labels.yaml").read_text("utf-8"))[
        "labels"
    ]
    entries = [json.loads(line)["entry"] for line in ENTRIES.read_text(encoding="utf-8").splitlines()]
    assert len(entries) == len(labels) == 410
    db = open_database(tmp_path / "tracker.db")
    try:
        ids = _store(db, entries)
        summary = rematch_all(db, matcher)
        found = _links(db, ids)
    finally:
        db.close()
    assert summary.articles == 410
    expected = {(link, cid) for link, cids in labels.items() for cid in cids}
    linked = {(link, cid) for link, cids in found.items() for cid in cids}
    unrelated_linked = sorted((link, cid) for link, cid in linked if not labels[link])
    assert unrelated_linked == [], "entries labelled unrelated were linked"
    true_positives = len(expected & linked)
    precision = true_positives / len(linked) if linked else 1.0
    recall = true_positives / len(expected) if expected else 1.0
    print(f"\n2022 news: {len(linked)} links, {len(expected)} labelled;", end=" ")
    print(f"precision {precision:.2f}, recall {recall:.2f}")
    assert precision >= MIN_PRECISION
    assert recall >= MIN_RECALL, f"missed: {sorted(expected - linked)}"


@needs_corpus
def test_a_whole_day_of_unrelated_news_links_nothing(matcher: Matcher) -> None:
    number = 0
    for path in sorted(KEY_DAY.glob("*.json")):
        for entry in json.loads(path.read_text(encoding="utf-8")):
            number += 1
            published = datetime.fromisoformat(entry["date_published"])
            article = Article(
                number, entry["link"], entry["link"], entry["link"], _text(entry["title"]),
                _text(entry.get("description")), "", "en", published, published,
            )  # fmt: skip
            assert matcher.match(article) == [], entry["title"]
    assert number > 50


# ---------------------------------------------------------------- the labelled dev set


from bench import devset  # noqa: E402

#: The figures `make quality` reached on the labelled dev set (bench/devset.py): a change
#: to the rules or the matcher must not lower them. Raise them when they improve.
DEV_FLOORS = {
    "precision": 0.91,
    "exact_precision": 0.85,
    "recall": 0.82,
    "recall_en": 0.81,
    "recall_ru": 0.83,
    "recall_zh": 0.83,
    "hard_negatives_linked": 4,
}


@pytest.mark.skipif(devset.available() is not None, reason=str(devset.available()))
def test_dev_set_figures_do_not_fall() -> None:
    from tracker.core import Tracker, Workspace

    items = devset.load()
    assert len(items) >= 1200
    assert sum(item.positive for item in items) >= 100
    quality = Tracker(Workspace.locate(str(REPO))).rate_rules(items)
    overall = quality.overall
    assert overall.precision is not None and overall.precision >= DEV_FLOORS["precision"]
    assert overall.exact_precision is not None and overall.exact_precision >= DEV_FLOORS["exact_precision"]
    assert overall.recall is not None and overall.recall >= DEV_FLOORS["recall"]
    for language in ("en", "ru", "zh"):
        recall = quality.by_language[language].recall
        assert recall is not None and recall >= DEV_FLOORS[f"recall_{language}"], language
    assert overall.hard_negatives_linked <= DEV_FLOORS["hard_negatives_linked"]
