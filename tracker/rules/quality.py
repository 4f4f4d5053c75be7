"""How good are the rules? Precision and recall against items an analyst has labelled.

A labelled item is what a feed reader shows (title, summary, link, date, language) and
the commitments it is evidence for under EVIDENCE.md (with the relation), or none, and
whether it is a *hard negative* (an information-domain story that a careless rule
links). The figures are the ones the maintainers report on their held-out set:

- **precision**: of the items the rules link, the share linked to at least one of their
  labelled commitments;
- **exact precision**: of the (item, commitment) links, the share that are labelled;
- **recall**: of the evidence items, the share linked to at least one of their labelled
  commitments;
- **hard negatives linked**: the share of hard negatives with any link.

Each figure also by language and by statement. Pure functions over plain data: the
caller decides how the links were made (the matcher, or signals stored in a database),
so `tracker rules test --labels` and `make quality` score the same way.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from tracker.errors import Problem, RecordError
from tracker.types import RELATIONS, Figures, LabelledItem, Quality, RuleStats


def statement_of(commitment_id: str) -> str:
    return commitment_id.split("/", 1)[0]


def _figures(items: Iterable[LabelledItem], links: Mapping[str, frozenset[str]], only: str | None) -> Figures:
    """Figures over `items`; with `only`, count labels and links of that statement alone."""
    counts = dict.fromkeys(Figures.__dataclass_fields__, 0)
    for item in items:
        labelled = {c for c in item.labels if only is None or statement_of(c) == only}
        linked = {c for c in links.get(item.key, frozenset()) if only is None or statement_of(c) == only}
        if item.hard_negative:  # per statement: of all hard negatives, those linked to it
            counts["hard_negatives"] += 1
            counts["hard_negatives_linked"] += bool(linked)
        if only is not None and not labelled and not linked:
            continue
        counts["items"] += 1
        if labelled:
            counts["positives"] += 1
            counts["found"] += bool(labelled & linked)
        if linked:
            counts["linked"] += 1
            counts["linked_right"] += bool(labelled & linked)
            counts["links"] += len(linked)
            counts["links_right"] += len(labelled & linked)
    return Figures(**counts)


def score(items: Sequence[LabelledItem], links: Mapping[str, Iterable[str]]) -> Quality:
    """The figures of `links` (item key -> linked commitment ids) against the labels."""
    frozen = {key: frozenset(ids) for key, ids in links.items()}
    languages = sorted({item.language or "?" for item in items})
    statements = sorted(
        {statement_of(c) for item in items for c in item.labels}
        | {statement_of(c) for ids in frozen.values() for c in ids}
    )
    misses: dict[str, tuple[frozenset[str], frozenset[str]]] = {}
    false_links: dict[str, tuple[frozenset[str], frozenset[str]]] = {}
    for item in items:
        labelled, linked = frozenset(item.labels), frozen.get(item.key, frozenset())
        if labelled and not labelled & linked:
            misses[item.key] = (labelled, linked)
        if linked - labelled:
            false_links[item.key] = (labelled, linked)
    return Quality(
        overall=_figures(items, frozen, None),
        by_language={
            lang: _figures([i for i in items if (i.language or "?") == lang], frozen, None)
            for lang in languages
        },
        by_statement={s: _figures(items, frozen, s) for s in statements},
        misses=misses,
        false_links=false_links,
    )


# ---------------------------------------------------------------- labelled files


def _error(where: str, field: str, message: str) -> RecordError:
    """One problem at `where` ("FILE:LINE" or a key such as "pages-dev:3")."""
    file, _, line = where.rpartition(":")
    if not line.isdigit():
        file, line = where, ""
    return RecordError([Problem(Path(file), int(line) if line else None, field, message)])


def load_labelled(path: Path) -> list[LabelledItem]:
    """A labelled file: JSON lines of `{"entry": {...}, "labels": [...], "hard_negative": bool}`.

    `entry` has the keys an archive record has (title, description, link,
    date_published, language; `tracker ingest` reads the same); `labels` is a list of
    `{"commitment": ID, "relation": R}`. Raises RecordError naming the line and field.
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise _error(str(path), "", f"cannot read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise _error(str(path), "", "not UTF-8 text") from None
    items: list[LabelledItem] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        items.append(parse_labelled(line, f"{path}:{number}", key=f"{path.name}:{number}"))
    return items


def parse_labelled(line: str, where: str, *, key: str) -> LabelledItem:
    """One line of a labelled file (see `load_labelled`)."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise _error(where, "", f"not JSON ({exc.msg})") from None
    if not isinstance(record, dict) or not isinstance(record.get("entry"), dict):
        raise _error(where, "entry", "expected an object with the item's title, description, link")
    return labelled_item(record["entry"], record, where, key=key)


def labelled_item(
    entry: Mapping[str, Any], label: Mapping[str, Any], where: str, *, key: str
) -> LabelledItem:
    """An item from its entry and its label record (which may live in another file)."""
    raw = label.get("labels", [])
    if not isinstance(raw, list):
        raise _error(where, "labels", "expected a list of {commitment, relation}")
    labels: dict[str, str] = {}
    for n, one in enumerate(raw):
        if not isinstance(one, dict) or not isinstance(one.get("commitment"), str):
            raise _error(where, f"labels[{n}].commitment", "expected a commitment id")
        relation = one.get("relation", "supports")
        if relation not in RELATIONS:
            raise _error(where, f"labels[{n}].relation", f"expected one of {', '.join(RELATIONS)}")
        labels[one["commitment"]] = relation
    hard = label.get("hard_negative", False)
    if not isinstance(hard, bool):
        raise _error(where, "hard_negative", "expected true or false")
    language = entry.get("language")
    if isinstance(language, str):
        language = language.split("-")[0].split("_")[0].lower() or None  # en-US and en are one slice
    return LabelledItem(
        key=key,
        entry=entry,
        labels=labels,
        hard_negative=hard,
        language=language if isinstance(language, str) else None,
        note=str(label.get("note", "")),
    )


def unknown_commitments(items: Iterable[LabelledItem], known: Iterable[str]) -> list[str]:
    """Labelled commitment ids that the records do not have (a typo would count as a miss)."""
    have = set(known)
    return sorted({c for item in items for c in item.labels} - have)


# ---------------------------------------------------------------- learning from reviews


def rule_stats(
    rows: Iterable[tuple[Sequence[str], str | None, Sequence[Mapping[str, Any]]]],
    rule_ids: Iterable[str] = (),
    *,
    top_terms: int = 5,
) -> list[RuleStats]:
    """Per rule: signals, confirmed, rejected, waiting, precision, and the terms that the
    rejected signals share. `rows` are (rule ids, review, hit records) per signal; a signal
    made by several rules counts for each. Rules without signals are listed too."""
    empty = {"signals": 0, "confirmed": 0, "rejected": 0}
    counts: dict[str, dict[str, int]] = {rule: dict(empty) for rule in rule_ids}
    rejected_terms: dict[str, dict[str, int]] = {}
    for rules, review, hits in rows:
        for rule in rules:
            c = counts.setdefault(rule, dict(empty))
            c["signals"] += 1
            if review in ("confirmed", "rejected"):
                c[review] += 1
            if review == "rejected":
                terms = {str(h.get("term")) for h in hits if h.get("rule") == rule and h.get("term")}
                bucket = rejected_terms.setdefault(rule, {})
                for term in terms:
                    bucket[term] = bucket.get(term, 0) + 1
    out: list[RuleStats] = []
    for rule in sorted(counts):
        c = counts[rule]
        reviewed = c["confirmed"] + c["rejected"]
        shared = sorted(rejected_terms.get(rule, {}).items(), key=lambda kv: (-kv[1], kv[0]))
        out.append(
            RuleStats(
                rule_id=rule,
                signals=c["signals"],
                confirmed=c["confirmed"],
                rejected=c["rejected"],
                waiting=c["signals"] - reviewed,
                precision=round(c["confirmed"] / reviewed, 3) if reviewed else None,
                rejected_terms=tuple((t, n) for t, n in shared if n > 1 or c["rejected"] == 1)[:top_terms],
            )
        )
    return out
