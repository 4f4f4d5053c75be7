"""Commands over the YAML records: init, check, list, show."""

from __future__ import annotations

import argparse

from rich.markup import escape
from rich.panel import Panel

from tracker.cli.arguments import path_arg
from tracker.cli.common import FORMATS, Context
from tracker.core import evidence_item, init_workspace
from tracker.errors import NotFoundError
from tracker.types import NOT_STATED, Commitment, CommitmentStatus, SourcedEvidence, Statement


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "init",
        help="create a new empty workspace with commented examples",
        description=(
            "Create DIR with commitments/, rules/ and feeds/, each holding a commented example, "
            "and a tracker.yaml with every setting commented out. An existing workspace is never "
            "overwritten."
        ),
    )
    p.add_argument("dir", metavar="DIR", type=path_arg)
    p.set_defaults(handler=run_init)

    p = sub.add_parser(
        "check",
        help="validate every record file; list all problems",
        description=(
            "Read every record file (commitments/, rules/, feeds/, tracker.yaml) and list every "
            "problem as file:line: field: message; a broken statement file is reported once, not "
            "through the rules that point at it. Exit 1 if there is any problem."
        ),
    )
    p.add_argument("--strict", action="store_true", help="also fail on records still marked `draft: true`")
    p.set_defaults(handler=run_check)

    p = sub.add_parser(
        "list",
        help="statements and their commitments",
        description="Every commitment of the records (id, type, summary, tags), by statement or tag.",
    )
    p.add_argument("--statement", metavar="ID", help="only this statement")
    p.add_argument(
        "--tag", metavar="TAG", action="append", help="only commitments with this tag (repeatable)"
    )
    p.add_argument("--format", choices=FORMATS, default="table")
    p.set_defaults(handler=run_list)

    p = sub.add_parser(
        "show",
        help="one commitment or statement in full",
        description=(
            "A commitment: its verbatim text in each language, its metadata, its status (verdict or "
            "derived, since when) and its evidence. A statement: its title, date, place, sources "
            "and commitments."
        ),
    )
    p.add_argument("id", metavar="ID", help="a commitment id (statement/label) or a statement id")
    p.add_argument("--format", choices=("text", "yaml", "json"), default="text")
    p.set_defaults(handler=run_show)


def run_init(args: argparse.Namespace, ctx: Context) -> int:
    workspace = init_workspace(args.dir)
    ctx.console.print(f"Created a workspace in {workspace.root}")
    ctx.console.print(
        f"Next: add a statement under {workspace.commitments_dir}, "
        f"then `tracker --workspace {args.dir} check`."
    )
    return 0


def run_check(args: argparse.Namespace, ctx: Context) -> int:
    problems = ctx.tracker.check(strict=args.strict)
    records = ctx.tracker.records
    for problem in problems:
        ctx.err.print(escape(str(problem)), style="red", soft_wrap=True)
    count = sum(len(s.commitments) for s in records.statements)
    summary = f"{len(records.statements)} statements, {count} commitments"
    summary += "".join(f", {n} {what}" for what, n in ctx.tracker.record_counts().items())
    if problems:
        ctx.err.print(f"{len(problems)} problem(s); {summary} loaded", style="bold red")
        return 1
    drafts = len(ctx.tracker.drafts())
    if drafts:
        summary += f"; {drafts} record(s) still marked draft (`check --strict` refuses them)"
    ctx.console.print(f"ok: {summary}")
    return 0


def commitment_row(statement: Statement, commitment: Commitment) -> dict[str, object]:
    return {
        "statement": statement.id,
        "id": commitment.id,
        "label": commitment.label,
        "type": commitment.type,
        "summary": commitment.summary,
        "tags": list(commitment.tags),
        "languages": list(commitment.text),
        "deadline": commitment.deadline.isoformat() if commitment.deadline else NOT_STATED,
    }


def run_list(args: argparse.Namespace, ctx: Context) -> int:
    statements = ctx.statements()
    if args.statement and not any(s.id == args.statement for s in statements):
        raise NotFoundError(f"--statement: no statement {args.statement!r}")
    known_tags = {t for s in statements for c in s.commitments for t in c.tags}
    unknown = [t for t in args.tag or () if t not in known_tags]
    if unknown:
        raise NotFoundError(
            f"--tag: no commitment has the tag {unknown[0]!r} (tags: {', '.join(sorted(known_tags))})"
        )
    rows = [
        commitment_row(s, c)
        for s in statements
        if not args.statement or s.id == args.statement
        for c in s.commitments
        if not args.tag or set(args.tag) & set(c.tags)
    ]
    columns = ["id", "type", "summary", "tags"] if args.format == "table" else None
    ctx.emit(rows, args.format, columns=columns, title=f"{len(rows)} commitments")
    return 0


def run_show(args: argparse.Namespace, ctx: Context) -> int:
    records = ctx.tracker.records
    ctx.statements()
    if args.id in records.commitments:
        commitment = records.commitment(args.id)
        shown = ctx.tracker.status(commitment.id)
        evidence = ctx.tracker.evidence(commitment.id)
        if args.format == "text":
            _print_commitment(ctx, commitment, shown, evidence)
            return 0
        data = commitment_detail(commitment) | _status_detail(shown, evidence)
    else:
        try:
            statement = records.statement(args.id)
        except NotFoundError:
            raise NotFoundError(f"ID: no commitment or statement {args.id!r} (see `tracker list`)") from None
        data = statement_detail(statement)
        if args.format == "text":
            _print_statement(ctx, statement)
            return 0
    ctx.emit([data], args.format)
    return 0


def _status_detail(shown: CommitmentStatus, evidence: list[SourcedEvidence]) -> dict[str, object]:
    status = shown.status
    return {
        "status": status.status,
        "origin": status.origin,
        "since": status.since.isoformat(timespec="seconds") if status.since else None,
        "score": status.score,
        "reason": status.reason,
        "unreviewed_signals": shown.unreviewed,
        "evidence": [evidence_item(item) for item in evidence],
    }


def commitment_detail(c: Commitment) -> dict[str, object]:
    return {
        "id": c.id,
        "label": c.label,
        "type": c.type,
        "summary": c.summary,
        "text": dict(c.text),
        "variants": [{"source": v.source, "lang": v.lang, "text": v.text} for v in c.variants],
        "tags": list(c.tags),
        "parties": list(c.parties),
        "responsible": list(c.responsible) if c.responsible is not None else NOT_STATED,
        "deadline": c.deadline.isoformat() if c.deadline else NOT_STATED,
        "window": ({"start": _iso(c.window.start), "end": _iso(c.window.end)} if c.window else NOT_STATED),
        "verifiable": {"value": c.verifiable.value, "reason": c.verifiable.reason},
    }


def statement_detail(s: Statement) -> dict[str, object]:
    return {
        "id": s.id,
        "title": dict(s.title),
        "kind": s.kind,
        "date": _iso(s.date),
        "date_note": s.date_note,
        "place": s.place or NOT_STATED,
        "parties": list(s.parties),
        "sources": [
            {"document": src.document, "role": src.role, "languages": list(src.languages)}
            for src in s.sources
        ],
        "notes": s.notes,
        "commitments": [c.id for c in s.commitments],
    }


def _iso(value: object) -> str:
    return value.isoformat() if value is not None else NOT_STATED  # type: ignore[attr-defined]


def _print_commitment(
    ctx: Context, c: Commitment, shown: CommitmentStatus, evidence: list[SourcedEvidence]
) -> None:
    """The commitment as an analyst reads it: text, metadata in words, status and evidence."""
    ctx.console.print(f"[bold]{escape(c.id)}[/]  ({escape(c.type)}, label {escape(c.label)})")
    ctx.console.print(escape(c.summary))
    for lang, text in c.text.items():
        ctx.console.print(Panel(escape(text), title=lang, title_align="left"))
    for variant in c.variants:
        ctx.console.print(
            Panel(
                escape(variant.text), title=f"{variant.lang} · variant: {variant.source}", title_align="left"
            )
        )
    window = f"{_iso(c.window.start)} to {_iso(c.window.end)}" if c.window else NOT_STATED
    lines = {
        "tags": ", ".join(c.tags) or "none",
        "parties": ", ".join(c.parties),
        "responsible": ", ".join(c.responsible) if c.responsible is not None else NOT_STATED,
        "deadline": c.deadline.isoformat() if c.deadline else NOT_STATED,
        "window": window,
        "verifiable": f"{'yes' if c.verifiable.value else 'no'} — {c.verifiable.reason}",
    }
    for key, value in lines.items():
        ctx.console.print(f"[bold]{key}:[/] {escape(value)}")
    status = shown.status
    since = f", since {status.since.date().isoformat()}" if status.since else ""
    score = "" if status.score is None else f", score {status.score:+d}" if status.score else ", score 0"
    ctx.console.print(
        f"[bold]status:[/] {escape(status.status.replace('_', ' '))} ({status.origin}{since}{score})"
    )
    if status.reason:
        ctx.console.print(f"  {escape(status.reason)}")
    if shown.unreviewed:
        ctx.console.print(
            f"  {shown.unreviewed} signal(s) wait for review: `tracker review --commitment {c.id}`"
        )
    ctx.console.print(f"[bold]evidence:[/] {len(evidence) or 'none yet'}")
    for item in evidence:
        e = item.evidence
        where = e.url or item.document or ""
        strength = f", {e.strength}" if e.strength else ""
        day = e.date.isoformat() if e.date else "undated"
        ctx.console.print(f"  {e.id}. {day} · {e.relation}{strength} · {escape(e.title)}")
        if where:
            ctx.console.print(f"     {escape(where)}", style="dim")


def _print_statement(ctx: Context, s: Statement) -> None:
    for lang, title in s.title.items():
        ctx.console.print(f"[bold]{escape(title)}[/] ({lang})")
    ctx.console.print(
        f"{escape(s.kind)} · {_iso(s.date)} · {escape(s.place or NOT_STATED)} · {', '.join(s.parties)}"
    )
    if s.date_note:
        ctx.console.print(f"date: {escape(s.date_note)}")
    if s.notes:
        ctx.console.print(escape(s.notes))
    for c in s.commitments:
        ctx.console.print(f"  {escape(c.id)}  {escape(c.summary)}")
