"""Commands over feeds and articles: fetch, feeds (health, import, export), ingest, articles.

Handlers stay thin: they read arguments, call the monitoring pipeline (`tracker.feeds.pipeline`)
and the feed list (`tracker.records.feedlist`), and print through `ctx.emit`. Progress goes to
stderr, so stdout holds only the result (pipe `--format json` into other tools).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from tracker.cli.arguments import path_arg
from tracker.cli.common import FORMATS, Context, write_output
from tracker.core import parse_duration, truncate
from tracker.errors import NotFoundError, UsageError
from tracker.types import Article, Feed, FeedHealth, IngestResult, PollResult

if TYPE_CHECKING:
    pass

# The pipeline (aiohttp, feedparser) and the feed list load inside the handlers: every
# other command starts faster without them.

#: More ingested sources than this and the table shows only the ones with errors.
INGEST_TABLE_ROWS = 40


def register(sub: argparse._SubParsersAction) -> None:
    _register_fetch(sub)
    _register_feeds(sub)
    _register_ingest(sub)
    _register_articles(sub)


def _register_fetch(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "fetch",
        help="poll the feeds once: new, updated, not modified, errors",
        description=(
            "Poll every enabled feed once (conditional GET; concurrent; bounded in time and size), "
            "store new and changed articles, and link them to commitments with the rules. "
            "Feeds backing off after errors are skipped unless --force."
        ),
    )
    p.add_argument(
        "--feed", metavar="NAME", action="append", help="only this feed, even if disabled (repeatable)"
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="full fetch: ignore ETag/Last-Modified and the body hash, back-off and a 410's disabling",
    )
    p.add_argument("--due", action="store_true", help="only feeds whose next poll time has come")
    p.add_argument("--no-match", action="store_true", help="store articles without running the rules")
    p.add_argument("--format", choices=FORMATS, default="table")
    p.set_defaults(handler=run_fetch)


def _register_feeds(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "feeds",
        help="feed health; `feeds import FILE.opml`, `feeds export`",
        description="Each configured feed: last success, last error, failures, next poll, articles.",
    )
    p.add_argument("--format", choices=FORMATS, default="table")
    p.set_defaults(handler=run_feeds)
    feeds_sub = p.add_subparsers(dest="feeds_command", metavar="SUBCOMMAND", parser_class=type(p))
    i = feeds_sub.add_parser("import", help="append the feeds of an OPML file to feeds/*.yaml")
    i.add_argument("file", metavar="FILE", type=path_arg, help="an OPML subscription list")
    i.add_argument(
        "--into", metavar="YAML", type=path_arg, help="feeds file to append to (default: feeds/imported.yaml)"
    )
    i.add_argument("--dry-run", action="store_true", help="print what would be appended; change nothing")
    i.add_argument(
        "--allow-private",
        action="store_true",
        help="import feeds on loopback or private addresses too, marked allow_private: true",
    )
    i.set_defaults(handler=run_import)
    e = feeds_sub.add_parser("export", help="write the feed list as OPML 2.0")
    e.add_argument("-o", "--output", metavar="FILE", type=path_arg, help="write here instead of stdout")
    e.add_argument("--all", action="store_true", help="include disabled feeds")
    e.set_defaults(handler=run_export)


def _register_ingest(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "ingest",
        help="backfill articles from feed files, folders, and JSON-lines/JSON/CSV archives",
        description=(
            "Store the entries of local feed files (RSS, Atom, RDF), folders of them, and archives "
            "of entries (JSON lines, JSON, CSV with title, link, date, description), deduplicated "
            "against what is stored."
        ),
    )
    p.add_argument("paths", metavar="PATH", nargs="+", type=path_arg)
    p.add_argument("--language", metavar="CODE", help="language of entries that do not say (en, zh, ru)")
    p.add_argument("--no-match", action="store_true", help="store articles without running the rules")
    p.add_argument("--format", choices=FORMATS, default="table")
    p.set_defaults(handler=run_ingest)


def _register_articles(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("articles", help="stored articles, newest first, with full-text search")
    p.add_argument(
        "--since", metavar="WHEN", help="published on or after a date (2025-06-01) or within '7 days'"
    )
    p.add_argument(
        "--search",
        metavar="TEXT",
        help='words (all must occur), "a phrase", -excluded, prefix*; Chinese is matched as substrings',
    )
    p.add_argument("--feed", metavar="NAME", help="only articles from this feed")
    p.add_argument("--limit", metavar="N", type=int, default=20, help="at most N articles (default 20)")
    p.add_argument("--format", choices=FORMATS, default="table")
    p.set_defaults(handler=run_articles)


# ---------------------------------------------------------------- fetch


def run_fetch(args: argparse.Namespace, ctx: Context) -> int:

    feeds = _select(_load_feeds(ctx), args.feed)
    if not feeds:
        ctx.err.print(f"no enabled feeds in {ctx.workspace.feeds_dir}; add some, or `tracker feeds import`")
        return 0
    _warn_rule_problems(ctx, args.no_match)
    with _progress(ctx, "fetching", total=len(feeds)) as (bar, task):
        results = ctx.tracker.poll_feeds(
            [f.name for f in feeds],
            force=args.force,
            due_only=args.due,
            match=not args.no_match,
            progress=lambda r: bar.update(task, advance=1, description=escape(r.feed)),
        )
    rows = [fetch_row(r) for r in results]
    columns = ["feed", "result", "new", "updated", "entries", "http", "detail"]
    if args.format != "table":
        columns += ["url", "next_due", "warnings", "fulltext"]
    ctx.emit(rows, args.format, columns=columns)
    if args.format == "table":
        ctx.err.print(fetch_summary(results))
    polled = [r for r in results if r.status != "skipped"]
    return 1 if polled and all(r.status in ("error", "gone") for r in polled) else 0


def _select(feeds: list[Feed], names: Sequence[str] | None) -> list[Feed]:
    """Named feeds (disabled ones too: naming one is asking for it), else the enabled ones."""
    if not names:
        return [f for f in feeds if f.enabled]
    by_name = {f.name: f for f in feeds}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise NotFoundError(f"--feed: no feed named {unknown[0]!r}; `tracker feeds` lists them")
    return [by_name[n] for n in dict.fromkeys(names)]


def fetch_row(result: PollResult) -> dict[str, Any]:
    detail = result.error or result.note or ""
    if result.warnings and not detail:
        detail = f"warning: {result.warnings[0]}"
    return {
        "feed": result.feed,
        "result": result.status.replace("_", " "),
        "new": result.new,
        "updated": result.updated,
        "entries": result.entries,
        "http": result.http_status,
        "detail": truncate(detail, 120),
        "url": result.url,
        "next_due": _when(result.next_due),
        "warnings": list(result.warnings),
        "fulltext": result.fulltext,
    }


def fetch_summary(results: Sequence[PollResult]) -> str:
    count = {status: sum(1 for r in results if r.status == status) for status in {r.status for r in results}}
    parts = [
        f"{len(results)} feeds",
        f"{sum(r.new for r in results)} new articles",
        f"{sum(r.updated for r in results)} updated",
        f"{count.get('not_modified', 0) + count.get('unchanged', 0)} not modified",
        f"{count.get('error', 0) + count.get('gone', 0)} errors",
    ]
    if count.get("skipped"):
        parts.append(f"{count['skipped']} skipped")
    fulltext = sum(r.fulltext for r in results)
    if fulltext:
        parts.append(f"{fulltext} read in full from their pages")
    return ", ".join(parts)


# ---------------------------------------------------------------- feeds


def run_feeds(args: argparse.Namespace, ctx: Context) -> int:
    _load_feeds(ctx)  # warns once about problems in the feed list
    rows = [health_row(h) for h in ctx.tracker.feed_health()]
    columns = ["name", "enabled", "last_success", "last_error", "failures", "next_due", "articles"]
    if args.format != "table":
        columns += ["url", "title", "language", "interval", "tags", "note", "last_status", "last_error_at"]
    ctx.emit(rows, args.format, columns=columns)
    return 0


def health_row(health: FeedHealth) -> dict[str, Any]:
    feed, state = health.feed, health.state
    note = (state.disabled_reason or state.note) if state else None
    enabled = "no" if not feed.enabled else ("disabled (410)" if state and state.disabled_reason else "yes")
    return {
        "name": feed.name,
        "enabled": enabled,
        "last_success": _when(state.last_success) if state else "never polled",
        "last_error": _last_error(state),
        "failures": state.failures if state else 0,
        "next_due": _when(state.next_due) if state else "now",
        "articles": state.article_count if state else 0,
        "url": state.url if state else feed.url,
        "title": feed.title,
        "language": feed.language,
        "interval": str(feed.interval),
        "tags": list(feed.tags),
        "note": note,
        "last_status": state.last_status if state else None,
        "last_error_at": _when(state.last_error_at) if state else "",
    }


def _last_error(state: Any) -> str:
    """The last error with its time, kept after recovery (failures then says it is over)."""
    if state is None or not state.last_error:
        return ""
    when = _when(state.last_error_at)
    return truncate(f"{when}: {state.last_error}" if when else state.last_error, 90)


def run_import(args: argparse.Namespace, ctx: Context) -> int:
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        raise UsageError(f"FILE: cannot read {args.file}: {exc.strerror}") from None
    result = ctx.tracker.import_opml(data, source=args.file, allow_private=args.allow_private)
    for reason in result.skipped:
        ctx.err.print(f"skipped {escape(reason)}", style="yellow")
    target = _feeds_file(ctx, args.into)
    if args.dry_run:
        sys.stdout.write("".join(ctx.tracker.render_feed(feed) for feed in result.feeds))
        return 0
    comment = f"imported from {args.file.name} on {date.today().isoformat()}"
    ctx.tracker.append_feeds(target, result.feeds, comment=comment)
    ctx.console.print(f"added {len(result.feeds)} feed(s) to {target}; skipped {len(result.skipped)}")
    return 0


def _feeds_file(ctx: Context, into: Path | None) -> Path:
    """Where imported feeds go: a YAML file directly in the workspace's feeds/ folder.

    Anywhere else they would never be watched, and a file of commitments/ would stop
    loading (the program never writes there). A bare file name means one in feeds/.
    """
    folder = ctx.workspace.feeds_dir
    if into is None:
        return folder / "imported.yaml"
    target = folder / into.name if into.parent == Path() else into
    if target.resolve().parent != folder.resolve() or target.suffix not in (".yaml", ".yml"):
        raise UsageError(f"--into: expected a .yaml file in {folder}, got {into}")
    return target


def run_export(args: argparse.Namespace, ctx: Context) -> int:
    feeds = [f for f in _load_feeds(ctx) if args.all or f.enabled]
    text = ctx.tracker.export_opml(feeds)
    if args.output is None:
        sys.stdout.write(text)
        return 0
    write_output(args.output, text, "--output")
    ctx.err.print(f"wrote {len(feeds)} feed(s) to {args.output}")
    return 0


# ---------------------------------------------------------------- ingest


def run_ingest(args: argparse.Namespace, ctx: Context) -> int:

    missing = [p for p in args.paths if not p.exists()]
    if missing:
        raise UsageError(f"PATH: {missing[0]} does not exist")
    _warn_rule_problems(ctx, args.no_match)
    with _progress(ctx, "ingesting", total=None) as (bar, task):
        results = ctx.tracker.ingest(
            args.paths,
            match=not args.no_match,
            language=args.language,
            progress=lambda r: bar.update(task, advance=1, description=escape(Path(r.source).name)),
        )
    _emit_ingest(ctx, results, args.format)
    # A source that could not be read is a failure even when the others were stored:
    # from cron, exit 0 would say the backfill is complete.
    return 1 if any(r.errors for r in results) else 0


def _emit_ingest(ctx: Context, results: list[IngestResult], fmt: str) -> None:
    rows = [ingest_row(r) for r in results]
    columns = ["source", "feed", "entries", "new", "updated", "duplicates", "errors"]
    if fmt != "table":
        ctx.emit(rows, fmt, columns=[*columns, "warnings"])
        return
    shown = rows if len(rows) <= INGEST_TABLE_ROWS else [r for r in rows if r["errors"]]
    if shown:
        ctx.emit(shown, fmt, columns=columns)
    errors = [e for r in results for e in r.errors]
    for message in errors[:20]:
        ctx.err.print(escape(message), style="red", soft_wrap=True)
    if len(errors) > 20:
        ctx.err.print(f"... and {len(errors) - 20} more error(s)", style="red")
    ctx.err.print(
        f"{len(results)} source(s): {sum(r.entries for r in results)} entries, "
        f"{sum(r.new for r in results)} new, {sum(r.updated for r in results)} updated, "
        f"{sum(r.duplicates for r in results)} duplicates, {len(errors)} error(s)"
    )


def ingest_row(result: IngestResult) -> dict[str, Any]:
    return {
        "source": result.source,
        "feed": result.feed,
        "entries": result.entries,
        "new": result.new,
        "updated": result.updated,
        "duplicates": result.duplicates,
        "errors": "; ".join(result.errors),
        "warnings": list(result.warnings),
    }


# ---------------------------------------------------------------- articles


def run_articles(args: argparse.Namespace, ctx: Context) -> int:
    if args.limit < 1:
        raise UsageError(f"--limit: expected a positive number, got {args.limit}")
    since = parse_since(args.since)
    try:
        found = ctx.tracker.find_articles(since=since, search=args.search, feed=args.feed, limit=args.limit)
    except ValueError as exc:
        raise UsageError(f"--search: {exc}") from None
    rows = [article_row(a) for a in found]
    columns = ["id", "published", "feeds", "title", "url"]
    if args.format != "table":
        columns = ["id", "published", "first_seen", "language", "feeds", "title", "url", "summary"]
    ctx.emit(rows, args.format, columns=columns)
    return 0


def parse_since(text: str | None, now: datetime | None = None) -> datetime | None:
    """`--since`: a date, a date and time, or a duration back from now ('7 days')."""
    if not text:
        return None
    text = text.strip()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        try:
            return (now or datetime.now(UTC)) - parse_duration(text)
        except ValueError:
            raise UsageError(
                f"--since: expected a date such as 2025-06-01 or a duration such as '7 days', got {text!r}"
            ) from None
    if len(text) <= 10:  # a bare date: from its first moment
        moment = datetime.combine(moment.date(), time(), tzinfo=UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def article_row(article: Article) -> dict[str, Any]:
    return {
        "id": article.id,
        "published": _when(article.published),
        "first_seen": _when(article.first_seen),
        "language": article.language,
        "feeds": list(article.feeds),
        "title": truncate(article.title, 100),
        "url": article.url,
        "summary": article.summary,
    }


# ---------------------------------------------------------------- helpers


def _load_feeds(ctx: Context) -> list[Feed]:
    """The configured feeds; problems are a warning (the valid feeds still work)."""
    feeds, problems = ctx.tracker.feeds(), ctx.tracker.feed_problems()
    if problems:
        ctx.err.print(
            f"warning: {len(problems)} problem(s) in the feed list were skipped; "
            "run `tracker check` to see them",
            style="yellow",
        )
        for problem in problems[:5]:
            ctx.err.print(escape(str(problem)), style="yellow", soft_wrap=True)
    return feeds


def _warn_rule_problems(ctx: Context, no_match: bool) -> None:
    """Broken rule files are skipped, not fatal: say so once, as the other readers do."""
    if no_match:
        return
    ctx.statements()
    _matcher, problems = ctx.tracker.load_matcher()
    if problems:
        ctx.err.print(
            f"warning: {len(problems)} problem(s) in the rules were skipped; run `tracker check` to see them",
            style="yellow",
        )


class _progress:  # noqa: N801 - used like a function: `with _progress(ctx, "fetching") as (bar, task)`
    """A rich progress bar on stderr (silent when stderr is not a terminal)."""

    def __init__(self, ctx: Context, label: str, total: int | None = None) -> None:
        self.bar = Progress(
            TextColumn("{task.description:<28.28}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=ctx.err,
            transient=True,
        )
        self.label = label
        self.total = total

    def __enter__(self) -> tuple[Progress, Any]:
        self.bar.__enter__()
        return self.bar, self.bar.add_task(self.label, total=self.total)

    def __exit__(self, *exc: object) -> None:
        self.bar.__exit__(None, None, None)


def _when(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
