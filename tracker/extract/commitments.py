"""Decide which units are commitments and cut their verbatim text.

Every numbered point is a commitment: that is what numbering means in these texts.
An unnumbered block (see `pairing`) is one when it sets up the implementation
mechanism or holds an undertaking sentence, and its text is the whole block. The
paragraph, not the sentence, is the unit: translations do not keep sentence
boundaries (one Chinese sentence is often a whole English paragraph), the two
language versions must stay a faithful pair, and the sentence that carries the verb
often needs its neighbours for its subject ("We, the President ..." / "Realize that
... will ...") or its speaker (the lead-in of a quotation).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from tracker.extract.pairing import Unit
from tracker.extract.sentences import is_mechanism, undertaking_sentences
from tracker.extract.text import Paragraph

LANG_ORDER = ("en", "zh", "ru")


@dataclass(frozen=True)
class Candidate:
    """A commitment found in the text, before it becomes a record entry."""

    local_id: str
    label: str
    texts: dict[str, str]
    mechanism: bool = False
    heading: str | None = None
    position: int = 0


def select_commitments(points: list[Unit], blocks: list[Unit]) -> list[Candidate]:
    """Numbered points and unnumbered commitments, in reading order, with unique ids."""
    found = [_point(unit) for unit in points]
    first = min((u.position for u in points), default=None)
    last = max((u.position for u in points), default=None)
    counters: Counter[str] = Counter()
    for unit in blocks:
        texts, mechanism = _block_texts(unit)
        if not texts:
            continue
        region = "mechanism" if mechanism else _region(unit.position, first, last)
        counters[region] += 1
        local_id = region if region == "mechanism" and counters[region] == 1 else (
            f"{region}-{counters[region]}")  # fmt: skip
        found.append(Candidate(local_id, local_id, texts, mechanism, None, unit.position))
    return sorted(found, key=lambda c: c.position)


def _region(position: int, first: int | None, last: int | None) -> str:
    if first is None or last is None:
        return "paragraph"
    if position < first:
        return "preamble"
    return "closing" if position > last else "between"


def _point(unit: Unit) -> Candidate:
    assert unit.number is not None
    local_id = str(unit.number) if unit.list_no == 0 else f"{unit.list_no + 1}-{unit.number}"
    labels = list(unit.labels.values())
    label = next((lab for lab in labels if lab.isdigit()), unit.labels.get("en", labels[0]))
    texts = {lang: unit.texts[lang] for lang in LANG_ORDER if lang in unit.texts}
    mechanism = any(is_mechanism(text, lang) for lang, text in texts.items())
    return Candidate(local_id, label, texts, mechanism, _heading(unit), unit.position)


def _heading(unit: Unit) -> str | None:
    """A point printed as a heading with its explanation below (the seed 000 layout)."""
    for lang in LANG_ORDER:
        paragraphs = unit.paragraphs.get(lang)
        if paragraphs and len(paragraphs) > 1:
            first_line = unit.texts[lang].splitlines()[0]
            if not re.search(r"[.。;；:：!?]$", first_line):
                return first_line
    return None


def _block_texts(unit: Unit) -> tuple[dict[str, str], bool]:
    """Verbatim text per language of an unnumbered block, and whether it is a mechanism."""
    langs = [lang for lang in LANG_ORDER if lang in unit.paragraphs]
    mechanism = any(is_mechanism(p.text, lang) for lang in langs for p in unit.paragraphs[lang])
    undertaking = any(undertaking_sentences(p.text, lang) for lang in langs for p in unit.paragraphs[lang])
    if not (mechanism or undertaking):
        return {}, False
    # A version without an undertaking verb is still the translation of the block.
    return {lang: _join(unit.paragraphs[lang]) for lang in langs}, mechanism


def _join(paragraphs: list[Paragraph]) -> str:
    return "\n".join(p.text for p in paragraphs)
