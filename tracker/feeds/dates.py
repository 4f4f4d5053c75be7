"""Dates of feed entries: feedparser first, dateparser where feedparser is wrong or silent.

feedparser reads the standard forms (RFC 822, W3C/ISO 8601) fast, but on purpose we do
not trust it blindly (DESIGN.md, "feedparser pitfalls"):
- an impossible date rolls over (2024-02-30 becomes 2024-03-01): we reject it;
- a zone name it does not know (CEST, MSK) is read as UTC: we substitute the offset;
- `CST` is US Central to feedparser, China Standard Time in a Chinese feed;
- common forms ("Jun 10, 2025") give no date, and Chinese or Russian strings
  ("2025年6月10日", "10 июня 2025 г.") give none or a wrong one: dateparser reads them.
A time without a zone in a Chinese or Russian feed is taken as Beijing or Moscow time,
which is what those sites mean; a bare date keeps its calendar day.

All results are aware datetimes in UTC, or None when nothing trustworthy was found.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, date, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

from feedparser.datetimes import _parse_date as _feedparser_parse_date

#: Zone names feedparser knows (its rfc822 table); every other alphabetic zone is suspect.
_FEEDPARSER_ZONES = frozenset(
    [
        "ut",
        "gmt",
        "z",
        "utc",
        "adt",
        "ast",
        "at",
        "edt",
        "est",
        "et",
        "cdt",
        "cst",
        "ct",
        "mdt",
        "mst",
        "mt",
        "pdt",
        "pst",
        "pt",
        "a",
        "n",
        "m",
        "y",
        "met",
        "mest",
    ]
)
#: Zones seen in real feeds that feedparser silently reads as UTC.
EXTRA_ZONES: dict[str, str] = {
    "cet": "+0100",
    "cest": "+0200",
    "eet": "+0200",
    "eest": "+0300",
    "wet": "+0000",
    "west": "+0100",
    "bst": "+0100",
    "msk": "+0300",
    "msd": "+0400",
    "мск": "+0300",
    "ist": "+0530",
    "jst": "+0900",
    "kst": "+0900",
    "hkt": "+0800",
    "sgt": "+0800",
    "bjt": "+0800",
    "aest": "+1000",
    "aedt": "+1100",
    "nzst": "+1200",
    "nzdt": "+1300",
}
#: Zone names whose meaning depends on the feed's language.
LANGUAGE_ZONES: dict[str, dict[str, str]] = {"zh": {"cst": "+0800"}}
#: What a time without a zone means in feeds of this language.
LOCAL_ZONES: dict[str, tuple[str, timezone]] = {
    "zh": ("Asia/Shanghai", timezone(timedelta(hours=8))),
    "ru": ("Europe/Moscow", timezone(timedelta(hours=3))),
}
FALLBACK_LANGUAGES: tuple[str, ...] = ("en", "zh", "ru")

_MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1
    )
}
_ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
_DAY_MONTH_YEAR = re.compile(r"\b(\d{1,2})\s+([A-Za-z]{3})[a-z]*\.?,?\s+(\d{4})\b")
_MONTH_DAY_YEAR = re.compile(r"\b([A-Za-z]{3})[a-z]*\.?\s+(\d{1,2}),?\s+(\d{4})\b")
_NUMERIC_DAY = re.compile(r"\s*\d{1,2}[./]\d{1,2}[./]\d{2,4}\b")
_CLOCK = re.compile(r"(?<!\d)(\d{1,2}):(\d{2})(?::(\d{2}))?")
_TRAILING_ZONE = re.compile(r"(?:\s|\d)\(?([A-Za-zА-Яа-я]{1,5})\)?\s*$")
_NUMERIC_ZONE = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})\s*$|\s(?:UT|GMT|UTC)\s*$", re.IGNORECASE)
_CJK_BEIJING = re.compile(r"[(（]?\s*北京时间\s*[)）]?")
_RU_YEAR = re.compile(r"(\d{4})\s*г(?:ода|\.)?(?=\s|,|$)")
_RU_ZONE = re.compile(r"\(?\bМСК\b\)?|\(?\bмск\b\)?")
_MAX_DATE_TEXT = 120


def parse_date(
    raw: str | None,
    *,
    language: str | None = None,
    parsed: time.struct_time | tuple[int, ...] | None = None,
) -> datetime | None:
    """The moment a feed date string means, in UTC, or None.

    `parsed` is feedparser's own reading (entry.published_parsed) when there is one: it
    saves parsing the string again, and is used only after the string passed the checks.
    """
    if raw is None or not str(raw).strip():
        return from_struct(parsed) if parsed else None
    text = " ".join(str(raw).split())[:_MAX_DATE_TEXT]
    quick = _rfc822_quick(text)
    if quick is not None:
        return quick
    if is_impossible(text):
        return None
    if not text.isascii() or _NUMERIC_DAY.match(text):
        # feedparser misreads these (10.06.2025 is 6 October to it); dateparser knows
        # which order the feed's language writes day and month in.
        return _with_dateparser(text, language)
    fixed = fix_zone(text, language)
    if fixed != text or parsed is None:
        parsed = _feedparser_struct(fixed)
    if parsed is None:
        return _with_dateparser(text, language)
    moment = from_struct(parsed)
    if moment is None:
        return None
    return _assume_local(moment, text, language)


#: RSS's own date form, as nearly every feed writes it: "Sat, 31 Dec 2022 12:00:00 GMT".
_RFC822 = re.compile(
    r"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?(\d{1,2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
    r" (\d{4}) (\d{2}):(\d{2}):(\d{2}) (GMT|UTC|UT|Z|[+-]\d{4})"
)


def _rfc822_quick(text: str) -> datetime | None:
    """`parse_date` of a date in RSS's own form, read directly; None: take the usual path.

    The usual path runs the impossible-date checks, the zone fix and feedparser's chain
    of date handlers, a fifth of the time of parsing an entry, to read a form that one
    regular expression and `datetime` read as well. Only the plain form is taken: an
    English day and month name, four-digit year, a full clock, a zone that is UTC or a
    real offset; anything else (a leap second, 31 Feb, other zones, other languages)
    goes the usual way. tests/test_feeddates.py holds the two to the same moment.
    """
    match = _RFC822.fullmatch(text)
    if match is None:
        return None
    day, month, year, hour, minute, second, zone = match.groups()
    if not "1900" <= year <= "2199":
        return None
    try:
        moment = datetime(
            int(year), _MONTHS[month.lower()], int(day), int(hour), int(minute), int(second), tzinfo=UTC
        )
    except ValueError:  # no such day: the usual path says so
        return None
    if zone[0] in "+-":
        if zone[1:3] > "14" or zone[3:] > "59":
            return None
        offset = timedelta(hours=int(zone[1:3]), minutes=int(zone[3:]))
        moment = moment - offset if zone[0] == "+" else moment + offset
    return moment


def from_struct(value: time.struct_time | tuple[int, ...] | None) -> datetime | None:
    """feedparser's 9-tuple (always UTC) as an aware datetime; None if it is not a real date."""
    if not value:
        return None
    try:
        return datetime(*tuple(value)[:6], tzinfo=UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def is_impossible(text: str) -> bool:
    """True when the string names a calendar day or clock time that does not exist.

    feedparser (and `time.mktime`) roll such values over into a real but wrong date.
    """
    for match in _ISO_DATE.finditer(text):
        if not _real_day(int(match.group(1)), int(match.group(2)), int(match.group(3))):
            return True
    for match in _DAY_MONTH_YEAR.finditer(text):
        month = _MONTHS.get(match.group(2).lower())
        if month and not _real_day(int(match.group(3)), month, int(match.group(1))):
            return True
    for match in _MONTH_DAY_YEAR.finditer(text):
        month = _MONTHS.get(match.group(1).lower())
        if month and not _real_day(int(match.group(3)), month, int(match.group(2))):
            return True
    clock = _CLOCK.search(text)
    if clock:
        hour, minute = int(clock.group(1)), int(clock.group(2))
        second = int(clock.group(3) or 0)
        if hour > 24 or minute > 59 or second > 60:
            return True
    return False


def _real_day(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def fix_zone(text: str, language: str | None = None) -> str:
    """Replace a trailing zone name feedparser would misread by its numeric offset."""
    match = _TRAILING_ZONE.search(text)
    if not match:
        return text
    name = match.group(1).lower()
    offset = LANGUAGE_ZONES.get(language or "", {}).get(name)
    if offset is None and name not in _FEEDPARSER_ZONES:
        offset = EXTRA_ZONES.get(name)
    if offset is None:
        return text
    start = match.start(1) - (1 if text[match.start(1) - 1 : match.start(1)] == "(" else 0)
    return f"{text[:start].rstrip()} {offset}"


def has_zone(text: str) -> bool:
    """Whether the string states its zone (a numeric offset, Z, or a zone name)."""
    if _NUMERIC_ZONE.search(text):
        return True
    match = _TRAILING_ZONE.search(text)
    if not match:
        return False
    name = match.group(1).lower()
    return name not in ("am", "pm") and (name in _FEEDPARSER_ZONES or name in EXTRA_ZONES)


def _assume_local(moment: datetime, text: str, language: str | None) -> datetime:
    """feedparser reads a zone-less time as UTC; in a zh/ru feed it is local time."""
    local = LOCAL_ZONES.get(language or "")
    if local is None or has_zone(text) or not _CLOCK.search(text):
        return moment
    return moment.replace(tzinfo=local[1]).astimezone(UTC)


def _feedparser_struct(text: str) -> time.struct_time | None:
    try:
        result: Any = _feedparser_parse_date(text)
    except Exception:
        return None
    return result or None


def _with_dateparser(text: str, language: str | None) -> datetime | None:
    return _dateparser_cached(_prepare_for_dateparser(text), language or "")


def _prepare_for_dateparser(text: str) -> str:
    """Spell zone names and Russian year marks the way dateparser understands."""
    text = _CJK_BEIJING.sub(" +0800", text)
    text = _RU_ZONE.sub(" +0300", text)
    text = _RU_YEAR.sub(r"\1", text)
    return " ".join(text.split())


@lru_cache(maxsize=8192)
def _dateparser_cached(text: str, language: str) -> datetime | None:
    """dateparser is slow (milliseconds) and feeds repeat dates: cache the answers."""
    import dateparser

    zone = "UTC"
    if _CLOCK.search(text) and language in LOCAL_ZONES:
        zone = LOCAL_ZONES[language][0]
    settings = {
        "RETURN_AS_TIMEZONE_AWARE": True,
        "TO_TIMEZONE": "UTC",
        "TIMEZONE": zone,
        "PREFER_DATES_FROM": "past",
        # A feed date names a day; "June 2025" or "5" is not one.
        "REQUIRE_PARTS": ["day", "month", "year"],
    }
    # The feed's own language first, alone: with several, dateparser may take the day
    # order of another (10.06.2025 is 6 October in English).
    attempts = [[language], list(FALLBACK_LANGUAGES)] if language else [list(FALLBACK_LANGUAGES)]
    result = None
    for languages in attempts:
        try:
            result = dateparser.parse(text, languages=languages, settings=settings)
        except Exception:  # dateparser raises assorted errors on odd input
            result = None
        if result is not None:
            break
    if result is None:
        return None
    return result.astimezone(UTC)
