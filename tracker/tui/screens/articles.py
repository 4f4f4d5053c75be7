"""Articles: the newest ones, full-text search, and the unmatched ones the rules miss.

"Unmatched" is the analyst's tool for improving the rules: articles that no rule
linked to any commitment. From any article, `l` links it to a commitment by hand
(it becomes evidence of that commitment). `m` marks an article read (or unread
again) and `f` shows only the unread, so a backlog of hundreds can be worked through;
the read state is kept in the database, for every face and every session.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import DataTable, Header, Input, Static

from tracker.errors import TrackerError
from tracker.tui.layout import set_width_class
from tracker.tui.screens.link import LinkForm, LinkScreen
from tracker.tui.widgets.columns import set_columns
from tracker.tui.widgets.keybar import KeyBar
from tracker.tui.widgets.safe import clean, safe_content, safe_text, shorten
from tracker.tui.widgets.table import FixedTable
from tracker.types import ArticleRow

if TYPE_CHECKING:
    from tracker.tui.host import DashboardHost

#: Articles listed at once; search narrows further.
LIMIT = 300
#: (key, label, width); 0 is the flexible title. Feed and Linked are sized to their content.
COLUMNS = (
    ("read", " ", 1),
    ("published", "Published", 10),
    ("title", "Title", 0),
    ("feed", "Feed", 0),
    ("links", "Linked", 0),
)
#: The widest the content-sized columns get (the title keeps the rest).
MAX_FEED = 22
MAX_LINKS = 30
UNREAD_MARK = "●"
VIEWS = {
    "recent": "Recent articles",
    "unmatched": "Unmatched articles (no rule linked them)",
    "search": "Search",
}


def _feeds_text(row: ArticleRow, titles: dict[str, str]) -> str:
    """The feeds an article came from, by their titles (names mean little to a reader)."""
    return ", ".join(titles.get(name, name) for name in row.feeds)


def preview(row: ArticleRow, titles: dict[str, str] | None = None) -> Content:
    """Title, where it came from, what it is linked to, and the summary, all as plain text."""
    a = row.article
    titles = titles or {}
    published = a.published.strftime("%Y-%m-%d %H:%M") if a.published else "no date"
    lines = [
        safe_content(a.title, "bold"),
        Content.assemble(
            f"{published}  ·  ",
            safe_content(_feeds_text(row, titles) or "no feed"),
            "  ·  read" if row.read else "  ·  unread (m marks it read)",
            "  ·  ",
            safe_content(a.url or "no link", "underline" if a.url else "$text-muted"),
        ),
        Content.assemble(
            ("Linked to ", "bold $text-muted"),
            safe_content(", ".join(row.links))
            if row.links
            else Content.styled("nothing (l links it by hand)", "$text-muted"),
        ),
        Content(""),
        safe_content(a.summary or a.content[:1000] or "(no summary)", multiline=True),
    ]
    return Content("\n").join(lines)


class ArticlesScreen(Screen[None]):
    """Recent articles by default; / searches, u toggles unmatched, l links, o opens."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "search", "Search", key_display="/"),
        Binding("u", "toggle_unmatched", "Unmatched"),
        Binding("m", "toggle_read", "Read/unread"),
        Binding("f", "toggle_unread_only", "Unread only"),
        Binding("l", "link", "Link to commitment"),
        Binding("o", "open_link", "Open"),
        Binding("escape", "leave_search", "Back to table", show=False),
    ]

    view: reactive[str] = reactive("recent", init=False)

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[ArticleRow] = []
        self._width = 0
        self._layout: tuple[int, int, int] | None = None
        self.unread_only = False

    @property
    def tracker_app(self) -> DashboardHost:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        set_width_class(self)
        yield Header()
        yield Input(
            placeholder='Full-text search: words, "a phrase", prefix*  (Enter)',
            id="article-search",
            compact=True,
        )
        yield FixedTable(id="articles", cursor_type="row", zebra_stripes=True)
        with VerticalScroll(id="article-preview-box"):
            yield Static(id="article-preview")
        yield KeyBar()

    def on_mount(self) -> None:
        self.reload()
        self.watch(self.app, "data_version", self._data_changed, init=False)
        self.query_one("#articles", DataTable).focus()

    def on_resize(self) -> None:
        if self.app.size.width != self._width:
            self.reload()

    def _lay_out(self, rows: list[ArticleRow], titles: dict[str, str]) -> None:
        """Columns for this width and these rows: Feed and Linked as wide as their content."""
        feed = min(MAX_FEED, max((len(_feeds_text(r, titles)) for r in rows), default=4))
        links = min(MAX_LINKS, max((len(", ".join(r.links)) for r in rows), default=1))
        layout = (self.app.size.width, max(4, feed), max(6, links))
        if layout == self._layout:
            return
        self._layout = layout
        self._width = layout[0]
        sizes = {"feed": layout[1], "links": layout[2]}
        set_columns(
            self.query_one("#articles", DataTable),
            layout[0],
            [(key, label, sizes.get(key, width)) for key, label, width in COLUMNS],
        )

    def _data_changed(self) -> None:
        if self.view != "search":
            self.reload()

    # -- data

    def _articles(self) -> list[Any]:
        tracker = self.tracker_app.tracker
        unread = self.unread_only
        if self.view == "unmatched":
            return tracker.unmatched_articles(limit=LIMIT, unread=unread)
        query = self.query_one("#article-search", Input).value.strip()
        if self.view == "search" and query:
            return tracker.find_articles(search=query, limit=LIMIT, unread=unread)
        return tracker.find_articles(limit=LIMIT, unread=unread)

    def _feed_titles(self) -> dict[str, str]:
        """Feed name → its title from feeds/*.yaml (the name when it has none)."""
        return {f.name: f.title or f.name for f in self.tracker_app.tracker.feeds()}

    def reload(self) -> None:
        try:
            self.rows = self.tracker_app.tracker.article_rows(self._articles())
        except ValueError as exc:  # a search with no word to look for
            self.notify(str(exc), title="Search", severity="warning")
            return
        except TrackerError as exc:
            self.notify(str(exc), title="Could not read the articles", severity="error")
            return
        titles = self._feed_titles()
        self._lay_out(self.rows, titles)
        table = self.query_one("#articles", FixedTable)
        widths = {str(k.value): c.width for k, c in table.columns.items()}
        keep = table.cursor_key()
        table.clear()
        for row in self.rows:
            a = row.article
            table.add_row(
                Text(" " if row.read else UNREAD_MARK, "bold"),
                Text(a.published.date().isoformat() if a.published else "–"),
                safe_text(shorten(a.title, 200), "" if row.read else "bold"),
                safe_text(shorten(_feeds_text(row, titles), widths["feed"])),
                safe_text(shorten(", ".join(row.links), widths["links"])) if row.links else Text("–"),
                key=str(a.id),
            )
        table.move_to_key(keep)
        unread = sum(1 for r in self.rows if not r.read)
        only = " (unread only)" if self.unread_only else f" · {unread} unread"
        table.border_title = f"{VIEWS[self.view]} · {len(self.rows)}{only}"
        self._show_preview()

    def current_row(self) -> ArticleRow | None:
        key = self.query_one("#articles", FixedTable).cursor_key()
        return next((r for r in self.rows if str(r.article.id) == key), None)

    @on(DataTable.RowHighlighted, "#articles")
    def _show_preview(self) -> None:
        row = self.current_row()
        text = (
            preview(row, self._feed_titles())
            if row
            else Content.styled("No articles here yet.", "$text-muted")
        )
        self.query_one("#article-preview", Static).update(text)

    # -- search and views

    @on(Input.Submitted, "#article-search")
    def _search(self) -> None:
        self.view = "search"
        self.reload()
        self.query_one("#articles", DataTable).focus()

    def action_search(self) -> None:
        self.query_one("#article-search", Input).focus()

    def action_leave_search(self) -> None:
        search = self.query_one("#article-search", Input)
        if search.value:
            search.value = ""
            self.view = "recent"
            self.reload()
        self.query_one("#articles", DataTable).focus()

    def action_toggle_unmatched(self) -> None:
        self.view = "recent" if self.view == "unmatched" else "unmatched"
        self.reload()

    def action_toggle_unread_only(self) -> None:
        self.unread_only = not self.unread_only
        self.reload()
        self.notify("Unread articles only" if self.unread_only else "Read and unread articles", timeout=2)

    def action_toggle_read(self) -> None:
        """Mark the highlighted article read (or unread again) and move to the next one."""
        row = self.current_row()
        if row is None:
            return
        try:
            self.tracker_app.tracker.mark_read([row.article.id], read=not row.read)
        except TrackerError as exc:
            self.notify(str(exc), title="Could not mark the article", severity="error")
            return
        table = self.query_one("#articles", FixedTable)
        here = table.cursor_row
        self.reload()
        if not row.read and table.cursor_key() == str(row.article.id) and here + 1 < table.row_count:
            table.move_cursor(row=here + 1, animate=False)  # read: on to the next, as in a mail client
        self.tracker_app.data_changed()

    # -- actions on the highlighted article

    def action_open_link(self) -> None:
        row = self.current_row()
        url = row.article.url if row else None
        if not url:
            self.notify("This article has no link", timeout=2)
            return
        self.tracker_app.open_link(url)

    def action_link(self) -> None:
        row = self.current_row()
        if row is None:
            return
        records = self.tracker_app.tracker.records
        choices = [(c.id, c.summary) for s in records.statements for c in s.commitments]

        def save(form: LinkForm | None) -> None:
            if form is None:
                return
            article = row.article
            try:
                self.tracker_app.tracker.add_evidence(
                    form.commitment_id,
                    title=article.title,
                    url=article.url,
                    publisher=", ".join(row.feeds) or None,
                    date=article.published.date() if article.published else None,
                    **form.as_kwargs(),
                )
            except TrackerError as exc:
                self.notify(str(exc), title="Could not link the article", severity="error")
                return
            self.notify(f"Linked to {clean(form.commitment_id)} as evidence", timeout=3)
            self.tracker_app.data_changed()

        self.app.push_screen(LinkScreen(row.article.title, choices), save)
