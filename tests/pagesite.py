"""A small news site on 127.0.0.1 for full-text and archive tests: a summary-only feed and
boilerplate-heavy article pages, served by tests/feedserver.py.

The evidence sentence ("signed a memorandum on joint content production") is only in
the page, never in the feed: a rule that needs it links the article only through the
page's full text.
"""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

from tests.conftest import MINIMAL_STATEMENT, write
from tests.feedserver import FeedServer

EVIDENCE_SENTENCE = "The two agencies signed a memorandum on joint content production in Moscow."
BOILERPLATE = "Subscribe to our newsletter for the latest headlines"

TERMS = """\
terms:
  china:
    en: [china, chinese, beijing]
  russia:
    en: [russia, russian, moscow]
"""

RULES = """\
rules:
  - id: memo
    description: A media agreement between the parties.
    targets: {commitments: [demo/1]}
    all: [$china, $russia]
    phrases: [joint content production]
"""


def article_page(title: str, sentence: str = EVIDENCE_SENTENCE, *, paragraphs: int = 4) -> bytes:
    """An article page as news sites make them: navigation, sidebars, footer around the story."""
    nav = "".join(f'<li><a href="/section/{i}">Section {i}</a></li>' for i in range(40))
    related = "".join(f'<li><a href="/related/{i}">Related story number {i}</a></li>' for i in range(25))
    body = "".join(
        f"<p>Paragraph {i} of the report on the visit of the Chinese delegation to Russia, "
        "where officials discussed cooperation between news agencies and broadcasters.</p>"
        for i in range(paragraphs)
    )
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title><script>var tracking = 1;</script>"
        "<style>body { color: black }</style></head><body>"
        f"<header><nav><ul>{nav}</ul></nav><div class='promo'>{BOILERPLATE}</div></header>"
        f"<main><article><h1>{escape(title)}</h1>{body}<p>{escape(sentence)}</p>"
        "<p>The agreement covers exchanges of news content and joint documentary films.</p></article></main>"
        f"<aside><h2>Related</h2><ul>{related}</ul></aside>"
        f"<footer><p>{BOILERPLATE}</p><p>Copyright 2026 Example News Agency. All rights reserved.</p>"
        "</footer></body></html>"
    ).encode()


def summary_feed(server: FeedServer, items: list[tuple[str, str, str]]) -> bytes:
    """RSS whose items carry a one-sentence description only: (path, title, summary)."""
    entries = "".join(
        f"<item><title>{escape(title)}</title><link>{server.url(path)}</link>"
        f"<guid>{server.url(path)}</guid><pubDate>Tue, 01 Dec 2026 10:00:00 GMT</pubDate>"
        f"<description>{escape(summary)}</description></item>"
        for path, title, summary in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Example News</title>'
        f"<link>{server.url('/')}</link><description>News</description>{entries}</channel></rss>"
    ).encode()


def serve_site(server: FeedServer) -> None:
    """/feed.xml (one summary-only item) and its page /news/1."""
    item = ("/news/1", "China and Russia media talks", "Chinese and Russian editors met on Tuesday.")
    server.feed("/feed.xml", summary_feed(server, [item]))
    server.route("/news/1", body=article_page("China and Russia media talks"), content_type="text/html")


def make_workspace(root: Path, server: FeedServer, *, tracker_yaml: str | None = None) -> Path:
    write(root / "commitments" / "demo.yaml", MINIMAL_STATEMENT)
    write(root / "rules" / "terms.yaml", TERMS)
    write(root / "rules" / "rules.yaml", RULES)
    write(
        root / "feeds" / "feeds.yaml",
        f"feeds:\n  - name: example\n    url: {server.url('/feed.xml')}\n    language: en\n"
        "    allow_private: true\n",
    )
    if tracker_yaml is not None:
        write(root / "tracker.yaml", tracker_yaml)
    return root
