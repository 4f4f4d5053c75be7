"""Text from strangers reaches the terminal, CSV and Markdown inert (issue 16, item 2).

An article's link holding `ESC]52;c;...BEL` (a clipboard write) and `ESC[2J` (clear
screen), and a title with a bidi override (U+202E), zero-width characters and a C1
CSI, must be shown, never obeyed, by every command that prints them: through the one
sanitiser (`textnorm.inert`), whatever is stored (old rows were stored raw).
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.clirun import run_cli
from tests.feedserver import make_rss
from tests.fixtures_status import build_status_fixture
from tracker.feeds.parsing import parse_feed
from tracker.textnorm import escape_active, inert, inert_link

HOSTILE_LINK = "https://evil.example/\x1b]52;c;cm0gLXJmIH4=\x07x\x1b[2J?\u202e=1"
HOSTILE_TITLE = "Sanctions \u202eeliated\u202c lifted\u200b\u2060 \x9b31m now \x1b[31mred"
ACTIVE = ("\x1b", "\x07", "\x9b", "\u202e", "\u202c", "\u200b", "\u2060")


def assert_inert(text: str) -> None:
    found = [repr(ch) for ch in ACTIVE if ch in text]
    assert not found, f"active characters reached the output: {found}"


def test_the_sanitiser() -> None:
    shown = inert(HOSTILE_TITLE)
    assert_inert(shown)
    assert "␛[31mred" in shown and "\ufffdeliated" in shown
    assert inert("two\nlines\tand tab") == "two lines and tab"
    assert inert("two\nlines", multiline=True) == "two\nlines"
    link = inert_link(HOSTILE_LINK)
    assert link is not None and link.startswith("https://evil.example/%1B]52;c;")
    assert_inert(link)
    data = json.dumps({"t": HOSTILE_TITLE}, ensure_ascii=False, indent=2)
    assert json.loads(escape_active(data)) == {"t": HOSTILE_TITLE}
    assert_inert(escape_active(data))


def test_a_hostile_link_is_stored_inert_from_a_feed() -> None:
    body = make_rss(1).replace(b"https://example.org/item/0?utm_source=rss", HOSTILE_LINK.encode("utf-8"))
    body = body.replace(b"<link>", b"<link><![CDATA[").replace(b"</link>", b"]]></link>")
    [entry] = parse_feed(body, url="https://example.org/feed.xml").entries
    assert entry.url is not None
    assert_inert(entry.url)
    assert entry.url.startswith("https://evil.example/%1B]52")


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    """The status fixture with every article's title and link made hostile, stored raw."""
    fixture = build_status_fixture(tmp_path / "ws")
    conn = sqlite3.connect(fixture.db_path)
    conn.execute("UPDATE articles SET url = ?, title = ?", (HOSTILE_LINK, HOSTILE_TITLE))
    hostile_row = (HOSTILE_LINK, HOSTILE_TITLE, HOSTILE_TITLE)
    conn.execute("UPDATE evidence SET url = ?, title = ?, note = ?", hostile_row)
    recent = (datetime.now(UTC) - timedelta(hours=1)).isoformat(timespec="seconds")  # in the digest
    conn.execute("UPDATE signals SET created = ?, updated = ?", (recent, recent))
    conn.commit()
    conn.close()
    return fixture.root


COMMANDS = [
    ("articles",),
    ("articles", "--format", "csv"),
    ("articles", "--format", "yaml"),
    ("articles", "--format", "json"),
    ("review",),
    ("review", "--format", "csv"),
    ("evidence", "list", "alpha/2"),
    ("evidence", "list", "alpha/2", "--format", "csv"),
    ("digest", "--since", "2000-01-01"),
    ("digest", "--since", "2000-01-01", "--format", "markdown"),
    ("digest", "--since", "2000-01-01", "--format", "json"),
    ("export", "--format", "markdown"),
    ("export", "--format", "csv", "--what", "evidence"),
]


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_every_output_is_inert(hostile: Path, args: tuple[str, ...]) -> None:
    result = run_cli(*args, workspace=hostile)
    assert result.code == 0, result.err
    assert_inert(result.out + result.err)
    assert "evil.example" in result.out or "Sanctions" in result.out, result.out[:2000]


def test_json_keeps_the_data_exactly(hostile: Path) -> None:
    result = run_cli("articles", "--format", "json", workspace=hostile)
    rows = json.loads(result.out)
    assert any(row.get("url") == HOSTILE_LINK for row in rows)
    assert any(row.get("title") == HOSTILE_TITLE for row in rows)
