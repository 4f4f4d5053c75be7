"""Group paragraphs into candidate commitments, one language version each.

A bilingual statement gives each point twice. Numbered points pair by their number
(一、 with 1.), whatever the order of the two versions on the page. Unnumbered
paragraphs pair by position, and only when the page interleaves the languages
paragraph by paragraph: a Chinese paragraph and the translation that follows it form
one block, even when the translator broke it into several paragraphs.

In a monolingual report a paragraph that opens with a quotation mark is joined to the
paragraph before it: news reports name the speaker and set the scene in the paragraph
that leads into a quote, and the two are read as one statement by one person.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import pairwise

from tracker.extract.numbering import NumberedList, find_lists
from tracker.extract.text import Paragraph

_QUOTE_OPENING = re.compile(r"^[\"“„«「『]")


@dataclass
class Unit:
    """One candidate commitment: its paragraphs per language, and its number if it has one."""

    paragraphs: dict[str, list[Paragraph]] = field(default_factory=dict)
    number: int | None = None  # value of the point label (1 for 一、, I, First ...)
    labels: dict[str, str] = field(default_factory=dict)  # label as printed, per language
    texts: dict[str, str] = field(default_factory=dict)  # point text without label
    list_no: int = 0  # which numbered list of the document (0 = first)

    @property
    def position(self) -> int:
        return min(p.index for ps in self.paragraphs.values() for p in ps)

    @property
    def is_point(self) -> bool:
        return self.number is not None


def build_units(body: list[Paragraph]) -> tuple[list[Unit], list[Unit]]:
    """Numbered points and unnumbered blocks, each in reading order."""
    langs = sorted({p.lang for p in body})
    lists = {lang: find_lists([p for p in body if p.lang == lang]) for lang in langs}
    points = _pair_points(lists)
    in_points = {p.index for unit in points for ps in unit.paragraphs.values() for p in ps}
    interleaved = is_interleaved(body)
    units: list[Unit] = []
    for stretch in _stretches(body, in_points):
        blocks = _blocks(stretch) if interleaved else _quote_blocks(stretch)
        units.extend(Unit(_by_language(block)) for block in blocks)
    return points, units


def _stretches(body: list[Paragraph], in_points: set[int]) -> list[list[Paragraph]]:
    """Runs of unnumbered paragraphs; a numbered point in between ends a run."""
    stretches: list[list[Paragraph]] = [[]]
    for paragraph in body:
        if paragraph.index in in_points:
            if stretches[-1]:
                stretches.append([])
        else:
            stretches[-1].append(paragraph)
    return [s for s in stretches if s]


def _pair_points(lists: dict[str, list[NumberedList]]) -> list[Unit]:
    """The k-th list of each language is the same list; its points pair by number."""
    units: dict[tuple[int, int], Unit] = {}
    for lang, numbered_lists in lists.items():
        for list_no, numbered in enumerate(numbered_lists):
            for point in numbered.points:
                key = (list_no, point.label.value)
                unit = units.setdefault(key, Unit(number=point.label.value, list_no=list_no))
                unit.paragraphs[lang] = point.paragraphs
                unit.labels[lang] = point.label.printed
                unit.texts[lang] = point.text
    return sorted(units.values(), key=lambda u: u.position)


def is_interleaved(body: list[Paragraph]) -> bool:
    """Two languages alternating often enough to be a paragraph-by-paragraph translation."""
    langs = [p.lang for p in body]
    switches = sum(1 for a, b in pairwise(langs) if a != b)
    return len(set(langs)) > 1 and switches >= 4 and switches >= len(langs) / 4


def _blocks(paragraphs: list[Paragraph]) -> list[list[Paragraph]]:
    """A block starts at each lead-language paragraph that follows another language."""
    if not paragraphs:
        return []
    lead = paragraphs[0].lang
    blocks: list[list[Paragraph]] = []
    for paragraph in paragraphs:
        if not blocks or (paragraph.lang == lead and blocks[-1][-1].lang != lead):
            blocks.append([paragraph])
        else:
            blocks[-1].append(paragraph)
    return blocks


def _quote_blocks(paragraphs: list[Paragraph]) -> list[list[Paragraph]]:
    """One block per paragraph, except that a quotation joins its lead-in paragraph."""
    blocks: list[list[Paragraph]] = []
    for paragraph in paragraphs:
        if blocks and _QUOTE_OPENING.match(paragraph.text):
            blocks[-1].append(paragraph)
        else:
            blocks.append([paragraph])
    return blocks


def _by_language(block: list[Paragraph]) -> dict[str, list[Paragraph]]:
    grouped: dict[str, list[Paragraph]] = {}
    for paragraph in block:
        grouped.setdefault(paragraph.lang, []).append(paragraph)
    return grouped
