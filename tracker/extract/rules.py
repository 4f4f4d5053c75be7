"""Draft a rules file from a draft record (`tracker extract --rules`).

The drafts follow docs/rules.md: the parties are gates under `all` (the workspace's
`$china` and `$russia` term sets when it defines them, else the parties' names in three
languages), and the commitment's own vocabulary scores: multi-word keywords as `phrases`
(2 points), single words as `any` (1 point), generic words of diplomatic prose and
keywords naming a party or its leaders left out (the first score 0, the second only
repeat the gates). A commitment whose keywords cannot reach the default `min_score` of
2, that is neither one phrase nor two profile terms, gets no rule: a drafted rule of
one generic word (`promotion`) links nothing or everything.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from tracker.rules.generic import is_generic
from tracker.rules.textprep import normalise

_PARTY_TERMS: dict[str, list[str]] = {
    "china": ["China", "Chinese", "中国", "中方", "Китай", "Китая", "КНР"],
    "russia": ["Russia", "Russian", "俄罗斯", "俄方", "Россия", "России", "РФ"],
}


#: Words that name a party or its leaders: the gates already require them, so a keyword
#: holding one ("president xi jinping") would score for any story about the two countries.
_PARTY_WORDS = frozenset(
    [
        "china",
        "chinese",
        "china's",
        "prc",
        "beijing",
        "xi",
        "jinping",
        "russia",
        "russian",
        "russia's",
        "russians",
        "moscow",
        "kremlin",
        "putin",
        "vladimir",
        "sino",
    ]
)
_PARTY_STEMS = ("китай", "кнр", "пекин", "росси", "москв", "кремл", "путин", "рф")
_PARTY_CHARS = ("中国", "中方", "中华", "俄罗斯", "俄方", "习近平", "普京", "北京", "莫斯科", "中俄", "俄中")


def _names_a_party(norm: str) -> bool:
    words = norm.split()
    return (
        any(w in _PARTY_WORDS for w in words)
        or any(w.startswith(_PARTY_STEMS) for w in words)
        or any(chars in norm for chars in _PARTY_CHARS)
    )


def draft_rules(record: dict[str, Any], term_sets: Collection[str] = ()) -> dict[str, Any]:
    """A rules document `{rules: [...]}`: one `supports` rule per commitment whose keywords
    make a precise rule. `term_sets` are the names of the workspace's term sets."""
    parties = record.get("statement", {}).get("parties", [])
    gates: list[Any] = [
        f"${p}" if p in term_sets else list(_PARTY_TERMS[p]) for p in parties if p in _PARTY_TERMS
    ]
    rules = [_rule(c, gates) for c in record.get("commitments", [])]
    return {"rules": [rule for rule in rules if rule is not None]}


def split_keywords(keywords: dict[str, list[str]]) -> tuple[list[str], list[str]]:
    """(phrases, profile terms) of a commitment's keywords, generic words left out."""
    phrases: list[str] = []
    words: list[str] = []
    for term in dict.fromkeys(t for terms in keywords.values() for t in terms):
        norm = normalise(term)
        if not norm or is_generic(norm) or _names_a_party(norm):
            continue
        if _is_phrase(norm):
            phrases.append(term)
        else:
            words.append(term)
    return phrases, words


def _is_phrase(norm: str) -> bool:
    """At least two words, or four Chinese characters (docs/rules.md, "exact phrase")."""
    cjk = sum(1 for ch in norm if "\u4e00" <= ch <= "\u9fff")
    return len(norm.split()) >= 2 or cjk >= 4


def _rule(commitment: dict[str, Any], gates: list[Any]) -> dict[str, Any] | None:
    phrases, words = split_keywords(commitment.get("keywords") or {})
    if not phrases and len(words) < 2:
        return None
    rule: dict[str, Any] = {
        "id": commitment["id"].replace("/", "-"),
        "targets": {"commitments": [commitment["id"]]},
    }
    if gates:
        rule["all"] = gates
    if words:
        rule["any"] = words
    if phrases:
        rule["phrases"] = phrases
    rule["relation"] = "supports"
    return rule
