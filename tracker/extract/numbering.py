"""Numbered points in every form the statements use, and the lists they make.

Joint statements number their operative points ("1.", "I,", "一、", "（一）", "1)",
"First,", "Во-первых,"). A label alone proves little ("I, the undersigned", "2016.
was a year"), so a list is only accepted when its labels of one form count 1, 2, 3 ...
in order; a point then runs until the next label of its list.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field

from tracker.extract.text import Paragraph

_ZH_DIGITS = {"〇": 0, "○": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}  # fmt: skip
_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}
_EN_ORDINALS = (
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
)
_RU_ADVERBS = (
    "во-первых",
    "во-вторых",
    "в-третьих",
    "в-четвертых",
    "в-пятых",
    "в-шестых",
    "в-седьмых",
    "в-восьмых",
    "в-девятых",
    "в-десятых",
)
_RU_ORDINALS = (
    "первое",
    "второе",
    "третье",
    "четвертое",
    "пятое",
    "шестое",
    "седьмое",
    "восьмое",
    "девятое",
    "десятое",
)
_RU_LETTERS = "абвгдежзиклмнопрстуфхцчшщэюя"


@dataclass(frozen=True)
class Label:
    """A point label: its form (`scheme`), its value (1-based) and the rest of the line."""

    scheme: str
    value: int
    printed: str
    rest: str


@dataclass
class Point:
    """One numbered point: the labelled paragraph and the paragraphs that continue it."""

    label: Label
    paragraphs: list[Paragraph] = field(default_factory=list)

    @property
    def text(self) -> str:
        """Verbatim text without the label; continuation paragraphs on their own lines."""
        return "\n".join([self.label.rest, *(p.text for p in self.paragraphs[1:])]).strip()


@dataclass
class NumberedList:
    scheme: str
    points: list[Point]

    @property
    def first_index(self) -> int:
        return self.points[0].paragraphs[0].index

    @property
    def last_index(self) -> int:
        return self.points[-1].paragraphs[-1].index


# ---------------------------------------------------------------- labels


def zh_number(text: str) -> int | None:
    """一 → 1, 十二 → 12, 二十 → 20, 二十一 → 21; None for anything else."""
    if not text or any(ch not in _ZH_DIGITS and ch != "十" for ch in text):
        return None
    if "十" not in text:
        return _ZH_DIGITS[text] if len(text) == 1 else None
    tens, _, ones = text.partition("十")
    if len(tens) > 1 or len(ones) > 1:
        return None
    return (_ZH_DIGITS[tens] if tens else 1) * 10 + (_ZH_DIGITS[ones] if ones else 0)


def roman_number(text: str) -> int | None:
    """Strict Roman numerals up to 100 (I..C); None when not well-formed."""
    if not text or any(ch not in _ROMAN for ch in text):
        return None
    total = 0
    for ch, nxt in zip(text, [*text[1:], ""], strict=True):
        value = _ROMAN[ch]
        total += -value if nxt and _ROMAN[nxt] > value else value
    return total if _to_roman(total) == text else None


def _to_roman(value: int) -> str:
    out = ""
    for number, sym in ((100, "C"), (90, "XC"), (50, "L"), (40, "XL"), (10, "X"),
                        (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):  # fmt: skip
        while value >= number:
            out += sym
            value -= number
    return out


def _ordinal(words: tuple[str, ...]) -> Callable[[str], int | None]:
    def value(text: str) -> int | None:
        word = text.lower().replace("ё", "е").removesuffix("ly")
        return words.index(word) + 1 if word in words else None

    return value


def _letter(text: str) -> int | None:
    if "a" <= text <= "z":
        return ord(text) - ord("a") + 1
    return _RU_LETTERS.index(text) + 1 if text in _RU_LETTERS else None


_O, _C = r"[(（]", r"[)）]"
# (regular expression, scheme name, value of the printed label); first match wins.
_FORMS: list[tuple[re.Pattern[str], str, Callable[[str], int | None]]] = [
    (re.compile(rf"{_O}(\d{{1,2}}){_C}\s*"), "(1)", int),
    (re.compile(r"(\d{1,2})\s*[.．](?!\d)\s*"), "1.", int),
    (re.compile(rf"(\d{{1,2}})\s*{_C}\s*"), "1)", int),
    (re.compile(r"(\d{1,2})\s*、\s*"), "1、", int),
    (re.compile(r"([IVXLC]{1,7})\s*[,，]\s+"), "I,", roman_number),
    (re.compile(r"([IVXLC]{1,7})\s*[.．]\s+"), "I.", roman_number),
    (re.compile(rf"([IVXLC]{{1,7}})\s*{_C}\s*"), "I)", roman_number),
    (re.compile(r"([一二三四五六七八九十]{1,3})\s*[、，,.．]\s*"), "一、", zh_number),
    (re.compile(rf"{_O}([一二三四五六七八九十]{{1,3}}){_C}\s*"), "(一)", zh_number),
    (
        re.compile(r"第([一二三四五六七八九十]{1,3})(?:条|点|项)?\s*[、，,：:]\s*"),
        "第一",
        zh_number,
    ),
    (re.compile(r"第([一二三四五六七八九十]{1,3})(?:条|点|项)\s*"), "第一", zh_number),
    (re.compile(r"([A-Z][a-z]+?(?:ly)?)\s*[,:.]\s+"), "First,", _ordinal(_EN_ORDINALS)),
    (re.compile(r"([Вв]о?-[а-яё]+)\s*,\s*"), "Во-первых,", _ordinal(_RU_ADVERBS)),
    (re.compile(r"([А-Я][а-яё]+)\s*[,:.—–-]\s*"), "Первое,", _ordinal(_RU_ORDINALS)),
    (re.compile(rf"{_O}([a-zа-я]){_C}\s*"), "(a)", _letter),
    (re.compile(r"([a-zа-я])\s*\)\s+"), "a)", _letter),
]


def parse_label(text: str) -> Label | None:
    """The point label at the start of a paragraph, or None; the rest must be real text."""
    for pattern, scheme, value_of in _FORMS:
        match = pattern.match(text)
        if not match:
            continue
        value = value_of(match.group(1))
        rest = text[match.end() :].strip()
        if value and rest and not rest[0].isdigit():
            return Label(scheme, value, match.group(1), rest)
    return None


# ---------------------------------------------------------------- lists


def find_lists(paragraphs: list[Paragraph]) -> list[NumberedList]:
    """Numbered lists in paragraphs of one language, outermost only, in reading order."""
    lists = _sequences(paragraphs)
    outer: list[NumberedList] = []
    for candidate in sorted(lists, key=lambda lst: lst.first_index):
        if any(o.first_index < candidate.first_index < o.last_index for o in outer):
            continue  # a sub-list inside a point of an outer list: it stays in that point
        outer.append(candidate)
    positions = {p.index: n for n, p in enumerate(paragraphs)}
    for numbered in outer:
        _attach_continuations(numbered, paragraphs, positions, outer)
    return outer


def _sequences(paragraphs: list[Paragraph]) -> list[NumberedList]:
    """Runs of labels of one scheme counting 1, 2, 3 ...; other labels are ignored."""
    done: list[NumberedList] = []
    current: dict[str, NumberedList] = {}
    for paragraph in paragraphs:
        label = parse_label(paragraph.text)
        if label is None:
            continue
        running = current.get(label.scheme)
        if label.value == 1:
            if running is not None:
                done.append(running)
            current[label.scheme] = NumberedList(label.scheme, [Point(label, [paragraph])])
        elif running is not None and label.value == running.points[-1].label.value + 1:
            running.points.append(Point(label, [paragraph]))
    done.extend(current.values())
    return [lst for lst in done if len(lst.points) >= 2]


def _attach_continuations(
    numbered: NumberedList,
    paragraphs: list[Paragraph],
    positions: dict[int, int],
    lists: list[NumberedList],
) -> None:
    """Give each point the unlabelled paragraphs that follow it, up to the next point.

    The last point has no next label to stop it, so it gets as many continuation
    paragraphs as a typical (median) earlier point: a closing paragraph after the list
    is not part of the last point.
    """
    starts = {p.paragraphs[0].index for lst in lists for p in lst.points}
    counts: list[int] = []
    for n, point in enumerate(numbered.points):
        pos = positions[point.paragraphs[0].index] + 1
        limit = len(paragraphs)
        if n == len(numbered.points) - 1:
            limit = min(limit, pos + int(statistics.median_low(counts)) if counts else pos)
        while pos < limit and paragraphs[pos].index not in starts:
            point.paragraphs.append(paragraphs[pos])
            pos += 1
        counts.append(len(point.paragraphs) - 1)
