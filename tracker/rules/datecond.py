"""Date conditions of rules: when must an article be dated for its link to count?

A rule's `dates:` gives bounds (the commitment's window, `after`, `before`, `within`
a span of the statement date); the bounds are resolved once per target commitment
at compile time (`resolve_bounds`) because they depend on the commitment's window
and its statement's date. An article satisfies the condition when its publication
date, or with `mentioned: true` a date written in its text, lies inside the bounds.

Finding dates in text uses dateparser's search, which costs milliseconds per article:
the matcher calls `mentioned_dates` only for articles whose keywords already passed,
and at most once per article.

A statement whose date is `not stated` (the 2022 webinar) gives `within` nothing to
count from; the commitment's window start is used instead, and when there is none
either the rule is a validation problem (`unanchored_reason`), never a silent guess.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime

from tracker.records.durations import format_duration
from tracker.types import Commitment, ConditionResult, DateCondition, Statement

log = logging.getLogger(__name__)

#: Longest text handed to dateparser's search; the dates that matter are near the top.
SEARCH_LIMIT = 20_000
_RULE_DATE_HELP = "a date such as 2017-03-01, '1 March 2017', '1 марта 2017' or '2017年3月1日'"


@dataclass(frozen=True)
class DateBounds:
    """Inclusive bounds on a day; None is open. `describe` says where they come from."""

    start: date | None
    end: date | None
    describe: str

    def contains(self, day: date) -> bool:
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)

    def span_text(self) -> str:
        return f"{self.start or '…'} … {self.end or '…'}"


@dataclass(frozen=True)
class MentionedDate:
    day: date
    text: str


# ---------------------------------------------------------------- reading rule dates


def parse_rule_date(value: object) -> date:
    """An absolute date from a rule file: ISO, or a human form dateparser reads.

    Relative or incomplete forms ("2 years ago", "2017") would change meaning with the
    day they are read, so they are refused: raises ValueError with what is expected.
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"expected {_RULE_DATE_HELP}, got {value!r}")
    text = value.strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    readings = {_read_human(text, base) for base in (datetime(2001, 1, 1), datetime(2011, 7, 15))}
    if None in readings:
        raise ValueError(f"expected {_RULE_DATE_HELP}, got {text!r}")
    if len(readings) > 1:
        raise ValueError(
            f"{text!r} is relative or incomplete (its meaning changes with the day it is read); "
            f"give {_RULE_DATE_HELP}"
        )
    [day] = readings
    assert day is not None
    return day


def _read_human(text: str, base: datetime) -> date | None:
    import dateparser  # slow to import; only rule files with human dates need it

    parsed = dateparser.parse(
        text,
        settings={
            "RELATIVE_BASE": base,
            "PREFER_DAY_OF_MONTH": "first",
            "REQUIRE_PARTS": ["month", "year"],
        },
    )
    return parsed.date() if parsed else None


# ---------------------------------------------------------------- bounds per commitment


def anchor_of(commitment: Commitment, statement: Statement | None) -> tuple[date | None, str]:
    """The day `within` counts from: the statement date, else the window start."""
    if statement is not None and statement.date is not None:
        return statement.date, f"statement date {statement.date}"
    if commitment.window is not None and commitment.window.start is not None:
        return commitment.window.start, f"window start {commitment.window.start} (statement date not stated)"
    return None, ""


def unanchored_reason(cond: DateCondition, commitment: Commitment, statement: Statement | None) -> str | None:
    """Why the condition cannot be evaluated for this commitment, or None if it can."""
    if cond.window and (commitment.window is None or commitment.window.start is None):
        return (
            f"{commitment.id} has no monitoring window (`not stated`): drop `window: true` "
            "or give `after:`/`before:` dates"
        )
    if cond.within is not None and anchor_of(commitment, statement)[0] is None:
        return (
            f"{commitment.id}: the statement date is `not stated` and the commitment has no window "
            "start, so `within` has nothing to count from; give `after:`/`before:` dates"
        )
    return None


def resolve_bounds(cond: DateCondition, commitment: Commitment, statement: Statement | None) -> DateBounds:
    """The intersection of every bound the condition gives, for one target commitment.

    Call `unanchored_reason` first: a condition that cannot be anchored raises ValueError.
    """
    reason = unanchored_reason(cond, commitment, statement)
    if reason is not None:
        raise ValueError(reason)
    starts: list[date] = []
    ends: list[date] = []
    parts: list[str] = []
    if cond.window and commitment.window is not None:
        window = commitment.window
        if window.start:
            starts.append(window.start)
        if window.end:
            ends.append(window.end)
        parts.append(f"inside the window {window.start} … {window.end or 'open'}")
    if cond.within is not None:
        anchor, source = anchor_of(commitment, statement)
        assert anchor is not None
        starts.append(anchor)
        ends.append(anchor + cond.within)
        parts.append(f"within {format_duration(cond.within)} of the {source}")
    if cond.after is not None:
        starts.append(cond.after)
        parts.append(f"on or after {cond.after}")
    if cond.before is not None:
        ends.append(cond.before)
        parts.append(f"on or before {cond.before}")
    return DateBounds(max(starts, default=None), min(ends, default=None), "; ".join(parts) or "any date")


# ---------------------------------------------------------------- dates in articles


def mentioned_dates(text: str, language: str | None, published: datetime | None) -> list[MentionedDate]:
    """Dates written in the text (with day or month, and year).

    Two passes, because neither is enough alone: a scan for explicit date shapes
    ("5 Dec 2017", "в декабре 2017 года", "2017年12月5日", ISO) parsed one by one with
    dateparser, which reads spans the search misreads or misses (Russian month names
    after "в"); and dateparser's search, run once per script in the text with that
    script's language (it otherwise settles on one language for the whole text), for
    the forms the scan does not know. Where both read the same words, the scan wins.
    A date whose year is not written in the quoted text is dropped: that is how the
    search's misreadings look ("2017 года" read as a relative expression).
    A month without a day counts as its first day. Never raises.
    """
    text = text[:SEARCH_LIMIT]
    if not may_hold_year(text):
        return []  # every date kept quotes its year (below): none to find, no search
    base = published.replace(tzinfo=None) if published else datetime(2000, 1, 1)
    explicit = _explicit(text, language, base)
    spans = [(start, end) for start, end, _, _ in explicit]
    candidates = [(quoted, moment) for _, _, quoted, moment in explicit]
    for quoted, moment in _searched(text, language, base):
        # The explicit reading of the same words is the better one ("Dec. 5, 2017" vs "5, 2017").
        at = text.find(quoted)
        if at < 0 or not any(at < end and start < at + len(quoted) for start, end in spans):
            candidates.append((quoted, moment))
    found: dict[tuple[date, str], MentionedDate] = {}
    for quoted, moment in candidates:
        quoted = quoted.strip()
        if str(moment.year) not in quoted or not 1900 <= moment.year <= 2100:
            continue
        found.setdefault((moment.date(), quoted), MentionedDate(moment.date(), quoted))
    return sorted(found.values(), key=lambda m: (m.day, m.text))


#: One dated sentence per language the bundled rules read: enough to load what
#: dateparser loads lazily at its first use of each (see `warm_dates`).
_WARM_TEXTS = (
    ("Signed in Beijing on 25 June 2016.", "en"),
    ("Подписано в Пекине 25 июня 2016 года.", "ru"),
    ("2016年6月25日在北京签署。", "zh"),
)


def warm_dates() -> None:
    """Load dateparser and its tables for English, Russian and Chinese now.

    dateparser imports in 0.25 s and builds its time-zone patterns and each language's
    tables at first use: about 0.3 s that a parse worker would otherwise pay on its
    first dated text. Called where that cost can be paid once for many processes
    (the parse workers' fork server: `tracker.rules.warmup`).
    """
    base = datetime(2016, 6, 26)
    for text, language in _WARM_TEXTS:
        mentioned_dates(text, language, base)


#: What every kept date's quoted text holds: its year, 1900-2100, in ASCII digits.
_YEAR_DIGITS = re.compile(r"(?:19|20)[0-9]{2}|2100")


def may_hold_year(text: str) -> bool:
    """Could a date that `mentioned_dates` keeps be quoted from this text?

    A kept date's quoted words include its year as written in ASCII digits, so a text
    without four such digits from 1900 to 2100 has none, and dateparser (milliseconds
    per article) need not search it. The matcher asks this of an article's lede too.
    """
    return _YEAR_DIGITS.search(text) is not None


#: A year written as the time of something: "in 2015", "since 2015", "в 2015 году",
#: "2015 г.", "2015年" (a bare number might be a count or a price, so it needs these words).
#: A decade ("1980-х", "1980s", "80年代") dates no act: history recalled, not a year.
_DECADE = r"(?![-\u2010-\u2014]?(?:х|е|ые|ых|s)\b|'s\b)"
_YEAR = re.compile(
    r"\b(?:in|since|from|of|until|by|в|с|до|к|году?|г\.)\s+((?:19|20)\d{2})\b"
    + _DECADE
    + r"|\b((?:19|20)\d{2})\s*(?:году|года|год|г\.|гг\.)"
    r"|((?:19|20)\d{2})\s*年(?!代)",
    re.IGNORECASE,
)


def mentioned_years(text: str) -> list[tuple[int, str]]:
    """Years the text dates something by (see `_YEAR`), with the words quoted; never raises."""
    out: list[tuple[int, str]] = []
    for match in _YEAR.finditer(text[:SEARCH_LIMIT]):
        year = int(next(g for g in match.groups() if g))
        if 1900 <= year <= 2100:
            out.append((year, match.group(0).strip()))
    return out


_MONTHS_EN = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
              "october", "november", "december")  # fmt: skip
_MONTHS_RU = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
              "октября", "ноября", "декабря")  # fmt: skip
_MONTH_NUMBER = {name: n for names in (_MONTHS_EN, _MONTHS_RU) for n, name in enumerate(names, 1)}
#: A day and a month without a year: "25 June", "June 25", "25 июня", "6月25日".
_DAY_MONTH = re.compile(
    r"\b(\d{1,2})\s+(" + "|".join(_MONTHS_EN + _MONTHS_RU) + r")\b(?!,?\s*(?:19|20)\d{2})"
    r"|\b(" + "|".join(_MONTHS_EN) + r")\s+(\d{1,2})\b(?!,?\s*(?:19|20)\d{2})"
    r"|(?<![\d年])(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]",
    re.IGNORECASE,
)


def mentioned_days_of_month(text: str) -> list[tuple[int, int, str]]:
    """(month, day, quoted) for each day written without its year ("25 июня", "6月25日").

    For an undated article: the day alone cannot date an act, but a report that names the
    very day a statement was adopted is, with no year to say otherwise, a report of it.
    """
    out: list[tuple[int, int, str]] = []
    for match in _DAY_MONTH.finditer(text[:SEARCH_LIMIT]):
        day_a, month_a, month_b, day_b, month_c, day_c = match.groups()
        if month_a:
            month, day = _MONTH_NUMBER[month_a.lower()], int(day_a)
        elif month_b:
            month, day = _MONTH_NUMBER[month_b.lower()], int(day_b)
        else:
            month, day = int(month_c), int(day_c)
        if 1 <= month <= 12 and 1 <= day <= 31:
            out.append((month, day, match.group(0).strip()))
    return out


_SETTINGS = {"PREFER_DAY_OF_MONTH": "first", "PREFER_DATES_FROM": "past", "REQUIRE_PARTS": ["month", "year"]}
_EXPLICIT = re.compile(
    r"(?:19|20)\d{2}-\d{2}-\d{2}"
    r"|(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*[日号])?"
    r"|(?:\b\d{1,2}\s+)?\b[^\W\d_]{3,}\.?\s+(?:\d{1,2},?\s+)?(?:19|20)\d{2}\b"
)
#: dateparser reads Russian month names in the genitive ("декабря") but not after "в" ("в декабре").
_RU_PREPOSITIONAL = {
    "январе": "января", "феврале": "февраля", "марте": "марта", "апреле": "апреля", "мае": "мая",
    "июне": "июня", "июле": "июля", "августе": "августа", "сентябре": "сентября", "октябре": "октября",
    "ноябре": "ноября", "декабре": "декабря",
}  # fmt: skip


def _searched(text: str, language: str | None, base: datetime) -> list[tuple[str, datetime]]:
    from dateparser.search import search_dates  # slow import, only needed here

    out: list[tuple[str, datetime]] = []
    for lang in _languages_for(text, language):
        try:
            out.extend(
                search_dates(text, languages=[lang], settings={**_SETTINGS, "RELATIVE_BASE": base}) or []
            )
        except Exception as exc:  # dateparser raises assorted errors on odd input
            log.debug("date search failed (%s): %s", lang, exc)
    return out


def _explicit(text: str, language: str | None, base: datetime) -> list[tuple[int, int, str, datetime]]:
    import dateparser

    out: list[tuple[int, int, str, datetime]] = []
    for match in _EXPLICIT.finditer(text):
        span = match.group(0)
        lang = _languages_for(span, language)[:1] or ["en"]
        readable = " ".join(_RU_PREPOSITIONAL.get(word.lower(), word) for word in span.split())
        try:
            moment = dateparser.parse(readable, languages=lang, settings={**_SETTINGS, "RELATIVE_BASE": base})
        except Exception as exc:
            log.debug("date parse failed (%r): %s", span, exc)
            continue
        if moment is not None:
            out.append((match.start(), match.end(), span, moment))
    return out


def _languages_for(text: str, language: str | None) -> list[str]:
    from tracker.rules.textprep import has_cjk

    langs: list[str] = []
    if any("a" <= c.lower() <= "z" for c in text[:2000]):
        langs.append(language if language and language[:2] not in ("ru", "zh", "ja") else "en")
    if any("\u0400" <= c <= "\u04ff" for c in text):
        langs.append("ru")
    if has_cjk(text):
        langs.append("ja" if (language or "").startswith("ja") else "zh")
    return [lang[:2] for lang in langs]


def evaluate(
    cond: DateCondition,
    bounds: DateBounds,
    published: datetime | None,
    mentioned: list[MentionedDate] | None,
    years: list[tuple[int, str]] | None = None,
) -> ConditionResult:
    """Does the article's date (or a mentioned date) fall inside the bounds?

    `mentioned` is None when the condition does not read the text; `years` are the years
    written in an undated article ("в 2017 году"), read only for a window that has closed.
    """
    counted: list[str] = []
    if published is not None and bounds.contains(published.date()):
        counted.append(f"{published.date()} (published)")
    for found in mentioned or ():
        if bounds.contains(found.day):
            counted.append(f"{found.day} (mentioned: {found.text})")
    if counted:
        return ConditionResult(
            "dates", True, f"{bounds.describe}: {', '.join(counted)}", dates=tuple(counted)
        )
    if published is None and not mentioned:
        if bounds.end is None:
            # An undated item with no date in its text: the act's date is unknown, so an
            # open window cannot exclude it (the `act` condition judged what the text says).
            return ConditionResult(
                "dates", True, f"{bounds.describe}: no date known (undated, none in the text)"
            )
        # A window that has closed (the 2016-2017 media years) asks for some sign that the
        # act fell inside it: a year written in the text will do; nothing at all will not.
        low = bounds.start.year if bounds.start else 0
        inside = [quoted for year, quoted in years or () if low <= year <= bounds.end.year]
        if inside:
            return ConditionResult(
                "dates", True, f"{bounds.describe}: undated; the text names {inside[0]!r}", dates=(inside[0],)
            )
        return ConditionResult(
            "dates",
            False,
            f"{bounds.describe}: undated, and no date or year in the text places the act "
            f"inside a window that closed on {bounds.end}",
        )
    seen = f"published {published.date()}" if published else "no publication date"
    if cond.mentioned:
        listed = ", ".join(f"{m.day} ({m.text})" for m in (mentioned or ())[:5]) or "none"
        seen += f"; dates in the text: {listed}"
    return ConditionResult("dates", False, f"{bounds.describe} ({bounds.span_text()}); {seen}")
