"""The matcher's shortcuts decide exactly what the full explaining path decides.

`Matcher.match` skips work the explanation would do: rules whose verified keywords fail
get no explanation, a stemmed phrase's later words are checked during the scan, a lede
without a year gets no date search, word starts for `near` come from searches in C.
Each must leave every result unchanged: here the linked explanations `match` returns
are compared with `explain`, which builds every rule's explanation the long way, over
real items of the shared corpus and the bundled rules (no timing is asserted).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from tests.conftest import REPO, SHARED
from tracker.core import Tracker
from tracker.feeds.backfill import entry_from_record
from tracker.records.workspace import Workspace
from tracker.rules import datecond
from tracker.rules.automaton import _Prepared
from tracker.rules.datecond import may_hold_year, mentioned_dates
from tracker.rules.textprep import is_cjk
from tracker.types import Article

CORPUS_FILES = [
    "news-2022/2022_china_and_russia_entries.jsonl",
    "state-media/cctv_xinwenlianbo_china_russia.jsonl",
    "state-media/china_english_headlines_2022_china_russia.jsonl",
    "state-media/rt_2023_china_russia.jsonl",
]


def _reference_word_starts(text: str) -> list[int]:
    """The per-character walk `word_starts` replaced."""
    spaces: list[int] = []
    cjk_run = 0
    for i, char in enumerate(text):
        if is_cjk(char):
            cjk_run += 1
            if cjk_run % 2 == 0:
                spaces.append(i)
        else:
            cjk_run = 0
            if char in " \x00":
                spaces.append(i)
    return spaces


@pytest.mark.parametrize(
    "text",
    [
        "",
        "china and russia sign\x00a deal on media",
        "中俄双边合作 进一步 深化\x00习近平 and путин meet\x00中国",
        "a 中 b 中俄 c 中俄合 d 中俄合作。新闻",
        "ｶﾀｶﾅ and かな　ひらがな",
    ],
)
def test_word_starts_equal_the_per_character_walk(text: str) -> None:
    article = Article(1, "g", None, None, text, "", "", None, None, datetime(2024, 1, 1, tzinfo=UTC))
    prepared = _Prepared.of(article)
    assert prepared.word_starts() == _reference_word_starts(prepared.text)


def test_a_text_without_a_year_is_not_searched(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object) -> list[object]:
        raise AssertionError("dateparser was asked")

    monkeypatch.setattr(datecond, "_searched", refuse)
    monkeypatch.setattr(datecond, "_explicit", refuse)
    assert not may_hold_year("Signed on 5 December, in the 19th round (of 12,0000 items)")
    assert mentioned_dates("Signed on 5 December, in the 19th round", "en", None) == []
    assert may_hold_year("signed in December 2017") and may_hold_year("2017年12月")


def test_years_a_quoted_date_could_carry() -> None:
    from tracker.rules.automaton import _years_in

    assert _years_in("signed 120221 times; in 1999 and 2101, page 2100") == {2022, 1999, 2100}
    assert _years_in("no year here, 19 or 203") == set()


def _corpus_articles() -> list[Article]:
    seen = datetime(2026, 1, 1, tzinfo=UTC)
    articles: list[Article] = []
    for name in CORPUS_FILES:
        path = SHARED / "corpus" / name
        if not path.exists():
            pytest.skip(f"the shared corpus is absent ({path} not found)")
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            try:
                e = entry_from_record(json.loads(line)["entry"])
            except ValueError:
                continue
            n = len(articles) + 1
            articles.append(
                Article(
                    n,
                    e.guid,
                    e.url,
                    e.canonical_url,
                    e.title,
                    e.summary,
                    e.content,
                    e.language,
                    e.published,
                    seen,
                )
            )
    return articles


def test_match_links_exactly_what_the_full_explanations_link() -> None:
    articles = _corpus_articles()
    matcher = Tracker(Workspace.locate(str(REPO))).matcher
    linked_total = 0
    for article in articles:
        fast = [r.explanation for r in matcher.match(article)]
        slow = [e for e in matcher.explain(article) if e.linked]
        assert fast == slow, article.title
        linked_total += len(fast)
    # The corpus holds real follow-ups: the comparison covers linked items, not only misses.
    assert linked_total > 10
