"""How much of a curated record a draft recovers: the acceptance measure of `tracker extract`.

Definitions, precisely:

- *normalised text*: every run of whitespace (line breaks, no-break spaces ...)
  replaced by one space, leading and trailing whitespace removed. Nothing else is
  changed: punctuation, case and quotes must match as printed.
- A draft text *covers* a curated text when the normalised draft text contains the
  normalised curated text, or the curated text contains the draft text and the draft
  text is at least `MIN_OVERLAP` (90 %) of the curated text's length.
- The curated texts *of a document* are, for each curated commitment, its `text`
  (every language) if the document is the record's primary source, or its `variants`
  from that document if the document is a variant source. Commitments with nothing
  from the document are not counted.
- A curated commitment is *covered* when one single draft commitment covers its texts
  in every language: a bilingual point must come out as one commitment with both
  versions, not as two unrelated halves.
- The *match rate* of a document is covered / counted curated commitments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

MIN_OVERLAP = 0.9


@dataclass
class Coverage:
    """The result for one document: which curated commitments a draft recovered."""

    document: str
    covered: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.covered) + len(self.missing)

    @property
    def rate(self) -> float:
        return len(self.covered) / self.total if self.total else 1.0

    def __str__(self) -> str:
        missing = f"; missing: {', '.join(self.missing)}" if self.missing else ""
        return f"{self.document}: {len(self.covered)}/{self.total} = {self.rate:.0%}{missing}"


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def covers(draft_text: str, curated_text: str) -> bool:
    """See the module docstring: containment, or reverse containment with >= 90 % length."""
    draft, curated = normalise(draft_text), normalise(curated_text)
    if not curated:
        return True
    if curated in draft:
        return True
    return bool(draft) and draft in curated and len(draft) >= MIN_OVERLAP * len(curated)


def curated_texts(record: dict[str, Any], document: str) -> dict[str, dict[str, str]]:
    """Curated commitment id → {language: verbatim text} as printed in `document`."""
    sources = record.get("statement", {}).get("sources", [])
    roles = {s.get("document"): s.get("role") for s in sources}
    out: dict[str, dict[str, str]] = {}
    for commitment in record.get("commitments", []):
        if roles.get(document) == "primary":
            texts = dict(commitment.get("text") or {})
        else:
            variants = commitment.get("variants") or []
            texts = {v["lang"]: v["text"] for v in variants if v.get("source") == document}
        if texts:
            out[commitment["id"]] = texts
    return out


def coverage(draft: dict[str, Any], curated: dict[str, Any], document: str) -> Coverage:
    """Which curated commitments of `document` some single draft commitment covers."""
    result = Coverage(document)
    drafts = [c.get("text") or {} for c in draft.get("commitments", [])]
    for cid, texts in curated_texts(curated, document).items():
        hit = any(all(covers(d.get(lang, ""), text) for lang, text in texts.items()) for d in drafts)
        (result.covered if hit else result.missing).append(cid)
    return result
