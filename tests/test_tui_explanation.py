"""The explanation panel and `tracker explain`: decisive hits first, each in its sentence.

Phrases, then gate terms about the subject, then profile terms, then dates; party names
and generic words last, counted. Each decisive hit is quoted in its sentence with the
term highlighted, never as `summary[104–109]`.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.clirun import run_cli
from tests.fixtures_tui import FixtureWorkspace, build_fixture, make_app
from tracker.core import Tracker, Workspace, keyword_in_context
from tracker.tui.screens.commitment import CommitmentScreen
from tracker.tui.widgets.explanation import ExplanationPanel

TERMS = """\
terms:
  china: [china, chinese]
  russia: [russia, russian]
"""
RULES = """\
rules:
  - id: alpha-media
    targets: {commitments: [alpha/2]}
    all: [$china, $russia, [media, broadcaster]]
    any: [radio, cooperation]
    phrases: [exchange programme]
"""
TITLE = "Russian and Chinese media sign exchange programme"
SUMMARY = "A joint media exchange programme was launched in Beijing. Chinese officials attended."


@pytest.fixture
def fixture(tmp_path: Path) -> FixtureWorkspace:
    built = build_fixture(tmp_path / "ws")
    (built.root / "rules" / "terms.yaml").write_text(TERMS, encoding="utf-8")
    (built.root / "rules" / "rules.yaml").write_text(RULES, encoding="utf-8")
    hits = []
    for term, field, text in [
        ("russian", "title", TITLE),
        ("chinese", "title", TITLE),
        ("media", "title", TITLE),
        ("chinese", "summary", SUMMARY),
        ("exchange programme", "summary", SUMMARY),
        ("exchange programme", "title", TITLE),
    ]:
        start = text.lower().index(term)
        hits.append({"term": term, "field": field, "start": start, "end": start + len(term), "text": term})
    conn = sqlite3.connect(built.db_path)
    conn.execute(
        "UPDATE signals SET hits = ? WHERE article_id = (SELECT id FROM articles WHERE title = ?)",
        (json.dumps(hits), TITLE),
    )
    conn.commit()
    conn.close()
    return built


def test_keyword_in_context_quotes_the_sentence() -> None:
    text = "First one. Russia and China will sign the media accord soon! Then more."
    start = text.index("media")
    assert keyword_in_context(text, start, start + 5) == (
        "Russia and China will sign the ",
        "media",
        " accord soon!",
    )
    chinese = "双方将每年就信息安全举行磋商。另一句。"
    start = chinese.index("信息安全")
    assert keyword_in_context(chinese, start, start + 4) == ("双方将每年就", "信息安全", "举行磋商。")
    long = "word " * 100 + "TERM" + " word" * 100
    before, term, after = keyword_in_context(long, 500, 504, width=40)
    assert before.startswith("…") and after.endswith("…") and term == "TERM"
    assert len(before) + len(after) <= 40


def test_term_kinds_follow_the_rules(fixture: FixtureWorkspace) -> None:
    tracker = Tracker(Workspace(fixture.root), db_path=fixture.db_path)
    kinds = tracker.term_kinds(("alpha-media",), ("china", "russia"))
    assert kinds["exchange programme"] == "phrase"
    assert kinds["media"] == "gate"
    assert kinds["radio"] == "term"
    assert kinds["chinese"] == "party" and kinds["russian"] == "party"
    assert kinds["cooperation"] == "generic"  # the stop-list's word, worth nothing alone
    assert tracker.term_kinds(("no-such-rule",), ()) == {}
    tracker.close()


async def test_panel_puts_the_decisive_hits_first_in_their_sentences(fixture: FixtureWorkspace) -> None:
    app = make_app(fixture)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.app.workers.wait_for_complete()
        pilot.app.open_commitment("alpha/2")
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, CommitmentScreen)
        while screen.current_item() is None or screen.current_item().title != TITLE:  # type: ignore[union-attr]
            await pilot.press("j")
        text = screen.query_one(ExplanationPanel).render().plain
        lines = text.splitlines()
        order = [n for n, line in enumerate(lines) if line.startswith(("phrase", "gate", "Also"))]
        kinds = [lines[n].split()[0] for n in order]
        assert kinds == ["phrase", "gate", "Also"], text
        phrase = lines[order[0]]
        # the phrase once, ×2, in the sentence of its first occurrence (the title)
        assert "title ×2: Russian and Chinese media sign exchange programme" in phrase
        assert "Also     russian, chinese ×2 (parties, generic words)" in text
        assert lines.index(lines[order[-1]]) > next(
            n for n, line in enumerate(lines) if line.startswith("Dates")
        )
        assert "[" not in phrase  # no offsets
        highlighted = [
            span for span in screen.query_one(ExplanationPanel).render().spans if "reverse" in str(span.style)
        ]
        assert highlighted


def test_tracker_explain_orders_conditions_and_quotes_sentences(fixture: FixtureWorkspace) -> None:
    conn = sqlite3.connect(fixture.db_path)
    [(article_id,)] = conn.execute("SELECT id FROM articles WHERE title = ?", (TITLE,)).fetchall()
    conn.close()
    result = run_cli("explain", str(article_id), "alpha/2", workspace=fixture.root)
    assert result.code == 0, result.err
    out = result.out
    assert out.index("phrases") < out.index("(gate)") < out.index("any") < out.index("(party)")
    assert "title: Russian and Chinese media sign exchange programme" in out
    assert "title 31-49" not in out and "(exchange programme)" not in out  # no offsets any more
