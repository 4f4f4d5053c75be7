"""The compiled matcher: each condition kind, each language, wildcards, CJK substrings,
word boundaries, normalisation, scores, date windows and dates mentioned in the text.

Pure: no database. Statements and term sets come from tests/test_rules_model.py.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.test_rules_model import make_workspace, statements_of
from tracker.rules import Matcher, compile_rules, load_rules
from tracker.rules import automaton as automaton_module
from tracker.types import Article

BASE = "rules:\n  - id: r1\n    targets: {commitments: [demo/1]}\n"


def build(tmp_path: Path, rules: str) -> Matcher:
    root = make_workspace(tmp_path / "ws", rules)
    statements = statements_of(root)
    loaded, problems = load_rules(root / "rules", statements)
    assert not problems, "\n".join(map(str, problems))
    return compile_rules(loaded, statements)


def article(
    title: str,
    summary: str = "",
    content: str = "",
    *,
    published: datetime | None = datetime(2022, 5, 1, tzinfo=UTC),
    id: int = 1,
    language: str | None = None,
) -> Article:
    return Article(
        id, f"guid-{id}", None, None, title, summary, content, language, published, datetime.now(UTC)
    )


def linked(matcher: Matcher, *args: str, **kwargs: object) -> set[tuple[str, str]]:
    return matcher.linked_pairs(article(*args, **kwargs))  # type: ignore[arg-type]


def one_rule(tmp_path: Path, body: str) -> Matcher:
    return build(tmp_path, BASE + body)


# ---------------------------------------------------------------- condition kinds


def test_all_groups_each_need_a_term(tmp_path: Path) -> None:
    m = one_rule(tmp_path, "    all: [$china, $russia]\n    phrases: [information security]\n")
    assert linked(m, "China and Russia discuss information security") == {("r1", "demo/1")}
    assert linked(m, "China discusses information security") == set()
    assert linked(m, "Russia discusses information security") == set()


def test_any_terms_score_one_point_each(tmp_path: Path) -> None:
    m = one_rule(tmp_path, "    any: [cert, emergency response, threat sharing]\n")
    assert linked(m, "CERT teams rehearse emergency response") == {("r1", "demo/1")}
    assert linked(m, "CERT teams meet") == set()  # one profile term: 1 point < 2


def test_an_exact_phrase_scores_two_points_alone(tmp_path: Path) -> None:
    m = one_rule(tmp_path, "    any: [cert]\n    phrases: [information security cooperation]\n")
    assert linked(m, "Talks on information security cooperation") == {("r1", "demo/1")}
    assert linked(m, "Talks on information security and cooperation") == set()


def test_none_excludes(tmp_path: Path) -> None:
    m = one_rule(tmp_path, "    phrases: [information security]\n    none: [hacker*, 黑客, хакер*]\n")
    assert linked(m, "Information security talks") == {("r1", "demo/1")}
    assert linked(m, "Hackers threaten information security") == set()
    assert linked(m, "Information security", "黑客攻击") == set()
    assert linked(m, "Information security", "русские хакеры") == set()


def test_min_score_and_weight(tmp_path: Path) -> None:
    m = one_rule(tmp_path, "    any: [cert, drill, exercise]\n    min_score: 3\n")
    assert linked(m, "CERT drill") == set()
    assert linked(m, "CERT drill and exercise") == {("r1", "demo/1")}
    heavy = build(tmp_path / "heavy", BASE + "    any: [cert, drill]\n    weight: 2\n")
    assert linked(heavy, "CERT meets") == {("r1", "demo/1")}  # 2 × 1 point


def test_generic_words_never_count(tmp_path: Path) -> None:
    m = one_rule(tmp_path, "    any: [cert, drill, cooperation, strengthen, ensure]\n")
    assert linked(m, "Strengthen cooperation to ensure CERT work") == set()  # cert: 1 point, the rest 0
    explanation = m.explain(article("Strengthen cooperation to ensure CERT work"))[0]
    assert explanation.score == 1.0


def test_spelling_variants_of_one_concept_count_once(tmp_path: Path) -> None:
    m = one_rule(tmp_path, "    any: [cybersecurity, cyber security, cert]\n")
    assert linked(m, "Cybersecurity and cyber-security") == set()
    assert linked(m, "Cybersecurity and CERT") == {("r1", "demo/1")}


def test_overlapping_matches_count_once(tmp_path: Path) -> None:
    m = one_rule(tmp_path, "    any: [personal data, data protection, privacy]\n")
    assert linked(m, "New personal data protection rules") == set()
    assert linked(m, "Personal data and privacy") == {("r1", "demo/1")}


def test_fields_limit_what_a_rule_reads(tmp_path: Path) -> None:
    m = one_rule(tmp_path, "    fields: [title]\n    phrases: [information security]\n")
    assert linked(m, "Information security talks") == {("r1", "demo/1")}
    assert linked(m, "Talks", "information security", "information security") == set()


def test_no_match_spans_two_fields(tmp_path: Path) -> None:
    m = one_rule(tmp_path, "    phrases: [information security]\n")
    assert linked(m, "Talks on information", "security for all") == set()
    assert linked(m, "Talks", "on information security") == {("r1", "demo/1")}
    assert linked(m, "Talks", "", "the content: information security") == {("r1", "demo/1")}


def test_a_rule_links_every_target(tmp_path: Path) -> None:
    m = build(tmp_path, "rules:\n  - id: r1\n    targets: {statements: [demo]}\n    phrases: [media year]\n")
    assert linked(m, "A media year", published=datetime(2017, 1, 1, tzinfo=UTC)) == {
        ("r1", "demo/1"),
        ("r1", "demo/2"),
    }


# ---------------------------------------------------------------- languages, wildcards, boundaries


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("China and Russia sign information security cooperation deal", True),
        ("中俄签署信息安全合作协议", True),  # 中俄 satisfies both party groups; CJK substrings
        ("Россия и КНР договорились об информационной безопасности", True),
        ("Российско-китайские консультации по информационной безопасности", True),  # prefixes росси*, китай*
        ("Россия и Китай: хакеры и информационная безопасность", False),  # none: хакер*
        ("Prussia and China discuss information security", False),  # "russia" is not a word in Prussia
    ],
)
def test_each_language(tmp_path: Path, title: str, expected: bool) -> None:
    m = one_rule(
        tmp_path,
        """\
    all: [$china, $russia]
    phrases:
      en: [information security cooperation]
      zh: [信息安全合作]
      ru: [информационной безопасност*, информационная безопасность]
    none: [хакер*]
""",
    )
    assert bool(linked(m, title)) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("российская делегация", True),
        ("Российскому правительству", True),
        ("нероссийская сторона", False),  # a prefix needs a boundary at its start
        ("российск", True),  # the stem alone is a word too
    ],
)
def test_prefix_wildcard(tmp_path: Path, text: str, expected: bool) -> None:
    m = one_rule(tmp_path, "    any: [российск*, делегаци*, правительств*, сторон*]\n    min_score: 1\n")
    found = m.explain(article(text))
    assert any(h.term == "российск*" for e in found for h in e.hits) is expected


def test_wildcards_inside_a_phrase_follow_russian_inflection(tmp_path: Path) -> None:
    m = one_rule(tmp_path, "    phrases: [трансграничн* электронн* торговл*]\n")
    for text in (
        "трансграничная электронная торговля",
        "развивают трансграничную электронную торговлю",
        "о трансграничной электронной торговле",
    ):
        assert linked(m, text) == {("r1", "demo/1")}, text
    assert linked(m, "трансграничная торговля") == set()
    assert linked(m, "трансграничная электронная") == set()
    [explanation] = m.explain(article("Они развивают трансграничную электронную торговлю."))
    assert [h.text for h in explanation.hits] == ["трансграничную электронную торговлю"]


@pytest.mark.parametrize(
    ("term", "text", "expected"),
    [
        ("russian", "Russians", True),  # stemmed: Snowball reads both as "russian"
        ("russian", "Russian-made", True),  # a hyphen is a boundary
        ("russian", "Russian’s", True),
        ("un", "until", False),
        ("un", "the UN said", True),
        ("ai", "he said", False),
        ("ai", "AI-driven", True),
        ("5g", "中俄5G合作", True),  # next to Chinese characters, a Latin term is on a boundary
        ("u.n.", "the U.N. vote", True),
        ("信息安全", "中俄信息安全合作协议", True),  # Chinese: a substring anywhere
        ("安全", "信息安全", True),
    ],
)
def test_word_boundaries_and_cjk_substrings(tmp_path: Path, term: str, text: str, expected: bool) -> None:
    m = one_rule(tmp_path, f"    any: ['{term}', unlikelyword]\n    min_score: 1\n")
    assert bool(linked(m, text)) is expected


@pytest.mark.parametrize(
    "text",
    [
        "ＣＨＩＮＡ–RUSSIA CYBER‐SECURITY",  # full-width letters, en dash, Unicode hyphen
        "china russia cyber security",
        "China\nRussia   cyber\tsecurity",  # any white space
    ],
)
def test_normalisation(tmp_path: Path, text: str) -> None:
    m = one_rule(tmp_path, "    all: [$china, $russia]\n    phrases: [cyber-security]\n")
    assert linked(m, text) == {("r1", "demo/1")}


def test_yo_and_ye_are_one_letter(tmp_path: Path) -> None:
    m = one_rule(tmp_path, "    any: [ещё, объём]\n")
    assert linked(m, "еще больше, объем вырос") == {("r1", "demo/1")}
    m2 = build(tmp_path / "b", BASE + "    any: [еще, объем]\n")
    assert linked(m2, "Ещё больше, ОБЪЁМ вырос") == {("r1", "demo/1")}


# ---------------------------------------------------------------- explanations


def test_explanation_quotes_the_original_text(tmp_path: Path) -> None:
    m = one_rule(tmp_path, "    all: [$china, $russia]\n    any: [cert, drill*]\n    none: [hacker*]\n")
    title = "ＣＨＩＮＡ and Russia’s CERT"
    summary = "The teams hold Drills\u00a0today."
    [result] = m.match(article(title, summary))
    assert result.score == 2.0 and result.relation == "supports"
    fields = {"title": title, "summary": summary}
    for hit in result.hits:
        assert fields[hit.field][hit.start : hit.end] == hit.text
    assert {(h.term, h.text) for h in result.hits} >= {("china", "ＣＨＩＮＡ"), ("drill*", "Drills")}
    conditions = {c.condition: c for c in result.explanation.conditions}
    assert conditions["none"].held and "hacker*" in conditions["none"].detail
    assert conditions["score"].held


def test_explain_says_which_conditions_failed(tmp_path: Path) -> None:
    m = one_rule(tmp_path, "    all: [$china, $russia]\n    any: [cert, drill]\n    none: [hacker*]\n")
    [explanation] = m.explain(article("Chinese hackers run a CERT drill"))
    assert not explanation.linked
    held = {c.condition: c.held for c in explanation.conditions}
    assert held == {"all[0]": True, "all[1]": False, "any": True, "none": False, "score": True}
    none = next(c for c in explanation.conditions if c.condition == "none")
    assert [h.text for h in none.hits] == ["hackers"]


def test_explain_for_a_commitment_lists_every_rule_targeting_it(tmp_path: Path) -> None:
    rules = (
        BASE
        + "    phrases: [media year]\n  - id: r2\n    targets: {commitments: [demo/2]}\n    phrases: [a b]\n"
    )
    m = build(tmp_path, rules)
    assert [e.rule_id for e in m.explain(article("Nothing relevant"), "demo/1")] == ["r1"]
    assert m.explain(article("Nothing relevant")) == []  # without a commitment: rules with a hit


# ---------------------------------------------------------------- dates


DATED = BASE.replace("demo/1]", "demo/2]") + "    phrases: [media year]\n"


@pytest.mark.parametrize(
    ("dates", "published", "expected"),
    [
        ("{window: true}", datetime(2017, 1, 1), True),  # demo/2 window: 2016-10-29 … 2017-12-31
        ("{window: true}", datetime(2016, 10, 28), False),
        ("{window: true}", datetime(2018, 1, 1), False),
        ("{after: 2017-06-01}", datetime(2017, 6, 1), True),
        ("{after: 2017-06-01}", datetime(2017, 5, 31), False),
        ("{before: 1 June 2017}", datetime(2017, 6, 1), True),
        ("{before: 1 June 2017}", datetime(2017, 6, 2), False),
        ("{within: 2 years}", datetime(2018, 6, 24), True),  # statement dated 2016-06-25
        ("{within: 2 years}", datetime(2018, 6, 26), False),
        ("{within: 2 years}", datetime(2016, 6, 24), False),
        ("{window: true, within: 1 year}", datetime(2017, 7, 1), False),  # every bound must hold
        # Undated, and no date in the text: the act's date is unknown, so open bounds do not
        # exclude it (an analyst sees why in the explanation); a window that has closed
        # (demo/2 ended 2017-12-31) needs some date or year in the text to place the act.
        ("{after: 2017-03-01}", None, True),
        ("{window: true}", None, False),
    ],
)
def test_date_windows(tmp_path: Path, dates: str, published: datetime | None, expected: bool) -> None:
    m = build(tmp_path, DATED + f"    dates: {dates}\n")
    when = published.replace(tzinfo=UTC) if published else None
    assert bool(linked(m, "A media year", published=when)) is expected


def test_within_counts_from_the_window_start_when_the_statement_has_no_date(tmp_path: Path) -> None:
    # nodate/2: statement date `not stated`, window from 2022-04-01.
    m = build(
        tmp_path,
        BASE.replace("demo/1]", "nodate/2]")
        + "    phrases: [joint standards]\n    dates: {within: 1 year}\n",
    )
    assert linked(m, "Joint standards", published=datetime(2022, 4, 1, tzinfo=UTC)) == {("r1", "nodate/2")}
    assert linked(m, "Joint standards", published=datetime(2023, 4, 2, tzinfo=UTC)) == set()
    [explanation] = m.explain(article("Joint standards", published=datetime(2023, 4, 2, tzinfo=UTC)))
    assert "window start 2022-04-01 (statement date not stated)" in explanation.conditions[-1].detail


def test_absolute_bounds_when_nothing_is_dated(tmp_path: Path) -> None:
    # nodate/1 has neither a date nor a window: validation refuses `within` and `window`
    # (test_rules_model); absolute bounds work.
    m = build(
        tmp_path,
        BASE.replace("demo/1]", "nodate/1]") + "    phrases: [e commerce]\n    dates: {after: 2021-04-01}\n",
    )
    assert linked(m, "E-commerce grows", published=datetime(2021, 4, 1, tzinfo=UTC)) == {("r1", "nodate/1")}
    assert linked(m, "E-commerce grows", published=datetime(2021, 3, 31, tzinfo=UTC)) == set()


def test_mentioned_dates_count_when_asked(tmp_path: Path) -> None:
    m = build(tmp_path, DATED + "    dates: {window: true, mentioned: true}\n")
    late = datetime(2022, 5, 20, tzinfo=UTC)
    [result] = m.match(article("A media year", "The media year ended in December 2017.", published=late))
    assert result.dates == ("2017-12-01 (mentioned: December 2017)",)
    assert linked(m, "A media year", "Nothing happened in March 2015.", published=late) == set()
    plain = build(tmp_path / "plain", DATED + "    dates: {window: true}\n")
    assert linked(plain, "A media year", "The media year ended in December 2017.", published=late) == set()


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("Годы обменов завершились в декабре 2017 года.", "2017-12-01"),
        ("2017年3月1日，双方举行媒体年活动。", "2017-03-01"),
        ("It closed on 5 March 2017.", "2017-03-05"),
    ],
)
def test_mentioned_dates_in_each_language(tmp_path: Path, text: str, day: str) -> None:
    m = build(tmp_path, DATED + "    dates: {window: true, mentioned: true}\n")
    [result] = m.match(article("A media year", text, published=datetime(2022, 5, 20, tzinfo=UTC)))
    assert result.dates[0].startswith(day)


def test_dates_in_text_are_read_only_after_the_keywords_pass(tmp_path: Path, monkeypatch) -> None:
    calls: list[str] = []

    def fake(text: str, language: str | None, published: datetime | None) -> list:
        calls.append(text)
        return []

    monkeypatch.setattr(automaton_module, "mentioned_dates", fake)
    m = build(tmp_path, DATED + "    dates: {window: true, mentioned: true}\n")
    late = datetime(2022, 5, 20, tzinfo=UTC)
    for i in range(20):
        m.match(article(f"Unrelated story {i} of December 2017", published=late, id=i))
    assert calls == []
    m.match(article("A media year", "in December 2017", published=late))
    assert len(calls) == 1


# ---------------------------------------------------------------- the fast path agrees with the explanation


VOCABULARY = tuple(
    " ".join(
        [
            "china chinese russia russian moscow 中俄 信息安全 合作 российская кнр",
            "cert drill drills exercise",
            "hackers hacker cooperation strengthen media year information security cyber-security security",
            "the a of and in on talks news people report сотрудничество учения",
        ]
    ).split(" ")
)


def test_fast_path_and_explanations_agree(tmp_path: Path) -> None:
    rules = """\
rules:
  - id: a
    targets: {commitments: [demo/1]}
    all: [$china, $russia]
    any: [cert, drill*, exercise, учени*]
    none: [hacker*]
  - id: b
    targets: {statements: [demo]}
    fields: [title]
    phrases: [information security, 信息安全]
    any: [cert]
    min_score: 3
  - id: c
    targets: {commitments: [demo/1]}
    all: [$russia]
    any: [media year, cyber security, cert, российск*]
    weight: 0.5
    min_score: 1
"""
    m = build(tmp_path, rules)
    rng = random.Random(7)
    agreed = linked_count = 0
    for i in range(400):
        words = [rng.choice(VOCABULARY) for _ in range(rng.randint(3, 12))]
        cut = rng.randint(0, len(words))
        a = article(" ".join(words[:cut]), " ".join(words[cut:]), id=i)
        fast = {(r.rule_id, r.commitment_id) for r in m.match(a)}
        slow = {(e.rule_id, e.commitment_id) for e in m.explain(a) if e.linked}
        assert fast == slow, (a.title, a.summary)
        agreed += 1
        linked_count += bool(fast)
    assert agreed == 400 and 20 < linked_count < 380  # the sample exercises both outcomes


SCAN_RULES = """\
rules:
  - id: s
    targets: {commitments: [demo/1]}
    all: [$china, $russia]
    phrases: [china daily, china russia agreement, china and russia, joint statement, joint agreements,
      совместное заявление, 信息安全]
    any: [witnessed, signed, agreements]
"""

#: Words and characters that decide how a text is scanned: curly quotes and bullets
#: (scanned as it is), Chinese and emoji (scanned as UTF-8 bytes), stems and their lookalikes.
SCAN_VOCABULARY = [
    "china",
    "and",
    "daily",
    "dailies",
    "chinas",
    "russia",
    "russian",
    "witnessed",
    "witness",
    "with",
    "wit",
    "sign",
    "signed",
    "signing",
    "agreement",
    "agreements",
    "joint",
    "statement",
    "statements",
    "совместное",
    "совместного",
    "заявление",
    "заявления",
    "中俄",
    "信息安全",
    "合作",
    "“",
    "”",
    "•",
    "€",
    "😀",
    "—",
    "china’s",
    "daily,",
    "é",
    "café",
]


def _verified_gids(m: Matcher, a: Article) -> set[int]:
    prepared = automaton_module._Prepared.of(a)
    return {hit.variant.gid for hit in m._hits(prepared)}


def _scanned_gids(m: Matcher, a: Article) -> set[int]:
    _raw, text, haystack = automaton_module._texts(a)
    found = m._scan(text, haystack)
    if found is None:
        return set()
    return set().union(*found[:3]) if m._by_field else set(found[0])


def test_the_scan_never_drops_a_form_the_explanation_finds(tmp_path: Path) -> None:
    """The scan checks stems and a phrase's later words (also in text scanned as bytes);
    it may still over-count, never under-count, or `match` would miss links."""
    m = build(tmp_path, SCAN_RULES)
    rng = random.Random(11)
    stricter = 0
    for i in range(1_500):
        words = [rng.choice(SCAN_VOCABULARY) for _ in range(rng.randint(2, 14))]
        a = article(" ".join(words), id=i)
        verified, scanned = _verified_gids(m, a), _scanned_gids(m, a)
        assert verified <= scanned, (a.title, verified - scanned)
        stricter += scanned == verified
    assert stricter > 1_000  # and it is mostly exact, which is why it is worth checking


def test_one_pattern_for_a_keys_phrases_gives_what_each_phrase_gives(tmp_path: Path) -> None:
    """`_Forms.any_words`/`any_bytes` only skip work: with or without them, the same forms hold."""
    m = build(tmp_path, SCAN_RULES)
    gated = [entry for entry in m._table if entry[2] < 0 and (entry[3].any_words or entry[3].any_bytes)]
    assert gated  # the rules have phrases sharing a first word ("china daily", "china and russia")
    rng = random.Random(5)
    compared = 0
    for i in range(800):
        words = [rng.choice(SCAN_VOCABULARY) for _ in range(rng.randint(2, 14))]
        _raw, text, haystack = automaton_module._texts(article(" ".join(words), id=i))
        for end, key_index in m._automaton.iter(haystack):
            forms = m._table[key_index][3]
            if m._table[key_index][2] >= 0:
                continue
            plain = automaton_module._Forms(forms.forms, None, None)
            expected = automaton_module._forms_holding(plain, text, haystack, end)
            assert automaton_module._forms_holding(forms, text, haystack, end) == expected
            compared += 1
    assert compared > 500


def test_the_scan_checks_stems_and_later_words_in_both_kinds_of_text(tmp_path: Path) -> None:
    m = build(tmp_path, SCAN_RULES)
    witnessed = _scanned_gids(m, article("they witnessed it"))
    assert witnessed and _scanned_gids(m, article("with them")) == set()  # "with" is not "wit…"
    for extra in ("", " “quoted”", " 中俄"):  # as it is, with curly quotes, as UTF-8 bytes
        alone = _scanned_gids(m, article("china said" + extra))
        phrase = _scanned_gids(m, article("china daily said" + extra))
        assert len(phrase - alone) == 1, extra  # "china daily" only where "daily" follows


def test_fingerprint_follows_meaning_not_layout(tmp_path: Path) -> None:
    text = BASE + "    phrases: [media year]\n"
    first = build(tmp_path / "1", text).fingerprint
    assert build(tmp_path / "2", "# a comment\n" + text).fingerprint == first
    assert build(tmp_path / "3", text.replace("media year", "media years")).fingerprint != first


def test_no_rules_no_matches(tmp_path: Path) -> None:
    m = compile_rules([], statements_of(make_workspace(tmp_path / "ws", "rules: []\n")))
    assert m.match(article("China and Russia")) == []
    assert m.explain(article("China and Russia")) == []
