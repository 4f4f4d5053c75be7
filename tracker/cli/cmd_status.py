"""Status, review, assessment, evidence, history, export and backup commands."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from tracker.cli.common import FORMATS, Context
from tracker.errors import UsageError
from tracker.reports import COMMITMENT_COLUMNS, REPORT_FORMATS, commitment_rows, render
from tracker.reviewing import CONFIDENCE
from tracker.types import PARTIES_SCOPE, RELATIONS, STRENGTHS, VERDICT_SCORES
from tracker.validate import SLUG


def _filters(p: argparse.ArgumentParser) -> None:
    p.add_argument("--statement", metavar="ID", action="append", default=[], help="only this statement")
    p.add_argument("--status", metavar="STATUS", action="append", default=[], help="only this status")
    p.add_argument("--tag", metavar="TAG", action="append", default=[], help="only commitments with this tag")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("status", help="status of every commitment, with origin and since when")
    _filters(p)
    p.add_argument("--format", choices=FORMATS, default="table")
    p.set_defaults(handler=run_status)

    p = sub.add_parser("review", help="list unreviewed signals; `review confirm ID`, `review reject ID`")
    p.add_argument("--commitment", metavar="ID", action="append", help="only signals of this commitment")
    p.add_argument("--format", choices=FORMATS, default="table")
    p.set_defaults(handler=run_review_list)
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    c = actions.add_parser("confirm", help="confirm a signal as evidence")
    c.add_argument("signal", metavar="SIGNAL", type=int)
    c.add_argument("--relation", choices=RELATIONS)
    c.add_argument("--strength", choices=STRENGTHS, help="G7 evidence ladder, weakest first")
    c.add_argument("--note")
    c.add_argument("--reviewer", metavar="NAME")
    c.set_defaults(handler=run_confirm)
    r = actions.add_parser("reject", help="reject a signal (it stays rejected when matched again)")
    r.add_argument("signal", metavar="SIGNAL", type=int)
    r.add_argument("--note")
    r.add_argument("--reviewer", metavar="NAME")
    r.set_defaults(handler=run_reject)

    p = sub.add_parser("assess", help="record an analyst's verdict on a commitment (appended)")
    p.add_argument("id", metavar="ID")
    p.add_argument("verdict", metavar="STATUS", choices=tuple(VERDICT_SCORES))
    p.add_argument("--note", required=True, help="the rationale")
    p.add_argument("--party", choices=PARTIES_SCOPE, default="joint")
    p.add_argument("--confidence", choices=CONFIDENCE)
    p.add_argument(
        "--evidence", metavar="N", type=int, nargs="*", default=[], help="evidence ids it rests on"
    )
    p.add_argument("--assessor", metavar="NAME")
    p.set_defaults(handler=run_assess)

    p = sub.add_parser("evidence", help="`evidence add ID URL --title ...`, `evidence list ID`")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    a = actions.add_parser("add", help="add evidence by hand from a URL or a document reference")
    a.add_argument("id", metavar="ID")
    a.add_argument("url", metavar="URL", help="a URL, or a document reference such as 'MFA note 2017/12'")
    a.add_argument("--title", required=True)
    a.add_argument("--publisher")
    a.add_argument("--date", metavar="YYYY-MM-DD")
    a.add_argument("--relation", choices=RELATIONS, default="supports")
    a.add_argument("--strength", choices=STRENGTHS)
    a.add_argument("--note")
    a.add_argument("--by", metavar="NAME")
    a.set_defaults(handler=run_evidence_add)
    ls = actions.add_parser("list", help="the evidence of a commitment")
    ls.add_argument("id", metavar="ID")
    ls.add_argument("--format", choices=FORMATS, default="table")
    ls.set_defaults(handler=run_evidence_list)

    p = sub.add_parser("history", help="every status change of a commitment, with reason and evidence")
    p.add_argument("id", metavar="ID")
    p.add_argument("--format", choices=FORMATS, default="table")
    p.set_defaults(handler=run_history)

    p = sub.add_parser("export", help="the status report as YAML, CSV, JSON or Markdown")
    p.add_argument("--format", choices=REPORT_FORMATS, default="yaml")
    p.add_argument("--what", choices=("commitments", "evidence", "history"), default="commitments")
    _filters(p)
    p.add_argument("-o", "--output", metavar="FILE", type=Path, help="write here (default: stdout)")
    p.add_argument("--snapshot", metavar="NAME", help="report from a frozen snapshot instead of now")
    p.set_defaults(handler=run_export)

    p = sub.add_parser("snapshot", help="freeze the current statuses as a named, immutable report")
    p.add_argument("name", metavar="NAME", nargs="?")
    p.add_argument("--list", action="store_true", help="list the snapshots")
    p.set_defaults(handler=run_snapshot)

    p = sub.add_parser("backup", help="a consistent copy of the database, safe while the watcher runs")
    p.add_argument("file", metavar="FILE", type=Path)
    p.set_defaults(handler=run_backup)


def _report(args: argparse.Namespace, ctx: Context) -> dict:
    ctx.statements()
    return ctx.tracker.report(statement_ids=args.statement, statuses=args.status, tags=args.tag)


def run_status(args: argparse.Namespace, ctx: Context) -> int:
    report = _report(args, ctx)
    rows = commitment_rows(report)
    columns = ["commitment", "status", "origin", "since", "score", "unreviewed_signals", "evidence"]
    if args.format == "table":
        for row in rows:
            row["since"] = (row["since"] or "")[:10]
        title = f"{report['commitments']} commitments · compliance " + (
            "n/a (no analyst verdicts yet)"
            if report["compliance_percent"] is None
            else f"{report['compliance_percent']:.1f} % over {report['assessed']} assessed"
        )
        ctx.emit(rows, "table", columns=columns, title=title)
    else:
        ctx.emit(rows, args.format, columns=list(COMMITMENT_COLUMNS))
    return 0


def run_review_list(args: argparse.Namespace, ctx: Context) -> int:
    ctx.statements()
    rows = ctx.tracker.unreviewed(args.commitment)
    for row in rows:
        row["published"] = (row["published"] or "")[:10]
    columns = ["id", "commitment_id", "score", "relation", "published", "title", "url"]
    ctx.emit(rows, args.format, columns=columns, title=f"{len(rows)} signals wait for review")
    return 0


def run_confirm(args: argparse.Namespace, ctx: Context) -> int:
    evidence_id = ctx.tracker.confirm_signal(
        args.signal, relation=args.relation, strength=args.strength, note=args.note, reviewer=args.reviewer
    )
    ctx.console.print(f"signal {args.signal} confirmed as evidence {evidence_id}")
    return 0


def run_reject(args: argparse.Namespace, ctx: Context) -> int:
    ctx.tracker.reject_signal(args.signal, note=args.note, reviewer=args.reviewer)
    ctx.console.print(f"signal {args.signal} rejected")
    return 0


def run_assess(args: argparse.Namespace, ctx: Context) -> int:
    assessment_id = ctx.tracker.assess(
        args.id,
        status=args.verdict,
        rationale=args.note,
        party=args.party,
        confidence=args.confidence,
        evidence_ids=args.evidence,
        assessor=args.assessor,
    )
    ctx.console.print(f"assessment {assessment_id}: {args.id} is {args.verdict} ({args.party})")
    return 0


def run_evidence_add(args: argparse.Namespace, ctx: Context) -> int:
    try:
        day = date.fromisoformat(args.date) if args.date else None
    except ValueError:
        raise UsageError(f"--date: expected YYYY-MM-DD, got {args.date!r}") from None
    is_url = args.url.startswith(("http://", "https://"))
    evidence_id = ctx.tracker.add_evidence(
        args.id,
        title=args.title,
        url=args.url if is_url else None,
        publisher=args.publisher,
        date=day,
        relation=args.relation,
        strength=args.strength,
        note=args.note if is_url else "; ".join(filter(None, [f"document: {args.url}", args.note])),
        added_by=args.by,
    )
    ctx.console.print(f"evidence {evidence_id} added to {args.id}")
    return 0


def run_evidence_list(args: argparse.Namespace, ctx: Context) -> int:
    view = ctx.tracker.commitment_view(args.id)
    rows = [
        {
            "id": i.evidence.id,
            "relation": i.evidence.relation,
            "strength": i.evidence.strength,
            "date": i.evidence.date,
            "title": i.evidence.title,
            "url": i.evidence.url,
            "signal": i.evidence.signal_id,
        }
        for i in view.items
        if i.evidence is not None
    ]
    ctx.emit(rows, args.format, columns=["id", "relation", "strength", "date", "title", "url", "signal"])
    return 0


def run_history(args: argparse.Namespace, ctx: Context) -> int:
    view = ctx.tracker.commitment_view(args.id)
    rows = [
        {
            "at": h.at.isoformat(timespec="seconds"),
            "status": h.status,
            "origin": h.origin,
            "reason": h.reason,
            "evidence": list(h.evidence_ids),
        }
        for h in reversed(view.history)
    ]
    status = view.status
    since = status.since.date().isoformat() if status.since else "—"
    title = f"{args.id}: now {status.status} ({status.origin}, since {since})"
    ctx.emit(rows, args.format, columns=["at", "status", "origin", "reason", "evidence"], title=title)
    return 0


def run_export(args: argparse.Namespace, ctx: Context) -> int:
    if args.snapshot:
        if args.what != "commitments" or args.statement or args.status or args.tag:
            raise UsageError(
                "--snapshot: a snapshot is reported whole, as commitments (no filters, no --what)"
            )
        report = ctx.tracker.snapshot_report(args.snapshot)
    else:
        report = _report(args, ctx)
    text = render(report, args.format, what=args.what, db=ctx.db())
    if args.output:
        args.output.write_text(text, encoding="utf-8", newline="")
        ctx.err.print(f"wrote {args.output}")
    else:
        sys.stdout.write(text)
    return 0


def run_snapshot(args: argparse.Namespace, ctx: Context) -> int:
    if args.list or not args.name:
        rows = [{"name": name, "created": created} for name, created in ctx.tracker.snapshots()]
        ctx.emit(rows, "table", columns=["name", "created"], title=f"{len(rows)} snapshots")
        return 0
    if not SLUG.match(args.name):
        raise UsageError(f"NAME: {args.name!r} must be lower-case letters, digits and '-'")
    ctx.statements()
    report = ctx.tracker.snapshot(args.name)
    ctx.console.print(
        f"snapshot {args.name}: {report['commitments']} commitments as of {report['generated']}"
    )
    return 0


def run_backup(args: argparse.Namespace, ctx: Context) -> int:
    if args.file.exists():
        raise UsageError(f"FILE: {args.file} exists; choose a new file name")
    ctx.db().backup(args.file)
    ctx.console.print(f"backed up {ctx.workspace.db_path} to {args.file}")
    return 0
