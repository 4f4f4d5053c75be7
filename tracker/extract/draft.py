"""Build the draft record (a plain dict in the docs/records.md shape) and its YAML.

Records are hand-edited under version control, so the YAML must read like one
written by hand: keys in the documented order, verbatim text in `|-` blocks, short
lists in flow style, no line folding. `draft: true` on the statement and on every
commitment marks each field as a suggestion until an analyst has checked it.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from tracker.extract.boilerplate import Page, cut_page
from tracker.extract.classify import (
    commitment_type,
    find_deadline,
    responsible_bodies,
    summarise,
    theme_tags,
    verifiable,
)
from tracker.extract.commitments import LANG_ORDER, Candidate, select_commitments
from tracker.extract.facts import (
    When,
    find_date,
    find_parties,
    find_place,
    find_title,
    publication_date,
    publisher,
    statement_kind,
)
from tracker.extract.keywords import suggest_keywords
from tracker.extract.pairing import build_units
from tracker.extract.text import split_paragraphs

NOT_STATED = "not stated"
_PARTY_CODES = {"china": "cn", "russia": "ru"}
# Words that say nothing about a statement's topic, left out of generated ids.
# fmt: off
_SLUG_STOP = frozenset((
    "a", "an", "and", "the", "of", "on", "in", "to", "for", "by", "between", "concerning",
    "about", "joint", "statement", "presidents", "president", "peoples", "republic",
    "federation", "china", "russia", "chinese", "russian", "cooperation", "coordinating",
    "promotion", "promoting", "development", "developing", "strengthening", "further"
))
# fmt: on


def extract_statement(
    text: str, *, statement_id: str | None = None, source_name: str | None = None
) -> dict[str, Any]:
    """Draft a commitment record from a statement's plain text (see docs/records.md)."""
    page = cut_page(split_paragraphs(text))
    titles = find_title(page) or {"en": f"Untitled statement ({source_name or 'unknown source'})"}
    when = find_date(page, titles)
    parties = find_parties(titles, page.body)
    points, blocks = build_units(page.body)
    candidates = select_commitments(points, blocks)
    sid = statement_id or make_statement_id(titles, parties, when.value, source_name)
    keywords = suggest_keywords([c.texts for c in candidates])
    commitments = [
        _commitment(sid, c, kw, parties, when.value) for c, kw in zip(candidates, keywords, strict=True)
    ]
    statement = _statement(sid, page, titles, when, parties, candidates, source_name)
    return {"statement": statement, "commitments": commitments}


def _statement(
    sid: str,
    page: Page,
    titles: dict[str, str],
    when: When,
    parties: list[str],
    candidates: list[Candidate],
    source_name: str | None,
) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "id": sid,
        "title": {lang: titles[lang] for lang in LANG_ORDER if lang in titles},
        "kind": statement_kind(titles),
        "date": when.value or NOT_STATED,
    }
    if when.notes:
        statement["date_note"] = " ".join(when.notes)
    statement["place"] = find_place(page, when) or NOT_STATED
    statement["parties"] = parties
    statement["sources"] = [_source(page, candidates, source_name)]
    statement["notes"] = _notes(candidates, source_name)
    statement["draft"] = True
    return statement


def _source(page: Page, candidates: list[Candidate], source_name: str | None) -> dict[str, Any]:
    seen = {lang for c in candidates for lang in c.texts}
    languages = list(dict.fromkeys(p.lang for p in page.body if p.lang in seen))
    source: dict[str, Any] = {
        "document": source_name or NOT_STATED,
        "role": "primary",
        "languages": languages or [page.body[0].lang if page.body else "en"],
    }
    site, published = publisher(page), publication_date(page)
    if site:
        source["publisher"] = site
    if published:
        source["published"] = published
    return source


def _notes(candidates: list[Candidate], source_name: str | None) -> str:
    numbered = sum(1 for c in candidates if c.local_id[0].isdigit())
    return (
        f"Drafted by `tracker extract` (rule-based) from {source_name or 'a statement text'}:\n"
        f"{numbered} numbered points and {len(candidates) - numbered} other commitments.\n"
        "Every field is a suggestion: check each verbatim text against the source, complete\n"
        "the record, then remove every `draft: true`."
    )


def _commitment(
    sid: str,
    candidate: Candidate,
    keywords: dict[str, list[str]],
    parties: list[str],
    start: date | None,
) -> dict[str, Any]:
    kind = commitment_type(candidate.texts, mechanism=candidate.mechanism)
    deadline = find_deadline(candidate.texts)
    entry: dict[str, Any] = {
        "id": f"{sid}/{candidate.local_id}",
        "label": candidate.label,
        "type": kind,
        "summary": summarise(candidate.texts, candidate.heading, mechanism=candidate.mechanism),
        "text": dict(candidate.texts),
        "tags": theme_tags(candidate.texts),
        "parties": parties,
        "responsible": responsible_bodies(candidate.texts) or NOT_STATED,
        "deadline": deadline or NOT_STATED,
        "window": _window(start, deadline),
        "verifiable": verifiable(kind),
    }
    if keywords:
        entry["keywords"] = {lang: keywords[lang] for lang in LANG_ORDER if lang in keywords}
    entry["draft"] = True
    return entry


def _window(start: date | None, deadline: date | None) -> dict[str, date] | str:
    """Monitor from the statement's date, until the deadline when there is one."""
    if start is None:
        return NOT_STATED
    window = {"start": start}
    if deadline and deadline >= start:
        window["end"] = deadline
    return window


def make_statement_id(
    titles: dict[str, str], parties: list[str], day: date | None, source_name: str | None
) -> str:
    """parties-year-topic, e.g. cn-ru-2016-information-space-development."""
    codes = [_PARTY_CODES.get(p, p[:2]) for p in parties if p != NOT_STATED]
    topic = _topic_words(titles.get("en", "")) or _topic_words(Path(source_name or "").stem)
    parts = [*codes, str(day.year) if day else "", *topic[:4]]
    slug = re.sub(r"-+", "-", "-".join(p for p in parts if p)).strip("-")
    return slug or "statement"


def _topic_words(title: str) -> list[str]:
    """The topic after "on"/"concerning" in formal titles, else a capitalised name in it."""
    parts = re.split(r"(?i)\b(?:on|concerning|about)\b", title)
    if len(parts) == 1:
        names = re.findall(r"(?:[A-Z][\w-]*\s+){1,}[A-Z][\w-]*", title)
        parts = [max(names, key=len)] if names else parts
    words = re.findall(r"[a-z0-9]+", parts[-1].lower().replace("'", ""))
    return [w for w in words if w not in _SLUG_STOP]


# ---------------------------------------------------------------- YAML


class _Block(str):
    """Text always written as a `|-` block, even on one line (verbatim quotes)."""


class _Dumper(yaml.SafeDumper):
    """SafeDumper with hand-written style: blocks for text, flow for short lists."""

    def ignore_aliases(self, data: Any) -> bool:
        # The same date object in every window must be written out, not as &id001 / *id001.
        return True


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = "|" if "\n" in data or isinstance(data, _Block) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(data), style=style)


def _represent_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.SequenceNode:
    flow = all(isinstance(x, str | int | float | date) and "\n" not in str(x) for x in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(_Block, _represent_str)
_Dumper.add_representer(list, _represent_list)


def render_yaml(record: dict[str, Any]) -> str:
    """YAML text of a draft record (or rules file) in the documented key order."""
    header = ""
    if isinstance(record.get("statement"), dict) and record["statement"].get("draft"):
        header = (
            "# Draft written by `tracker extract`. Every field is a suggestion: check it\n"
            "# against the source, complete the record, then remove the `draft: true` lines.\n"
        )
    body = yaml.dump(
        _mark_blocks(record),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=10**6,
    )
    return header + body


def _mark_blocks(value: Any, key: str = "") -> Any:
    """Copy the record, turning verbatim text and notes into `_Block`s."""
    if isinstance(value, dict):
        if key == "text":
            return {k: _Block(_tidy(v)) if isinstance(v, str) else v for k, v in value.items()}
        return {k: _mark_blocks(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_mark_blocks(v, key) for v in value]
    if isinstance(value, str) and key in {"text", "notes"}:
        return _Block(_tidy(value))
    return value


def _tidy(text: str) -> str:
    # A block scalar cannot carry trailing spaces; PyYAML would silently quote it instead.
    return "\n".join(line.rstrip() for line in text.strip().splitlines())
