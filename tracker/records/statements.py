"""Commitment records: `commitments/<statement-id>.yaml` into Statement and Commitment.

Loading never stops at the first bad file: every file is read, the good statements are
returned with the problems of the bad ones, so read-only commands keep working while
an analyst is halfway through editing a file.
"""

from __future__ import annotations

import re
from pathlib import Path

from tracker.errors import Problem, RecordError
from tracker.records.validate import SLUG, Checker
from tracker.records.yamlio import LineMap, load_file
from tracker.types import (
    COMMITMENT_TYPES,
    NOT_STATED,
    STATEMENT_KINDS,
    Commitment,
    Origin,
    Source,
    Statement,
    Variant,
    Verifiable,
    Window,
)

COMMITMENT_ID = re.compile(r"^[a-z0-9][a-z0-9-]*/[a-z0-9][a-z0-9-]*$")
PARTY = re.compile(r"^[a-z][a-z0-9-]*$")
LANGS = re.compile(r"^[a-z]{2}$")

STATEMENT_REQUIRED = ("id", "title", "kind", "date", "place", "parties", "sources")
STATEMENT_OPTIONAL = ("date_note", "notes", "stale_after", "draft")
COMMITMENT_REQUIRED = (
    "id",
    "label",
    "type",
    "summary",
    "text",
    "tags",
    "parties",
    "responsible",
    "deadline",
    "window",
    "verifiable",
)
COMMITMENT_OPTIONAL = ("variants", "stale_after", "keywords", "draft")


def load_statements(commitments_dir: Path) -> tuple[list[Statement], list[Problem]]:
    """Every statement file in the folder, plus every problem, including duplicate ids."""
    statements: list[Statement] = []
    problems: list[Problem] = []
    for path in sorted(commitments_dir.glob("*.y*ml")) if commitments_dir.is_dir() else []:
        try:
            statement = load_statement_file(path)
        except RecordError as exc:
            problems.extend(exc.problems)
            continue
        statements.append(statement)
    problems.extend(_cross_file_problems(statements))
    return statements, problems


def load_statement_file(path: Path) -> Statement:
    """One statement file; raises RecordError listing every problem in it."""
    data = load_file(path)
    check = Checker(path)
    root = check.mapping(data, "", 1)
    if root is None:
        raise RecordError(check.problems)
    check.keys(root, "", ("statement", "commitments"))
    head = (
        check.mapping(root.get("statement"), "statement", root.line_of("statement"))
        if "statement" in root
        else None
    )
    statement = _read_statement(check, head, path) if head is not None else None
    commitments: list[Commitment] = []
    seen: dict[str, int | None] = {}
    for item, field, line in check.items(root.get("commitments"), "commitments", root.line_of("commitments")):
        node = check.mapping(item, field, line)
        if node is None:
            continue
        commitment = _read_commitment(check, node, field, statement, path)
        if commitment is None:
            continue
        if commitment.id in seen:
            check.add(
                node.line_of("id"),
                f"{field}.id",
                f"duplicate id {commitment.id!r} (first at line {seen[commitment.id]})",
            )
            continue
        seen[commitment.id] = node.line_of("id")
        commitments.append(commitment)
    if "commitments" in root and not commitments and check.ok:
        check.add(root.line_of("commitments"), "commitments", "expected at least one commitment")
    if statement is not None and path.stem != statement.id:
        check.add(
            head.line_of("id") if head else None,
            "statement.id",
            f"{statement.id!r} must equal the file name {path.stem!r}",
        )
    if not check.ok or statement is None:
        raise RecordError(check.problems)
    return _with_commitments(statement, commitments)


def _read_statement(check: Checker, node: LineMap, path: Path) -> Statement | None:
    field = "statement"
    check.keys(node, field, STATEMENT_REQUIRED, STATEMENT_OPTIONAL)
    sid = check.string(node, "id", field, pattern=SLUG)
    title = check.lang_map(node, "title", field)
    kind = check.choice(node, "kind", field, STATEMENT_KINDS)
    when = check.date_field(node, "date", field, allow_not_stated=True)
    place = check.string(node, "place", field)
    parties = check.string_list(node, "parties", field, pattern=PARTY) or ()
    sources = _read_sources(check, node, field)
    stale = check.duration(node, "stale_after", field)
    draft = check.boolean(node, "draft", field)
    if sid is None or kind is None:
        return None
    return Statement(
        id=sid,
        title=title,
        kind=kind,
        date=when,
        place=None if place in (None, NOT_STATED) else place,
        parties=parties,
        sources=tuple(sources),
        commitments=(),
        date_note=check.string(node, "date_note", field, required=False),
        notes=check.string(node, "notes", field, required=False),
        stale_after=stale,
        draft=draft,
        origin=Origin(path, node.line),
    )


def _read_sources(check: Checker, node: LineMap, field: str) -> list[Source]:
    sources: list[Source] = []
    items = check.items(node.get("sources"), f"{field}.sources", node.line_of("sources"))
    for item, sub_field, line in items:
        sub = check.mapping(item, sub_field, line)
        if sub is None:
            continue
        check.keys(
            sub, sub_field, ("document", "role", "languages"), ("publisher", "published", "url", "note")
        )
        document = check.string(sub, "document", sub_field)
        role = check.choice(sub, "role", sub_field, ("primary", "variant"))
        languages = check.string_list(sub, "languages", sub_field, pattern=LANGS) or ()
        if document is None or role is None:
            continue
        sources.append(
            Source(
                document=document,
                role=role,  # type: ignore[arg-type]
                languages=languages,
                publisher=check.string(sub, "publisher", sub_field, required=False),
                published=check.date_field(sub, "published", sub_field),
                url=check.string(sub, "url", sub_field, required=False),
                note=check.string(sub, "note", sub_field, required=False),
            )
        )
    if "sources" in node and items and sum(s.role == "primary" for s in sources) != 1 and check.ok:
        check.add(
            node.line_of("sources"), f"{field}.sources", "expected exactly one source with role: primary"
        )
    return sources


def _read_commitment(
    check: Checker, node: LineMap, field: str, statement: Statement | None, path: Path
) -> Commitment | None:
    check.keys(node, field, COMMITMENT_REQUIRED, COMMITMENT_OPTIONAL)
    cid = check.string(node, "id", field, pattern=COMMITMENT_ID)
    if cid and statement and not cid.startswith(statement.id + "/"):
        check.add(
            node.line_of("id"),
            f"{field}.id",
            f"{cid!r} must start with the statement id {statement.id + '/'!r}",
        )
    label = check.string(node, "label", field)
    ctype = check.choice(node, "type", field, COMMITMENT_TYPES)
    summary = check.string(node, "summary", field)
    text = check.lang_map(node, "text", field)
    tags = check.string_list(node, "tags", field, pattern=SLUG) or ()
    parties = check.string_list(node, "parties", field, pattern=PARTY) or ()
    responsible = check.string_list(node, "responsible", field, allow_not_stated=True)
    deadline = check.date_field(node, "deadline", field, allow_not_stated=True)
    window = _read_window(check, node, field)
    verifiable = _read_verifiable(check, node, field)
    variants = _read_variants(check, node, field)
    keywords = _read_keywords(check, node, field)
    stale = check.duration(node, "stale_after", field)
    draft = check.boolean(node, "draft", field)
    if None in (cid, label, ctype, summary, verifiable) or not text:
        return None
    assert cid is not None and label is not None and ctype is not None and summary is not None
    assert verifiable is not None
    return Commitment(
        id=cid,
        statement_id=cid.split("/", 1)[0],
        label=label,
        type=ctype,
        summary=summary,
        text=text,
        tags=tags,
        parties=parties,
        responsible=responsible,
        deadline=deadline,
        window=window,
        verifiable=verifiable,
        variants=variants,
        stale_after=stale,
        keywords=keywords,
        draft=draft,
        origin=Origin(path, node.line),
    )


def _read_window(check: Checker, node: LineMap, field: str) -> Window | None:
    if "window" not in node or node["window"] == NOT_STATED:
        return None
    sub = check.mapping(node["window"], f"{field}.window", node.line_of("window"))
    if sub is None:
        return None
    check.keys(sub, f"{field}.window", ("start",), ("end",))
    start = check.date_field(sub, "start", f"{field}.window", allow_not_stated=True)
    end = check.date_field(sub, "end", f"{field}.window", allow_not_stated=True)
    if start and end and end < start:
        check.add(sub.line_of("end"), f"{field}.window.end", f"{end} is before the window start {start}")
    return Window(start, end)


def _read_verifiable(check: Checker, node: LineMap, field: str) -> Verifiable | None:
    if "verifiable" not in node:
        return None
    sub = check.mapping(node["verifiable"], f"{field}.verifiable", node.line_of("verifiable"))
    if sub is None:
        return None
    check.keys(sub, f"{field}.verifiable", ("value", "reason"))
    if "value" in sub and not isinstance(sub["value"], bool):
        check.add(
            sub.line_of("value"), f"{field}.verifiable.value", f"expected true or false, got {sub['value']!r}"
        )
        return None
    reason = check.string(sub, "reason", f"{field}.verifiable")
    if reason is None or "value" not in sub:
        return None
    return Verifiable(bool(sub["value"]), reason)


def _read_variants(check: Checker, node: LineMap, field: str) -> tuple[Variant, ...]:
    variants: list[Variant] = []
    for item, sub_field, line in check.items(
        node.get("variants"), f"{field}.variants", node.line_of("variants")
    ):
        sub = check.mapping(item, sub_field, line)
        if sub is None:
            continue
        check.keys(sub, sub_field, ("source", "lang", "text"))
        source = check.string(sub, "source", sub_field)
        lang = check.string(sub, "lang", sub_field, pattern=LANGS)
        text = check.string(sub, "text", sub_field)
        if source and lang and text:
            variants.append(Variant(source, lang, text))
    return tuple(variants)


def _read_keywords(check: Checker, node: LineMap, field: str) -> dict[str, tuple[str, ...]]:
    if "keywords" not in node:
        return {}
    sub = check.mapping(node["keywords"], f"{field}.keywords", node.line_of("keywords"))
    if sub is None:
        return {}
    out: dict[str, tuple[str, ...]] = {}
    for lang in sub:
        if not LANGS.match(lang):
            check.add(sub.line_of(lang), f"{field}.keywords.{lang}", "expected a two-letter language code")
            continue
        out[lang] = check.string_list(sub, lang, f"{field}.keywords") or ()
    return out


def _with_commitments(statement: Statement, commitments: list[Commitment]) -> Statement:
    from dataclasses import replace

    return replace(statement, commitments=tuple(commitments))


def _cross_file_problems(statements: list[Statement]) -> list[Problem]:
    """Ids must be unique across files too: a copied file must not shadow another."""
    problems: list[Problem] = []
    seen: dict[str, Origin | None] = {}
    for statement in statements:
        for commitment in statement.commitments:
            if commitment.id in seen and commitment.origin:
                problems.append(
                    Problem(
                        commitment.origin.file,
                        commitment.origin.line,
                        "id",
                        f"duplicate commitment id {commitment.id!r} (also at {seen[commitment.id]})",
                    )
                )
            seen.setdefault(commitment.id, commitment.origin)
    return problems


def commitment_index(statements: list[Statement]) -> dict[str, Commitment]:
    """All commitments by id, in file order."""
    return {c.id: c for s in statements for c in s.commitments}
