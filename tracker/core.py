"""The one core API that the CLI, the scheduler and the TUI call.

`Tracker` holds a workspace's loaded records and its database and offers the
operations of the product: check the records, poll feeds, ingest files, match rules,
review signals, record assessments, compute statuses, export reports. Each method is
a thin call into the module that owns the logic; callers never touch SQL or HTTP.
"""

from __future__ import annotations

import getpass
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracker.errors import IncompleteError, LockedError, NotFoundError, Problem, RecordError, UsageError
from tracker.records.config import Config, load_config
from tracker.records.durations import parse_duration
from tracker.records.files import describe_os_error, write_atomically
from tracker.records.statements import commitment_index, load_statements
from tracker.records.validate import SLUG
from tracker.records.workspace import Workspace
from tracker.review.reports import COMMITMENT_COLUMNS, EXPORTS, REPORT_FORMATS, commitment_rows, evidence_item
from tracker.review.reviewing import (
    CONFIDENCE,
    MIN_RATIONALE,
    Clock,
    Reviewer,
    utc_clock,
    verdict_problems,
)
from tracker.review.tabular import to_csv, to_json, to_yaml
from tracker.storage import open_database
from tracker.storage.db import Database
from tracker.textnorm import escape_active, inert, inert_link, keyword_in_context, truncate
from tracker.types import (
    ArchiveCheck,
    ArchivedPage,
    ArchiveOutcome,
    Article,
    ArticleRow,
    Assessment,
    Commitment,
    CommitmentStatus,
    CommitmentView,
    DatabaseInfo,
    Feed,
    FeedHealth,
    FeedRow,
    FeedState,
    HistoryEntry,
    IngestResult,
    LabelledItem,
    Lease,
    MatcherTicket,
    Overview,
    PollResult,
    Prematched,
    Quality,
    RuleStats,
    SourcedEvidence,
    Statement,
    TableCopy,
    Timeline,
    WatcherRow,
)

# The vocabulary and pure helpers the faces share (truncate, parse_duration, SLUG, the report
# columns and formats...). The CLI, the watcher and the dashboard import only this module,
# `types` and `errors` (import-linter enforces it), so what they need of the layers below is
# named here, once.
__all__ = [
    "COMMITMENT_COLUMNS",
    "CONFIDENCE",
    "EXPORTS",
    "HIT_KINDS",
    "MIN_RATIONALE",
    "REPORT_FORMATS",
    "SLUG",
    "Matcher",
    "Records",
    "Tracker",
    "Workspace",
    "commitment_index",
    "commitment_rows",
    "describe_os_error",
    "draft_record",
    "escape_active",
    "evidence_item",
    "inert",
    "inert_link",
    "init_workspace",
    "keyword_in_context",
    "parse_duration",
    "search_fold",
    "to_csv",
    "to_json",
    "to_yaml",
    "truncate",
    "verdict_problems",
    "write_atomically",
]

#: What a matched term did for a link, most decisive first (how explanations are ordered):
#: an exact phrase; a gate (an `all` group about the subject); a profile term (`any`);
#: a party named (the `all` groups named after a party: every story about the two
#: countries names them); a generic word of the stop-list (worth nothing on its own).
HIT_KINDS: tuple[str, ...] = ("phrase", "gate", "term", "party", "generic")

if TYPE_CHECKING:
    from tracker.feeds.pages import PageSettings
    from tracker.feeds.pipeline import PollSettings
    from tracker.review.alerts import Digest
    from tracker.rules import Matcher
    from tracker.rules.matching import MatchSummary, RuleTestRow
    from tracker.types import NewSignal


@dataclass
class Records:
    """What the YAML files hold right now, and what was wrong with them."""

    statements: list[Statement]
    problems: list[Problem] = field(default_factory=list)

    @cached_property
    def commitments(self) -> dict[str, Commitment]:
        return commitment_index(self.statements)

    def statement(self, statement_id: str) -> Statement:
        for statement in self.statements:
            if statement.id == statement_id:
                return statement
        raise NotFoundError(f"no statement {statement_id!r}")

    def commitment(self, commitment_id: str) -> Commitment:
        try:
            return self.commitments[commitment_id]
        except KeyError:
            raise NotFoundError(f"no commitment {commitment_id!r}") from None


def load_records(workspace: Workspace) -> Records:
    statements, problems = load_statements(workspace.commitments_dir)
    return Records(statements, problems)


#: How long a `tracker fetch` on a shared database holds the feeds it polls.
FETCH_LEASE = timedelta(minutes=10)


class Tracker:
    """A workspace opened for work. Records load on first use; so does the database."""

    def __init__(
        self, workspace: Workspace, *, db_path: Path | str | None = None, clock: Clock = utc_clock
    ) -> None:
        self.workspace = workspace
        self.clock = clock
        #: A database given explicitly (tests, `db copy`); None: the workspace's own.
        self._db_path: Path | str | None = db_path
        self._db: Database | None = None
        self._records: Records | None = None
        self._feeds: tuple[list[Feed], list[Problem]] | None = None
        self._matcher: tuple[Matcher, list[Problem]] | None = None
        #: Limits for fetching article pages (full text, archives); None: the polite defaults.
        self.page_settings: PageSettings | None = None
        #: True in the process that holds the workspace's watch lock (`tracker watch`).
        self.owns_watch_lock = False

    def fork(self) -> Tracker:
        """A second Tracker on the same workspace and database, with its own connection.

        Background work (the dashboard's polling thread) uses a fork, so its long
        transactions never share a connection with the interface's reads.
        """
        return Tracker(self.workspace, db_path=self._db_path, clock=self.clock)

    # -- records

    @property
    def records(self) -> Records:
        if self._records is None:
            self._records = load_records(self.workspace)
        return self._records

    def reload_records(self) -> Records:
        """Forget every loaded record file (commitments, feeds, rules); the next use reads them."""
        self._records = None
        self._feeds = None
        self._matcher = None
        return self.records

    def use_records(
        self,
        statements: Sequence[Statement],
        feeds: Sequence[Feed],
        matcher: Matcher,
        *,
        problems: Sequence[Problem] = (),
    ) -> None:
        """Run on this record set instead of reading the folders.

        The watcher keeps the last good version of each file (tracker.reload) and hands
        that set here, so a file broken mid-edit never reaches polling or matching.
        Each part is replaced in one assignment: a job running meanwhile sees the old
        set or the new one. `problems` are those of commitment files with no good version
        to run: reports refuse to leave them out silently (see `missing_records`).
        """
        self._records = Records(list(statements), list(problems))
        self._feeds = (list(feeds), [])
        self._matcher = (matcher, [])

    def drafts(self) -> list[Problem]:
        """Records still marked `draft: true` (as `tracker extract` writes them), as problems.

        A draft is valid, so `check` accepts it; `check --strict` (for CI, before a report
        is sent) refuses it: nobody has yet read the draft against its source.
        """
        found = []
        for statement in self.records.statements:
            items = [(statement.origin, "statement.draft", statement.id)] if statement.draft else []
            items += [(c.origin, "draft", c.id) for c in statement.commitments if c.draft]
            for origin, field_name, record_id in items:
                file = origin.file if origin else self.workspace.commitments_dir / f"{statement.id}.yaml"
                found.append(
                    Problem(
                        file,
                        origin.line if origin else None,
                        field_name,
                        f"{record_id} is still a draft; check it against its source, then drop `draft: true`",
                    )
                )
        return found

    def check(self, *, strict: bool = False) -> list[Problem]:
        """Every problem in every record file (commitments, rules, feeds), in file order;
        with `strict`, records still marked as drafts too."""
        records = self.reload_records()
        self.__dict__.pop("_config", None)
        rule_problems = self.load_matcher()[1]
        consequences = _consequences(records.problems, rule_problems, self.workspace.commitments_dir)
        problems = [
            *records.problems,
            *self._config[1],
            *self._load_feeds()[1],
            *(p for p in rule_problems if p not in consequences),
            *(self.drafts() if strict else []),
        ]
        if consequences:
            # One root cause, not its follow-on "unknown commitment" lines: say once what was hidden.
            files = sorted({str(p.file) for p in consequences})
            problems.append(
                Problem(
                    self.workspace.rules_dir,
                    None,
                    "",
                    f"{len(consequences)} reference(s) in {', '.join(files)} to the commitments of the "
                    "broken file(s) above not listed; they resolve once those files load",
                )
            )
        return sorted(problems, key=lambda p: (str(p.file), p.line or 0))

    def term_set_names(self) -> list[str]:
        """The names of the term sets the rules files define (`$china`...), for drafting rules.

        Read from the files' `terms:` keys, so a broken rule elsewhere does not hide them.
        """
        from tracker.errors import RecordError
        from tracker.records.yamlio import load_file

        names: list[str] = []
        folder = self.workspace.rules_dir
        for path in sorted(folder.glob("*.y*ml")) if folder.is_dir() else []:
            try:
                data = load_file(path)
            except RecordError:
                continue
            terms = data.get("terms") if isinstance(data, dict) else None
            names += [str(name) for name in terms] if isinstance(terms, dict) else []
        return names

    def record_counts(self) -> dict[str, int]:
        """Counts of the other record kinds, for `tracker check`'s summary."""
        return {"rules": len(self.matcher.rules), "feeds": len(self.feeds())}

    @cached_property
    def _config(self) -> tuple[Config, list[Problem]]:
        return load_config(self.workspace.config_path)

    def person(self, name: str | None = None) -> str:
        """Who did it, for the record; never empty.

        The name given (`--by`, the dashboard's field), else $TRACKER_USER, else
        `reviewer:` in tracker.yaml, else the login name (which also works where $USER
        is unset, as under systemd or in containers). The environment comes before the
        workspace file because a workspace is shared by a team and the variable is one
        person's.
        """
        for candidate in (name, os.environ.get("TRACKER_USER"), self._config[0].reviewer):
            if candidate and candidate.strip():
                return candidate.strip()
        try:
            login = getpass.getuser()
        except (OSError, KeyError):  # no $LOGNAME/$USER and no passwd entry for this uid
            login = ""
        if login.strip():
            return login.strip()
        raise UsageError(
            "--by: no name to record; give --by NAME, set TRACKER_USER, or `reviewer:` in tracker.yaml"
        )

    @property
    def browser_command(self) -> tuple[str, ...]:
        """`browser` from tracker.yaml: the argv the dashboard opens links with (empty: none set)."""
        return self._config[0].browser

    @property
    def stale_after(self) -> timedelta | None:
        """`stale_after` from tracker.yaml; None means the built-in 365 days."""
        return self._config[0].stale_after

    # -- feeds and articles

    def _load_feeds(self) -> tuple[list[Feed], list[Problem]]:
        if self._feeds is None:
            from tracker.records.feedlist import load_feeds

            self._feeds = load_feeds(self.workspace.feeds_dir)
        return self._feeds

    def feeds(self) -> list[Feed]:
        """The valid configured feeds (enabled or not)."""
        return self._load_feeds()[0]

    def feed_problems(self) -> list[Problem]:
        """What was wrong in `feeds/*.yaml` (those records are skipped, the others work)."""
        return self._load_feeds()[1]

    def feed_health(self) -> list[FeedHealth]:
        from tracker.feeds.pipeline import feed_health

        return feed_health(self.db, self.feeds())

    def poll_feeds(
        self,
        names: Sequence[str] | None = None,
        *,
        force: bool = False,
        due_only: bool = False,
        progress: Callable[[PollResult], object] | None = None,
        match: bool = True,
        settings: PollSettings | None = None,
        lease: Lease | None = None,
    ) -> list[PollResult]:
        """Poll the enabled feeds (or those named, even disabled), storing and matching what is new.

        `settings` overrides the politeness limits and HTTP bounds (tests and benchmarks
        fast-forward time with it). On a shared database every feed is polled under a
        lease (`lease`, or one in this process's name), so a `tracker fetch` and the
        team's watchers never poll the same feed at once.
        """
        from tracker.feeds.pipeline import poll_feeds
        from tracker.records.lock import watch_holder

        if self.shared and lease is None:
            import socket

            lease = Lease(f"fetch@{socket.gethostname()}:{os.getpid()}", FETCH_LEASE)
        if not self.owns_watch_lock and not self.shared:
            holder = watch_holder(self.workspace.state_dir)
            if holder:
                raise LockedError(
                    f"tracker watch is polling this workspace ({holder}); its results appear here"
                )
        feeds = self.feeds()
        if names:
            unknown = sorted(set(names) - {f.name for f in feeds})
            if unknown:
                raise NotFoundError(f"--feed: no feed named {', '.join(unknown)} (see `tracker feeds`)")
            feeds = [f for f in feeds if f.name in names]
        else:
            feeds = [f for f in feeds if f.enabled]
        on_stored = self._on_stored_if_rules if match else None
        return poll_feeds(
            self.db,
            feeds,
            lease=lease,
            force=force,
            due_only=due_only,
            progress=progress,
            on_stored=on_stored,
            rules=self._rules_ticket if match else None,
            settings=self._with_fulltext(settings, feeds),
        )

    def _with_fulltext(self, settings: PollSettings | None, feeds: Sequence[Feed]) -> PollSettings:
        """The pass's settings with full-text fetching as tracker.yaml's `fulltext` asks.

        `gate` (the default): feeds marked `fulltext: true`, and any article that came with
        a summary only (no content) and passes some rule's `all` gate; `feeds`: only the
        marked feeds; `off`: never. Settings that already carry a plan are kept.
        """
        from dataclasses import replace

        from tracker.feeds.fulltext import FullTextPlan
        from tracker.feeds.pages import PageSettings
        from tracker.feeds.pipeline import PollSettings

        settings = settings or PollSettings()
        mode = self._config[0].fulltext
        if settings.fulltext is not None or mode == "off":
            return settings
        if mode == "feeds" and not any(f.fulltext for f in feeds):
            return settings

        def wants(article: Article) -> bool:
            # The matcher loads on the first article that could want its page, not before
            # the pass: a pass of unchanged feeds never builds it.
            return mode == "gate" and not article.content.strip() and self.matcher.wants_full_text(article)

        plan = FullTextPlan(wants=wants, settings=self.page_settings or PageSettings())
        return replace(settings, fulltext=plan)

    def feed_states(self) -> dict[str, FeedState]:
        """The stored polling state of every feed (validators, back-off, next due)."""
        from tracker.storage.feeds import all_states

        return all_states(self.db, with_counts=False)

    def ingest(
        self,
        paths: Iterable[Path],
        *,
        progress: Callable[[IngestResult], object] | None = None,
        language: str | None = None,
        match: bool = True,
    ) -> list[IngestResult]:
        """Backfill from files and archives; stored articles are matched at once."""
        from tracker.feeds.pipeline import ingest_paths

        return ingest_paths(
            self.db,
            paths,
            feeds=self.feeds(),
            on_stored=self._on_stored_if_rules if match else None,
            progress=progress,
            language=language,
        )

    def find_articles(
        self,
        *,
        search: str | None = None,
        since: datetime | None = None,
        feed: str | None = None,
        limit: int = 50,
        unread: bool = False,
    ) -> list[Article]:
        """Stored articles, newest first; `search` is user text for the full-text index.

        `unread` keeps those nobody marked read. Raises ValueError when `search` holds
        nothing to search for.
        """
        from tracker.feeds.pipeline import find_articles

        return find_articles(self.db, search=search, since=since, feed=feed, limit=limit, unread=unread)

    def mark_read(self, article_ids: Sequence[int], *, read: bool = True) -> int:
        """Mark articles read (or unread again); how many changed."""
        from tracker.storage.reads import set_read

        return set_read(self.db, article_ids, read, self.clock())

    def request_poll(self, feeds: Sequence[str] = (), *, by: str | None = None) -> list[int]:
        """Ask a running watcher (any process, any machine on this database) to poll now.

        `feeds` empty: every enabled feed. Unknown names are refused. The request waits
        in the database until a watcher takes it (`take_poll_requests`).
        """
        from tracker.storage.reads import request_poll

        known = {f.name for f in self.feeds()}
        unknown = sorted(set(feeds) - known)
        if unknown:
            raise NotFoundError(f"FEED: no feed named {', '.join(unknown)} (see `tracker feeds`)")
        return request_poll(self.db, list(feeds) or [None], self.clock(), by)

    def watcher(self) -> str | None:
        """Who runs `tracker watch` on this workspace now (pid, host, since), or None.

        On a shared database, the watchers heard from in the last minute, on any machine.
        """
        from tracker.records.lock import watch_holder

        if self.shared:
            now = self.clock()
            alive = [w for w in self.watchers() if w.seen and now - w.seen <= timedelta(minutes=1)]
            return ", ".join(f"pid {w.pid} on {w.host}" for w in alive) or None
        return watch_holder(self.workspace.state_dir)

    def take_poll_requests(self) -> list[str | None]:
        """The watcher's side: the waiting requests' feeds (None: all), now marked taken."""
        from tracker.storage.reads import take_poll_requests

        return take_poll_requests(self.db, self.clock())

    def waiting_poll_requests(self) -> int:
        """Requests no watcher has taken yet (none runs, or it has not looked yet)."""
        from tracker.storage.reads import waiting_poll_requests

        return waiting_poll_requests(self.db)

    def article(self, ref: str | int) -> Article:
        """One stored article by id or URL; NotFoundError when there is none."""
        from tracker.storage.signals import articles_by_ids, find_article_id

        [article] = articles_by_ids(self.db, [find_article_id(self.db, str(ref))])
        return article

    def article_rows(self, articles: Sequence[Article]) -> list[ArticleRow]:
        """Articles decorated with the feeds they came from and the commitments they link."""
        from tracker.review.overview import article_rows

        return article_rows(self.db, articles)

    def feed_rows(self) -> list[FeedRow]:
        """Every configured feed with its state, judged and ordered worst first (the feeds screen)."""
        from tracker.review.overview import feed_rows

        return feed_rows(self.feed_health())

    def import_opml(
        self,
        data: bytes,
        *,
        source: Path,
        existing: Sequence[Feed] | None = None,
        allow_private: bool = False,
    ) -> Any:
        """Feeds read from an OPML document, skipping those already configured."""
        from tracker.records.feedlist import import_opml, load_feeds

        if existing is None:
            existing, _problems = load_feeds(self.workspace.feeds_dir)
        return import_opml(data, source=source, existing=existing, allow_private=allow_private)

    def append_feeds(self, target: Path, feeds: Sequence[Feed], *, comment: str) -> None:
        """Append feed records to a file of `feeds/` (created if missing), comments kept."""
        from tracker.records.feedlist import append_feeds

        append_feeds(target, list(feeds), comment=comment)

    @staticmethod
    def render_feed(feed: Feed) -> str:
        """One feed as the YAML record `feeds/*.yaml` holds."""
        from tracker.records.feedlist import render_feed

        return render_feed(feed)

    @staticmethod
    def export_opml(feeds: Sequence[Feed]) -> str:
        from tracker.records.feedlist import export_opml

        return export_opml(list(feeds))

    def unmatched_articles(self, *, limit: int = 50, unread: bool = False) -> list[Article]:
        """Recent articles no rule links (a rejected link counts as linked): what rules miss."""
        from tracker.storage.overview import unmatched_article_ids
        from tracker.storage.signals import articles_by_ids

        ids = unmatched_article_ids(self.db, limit=limit, unread=unread)
        order = {article_id: n for n, article_id in enumerate(ids)}
        return sorted(articles_by_ids(self.db, ids), key=lambda a: order[a.id])

    # -- rules and signals

    def load_matcher(self) -> tuple[Matcher, list[Problem]]:
        """The compiled rules and the problems of the rule files skipped (compiled once)."""
        if self._matcher is None:
            from tracker.rules import build_matcher

            self._matcher = build_matcher(self.workspace.rules_dir, self.records.statements)
        return self._matcher

    @property
    def matcher(self) -> Matcher:
        """Every valid rule compiled into one automaton."""
        return self.load_matcher()[0]

    def match_articles(self, article_ids: Sequence[int]) -> MatchSummary:
        """Match these stored articles now (as on storing), keeping the status history."""
        return self._on_stored(article_ids)

    def _on_stored_if_rules(
        self, article_ids: Sequence[int], prematched: Prematched | None = None
    ) -> MatchSummary | None:
        """The pipeline's hook: the rules load on the first new article, not before a pass,
        so a pass where every feed answers 304 never builds the matcher."""
        if not self.matcher.rules:
            return None
        return self._on_stored(article_ids, prematched)

    def _rules_ticket(self) -> MatcherTicket | None:
        """The rules for the pipeline's parse workers (None: there are none to run)."""
        from tracker.rules.prematch import ticket_for

        matcher = self.matcher
        return ticket_for(matcher) if matcher.rules else None

    def _on_stored(self, article_ids: Sequence[int], prematched: Prematched | None = None) -> MatchSummary:
        """Match newly stored articles and keep the status history of what they touched."""
        from tracker.rules.matching import match_articles
        from tracker.storage.reviews import commitments_of_articles

        summary = match_articles(
            self.db, self.matcher, article_ids, known=self._known_commitments(), prematched=prematched
        )
        if summary.links or summary.retracted:
            touched = commitments_of_articles(self.db, article_ids)
            self.reviewer.refresh_statuses(sorted(touched), reason="new signals")
        return summary

    def match(self) -> MatchSummary:
        """Re-run every rule over the stored articles (idempotent; reviews are never touched)."""
        from tracker.rules.matching import rematch_all

        summary = rematch_all(self.db, self.matcher, known=self._known_commitments())
        self.reviewer.refresh_statuses(reason="rules re-matched")
        return summary

    def _known_commitments(self) -> frozenset[str] | None:
        """While a commitment file is broken, only the commitments that loaded may lose signals.

        Its rules could not run (their targets are unknown), so no link of its commitments
        can be judged gone: `match` leaves them as they are instead of retracting them.
        """
        return frozenset(self.records.commitments) if self.records.problems else None

    def rules_changed(self) -> bool:
        """True if the stored signals were not (all) made by the current rules."""
        from tracker.rules.matching import rules_changed

        return rules_changed(self.db, self.matcher)

    def rule_test(
        self, rule_id: str, since: datetime | None = None, *, limit: int | None = None
    ) -> list[RuleTestRow]:
        """The stored articles `rule_id` would link now (a dry run: nothing is written)."""
        from tracker.rules.matching import rule_test

        return rule_test(self.db, self.matcher, rule_id, since, limit=limit)

    def condition_kinds(self, rule_id: str, parties: Sequence[str]) -> dict[str, str]:
        """Each condition of a rule ("all[0]", "any", "phrases") → its kind in HIT_KINDS.

        An `all` or `anywhere` group named after one of `parties` (the `$china` term set)
        is "party"; other such groups are gates. Unknown rules (edited since) give an empty map.
        """
        try:
            rule = self.matcher.rule(rule_id)
        except KeyError:
            return {}
        kinds = {f"all[{n}]": "party" if g.name in parties else "gate" for n, g in enumerate(rule.all)}
        kinds |= {
            f"anywhere[{n}]": "party" if g.name in parties else "gate" for n, g in enumerate(rule.anywhere)
        }
        kinds |= {f"in_title[{n}]": "gate" for n in range(len(rule.in_title))}
        return kinds | {"any": "term", "phrases": "phrase", "none": "generic", "none_in_scope": "generic"}

    def term_kinds(self, rule_ids: Sequence[str], parties: Sequence[str]) -> dict[str, str]:
        """Each term of these rules, as written → its most decisive kind in HIT_KINDS.

        What the dashboard orders a signal's hits by: a stored hit names its term, and
        the rules say which condition it served and whether it is a generic word.
        """
        rank = {kind: n for n, kind in enumerate(HIT_KINDS)}
        out: dict[str, str] = {}
        for rule_id in rule_ids:
            kinds = self.condition_kinds(rule_id, parties)
            if not kinds:
                continue
            rule = self.matcher.rule(rule_id)
            groups = [(f"all[{n}]", g) for n, g in enumerate(rule.all)]
            groups += [(f"anywhere[{n}]", g) for n, g in enumerate(rule.anywhere)]
            groups += [("any", rule.any), ("phrases", rule.phrases)]
            for condition, group in groups:
                if group is None:
                    continue
                for term in group.terms:
                    kind = "generic" if term.generic else kinds[condition]
                    if term.text not in out or rank[kind] < rank[out[term.text]]:
                        out[term.text] = kind
        return out

    def explain(self, article: Article, commitment_id: str | None = None) -> list[Any]:
        """For each rule that targets the article (or `commitment_id`): which conditions held."""
        return self.matcher.explain(article, commitment_id)

    def rule_stats(self) -> list[RuleStats]:
        """Per rule, what the analyst's reviews say of its signals (`tracker rules stats`)."""
        from tracker.rules.quality import rule_stats
        from tracker.storage.signals import rule_review_rows

        return rule_stats(rule_review_rows(self.db), [r.id for r in self.matcher.rules])

    def load_labels(self, path: Path) -> list[LabelledItem]:
        """A labelled file (JSON lines of entry + labels); RecordError names line and field."""
        from tracker.rules.quality import load_labelled, unknown_commitments

        items = load_labelled(path)
        unknown = unknown_commitments(items, self.records.commitments)
        if unknown:
            names = ", ".join(unknown)
            raise RecordError(
                [Problem(path, None, "labels", f"commitments the records do not have: {names}")]
            )
        return items

    def rate_rules(
        self, items: Sequence[LabelledItem], *, rule_id: str | None = None, now: datetime | None = None
    ) -> Quality:
        """Precision and recall of the rules (or of one rule) on labelled items.

        Each item is read as `tracker ingest` reads an archive record and matched as a
        stored article would be; nothing is written. An undated item is seen `now`, as
        an ingested one is first seen when it is stored.
        """
        from tracker.feeds.backfill import entry_from_record
        from tracker.rules.quality import score

        seen = now or self.clock()
        links: dict[str, set[str]] = {}
        for number, item in enumerate(items, 1):
            try:
                entry = entry_from_record(item.entry)
            except ValueError:
                links[item.key] = set()
                continue
            article = Article(
                number,
                entry.guid,
                entry.url,
                entry.canonical_url,
                entry.title,
                entry.summary,
                entry.content,
                entry.language,
                entry.published,
                seen,
            )
            links[item.key] = {
                r.commitment_id
                for r in self.matcher.match(article)
                if rule_id is None or r.rule_id == rule_id
            }
        return score(items, links)

    def linked_by_full_text(self, article: Article, commitment_id: str | None = None) -> set[tuple[str, str]]:
        """(rule, commitment) links that hold only thanks to the article's fetched full text:
        explained again on what the feed gave (no page content), they do not hold."""
        if article.content_source != "fulltext":
            return set()
        from dataclasses import replace

        with_page = {(e.rule_id, e.commitment_id) for e in self.explain(article, commitment_id) if e.linked}
        without = {
            (e.rule_id, e.commitment_id)
            for e in self.explain(replace(article, content=""), commitment_id)
            if e.linked
        }
        return with_page - without

    # -- review and assessment (see tracker.reviewing)

    @property
    def reviewer(self) -> Reviewer:
        return Reviewer(self.db, self.records.statements, clock=self.clock, stale_after=self.stale_after)

    def confirm_signal(
        self,
        signal_id: int,
        *,
        relation: str | None = None,
        strength: str | None = None,
        note: str | None = None,
        reviewer: str | None = None,
    ) -> int:
        return self.reviewer.confirm(
            signal_id, relation=relation, strength=strength, note=note, reviewer=self.person(reviewer)
        )

    def reject_signal(self, signal_id: int, *, note: str | None = None, reviewer: str | None = None) -> None:
        self.reviewer.reject(signal_id, note=note, reviewer=self.person(reviewer))

    def undo_review(
        self, signal_id: int, *, expected: str, restore: str | None, reviewer: str | None = None
    ) -> None:
        """Undo a confirm or reject (a new, logged review): the signal goes back to `restore`."""
        self.reviewer.undo_review(signal_id, expected=expected, restore=restore, reviewer=reviewer)

    def amend_signal(
        self,
        signal_id: int,
        *,
        relation: str | None = None,
        strength: str | None = None,
        note: str | None = None,
        reviewer: str | None = None,
    ) -> None:
        self.reviewer.amend_signal(
            signal_id, relation=relation, strength=strength, note=note, reviewer=self.person(reviewer)
        )

    def amend_evidence(
        self,
        evidence_id: int,
        *,
        relation: str | None = None,
        strength: str | None = None,
        note: str | None = None,
    ) -> None:
        self.reviewer.amend_evidence(evidence_id, relation=relation, strength=strength, note=note)

    def add_evidence(
        self,
        commitment_id: str,
        *,
        title: str,
        url: str | None = None,
        document: str | None = None,
        publisher: str | None = None,
        date: date | None = None,
        relation: str = "supports",
        strength: str | None = None,
        note: str | None = None,
        added_by: str | None = None,
    ) -> int:
        return self.reviewer.add_evidence(
            commitment_id,
            title=title,
            url=url,
            document=document,
            publisher=publisher,
            date=date,
            relation=relation,
            strength=strength,
            note=note,
            added_by=self.person(added_by),
        )

    def assess(
        self,
        commitment_id: str,
        *,
        status: str,
        rationale: str,
        party: str = "joint",
        confidence: str | None = None,
        evidence_ids: Sequence[int] = (),
        assessor: str | None = None,
    ) -> int:
        return self.reviewer.assess(
            commitment_id,
            status=status,
            rationale=rationale,
            party=party,
            confidence=confidence,
            evidence_ids=evidence_ids,
            assessor=self.person(assessor),
        )

    def refresh_statuses(
        self, commitment_ids: Sequence[str] | None = None, *, reason: str | None = None
    ) -> int:
        """Record derived changes that come with time (overdue, stalled); for the daily job."""
        return self.reviewer.refresh_statuses(commitment_ids, reason=reason)

    def withdraw_evidence(self, evidence_id: int, *, note: str | None = None) -> None:
        self.reviewer.withdraw_evidence(evidence_id, note=note)

    def status(self, commitment_id: str) -> CommitmentStatus:
        return self.reviewer.status(commitment_id)

    def statuses(self, commitment_ids: Sequence[str] | None = None) -> dict[str, CommitmentStatus]:
        return self.reviewer.statuses(commitment_ids)

    def history(self, commitment_id: str) -> list[HistoryEntry]:
        return self.reviewer.history(commitment_id)

    def assessments(self, commitment_id: str) -> list[Assessment]:
        return self.reviewer.assessments(commitment_id)

    def evidence(self, commitment_id: str) -> list[SourcedEvidence]:
        return self.reviewer.evidence(commitment_id)

    # -- reports and snapshots (see tracker.reviewing and tracker.reports)

    def report(
        self,
        *,
        statement_ids: Sequence[str] = (),
        statuses: Sequence[str] = (),
        parties: Sequence[str] = (),
        tags: Sequence[str] = (),
        snapshot: str | None = None,
        partial: bool = False,
    ) -> dict[str, Any]:
        """The report model (statement -> commitments -> status, score, evidence), filtered.

        IncompleteError when a commitment file does not load, unless `partial`: then the
        model's `missing` names what it lacks.
        """
        missing = () if snapshot else self.missing_records(partial=partial)
        return self.reviewer.report(
            statement_ids=statement_ids,
            statuses=statuses,
            parties=parties,
            tags=tags,
            snapshot=snapshot,
            missing=missing,
        )

    def missing_records(self, *, partial: bool = False) -> list[dict[str, Any]]:
        """What a report would leave out now: the problems of commitment files that do not load.

        Raises IncompleteError if there are any and `partial` is not set; a report is
        complete or it fails.
        """
        problems = self.records.problems
        if problems and not partial:
            raise IncompleteError(list(problems))
        return [
            {
                "file": _relative(p.file, self.workspace.root),
                "line": p.line,
                "field": p.field,
                "problem": p.message,
            }
            for p in problems
        ]

    def export(
        self,
        fmt: str = "yaml",
        *,
        what: str = "commitments",
        statement_ids: Sequence[str] = (),
        statuses: Sequence[str] = (),
        parties: Sequence[str] = (),
        tags: Sequence[str] = (),
        snapshot: str | None = None,
        partial: bool = False,
    ) -> str:
        """The text `tracker export` writes, and the watcher's scheduled reports (complete, or
        IncompleteError unless `partial`; see `report`)."""
        return self.reviewer.export(
            fmt,
            what=what,
            statement_ids=statement_ids,
            statuses=statuses,
            parties=parties,
            tags=tags,
            snapshot=snapshot,
            missing=() if snapshot else self.missing_records(partial=partial),
        )

    def snapshot(self, name: str, *, partial: bool = False) -> dict[str, Any]:
        """Freeze the current report under `name` (an interim or final report); never replaced."""
        return self.reviewer.snapshot(name, missing=self.missing_records(partial=partial))

    def snapshot_report(self, name: str) -> dict[str, Any]:
        return self.reviewer.snapshot_report(name)

    def snapshots(self) -> list[tuple[str, str]]:
        return self.reviewer.snapshots()

    def backup(self, target: Path) -> int:
        """A consistent, integrity-checked copy of the database, safe while the watcher writes,
        carrying every evidence archive file; the number of archive files carried."""
        from tracker.feeds.archive import embed_in_backup

        self.reviewer.backup(target)
        return embed_in_backup(self.db, self.archive_dir, target)

    # -- evidence archives (see tracker.feeds.archive)

    @property
    def archive_dir(self) -> Path:
        """Where the WARC files of evidence pages live: `.tracker/archive/`."""
        return self.workspace.state_dir / "archive"

    def archive_evidence(self, evidence_ids: Sequence[int] | None = None) -> list[ArchiveOutcome]:
        """Fetch and archive (WARC) the pages of these evidence items; None: every current one.

        A page unchanged since its latest archive is only checked; a 404/410 keeps the
        archives and flags the source gone since then.
        """
        from urllib.parse import urlsplit

        from tracker.feeds.archive import archive_evidence

        private = frozenset((urlsplit(f.url).hostname or "").lower() for f in self.feeds() if f.allow_private)
        return archive_evidence(
            self.db, self.archive_dir, evidence_ids, settings=self.page_settings, private_hosts=private
        )

    def archived_page(self, evidence_id: int) -> ArchivedPage:
        """The latest archived copy of an evidence page as plain text (works with the page gone)."""
        from tracker.feeds.archive import archived_page

        return archived_page(self.db, self.archive_dir, evidence_id)

    def verify_archives(self) -> list[ArchiveCheck]:
        """Re-hash every archive file and read it back with warcio's digest checks."""
        from tracker.feeds.archive import verify_archives

        return verify_archives(self.db, self.archive_dir)

    def article_page(self, article_id: int) -> tuple[str, str, str | None] | None:
        """(status, URL, note) of the article's page fetch for full text, or None if never tried."""
        from tracker.storage.fulltext import page_note

        return page_note(self.db, article_id)

    # -- alerts and the watcher's bookkeeping (see tracker.alerts, storage.digest)

    @staticmethod
    def render_digest(digest: Digest, fmt: str) -> str:
        """The digest as text, Markdown or JSON (what `tracker digest` prints and hooks get)."""
        from tracker.review.alerts import render_digest

        return render_digest(digest, fmt)

    def digest(
        self,
        since: datetime,
        until: datetime | None = None,
        *,
        history_after_id: int | None = None,
        partial: bool = False,
    ) -> Digest:
        """New signals and status changes in [since, until), grouped by commitment (complete,
        or IncompleteError unless `partial`; see `report`)."""
        from tracker.review.alerts import build_digest

        missing = [
            f"{m['file']}:{m['line']}: {m['field']}: {m['problem']}"
            if m["line"]
            else f"{m['file']}: {m['problem']}"
            for m in self.missing_records(partial=partial)
        ]
        return build_digest(
            self.db,
            self.records.statements,
            since=since,
            until=until,
            history_after_id=history_after_id,
            missing=missing,
        )

    def signals_after(self, after_id: int, *, limit: int = 100) -> list[NewSignal]:
        """Signals made after `after_id`, oldest first: what a hook has not been handed yet."""
        from tracker.storage.digest import signals_after

        return signals_after(self.db, after_id, limit=limit)

    def count_signals_after(self, after_id: int) -> int:
        from tracker.storage.digest import count_signals_after

        return count_signals_after(self.db, after_id)

    def last_ids(self) -> tuple[int, int]:
        """The newest signal id and status-history id: where the next alerts start."""
        from tracker.storage.digest import last_history_id, last_signal_id

        return last_signal_id(self.db), last_history_id(self.db)

    def mark(self, name: str) -> str | None:
        """A value the watcher keeps across restarts (a high-water mark, a last run)."""
        from tracker.storage.digest import get_mark

        return get_mark(self.db, name)

    def set_mark(self, name: str, value: str | int) -> None:
        from tracker.storage.digest import set_mark

        set_mark(self.db, name, str(value))

    def time_mark(self, name: str) -> datetime | None:
        from tracker.storage.digest import get_time_mark

        return get_time_mark(self.db, name)

    def set_time_mark(self, name: str, moment: datetime) -> None:
        from tracker.storage.digest import set_time_mark

        set_time_mark(self.db, name, moment)

    def claim_daily_run(self, name: str, occurrence: datetime) -> tuple[bool, str | None]:
        """Take today's run of a daily job (once across every watcher); (taken, previous mark)."""
        from tracker.storage.digest import claim_time_mark

        return claim_time_mark(self.db, name, occurrence, self.clock())

    def restore_daily_mark(self, name: str, previous: str | None) -> None:
        from tracker.storage.digest import restore_mark

        restore_mark(self.db, name, previous)

    # -- several watchers on one database (leases, `tracker watchers`)

    @property
    def shared(self) -> bool:
        """The state is on a server that several watchers may share (PostgreSQL): feeds
        are then polled under leases, and no workspace file lock applies."""
        from tracker.storage.db import is_database_url

        return is_database_url(self.database_target)

    def wait_for_change(self, timeout: float) -> bool:
        """Block until another process commits a write (PostgreSQL's LISTEN/NOTIFY), or
        `timeout` seconds pass; True if one did. On SQLite, False at once: its dashboards
        compare `data_version` on a timer instead."""
        return self.db.wait_for_change(timeout)

    def register_watcher(self, watcher_id: str, host: str, pid: int) -> None:
        from tracker.storage.watchers import register

        register(self.db, watcher_id, host, pid, self.clock())

    def watcher_seen(self, watcher_id: str, *, polled: str | None = None) -> None:
        from tracker.storage.watchers import seen

        seen(self.db, watcher_id, self.clock(), polled=polled)

    def unregister_watcher(self, watcher_id: str) -> None:
        """A watcher stopping: its leases end now (the others take its feeds) and its row goes."""
        from tracker.storage.feeds import release_all
        from tracker.storage.watchers import unregister

        release_all(self.db, watcher_id)
        unregister(self.db, watcher_id)

    def watchers(self) -> list[WatcherRow]:
        """Every registered watcher, with the feeds it holds a live lease on."""
        from dataclasses import replace

        from tracker.storage.feeds import leases
        from tracker.storage.watchers import list_watchers

        held = leases(self.db, self.clock())
        rows = [replace(row, holding=tuple(held.pop(row.id, ()))) for row in list_watchers(self.db)]
        # Leases of a one-off `tracker fetch` (not a registered watcher) are shown too.
        rows += [WatcherRow(owner, "", 0, None, None, 0, None, tuple(names)) for owner, names in held.items()]
        return rows

    def maintain(self) -> None:
        """The daily database care: checkpoint the WAL, let SQLite optimise its statistics."""
        self.db.checkpoint()
        self.db.optimize()

    # -- reads for the faces

    def overview(self, *, now: datetime | None = None, timelines: bool = True) -> Overview:
        """The commitments screen: every commitment's row and the header's figures, in bulk.

        `timelines=False` leaves the signals per month out (the costliest part; see
        `overview_timelines`), so a first screen can be shown sooner.
        """
        from tracker.review.overview import build_overview

        return build_overview(
            self.records.statements,
            self.db,
            now=now or self.clock(),
            stale_after=self.stale_after,
            timelines=timelines,
        )

    def overview_timelines(self, *, now: datetime | None = None) -> dict[str, Timeline]:
        """Each commitment's signals per month over its own span, by id: what
        `overview(timelines=False)` left out.

        Read on a connection of its own: the dashboard calls this from a background
        thread, and its queries (a few hundred milliseconds at 100,000 signals) must not
        hold the interface's connection, which every key that reads would wait for.
        """
        from tracker.review.overview import overview_timelines

        statements = self.records.statements
        own = Tracker(self.workspace, db_path=self._db_path, clock=self.clock)
        try:
            return overview_timelines(statements, own.db, now=now or self.clock())
        finally:
            own.close()

    def data_version(self) -> tuple[int, int]:
        """Changes whenever anyone commits to the database: the dashboard's cheap refresh probe."""
        from tracker.review.overview import data_version

        return data_version(self.db)

    def commitment_view(self, commitment_id: str, *, now: datetime | None = None) -> CommitmentView:
        """Everything the commitment screen shows (status, items, verdicts, history), read at once."""
        from tracker.review.overview import commitment_view

        commitment = self.records.commitment(commitment_id)
        statement = self.records.statement(commitment.statement_id)
        return commitment_view(
            self.db, statement, commitment, now=now or self.clock(), stale_after=self.stale_after
        )

    def unreviewed(
        self, commitment_ids: Sequence[str] | None = None, *, limit: int = 200
    ) -> list[dict[str, Any]]:
        """Signals waiting for review, newest first, with their article's title and URL."""
        return self.reviewer.unreviewed(commitment_ids, limit=limit)

    # -- state

    @property
    def database_target(self) -> Path | str:
        """Where the state lives: $TRACKER_DATABASE_URL, else `database:` in tracker.yaml
        (a postgresql:// URL, or a file relative to the workspace), else `.tracker/tracker.db`."""
        if self._db_path is not None:
            return self._db_path
        chosen = os.environ.get("TRACKER_DATABASE_URL") or self._config[0].database
        if not chosen:
            return self.workspace.db_path
        if "://" in chosen:
            return chosen
        path = Path(chosen).expanduser()
        return path if path.is_absolute() else self.workspace.root / path

    @property
    def database_name(self) -> str:
        """The database as messages may show it: a path, or a URL without its password."""
        from tracker.storage.db import display_name

        return display_name(self.database_target)

    @property
    def db(self) -> Database:
        if self._db is None:
            self._db = open_database(self.database_target)
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    # -- the database itself (`tracker db`)

    def database_info(self) -> DatabaseInfo:
        """Backend, name, schema version and rows per table, without migrating anything."""
        from tracker.storage.copying import row_counts
        from tracker.storage.schema import MIGRATIONS

        db = self._db or open_database(self.database_target, migrate=False)
        try:
            version = db.schema_version()
            rows = row_counts(db) if version else {}
            return DatabaseInfo(db.dialect, db.name, version, len(MIGRATIONS), rows)
        finally:
            if db is not self._db:
                db.close()

    def upgrade_database(self) -> tuple[int, int]:
        """Bring the database to this program's schema; (version before, version after)."""
        db = open_database(self.database_target, migrate=False)
        try:
            before = db.schema_version()
            return before, db.migrate()
        finally:
            db.close()

    def copy_database(self, target: Path | str, *, source: Path | str | None = None) -> list[TableCopy]:
        """Copy this workspace's whole state (or `source`'s) into the empty database at `target`,
        ids preserved, each table verified by row count and checksum."""
        from tracker.storage.copying import copy_database
        from tracker.storage.db import is_database_url

        origin = source if source is not None else self.database_target

        def same(one: Path | str, other: Path | str) -> bool:
            if is_database_url(one) or is_database_url(other):
                return str(one) == str(other)
            return Path(one).expanduser().resolve() == Path(other).expanduser().resolve()

        if same(origin, target):
            raise UsageError("--to: the target is the source itself")
        src = open_database(origin)
        try:
            dest = open_database(target)
            try:
                return copy_database(src, dest)
            finally:
                dest.close()
        finally:
            src.close()


# -- functions of the faces that need no workspace


def search_fold(text: str) -> str:
    """The form in which the dashboard compares a search with the records: the rules' own
    normal form (NFKC, case folded in every script, ё as е, traditional Chinese as
    simplified, dashes as spaces), so `/` finds what a rule term would."""
    from tracker.rules.textprep import normalise

    return normalise(text)


def draft_record(
    path: Path, *, statement_id: str | None = None, term_sets: Sequence[str] = ()
) -> tuple[str, int, str]:
    """`tracker extract`: a draft record of a statement's text or HTML file, as YAML.

    Returns the record's YAML, how many commitments it drafted, and a drafted rules
    file (YAML) from the record's keywords, gated by the workspace's `term_sets`
    (`$china`, `$russia`) when it has them. The extract package loads only here.
    """
    from tracker.extract import draft_rules, extract_statement, read_document, render_yaml

    record = extract_statement(read_document(path), statement_id=statement_id, source_name=path.name)
    rules = draft_rules(record, term_sets)
    return render_yaml(record), len(record.get("commitments", [])), render_yaml(rules)


def init_workspace(target: Path) -> Workspace:
    """Create a new empty workspace with commented examples (`tracker init`); refuse to overwrite."""
    from tracker.records.workspace import init_workspace as init

    return init(target)


# What the watcher needs of the layers below, loaded on first use (PEP 562) so that
# `tracker --help` does not pay for aiohttp, APScheduler's settings or the hook runner.
_LAZY = {
    "FetchSettings": "tracker.feeds.fetching",
    "PageSettings": "tracker.feeds.pages",
    "PollSettings": "tracker.feeds.pipeline",
    "DEFAULT_POLICY": "tracker.feeds.polling",
    "Config": "tracker.records.config",
    "ReportSpec": "tracker.records.config",
    "load_config": "tracker.records.config",
    "WatchLock": "tracker.records.lock",
    "Matcher": "tracker.rules",
    "MatchSummary": "tracker.rules.matching",
    "Digest": "tracker.review.alerts",
    "digest_payload": "tracker.review.alerts",
    "signal_payload": "tracker.review.alerts",
    "run_hook": "tracker.review.alerts",
    "HookResult": "tracker.review.alerts",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'tracker.core' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


def _consequences(
    statement_problems: Sequence[Problem], rule_problems: Sequence[Problem], commitments_dir: Path
) -> list[Problem]:
    """Rule problems that only say a target is unknown because its statement file is broken.

    A statement file that does not load takes its commitments with it, and every rule
    pointing at them then reports an unknown commitment: eleven lines for one typo.
    The statement id of a file is its name (docs/records.md), which is how they are
    traced back to the one root cause.
    """
    broken = {p.file.stem for p in statement_problems if p.file.parent.resolve() == commitments_dir.resolve()}
    if not broken:
        return []
    unknown = re.compile(r"^unknown (?:commitment|statement) '([a-z0-9][a-z0-9-]*)(?:/[^']*)?'$")
    return [p for p in rule_problems if (m := unknown.match(p.message)) and m.group(1) in broken]


def load_record_set(
    commitments_dir: Path, feeds_dir: Path, rules_dir: Path
) -> tuple[list[Statement], list[Feed], Matcher, list[Problem]]:
    """Every record of three folders, and every problem, in file order (the watcher's reload).

    The watcher loads from its own mirror of the folders (so a half-written file is never
    read), which is why the folders are arguments rather than the workspace's.
    """
    from tracker.records.feedlist import load_feeds
    from tracker.rules import compile_rules, load_rules

    statements, statement_problems = load_statements(commitments_dir)
    feeds, feed_problems = load_feeds(feeds_dir)
    rules, rule_problems = load_rules(rules_dir, statements)
    problems = sorted(
        [*statement_problems, *rule_problems, *feed_problems], key=lambda p: (str(p.file), p.line or 0)
    )
    return statements, feeds, compile_rules(rules, statements), problems
