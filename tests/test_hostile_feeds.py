"""Hostile feed bodies (issue 16): entity bombs in every encoding, a memory ceiling for
every parse, and wide encodings that must not lose their last entry."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.clirun import run_cli
from tracker.errors import FeedError
from tracker.feeds import pipeline
from tracker.feeds.parsing import PARSE_MEMORY_LIMIT, ParsePool, decoded_view, parse_feed, parse_job

URL = "https://example.org/feed.xml"
#: Encodings whose bytes never spell `<!ENTITY` in ASCII (EBCDIC: cp037).
WIDE = ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "cp037"]


def bomb(encoding: str, *, size: int = 1_000_000, refs: int = 3000) -> bytes:
    """The issue's quadratic blow-up: one big entity referenced many times."""
    value = "x" * size
    doc = (
        f'<?xml version="1.0" encoding="{encoding}"?>\n<!DOCTYPE rss [\n<!ENTITY a "{value}">\n]>\n'
        '<rss version="2.0"><channel><title>bomb</title><link>http://127.0.0.1/</link>'
        "<description>d</description><item><title>t</title><link>http://127.0.0.1/a</link>"
        f"<guid>g1</guid><description>{'&a;' * refs}</description></item></channel></rss>\n"
    )
    return doc.encode(encoding)


@pytest.mark.parametrize("encoding", ["utf-8", *WIDE])
def test_an_entity_bomb_is_refused_in_every_encoding(encoding: str) -> None:
    # Small enough to be harmless if the guard missed it (100 KB × 50 = 5 MB expanded),
    # big enough to be over the guard's 1 MB bound.
    with pytest.raises(FeedError) as caught:
        parse_feed(bomb(encoding, size=100_000, refs=50), url=URL)
    assert "refused" in caught.value.message and "expand" in caught.value.message


@pytest.mark.parametrize("encoding", WIDE)
def test_a_wide_encoding_is_decoded_for_the_guard(encoding: str) -> None:
    view = decoded_view(bomb(encoding, size=10, refs=1))
    assert b"<!ENTITY a" in view and b"</rss>" in view


def test_an_ascii_compatible_body_is_guarded_as_it_is() -> None:
    body = bomb("utf-8", size=10, refs=1)
    assert decoded_view(body) is body
    latin = bomb("iso-8859-1", size=10, refs=1)
    assert decoded_view(latin, {"content-type": "application/xml; charset=iso-8859-1"}) is latin


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32", "utf-16-le"])
def test_a_wide_feed_with_a_warning_keeps_its_last_entry(encoding: str) -> None:
    # An undefined entity makes the feed not well-formed (a warning); it is not truncated.
    items = "".join(
        f"<item><title>t{i}&nbsp;x</title><link>https://example.org/{i}</link><guid>g{i}</guid></item>"
        for i in range(3)
    )
    body = (
        f'<?xml version="1.0" encoding="{encoding}"?>\n<rss version="2.0"><channel><title>T</title>'
        f"<link>https://example.org/</link><description>d</description>{items}</channel></rss>\n"
    ).encode(encoding)
    parsed = parse_feed(body, url=URL)
    assert any("not well-formed" in w for w in parsed.warnings)
    assert [e.guid for e in parsed.entries] == ["g0", "g1", "g2"]
    assert not any("truncated" in w for w in parsed.warnings)


def test_a_truncated_wide_feed_still_loses_its_partial_entry() -> None:
    items = "".join(
        f"<item><title>t{i}</title><link>https://example.org/{i}</link><guid>g{i}</guid></item>"
        for i in range(3)
    )
    text = (
        '<?xml version="1.0" encoding="utf-16"?>\n<rss version="2.0"><channel><title>T</title>'
        f"<link>https://example.org/</link><description>d</description>{items}</channel></rss>\n"
    )
    cut = text[: text.index("<guid>g2")]
    parsed = parse_feed(cut.encode("utf-16"), url=URL)
    assert [e.guid for e in parsed.entries] == ["g0", "g1"]
    assert any("truncated" in w for w in parsed.warnings)


# ---------------------------------------------------------------- the memory ceiling


def greedy_job(
    body: bytes, url: str, headers: dict[str, str], language: str | None, timeout: float | None
) -> object:
    """A parse that wants far more memory than any feed should (a bomb the guard missed)."""
    if url.endswith("/greedy"):
        hoard = bytearray(3 * PARSE_MEMORY_LIMIT)
        return (f"unreachable: got {len(hoard)} bytes", "hard")
    return parse_job(body, url, headers, language, timeout)


def test_a_parse_worker_cannot_pass_its_memory_ceiling() -> None:
    pool = ParsePool(1, job=greedy_job)
    with pool, pytest.raises(FeedError) as caught:
        pool.parse_blocking(b"<rss/>", url=URL + "/greedy")
    assert "out of memory" in caught.value.message or "died" in caught.value.message
    with ParsePool(1, job=greedy_job) as pool:  # the async path, as the watcher uses it
        result = asyncio.run(_parse_both(pool))
    assert isinstance(result[0], FeedError) and not isinstance(result[1], BaseException)


async def _parse_both(pool: ParsePool) -> list[object]:
    from tests.feedserver import make_rss

    jobs = [pool.parse(b"<rss/>", url=URL + "/greedy"), pool.parse(make_rss(2), url=URL + "/fine")]
    return await asyncio.gather(*jobs, return_exceptions=True)


def test_a_single_feed_pass_parses_in_a_capped_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    """The watcher's jobs poll one feed at a time: they too parse under the ceiling."""
    made: list[ParsePool] = []
    real = pipeline.shared_pool

    def recording(*args: object, **kwargs: object) -> ParsePool:
        made.append(real(*args, **kwargs))  # type: ignore[arg-type]
        return made[-1]

    monkeypatch.setattr(pipeline, "shared_pool", recording)
    from tracker.storage import open_database
    from tracker.types import Feed

    db = open_database(":memory:")
    feed = Feed(name="one", url="http://127.0.0.1:9/feed.xml")
    pipeline.poll_feeds(db, [feed], settings=pipeline.PollSettings())
    assert made and made[0].processes and made[0].memory_limit == PARSE_MEMORY_LIMIT


MEASURE = textwrap.dedent(
    """
    import json, resource, subprocess, sys
    def cap():
        resource.setrlimit(resource.RLIMIT_AS, (2 * 1024**3, resource.RLIM_INFINITY))
    proc = subprocess.run(sys.argv[1:], capture_output=True, text=True, preexec_fn=cap)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    print(json.dumps({"code": proc.returncode, "out": proc.stdout, "err": proc.stderr, "peak": peak}))
    """
)


def test_ingest_of_the_utf16_bomb_stays_small_and_fails_in_one_line(
    tmp_path: Path, empty_workspace: Path
) -> None:
    """The issue's acceptance: 2 MB of UTF-16 stays under 256 MB and ends in a one-line error."""
    path = tmp_path / "b16.xml"
    path.write_bytes(bomb("utf-16"))
    assert 2_000_000 < path.stat().st_size < 2_100_000
    argv = [sys.executable, "-m", "tracker", "--workspace", str(empty_workspace), "ingest", str(path)]
    env = {"COLUMNS": "200", "NO_COLOR": "1", "PATH": "/usr/bin:/bin"}
    measured = [sys.executable, "-c", MEASURE, *argv]
    done = subprocess.run(measured, capture_output=True, text=True, timeout=120, check=True, env=env)
    report = json.loads(done.stdout)
    assert report["peak"] < 256 * 1024**2, report["peak"]
    assert report["code"] == 1
    assert "Traceback" not in report["out"] + report["err"]
    errors = [line for line in report["err"].splitlines() if line.startswith(f"{path}:")]
    assert errors, report
    assert "refused" in errors[0] and "expand" in errors[0]


def test_ingest_cli_reports_the_bomb_by_file(tmp_path: Path, empty_workspace: Path) -> None:
    path = tmp_path / "small-bomb.xml"
    path.write_bytes(bomb("utf-32", size=100_000, refs=50))
    result = run_cli("ingest", path, workspace=empty_workspace)
    assert result.code == 1
    assert "small-bomb.xml: refused" in result.out + result.err
