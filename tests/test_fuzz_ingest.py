"""Fuzzing `tracker ingest` with mutated real feeds, under a memory limit (issue 16).

Real feeds (the feedparser test corpus, and RSS built from real news entries of
2022-02-04) are mutated the ways hostile or broken publishers do: re-encoded into
UTF-16, UTF-32 and EBCDIC, given an entity bomb, truncated, laced with control
characters, escape sequences and bidi overrides, byte-flipped. All of them go through
the real CLI in one `ingest`, whose process tree must stay small, print no traceback,
report every bad file in one line, and store only inert links.

Deterministic (a fixed seed), so a failure is reproducible; `FUZZ_SEED` picks another.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
from html import escape
from pathlib import Path

import pytest

from tests.clirun import run_cli
from tests.conftest import SHARED
from tests.test_hostile_feeds import MEASURE, bomb

FEEDPARSER_TESTS = SHARED / "corpus" / "feedparser-tests"
NEWS_DAY = SHARED / "corpus" / "news-2022" / "key-day-2022-02-04"
SEED = int(os.environ.get("FUZZ_SEED", "16"))
HOSTILE_TEXT = ["\x1b]52;c;cm0gLXJmIH4=\x07", "\x1b[2J", "\u202e", "\u200b", "\x9b31m", "\x00", "\x08"]
ACTIVE = ("\x1b", "\x07", "\x9b", "\u202e", "\u200b")
DECLARATION = re.compile(rb"<\?xml[^>]*\?>")


def real_feeds(rng: random.Random, count: int) -> list[tuple[str, bytes]]:
    files = sorted(FEEDPARSER_TESTS.rglob("*.xml"))
    chosen = rng.sample(files, min(count, len(files)))
    return [(path.stem, path.read_bytes()) for path in chosen]


def news_feeds() -> list[tuple[str, bytes]]:
    """RSS documents made of real entries (titles, links, descriptions) of one news day."""
    feeds = []
    for path in sorted(NEWS_DAY.glob("*.json"))[:4]:
        entries = json.loads(path.read_text(encoding="utf-8"))[:30]
        items = "".join(
            f"<item><title>{escape(str(e.get('title') or ''))}</title>"
            f"<link>{escape(str(e.get('link') or ''))}</link>"
            f"<description>{escape(str(e.get('description') or ''))}</description></item>"
            for e in entries
        )
        body = (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>news</title>'
            f"<link>https://example.org/</link><description>d</description>{items}</channel></rss>"
        )
        feeds.append((path.stem[:40], body.encode("utf-8")))
    return feeds


def reencode(body: bytes, encoding: str) -> bytes:
    text = body.decode("utf-8", "replace")
    text = DECLARATION.sub(b"", text.encode("utf-8")).decode("utf-8").lstrip()
    return (f'<?xml version="1.0" encoding="{encoding}"?>\n' + text).encode(encoding, "replace")


def inject_text(body: bytes, rng: random.Random) -> bytes:
    """Control characters and escape sequences inside titles and links."""

    def lace(match: re.Match[bytes]) -> bytes:
        return match.group(1) + rng.choice(HOSTILE_TEXT).encode("utf-8") + match.group(2)

    return re.sub(rb"(<(?:title|link|description)[^>]*>)([^<]{0,40})", lace, body)


def mutate(name: str, body: bytes, rng: random.Random) -> list[tuple[str, bytes]]:
    out = [(f"{name}.plain.xml", body)]
    kind = rng.randrange(6)
    if kind == 0:
        out.append(
            (f"{name}.utf16.xml", reencode(inject_text(body, rng), rng.choice(["utf-16", "utf-16-be"])))
        )
    elif kind == 1:
        out.append((f"{name}.utf32.xml", reencode(body, "utf-32")))
    elif kind == 2:
        out.append((f"{name}.ebcdic.xml", reencode(body, "cp037")))
    elif kind == 3:
        cut = rng.randrange(1, max(2, len(body)))
        out.append((f"{name}.truncated.xml", body[:cut]))
    elif kind == 4:
        out.append((f"{name}.laced.xml", inject_text(body, rng)))
    else:
        flipped = bytearray(body)
        for _ in range(max(1, len(flipped) // 200)):
            flipped[rng.randrange(len(flipped))] = rng.randrange(256)
        out.append((f"{name}.flipped.xml", bytes(flipped)))
    return out


@pytest.mark.slow
@pytest.mark.skipif(not FEEDPARSER_TESTS.is_dir() or not NEWS_DAY.is_dir(), reason="needs ../shared/corpus")
def test_mutated_real_feeds_through_ingest_under_a_memory_limit(
    tmp_path: Path, empty_workspace: Path
) -> None:
    rng = random.Random(SEED)
    folder = tmp_path / "fuzz"
    folder.mkdir()
    written = 0
    for name, body in real_feeds(rng, 80) + news_feeds():
        for file_name, data in mutate(re.sub(r"[^\w.-]", "_", name), body, rng):
            (folder / f"{written:03d}-{file_name}").write_bytes(data)
            written += 1
    for encoding in ("utf-16", "utf-32", "cp037"):  # and bombs in the encodings that hid them
        (folder / f"{written:03d}-bomb-{encoding}.xml").write_bytes(bomb(encoding, size=200_000, refs=400))
        written += 1

    argv = [sys.executable, "-m", "tracker", "--workspace", str(empty_workspace), "ingest", str(folder)]
    env = {"COLUMNS": "200", "NO_COLOR": "1", "PATH": "/usr/bin:/bin", "PYTHONIOENCODING": "utf-8"}
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, *argv],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
        env=env,
    )
    report = json.loads(done.stdout)
    said = report["out"] + report["err"]
    assert report["code"] in (0, 1), said[-3000:]
    assert "Traceback" not in said, said[-3000:]
    print(f"fuzz: {written} files, peak RSS of the ingest process tree {report['peak'] / 1024**2:.0f} MB")
    assert report["peak"] < 512 * 1024**2, f"peak {report['peak'] / 1024**2:.0f} MB"
    errors = [line for line in report["err"].splitlines() if line.strip()]
    summary = f"{written} source(s):"
    assert all(line.startswith((str(folder), summary)) for line in errors), errors  # one line, by file
    assert sum("refused" in line and "bomb-" in line for line in errors) == 3
    assert summary in report["err"]

    listed = run_cli(
        "articles", "--format", "csv", "--limit", "100000", workspace=empty_workspace, timeout=120
    )
    assert listed.code == 0 and listed.out.count("\n") > 100
    for char in ACTIVE:
        assert char not in listed.out
