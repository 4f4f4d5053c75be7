"""Full text of summary-only articles, against real pages on 127.0.0.1.

The page fetcher (robots.txt, pace, size cut, refusals, redirects), trafilatura's
extraction on a boilerplate-heavy page, and the polling pass that stores the full
text as the article's content before the rules run: the evidence sentence is only in
the page, so the article is linked only through its full text.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.feedserver import FeedServer
from tests.pagesite import (
    BOILERPLATE,
    EVIDENCE_SENTENCE,
    article_page,
    make_workspace,
    serve_site,
    summary_feed,
)
from tracker.core import Tracker, Workspace
from tracker.feeds.fetching import FetchSettings
from tracker.feeds.pages import PAGE_USER_AGENT, PageFetcher, PageSettings, extract_text
from tracker.types import FetchedPage


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as running:
        serve_site(running)
        yield running


def fast(**changes: object) -> PageSettings:
    """Page settings for loopback tests: short timeouts, no pace unless asked."""
    fetch = {
        "user_agent": PAGE_USER_AGENT,
        "connect_timeout": 2.0,
        "read_timeout": 2.0,
        "total_timeout": 5.0,
        "per_host": 2,
        "per_host_interval": 0.0,
        "trust_env": False,
        "max_body_bytes": 2 * 1024 * 1024,
        "allow_private": True,  # the loopback site
    }
    fetch.update({k: v for k, v in changes.items() if k in fetch})
    rest = {k: v for k, v in changes.items() if k not in fetch}
    return PageSettings(fetch=FetchSettings(**fetch), **rest)  # type: ignore[arg-type]


async def get(url: str, settings: PageSettings | None = None) -> FetchedPage:
    async with PageFetcher(settings or fast()) as pages:
        return await pages.get(url)


# ---------------------------------------------------------------- one page


async def test_boilerplate_heavy_page_yields_the_story_only(server: FeedServer) -> None:
    page = await get(server.url("/news/1"))
    assert page.status == "ok" and page.http_status == 200
    text = extract_text(page.body or b"", page.final_url)
    assert EVIDENCE_SENTENCE in text
    assert "Paragraph 3 of the report" in text
    for chrome in (BOILERPLATE, "Section 12", "Related story number 7", "Copyright 2026", "var tracking"):
        assert chrome not in text


async def test_page_requests_say_who_we_are_and_read_robots_first(server: FeedServer) -> None:
    await get(server.url("/news/1"))
    paths = [r.path for r in server.requests]
    assert paths == ["/robots.txt", "/news/1"]
    agent = server.requests[1].headers["user-agent"]
    assert agent.startswith("commitment-tracker/") and "robots.txt" in agent
    assert "text/html" in server.requests[1].headers["accept"]


async def test_robots_disallow_is_obeyed_and_the_page_never_requested(server: FeedServer) -> None:
    server.route(
        "/robots.txt",
        body=b"User-agent: commitment-tracker\nDisallow: /private/\n\nUser-agent: *\nDisallow:\n",
        content_type="text/plain",
    )
    server.route("/private/1", body=article_page("Secret"), content_type="text/html")
    async with PageFetcher(fast()) as pages:
        refused = await pages.get(server.url("/private/1"))
        allowed = await pages.get(server.url("/news/1"))
    assert refused.status == "refused"
    assert "robots.txt" in (refused.error or "") and "disallows" in (refused.error or "")
    assert allowed.status == "ok"
    assert "/private/1" not in [r.path for r in server.requests]
    assert [r.path for r in server.requests].count("/robots.txt") == 1  # read once per site


async def test_unreadable_robots_means_no_fetching(server: FeedServer) -> None:
    server.route("/robots.txt", status=503, body=b"busy", content_type="text/plain")
    page = await get(server.url("/news/1"))
    assert page.status == "error" and "robots.txt" in (page.error or "")
    assert "/news/1" not in [r.path for r in server.requests]


async def test_non_html_answer_is_refused_with_a_reason(server: FeedServer) -> None:
    server.route("/report.pdf", body=b"%PDF-1.7\n" + b"\0" * 500_000, content_type="application/pdf")
    page = await get(server.url("/report.pdf"))
    assert page.status == "refused"
    assert page.error == "not a web page: the server answered application/pdf"
    assert page.body is None


async def test_binary_body_without_a_type_is_refused(server: FeedServer) -> None:
    server.route("/blob", body=b"\x89PNG\r\n\x1a\n" + b"\0\1\2" * 1000, content_type="")
    page = await get(server.url("/blob"))
    assert page.status == "refused" and page.error == "not a web page: binary content"


async def test_huge_page_is_cut_at_the_limit_and_marked(server: FeedServer) -> None:
    huge = article_page("Huge", paragraphs=20_000)  # about 3 MB
    assert len(huge) > 2_000_000
    server.route("/huge", body=huge, content_type="text/html")
    page = await get(server.url("/huge"), fast(max_body_bytes=128 * 1024))
    assert page.status == "ok" and page.truncated
    assert len(page.body or b"") == 128 * 1024
    assert "Paragraph 5 of the report" in extract_text(page.body or b"", page.url)


async def test_redirects_are_followed_and_recorded(server: FeedServer) -> None:
    server.redirect("/old/1", server.url("/moved/1"), status=301)
    server.redirect("/moved/1", "/news/1", status=302)
    page = await get(server.url("/old/1"))
    assert page.status == "ok"
    assert page.url == server.url("/old/1") and page.final_url == server.url("/news/1")
    assert [status for status, _url in page.redirects] == [301, 302, 200]


async def test_a_missing_page_is_gone(server: FeedServer) -> None:
    page = await get(server.url("/no-such-page"))
    assert page.status == "gone" and page.http_status == 404


async def test_requests_to_one_host_keep_the_pace(server: FeedServer) -> None:
    for n in range(3):
        server.route(f"/p/{n}", body=article_page(f"Page {n}"), content_type="text/html")
    started = time.monotonic()
    async with PageFetcher(fast(per_host_interval=0.25)) as pages:
        for n in range(3):
            await pages.get(server.url(f"/p/{n}"))
    # robots.txt and three pages: four starts, at least 0.25 s apart
    assert time.monotonic() - started >= 0.7


async def test_crawl_delay_slows_a_site_down(server: FeedServer) -> None:
    # urllib.robotparser reads whole seconds only
    server.route("/robots.txt", body=b"User-agent: *\nCrawl-delay: 1\n", content_type="text/plain")
    for n in range(2):
        server.route(f"/p/{n}", body=article_page(f"Page {n}"), content_type="text/html")
    started = time.monotonic()
    async with PageFetcher(fast()) as pages:
        for n in range(2):
            assert (await pages.get(server.url(f"/p/{n}"))).status == "ok"
    assert time.monotonic() - started >= 0.95


# ---------------------------------------------------------------- the polling pass


def tracker_for(root: Path) -> Tracker:
    tracker = Tracker(Workspace.locate(str(root)))
    tracker.page_settings = fast()
    return tracker


def test_summary_only_article_is_linked_through_its_full_text(server: FeedServer, tmp_path: Path) -> None:
    tracker = tracker_for(make_workspace(tmp_path / "ws", server))
    try:
        [result] = tracker.poll_feeds()
        assert result.status == "ok" and result.new == 1 and result.fulltext == 1
        [article] = tracker.find_articles()
        assert article.content_source == "fulltext" and article.fulltext_at is not None
        assert EVIDENCE_SENTENCE in article.content
        assert BOILERPLATE not in article.content
        assert article.summary == "Chinese and Russian editors met on Tuesday."  # the feed's own text stays
        [signal] = tracker.unreviewed()
        assert signal["commitment_id"] == "demo/1"
        assert tracker.linked_by_full_text(article, "demo/1") == {("memo", "demo/1")}
        # re-matching reads the stored full text
        summary = tracker.match()
        assert summary.links == 1 and summary.retracted == 0
        # a page is tried once: a forced poll stores nothing new and fetches no page again
        tracker.poll_feeds(force=True)
        assert [r.path for r in server.requests].count("/news/1") == 1
    finally:
        tracker.close()


def test_page_text_is_read_in_the_parse_workers(
    server: FeedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """trafilatura is most of a page's CPU: it runs in the capped worker processes, on
    every core and under their time limit, not in the pass's threads."""
    from tracker.feeds import pages, parsing
    from tracker.feeds.fastpath import parse_job_fast

    jobs: list[tuple[object, bool]] = []
    real = parsing.ParsePool.run

    async def recording(self: parsing.ParsePool, job: object, *args: object) -> object:
        jobs.append((job, self.processes))
        return await real(self, job, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(parsing.ParsePool, "run", recording)
    tracker = tracker_for(make_workspace(tmp_path / "ws", server))
    try:
        [result] = tracker.poll_feeds()
        assert result.fulltext == 1
        [article] = tracker.find_articles()
        assert EVIDENCE_SENTENCE in article.content
    finally:
        tracker.close()
    assert jobs == [(parse_job_fast, True), (pages.extract_job, True)]  # the feed, then its page


async def test_a_page_whose_reading_fails_in_the_workers_gives_no_text() -> None:
    from concurrent.futures.process import BrokenProcessPool

    from tracker.feeds import fulltext

    for error in (TimeoutError(), BrokenProcessPool("died")):

        async def failing(body: bytes, url: str, limit: int, error: BaseException = error) -> str:
            raise error

        assert await fulltext._extracted(failing, article_page("t"), "https://example.org/a", 1000) == ""


def test_without_full_text_the_summary_alone_does_not_link(server: FeedServer, tmp_path: Path) -> None:
    tracker = tracker_for(make_workspace(tmp_path / "ws", server, tracker_yaml="fulltext: off\n"))
    try:
        [result] = tracker.poll_feeds()
        assert result.new == 1 and result.fulltext == 0
        assert tracker.unreviewed() == []
        assert "/news/1" not in [r.path for r in server.requests]
    finally:
        tracker.close()


def test_feed_marked_fulltext_fetches_pages_no_rule_gates(server: FeedServer, tmp_path: Path) -> None:
    server.route(
        "/news/2", body=article_page("Weather report", "Rain is expected."), content_type="text/html"
    )
    server.feed("/feed.xml", summary_feed(server, [("/news/2", "Weather", "Rain.")]))
    root = make_workspace(tmp_path / "ws", server, tracker_yaml="fulltext: feeds\n")
    (root / "feeds" / "feeds.yaml").write_text(
        f"feeds:\n  - name: example\n    url: {server.url('/feed.xml')}\n    fulltext: true\n"
        "    allow_private: true\n",
        encoding="utf-8",
    )
    tracker = tracker_for(root)
    try:
        [result] = tracker.poll_feeds()
        assert result.fulltext == 1
        [article] = tracker.find_articles()
        assert "Rain is expected." in article.content
    finally:
        tracker.close()


def test_a_refused_page_is_remembered_with_its_reason(server: FeedServer, tmp_path: Path) -> None:
    server.route("/news/1", body=b"%PDF-1.4 binary", content_type="application/pdf")
    tracker = tracker_for(make_workspace(tmp_path / "ws", server))
    try:
        [result] = tracker.poll_feeds()
        assert result.new == 1 and result.fulltext == 0
        [article] = tracker.find_articles()
        assert article.content_source == "feed"
        status, _url, note = tracker.article_page(article.id) or ("", "", None)
        assert status == "refused" and note == "not a web page: the server answered application/pdf"
    finally:
        tracker.close()


def test_fulltext_setting_is_validated(server: FeedServer, tmp_path: Path) -> None:
    tracker = tracker_for(make_workspace(tmp_path / "ws", server, tracker_yaml="fulltext: always\n"))
    try:
        problems = [str(p) for p in tracker.check()]
        assert any("tracker.yaml:1: fulltext: expected one of gate, feeds, off" in p for p in problems), (
            problems
        )
    finally:
        tracker.close()
