"""Why a signal exists: its rules, the terms found and where, the dates, and the review so far.

An analyst decides to confirm or reject from this panel, so it shows the matched
terms in their context (a few words either side, the term highlighted) rather than
bare offsets. Every piece of article text goes through `safe_content`.
"""

from __future__ import annotations

from datetime import datetime

from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

from tracker.tui.widgets.safe import clean, safe_content
from tracker.types import Article, ReviewItem, TermHit

#: Characters of context either side of a matched term.
CONTEXT = 40
#: At most this many hits are shown; the rest are counted.
MAX_HITS = 6


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "–"


def _label(text: str) -> Content:
    return Content.styled(f"{text:<9}", "bold $text-muted")


def hit_context(article: Article | None, hit: TermHit) -> Content:
    """`…words before [term] words after…` from the field the term was found in."""
    text = getattr(article, hit.field, "") if article is not None else ""
    if not text or hit.end > len(text) or hit.start < 0:
        return safe_content(hit.text, "bold $accent")
    start, end = max(0, hit.start - CONTEXT), min(len(text), hit.end + CONTEXT)
    return Content.assemble(
        "…" if start else "",
        safe_content(text[start : hit.start]),
        safe_content(text[hit.start : hit.end], "bold reverse"),
        safe_content(text[hit.end : end]),
        "…" if end < len(text) else "",
    )


def explain(item: ReviewItem) -> Content:
    """The panel's text for one item (a signal or evidence added by hand)."""
    lines: list[Content] = [safe_content(item.title, "bold")]
    if item.signal is not None:
        lines.extend(_signal_lines(item))
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


def _signal_lines(item: ReviewItem) -> list[Content]:
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
    terms = sorted({(h.term, h.field) for h in signal.hits})
    if terms:
        found = ", ".join(f"“{clean(term)}” in {field}" for term, field in terms)
        lines.append(Content.assemble(_label("Terms"), found))
    for hit in signal.hits[:MAX_HITS]:
        lines.append(
            Content.assemble(
                _label(f"  {hit.field}"), f"[{hit.start}–{hit.end}] ", hit_context(item.article, hit)
            )
        )
    if len(signal.hits) > MAX_HITS:
        lines.append(Content.styled(f"{'':9}… and {len(signal.hits) - MAX_HITS} more", "$text-muted"))
    if signal.dates:
        lines.append(Content.assemble(_label("Dates"), safe_content("; ".join(signal.dates))))
    article = item.article
    if article is not None:
        lines.append(
            Content.assemble(
                _label("Article"),
                f"published {_when(article.published)}  ·  first seen {_when(article.first_seen)}",
                safe_content(f"  ·  {', '.join(item.feeds)}" if item.feeds else ""),
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
    """Shows `item`; the screen sets it when the cursor moves."""

    item: reactive[ReviewItem | None] = reactive(None, layout=True)

    def render(self) -> Content:
        if self.item is None:
            return Content.styled("No signal or evidence yet. e adds evidence by hand.", "$text-muted")
        return explain(self.item)
