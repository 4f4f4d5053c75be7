"""Tell the statement apart from the web page around it.

Saved pages carry navigation, bylines, share buttons, comment forms, cookie notices and
photo captions. None of it may leak into a record, where it would be quoted as if the
governments had said it. Three tools, from surest to most heuristic:

- a tail marker ("Leave a Reply", "分享到") ends the statement: everything after it is
  page furniture;
- a line pattern recognises one furniture line wherever it is;
- the header zone (lines before the first real paragraph) holds the title candidates and
  metadata such as the publication date, never commitments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tracker.extract.text import Paragraph

# Lines that are page furniture wherever they appear (matched case-insensitively).
_FURNITURE = [
    r"^(home|首页|главная)\b[^.。!?]*",  # breadcrumbs: "Home News ..."
    r"^[^/.。]{1,40}( / [^/.。]{1,80})+",  # breadcrumbs: "Business / China-Russia ..."
    r".*\bcomment\(s\)",
    r"^\d*\s*comments?\b.*",
    r"^no comments\.?$",
    r"^(leave|add|post) (a|your) (reply|comment|comments)\b.*",
    r"^you are commenting using\b.*",
    r"^(fill in your details|connecting to %s|log out|notify me)\b.*",
    r"^(twitter|facebook|google|wordpress\.com) (picture|photo|account)\b.*",
    r"^(select|choose) (your )?language\b.*",
    r"^(by|posted by|author:?) [\w.-]+$",
    r"^posted on\b.*",
    r"^\(?\s*updated:?\s*\d{4}-\d{2}-\d{2}.*",
    r"^see also\b.*",
    r"^(hot topics|editor'?s picks|related( posts| articles| news)?|you may also like|read more)$",
    r"^(share|share this|分享到|分享|打印|print|e-?mail)\b.{0,60}",
    r"^调整字号大小.*",
    r"^(go to forum|send your stories|user name required|your comment|enter the words)\b.*",
    r"^•?\s*(user name required|your comment|enter the words you see).*",
    r"^racist, abusive\b.*",
    r".*\b(uses|use of) cookies\b.*",
    r".*\bcookies? (policy|settings|notice)\b.*",
    r"^(accept|reject|read more|privacy policy)( \w+){0,3}$",
    r"^this site uses akismet\b.*",
    r".*\[(photo|file photo|图|新华社|xinhua|摄)[^\]]*\]\s*$",  # photo captions
    r"^(fb|twitter|facebook|vk|weibo|wechat|rss|ecosoc|ilo)(\s+\w+){0,4}$",  # icon rows
]
_FURNITURE_RE = [re.compile(p, re.I) for p in _FURNITURE]

# Markers after which the page holds no more statement text.
_TAIL = re.compile(
    r"^(leave a (reply|comment)|\d* ?comments?$|分享到|hot topics$|you may also like$|"
    r"related (posts|articles|news)$|go to forum|add your comments)",
    re.I,
)

# A sentence ends with one of these (closing quotes and brackets allowed after it).
_SENTENCE_END = re.compile(r"[.。!！?？;；:：…]['\"”’)）]*$")


@dataclass(frozen=True)
class Page:
    """The statement cut out of its page."""

    header: list[Paragraph]  # title candidates, before the first real paragraph
    body: list[Paragraph]  # the statement, furniture removed
    metadata: list[Paragraph]  # furniture lines that still tell us something (dates, publisher)


def is_furniture(text: str) -> bool:
    """True for a line that belongs to the web page, not to the statement."""
    stripped = text.strip()
    if _is_truncated_teaser(stripped):
        return True
    return any(p.fullmatch(stripped) for p in _FURNITURE_RE)


def _is_truncated_teaser(text: str) -> bool:
    # "You have to find a happy medium without forgettin..." - a link to another article.
    return bool(re.search(r"\w(\.\.\.|…)$", text)) and len(text) < 120


def is_body_paragraph(paragraph: Paragraph) -> bool:
    """A real paragraph: long enough and ending like a sentence (headings do not)."""
    text = paragraph.text
    size = len(text) if paragraph.lang != "zh" else len(text) * 3
    return size >= 60 and bool(_SENTENCE_END.search(text)) and not is_furniture(text)


def is_heading(paragraph: Paragraph) -> bool:
    """A title-like line: no sentence ending, not furniture, not a bare date or number."""
    text = paragraph.text
    if is_furniture(text) or _SENTENCE_END.search(text):
        return False
    letters = re.sub(r"[\W\d_]", "", text)
    return len(letters) >= 4


def cut_page(paragraphs: list[Paragraph]) -> Page:
    """Split a page into header, statement body and metadata lines."""
    start = next((i for i, p in enumerate(paragraphs) if is_body_paragraph(p)), None)
    if start is None:  # a short text: the header ends at the first line that is not a title
        start = next((i for i, p in enumerate(paragraphs) if _starts_text(p)), 0)
    header = [p for p in paragraphs[:start] if not is_furniture(p.text)]
    metadata = [p for p in paragraphs[:start] if is_furniture(p.text)]
    body: list[Paragraph] = []
    for paragraph in paragraphs[start:]:
        if _TAIL.match(paragraph.text):
            break
        if is_furniture(paragraph.text):
            metadata.append(paragraph)
            continue
        body.append(clean_paragraph(paragraph))
    return Page(header=header, body=body, metadata=metadata)


def _starts_text(paragraph: Paragraph) -> bool:
    return not is_heading(paragraph) and not is_furniture(paragraph.text)


def clean_paragraph(paragraph: Paragraph) -> Paragraph:
    """Remove image alt text glued to the start of a paragraph ("Ilya-SeminEconomic ...")."""
    match = re.match(r"^([A-Z][a-z]+-[A-Z][a-z]+)(?=[A-Z][a-z])", paragraph.text)
    if not match:
        return paragraph
    text = paragraph.text[match.end() :]
    return Paragraph(paragraph.index, text, paragraph.lang, paragraph.gap_before)
