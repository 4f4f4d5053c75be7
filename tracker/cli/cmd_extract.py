"""`tracker extract`: a draft commitment record (and optionally rules) from a statement's text."""

from __future__ import annotations

import argparse
import sys

from tracker.cli.arguments import path_arg
from tracker.cli.common import Context
from tracker.core import SLUG, draft_record
from tracker.errors import UsageError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "extract",
        help="draft a commitment record from a statement (text or HTML)",
        description=(
            "Read a statement as UTF-8 text or HTML and write a draft record (draft: true) in the "
            "workspace format. Review it, then save it under commitments/ and run `tracker check`."
        ),
    )
    p.add_argument("file", metavar="FILE", type=path_arg, help="the statement, as .txt or .html")
    p.add_argument("--statement-id", metavar="ID", help="id for the statement (default: from title and date)")
    p.add_argument(
        "-o", "--output", metavar="FILE", type=path_arg, help="write the draft here (default: stdout)"
    )
    p.add_argument("--rules", metavar="FILE", type=path_arg, help="also draft a rules file from the keywords")
    p.set_defaults(handler=run_extract)


def _term_sets(ctx: Context) -> list[str]:
    """The workspace's term sets, if there is a workspace: drafted rules then gate on `$china`."""
    try:
        return ctx.tracker.term_set_names()
    except UsageError:  # no workspace here: the draft names the parties itself
        return []


def run_extract(args: argparse.Namespace, ctx: Context) -> int:
    if args.statement_id and not SLUG.match(args.statement_id):
        raise UsageError(f"--statement-id: {args.statement_id!r} must be lower-case letters, digits and '-'")
    if not args.file.is_file():
        raise UsageError(f"FILE: {args.file} does not exist or is not a file")
    rendered, count, rules = draft_record(
        args.file, statement_id=args.statement_id, term_sets=_term_sets(ctx) if args.rules else ()
    )
    if args.output:
        args.output.write_text(rendered, encoding="utf-8")
        ctx.err.print(f"wrote {count} draft commitments to {args.output}")
    else:
        sys.stdout.write(rendered)
    if args.rules:
        args.rules.write_text(rules, encoding="utf-8")
        ctx.err.print(f"wrote draft rules to {args.rules}")
    return 0
