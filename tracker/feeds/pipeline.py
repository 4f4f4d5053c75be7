"""The monitoring pipeline: poll feeds, ingest files. The one API the CLI, scheduler and TUI call.

    results = poll_feeds(db, feeds, progress=show, on_stored=match_new_articles)

One pass: every feed is fetched concurrently (asyncio; at most `concurrency` feeds in
flight, which bounds memory), its body parsed in worker processes (both cores), and
its entries stored with the feed's new state in one savepoint per feed, the polls that
finished while the writer was busy in one transaction (group commit, see
`tracker.feeds.writer`), so a crash loses at most the polls in flight. After each
commit `on_stored(ids)` gets the new and changed article ids (the rules engine's hook),
from the pipeline's storage thread, one call at a time (for a batch of polls at once).
No feed can stop the others: every failure becomes that feed's `PollResult` and its
back-off.

Decisions live elsewhere and are pure: when and whether to poll (`tracker.feeds.polling`),
what an entry is (`tracker.feeds.parsing`), what counts as the same article
(`tracker.storage.articles`). This module only wires I/O together.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import hashlib
import logging
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from tracker.errors import FeedError, StorageError, TrackerError
from tracker.feeds.backfill import SourceBatch, read_paths
from tracker.feeds.fastpath import parse_job_fast
from tracker.feeds.fetching import Fetcher, FetchResult, FetchSettings
from tracker.feeds.fulltext import FullTextPlan, fill
from tracker.feeds.pages import PageFetcher, extract_job
from tracker.feeds.parsing import PARSE_MEMORY_LIMIT, PARSE_TIMEOUT, ParsedFeed, ParsePool, shared_pool
from tracker.feeds.polling import DEFAULT_POLICY, Outcome, PollPolicy, apply_outcome, reconcile, skip_reason
from tracker.feeds.writer import Batcher, Writer
from tracker.storage import articles as article_store
from tracker.storage import feeds as feed_store
from tracker.storage.db import Connection, Database, savepoint
from tracker.textnorm import canonical_url
from tracker.types import (
    Article,
    Feed,
    FeedHealth,
    FeedState,
    IngestResult,
    Lease,
    MatcherTicket,
    MatchResult,
    PollResult,
    Prematched,
)

log = logging.getLogger(__name__)

#: `on_stored(ids)`, or `on_stored(ids, prematched)` in a pass given `rules`.
OnStored = Callable[..., Any]
#: Gives the pass's rules to the parse workers (None: they cannot have them).
RulesSource = Callable[[], MatcherTicket | None]
Progress = Callable[[PollResult], Any]
IngestProgress = Callable[[IngestResult], Any]
T = TypeVar("T")
#: States of feeds that stored nothing (304, errors) are written this many at a time.
STATE_BATCH = 64
#: At most this many polls are stored in one transaction (and matched in one hook call).
STORE_BATCH = 32
#: New articles wait for the search index until there are this many (one statement for
#: all: the index grows twice as fast in batches of thousands as of fifty), or the pass
#: ends. A search in the meantime indexes them first.
INDEX_BATCH = 4_000


@dataclass(frozen=True)
class _ToStore:
    feed: Feed
    state: FeedState
    outcome: Outcome
    fetched: FetchResult
    parsed: ParsedFeed


@dataclass(frozen=True)
class _ToMatch:
    ids: tuple[int, ...]
    source: str
    prematched: Prematched | None


@dataclass(frozen=True)
class PollSettings:
    """How a pass runs. Defaults suit a laptop watching hundreds of feeds."""

    fetch: FetchSettings = field(default_factory=FetchSettings)
    policy: PollPolicy = DEFAULT_POLICY
    #: Feeds in flight at once (fetch, parse, store): bounds memory to about
    #: concurrency × max body size, whatever the servers do.
    concurrency: int = 24
    #: Parse worker processes; None: one per core; 0: parse in a thread, without the
    #: memory cap (tests that need no processes; never for a real watcher).
    parse_workers: int | None = None
    #: A feed whose parse takes longer fails (its worker is killed); nothing hangs a pass.
    parse_timeout: float = PARSE_TIMEOUT
    #: Fetch article pages for their full text (None: never; see tracker.feeds.fulltext).
    fulltext: FullTextPlan | None = None
    #: Address space of one parse worker: no feed, whatever it holds, takes more.
    parse_memory: int = PARSE_MEMORY_LIMIT


# ---------------------------------------------------------------- polling


def poll_feeds(
    db: Database,
    feeds: Sequence[Feed],
    *,
    force: bool = False,
    due_only: bool = False,
    progress: Progress | None = None,
    on_stored: OnStored | None = None,
    settings: PollSettings | None = None,
    rng: random.Random | None = None,
    lease: Lease | None = None,
    rules: RulesSource | None = None,
) -> list[PollResult]:
    """Poll these feeds once; one PollResult per feed given, in the same order.

    `rules`: the parse workers also match the entries with the rules it gives (both
    cores match while the storage thread writes), and `on_stored` receives their results
    as a second argument (`Prematched`) for the new articles they cover.

    `lease`: poll only the feeds this owner can claim (several watchers on one
    database: each feed is polled by one of them; see storage.feeds.claim_feeds).

    `force`: ignore validators, body hash, back-off and a 410's disabling (a full fetch).
    `due_only`: skip feeds whose next-due time has not come (the scheduler's mode);
    a manual pass polls every feed except those backing off after errors.
    Callable from any thread, including one that runs an event loop.
    """
    coro_args = {
        "force": force,
        "due_only": due_only,
        "progress": progress,
        "on_stored": on_stored,
        "settings": settings,
        "rng": rng,
        "lease": lease,
        "rules": rules,
    }
    return run_sync(lambda: poll_feeds_async(db, feeds, **coro_args))


async def poll_feeds_async(
    db: Database,
    feeds: Sequence[Feed],
    *,
    force: bool = False,
    due_only: bool = False,
    progress: Progress | None = None,
    on_stored: OnStored | None = None,
    settings: PollSettings | None = None,
    rng: random.Random | None = None,
    lease: Lease | None = None,
    rules: RulesSource | None = None,
) -> list[PollResult]:
    """`poll_feeds` for callers that already run an event loop (the scheduler)."""
    settings = settings or PollSettings()
    pass_ = _Pass(
        db, settings, force=force, on_stored=on_stored, rng=rng or random.Random(), lease=lease, rules=rules
    )
    return await pass_.run(feeds, due_only=due_only, progress=progress)


class _Pass:
    """One polling pass: shared client, parse pool, storage thread and limits."""

    def __init__(
        self,
        db: Database,
        settings: PollSettings,
        *,
        force: bool,
        on_stored: OnStored | None,
        rng: random.Random,
        lease: Lease | None = None,
        rules: RulesSource | None = None,
    ) -> None:
        self.db = db
        self.rules = rules
        self.ticket: asyncio.Future[MatcherTicket | None] | None = None
        self.lease = lease
        self.owner = lease.owner if lease else None
        self.settings = settings
        self.force = force
        self.on_stored = on_stored
        self.rng = rng
        self.writer = Writer()
        self.stores = Batcher(self.writer, self._store_batch, limit=STORE_BATCH)
        self.hooks = Batcher(self.writer, self._hook_batch, limit=STORE_BATCH)
        self.unindexed = 0  # new articles not in the search index yet (written by the writer only)
        self.pending: list[FeedState] = []
        self.pages: PageFetcher | None = None

    def _pages(self) -> PageFetcher | contextlib.AbstractAsyncContextManager[None]:
        plan = self.settings.fulltext
        return PageFetcher(plan.settings) if plan is not None else contextlib.nullcontext()

    async def run(
        self, feeds: Sequence[Feed], *, due_only: bool, progress: Progress | None
    ) -> list[PollResult]:
        states = await self._in_writer(lambda: feed_store.all_states(self.db, with_counts=False))
        now = _now()
        results: dict[int, PollResult] = {}
        todo: list[tuple[int, Feed, FeedState]] = []
        for index, feed in enumerate(feeds):
            state = reconcile(feed, states.get(feed.name))
            reason = skip_reason(state, now, force=self.force, due_only=due_only)
            if reason is None:
                todo.append((index, feed, state))
                continue
            results[index] = _skipped(feed, state, reason)
            _tick(progress, results[index])
        claimed: set[str] = set()
        if self.lease is not None and todo:
            claimed = await self._in_writer(self._claim, todo, now, due_only)
            for index, feed, state in todo:
                if feed.name not in claimed:
                    results[index] = _skipped(feed, state, "polled by another watcher")
                    _tick(progress, results[index])
            todo = [item for item in todo if item[1].name in claimed]
        limit = asyncio.Semaphore(max(1, self.settings.concurrency))
        keeper = asyncio.create_task(self._keep_leases(sorted(claimed))) if claimed else None
        try:
            with self._parse_pool() as pool:
                if todo:
                    # The workers' fork server loads for about half a second, and the first
                    # parse waits for it: start it now, before the first request goes out.
                    pool.prepare(pages=self.settings.fulltext is not None)
                async with Fetcher(self.settings.fetch) as fetcher, self._pages() as pages:
                    self.pages = pages
                    tasks = [
                        self._guarded(index, limit, fetcher, pool, feed, state) for index, feed, state in todo
                    ]
                    for done in asyncio.as_completed(tasks):
                        index, result = await done
                        results[index] = result
                        _tick(progress, result)
            await self._flush_states()
        finally:
            if keeper is not None:
                keeper.cancel()
                await asyncio.wait([keeper])  # never renew after the releases below
            self.writer.shutdown()
            if self.unindexed:  # searches would index them first, but a read-only one cannot
                with contextlib.suppress(StorageError):
                    article_store.index_pending(self.db)
            if self.pending:  # interrupted: keep what the finished polls learned
                pending, self.pending = self.pending, []
                try:
                    feed_store.save_states(self.db, pending, release=self.owner)
                except StorageError as exc:  # the pass's own error (a full disk) says it already
                    log.error("could not save the state of %d feed(s): %s", len(pending), exc)
            if claimed and self.owner:  # whatever did not finish goes back to the others at once
                try:
                    with self.db.transaction(exclusive=False) as conn:
                        feed_store.release_feeds(conn, sorted(claimed), self.owner)
                except StorageError as exc:
                    log.error(
                        "could not release %d lease(s); they expire by themselves: %s", len(claimed), exc
                    )
        return [results[i] for i in range(len(feeds))]

    async def _keep_leases(self, names: list[str]) -> None:
        """Renew this pass's leases every third of their time until the pass ends.

        A pass of thousands of feeds over slow servers can outlast its lease (ten
        minutes for `tracker fetch`); without renewing, another watcher would then claim
        and poll the feeds this one has not reached yet. Only leases still held are
        renewed: a feed whose state is saved has released its own.

        Renewals go through a connection of their own, in a thread of their own: through
        the pass's writer they would queue behind its store batches, and on PostgreSQL
        behind every watcher's write lock, so a busy server could let a lease run out
        while its feed was being polled, and another watcher would poll it again. A
        renewal takes no write lock and touches only this owner's rows.
        """
        assert self.lease is not None and self.owner is not None
        owner, ttl = self.owner, self.lease.ttl
        period = max(ttl.total_seconds() / 3, 0.01)
        thread = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="tracker-leases")
        loop = asyncio.get_running_loop()
        side: list[Database] = []  # opened at the first renewal: most passes end before it

        def renew() -> int:
            if not side:
                try:
                    side.append(self.db.another())
                except StorageError as exc:  # no second connection: the pass's own still works
                    log.debug("renewing leases through the pass's own connection: %s", exc)
                    side.append(self.db)
            return feed_store.renew_leases(side[0], names, owner, _now() + ttl)

        def close() -> None:
            if side and side[0] is not self.db:
                side[0].close()

        try:
            while True:
                await asyncio.sleep(period)
                try:
                    await loop.run_in_executor(thread, renew)
                except StorageError as exc:  # the next try may succeed; the lease may still hold
                    log.warning("could not renew the leases of this pass: %s", exc)
        finally:
            await loop.run_in_executor(thread, close)  # after a renewal still under way
            thread.shutdown(wait=False)

    def _claim(self, todo: list[tuple[int, Feed, FeedState]], now: datetime, due_only: bool) -> set[str]:
        assert self.lease is not None
        return feed_store.claim_feeds(
            self.db,
            [(feed.name, state.url) for _index, feed, state in todo],
            self.lease.owner,
            now,
            now + self.lease.ttl,
            due_only=due_only and not self.force,
        )

    def _parse_pool(self) -> contextlib.AbstractContextManager[ParsePool]:
        """Every parse runs in a memory-capped worker, a one-feed pass included: the cap is
        what bounds a hostile feed. The workers are shared between passes (kept warm);
        their fork server starts with a pass that polls anything, the workers themselves
        on the first body, so a pass of 304s forks none."""
        if self.settings.parse_workers == 0:  # tests: a thread, no cap
            return ParsePool(1, processes=False, timeout=self.settings.parse_timeout, job=parse_job_fast)
        pool = shared_pool(
            self.settings.parse_workers,
            timeout=self.settings.parse_timeout,
            memory_limit=self.settings.parse_memory,
            job=parse_job_fast,
        )
        return contextlib.nullcontext(pool)

    async def _guarded(
        self,
        index: int,
        limit: asyncio.Semaphore,
        fetcher: Fetcher,
        pool: ParsePool,
        feed: Feed,
        state: FeedState,
    ) -> tuple[int, PollResult]:
        """Poll one feed; a bug in the pipeline becomes this feed's error, never the pass's."""
        async with limit:
            try:
                return index, await self._poll(fetcher, pool, feed, state)
            except asyncio.CancelledError:
                raise
            except StorageError as exc:
                # The database cannot be written (a full disk): this feed's result says so
                # in one line; saving its state would fail the same way, so it is polled
                # again next time. No traceback: nothing is wrong with the program.
                log.error("%s: %s", feed.name, exc)
                outcome = Outcome("error", error=str(exc), error_kind="temporary")
                return index, _result(feed, state, outcome, None, error=str(exc))
            except Exception as exc:
                log.exception("polling %s failed unexpectedly", feed.name)
                message = f"internal error: {type(exc).__name__}: {exc}"
                outcome = Outcome("error", error=message, error_kind="temporary")
                return index, await self._save_only(feed, state, outcome, None, message=message)

    async def _poll(self, fetcher: Fetcher, pool: ParsePool, feed: Feed, state: FeedState) -> PollResult:
        fetched = await fetcher.fetch(
            state.url,
            etag=None if self.force else state.etag,
            last_modified=None if self.force else state.last_modified,
            allow_private=feed.allow_private,
        )
        if fetched.status != "ok" or fetched.body is None:
            return await self._save_only(feed, state, _outcome(fetched), fetched)
        body_hash = hashlib.sha256(fetched.body).hexdigest()
        if not self.force and body_hash == state.body_hash:
            outcome = replace(_outcome(fetched), status="unchanged", body_hash=body_hash)
            return await self._save_only(feed, state, outcome, fetched)
        pool.prepare(pages=self.settings.fulltext is not None)  # (done at the pass's start: cheap)
        try:
            parsed = await pool.parse(
                fetched.body,
                url=fetched.final_url,
                headers=fetched.headers,
                language=feed.language,
                rules=await self._ticket(),
            )
        except FeedError as exc:
            outcome = replace(_outcome(fetched), status="error", error=exc.message, error_kind=exc.kind)
            return await self._save_only(feed, state, outcome, fetched)
        outcome = replace(_outcome(fetched), body_hash=body_hash, ttl=parsed.ttl)
        fetched = replace(fetched, body=None)  # let the body go before storing
        result, prematched = await self.stores.submit(_ToStore(feed, state, outcome, fetched, parsed))
        if not result.article_ids:
            return result
        warnings = list(result.warnings)
        fulltext = 0
        plan = self.settings.fulltext
        if plan is not None and self.pages is not None:
            try:
                stats = await fill(
                    self.db,
                    self.pages,
                    result.article_ids,
                    wants=plan.wants,
                    every=feed.fulltext,
                    allow_private=feed.allow_private,
                    in_writer=self._in_writer,
                    extract=partial(_extract_in, pool),
                )
                fulltext = stats.stored
                if prematched:  # these articles now have their page's text too
                    prematched = {i: found for i, found in prematched.items() if i not in stats.tried_ids}
            except Exception as exc:  # the articles are stored; their summaries still match
                log.exception("full text for %s failed", feed.name)
                warnings.append(f"fetching full text failed: {type(exc).__name__}: {exc}")
        if self.on_stored is not None:
            given = Prematched(parsed.matched_by, prematched) if prematched and parsed.matched_by else None
            warnings.extend(await self.hooks.submit(_ToMatch(result.article_ids, feed.name, given)))
        return replace(result, warnings=tuple(warnings), fulltext=fulltext)

    async def _ticket(self) -> MatcherTicket | None:
        """The rules for the parse workers, made once per pass, at its first body.

        In the storage thread, where the rules load anyway for matching: a pass of 304s
        never builds them. The first bodies wait for them (about half a second, while
        the parse workers start), so that every feed is matched in the workers.
        """
        if self.rules is None:
            return None
        if self.ticket is None:
            self.ticket = asyncio.get_running_loop().run_in_executor(
                self.writer.executor, _safe_ticket, self.rules
            )
        return await asyncio.shield(self.ticket)

    def _store_batch(
        self, batch: list[_ToStore]
    ) -> list[tuple[PollResult, dict[int, tuple[MatchResult, ...]]] | BaseException]:
        """Polls' entries and their feeds' new states, in one transaction, each poll in a
        savepoint of its own: a poll that fails (a bug) is that feed's error alone. A
        failure the transaction does not survive (a full disk) fails the whole batch."""
        now = _now()
        outcomes: list[tuple[PollResult, dict[int, tuple[MatchResult, ...]]] | BaseException] = []
        with self.db.transaction() as conn:
            for item in batch:
                try:
                    with savepoint(conn, "poll"):
                        outcomes.append(self._store(conn, item, now))
                except Exception as exc:
                    if not conn.in_transaction:  # the database ended it (a full disk): all fail
                        raise
                    outcomes.append(exc)
            if self.unindexed >= INDEX_BATCH:
                article_store.index_new(conn)
                self.unindexed = 0
        return outcomes

    def _store(
        self, conn: Connection, item: _ToStore, now: datetime
    ) -> tuple[PollResult, dict[int, tuple[MatchResult, ...]]]:
        """One poll's entries and its feed's new state; and the workers' rule results of
        the new articles, by id."""
        feed, parsed, outcome = item.feed, item.parsed, item.outcome
        stats = article_store.store_entries(conn, feed.name, parsed.entries, now)
        self.unindexed += len(stats.new_ids)
        if stats.deferred:
            outcome = replace(outcome, body_hash=None)  # parse it again next time
        new_state = apply_outcome(feed, item.state, outcome, now, policy=self.settings.policy, rng=self.rng)
        feed_store.save_state(conn, new_state)
        if self.owner:
            feed_store.release_feeds(conn, [feed.name], self.owner)
        result = _result(
            feed,
            new_state,
            outcome,
            item.fetched,
            stats=stats,
            warnings=parsed.warnings,
            entries=len(parsed.entries),
        )
        if parsed.matches is None:
            return result, {}
        return result, {i: parsed.matches[n] for i, n in zip(stats.new_ids, stats.new_entries, strict=True)}

    def _hook_batch(self, batch: list[_ToMatch]) -> list[list[str]]:
        """`on_stored` once for several polls' articles (once per set of rules their
        workers matched with); each poll gets the warnings of the call that covered it."""
        assert self.on_stored is not None
        calls: dict[str | None, list[_ToMatch]] = {}
        for item in batch:
            calls.setdefault(item.prematched.fingerprint if item.prematched else None, []).append(item)
        warnings: dict[int, list[str]] = {}
        for fingerprint, items in calls.items():
            ids = list(dict.fromkeys(i for item in items for i in item.ids))
            given = None
            if fingerprint is not None:
                results: dict[int, tuple[MatchResult, ...]] = {}
                for item in items:
                    assert item.prematched is not None
                    results.update(item.prematched.results)
                    # an article another poll of the batch changed after: its results are stale
                    for i in item.ids:
                        if i not in item.prematched.results:
                            results.pop(i, None)
                given = Prematched(fingerprint, results)
            source = items[0].source
            if len(items) > 1:
                source += f" and {len(items) - 1} other feed(s)"
            said = _call_hook(self.on_stored, ids, source, given)
            for item in items:
                warnings[id(item)] = said
        return [warnings[id(item)] for item in batch]

    async def _save_only(
        self,
        feed: Feed,
        state: FeedState,
        outcome: Outcome,
        fetched: FetchResult | None,
        *,
        message: str | None = None,
    ) -> PollResult:
        """A poll that stored no articles: its new state is saved with others, in batches.

        Hundreds of 304s would otherwise cost hundreds of commits; losing a batch in a
        crash only means those feeds are polled again a little early.
        """
        new_state = apply_outcome(feed, state, outcome, _now(), policy=self.settings.policy, rng=self.rng)
        self.pending.append(new_state)
        if len(self.pending) >= STATE_BATCH:
            await self._flush_states()
        return _result(feed, new_state, outcome, fetched, error=message)

    async def _flush_states(self) -> None:
        batch, self.pending = self.pending, []
        if batch:
            await self._in_writer(partial(feed_store.save_states, release=self.owner), self.db, batch)

    async def _in_writer(self, fn: Callable[..., T], *args: Any) -> T:
        return await self.writer.run(fn, *args)


def _outcome(fetched: FetchResult) -> Outcome:
    return Outcome(
        status=fetched.status,
        http_status=fetched.http_status,
        etag=fetched.etag,
        last_modified=fetched.last_modified,
        moved_to=fetched.moved_to,
        error=fetched.error,
        error_kind=fetched.error_kind,
        retry_after=fetched.retry_after,
        max_age=fetched.max_age,
    )


def _result(
    feed: Feed,
    state: FeedState,
    outcome: Outcome,
    fetched: FetchResult | None,
    *,
    stats: article_store.StoreStats | None = None,
    warnings: Sequence[str] = (),
    entries: int = 0,
    error: str | None = None,
) -> PollResult:
    note = state.note if outcome.moved_to or outcome.status == "gone" else None
    return PollResult(
        feed=feed.name,
        url=state.url,
        status=outcome.status,
        new=len(stats.new_ids) if stats else 0,
        updated=len(stats.updated_ids) if stats else 0,
        entries=entries,
        http_status=outcome.http_status,
        error=error or outcome.error,
        error_kind=outcome.error_kind if outcome.status in ("error", "gone") else None,
        warnings=tuple(warnings),
        note=note,
        bytes_received=fetched.bytes_received if fetched else 0,
        elapsed=fetched.elapsed if fetched else 0.0,
        next_due=state.next_due,
        article_ids=tuple(stats.article_ids) if stats else (),
    )


def _skipped(feed: Feed, state: FeedState, reason: str) -> PollResult:
    return PollResult(feed=feed.name, url=state.url, status="skipped", note=reason, next_due=state.next_due)


async def _extract_in(pool: ParsePool, body: bytes, url: str, limit: int) -> str:
    """A page's main text, read in the pass's parse workers (`pages.extract_job`)."""
    return str(await pool.run(extract_job, body, url, limit, pool.timeout))


def _safe_ticket(rules: RulesSource) -> MatcherTicket | None:
    """The rules' ticket; a failure (rules that do not load) leaves matching to the hook,
    which reports it on each feed as it always did."""
    try:
        return rules()
    except Exception as exc:
        log.debug("the parse workers get no rules: %s", exc)
        return None


def _call_hook(
    hook: OnStored, ids: Sequence[int], source: str, prematched: Prematched | None = None
) -> list[str]:
    """Run `on_stored`; its failure is a warning on this feed: the articles are stored, and
    `tracker match` can link them later."""
    try:
        if prematched is None:
            hook(list(ids))
        else:
            hook(list(ids), prematched)
    except TrackerError as exc:  # a full disk, rules that changed meanwhile: one line
        log.error("on_stored failed for %s: %s", source, exc)
        return [f"matching the new articles failed: {exc}"]
    except Exception as exc:
        log.exception("on_stored failed for %s", source)
        return [f"matching the new articles failed: {type(exc).__name__}: {exc}"]
    return []


def _tick(progress: Callable[[Any], Any] | None, result: Any) -> None:
    if progress is None:
        return
    try:
        progress(result)
    except Exception:
        log.exception("progress callback failed")


def _now() -> datetime:
    return datetime.now(UTC)


def run_sync(make: Callable[[], Any]) -> Any:
    """Run a coroutine to completion here, or in a helper thread if this thread has a loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make())
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as helper:
        return helper.submit(lambda: asyncio.run(make())).result()


# ---------------------------------------------------------------- ingesting


def ingest_paths(
    db: Database,
    paths: Iterable[Path],
    *,
    feeds: Sequence[Feed] = (),
    on_stored: OnStored | None = None,
    progress: IngestProgress | None = None,
    language: str | None = None,
) -> list[IngestResult]:
    """Backfill from feed files, folders of them, and JSON-lines/JSON/CSV archives.

    Each batch (one file, or one source feed's entries in an archive) is stored in one
    transaction, deduplicated like polled entries; `on_stored` follows each commit.
    Archive entries of a configured feed (matched by URL) are recorded under its name.
    """
    names = {key: feed.name for feed in feeds if (key := canonical_url(feed.url))}
    results: list[IngestResult] = []
    # Feed files are parsed like polled bodies: in one memory-capped worker, with the
    # timeout ending it, so a hostile file fails alone with a one-line error.
    unindexed = 0
    try:
        with ParsePool(1) as pool:
            for batch in read_paths(paths, feed_names=names, language=language, parse=pool.parse_blocking):
                result = _ingest_batch(db, batch, on_stored)
                results.append(result)
                _tick(progress, result)
                unindexed += result.new
                if unindexed >= INDEX_BATCH:
                    article_store.index_pending(db)
                    unindexed = 0
    finally:
        if unindexed:
            with contextlib.suppress(StorageError):
                article_store.index_pending(db)
    return results


def _ingest_batch(db: Database, batch: SourceBatch, on_stored: OnStored | None) -> IngestResult:
    if not batch.entries:
        return IngestResult(
            source=batch.source,
            feed=batch.feed,
            status="error" if batch.errors else "ok",
            errors=batch.errors,
            warnings=batch.warnings,
        )
    with db.transaction() as conn:
        stats = article_store.store_entries(conn, batch.feed, batch.entries, _now())
    warnings = list(batch.warnings)
    if stats.article_ids and on_stored is not None:
        warnings.extend(_call_hook(on_stored, stats.article_ids, batch.source))
    return IngestResult(
        source=batch.source,
        feed=batch.feed,
        status="ok",
        entries=len(batch.entries),
        new=len(stats.new_ids),
        updated=len(stats.updated_ids),
        duplicates=stats.duplicates + stats.tombstoned,
        errors=batch.errors,
        warnings=tuple(warnings),
        article_ids=tuple(stats.article_ids),
    )


# ---------------------------------------------------------------- reading, for the faces


def feed_health(db: Database, feeds: Sequence[Feed]) -> list[FeedHealth]:
    """Each configured feed with its remembered state (None before its first poll)."""
    states = feed_store.all_states(db)
    return [FeedHealth(feed, states.get(feed.name)) for feed in feeds]


def find_articles(
    db: Database,
    *,
    since: datetime | None = None,
    search: str | None = None,
    feed: str | None = None,
    limit: int = 50,
    unread: bool = False,
) -> list[Article]:
    """Stored articles, newest first; `search` is user text for the full-text index.

    Raises ValueError when `search` holds nothing to search for.
    """
    return article_store.list_articles(db, since=since, search=search, feed=feed, limit=limit, unread=unread)


def get_article(db: Database, article_id: int) -> Article:
    return article_store.get_article(db, article_id)
