"""Why a signal exists: the decisive evidence first, each in its sentence; then the rest.

An analyst decides to confirm or reject from this panel. What made the link comes first:
exact phrases, then the gate terms about the subject, then the profile terms, then the
dates the rules checked; each shown once in the sentence it was found in, the term
highlighted (keyword in context), never as offsets. Party names ("China", "Russia",
named in every story about the two) and the stop-list's generic words come last, on one
line, counted. Every piece of article text goes through `safe_content`.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

from tracker.core import HIT_KINDS, keyword_in_context
from tracker.tui.widgets.safe import clean, safe_content
from tracker.types import Article, ReviewItem, TermHit

#: Characters of the sentence shown around a term.
CONTEXT = 110
#: At most this many decisive hits are shown in their sentence; the rest are counted.
MAX_HITS = 6
#: How each kind is named in the panel.
KIND_LABELS = {"phrase": "phrase", "gate": "gate", "term": "term", "party": "party", "generic": "generic"}
#: Kinds shown last, counted on one line rather than quoted.
LAST = ("party", "generic")


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "–"


def _label(text: str) -> Content:
    return Content.styled(f"{text:<9}", "bold $text-muted")


def hit_context(article: Article | None, hit: TermHit, width: int = CONTEXT) -> Content:
    """The sentence the term was found in, the term highlighted: `field: …before [term] after…`."""
    text = getattr(article, hit.field, "") if article is not None else ""
    if not text or hit.end > len(text) or hit.start < 0 or hit.start >= hit.end:
        return safe_content(hit.text, "bold reverse")
    before, term, after = keyword_in_context(text, hit.start, hit.end, width)
    return Content.assemble(safe_content(before), safe_content(term, "bold reverse"), safe_content(after))


def rank(hit: TermHit, kinds: dict[str, str]) -> int:
    """Position of the hit's kind in HIT_KINDS (unknown terms, of rules since edited: as terms)."""
    return HIT_KINDS.index(kinds.get(hit.term, "term"))


def ordered_hits(hits: tuple[TermHit, ...], kinds: dict[str, str]) -> list[tuple[TermHit, int]]:
    """One hit per term (its first, by field order title, summary, content), with how many
    times the term was found; the most decisive kinds first."""
    fields = {"title": 0, "summary": 1, "content": 2}
    counts = Counter(h.term for h in hits)
    first: dict[str, TermHit] = {}
    for hit in sorted(hits, key=lambda h: (fields.get(h.field, 3), h.start)):
        first.setdefault(hit.term, hit)
    return sorted(((h, counts[h.term]) for h in first.values()), key=lambda p: rank(p[0], kinds))


def explain(
    item: ReviewItem, kinds: dict[str, str] | None = None, titles: dict[str, str] | None = None
) -> Content:
    """The panel's text for one item (a signal or evidence added by hand)."""
    lines: list[Content] = [safe_content(item.title, "bold")]
    if item.signal is not None:
        lines.extend(_signal_lines(item, kinds or {}, titles or {}))
    else:
        lines.append(Content.assemble(_label("Added"), "by hand", _by(item)))
    lines.extend(_review_lines(item))
    return Content("\n").join(lines)


def _by(item: ReviewItem) -> str:
    evidence = item.evidence
    if evidence is None:
        return ""
    who = f" by {clean(evidence.added_by)}" if evidence.added_by else ""
    return f"{who} on {_when(evidence.added)}"


def _signal_lines(item: ReviewItem, kinds: dict[str, str], titles: dict[str, str]) -> list[Content]:
    signal = item.signal
    assert signal is not None
    lines = [
        Content.assemble(
            _label("Rules"),
            safe_content(", ".join(signal.rule_ids) or "–", "bold"),
            f"  score {signal.score:g}  ·  {signal.relation}",
            "  ·  retracted (no rule links it now)" if signal.state == "retracted" else "",
        )
    ]
    hits = ordered_hits(signal.hits, kinds)
    decisive = [(h, n) for h, n in hits if kinds.get(h.term, "term") not in LAST]
    rest = [(h, n) for h, n in hits if kinds.get(h.term, "term") in LAST]
    for hit, count in decisive[:MAX_HITS]:
        kind = KIND_LABELS.get(kinds.get(hit.term, "term"), "term")
        times = f" ×{count}" if count > 1 else ""
        lines.append(
            Content.assemble(
                _label(kind),
                Content.styled(f"{hit.field}{times}: ", "$text-muted"),
                hit_context(item.article, hit),
            )
        )
    if len(decisive) > MAX_HITS:
        lines.append(Content.styled(f"{'':9}… and {len(decisive) - MAX_HITS} more term(s)", "$text-muted"))
    if signal.dates:
        lines.append(Content.assemble(_label("Dates"), safe_content("; ".join(signal.dates))))
    if rest:
        named = ", ".join(f"{clean(h.term)} ×{n}" if n > 1 else clean(h.term) for h, n in rest)
        lines.append(
            Content.assemble(
                _label("Also"), Content.styled(f"{named} (parties, generic words)", "$text-muted")
            )
        )
    article = item.article
    if article is not None:
        feeds = ", ".join(titles.get(f, f) for f in item.feeds)
        lines.append(
            Content.assemble(
                _label("Article"),
                f"published {_when(article.published)}  ·  first seen {_when(article.first_seen)}",
                safe_content(f"  ·  {feeds}" if feeds else ""),
            )
        )
    return lines


def _review_lines(item: ReviewItem) -> list[Content]:
    lines: list[Content] = []
    signal = item.signal
    if signal is not None and signal.review:
        who = f" by {clean(signal.reviewer)}" if signal.reviewer else ""
        lines.append(
            Content.assemble(_label("Review"), f"{signal.review}{who} on {_when(signal.reviewed_at)}")
        )
    elif signal is not None:
        lines.append(Content.assemble(_label("Review"), ("waiting: y confirm, x reject", "bold")))
    if item.strength:
        lines.append(Content.assemble(_label("Strength"), item.strength.replace("_", " ")))
    if item.url:
        lines.append(Content.assemble(_label("Link"), safe_content(item.url, "underline")))
    if item.document:
        lines.append(Content.assemble(_label("Document"), safe_content(item.document)))
    if item.note:
        lines.append(Content.assemble(_label("Note"), safe_content(item.note, multiline=True)))
    return lines


class ExplanationPanel(Static):
    """Shows `item`; the screen sets `kinds` and `titles`, then `item`, when the cursor moves."""

    item: reactive[ReviewItem | None] = reactive(None, layout=True)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        #: Term as written → its kind (HIT_KINDS), from the rules of the item's signal.
        self.kinds: dict[str, str] = {}
        #: Feed name → title.
        self.titles: dict[str, str] = {}

    def render(self) -> Content:
        if self.item is None:
            return Content.styled("No signal or evidence yet. e adds evidence by hand.", "$text-muted")
        return explain(self.item, self.kinds, self.titles)
