"""Status, review, assessment, evidence, history, export, snapshot and backup commands.

Thin handlers over `Tracker.reviewer` (tracker.reviewing): they parse, validate what
only the command line knows (dates, file names), call one operation and print.
"""

from __future__ import annotations

import argparse
import re
import sys
from datetime import date
from typing import Any
from urllib.parse import urlparse

from tracker.cli.arguments import path_arg
from tracker.cli.cmd_archive import add_evidence_actions, say_outcome
from tracker.cli.common import EXIT_PARTIAL, FORMATS, Context, write_output
from tracker.core import (
    COMMITMENT_COLUMNS,
    CONFIDENCE,
    EXPORTS,
    REPORT_FORMATS,
    Tracker,
    commitment_rows,
    evidence_item,
)
from tracker.errors import UsageError
from tracker.types import PARTIES_SCOPE, RELATIONS, STRENGTHS, VERDICT_SCORES

#: A source that reads as a link (`scheme:rest`, no spaces); anything else is a document reference.
LINK_LIKE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")
STATUS_COLUMNS = [
    "commitment",
    "status",
    "origin",
    "since",
    "score",
    "china",
    "russia",
    "waiting",
    "evidence",
]
SUMMARY_COLUMNS = ["scope", "name", "commitments", "assessed", "scored", "mean", "percent", "derived"]


# ---------------------------------------------------------------- parsers


def _filters(p: argparse.ArgumentParser) -> None:
    p.add_argument("--statement", metavar="ID", action="append", default=[], help="only this statement")
    p.add_argument(
        "--status",
        metavar="STATUS",
        action="append",
        default=[],
        help="only commitments shown with this status",
    )
    p.add_argument(
        "--party", metavar="PARTY", action="append", default=[], help="only commitments of this party"
    )
    p.add_argument("--tag", metavar="TAG", action="append", default=[], help="only commitments with this tag")
    _partial(p)


def _partial(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--partial",
        action="store_true",
        help=(
            "report even if a commitment file does not load: the report names what it misses "
            "(YAML/JSON `missing`, Markdown's first paragraph); other formats warn on stderr and exit 3"
        ),
    )


def _by(p: argparse.ArgumentParser) -> None:
    """One flag for the person, on every command that records one (the old names still work)."""
    p.add_argument(
        "--by",
        "--reviewer",
        "--assessor",
        dest="by",
        metavar="NAME",
        help="who does it (default: $TRACKER_USER, else `reviewer:` in tracker.yaml, else your login name)",
    )


def register(sub: argparse._SubParsersAction) -> None:
    _register_status(sub)
    _register_review(sub)
    _register_assess(sub)
    _register_evidence(sub)
    _register_history(sub)
    _register_export(sub)


def _register_status(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "status",
        help="status of every commitment: verdict or derived, and since when",
        description=(
            "The status of every commitment: the analyst's verdict if there is one, else the derived "
            "status (overdue, stalled, in_progress, unreviewed, no_evidence), and since when. "
            "--summary gives compliance by statement, party and tag. Fails (exit 1) if a commitment "
            "file does not load, unless --partial."
        ),
    )
    _filters(p)
    p.add_argument("--summary", action="store_true", help="compliance by statement, party and tag instead")
    p.add_argument("--format", choices=FORMATS, default="table")
    p.set_defaults(handler=run_status)


def _register_review(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("review", help="signals waiting for review; `review confirm|reject|amend ID`")
    p.add_argument("--commitment", metavar="ID", action="append", help="only signals of this commitment")
    p.add_argument("--limit", type=int, default=200, metavar="N", help="at most N signals (default 200)")
    p.add_argument("--format", choices=FORMATS, default="table")
    p.set_defaults(handler=run_review_list)
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    c = actions.add_parser("confirm", help="confirm signals as evidence (each in its own transaction)")
    c.add_argument("signals", metavar="SIGNAL", type=int, nargs="+")
    c.add_argument("--relation", choices=RELATIONS, help="default: the rule's")
    c.add_argument("--strength", choices=STRENGTHS, help="G7 evidence ladder, weakest first")
    c.add_argument("--note")
    _by(c)
    c.add_argument("--no-archive", action="store_true", help="do not fetch and archive the page now")
    c.set_defaults(handler=run_confirm)
    r = actions.add_parser("reject", help="reject signals (they stay rejected when matched again)")
    r.add_argument("signals", metavar="SIGNAL", type=int, nargs="+")
    r.add_argument("--note")
    _by(r)
    r.set_defaults(handler=run_reject)
    a = actions.add_parser("amend", help="change a signal's relation, strength or note without a new review")
    a.add_argument("signals", metavar="SIGNAL", type=int, nargs="+")
    a.add_argument("--relation", choices=RELATIONS)
    a.add_argument("--strength", choices=STRENGTHS, help="G7 evidence ladder, weakest first")
    a.add_argument("--note")
    _by(a)
    a.set_defaults(handler=run_amend)


def _register_assess(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("assess", help="record an analyst's verdict on a commitment (appended, never edited)")
    p.add_argument("id", metavar="ID")
    p.add_argument("verdict", metavar="STATUS", choices=tuple(VERDICT_SCORES), help=", ".join(VERDICT_SCORES))
    p.add_argument("--note", required=True, help="the rationale")
    p.add_argument("--party", choices=PARTIES_SCOPE, default="joint", help="default: joint")
    p.add_argument("--confidence", choices=CONFIDENCE)
    p.add_argument(
        "--evidence",
        metavar="N",
        type=int,
        nargs="+",
        action="extend",
        default=[],
        help="evidence ids it rests on",
    )
    _by(p)
    p.set_defaults(handler=run_assess)


def _register_evidence(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "evidence",
        help="`evidence add ID SOURCE`, `evidence list ID`, `evidence withdraw N`, `evidence archive N`,"
        " `evidence show N`",
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    a = actions.add_parser("add", help="add evidence by hand from a URL or a document reference")
    a.add_argument("id", metavar="ID")
    a.add_argument(
        "source", metavar="SOURCE", help="an http(s) URL, or a document reference ('MFA note 2017/12')"
    )
    a.add_argument("--title", help="default: the source itself")
    a.add_argument("--publisher")
    a.add_argument("--date", metavar="YYYY-MM-DD", help="when it happened or was published")
    a.add_argument("--relation", choices=RELATIONS, default="supports")
    a.add_argument("--strength", choices=STRENGTHS, help="G7 evidence ladder, weakest first")
    a.add_argument("--note")
    _by(a)
    a.set_defaults(handler=run_evidence_add)
    ls = actions.add_parser("list", help="the current evidence of a commitment")
    ls.add_argument("id", metavar="ID")
    ls.add_argument("--format", choices=FORMATS, default="table")
    ls.set_defaults(handler=run_evidence_list)
    w = actions.add_parser("withdraw", help="withdraw evidence added by hand (it is kept, marked withdrawn)")
    w.add_argument("evidence", metavar="EVIDENCE", type=int)
    w.add_argument("--note", help="why")
    w.set_defaults(handler=run_evidence_withdraw)
    add_evidence_actions(actions)


def _register_history(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "history",
        help="every status change of a commitment, with reason and evidence",
        description=(
            "Every status change of a commitment, oldest first, with its reason and the evidence it "
            "rests on; --assessments lists every verdict recorded instead (all parties)."
        ),
    )
    p.add_argument("id", metavar="ID")
    p.add_argument("--assessments", action="store_true", help="every verdict recorded (all parties) instead")
    p.add_argument("--format", choices=FORMATS, default="table")
    p.set_defaults(handler=run_history)


def _register_export(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export",
        help="the status report as YAML, JSON, CSV or Markdown",
        description=(
            "The status report (docs/exports.md) to stdout or -o FILE, filtered like `tracker status`, "
            "or from a frozen snapshot. Fails (exit 1) if a commitment file does not load, unless "
            "--partial: YAML/JSON then carry `missing`, Markdown says so first, CSV warns and exits 3."
        ),
    )
    p.add_argument("--format", choices=REPORT_FORMATS, default="yaml")
    p.add_argument("--what", choices=EXPORTS, default="commitments")
    _filters(p)
    p.add_argument("-o", "--output", metavar="FILE", type=path_arg, help="write here (default: stdout)")
    p.add_argument("--snapshot", metavar="NAME", help="report from a frozen snapshot instead of now")
    p.add_argument("--bom", action="store_true", help="CSV: start with a UTF-8 byte order mark (for Excel)")
    p.set_defaults(handler=run_export)

    p = sub.add_parser(
        "snapshot",
        help="`snapshot NAME` freezes the current report (immutable); `snapshot list`",
        description=(
            "Freeze the current report under NAME (lower-case letters, digits, '-'; at most 64 "
            "characters) as an interim or final report; it can never be replaced. `tracker export "
            "--snapshot NAME` reads it back. --list (or NAME `list`) lists the snapshots."
        ),
    )
    p.add_argument("name", metavar="NAME", nargs="?")
    p.add_argument("--list", action="store_true", help="list the snapshots")
    p.add_argument("--format", choices=FORMATS, default="table", help="for the list")
    _partial(p)
    p.set_defaults(handler=run_snapshot)

    p = sub.add_parser(
        "backup",
        help="a consistent copy of the database, safe while the watcher runs",
        description=(
            "Copy the database with SQLite's online backup (safe while `tracker watch` writes), check "
            "the copy's integrity, then give it its name. FILE must not exist; its folder must."
        ),
    )
    p.add_argument("file", metavar="FILE", type=path_arg)
    p.set_defaults(handler=run_backup)


# ---------------------------------------------------------------- status


def _reviewer(ctx: Context) -> Tracker:
    ctx.statements()  # warns once about record problems
    return ctx.tracker


def _report(args: argparse.Namespace, reviewer: Tracker) -> dict[str, Any]:
    return reviewer.report(
        statement_ids=args.statement,
        statuses=args.status,
        parties=args.party,
        tags=args.tag,
        partial=args.partial,
    )


def _incomplete(ctx: Context, missing: list[dict[str, Any]]) -> int:
    """A partial report whose format cannot say what it lacks: say it on stderr, exit 3."""
    files = sorted({m["file"] for m in missing})
    ctx.err.print(
        f"warning: incomplete report (--partial): the commitments of {', '.join(files)} are missing; "
        "`tracker check` shows why",
        style="yellow",
        markup=False,
        soft_wrap=True,
    )
    return EXIT_PARTIAL


def run_status(args: argparse.Namespace, ctx: Context) -> int:
    # Reports say themselves what a broken file leaves out (or fail): no generic warning.
    model = _report(args, ctx.tracker)
    done = _incomplete(ctx, model["missing"]) if model.get("missing") else 0
    if args.summary:
        ctx.emit(_summary_rows(model), args.format, columns=SUMMARY_COLUMNS, title="Compliance")
        return done
    rows = commitment_rows(model)
    if args.format != "table":
        ctx.emit(rows, args.format, columns=list(COMMITMENT_COLUMNS))
        return done
    table = [
        row
        | {
            "since": (row["since"] or "")[:10],
            "waiting": row["unreviewed_signals"],
            "score": _score(row["score"]),
        }
        for row in rows
    ]
    ctx.emit(table, "table", columns=STATUS_COLUMNS, title=_status_title(model))
    return done


def _status_title(model: dict[str, Any]) -> str:
    overall = model["compliance"]
    figure = (
        "no analyst verdicts yet"
        if overall["percent"] is None
        else f"compliance {overall['percent']:.1f} % over {overall['scored']} scored verdict(s)"
    )
    return f"{overall['commitments']} commitments · {figure}"


def _summary_rows(model: dict[str, Any]) -> list[dict[str, Any]]:
    scopes = [("all", "", model["compliance"])]
    scopes += [("statement", s["id"], s["compliance"]) for s in model["statements"]]
    scopes += [("party", p, v) for p, v in model["by_party"].items()]
    scopes += [("tag", t, v) for t, v in model["by_tag"].items()]
    return [
        {
            "scope": scope,
            "name": name,
            **{k: v[k] for k in ("commitments", "assessed", "scored", "mean", "percent")},
            "derived": ", ".join(f"{k} {n}" for k, n in v["derived"].items()),
        }
        for scope, name, v in scopes
    ]


def _score(score: int | None) -> str:
    return "" if score is None else f"{score:+d}" if score else "0"


# ---------------------------------------------------------------- review


def run_review_list(args: argparse.Namespace, ctx: Context) -> int:
    rows = _reviewer(ctx).unreviewed(args.commitment, limit=args.limit)
    for row in rows:
        row["published"] = (row["published"] or "")[:10]
        row["commitment"] = row.pop("commitment_id")
        row["article"] = row.pop("article_id")
    # The article id is what `tracker explain ARTICLE` takes.
    columns = ["id", "article", "commitment", "score", "relation", "published", "title", "url"]
    ctx.emit(rows, args.format, columns=columns, title=f"{len(rows)} signal(s) wait for review")
    return 0


def run_confirm(args: argparse.Namespace, ctx: Context) -> int:
    reviewer = _reviewer(ctx)
    for signal_id in args.signals:
        evidence_id = reviewer.confirm_signal(
            signal_id,
            relation=args.relation,
            strength=args.strength,
            note=args.note,
            reviewer=args.by,
        )
        ctx.say(f"signal {signal_id} confirmed as evidence {evidence_id}")
        if not args.no_archive:
            for outcome in reviewer.archive_evidence([evidence_id]):
                say_outcome(ctx, outcome)
    return 0


def run_reject(args: argparse.Namespace, ctx: Context) -> int:
    reviewer = _reviewer(ctx)
    for signal_id in args.signals:
        reviewer.reject_signal(signal_id, note=args.note, reviewer=args.by)
        ctx.say(f"signal {signal_id} rejected")
    return 0


def run_amend(args: argparse.Namespace, ctx: Context) -> int:
    if args.relation is None and args.strength is None and args.note is None:
        raise UsageError("SIGNAL: give --relation, --strength or --note to change")
    reviewer = _reviewer(ctx)
    for signal_id in args.signals:
        reviewer.amend_signal(
            signal_id,
            relation=args.relation,
            strength=args.strength,
            note=args.note,
            reviewer=args.by,
        )
        ctx.say(f"signal {signal_id} amended")
    return 0


# ---------------------------------------------------------------- assessments and evidence


def run_assess(args: argparse.Namespace, ctx: Context) -> int:
    reviewer = _reviewer(ctx)
    assessment_id = reviewer.assess(
        args.id,
        status=args.verdict,
        rationale=args.note,
        party=args.party,
        confidence=args.confidence,
        evidence_ids=args.evidence,
        assessor=args.by,
    )
    shown = reviewer.status(args.id).status
    ctx.say(
        f"assessment {assessment_id}: {args.id} is {args.verdict} ({args.party});"
        f" shown: {shown.status} ({shown.origin})"
    )
    return 0


def run_evidence_add(args: argparse.Namespace, ctx: Context) -> int:
    source = args.source.strip()
    if not source:
        raise UsageError("SOURCE: give a URL or a document reference")
    is_url = bool(LINK_LIKE.match(source))
    if is_url and urlparse(source).scheme.lower() not in ("http", "https"):
        raise UsageError(f"SOURCE: only http(s) links are accepted, got {source!r}")
    evidence_id = _reviewer(ctx).add_evidence(
        args.id,
        title=args.title or source,
        url=source if is_url else None,
        document=None if is_url else source,
        publisher=args.publisher,
        date=_day("--date", args.date),
        relation=args.relation,
        strength=args.strength,
        note=args.note,
        added_by=args.by,
    )
    ctx.say(f"evidence {evidence_id} added to {args.id}")
    return 0


def _day(argument: str, text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{argument}: expected YYYY-MM-DD, got {text!r}") from None


def run_evidence_list(args: argparse.Namespace, ctx: Context) -> int:
    rows = [evidence_item(item) for item in _reviewer(ctx).evidence(args.id)]
    columns = ["id", "relation", "strength", "date", "title", "publisher", "url", "document", "signal"]
    ctx.emit(rows, args.format, columns=columns, title=f"evidence of {args.id}")
    return 0


def run_evidence_withdraw(args: argparse.Namespace, ctx: Context) -> int:
    _reviewer(ctx).withdraw_evidence(args.evidence, note=args.note)
    ctx.say(f"evidence {args.evidence} withdrawn")
    return 0


# ---------------------------------------------------------------- history


def run_history(args: argparse.Namespace, ctx: Context) -> int:
    reviewer = _reviewer(ctx)
    if args.assessments:
        rows = [
            {
                "id": a.id,
                "party": a.party,
                "status": a.status,
                "score": VERDICT_SCORES.get(a.status),
                "confidence": a.confidence,
                "rationale": a.rationale,
                "evidence": list(a.evidence_ids),
                "assessor": a.assessor,
                "created": a.created.isoformat(timespec="seconds"),
            }
            for a in reviewer.assessments(args.id)
        ]
        ctx.emit(rows, args.format, columns=list(rows[0]) if rows else ["id"], title=f"verdicts on {args.id}")
        return 0
    rows = [
        {
            "at": h.at.isoformat(timespec="seconds"),
            "status": h.status,
            "origin": h.origin,
            "reason": h.reason,
            "evidence": list(h.evidence_ids),
        }
        for h in reviewer.history(args.id)
    ]
    shown = reviewer.status(args.id).status
    since = shown.since.date().isoformat() if shown.since else "—"
    title = f"{args.id}: now {shown.status} ({shown.origin}, since {since})"
    ctx.emit(rows, args.format, columns=["at", "status", "origin", "reason", "evidence"], title=title)
    return 0


# ---------------------------------------------------------------- export, snapshots, backup


def run_export(args: argparse.Namespace, ctx: Context) -> int:
    if args.bom and args.format != "csv":
        raise UsageError("--bom: only for --format csv")
    text = ctx.tracker.export(
        args.format,
        what=args.what,
        statement_ids=args.statement,
        statuses=args.status,
        parties=args.party,
        tags=args.tag,
        snapshot=args.snapshot,
        partial=args.partial,
    )
    # YAML, JSON and Markdown reports of commitments carry their `missing` part; a table
    # of rows (CSV, or the other --what lists) cannot, so it warns and exits 3.
    carried = args.what == "commitments" and args.format != "csv"
    missing = [] if args.snapshot else ctx.tracker.missing_records(partial=True)
    done = _incomplete(ctx, missing) if missing and not carried else 0
    if args.bom:
        text = "\ufeff" + text
    if args.output:
        write_output(args.output, text, "-o")
        ctx.err.print(f"wrote {args.output}", markup=False)
    else:
        sys.stdout.write(text)
    return done


def run_snapshot(args: argparse.Namespace, ctx: Context) -> int:
    reviewer = ctx.tracker
    if args.list or args.name in (None, "list"):
        rows = [{"name": name, "created": created} for name, created in reviewer.snapshots()]
        ctx.emit(rows, args.format, columns=["name", "created"], title=f"{len(rows)} snapshot(s)")
        return 0
    model = reviewer.snapshot(args.name, partial=args.partial)
    count = sum(len(s["commitments"]) for s in model["statements"])
    ctx.say(f"snapshot {args.name}: {count} commitments as of {model['generated']}")
    if model.get("missing"):
        ctx.say(f"incomplete (--partial): it records {len(model['missing'])} problem(s) as missing")
    return 0


def run_backup(args: argparse.Namespace, ctx: Context) -> int:
    carried = ctx.tracker.backup(args.file)
    size = args.file.stat().st_size
    ctx.say(
        f"backed up {ctx.tracker.database_name} to {args.file} ({size:,} bytes, integrity ok;"
        f" {carried} archive file(s) inside)"
    )
    return 0
