"""Plain text, canonical URLs, title keys and script detection."""

from __future__ import annotations

import pytest

from tracker.textnorm import (
    canonical_url,
    fingerprint,
    html_to_text,
    language_code,
    plain_title,
    script_language,
    tidy,
    title_key,
    to_plain,
    truncate,
)


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        ("<p>Hello <b>world</b></p>", "Hello world"),
        ("<p>One</p><p>Two</p>", "One\n\nTwo"),
        ("line<br>break<br/>again", "line\nbreak\nagain"),
        ("Tom &amp; Jerry &#8212; &quot;cats&quot;", 'Tom & Jerry — "cats"'),
        ("<p>source\n  line\nbreaks mean nothing</p>", "source line breaks mean nothing"),
        ("<script>alert(1)</script><style>p{}</style>text", "text"),
        ("<!-- wp:paragraph --><p>kept</p><!-- /wp:paragraph -->", "kept"),
        ("<a href=\"x>y\" title='a>b'>link</a>", "link"),
        ("<ul><li>a</li><li>b</li></ul>", "a\n\nb"),
        ("a < b and c > d", "a < b and c > d"),
        ("<![CDATA[raw]]> after", "after"),
        ("", ""),
        ("no markup\x00 at\x07 all\u200b", "no markup at all"),
        ("<p>中国和俄罗斯</p><p>Россия и Китай</p>", "中国和俄罗斯\n\nРоссия и Китай"),
    ],
)
def test_html_to_text(markup: str, expected: str) -> None:
    assert html_to_text(markup) == expected


def test_tidy_keeps_paragraphs_and_drops_the_rest() -> None:
    assert tidy("  a \t b \r\n\r\n\n  c\u00a0d\u3000e\n f ") == "a b\n\nc d e\nf"


def test_plain_text_values_are_not_parsed_as_html() -> None:
    assert to_plain("a < b > c", "text/plain") == "a < b > c"
    # A double-escaped feed leaves entities in text/plain values: unescaped once.
    assert to_plain("AT&amp;T", "text/plain") == "AT&T"
    assert plain_title("AT&amp;amp;T\n news", "text/plain") == "AT&amp;T news"


def test_html_titles_become_one_line() -> None:
    assert plain_title("<b>Big</b>\n<i>news</i> &amp; more", "text/html") == "Big news & more"


def test_truncate_cuts_at_a_word() -> None:
    assert truncate("short", 10) == "short"
    cut = truncate("one two three four five six seven", 20)
    assert cut.endswith("…") and len(cut) <= 21 and " " not in cut[-2:]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://Example.org/a?utm_source=rss&utm_medium=x", "https://example.org/a"),
        ("http://www.example.org:80/a#frag", "https://example.org/a"),
        ("https://example.org:8443/a", "https://example.org:8443/a"),
        ("https://example.org", "https://example.org/"),
        ("https://example.org/a?b=2&a=1", "https://example.org/a?a=1&b=2"),
        (
            "https://www.bbc.co.uk/news/world-60266121?at_medium=RSS&at_campaign=KARANGA",
            "https://bbc.co.uk/news/world-60266121",
        ),
        ("https://example.org/a?fbclid=1&gclid=2&id=7", "https://example.org/a?id=7"),
        ("https://example.cn/新闻/1", "https://example.cn/%E6%96%B0%E9%97%BB/1"),
        ("https://пример.рф/a", "https://xn--e1afmkfd.xn--p1ai/a"),
        ("urn:uuid:1234", None),
        ("javascript:alert(1)", None),
        ("not a url", None),
        ("", None),
        (None, None),
        ("http://[::1", None),
    ],
)
def test_canonical_url(url: str | None, expected: str | None) -> None:
    assert canonical_url(url) == expected


def test_title_key_ignores_case_punctuation_and_spacing() -> None:
    a = title_key("Putin and Xi sign a joint statement on energy")
    b = title_key("PUTIN AND XI SIGN A JOINT STATEMENT ON ENERGY!")
    c = title_key("Putin and Xi sign a joint statement — on energy.")
    assert a and a == b == c
    assert title_key("Putin and Xi sign a different statement") != a


def test_title_key_refuses_generic_titles() -> None:
    assert title_key("News") is None
    assert title_key("Briefing") is None
    assert title_key(None) is None
    assert title_key("中俄签署联合声明能源合作") is not None  # Chinese packs more per character


def test_fingerprint_is_stable_and_separates_fields() -> None:
    assert fingerprint("a", "b") == fingerprint("a", "b")
    assert fingerprint("ab", "") != fingerprint("a", "b")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("中华人民共和国和俄罗斯联邦关于新时代全面战略协作伙伴关系的联合声明", "zh"),
        ("Совместное заявление Российской Федерации и Китайской Народной Республики", "ru"),
        ("Joint statement of the Russian Federation and China", None),
        ("Xi Jinping (习近平) met Putin", None),
        ("", None),
    ],
)
def test_script_language(text: str, expected: str | None) -> None:
    assert script_language(text) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("en-US", "en"), ("zh_CN", "zh"), ("RU", "ru"), ("zh-Hans-CN", "zh"), ("english", None), (None, None)],
)
def test_language_code(value: str | None, expected: str | None) -> None:
    assert language_code(value) == expected
