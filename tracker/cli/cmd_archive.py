"""Archived copies of evidence pages: `evidence archive`, `evidence show`, `archive verify`.

`evidence archive` and `evidence show` hang under `tracker evidence` (registered there by
`add_evidence_actions`); `archive verify` is its own command. Archived pages are printed
as plain text only: the text was extracted from the HTML and stripped of control
characters, and it is printed without Rich markup, so nothing in a page can style or
drive the terminal.
"""

from __future__ import annotations

import argparse

from tracker.cli.common import Context
from tracker.errors import UsageError
from tracker.types import ArchiveOutcome


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("archive", help="`archive verify`: re-hash every archived evidence page")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    v = actions.add_parser("verify", help="re-hash every WARC file and read it back (digests checked)")
    v.set_defaults(handler=run_archive_verify)


def add_evidence_actions(actions: argparse._SubParsersAction) -> None:
    """`evidence archive N... | --all` and `evidence show N`, under `tracker evidence`."""
    a = actions.add_parser(
        "archive", help="save the page of evidence as a WARC file under .tracker/archive/ (or re-check it)"
    )
    a.add_argument("evidence", metavar="EVIDENCE", type=int, nargs="*")
    a.add_argument("--all", action="store_true", help="every current evidence item with a URL")
    a.set_defaults(handler=run_evidence_archive)
    s = actions.add_parser("show", help="one evidence item and the text of its archived page")
    s.add_argument("evidence", metavar="EVIDENCE", type=int)
    s.set_defaults(handler=run_evidence_show)


def say_outcome(ctx: Context, outcome: ArchiveOutcome) -> None:
    """One line per evidence item archived (or why not)."""
    ctx.say(f"evidence {outcome.evidence_id}: {outcome.status}: {outcome.message}")


def run_evidence_archive(args: argparse.Namespace, ctx: Context) -> int:
    if args.all and args.evidence:
        raise UsageError("EVIDENCE: give evidence ids or --all, not both")
    if not args.all and not args.evidence:
        raise UsageError("EVIDENCE: give evidence ids, or --all")
    outcomes = ctx.tracker.archive_evidence(None if args.all else args.evidence)
    for outcome in outcomes:
        say_outcome(ctx, outcome)
    if not outcomes:
        ctx.say("no evidence with a URL to archive")
    failed = [o for o in outcomes if o.status in ("error", "refused")]
    return 1 if failed else 0


def run_evidence_show(args: argparse.Namespace, ctx: Context) -> int:
    page = ctx.tracker.archived_page(args.evidence)
    archive = page.archive
    ctx.say(f"evidence {archive.evidence_id}: {archive.url}")
    ctx.say(f"archived {archive.archived_at.isoformat(timespec='seconds')} ({page.status_line})")
    ctx.say(f"sha256 {archive.sha256}")
    ctx.say(f"file {ctx.tracker.archive_dir / archive.path} ({archive.size:,} bytes)")
    if archive.truncated:
        ctx.say("the page was cut at the size limit when it was archived")
    if archive.source_gone_since is not None:
        ctx.say(f"source gone since {archive.source_gone_since.date()}")
    if page.restored:
        ctx.say("the file was restored from the copy carried in the database")
    ctx.say("")
    ctx.say(page.text or "(no text found in the archived page)")
    return 0


def run_archive_verify(args: argparse.Namespace, ctx: Context) -> int:
    checks = ctx.tracker.verify_archives()
    for check in checks:
        mark = "ok" if check.ok else "FAILED"
        ctx.say(f"{mark}: evidence {check.evidence_id}: {check.path}: {check.message}")
    bad = sum(not c.ok for c in checks)
    ctx.say(f"{len(checks)} archive file(s), {bad} failed")
    return 1 if bad else 0
