"""From a file on disk to a list of paragraphs, each in one language.

Statements reach us as saved web pages: sometimes HTML, mostly text copied out of a
browser, where every paragraph is one line and bilingual pages put a Chinese paragraph
and its English translation on the same line. Everything downstream works on
`Paragraph`s, so this module is the one place that knows about markup, encodings and
mixed-script lines.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from html.parser import HTMLParser
from itertools import pairwise
from pathlib import Path

from tracker.errors import TrackerError


class DocumentError(TrackerError):
    """The statement file cannot be read as text; the message says how to fix it."""


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of the statement in one language.

    `index` is the position in the document after mixed lines were split, so paragraphs
    from different languages can still be put back in reading order. `gap_before` says
    a blank line preceded it: signature blocks and captions are told apart by it.
    """

    index: int
    text: str
    lang: str
    gap_before: bool = False


# ---------------------------------------------------------------- reading files

_HTML_START = re.compile(r"^\s*(?:<!doctype\s+html|<html\b|<\?xml[^>]*>\s*<html\b)", re.I)
_HTML_TAGS = re.compile(r"</?(?:p|div|br|span|a|h[1-6]|li|ul|body|head|table|td)\b[^>]*>", re.I)


def read_document(path: str | Path) -> str:
    """Read a statement file as plain text; HTML is detected and its markup stripped.

    Only UTF-8 is accepted: guessing legacy encodings (GB18030, CP1251) silently
    garbles verbatim quotes, which are the whole point of a record. The error names
    the offending byte so the user can convert the file deliberately.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bad = data[exc.start : exc.start + 1].hex()
        raise DocumentError(
            f"{path}: not UTF-8 text (byte 0x{bad} at offset {exc.start}); convert it first, "
            f"e.g. `iconv -f GB18030 -t UTF-8 {path.name}`"
        ) from None
    if looks_like_html(text, path):
        return html_to_text(text)
    return text


def looks_like_html(text: str, path: Path | None = None) -> bool:
    """HTML by extension, by doctype, or by a density of common tags (saved fragments)."""
    if path is not None and path.suffix.lower() in {".html", ".htm", ".xhtml"}:
        return True
    if _HTML_START.match(text[:2000]):
        return True
    return len(_HTML_TAGS.findall(text[:20000])) >= 5


# ---------------------------------------------------------------- HTML to text

# fmt: off
_BLOCK_TAGS = frozenset((
    "address", "article", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption", "figure",
    "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "ol", "p", "pre",
    "section", "table", "tbody", "td", "th", "tr", "ul", "title"
))
# Content of these never belongs to the statement: navigation, comment forms, scripts.
_SKIP_TAGS = frozenset((
    "script", "style", "noscript", "template", "svg", "nav", "aside", "footer", "form",
    "button", "select", "iframe"
))
# fmt: on


class _TextCollector(HTMLParser):
    """Collect text, one line per block element, skipping non-content elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self.skip_depth += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self.skip_depth = max(0, self.skip_depth - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self.skip_depth:
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    """Markup stripped, one paragraph per line, blank lines between blocks."""
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    text = "".join(collector.parts)
    lines = [line.strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


# ---------------------------------------------------------------- languages

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3007○]")
_CJK_OR_PUNCT = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff01-\uff5e○]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def detect_language(text: str) -> str:
    """en, zh or ru by script; one Chinese character weighs like a whole Latin word."""
    cjk = len(_CJK.findall(text)) * 4
    latin = len(_LATIN.findall(text))
    cyrillic = len(_CYRILLIC.findall(text))
    if cjk >= max(latin, cyrillic):
        return "zh" if cjk else "en"
    return "ru" if cyrillic > latin else "en"


def split_languages(line: str) -> list[str]:
    """Split a line holding a Chinese paragraph and its translation into one piece each.

    Bilingual pages often lose the line break between the two versions. The line is cut
    into runs of Chinese and of Latin/Cyrillic script; runs too short to be a paragraph
    (under 5 Chinese characters, under 20 letters) are absorbed by their neighbours, so
    an acronym inside Chinese text or a name inside English stays where it is. Digits,
    spaces and ASCII punctuation between two runs go with the alphabetic side, which is
    where "1." in "...行为。1. Jointly ..." belongs.
    """
    runs = _merge_short_runs(_script_runs(line), line)
    if len(runs) < 2:
        return [line]
    cuts = [_cut_between(line, left, right) for left, right in pairwise(runs)]
    bounds = [0, *cuts, len(line)]
    pieces = [line[a:b].strip() for a, b in pairwise(bounds)]
    return [piece for piece in pieces if piece]


_Run = tuple[str, int, int]  # script ("C" or "L"), index of first and of last character


def _script_class(ch: str) -> str:
    if _CJK_OR_PUNCT.match(ch):
        return "C"
    if _LATIN.match(ch) or _CYRILLIC.match(ch):
        return "L"
    return "N"


def _script_runs(line: str) -> list[_Run]:
    runs: list[_Run] = []
    for i, ch in enumerate(line):
        cls = _script_class(ch)
        if cls == "N":
            continue
        if runs and runs[-1][0] == cls:
            runs[-1] = (cls, runs[-1][1], i)
        else:
            runs.append((cls, i, i))
    return runs


def _run_size(line: str, run: _Run) -> int:
    text = line[run[1] : run[2] + 1]
    if run[0] == "C":
        return len(_CJK.findall(text))
    return len(_LATIN.findall(text)) + len(_CYRILLIC.findall(text))


def _merge_short_runs(runs: list[_Run], line: str) -> list[_Run]:
    """Give runs too short to be a paragraph the script of their longer neighbour."""
    minimum = {"C": 5, "L": 20}
    changed = True
    while changed and len(runs) > 1:
        changed = False
        smallest = min(range(len(runs)), key=lambda i: _run_size(line, runs[i]) / minimum[runs[i][0]])
        run = runs[smallest]
        if _run_size(line, run) < minimum[run[0]]:
            flipped = "L" if run[0] == "C" else "C"
            runs[smallest] = (flipped, run[1], run[2])
            runs = _coalesce(runs)
            changed = True
    return runs


def _coalesce(runs: list[_Run]) -> list[_Run]:
    merged: list[_Run] = []
    for run in runs:
        if merged and merged[-1][0] == run[0]:
            merged[-1] = (run[0], merged[-1][1], run[2])
        else:
            merged.append(run)
    return merged


def _cut_between(line: str, left: _Run, right: _Run) -> int:
    return left[2] + 1 if left[0] == "C" else right[1]


# ---------------------------------------------------------------- paragraphs


def normalise_line(line: str) -> str:
    """Collapse whitespace (incl. no-break spaces) and drop control characters."""
    line = "".join(ch for ch in line if unicodedata.category(ch) != "Cc" or ch == "\t")
    return re.sub(r"\s+", " ", line).strip()


def split_paragraphs(text: str) -> list[Paragraph]:
    """Every non-blank line is a paragraph, split further where two languages share a line."""
    paragraphs: list[Paragraph] = []
    gap = False
    for raw in text.splitlines():
        line = normalise_line(raw)
        if not line:
            gap = True
            continue
        for piece in split_languages(line):
            paragraphs.append(Paragraph(len(paragraphs), piece, detect_language(piece), gap))
            gap = False
    return paragraphs
