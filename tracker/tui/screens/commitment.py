"""One commitment: its signals and evidence to review, its text, its history.

The review tab is where the analyst works: the table lists signals (unreviewed first)
and evidence, the panel below (beside it on wide terminals) says why the highlighted
signal matched, and single keys confirm, reject, set relation and strength, note,
open the article, add evidence or record an assessment. Every write is one core call;
the screen then reloads its view from the database, so what it shows is what was
stored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import ContentSwitcher, DataTable, Header, Static

from tracker.errors import TrackerError, UsageError
from tracker.tui.host import SessionReview
from tracker.tui.layout import LaidOutOnce, set_width_class
from tracker.tui.screens.assess import AssessForm, AssessScreen
from tracker.tui.screens.evidence import EvidenceForm, EvidenceScreen
from tracker.tui.screens.note import NoteScreen
from tracker.tui.screens.pick import ConfirmScreen, PickScreen
from tracker.tui.widgets.badge import StatusBadge, content_style, score_text, status_label, status_text
from tracker.tui.widgets.columns import choose, set_columns
from tracker.tui.widgets.explanation import ExplanationPanel
from tracker.tui.widgets.keybar import KeyBar
from tracker.tui.widgets.safe import clean, safe_content, safe_text, shorten
from tracker.tui.widgets.table import FixedTable, Pane
from tracker.types import NOT_STATED, RELATIONS, STRENGTHS, CommitmentView, ReviewItem, Timeline

if TYPE_CHECKING:
    from tracker.tui.host import DashboardHost

STATE_MARKS: dict[str, tuple[str, str]] = {
    "unreviewed": ("? new", "bold blue"),
    "confirmed": ("✔ confirmed", "green"),
    "rejected": ("✘ rejected", "bright_black"),
    "manual": ("✚ by hand", "cyan"),
}
RELATION_STYLES = {"supports": "green", "contradicts": "red", "context": "bright_black"}
#: (key, label, width); width 0 is the title, which takes what is left. Source, relation
#: and strength are sized to the items shown (see `CommitmentScreen._set_columns`).
ITEM_COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("state", "Review", 11),
    ("date", "Date", 10),
    ("title", "Title", 0),
    ("source", "Source", 0),
    ("score", "Score", 5),
    ("relation", "Relation", 0),
    ("strength", "Strength", 0),
)
#: The widest a source gets (the panel beside or below shows it whole).
MAX_SOURCE = 20
#: Columns are dropped (in DROPPABLE order) until the title gets this many cells.
TITLE_MIN = 30
#: Dropped in this order when the table is too narrow for all (the panel shows them all).
DROPPABLE = ("score", "strength", "source")
#: Terminals at least this wide show the explanation beside the table (see app.tcss).
WIDE_AT = 120


RELATION_MEANINGS = {
    "supports": "supports: shows the commitment being kept",
    "contradicts": "contradicts: shows it broken or reversed",
    "context": "context: relevant background, no verdict",
}


class CommitmentScreen(LaidOutOnce):
    """The commitment `commitment_id`; Esc goes back to the list."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", show=False),
        Binding("q", "back", "Back"),
        Binding("y", "confirm", "Confirm"),
        Binding("x", "reject", "Reject"),
        Binding("u", "undo", "Undo"),
        Binding("r", "relation", "Relation"),
        Binding("s", "strength", "Strength"),
        Binding("n", "note", "Note"),
        Binding("o", "open_link", "Open"),
        Binding("e", "add_evidence", "Evidence"),
        Binding("a", "assess", "Assess"),
        Binding("h", "show_tab('history')", "History"),
        Binding("t", "show_tab('text')", "Text", show=False),
        Binding("v", "show_tab('review')", "Review", show=False),
    ]
    #: Actions on the highlighted row: offered only while that row can be seen and has the focus.
    ROW_ACTIONS = frozenset({"confirm", "reject", "relation", "strength", "note", "open_link"})

    def __init__(self, commitment_id: str) -> None:
        super().__init__()
        self.commitment_id = commitment_id
        self.view: CommitmentView | None = None
        #: (table width, column widths) the columns were made for.
        self._layout: tuple[int, tuple[int, ...]] | None = None
        self._kinds_cache: dict[tuple[str, ...], dict[str, str]] = {}

    @property
    def tracker_app(self) -> DashboardHost:
        return self.app  # type: ignore[return-value]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Row keys act only on a row the analyst sees: the review tab shown, its table focused.

        Otherwise `x` on the History tab would reject the signal highlighted on the
        hidden table. Hidden actions also leave the footer, so it offers what works.
        """
        if action in self.ROW_ACTIONS:
            if not self.is_mounted or self.active_tab != "review":
                return False
            return self.focused is self.query_one("#items", DataTable)
        if action == "undo":
            return bool(self.tracker_app.session_reviews)
        return True

    def compose(self) -> ComposeResult:
        set_width_class(self)
        yield Header()
        with Vertical(id="commitment-head"):
            yield Static(id="commitment-title")
            yield StatusBadge(id="commitment-status")
            yield Static(id="commitment-timeline")
        yield Static(tab_strip("review"), id="tab-strip")
        with ContentSwitcher(initial="review", id="tabs"):
            with Horizontal(id="review"):
                yield FixedTable(id="items", cursor_type="row", zebra_stripes=True)
                yield Pane(ExplanationPanel(id="explanation"), id="explanation-box")
            with Pane(id="text"):
                yield Static(id="commitment-text")
            with Pane(id="history"):
                yield Static(id="commitment-history")
        yield KeyBar()

    def on_mount(self) -> None:
        self.reload()
        self.watch(self.app, "data_version", self.reload, init=False)
        self.query_one("#items", DataTable).focus()

    def on_resize(self) -> None:
        if self.view is not None and self._set_columns(self.view):
            self._render_items(self.view)

    def _table_width(self) -> int:
        """The table's width: all of it, or two thirds beside the panel (see app.tcss)."""
        width = self.app.size.width
        return width * 2 // 3 - 1 if width >= WIDE_AT else width

    def _set_columns(self, view: CommitmentView) -> bool:
        """Columns sized to what they hold (source by feed title, the longest relation and
        strength shown); those that do not fit are dropped, the panel shows every field.
        True if the columns changed (which empties the table)."""
        titles = self._feed_titles()
        sizes = {
            "source": min(MAX_SOURCE, max((len(source_of(i, titles)) for i in view.items), default=0)),
            "relation": max((len(i.relation) for i in view.items), default=0),
            "strength": max((len((i.strength or "–").replace("_", " ")) for i in view.items), default=0),
        }
        columns = [
            (key, label, max(len(label), sizes[key]) if key in sizes else width)
            for key, label, width in ITEM_COLUMNS
        ]
        layout = (self._table_width(), tuple(w for _, _, w in columns))
        if layout == self._layout:
            return False
        self._layout = layout
        set_columns(
            self.query_one("#items", DataTable),
            layout[0],
            choose(layout[0], columns, DROPPABLE, flexible_min=TITLE_MIN),
        )
        return True

    def _feed_titles(self) -> dict[str, str]:
        return {f.name: f.title or f.name for f in self.tracker_app.tracker.feeds()}

    # -- data

    def reload(self) -> None:
        """Read the commitment's view again and render it, keeping the cursor on its item."""
        self.view = self.tracker_app.tracker.commitment_view(self.commitment_id, now=self.tracker_app.now())
        self._set_columns(self.view)
        self._render_head(self.view)
        self._render_items(self.view)
        self._render_text(self.view)
        self._render_history(self.view)

    def _render_head(self, view: CommitmentView) -> None:
        commitment = view.commitment
        self.query_one("#commitment-title", Static).update(
            Content.assemble(
                safe_content(commitment.id, "bold $accent"),
                "  ",
                safe_content(commitment.summary, "bold"),
            )
        )
        badge = self.query_one(StatusBadge)
        badge.status, badge.origin = view.status.status, view.status.origin
        badge.since = view.status.since.date().isoformat() if view.status.since else ""
        badge.tooltip = clean(view.status.reason)
        self.sub_title = f"{view.unreviewed} to review · {view.evidence} evidence"
        self.query_one("#commitment-timeline", Static).update(
            timeline_line(view, max(12, self.app.size.width - 50))
        )

    def _render_items(self, view: CommitmentView) -> None:
        table = self.query_one("#items", FixedTable)
        keep = table.cursor_key()
        table.clear()
        keys = [str(key.value) for key in table.columns]
        titles = self._feed_titles()
        rows = []
        for item in view.items:
            cells = item_cells(item, titles)
            rows.append((item.key, [cells[key] for key in keys]))
        table.add_keyed_rows(rows)
        table.move_to_key(keep)
        self._show_explanation()

    def _render_text(self, view: CommitmentView) -> None:
        self.query_one("#commitment-text", Static).update(text_content(view))

    def _render_history(self, view: CommitmentView) -> None:
        self.query_one("#commitment-history", Static).update(history_content(view, self.app.size.width))

    # -- the highlighted item

    def current_item(self) -> ReviewItem | None:
        key = self.query_one("#items", FixedTable).cursor_key()
        if self.view is None or key is None:
            return None
        return next((i for i in self.view.items if i.key == key), None)

    @on(DataTable.RowHighlighted, "#items")
    def _show_explanation(self) -> None:
        """The panel for the highlighted item; laid out again only when what it shows changed.

        The table highlights its first row when filled (a message, handled after the
        screen's first layout), and the panel already shows that row: refreshing it
        anyway cost the newly opened screen a second layout and paint.
        """
        panel = self.query_one(ExplanationPanel)
        item = self.current_item()
        kinds = self._kinds(item.signal.rule_ids) if item and item.signal else {}
        titles = self._feed_titles()
        if (item, kinds, titles) == (panel.item, panel.kinds, panel.titles):
            return
        panel.kinds, panel.titles = kinds, titles
        panel.item = item
        panel.refresh(layout=True)

    def _kinds(self, rule_ids: tuple[str, ...]) -> dict[str, str]:
        """What each term of these rules did for a link (cached: the rules load once)."""
        known = self._kinds_cache.get(rule_ids)
        if known is None:
            parties = self.view.commitment.parties if self.view else ()
            try:
                known = self.tracker_app.tracker.term_kinds(rule_ids, parties)
            except TrackerError:
                known = {}
            self._kinds_cache[rule_ids] = known
        return known

    # -- writes: one core call each, then reload

    def _write(self, what: str, call: Any, *args: Any, **kwargs: Any) -> bool:
        """Run one core write; a refused write becomes a notification, not a crash."""
        try:
            call(*args, **kwargs)
        except TrackerError as exc:
            self.notify(str(exc), title=f"Could not {what}", severity="error")
            return False
        self.tracker_app.data_changed()
        return True

    def _signal_item(self, what: str) -> ReviewItem | None:
        item = self.current_item()
        if item is None:
            self.notify("Nothing selected", timeout=2)
            return None
        if item.signal is None and what in ("confirm", "reject"):
            self.notify("Evidence added by hand has nothing to confirm or reject", timeout=3)
            return None
        return item

    def action_confirm(self) -> None:
        item = self._signal_item("confirm")
        if item is None or item.signal is None:
            return
        if item.state == "confirmed":
            self.notify("Already confirmed", timeout=2)
            return
        before = item.signal.review
        if self._write("confirm", self.tracker_app.tracker.confirm_signal, item.signal.id):
            self._remember(item, "confirmed", before)
            self.notify(f"Confirmed as {item.relation} evidence (u undoes)", timeout=2)
            self._move_to_next_unreviewed()

    def action_reject(self) -> None:
        """Ask first: a rejected signal stays rejected when its article matches again."""
        item = self._signal_item("reject")
        if item is None or item.signal is None:
            return
        if item.state == "rejected":
            self.notify("Already rejected", timeout=2)
            return
        signal_id, before = item.signal.id, item.signal.review

        def answered(yes: bool | None) -> None:
            if yes and self._write("reject", self.tracker_app.tracker.reject_signal, signal_id):
                self._remember(item, "rejected", before)
                self.notify("Rejected; it stays rejected if the same article matches again (u undoes)")
                self._move_to_next_unreviewed()

        detail = Content.assemble(
            safe_content(shorten(item.title, 200), "bold"),
            "\n\nIt stays rejected when the article matches again; u undoes it in this session.",
        )
        self.app.push_screen(ConfirmScreen("Reject this signal?", detail, yes="Reject"), answered)

    def _remember(self, item: ReviewItem, made: str, before: str | None) -> None:
        assert item.signal is not None
        self.tracker_app.session_reviews.append(
            SessionReview(item.signal.id, self.commitment_id, made, before)
        )
        self.refresh_bindings()

    def action_undo(self) -> None:
        """Undo the last confirm or reject of this session, as a new review in the log."""
        reviews = self.tracker_app.session_reviews
        if not reviews:
            self.notify("Nothing to undo in this session", timeout=2)
            return
        last = reviews[-1]
        try:
            self.tracker_app.tracker.undo_review(last.signal_id, expected=last.made, restore=last.before)
        except UsageError as exc:  # reviewed again since: that newer decision stands
            reviews.pop()
            self.notify(str(exc), title="Nothing undone", severity="warning")
        except TrackerError as exc:  # e.g. the database is busy: keep it, u can try again
            self.notify(str(exc), title="Could not undo", severity="error")
        else:
            reviews.pop()
            self.tracker_app.data_changed()
            where = "" if last.commitment_id == self.commitment_id else f" on {clean(last.commitment_id)}"
            self.notify(
                f"Undone: signal {last.signal_id}{where} is {last.before or 'waiting for review'} again",
                timeout=3,
            )
            self.query_one("#items", FixedTable).move_to_key(f"signal:{last.signal_id}")
        self.refresh_bindings()

    def _amend(self, item: ReviewItem, what: str, **changes: str) -> bool:
        """Change relation, strength or note of a signal (and its evidence) or of hand-added evidence."""
        tracker = self.tracker_app.tracker
        if item.signal is not None:
            return self._write(what, tracker.amend_signal, item.signal.id, **changes)
        assert item.evidence is not None
        return self._write(what, tracker.amend_evidence, item.evidence.id, **changes)

    def action_relation(self) -> None:
        item = self._signal_item("relation")
        if item is None:
            return
        choices = [(r, RELATION_MEANINGS.get(r, r)) for r in RELATIONS]

        def chosen(value: str | None) -> None:
            if value is not None and value != item.relation:
                self._amend(item, "set the relation", relation=value)

        self.app.push_screen(PickScreen("Relation", item.title, choices, item.relation), chosen)

    def action_strength(self) -> None:
        item = self._signal_item("strength")
        if item is None:
            return
        choices = [(s, s.replace("_", " ")) for s in STRENGTHS]

        def chosen(value: str | None) -> None:
            if value is not None and value != item.strength:
                self._amend(item, "set the strength", strength=value)

        self.app.push_screen(
            PickScreen("Strength (weakest first)", item.title, choices, item.strength), chosen
        )

    def action_note(self) -> None:
        item = self._signal_item("note")
        if item is None:
            return

        def save(note: str | None) -> None:
            if note is not None:
                self._amend(item, "save the note", note=note)

        self.app.push_screen(NoteScreen(item.title, item.note or ""), save)

    def action_open_link(self) -> None:
        item = self.current_item()
        if item is None or not item.url:
            self.notify("This item has no link", timeout=2)
            return
        self.tracker_app.open_link(item.url)

    def action_add_evidence(self) -> None:
        def save(form: EvidenceForm | None) -> None:
            if form is not None and self._write(
                "add the evidence",
                self.tracker_app.tracker.add_evidence,
                self.commitment_id,
                **form.as_kwargs(),
            ):
                self.notify("Evidence added", timeout=2)

        self.app.push_screen(EvidenceScreen(self.commitment_id), save)

    def action_assess(self) -> None:
        if self.view is None:
            return
        evidence = [(i.evidence.id, i.title) for i in self.view.items if i.evidence is not None]

        def save(form: AssessForm | None) -> None:
            if form is not None and self._write(
                "record the assessment",
                self.tracker_app.tracker.assess,
                self.commitment_id,
                **form.as_kwargs(),
            ):
                self.notify(f"Assessment recorded: {status_label(form.status)}", timeout=2)

        self.app.push_screen(AssessScreen(self.commitment_id, evidence), save)

    def action_show_tab(self, tab: str) -> None:
        """Show one of the three parts; the focus goes into it so keys scroll it."""
        if tab not in TABS:
            return
        self.query_one(ContentSwitcher).current = tab
        self.query_one("#tab-strip", Static).update(tab_strip(tab))
        self.query_one("#items" if tab == "review" else f"#{tab}").focus()
        self.refresh_bindings()

    @property
    def active_tab(self) -> str:
        return self.query_one(ContentSwitcher).current or "review"

    def action_back(self) -> None:
        self.app.pop_screen()

    def _move_to_next_unreviewed(self) -> None:
        """After a review, the cursor goes to the next signal waiting, as in a mail client."""
        table = self.query_one("#items", DataTable)
        if self.view is None:
            return
        for index, item in enumerate(self.view.items):
            if item.state == "unreviewed":
                table.move_cursor(row=index, animate=False)
                return


#: The three parts of the screen: (id, label, key). A ContentSwitcher and a one-line
#: strip of clickable labels, rather than TabbedContent, which costs several extra
#: layout passes (hundreds of milliseconds with a large table) when the screen opens.
TABS: dict[str, tuple[str, str]] = {
    "review": ("Signals & evidence", "v"),
    "text": ("Text & details", "t"),
    "history": ("History & timeline", "h"),
}


def tab_strip(active: str) -> Content:
    """The tab labels, the active one highlighted; each is a link that switches to it."""
    parts = []
    for tab, (label, key) in TABS.items():
        style = "bold reverse $accent" if tab == active else "$text-muted"
        parts.append(Content.styled(f" {label} ({key}) ", f"{style} @click=screen.show_tab('{tab}')"))
    return Content(" ").join(parts)


def source_of(item: ReviewItem, titles: dict[str, str]) -> str:
    """Where an item came from: its feeds by title (the stored names mean little), else the publisher."""
    names = [n.strip() for n in item.source.split(",") if n.strip()]
    return ", ".join(titles.get(n, n) for n in names)


def item_cells(item: ReviewItem, titles: dict[str, str] | None = None) -> dict[str, Text]:
    """Every cell an item can show, by column key; the screen picks the columns that fit."""
    mark, style = STATE_MARKS.get(item.state, (item.state, ""))
    return {
        "state": Text(mark, style),
        "date": Text(item.day.isoformat() if item.day else "–"),
        # "archived <date>" (and "source gone since <date>") beside evidence whose page is archived
        "title": safe_text(
            shorten(item.title, 300) + (f"  [{item.archive_mark}]" if item.archive_mark else "")
        ),
        "source": safe_text(shorten(source_of(item, titles or {}), MAX_SOURCE)),
        "score": score_text(None) if item.score is None else Text(f"{item.score:g}", justify="right"),
        "relation": Text(item.relation, RELATION_STYLES.get(item.relation, "")),
        "strength": Text((item.strength or "–").replace("_", " "), "" if item.strength else "bright_black"),
    }


def _meta_line(label: str, value: object) -> Content:
    return Content.assemble((f"{label:<14}", "bold $text-muted"), safe_content(value))


def text_content(view: CommitmentView) -> Content:
    """Verbatim text in every language, variants, then the metadata an analyst checks."""
    c, s = view.commitment, view.statement
    lines: list[Content] = [
        Content.assemble(("Statement     ", "bold $text-muted"), safe_content(s.display_title(), "bold")),
        _meta_line(
            "", f"{s.id} · {s.kind.replace('_', ' ')} · {s.date or NOT_STATED} · {s.place or NOT_STATED}"
        ),
        Content(""),
    ]
    for lang, text in c.text.items():
        lines.append(Content.styled(f"{lang}  (label {clean(c.label)})", "bold $accent"))
        lines.append(safe_content(text, multiline=True))
        lines.append(Content(""))
    for variant in c.variants:
        lines.append(
            Content.assemble((f"{variant.lang}  variant from ", "bold $accent"), safe_content(variant.source))
        )
        lines.append(safe_content(variant.text, multiline=True))
        lines.append(Content(""))
    window = NOT_STATED
    if c.window is not None:
        window = f"{c.window.start or '…'} → {c.window.end or 'open'}"
    lines += [
        _meta_line("Type", c.type),
        _meta_line("Parties", ", ".join(c.parties)),
        _meta_line("Responsible", ", ".join(c.responsible) if c.responsible is not None else NOT_STATED),
        _meta_line("Deadline", c.deadline.isoformat() if c.deadline else NOT_STATED),
        _meta_line("Window", window),
        _meta_line("Verifiable", f"{'yes' if c.verifiable.value else 'no'}: {c.verifiable.reason}"),
        _meta_line("Tags", ", ".join(c.tags)),
    ]
    return Content("\n").join(lines)


def timeline_line(view: CommitmentView, cells: int) -> Content:
    """One line under the status: signals over the commitment's span, dated at both ends."""
    timeline = view.timeline
    if timeline is None:
        return Content("")
    return Content.assemble(
        ("Signals ", "bold $text-muted"),
        f"{timeline.first} ",
        (timeline.bars(timeline.signals, cells), "ansi_cyan"),
        f" {timeline.last}",
        (
            f"  ·  {sum(timeline.signals)} signal(s), {sum(timeline.evidence)} evidence  (h: timeline)",
            "$text-muted",
        ),
    )


def timeline_chart(timeline: Timeline, cells: int) -> list[Content]:
    """Signals (bars) and evidence (dots) per period, aligned, with the dates of the span."""
    size = timeline.months_per_cell(cells)
    ranges = timeline.ranges(cells)
    gap = " " * max(1, len(ranges) - len(timeline.first) - len(timeline.last))
    axis = f"{timeline.first}{gap}{timeline.last}"
    return [
        Content.assemble(
            ("  signals   ", "bold"),
            (timeline.bars(timeline.signals, cells), "ansi_cyan"),
            f"  {sum(timeline.signals)}",
        ),
        Content.assemble(
            ("  evidence  ", "bold"),
            (timeline.marks(timeline.evidence, cells), "ansi_green"),
            f"  {sum(timeline.evidence)}",
        ),
        Content.assemble("            ", axis),
        Content.styled(f"            one mark = {size} month{'s' if size > 1 else ''}", "$text-muted"),
    ]


def timeline_events(view: CommitmentView) -> list[tuple[str, Content]]:
    """The dated events of the commitment, oldest first: the statement, its window and
    deadline, each piece of evidence, each verdict."""
    c, s = view.commitment, view.statement
    events: list[tuple[str, Content]] = []
    if s.date:
        events.append((s.date.isoformat(), Content.assemble("statement ", safe_content(s.id, "bold"))))
    if c.window is not None and c.window.start:
        events.append((c.window.start.isoformat(), Content("window opens")))
    if c.window is not None and c.window.end:
        events.append((c.window.end.isoformat(), Content("window closes")))
    if c.deadline:
        events.append((c.deadline.isoformat(), Content.styled("deadline", "bold")))
    for item in view.items:
        if item.evidence is None:
            continue
        day = item.evidence.date or item.evidence.added.date()
        events.append(
            (
                day.isoformat(),
                Content.assemble(
                    (
                        f"evidence ({item.evidence.relation}) ",
                        content_style(RELATION_STYLES.get(item.evidence.relation, "")),
                    ),
                    safe_content(shorten(item.title, 90)),
                ),
            )
        )
    for a in view.assessments:
        events.append(
            (
                a.created.date().isoformat(),
                Content.assemble(
                    "verdict ",
                    Content.from_rich_text(status_text(a.status, "analyst")),
                    safe_content(f" ({a.party})"),
                ),
            )
        )
    return sorted(events, key=lambda e: e[0])


def history_content(view: CommitmentView, width: int = 80) -> Content:
    """The timeline (chart and dated events), assessments (newest is current) and every
    status change, newest first."""
    lines: list[Content] = []
    if view.timeline is not None:
        lines.append(Content.styled("Timeline: from the statement to today", "bold $accent"))
        lines += timeline_chart(view.timeline, max(12, min(96, width - 20)))
        lines.append(Content(""))
        for day, what in timeline_events(view):
            lines.append(Content.assemble(f"  {day}  ", what))
        lines.append(Content(""))
    lines.append(Content.styled("Assessments", "bold $accent"))
    if not view.assessments:
        lines.append(Content.styled("  none yet: a records one", "$text-muted"))
    for a in view.assessments:
        lines.append(
            Content.assemble(
                f"  {a.created:%Y-%m-%d}  ",
                Content.from_rich_text(status_text(a.status, "analyst")),
                safe_content(f"  {a.party} · confidence {a.confidence or '–'} · by {a.assessor or '–'}"),
                f" · evidence {', '.join(map(str, a.evidence_ids)) or '–'}",
            )
        )
        lines.append(Content.assemble("    ", safe_content(a.rationale, "italic", multiline=True)))
    lines += [Content(""), Content.styled("Status history", "bold $accent")]
    if not view.history:
        lines.append(Content.styled("  no change recorded yet", "$text-muted"))
    for h in view.history:
        lines.append(
            Content.assemble(
                f"  {h.at:%Y-%m-%d %H:%M}  ",
                Content.from_rich_text(status_text(h.status, h.origin)),
                safe_content(f"  {h.reason}", "$text-muted"),
            )
        )
    return Content("\n").join(lines)
