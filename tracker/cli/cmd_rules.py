"""Commands over the rules: match, explain, rules (list) and rules test."""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any

from rich.markup import escape

from tracker.cli.arguments import path_arg
from tracker.cli.common import FORMATS, Context
from tracker.core import keyword_in_context
from tracker.errors import NotFoundError, UsageError
from tracker.types import Article, Explanation, Rule

if TYPE_CHECKING:
    from tracker.core import Matcher


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "match",
        help="run the rules over the stored articles: add, update and retract signals",
        description=(
            "Re-run every rule over every stored article (or the given ones). New links become "
            "signals, changed ones are updated, links the rules no longer make are retracted; "
            "reviewed signals are never changed."
        ),
    )
    p.add_argument(
        "--article", metavar="ID", type=int, action="append", help="only this article (repeatable)"
    )
    p.add_argument(
        "--if-changed", action="store_true", help="skip if the rules did not change since the last run"
    )
    p.add_argument("--format", choices=FORMATS, default="table")
    p.set_defaults(handler=run_match)

    p = sub.add_parser(
        "explain",
        help="why an article did or did not match each rule",
        description=(
            "For each rule that targets COMMITMENT (or, without it, each rule with a term in the "
            "article): which conditions held and which failed, with the terms found."
        ),
    )
    p.add_argument("article", metavar="ARTICLE", help="article id or URL")
    p.add_argument("commitment", metavar="COMMITMENT", nargs="?", help="a commitment id")
    p.add_argument("--format", choices=("text", "yaml", "json"), default="text")
    p.set_defaults(handler=run_explain)

    p = sub.add_parser("rules", help="list the rules; `rules test RULE` shows what one would link")
    p.add_argument("--format", choices=FORMATS, default="table")
    p.set_defaults(handler=run_rules_list)
    rules_sub = p.add_subparsers(dest="rules_command", metavar="SUBCOMMAND", parser_class=type(p))
    t = rules_sub.add_parser(
        "test",
        help="the stored articles a rule would link now, or its precision and recall on a labelled file",
        description=(
            "Without --labels: the stored articles RULE would link now (a dry run: nothing is written). "
            "With --labels FILE: RULE's precision and recall on the items of a labelled file (JSON lines "
            'of {"entry": {title, description, link, date_published, language}, "labels": '
            '[{"commitment": ID, "relation": R}], "hard_negative": bool}); RULE may be `all`.'
        ),
    )
    t.add_argument("rule", metavar="RULE", help="a rule id (with --labels, also `all`)")
    t.add_argument(
        "--labels", metavar="FILE", type=path_arg, help="score the rule against this labelled file"
    )
    t.add_argument("--since", metavar="DATE", help="only articles published on or after DATE")
    t.add_argument("--limit", metavar="N", type=int, help="stop after N links")
    t.add_argument("--format", choices=FORMATS, default="table")
    t.set_defaults(handler=run_rules_test)
    st = rules_sub.add_parser(
        "stats",
        help="per rule: signals, reviews, precision from your reviews, terms its rejected signals share",
        description=(
            "What your reviews say of each rule: how many signals it made, how many you confirmed and "
            "rejected, its precision (confirmed / reviewed), and the terms its rejected signals have in "
            "common - candidates for its `none` list or a narrower scope."
        ),
    )
    st.add_argument("--format", choices=FORMATS, default="table")
    st.set_defaults(handler=run_rules_stats)


# ---------------------------------------------------------------- helpers


def _matcher(ctx: Context) -> Matcher:
    """The workspace's rules, compiled; broken rules are skipped with a warning."""
    ctx.statements()
    matcher, problems = ctx.tracker.load_matcher()
    if problems:
        ctx.err.print(
            f"warning: {len(problems)} problem(s) in the rules were skipped; run `tracker check` to see them",
            style="yellow",
        )
    return matcher


def _since(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
        return datetime.combine(day, time(), tzinfo=UTC)
    except ValueError:
        pass
    import dateparser

    parsed = dateparser.parse(text, settings={"RETURN_AS_TIMEZONE_AWARE": True, "TIMEZONE": "UTC"})
    if parsed is None:
        raise UsageError(f"--since: expected a date such as 2022-01-31 or '2 weeks ago', got {text!r}")
    return parsed


# ---------------------------------------------------------------- match


def run_match(args: argparse.Namespace, ctx: Context) -> int:
    matcher = _matcher(ctx)
    if args.article:
        for article_id in args.article:
            try:
                ctx.tracker.article(article_id)
            except NotFoundError:
                raise NotFoundError(f"--article: no stored article {article_id}") from None
        summary = ctx.tracker.match_articles(args.article)
    elif args.if_changed and not ctx.tracker.rules_changed():
        ctx.err.print(f"rules unchanged since the last match ({matcher.fingerprint}); nothing to do")
        return 0
    else:
        summary = ctx.tracker.match()
    row = {"rules": len(matcher.rules), "fingerprint": matcher.fingerprint, **summary.as_dict()}
    ctx.emit([row], args.format, title="match")
    return 0


# ---------------------------------------------------------------- explain


def run_explain(args: argparse.Namespace, ctx: Context) -> int:
    _matcher(ctx)
    try:
        article = ctx.tracker.article(args.article)
    except NotFoundError:
        raise NotFoundError(f"ARTICLE: no stored article {args.article!r} (give an id or URL)") from None
    if args.commitment and args.commitment not in {c.id for s in ctx.statements() for c in s.commitments}:
        raise NotFoundError(f"COMMITMENT: no commitment {args.commitment!r} (see `tracker list`)")
    explanations = ctx.tracker.explain(article, args.commitment)
    full_text = article.content_source == "fulltext"
    by_page = ctx.tracker.linked_by_full_text(article, args.commitment)
    if args.format != "text":
        records = [explanation_record(e, full_text=full_text, by_page=by_page) for e in explanations]
        ctx.emit(records, args.format)
        return 0
    ctx.console.print(f"[bold]article {article.id}[/]: {escape(article.title)}")
    if article.published:
        ctx.console.print(f"published {article.published.date()}", style="dim")
    page = ctx.tracker.article_page(article.id)
    if full_text and article.fulltext_at is not None:
        where = f" from {page[1]}" if page else ""
        ctx.say(f"content: the full text of the page{where}, fetched {article.fulltext_at.date()}")
    elif page is not None and page[0] != "ok":
        ctx.say(f"content: as the feed gave it (the page was not used: {page[2] or page[0]})")
    if not explanations:
        what = f"targets {args.commitment}" if args.commitment else "has a term in this article"
        ctx.console.print(f"no rule {what}")
        return 0
    for explanation in explanations:
        _print_explanation(ctx, explanation, article, full_text=full_text)
    if by_page:
        rules = ", ".join(f"{rule} → {commitment}" for rule, commitment in sorted(by_page))
        ctx.say(f"\nlinked through the full text (the feed's title and summary alone do not link): {rules}")
    return 0


def explanation_record(
    e: Explanation, *, full_text: bool = False, by_page: set[tuple[str, str]] | None = None
) -> dict[str, Any]:
    """An explanation as plain values (for --format yaml/json, and the dashboard).

    `full_text`: the article's content is its page's full text (hits there are reported
    in the field `fulltext`); `by_page`: the links that hold only thanks to it.
    """
    return {
        "rule": e.rule_id,
        "commitment": e.commitment_id,
        "linked": e.linked,
        "score": e.score,
        "min_score": e.min_score,
        "relation": e.relation,
        "from_full_text": (e.rule_id, e.commitment_id) in (by_page or set()),
        "conditions": [
            {
                "condition": c.condition,
                "held": c.held,
                "detail": c.detail,
                "hits": [
                    {
                        "term": h.term,
                        "field": "fulltext" if full_text and h.field == "content" else h.field,
                        "start": h.start,
                        "end": h.end,
                        "text": h.text,
                    }
                    for h in c.hits
                ],
                "dates": list(c.dates),
            }
            for c in e.conditions
        ],
    }


#: Conditions in the order an analyst reads them: what made the link first (phrases, the
#: subject's gates, profile terms), then the date check and the score, the parties last.
_CONDITION_ORDER = {"phrase": 0, "gate": 1, "term": 2, "dates": 3, "score": 4, "party": 5, "generic": 6}


def _print_explanation(ctx: Context, e: Explanation, article: Article, *, full_text: bool = False) -> None:
    verdict = "[green]LINKED[/]" if e.linked else "[red]not linked[/]"
    ctx.console.print(
        f"\n[bold]{escape(e.rule_id)}[/] → {escape(e.commitment_id)}: {verdict} "
        f"(score {e.score:g}, needs {e.min_score:g}; {e.relation})"
    )
    try:
        parties = ctx.tracker.records.commitment(e.commitment_id).parties
    except NotFoundError:
        parties = ()
    checks = {"dates": "dates", "act": "dates", "scope": "dates", "score": "score"}
    kinds = ctx.tracker.condition_kinds(e.rule_id, parties) | checks
    conditions = sorted(e.conditions, key=lambda c: _CONDITION_ORDER.get(kinds.get(c.condition, ""), 7))
    for condition in conditions:
        if condition.condition in ("any", "phrases"):
            mark = "[cyan]+[/]" if condition.held else "[dim]·[/]"
        else:
            mark = "[green]✓[/]" if condition.held else "[red]✗[/]"
        kind = kinds.get(condition.condition, "")
        label = f"{condition.condition} ({kind})" if kind in ("gate", "party") else condition.condition
        ctx.console.print(f"  {mark} {label:<14} {escape(condition.detail)}")
        seen: set[str] = set()
        for hit in condition.hits:
            if hit.term in seen:
                continue  # each term once, in its first sentence
            seen.add(hit.term)
            field = "full text" if full_text and hit.field == "content" else hit.field
            text = getattr(article, hit.field, "") or ""
            if 0 <= hit.start < hit.end <= len(text):
                before, term, after = keyword_in_context(text, hit.start, hit.end, 120)
                quoted = f"{escape(before)}[bold reverse]{escape(term)}[/]{escape(after)}"
            else:
                quoted = f"[bold reverse]{escape(hit.text)}[/]"
            ctx.console.print(f"      {field}: {quoted}", highlight=False)


# ---------------------------------------------------------------- rules, rules test


def run_rules_list(args: argparse.Namespace, ctx: Context) -> int:
    matcher = _matcher(ctx)
    rows = [
        {
            "id": rule.id,
            "targets": list(rule.targets),
            "relation": rule.relation,
            "weight": rule.weight,
            "min_score": rule.min_score,
            "fields": list(rule.fields),
            "dates": "yes" if rule.dates else "",
            "file": _where(rule, ctx),
        }
        for rule in matcher.rules
    ]
    columns = ["id", "targets", "relation", "min_score", "file"] if args.format == "table" else None
    ctx.emit(rows, args.format, columns=columns, title=f"{len(rows)} rules, {matcher.term_count} terms")
    return 0


def _where(rule: Rule, ctx: Context) -> str:
    """file:line, relative to the workspace when the file is inside it."""
    if rule.origin is None:
        return ""
    try:
        return f"{rule.origin.file.relative_to(ctx.workspace.root)}:{rule.origin.line}"
    except ValueError:
        return str(rule.origin)


def run_rules_test(args: argparse.Namespace, ctx: Context) -> int:
    matcher = _matcher(ctx)
    if args.labels is not None:
        return _rules_test_labels(args, ctx, matcher)
    if args.rule not in {r.id for r in matcher.rules}:
        raise NotFoundError(
            f"RULE: no valid rule {args.rule!r} (see `tracker rules`; `tracker check` lists problems)"
        )
    rows = ctx.tracker.rule_test(args.rule, _since(args.since), limit=args.limit)
    out = [
        {
            "article": r.article_id,
            "published": r.published.date().isoformat() if r.published else "",
            "commitment": r.commitment_id,
            "score": r.score,
            "stored": r.stored,
            "terms": list(r.terms),
            "title": r.title,
            "url": r.url or "",
            "dates": list(r.dates),
        }
        for r in rows
    ]
    columns = ["article", "published", "commitment", "score", "stored", "terms", "title"]
    ctx.emit(
        out,
        args.format,
        columns=columns if args.format == "table" else None,
        title=f"{args.rule}: {len(out)} link(s)",
    )
    return 0


def _rules_test_labels(args: argparse.Namespace, ctx: Context, matcher: Matcher) -> int:
    """`rules test RULE --labels FILE`: the figures of one rule (or all) on labelled items."""
    if args.rule != "all" and args.rule not in {r.id for r in matcher.rules}:
        raise UsageError(f"RULE: no valid rule {args.rule!r} (see `tracker rules`), or `all`")
    if not args.labels.is_file():
        raise UsageError(f"--labels: {args.labels} is not a file")
    items = ctx.tracker.load_labels(args.labels)
    quality = ctx.tracker.rate_rules(items, rule_id=None if args.rule == "all" else args.rule)
    rows = [{"slice": "all", **quality.overall.as_dict()}]
    rows += [{"slice": f"language {lang}", **f.as_dict()} for lang, f in quality.by_language.items()]
    rows += [{"slice": statement, **f.as_dict()} for statement, f in quality.by_statement.items()]
    columns = [
        "slice",
        "items",
        "positives",
        "precision",
        "exact_precision",
        "recall",
        "hard_negatives_linked",
    ]
    ctx.emit(
        rows,
        args.format,
        columns=columns if args.format == "table" else None,
        title=f"{args.rule} on {len(items)} labelled item(s) of {args.labels.name}",
    )
    if args.format == "table":
        for key, (labelled, _linked) in list(quality.misses.items())[:10]:
            ctx.say(f"missed {key}: labelled {', '.join(sorted(labelled))}")
        for key, (labelled, linked) in list(quality.false_links.items())[:10]:
            ctx.say(f"false link {key}: {', '.join(sorted(linked - labelled))}")
    return 0


def run_rules_stats(args: argparse.Namespace, ctx: Context) -> int:
    _matcher(ctx)
    stats = ctx.tracker.rule_stats()
    rows = [
        {
            "rule": s.rule_id,
            "signals": s.signals,
            "confirmed": s.confirmed,
            "rejected": s.rejected,
            "waiting": s.waiting,
            "precision": "" if s.precision is None else f"{s.precision:.2f}",
            "rejected_terms": [f"{term} ({count})" for term, count in s.rejected_terms],
        }
        for s in stats
    ]
    ctx.emit(rows, args.format, title=f"{len(rows)} rules: what your reviews say")
    return 0
