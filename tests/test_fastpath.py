"""The fast parse path gives what feedparser gives, or steps aside.

Both paths run over the feedparser test corpus, feeds built from the news-2022 and
state-media corpora (RSS and Atom, each entry as published), and the bench feeds. Wherever
the fast path answers, its feed must equal feedparser's field by field (entries, guids,
titles, links, text, languages, dates to the second in UTC); every difference is listed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import fields
from datetime import datetime
from xml.sax.saxutils import escape, quoteattr

import pytest

from bench.bench_fetch import make_feed
from tests.conftest import SHARED
from tracker.errors import FeedError
from tracker.feeds.fastpath import parse_fast, parse_feed_fast
from tracker.feeds.parsing import ParsedFeed, parse_feed

CORPUS = SHARED / "corpus"
FEEDPARSER_TESTS = CORPUS / "feedparser-tests"
URL = "https://example.org/feed.xml"


def _slow(body: bytes, headers: dict[str, str] | None = None) -> ParsedFeed | str:
    try:
        return parse_feed(body, url=URL, headers=headers)
    except FeedError as exc:
        return f"error: {exc.message}"


def differences(fast: ParsedFeed, slow: ParsedFeed | str) -> list[str]:
    """Every field where the two readings differ, in words."""
    if isinstance(slow, str):
        return [f"feedparser: {slow}; fast path: {len(fast.entries)} entries"]
    out = []
    for name in ("title", "link", "language", "version", "ttl", "warnings"):
        if getattr(fast, name) != getattr(slow, name):
            out.append(f"feed {name}: fast {getattr(fast, name)!r} != feedparser {getattr(slow, name)!r}")
    if len(fast.entries) != len(slow.entries):
        out.append(f"{len(fast.entries)} entries != feedparser's {len(slow.entries)}")
    for n, (a, b) in enumerate(zip(fast.entries, slow.entries, strict=False)):
        for f in fields(a):
            x, y = getattr(a, f.name), getattr(b, f.name)
            if isinstance(x, datetime) and isinstance(y, datetime):
                same = x == y and x.utcoffset() == y.utcoffset()
            else:
                same = x == y
            if not same:
                out.append(f"entry {n} {f.name}: fast {x!r:.120} != feedparser {y!r:.120}")
    return out


def check(
    name: str, body: bytes, headers: dict[str, str] | None, report: list[str], taken: list[int]
) -> None:
    fast = parse_fast(body, url=URL, headers=headers)
    if fast is None:
        return
    taken[0] += 1
    problems = differences(fast, _slow(body, headers))
    report.extend(f"{name}: {p}" for p in problems)


def _corpus_feeds() -> Iterator[tuple[str, bytes]]:
    """RSS and Atom feeds built from the archived entries, grouped by source, 50 at a time."""
    files = [CORPUS / "news-2022" / "2022_china_and_russia_entries.jsonl"]
    files += sorted((CORPUS / "state-media").glob("*.jsonl"))
    for path in files:
        groups: dict[str, list[dict]] = {}
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                entry = json.loads(line)["entry"]
                groups.setdefault(str(entry.get("source") or path.stem), []).append(entry)
        for source, entries in groups.items():
            for start in range(0, len(entries), 50):
                chunk = entries[start : start + 50]
                yield f"{path.name}:{source}:rss:{start}", rss(chunk)
                yield f"{path.name}:{source}:atom:{start}", atom(chunk)


def _date_of(entry: dict) -> str:
    return str(entry.get("date_published") or entry.get("published") or entry.get("date") or "")


def rss(entries: list[dict]) -> bytes:
    items = "".join(
        "<item>"
        f"<title>{escape(str(e.get('title') or ''))}</title>"
        f"<link>{escape(str(e.get('link') or ''))}</link>"
        f"<description>{escape(str(e.get('description') or ''))}</description>"
        + (f"<pubDate>{escape(_date_of(e))}</pubDate>" if _date_of(e) else "")
        + "</item>"
        for e in entries
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>corpus</title>'
        f"<link>https://example.org/</link>{items}</channel></rss>"
    ).encode()


def atom(entries: list[dict]) -> bytes:
    items = "".join(
        "<entry>"
        f"<title type='html'>{escape(str(e.get('title') or ''))}</title>"
        f"<link rel='alternate' href={quoteattr(str(e.get('link') or ''))}/>"
        f"<id>{escape(str(e.get('link') or ''))}</id>"
        f"<summary type='html'>{escape(str(e.get('description') or ''))}</summary>"
        + (f"<updated>{escape(_date_of(e))}</updated>" if _date_of(e) else "")
        + "</entry>"
        for e in entries
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>corpus</title><link href='https://example.org/'/>{items}</feed>"
    ).encode()


def test_fast_path_equals_feedparser_on_the_feedparser_corpus() -> None:
    if not FEEDPARSER_TESTS.is_dir():
        pytest.skip(f"feedparser test corpus not found at {FEEDPARSER_TESTS}")
    report: list[str] = []
    taken = [0]
    for path in sorted(FEEDPARSER_TESTS.rglob("*.xml")):
        check(str(path.relative_to(FEEDPARSER_TESTS)), path.read_bytes(), None, report, taken)
    assert not report, f"{len(report)} difference(s):\n" + "\n".join(report)
    assert taken[0] >= 20, f"the fast path took only {taken[0]} files"


def test_fast_path_equals_feedparser_on_news_and_state_media() -> None:
    if not (CORPUS / "news-2022").is_dir():
        pytest.skip(f"news corpus not found at {CORPUS}")
    report: list[str] = []
    taken = [0]
    total = 0
    for name, body in _corpus_feeds():
        total += 1
        check(name, body, {"Content-Type": "application/rss+xml; charset=utf-8"}, report, taken)
    assert not report, f"{len(report)} difference(s):\n" + "\n".join(report)
    assert taken[0] >= total * 0.9, f"the fast path took only {taken[0]} of {total} feeds"


def test_fast_path_equals_feedparser_on_the_bench_feeds() -> None:
    report: list[str] = []
    taken = [0]
    for index in range(20):
        check(f"bench feed {index}", make_feed(index, 20), None, report, taken)
    assert not report, f"{len(report)} difference(s):\n" + "\n".join(report)
    assert taken[0] == 20


def test_fast_path_equals_feedparser_on_the_peers_bench_corpus() -> None:
    if not (CORPUS / "news-2022").is_dir():
        pytest.skip(f"news corpus not found at {CORPUS}")
    from bench.bench_peers import build_corpus

    report: list[str] = []
    taken = [0]
    bodies = build_corpus(30, 50)  # 1,500 entries: every real text of the corpora at least once
    for path, body in bodies.items():
        check(
            f"peers corpus {path}",
            body,
            {"Content-Type": "application/rss+xml; charset=utf-8"},
            report,
            taken,
        )
    assert not report, f"{len(report)} difference(s):\n" + "\n".join(report)
    assert taken[0] == len(bodies)


def test_fast_path_steps_aside_where_feedparser_must_decide() -> None:
    plain = make_feed(0, 2)
    assert parse_fast(plain, url=URL) is not None
    # bytes of another encoding, a DTD, a broken document, an unknown root: all to feedparser
    assert parse_fast(plain.replace(b"utf-8", b"iso-8859-1"), url=URL) is None
    assert parse_fast(plain.replace(b"</channel></rss>", b""), url=URL) is None
    assert parse_fast(b"<!DOCTYPE html><html><body>hi</body></html>", url=URL) is None
    assert parse_fast(plain, url=URL, headers={"Content-Type": "text/xml"}) is None
    dated = plain.replace(b"GMT</pubDate>", b"CEST</pubDate>", 1)
    assert parse_fast(dated, url=URL) is not None  # read by feeds.dates, as on the slow path
    assert parse_fast(dated, url=URL) == parse_feed(dated, url=URL)


def test_parse_feed_fast_keeps_parse_feeds_errors() -> None:
    with pytest.raises(FeedError, match="empty body"):
        parse_feed_fast(b"  ", url=URL)
    with pytest.raises(FeedError, match="HTML page"):
        parse_feed_fast(b"<!DOCTYPE html><html><body>hi</body></html>", url=URL)
    bomb = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "' + b"x" * 2_000_000 + b'">]><rss>&a;</rss>'
    with pytest.raises(FeedError, match="expands too far"):
        parse_feed_fast(bomb, url=URL)


def test_fidelity_check_reports_what_differs() -> None:
    body = make_feed(3, 2)
    fast = parse_fast(body, url=URL)
    slow = parse_feed(body.replace(b"feed3-item1", b"other"), url=URL)
    assert fast is not None
    assert any("entry 1 guid" in line for line in differences(fast, slow))
