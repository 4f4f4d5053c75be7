"""Dates as statements print them, in English, Chinese and Russian.

Candidates are found with patterns and only then read by dateparser. Letting
`dateparser.search.search_dates` loose on a whole page finds "today", "On April 1"
(dated this year) and numbers that are not dates; a pattern per printed form keeps
what is found explainable and lets a date without a year be reported as such instead
of silently getting the current year.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import dateparser

from tracker.extract.numbering import zh_number

_EN_MONTHS = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|"
    r"December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)"
)
_RU_MONTHS = r"(?:января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря)"
_YEAR = r"(?:19|20)\d{2}"
_ZH_NUM = r"[〇○零一二三四五六七八九十]"

# (pattern, language, has a year); the whole match is what dateparser reads.
_PATTERNS: list[tuple[re.Pattern[str], str, bool]] = [
    (re.compile(rf"\b{_YEAR}-\d{{2}}-\d{{2}}\b"), "en", True),
    (
        re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_EN_MONTHS}\.?,?\s+{_YEAR}\b"),
        "en",
        True,
    ),
    (re.compile(rf"\b{_EN_MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+{_YEAR}\b"), "en", True),
    (re.compile(rf"{_YEAR}\s*年\s*\d{{1,2}}\s*月\s*\d{{1,2}}\s*日"), "zh", True),
    (re.compile(rf"{_ZH_NUM}{{4}}年{_ZH_NUM}{{1,2}}月{_ZH_NUM}{{1,3}}日"), "zh", True),
    (re.compile(rf"\b\d{{1,2}}\s+{_RU_MONTHS}\s+{_YEAR}(?:\s*(?:года|г\.|г\b))?"), "ru", True),
    (re.compile(rf"\b{_EN_MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b"), "en", False),
    (re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+{_EN_MONTHS}\b"), "en", False),
    (re.compile(r"(?<![\d年])\d{1,2}\s*月\s*\d{1,2}\s*日"), "zh", False),
    (re.compile(rf"{_ZH_NUM}{{1,2}}月{_ZH_NUM}{{1,3}}日"), "zh", False),
    (re.compile(rf"\b\d{{1,2}}\s+{_RU_MONTHS}\b"), "ru", False),
]


@dataclass(frozen=True)
class FoundDate:
    """A date printed in the text; `value` is None when no year was printed."""

    text: str
    start: int
    end: int
    lang: str
    value: date | None
    month: int
    day: int


def find_dates(text: str) -> list[FoundDate]:
    """Every date in the text in reading order; full dates win over partial overlaps."""
    found: list[FoundDate] = []
    taken: list[tuple[int, int]] = []
    for pattern, lang, has_year in _PATTERNS:
        for match in pattern.finditer(text):
            span = match.span()
            if any(span[0] < end and start < span[1] for start, end in taken):
                continue
            parsed = parse_date(match.group(0), lang, year=None if has_year else 2000)
            if parsed is None:
                continue
            value = parsed if has_year else None
            found.append(FoundDate(match.group(0), *span, lang, value, parsed.month, parsed.day))
            taken.append(span)
    return sorted(found, key=lambda d: d.start)


def parse_date(text: str, lang: str, *, year: int | None = None) -> date | None:
    """Read one printed date with dateparser; `year` completes a date printed without one.

    Chinese numerals (二○一六年六月二十五日, as signed at the foot of statements) are
    turned into digits first: dateparser reads 2016年6月25日 but not the numeral form.
    """
    text = _zh_numerals_to_digits(text) if lang == "zh" else text
    return _parse_cached(text, lang, year)


@lru_cache(maxsize=1024)
def _parse_cached(text: str, lang: str, year: int | None) -> date | None:
    if year is not None:
        # dateparser cannot read 6月25日 alone: give every partial date an explicit year.
        text = f"{year}年{text}" if lang == "zh" else f"{text} {year}"
    settings = {"STRICT_PARSING": True, "PREFER_DAY_OF_MONTH": "first"}
    parsed = dateparser.parse(text, languages=[lang], settings=settings)  # type: ignore[arg-type]
    return parsed.date() if parsed is not None else None


def _zh_numerals_to_digits(text: str) -> str:
    def year(match: re.Match[str]) -> str:
        return "".join(str(zh_number(ch)) for ch in match.group(1)) + "年"

    def number(match: re.Match[str]) -> str:
        value = zh_number(match.group(1))
        return f"{value}{match.group(2)}" if value is not None else match.group(0)

    text = re.sub(rf"({_ZH_NUM}{{4}})年", year, text)
    return re.sub(rf"({_ZH_NUM}{{1,3}})([月日])", number, text)


def complete_year(found: FoundDate, year: int) -> date | None:
    """A partial date in a given year (None for 29 February in a common year)."""
    try:
        return date(year, found.month, found.day)
    except ValueError:
        return None
