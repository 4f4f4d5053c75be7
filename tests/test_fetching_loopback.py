"""Every fault a real server or network produces, against a real HTTP server on 127.0.0.1.

Two levels: `Fetcher.fetch` alone (what HTTP did), and `poll_feeds` (what the watcher
then stores and remembers). Timeouts are shrunk by parameters, so the suite takes seconds.
"""

from __future__ import annotations

import asyncio
import gzip
import random
import threading
import time
import tracemalloc
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.feedserver import FeedServer, http_date, make_rss
from tracker.feeds.fetching import (
    BodyDecoder,
    Fetcher,
    FetchResult,
    FetchSettings,
    parse_max_age,
    parse_retry_after,
)
from tracker.feeds.pipeline import PollSettings, poll_feeds
from tracker.feeds.polling import PollPolicy
from tracker.storage import feeds as feed_store
from tracker.storage import open_database
from tracker.storage.db import Database, SqliteDatabase
from tracker.types import Feed, PollResult

FAST = FetchSettings(
    allow_private=True,
    connect_timeout=0.5,
    read_timeout=0.4,
    total_timeout=1.2,
    max_body_bytes=200_000,
    trust_env=False,
)
SETTINGS = PollSettings(fetch=FAST, parse_workers=0, policy=PollPolicy(jitter=0))


def fetch(url: str, settings: FetchSettings = FAST, **validators: str | None) -> FetchResult:
    async def run() -> FetchResult:
        async with Fetcher(settings) as fetcher:
            return await fetcher.fetch(url, **validators)

    return asyncio.run(run())


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as running:
        yield running


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = open_database(tmp_path / "state.db")
    yield database
    database.close()


def poll(db: Database, *feeds: Feed, **options: object) -> list[PollResult]:
    return poll_feeds(db, list(feeds), settings=SETTINGS, **options)  # type: ignore[arg-type]


def feed(server: FeedServer, path: str, name: str | None = None) -> Feed:
    return Feed(name=name or path.strip("/").replace(".", "-").replace("/", "-"), url=server.url(path))


def count_articles(db: Database) -> int:
    with db.reading() as conn:
        return int(conn.execute("SELECT count(*) FROM articles").fetchone()[0])


# ---------------------------------------------------------------- 200, then 304


def test_200_then_304_with_etag(server: FeedServer) -> None:
    server.feed("/f.xml", make_rss(3), etag='"v1"', last_modified=None)
    first = fetch(server.url("/f.xml"))
    assert (first.status, first.http_status, first.etag) == ("ok", 200, '"v1"')
    second = fetch(server.url("/f.xml"), etag=first.etag)
    assert (second.status, second.http_status, second.body) == ("not_modified", 304, None)
    assert server.requests[-1].headers["if-none-match"] == '"v1"'


def test_200_then_304_with_last_modified(server: FeedServer) -> None:
    stamp = http_date(datetime(2025, 6, 1, tzinfo=UTC))
    server.feed("/f.xml", make_rss(3), etag=None, last_modified=stamp)
    first = fetch(server.url("/f.xml"))
    assert first.last_modified == stamp and first.etag is None
    second = fetch(server.url("/f.xml"), last_modified=first.last_modified)
    assert second.status == "not_modified"
    assert server.requests[-1].headers["if-modified-since"] == stamp


def test_second_pass_makes_only_conditional_requests_and_stores_nothing(
    server: FeedServer, db: Database
) -> None:
    feeds = [feed(server, f"/f{i}.xml") for i in range(5)]
    for i in range(5):
        server.feed(f"/f{i}.xml", make_rss(4, prefix=f"f{i}"))
    first = poll(db, *feeds)
    assert [r.status for r in first] == ["ok"] * 5 and sum(r.new for r in first) == 20
    server.reset_counters()
    stored: list[list[int]] = []
    second = poll(db, *feeds, on_stored=stored.append)
    assert [r.status for r in second] == ["not_modified"] * 5
    assert sum(server.conditional_hits.values()) == sum(server.hits.values()) == 5
    assert sum(server.not_modified.values()) == 5 and server.bytes_sent == 0
    assert count_articles(db) == 20 and not stored


def test_unchanged_body_without_validators_is_not_parsed_again(server: FeedServer, db: Database) -> None:
    server.route("/f.xml", body=make_rss(3))  # a server that ignores conditional GET
    one = feed(server, "/f.xml")
    assert poll(db, one)[0].status == "ok"
    again = poll(db, one)[0]
    assert (again.status, again.new, again.entries) == ("unchanged", 0, 0)
    forced = poll(db, one, force=True)[0]
    assert (forced.status, forced.entries, forced.new) == ("ok", 3, 0)
    assert not server.requests[-1].conditional


def test_etag_is_stored_exactly_as_received(server: FeedServer, db: Database) -> None:
    odd = 'W/"a b;c=\\"d\\""'
    server.feed("/f.xml", make_rss(1), etag=odd)
    poll(db, feed(server, "/f.xml"))
    state = feed_store.get_state(db, "f-xml")
    assert state is not None and state.etag == odd
    poll(db, feed(server, "/f.xml"))
    assert server.requests[-1].headers["if-none-match"] == odd


# ---------------------------------------------------------------- redirects


def test_301_and_308_chains_are_permanent(server: FeedServer) -> None:
    server.feed("/new.xml", make_rss(1))
    server.redirect("/old.xml", server.url("/mid.xml"), 301)
    server.redirect("/mid.xml", "/new.xml", 308)  # relative Location
    result = fetch(server.url("/old.xml"))
    assert result.status == "ok"
    assert result.moved_to == result.final_url == server.url("/new.xml")
    assert [status for status, _ in result.redirects] == [301, 308, 200]


@pytest.mark.parametrize("status", [302, 303, 307])
def test_temporary_redirects_do_not_move_the_feed(server: FeedServer, status: int) -> None:
    server.feed("/new.xml", make_rss(1))
    server.redirect("/old.xml", server.url("/new.xml"), status)
    result = fetch(server.url("/old.xml"))
    assert result.status == "ok" and result.moved_to is None


def test_a_chain_with_one_temporary_hop_is_not_permanent(server: FeedServer) -> None:
    server.feed("/new.xml", make_rss(1))
    server.redirect("/a.xml", "/b.xml", 301)
    server.redirect("/b.xml", "/new.xml", 302)
    assert fetch(server.url("/a.xml")).moved_to is None


def test_redirect_loop_is_a_hard_error(server: FeedServer) -> None:
    server.redirect("/a.xml", "/b.xml", 301)
    server.redirect("/b.xml", "/a.xml", 301)
    result = fetch(server.url("/a.xml"))
    assert result.status == "error" and result.error_kind == "hard"
    assert "redirect loop" in (result.error or "")


def test_too_many_redirects(server: FeedServer) -> None:
    for i in range(10):
        server.redirect(f"/r{i}", f"/r{i + 1}", 302)
    result = fetch(server.url("/r0"))
    assert "more than 5 redirects" in (result.error or "")


def test_permanent_redirect_updates_the_stored_url_with_a_note(server: FeedServer, db: Database) -> None:
    server.feed("/new.xml", make_rss(2))
    server.redirect("/old.xml", server.url("/new.xml"), 301)
    moved = feed(server, "/old.xml", name="moved")
    result = poll(db, moved)[0]
    assert result.status == "ok" and result.url == server.url("/new.xml")
    assert result.note and "moved permanently" in result.note
    state = feed_store.get_state(db, "moved")
    assert state is not None and state.url == server.url("/new.xml")
    assert state.config_url == moved.url and "update feeds" in (state.note or "")
    poll(db, moved)
    assert server.hits["/old.xml"] == 1  # the next poll goes straight to the new URL


# ---------------------------------------------------------------- error statuses


@pytest.mark.parametrize(
    ("status", "kind", "message"),
    [
        (404, "hard", "404 Not Found"),
        (403, "hard", "access denied"),
        (500, "temporary", "500: server error"),
        (503, "temporary", "503"),
        (429, "temporary", "rate limited"),
    ],
)
def test_error_statuses(server: FeedServer, status: int, kind: str, message: str) -> None:
    server.route("/f.xml", status=status, body=b"<html>error page</html>", content_type="text/html")
    result = fetch(server.url("/f.xml"))
    assert (result.status, result.http_status, result.error_kind) == ("error", status, kind)
    assert message in (result.error or "")
    assert result.body is None


def test_429_retry_after_seconds_delays_the_next_poll(server: FeedServer, db: Database) -> None:
    server.route("/f.xml", status=429, headers={"Retry-After": "7200"})
    before = datetime.now(UTC)
    result = poll(db, feed(server, "/f.xml"))[0]
    assert result.status == "error" and result.next_due is not None
    assert result.next_due >= before + timedelta(seconds=7200)
    again = poll(db, feed(server, "/f.xml"))[0]
    assert again.status == "skipped" and "backing off" in (again.note or "")
    assert server.hits["/f.xml"] == 1


def test_503_retry_after_http_date(server: FeedServer, db: Database) -> None:
    later = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=3)
    server.route("/f.xml", status=503, headers={"Retry-After": http_date(later)})
    result = poll(db, feed(server, "/f.xml"))[0]
    assert result.next_due is not None and result.next_due >= later


def test_500_backs_off_and_counts_failures(server: FeedServer, db: Database) -> None:
    server.route("/f.xml", status=500)
    one = feed(server, "/f.xml")
    poll(db, one)
    poll(db, one, force=True)
    state = feed_store.get_state(db, one.name)
    assert state is not None and state.failures == 2 and state.last_status == 500
    assert state.next_due is not None and state.next_due > datetime.now(UTC)
    server.feed("/f.xml", make_rss(1))
    assert poll(db, one, force=True)[0].status == "ok"
    state = feed_store.get_state(db, one.name)
    assert state is not None and state.failures == 0


def test_410_disables_the_feed_with_a_note(server: FeedServer, db: Database) -> None:
    server.route("/f.xml", status=410)
    one = feed(server, "/f.xml")
    result = poll(db, one)[0]
    assert result.status == "gone" and result.note and "410" in result.note
    state = feed_store.get_state(db, one.name)
    assert state is not None and state.disabled_reason and state.next_due is None
    skipped = poll(db, one)[0]
    assert skipped.status == "skipped" and "disabled" in (skipped.note or "")
    assert server.hits["/f.xml"] == 1
    assert poll(db, one, force=True)[0].status == "gone"  # forcing tries again
    assert server.hits["/f.xml"] == 2


def test_connection_refused_is_temporary() -> None:
    with FeedServer() as server:
        url = server.url("/f.xml")
    result = fetch(url)  # the server is gone: nothing listens on that port
    assert result.status == "error" and result.error_kind == "temporary"
    assert "connect" in (result.error or "")


# ---------------------------------------------------------------- slow, hung and unbounded servers


def test_a_hung_server_times_out(server: FeedServer) -> None:
    server.route("/hang.xml", hang=True)
    started = time.monotonic()
    result = fetch(server.url("/hang.xml"))
    assert result.status == "error" and "no data for 0.4 s" in (result.error or "")
    assert time.monotonic() - started < 1.5


def test_a_dripping_server_hits_the_total_deadline(server: FeedServer) -> None:
    server.route("/slow.xml", body=make_rss(20), drip=0.2, chunk_size=200)  # each read is quick
    started = time.monotonic()
    result = fetch(server.url("/slow.xml"))
    assert result.status == "error" and "no complete response within 1.2 s" in (result.error or "")
    assert time.monotonic() - started < 2.0


def test_a_slow_but_steady_server_is_fine(server: FeedServer) -> None:
    server.route("/slow.xml", body=make_rss(3), delay=0.2)
    assert fetch(server.url("/slow.xml")).status == "ok"


def test_one_slow_server_does_not_hold_the_rest(server: FeedServer, db: Database) -> None:
    server.route("/hang.xml", hang=True)
    feeds = [feed(server, "/hang.xml")]
    for i in range(12):
        server.feed(f"/f{i}.xml", make_rss(2, prefix=f"f{i}"))
        feeds.append(feed(server, f"/f{i}.xml"))
    done_at: dict[str, float] = {}
    started = time.monotonic()
    results = poll(db, *feeds, progress=lambda r: done_at.setdefault(r.feed, time.monotonic() - started))
    assert results[0].status == "error"
    assert all(r.status == "ok" for r in results[1:])
    assert max(done_at[f.name] for f in feeds[1:]) < done_at[feeds[0].name]
    assert time.monotonic() - started < 2.5


def test_body_over_the_limit_with_content_length(server: FeedServer) -> None:
    server.route("/big.xml", body=b"<rss>" + b" " * 300_000 + b"</rss>")
    result = fetch(server.url("/big.xml"))
    assert result.status == "error" and "over the limit" in (result.error or "")
    assert result.bytes_received == 0  # refused on the header, nothing read


def test_body_over_the_limit_without_content_length(server: FeedServer) -> None:
    server.route("/big.xml", body=b"<rss>" + b" " * 1_000_000 + b"</rss>", content_length=False)
    result = fetch(server.url("/big.xml"))
    assert result.status == "error" and "over the limit" in (result.error or "")
    assert result.bytes_received < 400_000  # stopped reading soon after the limit


def test_gzip_is_decoded(server: FeedServer) -> None:
    body = make_rss(30)
    server.route("/gz.xml", body=body, gzip=True)
    result = fetch(server.url("/gz.xml"))
    assert result.status == "ok" and result.body == body
    assert result.bytes_received < len(body) / 3
    assert server.requests[-1].headers["accept-encoding"] == "gzip, deflate"


def test_gzip_bomb_is_refused_within_bounded_memory(server: FeedServer) -> None:
    bomb = gzip.compress(b"\0" * 30_000_000, compresslevel=6)  # 30 MB of zeros in ~30 KB
    server.route("/bomb.xml", body=bomb, encoding="gzip")
    tracemalloc.start()
    try:
        result = fetch(server.url("/bomb.xml"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.status == "error" and "after decompression" in (result.error or "")
    assert peak < 5 * FAST.max_body_bytes + len(bomb) + 2_000_000


def test_decoder_limits_each_step() -> None:
    decoder = BodyDecoder("gzip", 1000)
    with pytest.raises(Exception, match="over the limit"):
        decoder.feed(gzip.compress(b"a" * 10_000_000))
    assert decoder.size <= 1001


def test_multi_member_gzip_and_raw_gzip_bodies() -> None:
    decoder = BodyDecoder("gzip", 10_000)
    decoder.feed(gzip.compress(b"<rss>") + gzip.compress(b"</rss>"))
    assert decoder.finish() == b"<rss></rss>"
    plain = BodyDecoder(None, 10_000)  # a .xml.gz served without Content-Encoding
    plain.feed(gzip.compress(b"<rss/>"))
    assert plain.finish() == b"<rss/>"


def test_truncated_body_is_a_temporary_error(server: FeedServer) -> None:
    server.route("/cut.xml", body=make_rss(20), truncate_at=1500)
    result = fetch(server.url("/cut.xml"))
    assert result.status == "error" and result.error_kind == "temporary"
    assert "truncated" in (result.error or "")


def test_truncated_gzip_stream(server: FeedServer) -> None:
    packed = gzip.compress(make_rss(40))
    server.route("/cut.xml", body=packed[: len(packed) // 2], encoding="gzip")
    result = fetch(server.url("/cut.xml"))
    assert result.status == "error" and "truncated" in (result.error or "")


def test_unsupported_content_encoding(server: FeedServer) -> None:
    server.route("/br.xml", body=b"\x1b\x00\x00", encoding="br")
    result = fetch(server.url("/br.xml"))
    assert result.status == "error" and "unsupported Content-Encoding" in (result.error or "")


# ---------------------------------------------------------------- bodies that are not feeds


def test_random_bytes_are_a_per_feed_error(server: FeedServer, db: Database) -> None:
    noise = bytes(random.Random(3).randrange(256) for _ in range(20_000))
    server.route("/noise.xml", body=noise, content_type="application/octet-stream")
    result = poll(db, feed(server, "/noise.xml"))[0]
    assert result.status == "error" and "not a feed" in (result.error or "")


def test_html_page_is_a_per_feed_error(server: FeedServer, db: Database) -> None:
    server.route("/page", body=b"<!doctype html><html><body>Hello</body></html>", content_type="text/html")
    result = poll(db, feed(server, "/page"))[0]
    assert result.status == "error" and result.error_kind == "hard" and "HTML page" in (result.error or "")


def test_entity_expansion_bomb_over_http(server: FeedServer, db: Database) -> None:
    from tests.test_parsing import BILLION_LAUGHS

    server.route("/lol.xml", body=BILLION_LAUGHS)
    started = time.monotonic()
    result = poll(db, feed(server, "/lol.xml"))[0]
    assert result.status == "error" and "expand" in (result.error or "")
    assert time.monotonic() - started < 2


@pytest.mark.parametrize(
    ("encoding", "header"),
    [
        ("windows-1251", "application/rss+xml; charset=windows-1251"),
        ("koi8-r", "text/xml"),
        ("gb18030", "application/rss+xml; charset=gb18030"),
        ("utf-16", "application/rss+xml"),
    ],
)
def test_feeds_in_other_encodings_over_http(
    server: FeedServer, db: Database, encoding: str, header: str
) -> None:
    title = "Россия и Китай" if encoding in ("windows-1251", "koi8-r") else "中国和俄罗斯 summit"
    body = (
        f'<?xml version="1.0" encoding="{encoding}"?><rss version="2.0"><channel><title>t</title>'
        f"<item><title>{title}</title><guid>1</guid></item></channel></rss>"
    ).encode(encoding)
    server.route("/enc.xml", body=body, content_type=header)
    result = poll(db, feed(server, "/enc.xml"))[0]
    assert result.status == "ok" and result.new == 1
    with db.reading() as conn:
        assert conn.execute("SELECT title FROM articles").fetchone()[0] == title


# ---------------------------------------------------------------- the pipeline's promises


def test_on_stored_runs_after_commit_with_the_new_ids(
    server: FeedServer, db: Database, tmp_path: Path
) -> None:
    server.feed("/f.xml", make_rss(3))
    seen: list[tuple[list[int], int]] = []

    def on_stored(ids: list[int]) -> None:
        other = SqliteDatabase(tmp_path / "state.db", readonly=True)  # another connection: committed
        try:
            with other.reading() as conn:
                visible = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        finally:
            other.close()
        seen.append((list(ids), visible))

    result = poll(db, feed(server, "/f.xml"), on_stored=on_stored)[0]
    assert seen == [(list(result.article_ids), 3)] and result.new == 3


def test_a_failing_on_stored_hook_is_a_warning(server: FeedServer, db: Database) -> None:
    server.feed("/f.xml", make_rss(2))

    def broken(ids: list[int]) -> None:
        raise RuntimeError("rules exploded")

    result = poll(db, feed(server, "/f.xml"), on_stored=broken)[0]
    assert result.status == "ok" and result.new == 2
    assert any("rules exploded" in w for w in result.warnings)


def test_progress_reports_every_feed_once(server: FeedServer, db: Database) -> None:
    server.feed("/a.xml", make_rss(1))
    server.route("/b.xml", status=404)
    ticks: list[str] = []
    results = poll(
        db, feed(server, "/a.xml"), feed(server, "/b.xml"), progress=lambda r: ticks.append(r.feed)
    )
    assert sorted(ticks) == sorted(r.feed for r in results) == ["a-xml", "b-xml"]


def test_due_only_skips_feeds_not_yet_due(server: FeedServer, db: Database) -> None:
    server.feed("/f.xml", make_rss(1))
    one = feed(server, "/f.xml")
    poll(db, one)
    result = poll(db, one, due_only=True)[0]
    assert result.status == "skipped" and "not due" in (result.note or "")


def test_parsing_in_worker_processes(server: FeedServer, db: Database) -> None:
    feeds = []
    for i in range(6):
        server.feed(f"/f{i}.xml", make_rss(5, prefix=f"p{i}"))
        feeds.append(feed(server, f"/f{i}.xml"))
    server.route("/bad.xml", body=b"<html>not a feed</html>", content_type="text/html")
    feeds.append(feed(server, "/bad.xml"))
    settings = PollSettings(fetch=FAST, parse_workers=2)
    results = poll_feeds(db, feeds, settings=settings)
    assert [r.status for r in results] == ["ok"] * 6 + ["error"]
    assert count_articles(db) == 30


def test_header_parsers() -> None:
    now = datetime(2025, 6, 10, tzinfo=UTC)
    assert parse_retry_after("120", now) == now + timedelta(seconds=120)
    assert parse_retry_after("Tue, 10 Jun 2025 03:00:00 GMT", now) == now + timedelta(hours=3)
    assert parse_retry_after("soon", now) is None
    assert parse_max_age({"cache-control": "public, max-age=600"}, now) == timedelta(minutes=10)
    assert parse_max_age({"cache-control": "no-cache, max-age=600"}, now) is None
    assert parse_max_age({"expires": "Tue, 10 Jun 2025 02:00:00 GMT"}, now) == timedelta(hours=2)
    assert parse_max_age({}, now) is None


# ---------------------------------------------------------------- leases held for the whole pass


def test_a_pass_longer_than_its_lease_keeps_its_feeds(server: FeedServer, tmp_path: Path) -> None:
    """The pass renews its leases while it runs: another owner cannot take a feed it has
    not finished, however long the pass; once it ends, the feeds are free again."""
    from tracker.types import Lease

    server.feed("/quick.xml", make_rss(2, prefix="q"))
    server.feed("/slow.xml", make_rss(2, prefix="s"), delay=1.2)
    feeds = [feed(server, "/quick.xml"), feed(server, "/slow.xml")]
    path = tmp_path / "shared.db"
    db, other = open_database(path), open_database(path)
    slow = [(feeds[1].name, feeds[1].url)]
    seen_during: list[set[str]] = []

    def try_to_take() -> None:
        time.sleep(0.8)  # past the pass's 0.3 s lease, before the slow feed answers
        now = datetime.now(UTC)
        seen_during.append(
            feed_store.claim_feeds(other, slow, "other", now, now + timedelta(seconds=30), due_only=False)
        )

    thief = threading.Thread(target=try_to_take)
    thief.start()
    patient = replace(SETTINGS, fetch=replace(FAST, read_timeout=5, total_timeout=10))
    results = poll_feeds(db, feeds, settings=patient, lease=Lease("this-pass", timedelta(seconds=0.3)))
    thief.join()
    assert [r.status for r in results] == ["ok", "ok"]
    assert seen_during == [set()]
    now = datetime.now(UTC)
    assert feed_store.claim_feeds(other, slow, "other", now, now + timedelta(seconds=30), due_only=False) == {
        feeds[1].name
    }
    db.close()
    other.close()


def test_leases_hold_while_the_pass_waits_to_write(
    server: FeedServer, state_target: Path | str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Renewals do not queue behind the pass's writes: on PostgreSQL another watcher
    holds the write lock, on SQLite a store batch is slow; either way the pass's writer
    waits past its lease, and no other owner may take its feeds meanwhile."""
    from tracker.feeds import pipeline
    from tracker.types import Lease

    for name in ("a", "b", "c"):
        server.feed(f"/{name}.xml", make_rss(2, prefix=name))
    feeds = [feed(server, f"/{name}.xml") for name in ("a", "b", "c")]
    db, other = open_database(state_target), open_database(state_target)
    pairs = [(f.name, f.url) for f in feeds]
    held = threading.Event()
    release = threading.Event()
    blocker: threading.Thread | None = None
    if db.dialect == "postgresql":

        def hold() -> None:  # another watcher's long write holds the one-writer lock
            writer = open_database(state_target, migrate=False)
            with writer.transaction():
                held.set()
                release.wait(10)
            writer.close()

        blocker = threading.Thread(target=hold)
        blocker.start()
        assert held.wait(10)
    else:
        slow_batch = pipeline._Pass._store_batch

        def slow(self: object, batch: list[object]) -> object:
            release.wait(10)
            return slow_batch(self, batch)  # type: ignore[arg-type]

        monkeypatch.setattr(pipeline._Pass, "_store_batch", slow)
    seen_during: list[set[str]] = []

    def try_to_take() -> None:
        time.sleep(1.0)  # three lease times in, while the pass still waits to write
        now = datetime.now(UTC)
        seen_during.append(
            feed_store.claim_feeds(other, pairs, "other", now, now + timedelta(seconds=30), due_only=False)
        )
        release.set()

    thief = threading.Thread(target=try_to_take)
    thief.start()
    results = poll_feeds(db, feeds, settings=SETTINGS, lease=Lease("this-pass", timedelta(seconds=0.3)))
    thief.join()
    if blocker is not None:
        blocker.join()
    assert [r.status for r in results] == ["ok"] * 3
    assert seen_during == [set()]
    db.close()
    other.close()


def test_passes_share_one_tls_context(
    server: FeedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Loading the CA bundle costs some 25 ms of CPU: once per process, not twice a pass."""
    import ssl

    from tracker.feeds import fetching

    made: list[bool] = []
    real = ssl.create_default_context

    def counting(*args: object, **kwargs: object) -> object:
        made.append(True)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(fetching, "_SSL_CONTEXTS", {})
    monkeypatch.setattr(ssl, "create_default_context", counting)
    server.feed("/a.xml", make_rss(2, prefix="a"))
    db = open_database(tmp_path / "state.db")
    for _ in range(3):
        [result] = poll_feeds(db, [feed(server, "/a.xml")], settings=SETTINGS)
        assert result.status in ("ok", "not_modified", "unchanged")
    db.close()
    assert len(made) == 1


def test_a_pass_starts_the_parse_workers_before_its_first_request(
    server: FeedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The workers' fork server loads for about half a second, and the first parse waits
    for it: a pass that polls anything starts it first. A pass with nothing to poll (all
    feeds not due) starts nothing."""
    from tracker.feeds.fetching import Fetcher
    from tracker.feeds.parsing import ParsePool

    events: list[str] = []
    real_fetch = Fetcher.fetch

    async def fetch(self: Fetcher, url: str, **kwargs: object) -> FetchResult:
        events.append("fetch")
        return await real_fetch(self, url, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ParsePool, "prepare", lambda self, pages=False: events.append("prepare"))
    monkeypatch.setattr(Fetcher, "fetch", fetch)
    server.route("/slow.xml", body=make_rss(2), delay=0.2)
    db = open_database(tmp_path / "state.db")
    [result] = poll_feeds(db, [feed(server, "/slow.xml")], settings=SETTINGS)
    assert result.status == "ok"
    assert events[:2] == ["prepare", "fetch"]
    events.clear()
    [skipped] = poll_feeds(db, [feed(server, "/slow.xml")], settings=SETTINGS, due_only=True)
    assert skipped.status == "skipped" and events == []
    db.close()
