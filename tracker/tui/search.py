"""Finding a commitment by what it says in any of its languages, as `/` and the palette do.

The records hold Chinese and Russian text (the commitment's own text, its variants,
its keywords) and the rules hold terms in every language; an analyst types 主权,
主權 or суверенитет and expects the commitments they belong to. Every field is folded
once with `search_fold` (case in every script, ё as е, traditional Chinese as
simplified) and a query matches when each of its words is in the folded text.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tracker.core import Tracker, search_fold
from tracker.types import Commitment


@dataclass(frozen=True)
class SearchEntry:
    """One commitment's searchable fields: (label, original text), and all of them folded."""

    commitment_id: str
    fields: tuple[tuple[str, str], ...]
    folded: tuple[str, ...]

    def matches(self, query: str) -> bool:
        words = search_fold(query).split()
        text = "\n".join(self.folded)
        return all(word in text for word in words)

    def snippet(self, query: str, width: int = 60) -> str:
        """The first field that holds the query's first word, cut around it: why it matched."""
        words = search_fold(query).split()
        if not words:
            return ""
        for (label, original), folded in zip(self.fields, self.folded, strict=True):
            at = folded.find(words[0])
            if at < 0:
                continue
            # folding keeps lengths for the scripts concerned, so `at` is near the original's
            start = max(0, min(at - width // 3, len(original) - width))
            cut = original[start : start + width].replace("\n", " ")
            return f"{label}: {'…' if start else ''}{cut}{'…' if start + width < len(original) else ''}"
        return ""


def _fields(commitment: Commitment, rule_terms: Iterable[str]) -> list[tuple[str, str]]:
    fields = [("id", commitment.id), ("summary", commitment.summary)]
    fields += [(lang, text) for lang, text in commitment.text.items()]
    fields += [(f"{v.lang} variant", v.text) for v in commitment.variants]
    fields += [(f"{lang} keywords", ", ".join(words)) for lang, words in commitment.keywords.items()]
    fields.append(("tags", ", ".join(commitment.tags)))
    terms = ", ".join(dict.fromkeys(rule_terms))
    if terms:
        fields.append(("rule terms", terms))
    return fields


def build_index(tracker: Tracker, *, with_rules: bool = True) -> dict[str, SearchEntry]:
    """Every commitment's entry, by id; the rules' terms are included when the rules load."""
    terms: dict[str, list[str]] = {}
    if with_rules:
        for rule in tracker.matcher.rules:
            groups = [*rule.all, rule.any, rule.phrases]
            words = [t.text for g in groups if g is not None for t in g.terms]
            for target in rule.targets:
                terms.setdefault(target, []).extend(words)
    index: dict[str, SearchEntry] = {}
    for statement in tracker.records.statements:
        for commitment in statement.commitments:
            fields = _fields(commitment, terms.get(commitment.id, ()))
            index[commitment.id] = SearchEntry(
                commitment.id, tuple(fields), tuple(search_fold(text) for _, text in fields)
            )
    return index
