"""Draft a rules file from a draft record (`tracker extract --rules`).

The rules format is still being designed elsewhere; everything that depends on it is
in `draft_rules` and `_rule`, so adapting to the final format touches nothing else.
One rule per commitment: the article must name every party (one `all` group per
party, any language) and at least one of the commitment's keywords (`any`).
"""

from __future__ import annotations

from typing import Any

_PARTY_TERMS: dict[str, list[str]] = {
    "china": ["China", "Chinese", "中国", "中方", "Китай", "Китая", "КНР"],
    "russia": ["Russia", "Russian", "俄罗斯", "俄方", "Россия", "России", "РФ"],
}


def draft_rules(record: dict[str, Any]) -> dict[str, Any]:
    """A rules document `{rules: [...]}` with one `supports` rule per commitment with keywords."""
    parties = record.get("statement", {}).get("parties", [])
    groups = [_PARTY_TERMS[p] for p in parties if p in _PARTY_TERMS]
    rules = [_rule(c, groups) for c in record.get("commitments", [])]
    return {"rules": [rule for rule in rules if rule is not None]}


def _rule(commitment: dict[str, Any], party_groups: list[list[str]]) -> dict[str, Any] | None:
    keywords = commitment.get("keywords") or {}
    terms = list(dict.fromkeys(term for lang_terms in keywords.values() for term in lang_terms))
    if not terms:
        return None
    rule: dict[str, Any] = {
        "id": commitment["id"].replace("/", "-"),
        "targets": {"commitments": [commitment["id"]]},
    }
    if party_groups:
        rule["all"] = [list(group) for group in party_groups]
    rule["any"] = terms
    rule["relation"] = "supports"
    return rule
