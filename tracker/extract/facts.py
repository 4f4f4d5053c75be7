"""The statement's own facts: title, kind, date, place, parties, publication.

Each finder prefers the most formal evidence: the signature block at the foot of a
statement ("June 25, 2016 / Beijing") beats a dateline, which beats a sentence saying
a forum "will be held in Guangzhou on November 25". Whatever is inferred rather than
printed is said in a note, because records must not present guesses as facts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from tracker.extract.boilerplate import Page, is_heading
from tracker.extract.dates import FoundDate, complete_year, find_dates
from tracker.extract.text import Paragraph

_TITLE_WORDS = re.compile(
    r"(?i)statement|declaration|communiqu|consensus|agreement|memorandum|treaty|"
    r"声明|宣言|公报|共识|协定|备忘录|заявлени|декларац|коммюнике|соглашени|меморандум"
)

# Cities statements are signed in, with their English names; others are kept as printed.
_PLACES = {
    "北京": "Beijing", "上海": "Shanghai", "广州": "Guangzhou", "深圳": "Shenzhen",
    "杭州": "Hangzhou", "乌镇": "Wuzhen", "莫斯科": "Moscow", "圣彼得堡": "Saint Petersburg",
    "Москва": "Moscow", "Пекин": "Beijing", "Санкт-Петербург": "Saint Petersburg",
    "Шанхай": "Shanghai", "Гуанчжоу": "Guangzhou", "Казань": "Kazan", "Сочи": "Sochi",
}  # fmt: skip
_PARTIES = {
    "china": re.compile(r"\bChina\b|\bChinese\b|\bPRC\b|\bSino-|中国|中华人民共和国|中方|中俄|"
                        r"Кита[йяеюм]|\bКНР\b|китайск"),
    "russia": re.compile(r"\bRussia\b|\bRussian\b|俄罗斯|俄方|中俄|Росси[яиюей]|\bРФ\b|российск"),
}  # fmt: skip
_EVENT = re.compile(
    r"(?i)\b(held|hold|signed|took place|met|meet|organi[sz]ed|convened|opened|adopted|"
    r"issued)\b|举行|召开|签署|会谈|会晤|发表|开幕|состоял|прош[её]л|подписа|встрети|провед|организова"
)
_DOMAIN = re.compile(r"\b([A-Za-z][\w-]*(?:\.[A-Za-z][\w-]*)*\.(?:cn|com|org|ru|net|int))\b")
_ONLINE = re.compile(
    r"(?i)webinar|video ?conference|online meeting|视频会议|云端|вебинар|онлайн|видеоконференц"
)
_PLACE_AFTER_EVENT = re.compile(
    r"\b(?:held|signed|took place|met|meet|convened|gathered|opened)\s+(?:\w+\s+){0,2}?in\s+"
    r"((?:[A-Z][\w’'-]+)(?:\s+[A-Z][\w’'-]+){0,2})"
)


@dataclass
class When:
    """The statement's date, where it came from, and what is uncertain about it."""

    value: date | None = None
    notes: list[str] = field(default_factory=list)
    event_sentence: str | None = None


# ---------------------------------------------------------------- title and kind


def find_title(page: Page) -> dict[str, str]:
    """One title per language from the page header.

    A header line naming the genre ("Joint Statement", "联合声明", "consensus") wins,
    the longest of them (the formal title rather than the short page headline);
    otherwise the last heading before the text (site names come first on a page).
    """
    titles: dict[str, str] = {}
    for lang in ("en", "zh", "ru"):
        headings = [_clean_title(p.text) for p in page.header if p.lang == lang and is_heading(p)]
        headings = [h for h in headings if h]
        if not headings:
            continue
        named = [h for h in headings if _TITLE_WORDS.search(h)]
        titles[lang] = max(named, key=len) if named else headings[-1]
    return titles


def _clean_title(text: str) -> str:
    """Drop site suffixes ("..._News Center_中国网"); the title itself stays as printed."""
    parts = [p.strip() for p in re.split(r"_| \| | - | – | — ", text) if p.strip()]
    return max(parts, key=len) if parts else text


def statement_kind(titles: dict[str, str]) -> str:
    """joint_statement, forum_consensus, or meeting_report when the title names neither."""
    joined = " ".join(titles.values()).lower()
    if re.search(r"joint statement|联合声明|совместное заявление", joined):
        return "joint_statement"
    if re.search(r"consensus|共识|консенсус", joined):
        return "forum_consensus"
    return "meeting_report"


# ---------------------------------------------------------------- date


def signature_dates(body: list[Paragraph]) -> list[tuple[Paragraph, FoundDate]]:
    """Lines that are a date and little else (at most a place), as at a statement's foot."""
    found = []
    for paragraph in body:
        dates = [d for d in find_dates(paragraph.text) if d.value is not None]
        if len(dates) != 1:
            continue
        rest = (paragraph.text[: dates[0].start] + paragraph.text[dates[0].end :]).strip(" ,.;")
        if len(rest) <= 30 and not re.search(r"[.。;；]", rest):
            found.append((paragraph, dates[0]))
    return found


def dateline(page: Page) -> tuple[str, FoundDate] | None:
    """A "Moscow, 16 May 2024" line under the title: the place and date the statement was made.

    Only a line whose rest is a place counts, so a page stamp such as "Updated: 2016-10-29"
    stays the publication date.
    """
    for paragraph, found in signature_dates(page.header):
        rest = (paragraph.text[: found.start] + paragraph.text[found.end :]).strip(" ,.")
        place = _as_place(rest) if rest else None
        if place:
            return place, found
    return None


def find_date(page: Page, titles: dict[str, str]) -> When:
    """The date the statement was made; see the module docstring for the order of evidence."""
    signed = signature_dates(page.body)
    if signed:
        return When(signed[-1][1].value)
    under_title = dateline(page)
    if under_title:
        return When(under_title[1].value, [f"Date from the dateline under the title: {under_title[1].text}"])
    sentence, found = _event_date(page.body)
    if found is None:
        return When(None, ["No date of the statement was found in the text."])
    if found.value is not None:
        return When(found.value, [f"Date from the sentence: {sentence}"], sentence)
    year = _year_from(titles, page)
    note = f"The text gives {found.text!r} without a year"
    if year is None:
        return When(None, [f"{note}; the year is not stated."], sentence)
    return When(complete_year(found, year), [f"{note}; year {year} from the title."], sentence)


def _event_date(body: list[Paragraph]) -> tuple[str | None, FoundDate | None]:
    """The date nearest to an event verb ("held", "举行") in the first sentence having both."""
    for paragraph in body:
        for sentence in re.split(r"(?<=[.。!?！？])\s*", paragraph.text):
            dates = find_dates(sentence)
            verbs = list(_EVENT.finditer(sentence))
            if dates and verbs:
                nearest = min(dates, key=lambda d: min(abs(d.start - v.start()) for v in verbs))
                return sentence, nearest
    return None, None


def _year_from(titles: dict[str, str], page: Page) -> int | None:
    for title in titles.values():
        match = re.search(r"\b(19|20)\d{2}\b|(19|20)\d{2}年", title)
        if match:
            return int(match.group(0)[:4])
    return None


def publication_date(page: Page) -> date | None:
    """The page's own date stamp ("Updated: 2016-10-29", "China.org.cn 2016-06-27")."""
    for paragraph in [*page.metadata, *page.header]:
        for found in find_dates(paragraph.text):
            if found.value is not None:
                return found.value
    return None


def publisher(page: Page) -> str | None:
    """A site name printed like a domain in the page furniture ("China.org.cn")."""
    for paragraph in page.metadata:
        match = _DOMAIN.search(paragraph.text)
        if match:
            return match.group(1)
    return None


# ---------------------------------------------------------------- place and parties


def find_place(page: Page, when: When) -> str | None:
    """Where the statement was made: the signature block, else the event sentence."""
    candidates = [c for c in _signature_places(page.body) if c]
    english = [c for c in candidates if re.fullmatch(r"[A-Za-z ,.'’-]+", c)]
    if english or candidates:
        return (english or candidates)[0]
    under_title = dateline(page)
    if under_title:
        return under_title[0]
    sentence = when.event_sentence or ""
    match = _PLACE_AFTER_EVENT.search(sentence)
    if match:
        return match.group(1)
    return "online" if _ONLINE.search(sentence) else None


def _signature_places(body: list[Paragraph]) -> list[str | None]:
    positions = {p.index: n for n, p in enumerate(body)}
    places: list[str | None] = []
    for paragraph, found in signature_dates(body):
        rest = (paragraph.text[: found.start] + paragraph.text[found.end :]).strip(" ,.")
        if rest:
            places.append(_as_place(rest))
            continue
        following = positions[paragraph.index] + 1
        if following < len(body):
            places.append(_as_place(body[following].text))
    return places


def _as_place(text: str) -> str | None:
    """A short line that names a place ("Beijing", "于北京", "Guangzhou, China"), or None."""
    text = re.sub(r"^(于|在|г\.\s*)", "", text.strip()).strip(" ,.")
    if text in _PLACES:
        return _PLACES[text]
    if re.fullmatch(r"[\u4e00-\u9fff]{2,6}", text):
        return text
    words = text.split()
    if 1 <= len(words) <= 4 and all(w[:1].isupper() for w in words) and not re.search(r"\d", text):
        return text
    return None


def find_parties(titles: dict[str, str], body: list[Paragraph]) -> list[str]:
    """Countries named in the title, or at least twice in the text, by first mention."""
    title = " ".join(titles.values())
    text = "\n".join(p.text for p in body)
    firsts: dict[str, int] = {}
    for party, pattern in _PARTIES.items():
        in_title = pattern.search(title)
        mentions = list(pattern.finditer(text))
        if in_title or len(mentions) >= 2:
            firsts[party] = in_title.start() - 10**6 if in_title else mentions[0].start()
    return sorted(firsts, key=lambda party: firsts[party])
