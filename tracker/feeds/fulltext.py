"""Full text for articles whose feed carries only a summary: which to fetch, fetch, store.

An article's page is fetched when its feed says `fulltext: true`, or when the cheap
pre-filter `wants` (the rules' `all` gates: both parties named) holds on what the feed
gave. Each page is tried once (`storage.fulltext` remembers the attempt and why a page
was refused); the extracted main text becomes the article's content, before the rules
see the article, so a link the body makes is found on the first pass.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace

from tracker.feeds.pages import PageFetcher, PageSettings
from tracker.storage import fulltext as store
from tracker.storage.db import Database
from tracker.storage.signals import articles_by_ids
from tracker.types import Article, FetchedPage

log = logging.getLogger(__name__)

#: Reads a page's main text: (body, url, character limit) → text.
Extract = Callable[[bytes, str, int], Awaitable[str]]

#: The pre-filter: True when an article (as the feed gave it) is worth its page.
Wants = Callable[[Article], bool]


@dataclass(frozen=True)
class FullTextPlan:
    """What a polling pass needs to fetch full text: the pre-filter and the page limits."""

    wants: Wants
    settings: PageSettings = field(default_factory=PageSettings)


@dataclass
class FullTextStats:
    tried: int = 0
    stored: int = 0
    #: The articles whose page was tried (stored or not): their text may have changed.
    tried_ids: frozenset[int] = frozenset()
    refused: int = 0
    failed: int = 0


async def fill(
    db: Database,
    pages: PageFetcher,
    article_ids: Sequence[int],
    *,
    wants: Wants,
    every: bool,
    allow_private: bool = False,
    extract: Extract,
    in_writer: Callable[..., asyncio.Future[object]] | None = None,
) -> FullTextStats:
    """Fetch and store the full text of these articles that want it and were never tried.

    `every`: the feed asked for full text of every article (`fulltext: true`);
    `allow_private`: the feed opted in to private addresses, so may its pages.
    `extract` reads a page's main text (the pipeline's parse workers, `pages.extract_job`);
    `in_writer` runs a storage call on the pipeline's writer thread (None: here).
    """

    async def storage(fn: Callable[..., object], *args: object) -> object:
        if in_writer is None:
            return fn(*args)
        return await in_writer(fn, *args)

    untried = await storage(store.untried, db, list(article_ids))
    articles = await storage(articles_by_ids, db, untried)
    chosen = [a for a in articles if a.url and (every or wants(a))]  # type: ignore[union-attr]
    stats = FullTextStats(tried=len(chosen), tried_ids=frozenset(a.id for a in chosen))
    if not chosen:
        return stats
    limit = pages.settings.max_text_chars

    async def one(article: Article) -> tuple[Article, FetchedPage, str, str | None]:
        # Fetch, extract, and let the body go at once: with `pages.hold` at most
        # `concurrency` bodies are held in the whole pass, whatever the number of articles.
        async with pages.hold(article.url or ""):
            page = await pages.get(article.url or "", allow_private=allow_private)
            text = ""
            if page.status == "ok" and page.body:
                text = await _extracted(extract, page.body, page.final_url or page.url, limit)
        return _outcome(
            article, replace(page, body=None, truncated=page.truncated), text, len(page.body or b"")
        )

    outcomes = list(await asyncio.gather(*(one(a) for a in chosen)))
    await storage(_save, db, outcomes)
    for _article, page, text, _note in outcomes:
        if text:
            stats.stored += 1
        elif page.status == "refused":
            stats.refused += 1
        else:
            stats.failed += 1
    return stats


async def _extracted(extract: Extract, body: bytes, url: str, limit: int) -> str:
    """The page's main text; "" when the worker reading it timed out or died."""
    try:
        return await extract(body, url, limit)
    except (TimeoutError, BrokenProcessPool) as exc:
        log.warning("extracting %s failed: %s", url, str(exc) or type(exc).__name__)
        return ""


def _outcome(
    article: Article, page: FetchedPage, text: str, size: int
) -> tuple[Article, FetchedPage, str, str | None]:
    if page.status != "ok":
        return article, page, "", page.error
    note = f"cut at {size:,} bytes" if page.truncated else None
    if not text:
        return article, page, "", "no main text found on the page"
    return article, page, text, note


def _save(db: Database, outcomes: list[tuple[Article, FetchedPage, str, str | None]]) -> None:
    with db.transaction() as conn:
        for article, page, text, note in outcomes:
            store.save_page(
                conn,
                article.id,
                url=page.final_url or page.url,
                fetched_at=page.fetched_at,
                status=page.status if page.status != "ok" or text else "empty",
                http_status=page.http_status,
                note=note,
                text=text or None,
            )
