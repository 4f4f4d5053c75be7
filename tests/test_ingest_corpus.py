"""Backfill: the shared corpora (feedparser's test feeds, news-2022) and archive formats."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tracker.feeds.backfill import entry_from_record, read_paths
from tracker.feeds.pipeline import ingest_paths
from tracker.storage import open_database
from tracker.storage.db import Database
from tracker.types import Feed

SHARED = Path(__file__).resolve().parents[2] / "shared"
FEEDPARSER_TESTS = SHARED / "corpus" / "feedparser-tests"
NEWS_2022 = SHARED / "corpus" / "news-2022"
needs_feedparser_corpus = pytest.mark.skipif(
    not FEEDPARSER_TESTS.is_dir(),
    reason=f"{FEEDPARSER_TESTS} is absent (the shared corpus is not checked out)",
)
needs_news_corpus = pytest.mark.skipif(
    not NEWS_2022.is_dir(), reason=f"{NEWS_2022} is absent (the shared corpus is not checked out)"
)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = open_database(tmp_path / "state.db")
    yield database
    database.close()


def count(db: Database, sql: str = "SELECT count(*) FROM articles") -> int:
    with db.reading() as conn:
        return int(conn.execute(sql).fetchone()[0])


# ---------------------------------------------------------------- feedparser's corpus


@needs_feedparser_corpus
def test_every_feedparser_test_file_is_parsed_or_a_clear_error(db: Database) -> None:
    files = sorted(p for p in FEEDPARSER_TESTS.rglob("*") if p.is_file() and p.suffix == ".xml")
    assert len(files) > 2000
    results = ingest_paths(db, [FEEDPARSER_TESTS])
    assert len(results) == len(files)  # one result per file: nothing lost, nothing crashed
    by_source = {Path(r.source): r for r in results}
    assert set(by_source) == set(files)
    for result in results:
        if result.errors:
            assert result.status == "error" or result.entries
            assert all(message.startswith(result.source) for message in result.errors), result.errors
        else:
            assert result.status == "ok"
    failed = [r for r in results if r.status == "error"]
    assert len(failed) < 20, [r.errors for r in failed]
    assert count(db) > 0


@needs_feedparser_corpus
@pytest.mark.parametrize(
    "name",
    [
        "illformed/rss_empty_document.xml",
        "illformed/chardet/big5.xml",
        "encoding/utf-32be-bom.xml",
        "encoding/bozo_invalid-bytes-with-bom.xml",
    ],
)
def test_hard_corpus_files(db: Database, name: str) -> None:
    path = FEEDPARSER_TESTS / name
    if not path.exists():
        pytest.skip(f"{name} is not in this copy of the corpus")
    [result] = ingest_paths(db, [path])
    assert result.status in ("ok", "error")
    assert result.entries or result.errors or result.status == "ok"


# ---------------------------------------------------------------- news-2022


@needs_news_corpus
def test_news_2022_jsonl_ingests_directly_and_only_once(db: Database) -> None:
    path = NEWS_2022 / "2022_china_and_russia_entries.jsonl"
    lines = sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    results = ingest_paths(db, [path])
    assert sum(r.entries for r in results) == lines
    assert not [e for r in results for e in r.errors]
    stored = count(db)
    assert 0 < stored <= lines
    assert sum(r.new for r in results) == stored
    assert {r.feed for r in results} >= {"http://feeds.bbci.co.uk/news/rss.xml"} or len(results) > 10
    again = ingest_paths(db, [path])
    assert sum(r.new for r in again) == 0 and count(db) == stored
    with db.reading() as conn:
        dated = conn.execute("SELECT count(*) FROM articles WHERE published LIKE '2022-%'").fetchone()[0]
    assert dated == stored  # every archive date was read


@needs_news_corpus
def test_archive_sources_map_to_configured_feed_names(db: Database) -> None:
    path = NEWS_2022 / "key-day-2022-02-04"
    bbc = Feed(name="bbc-news", url="https://feeds.bbci.co.uk/news/rss.xml")  # https, no www: same feed
    results = ingest_paths(db, [path], feeds=[bbc])
    assert "bbc-news" in {r.feed for r in results}
    assert count(db, "SELECT count(*) FROM article_feeds WHERE feed = 'bbc-news'") > 0
    with db.reading() as conn:
        url = conn.execute(
            "SELECT canonical_url FROM articles WHERE url LIKE '%bbc.co.uk%' LIMIT 1"
        ).fetchone()[0]
    assert "at_medium" not in url and "at_campaign" not in url


@needs_news_corpus
def test_news_2022_key_day_folder(db: Database) -> None:
    results = ingest_paths(db, [NEWS_2022 / "key-day-2022-02-04"])
    assert len({Path(r.source.split("#")[0]).name for r in results}) == 6
    assert sum(r.entries for r in results) > 50
    assert not [e for r in results for e in r.errors]


# ---------------------------------------------------------------- archive formats


def test_csv_archive(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "entries.csv"
    path.write_text(
        "Title,Link,Date,Description\n"
        '"Xi visits Moscow",https://a.example/1,2023-03-20 10:00:00+00:00,"<p>State visit</p>"\n'
        '"Putin in Beijing",https://a.example/2,"Oct 18, 2023","Belt and Road forum"\n'
        ",,,\n",
        encoding="utf-8",
    )
    [result] = ingest_paths(db, [path])
    assert (result.entries, result.new) == (2, 2)
    assert result.errors == (f"{path}:4: no title, link or text",)
    with db.reading() as conn:
        rows = conn.execute("SELECT title, summary, published FROM articles ORDER BY id").fetchall()
    assert [tuple(r) for r in rows] == [
        ("Xi visits Moscow", "State visit", "2023-03-20T10:00:00+00:00"),
        ("Putin in Beijing", "Belt and Road forum", "2023-10-18T00:00:00+00:00"),
    ]


def test_jsonl_with_bad_lines_reports_file_and_line(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text(
        json.dumps({"title": "One", "link": "https://a.example/1", "source": "https://a.example/rss"})
        + "\n{not json\n[1, 2]\n\n"
        + json.dumps(
            {"entry": {"title": "Two", "link": "https://a.example/2", "date_published": 1_700_000_000}}
        )
        + "\n",
        encoding="utf-8",
    )
    results = ingest_paths(db, [path])
    errors = [e for r in results for e in r.errors]
    assert any(e.startswith(f"{path}:2: invalid JSON") for e in errors)
    assert any(e.startswith(f"{path}:3: expected a JSON object") for e in errors)
    assert sum(r.new for r in results) == 2
    assert {r.feed for r in results if r.entries} == {"https://a.example/rss", f"file:{path.resolve()}"}


def test_json_array_gzip_and_feed_files(db: Database, tmp_path: Path) -> None:
    (tmp_path / "dir").mkdir()
    (tmp_path / "dir" / "a.json").write_text(
        json.dumps({"items": [{"title": "Json", "url": "https://j.example/1"}]})
    )
    with gzip.open(tmp_path / "dir" / "b.jsonl.gz", "wt", encoding="utf-8") as out:
        out.write(json.dumps({"title": "Gzipped", "link": "https://g.example/1"}) + "\n")
    (tmp_path / "dir" / "c.xml").write_bytes(
        b'<rss version="2.0"><channel><title>t</title><item><title>From a feed file</title>'
        b"<guid>1</guid></item></channel></rss>"
    )
    (tmp_path / "dir" / "notes.txt").write_text("ignored")
    (tmp_path / "dir" / ".hidden.json").write_text("ignored")
    results = ingest_paths(db, [tmp_path / "dir"])
    assert sum(r.new for r in results) == 3 and not [e for r in results for e in r.errors]


def test_missing_and_unknown_paths(tmp_path: Path) -> None:
    (tmp_path / "x.bin").write_bytes(b"\x00\x01")
    batches = list(read_paths([tmp_path / "nope.jsonl", tmp_path / "x.bin"]))
    assert "no such file" in batches[0].errors[0]
    assert "unknown kind of file" in batches[1].errors[0]


def test_entry_from_record_normalises() -> None:
    entry = entry_from_record(
        {
            "Title": "Россия и Китай &amp; <b>энергетика</b>",
            "link": "https://www.example.ru/a?utm_source=x",
            "pubDate": "10 июня 2025 г. 10:00",
            "description": "<p>Текст</p>",
        }
    )
    assert entry.title == "Россия и Китай & энергетика"
    assert entry.language == "ru"
    assert entry.canonical_url == "https://example.ru/a"
    assert entry.published == datetime(2025, 6, 10, 7, tzinfo=UTC)
    assert entry.guid == "https://www.example.ru/a?utm_source=x"
    with pytest.raises(ValueError, match="no title"):
        entry_from_record({"date": "2025-01-01"})
