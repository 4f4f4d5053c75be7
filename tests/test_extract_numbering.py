"""Numbered points in every form, the lists they make, and bilingual pairing."""

from __future__ import annotations

import pytest

from tracker.extract.commitments import select_commitments
from tracker.extract.numbering import find_lists, parse_label, roman_number, zh_number
from tracker.extract.pairing import build_units
from tracker.extract.sentences import is_mechanism, is_undertaking
from tracker.extract.text import Paragraph, split_languages, split_paragraphs


def paragraphs(*lines: str) -> list[Paragraph]:
    return split_paragraphs("\n".join(lines))


@pytest.mark.parametrize(
    ("line", "scheme", "value", "printed", "rest"),
    [
        # Arabic numerals, every punctuation
        ("1. Jointly advocate respect", "1.", 1, "1", "Jointly advocate respect"),
        ("12．全角句点", "1.", 12, "12", "全角句点"),
        ("2) Strengthen cooperation", "1)", 2, "2", "Strengthen cooperation"),
        ("3）加强合作", "1)", 3, "3", "加强合作"),
        ("(4) Expand exchanges", "(1)", 4, "4", "Expand exchanges"),
        ("（5）扩大交流", "(1)", 5, "5", "扩大交流"),
        ("6、开展合作", "1、", 6, "6", "开展合作"),
        ("２. Full-width digit", "1.", 2, "２", "Full-width digit"),
        # Roman numerals
        ("I, We jointly advocate", "I,", 1, "I", "We jointly advocate"),
        ("IV, We will strengthen", "I,", 4, "IV", "We will strengthen"),
        ("IX. Ninth point", "I.", 9, "IX", "Ninth point"),
        ("XII) Twelfth point", "I)", 12, "XII", "Twelfth point"),
        # Chinese numerals
        ("一、共同倡导推动尊重各国网络主权", "一、", 1, "一", "共同倡导推动尊重各国网络主权"),
        ("十二、第十二点", "一、", 12, "十二", "第十二点"),
        ("二十一、第二十一点", "一、", 21, "二十一", "第二十一点"),
        ("（三）加强科技合作", "(一)", 3, "三", "加强科技合作"),
        ("(七)开展应急合作", "(一)", 7, "七", "开展应急合作"),
        ("第二，双方同意", "第一", 2, "二", "双方同意"),
        ("第三条 双方将", "第一", 3, "三", "双方将"),
        # English ordinal words
        ("First, we will hold talks", "First,", 1, "First", "we will hold talks"),
        ("Secondly, the sides agree", "First,", 2, "Secondly", "the sides agree"),
        ("Third: expand trade", "First,", 3, "Third", "expand trade"),
        # Russian
        ("1. Стороны будут развивать", "1.", 1, "1", "Стороны будут развивать"),
        ("Во-первых, стороны договорились", "Во-первых,", 1, "Во-первых", "стороны договорились"),
        ("В-третьих, стороны выступают за", "Во-первых,", 3, "В-третьих", "стороны выступают за"),
        ("Второе: укреплять связи", "Первое,", 2, "Второе", "укреплять связи"),
        ("б) обмен опытом", "a)", 2, "б", "обмен опытом"),
        # Letters
        ("(b) exchange of experts", "(a)", 2, "b", "exchange of experts"),
        ("c) joint research", "a)", 3, "c", "joint research"),
    ],
)
def test_parse_label_forms(line: str, scheme: str, value: int, printed: str, rest: str) -> None:
    label = parse_label(line)
    assert label is not None
    assert (label.scheme, label.value, label.printed, label.rest) == (scheme, value, printed, rest)


@pytest.mark.parametrize(
    "line",
    [
        "I will cite several tools",  # a pronoun, not a numeral
        "Today, as the world goes through changes",  # a capitalised word and a comma
        "1.5 million people took part",  # a decimal number
        "2016 was a year of media exchange",  # a year
        "一个安全稳定繁荣的信息网络空间",  # 一 as a numeral inside a word
        "第一次会议在北京举行",  # "the first meeting", not a label
        "十分必要",  # 十 inside a word
        "Однако, стороны отметили",  # a capitalised Russian word and a comma
        "1.",  # a label with nothing after it
    ],
)
def test_parse_label_rejects_ordinary_text(line: str) -> None:
    assert parse_label(line) is None


@pytest.mark.parametrize(
    ("text", "value"), [("一", 1), ("十", 10), ("十二", 12), ("二十", 20), ("九十九", 99), ("○", 0)]
)
def test_zh_number(text: str, value: int) -> None:
    assert zh_number(text) == value


@pytest.mark.parametrize(("text", "value"), [("I", 1), ("IV", 4), ("VII", 7), ("XIV", 14)])
def test_roman_number(text: str, value: int) -> None:
    assert roman_number(text) == value


@pytest.mark.parametrize("text", ["IIII", "VX", "IC", "A"])
def test_roman_number_rejects_malformed(text: str) -> None:
    assert roman_number(text) is None


def test_list_needs_labels_counting_from_one() -> None:
    lists = find_lists(paragraphs("3. Not a start.", "5. Out of order.", "A paragraph."))
    assert lists == []


def test_list_runs_in_order_and_ignores_out_of_sequence_labels() -> None:
    lists = find_lists(
        paragraphs("1. First point.", "2. Second point.", "2016. A stray number.", "3. Third.")
    )
    assert [p.label.value for p in lists[0].points] == [1, 2, 3]


def test_restarted_numbering_makes_two_lists() -> None:
    lists = find_lists(paragraphs("1. a.", "2. b.", "Intermission text.", "1. c.", "2. d."))
    assert [len(lst.points) for lst in lists] == [2, 2]


def test_heading_points_keep_their_explanation_but_not_the_closing() -> None:
    lists = find_lists(
        paragraphs(
            "1. Highlight the role of media",
            "Explanation one.",
            "2. Establish a mechanism",
            "Explanation two.",
            "3. Strengthen cooperation",
            "Explanation three.",
            "Let us join hands: a closing paragraph.",
        )
    )
    points = lists[0].points
    assert points[0].text == "Highlight the role of media\nExplanation one."
    assert points[2].text == "Strengthen cooperation\nExplanation three."


def test_sub_list_stays_inside_its_point() -> None:
    lists = find_lists(
        paragraphs("一、总则。", "（一）第一小点。", "（二）第二小点。", "二、合作。", "三、机制。")
    )
    assert len(lists) == 1
    assert "（二）第二小点。" in lists[0].points[0].text


def test_mixed_language_line_is_split() -> None:
    line = "三、加强信息网络空间领域的科技合作。3. Step up scientific and technological cooperation;"
    assert split_languages(line) == [
        "三、加强信息网络空间领域的科技合作。",
        "3. Step up scientific and technological cooperation;",
    ]


def test_acronym_inside_chinese_is_not_split() -> None:
    line = "双方将加强ICT领域的合作,推动信息通信技术研究开发。"
    assert split_languages(line) == [line]


def test_interleaved_points_pair_into_one_commitment_with_two_languages() -> None:
    body = paragraphs(
        "我们主张各国均有权平等参与互联网治理。",
        "Advocate for equal rights of all countries to participate in Internet governance.",
        "一、共同倡导尊重各国网络主权。1. Jointly advocate respect for sovereignty;",
        "二、加强经济合作。2. Strengthen economic cooperation;",
        "双方将制定实施路线图。",
        "Both sides will draw implementation roadmaps.",
    )
    points, blocks = build_units(body)
    found = select_commitments(points, blocks)
    assert [c.local_id for c in found] == ["preamble-1", "1", "2", "mechanism"]
    assert found[1].texts == {
        "en": "Jointly advocate respect for sovereignty;",
        "zh": "共同倡导尊重各国网络主权。",
    }
    assert found[0].texts["zh"] == "我们主张各国均有权平等参与互联网治理。"
    assert found[3].texts["en"] == "Both sides will draw implementation roadmaps."


# ---------------------------------------------------------------- commitments outside lists


@pytest.mark.parametrize(
    ("sentence", "lang"),
    [
        ("The two countries will make joint efforts to promote development.", "en"),
        ("The parties shall exchange information.", "en"),
        ("Both sides agree to hold annual consultations.", "en"),
        ("We advocate the establishment of a multilateral governance system.", "en"),
        ("We support the central role of the United Nations.", "en"),
        ("两国将共同致力于推进信息网络空间发展。", "zh"),
        ("双方愿进一步增强互信。", "zh"),
        ("双方同意建立定期磋商机制。", "zh"),
        ("我们主张各国均有权平等参与互联网治理。", "zh"),
        ("Мы будем развивать сотрудничество.", "ru"),
        ("Стороны договорились о проведении консультаций.", "ru"),
        ("Россия и Китай выступают за многополярный мир.", "ru"),
    ],
)
def test_undertaking_sentences(sentence: str, lang: str) -> None:
    assert is_undertaking(sentence, lang)


@pytest.mark.parametrize(
    ("sentence", "lang"),
    [
        ("Information technology abuse is grave.", "en"),
        ("The sides agreed as follows:", "en"),  # announces a list, the points are the promises
        ("信息网络空间深刻改变了人类的生产生活。", "zh"),
        ("这是我们的愿景。", "zh"),  # 愿 inside 愿景 ("vision")
        ("Стороны договорились о следующем:", "ru"),
        ("Цифровая экономика растет.", "ru"),
    ],
)
def test_not_undertaking_sentences(sentence: str, lang: str) -> None:
    assert not is_undertaking(sentence, lang)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Senior representatives are designated, responsible to meet regularly.", "en"),
        ("Competent authorities will draw implementation roadmaps.", "en"),
        ("我们指定两国高级代表,负责定期举行会晤。", "zh"),
        ("Стороны назначают специальных представителей.", "ru"),
    ],
)
def test_mechanism_paragraphs(text: str, lang: str) -> None:
    assert is_mechanism(text, lang)


def test_quotation_stays_with_the_paragraph_that_introduces_it() -> None:
    body = paragraphs(
        "The world faces new problems, underlined Evgenia Dmitrieva, member of the Commission.",
        "“All these problems can be overcome through exchange. I will cite several tools.",
        "Guo Jun noted that cooperation has great prospects.",
    )
    points, blocks = build_units(body)
    (found,) = select_commitments(points, blocks)
    assert found.texts["en"].startswith("The world faces new problems, underlined")
    assert found.texts["en"].endswith("I will cite several tools.")
