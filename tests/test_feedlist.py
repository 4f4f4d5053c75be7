"""The feed list: validation with file:line:field, duplicates, OPML in and out, appending."""

from __future__ import annotations

import textwrap
from datetime import timedelta
from pathlib import Path

import pytest

from tracker.errors import RecordError
from tracker.records.feedlist import (
    append_feeds,
    export_opml,
    import_opml,
    load_feeds,
    read_feeds_file,
    slug_from_url,
    slugify,
    unique_name,
)
from tracker.types import Feed

REPO = Path(__file__).resolve().parents[1]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


GOOD = """\
# Agencies
feeds:
  - name: tass-en   # English service
    title: "TASS (English)"
    url: https://tass.com/rss/v2.xml
    language: en
    interval: 30 min
    tags: [russia, news-agency]
  - name: xinhua
    url: http://www.xinhuanet.com/english/rss/worldrss.xml
    enabled: false
"""


def test_a_valid_file_loads(tmp_path: Path) -> None:
    write(tmp_path / "feeds" / "agencies.yaml", GOOD)
    feeds, problems = load_feeds(tmp_path / "feeds")
    assert problems == []
    tass, xinhua = feeds
    assert tass == Feed(
        name="tass-en",
        url="https://tass.com/rss/v2.xml",
        language="en",
        interval=timedelta(minutes=30),
        tags=("russia", "news-agency"),
        enabled=True,
        title="TASS (English)",
        origin=tass.origin,
    )
    assert str(tass.origin).endswith("agencies.yaml:3")
    assert xinhua.interval == timedelta(hours=1) and not xinhua.enabled


@pytest.mark.parametrize(
    ("item", "line", "field", "message"),
    [
        ("  - name: Bad Name\n    url: https://a.example/rss\n", 2, "feeds[0].name", "does not match"),
        ("  - name: a\n    url: ftp://a.example/rss\n", 3, "feeds[0].url", "http(s) URL"),
        ("  - name: a\n", 2, "feeds[0].url", "missing required field"),
        (
            "  - name: a\n    url: https://a.example/\n    interval: 1 min\n",
            4,
            "feeds[0].interval",
            "impolite",
        ),
        (
            "  - name: a\n    url: https://a.example/\n    interval: soon\n",
            4,
            "feeds[0].interval",
            "duration",
        ),
        (
            "  - name: a\n    url: https://a.example/\n    language: english\n",
            4,
            "feeds[0].language",
            "two-letter",
        ),
        (
            "  - name: a\n    url: https://a.example/\n    tags: [Big Tag]\n",
            4,
            "feeds[0].tags[0]",
            "does not match",
        ),
        (
            "  - name: a\n    url: https://a.example/\n    enabled: maybe\n",
            4,
            "feeds[0].enabled",
            "true or false",
        ),
        ("  - name: a\n    url: https://a.example/\n    colour: red\n", 4, "feeds[0].colour", "unknown key"),
        ("  - just text\n", 2, "feeds[0]", "expected a mapping"),
    ],
)
def test_problems_name_file_line_and_field(
    tmp_path: Path, item: str, line: int, field: str, message: str
) -> None:
    path = write(tmp_path / "feeds.yaml", "feeds:\n" + item)
    feeds, problems = read_feeds_file(path)
    assert feeds == []
    assert any(p.line == line and p.field == field and message in p.message for p in problems), problems
    assert str(problems[0]).startswith(f"{path}:")


def test_a_broken_file_does_not_stop_the_others(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", GOOD)
    write(tmp_path / "b.yaml", "feeds: [\n")
    write(tmp_path / "c.yaml", "feeds:\n  - name: c\n    url: https://c.example/rss\n")
    write(tmp_path / "d.yaml", "# only comments\n")
    feeds, problems = load_feeds(tmp_path)
    assert [f.name for f in feeds] == ["tass-en", "xinhua", "c"]
    assert len(problems) == 1 and problems[0].file.name == "b.yaml" and problems[0].line


def test_duplicates_across_files_are_problems(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", GOOD)
    write(
        tmp_path / "b.yaml",
        """\
        feeds:
          - name: tass-en
            url: https://example.org/other
          - name: tass-copy
            url: http://www.tass.com/rss/v2.xml?utm_source=x
        """,
    )
    feeds, problems = load_feeds(tmp_path)
    assert [f.name for f in feeds] == ["tass-en", "xinhua"]
    assert [(p.file.name, p.line, p.field) for p in problems] == [
        ("b.yaml", 2, "feeds.name"),
        ("b.yaml", 4, "feeds.url"),
    ]
    assert "a.yaml:3" in problems[0].message


def test_the_bundled_feed_list_is_valid() -> None:
    feeds, problems = load_feeds(REPO / "feeds")
    assert problems == []
    assert len(feeds) >= 30
    assert {f.language for f in feeds} >= {"en", "zh", "ru"}
    assert any("official" in f.tags for f in feeds)
    assert all(f.url.startswith(("http://", "https://")) for f in feeds)


# ---------------------------------------------------------------- OPML


def test_opml_round_trip(tmp_path: Path) -> None:
    feeds = [
        Feed(
            name="tass-en",
            url="https://tass.com/rss/v2.xml",
            title="TASS & Co <English>",
            language="en",
            tags=("russia",),
        ),
        Feed(
            name="people",
            url="http://www.people.com.cn/rss/world.xml?a=1&b=2",
            title="人民网：国际",
            language="zh",
        ),
        Feed(name="bare", url="https://example.org/feed"),
    ]
    text = export_opml(feeds)
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?>')
    assert "&amp;" in text and "&lt;English&gt;" in text
    imported = import_opml(text.encode(), source=tmp_path / "x.opml").feeds
    assert [(f.url, f.title, f.tags, f.language) for f in imported] == [
        ("https://tass.com/rss/v2.xml", "TASS & Co <English>", ("russia",), "en"),
        ("http://www.people.com.cn/rss/world.xml?a=1&b=2", "人民网：国际", (), "zh"),
        ("https://example.org/feed", "bare", (), None),
    ]
    assert [f.name for f in imported] == ["tass-co-english", "people-com-cn-rss", "bare"]


def test_import_skips_what_is_already_configured(tmp_path: Path) -> None:
    existing = [Feed(name="tass-en", url="https://tass.com/rss/v2.xml")]
    opml = b"""<?xml version="1.0"?><opml version="1.0"><head><title>x</title></head><body>
      <outline text="Agencies">
        <outline text="TASS" type="rss" xmlUrl="http://www.tass.com/rss/v2.xml"/>
        <outline text="TASS" type="rss" xmlUrl="https://tass.ru/rss/v2.xml"/>
        <outline text="Bad" type="rss" xmlUrl="ftp://nope"/>
      </outline></body></opml>"""
    result = import_opml(opml, source=tmp_path / "x.opml", existing=existing)
    assert [(f.name, f.url, f.tags) for f in result.feeds] == [
        ("tass", "https://tass.ru/rss/v2.xml", ("agencies",))
    ]
    assert len(result.skipped) == 2


def test_import_refuses_what_is_not_opml(tmp_path: Path) -> None:
    with pytest.raises(RecordError, match="not an OPML"):
        import_opml(b"this is not xml at all", source=tmp_path / "x.opml")


def test_names_from_titles_and_urls() -> None:
    assert slugify("TASS — Russian News Agency!") == "tass-russian-news-agency"
    assert slugify("新华网") == ""
    assert slug_from_url("https://www.xinhuanet.com/english/rss/worldrss.xml") == "xinhuanet-com-english"
    assert unique_name("tass", ["tass", "tass-2"]) == "tass-3"


# ---------------------------------------------------------------- appending to YAML


def test_append_keeps_comments_and_layout(tmp_path: Path) -> None:
    path = write(tmp_path / "feeds.yaml", GOOD)
    append_feeds(
        path,
        [Feed(name="new-one", url="https://n.example/rss", title='Say "hi": #1', tags=("x",))],
        comment="imported",
    )
    text = path.read_text(encoding="utf-8")
    assert text.startswith(GOOD)
    assert '  # imported\n  - name: new-one\n    title: "Say \\"hi\\": #1"\n' in text
    feeds, problems = read_feeds_file(path)
    assert problems == [] and [f.name for f in feeds] == ["tass-en", "xinhua", "new-one"]
    assert feeds[-1].title == 'Say "hi": #1'


@pytest.mark.parametrize(
    "start", ["feeds: []\n", "feeds:\n", "# nothing yet\n", "feeds: []  # none\n# trailing\n"]
)
def test_append_to_an_empty_list(tmp_path: Path, start: str) -> None:
    path = write(tmp_path / "feeds.yaml", start)
    append_feeds(path, [Feed(name="a", url="https://a.example/rss")])
    feeds, problems = read_feeds_file(path)
    assert problems == [] and [f.name for f in feeds] == ["a"]


def test_append_matches_the_existing_indent(tmp_path: Path) -> None:
    path = write(tmp_path / "feeds.yaml", "feeds:\n- name: a\n  url: https://a.example/rss\n")
    append_feeds(path, [Feed(name="b", url="https://b.example/rss")])
    assert "\n- name: b\n" in path.read_text()
    assert [f.name for f in read_feeds_file(path)[0]] == ["a", "b"]


def test_append_creates_a_file(tmp_path: Path) -> None:
    path = tmp_path / "feeds" / "imported.yaml"
    append_feeds(path, [Feed(name="a", url="https://a.example/rss", language="ru")])
    assert path.read_text().startswith("# Feeds to watch")
    assert read_feeds_file(path)[0][0].language == "ru"


def test_append_refuses_a_broken_file_and_leaves_it_alone(tmp_path: Path) -> None:
    path = write(tmp_path / "feeds.yaml", "feeds: [\n")
    with pytest.raises(RecordError):
        append_feeds(path, [Feed(name="a", url="https://a.example/rss")])
    assert path.read_text() == "feeds: [\n"
