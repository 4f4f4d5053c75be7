"""Articles: the newest ones, full-text search, and the unmatched ones the rules miss.

"Unmatched" is the analyst's tool for improving the rules: articles that no rule
linked to any commitment. From any article, `l` links it to a commitment by hand
(it becomes evidence of that commitment).
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
COLUMNS = (
    ("published", "Published", 10),
    ("title", "Title", 0),
    ("feed", "Feed", 12),
    ("links", "Linked", 14),
)
VIEWS = {
    "recent": "Recent articles",
    "unmatched": "Unmatched articles (no rule linked them)",
    "search": "Search",
}


def preview(row: ArticleRow) -> Content:
    """Title, where it came from, what it is linked to, and the summary, all as plain text."""
    a = row.article
    published = a.published.strftime("%Y-%m-%d %H:%M") if a.published else "no date"
    lines = [
        safe_content(a.title, "bold"),
        Content.assemble(
            f"{published}  ·  ",
            safe_content(", ".join(row.feeds) or "no feed"),
            "  ·  ",
            safe_content(a.url or "no link", "underline" if a.url else "dim"),
        ),
        Content.assemble(
            ("Linked to ", "bold $text-muted"),
            safe_content(", ".join(row.links))
            if row.links
            else Content.styled("nothing (l links it by hand)", "dim"),
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
        Binding("l", "link", "Link to commitment"),
        Binding("o", "open_link", "Open"),
        Binding("escape", "leave_search", "Back to table", show=False),
    ]

    view: reactive[str] = reactive("recent", init=False)

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[ArticleRow] = []
        self._width = 0

    @property
    def tracker_app(self) -> DashboardHost:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
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
        table = self.query_one("#articles", DataTable)
        set_columns(table, self.app.size.width, COLUMNS)
        self._width = self.app.size.width
        self.reload()
        self.watch(self.app, "data_version", self._data_changed, init=False)
        table.focus()

    def on_resize(self) -> None:
        if self.app.size.width != self._width:
            self._width = self.app.size.width
            set_columns(self.query_one("#articles", DataTable), self._width, COLUMNS)
            self.reload()

    def _data_changed(self) -> None:
        if self.view != "search":
            self.reload()

    # -- data

    def _articles(self) -> list[Any]:
        tracker = self.tracker_app.tracker
        if self.view == "unmatched":
            return tracker.unmatched_articles(limit=LIMIT)
        query = self.query_one("#article-search", Input).value.strip()
        if self.view == "search" and query:
            return tracker.find_articles(search=query, limit=LIMIT)
        return tracker.find_articles(limit=LIMIT)

    def reload(self) -> None:
        try:
            self.rows = self.tracker_app.tracker.article_rows(self._articles())
        except ValueError as exc:  # a search with no word to look for
            self.notify(str(exc), title="Search", severity="warning")
            return
        except TrackerError as exc:
            self.notify(str(exc), title="Could not read the articles", severity="error")
            return
        table = self.query_one("#articles", FixedTable)
        keep = table.cursor_key()
        table.clear()
        for row in self.rows:
            a = row.article
            table.add_row(
                Text(a.published.date().isoformat() if a.published else "–"),
                safe_text(shorten(a.title, 200)),
                safe_text(shorten(", ".join(row.feeds), 12)),
                safe_text(shorten(", ".join(row.links), 14)) if row.links else Text("–", "dim"),
                key=str(a.id),
            )
        table.move_to_key(keep)
        table.border_title = f"{VIEWS[self.view]} · {len(self.rows)}"
        self._show_preview()

    def current_row(self) -> ArticleRow | None:
        key = self.query_one("#articles", FixedTable).cursor_key()
        return next((r for r in self.rows if str(r.article.id) == key), None)

    @on(DataTable.RowHighlighted, "#articles")
    def _show_preview(self) -> None:
        row = self.current_row()
        text = preview(row) if row else Content.styled("No articles here yet.", "dim")
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

    # -- actions on the highlighted article

    def action_open_link(self) -> None:
        row = self.current_row()
        url = row.article.url if row else None
        if not url or not url.startswith(("http://", "https://")):
            self.notify("This article has no http(s) link", timeout=2)
            return
        self.app.open_url(url)

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
