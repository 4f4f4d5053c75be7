"""The fetcher's address policy (issue 16): no link-local or metadata address ever, no
loopback or private one unless the feed opts in, checked after DNS and on every hop;
no credentials in feed URLs; record files of bounded size."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.clirun import run_cli
from tests.feedserver import FeedServer, make_rss
from tracker.feeds.fetching import AddressRefusedError, Fetcher, FetchResult, FetchSettings, GuardedResolver
from tracker.records.feedlist import read_feeds_file
from tracker.records.yamlio import MAX_YAML_BYTES
from tracker.textnorm import literal_ip, url_refusal

METADATA = [
    "http://169.254.169.254/latest/meta-data/",
    "http://2852039166/",
    "http://0xA9FEA9FE/",
    "http://0xa9.0xfe.0xa9.0xfe/",
    "http://0251.0376.0251.0376/",
    "http://169.254.43518/",
    "http://[fe80::1]/",
    "http://[::ffff:169.254.169.254]/",
]
PRIVATE = [
    "http://127.0.0.1/",
    "http://10.1.2.3/",
    "http://192.168.0.1/",
    "http://[::1]/",
    "http://[fd00::1]/",
]
STRICT = FetchSettings(connect_timeout=1, read_timeout=1, total_timeout=2, trust_env=False)


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as running:
        yield running


@pytest.mark.parametrize("url", METADATA)
def test_link_local_is_refused_in_every_notation_even_when_private_is_allowed(url: str) -> None:
    assert "link-local" in (url_refusal(url, allow_private=True) or "")


@pytest.mark.parametrize("url", PRIVATE)
def test_private_needs_the_opt_in(url: str) -> None:
    assert "allow_private: true" in (url_refusal(url) or "")
    assert url_refusal(url, allow_private=True) is None


def test_public_hosts_and_names_pass() -> None:
    assert url_refusal("https://tass.com/rss/v2.xml") is None
    assert url_refusal("http://93.184.215.14/feed") is None
    assert literal_ip("tass.com") is None and literal_ip("2852039166") is not None


def test_credentials_are_refused() -> None:
    assert "credentials" in (url_refusal("https://user:secret@example.org/feed.xml") or "")


def fetch(url: str, settings: FetchSettings = STRICT, *, allow_private: bool = False) -> FetchResult:
    async def run() -> FetchResult:
        async with Fetcher(settings) as fetcher:
            return await fetcher.fetch(url, allow_private=allow_private)

    return asyncio.run(run())


def test_loopback_is_refused_without_the_opt_in_and_never_contacted(server: FeedServer) -> None:
    server.feed("/f.xml", make_rss(1))
    refused = fetch(server.url("/f.xml"))
    assert refused.status == "error" and refused.error_kind == "hard"
    assert "loopback" in (refused.error or "")
    assert server.hits["/f.xml"] == 0
    assert fetch(server.url("/f.xml"), allow_private=True).status == "ok"
    assert fetch(server.url("/f.xml"), FetchSettings(trust_env=False, allow_private=True)).status == "ok"


def test_a_name_is_checked_after_resolution(server: FeedServer) -> None:
    server.feed("/f.xml", make_rss(1))
    by_name = server.url("/f.xml").replace("127.0.0.1", "localhost")
    refused = fetch(by_name)
    assert refused.status == "error"
    assert "localhost resolves only to refused addresses" in (refused.error or "")
    assert server.hits["/f.xml"] == 0


@pytest.mark.parametrize("target", ["http://169.254.169.254/latest/meta-data/", "http://2852039166/x"])
def test_a_redirect_to_the_metadata_address_is_not_followed(server: FeedServer, target: str) -> None:
    server.redirect("/feed.xml", target, 302)
    result = fetch(server.url("/feed.xml"), allow_private=True)
    assert result.status == "error" and result.error_kind == "hard"
    assert "redirected to" in (result.error or "") and "link-local" in (result.error or "")


def test_a_redirect_from_an_allowed_feed_to_loopback_needs_the_opt_in(server: FeedServer) -> None:
    """Each hop is judged by the policy: the guard sits on every connection."""
    server.feed("/real.xml", make_rss(1))
    server.redirect("/feed.xml", server.url("/real.xml").replace("127.0.0.1", "localhost"), 302)
    result = fetch(server.url("/feed.xml"), allow_private=True)
    assert result.status == "ok"


def test_the_sessions_resolve_through_the_guard() -> None:
    """The connector connects to what `GuardedResolver` answers; an aiohttp upgrade that
    stops asking it fails here (and the loopback tests above then reach the server)."""

    async def run() -> object:
        async with Fetcher(STRICT) as fetcher:
            return fetcher._session_for(False).connector._resolver  # type: ignore[union-attr]

    resolver = asyncio.run(run())
    assert isinstance(resolver, GuardedResolver) and resolver.allow_private is False


def test_the_guard_answers_with_checked_addresses_and_keeps_the_name() -> None:
    """The name stays for TLS (certificate and SNI); the addresses are the checked ones."""
    with pytest.raises(AddressRefusedError, match="localhost resolves only to refused addresses"):
        asyncio.run(GuardedResolver(False, 1.0).resolve("localhost", 80))
    answers = asyncio.run(GuardedResolver(True, 1.0).resolve("localhost", 80))
    assert answers and {a["hostname"] for a in answers} == {"localhost"}
    assert {a["host"] for a in answers} <= {"127.0.0.1", "::1"} and {a["port"] for a in answers} == {80}


# ---------------------------------------------------------------- feed records


def feeds_file(tmp_path: Path, url: str, extra: str = "") -> Path:
    path = tmp_path / "feeds.yaml"
    path.write_text(f'feeds:\n  - name: one\n    url: "{url}"\n{extra}', encoding="utf-8")
    return path


@pytest.mark.parametrize("url", [*METADATA, "https://bob:hunter2@example.org/rss"])
def test_a_feed_record_with_a_forbidden_url_is_a_problem_at_its_line(tmp_path: Path, url: str) -> None:
    path = feeds_file(tmp_path, url, "    allow_private: true\n")
    feeds, problems = read_feeds_file(path)
    assert not feeds
    assert [(p.line, p.field) for p in problems] == [(3, "feeds[0].url")]


def test_a_private_feed_record_needs_the_opt_in(tmp_path: Path) -> None:
    feeds, problems = read_feeds_file(feeds_file(tmp_path, "http://10.0.0.5/rss"))
    assert not feeds and "allow_private: true" in problems[0].message
    opted_in = feeds_file(tmp_path, "http://10.0.0.5/rss", "    allow_private: true\n")
    feeds, problems = read_feeds_file(opted_in)
    assert not problems and feeds[0].allow_private


def test_check_names_file_line_and_field_for_a_url_with_credentials(empty_workspace: Path) -> None:
    path = empty_workspace / "feeds" / "feeds.yaml"
    text = 'feeds:\n  - name: one\n    url: "https://bob:hunter2@example.org/rss"\n'
    path.write_text(text, encoding="utf-8")
    result = run_cli("check", workspace=empty_workspace)
    assert result.code == 1
    assert f"{path.resolve()}:3: feeds[0].url: credentials" in result.err
    assert "hunter2" not in result.err and "Traceback" not in result.err


def test_an_oversized_yaml_file_is_refused_quickly_in_one_line(empty_workspace: Path) -> None:
    path = empty_workspace / "feeds" / "huge.yaml"
    entry = '  - name: n{0}\n    url: "https://example.org/{0}.xml"\n'
    with path.open("w", encoding="utf-8") as out:
        out.write("feeds:\n")
        i = 0
        while out.tell() <= MAX_YAML_BYTES:
            out.write(entry.format(i))
            i += 1
    result = run_cli("check", workspace=empty_workspace, timeout=30)
    assert result.code == 1
    lines = [line for line in result.err.splitlines() if "huge.yaml" in line]
    assert len(lines) == 1 and "over the 4 MiB limit" in lines[0]
    assert "Traceback" not in result.err
