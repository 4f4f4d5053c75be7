"""The command palette's own commands: open any commitment by id or words, go to a screen.

Textual's system commands (theme, quit, keys, screenshot) stay; this provider adds the
domain: typing "media" offers every commitment whose id or summary mentions media.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Matcher, Provider
from textual.content import Content

from tracker.tui.search import SearchEntry, build_index
from tracker.tui.widgets.safe import clean

if TYPE_CHECKING:
    from tracker.tui.host import DashboardHost

_SCREENS = (
    ("Go to commitments", "commitments", "Every commitment, its status and score"),
    ("Go to feeds", "feeds", "Health of every feed; refresh now"),
    ("Go to articles", "articles", "Recent articles, search, unmatched articles"),
)


class TrackerCommands(Provider):
    """Screens and commitments, searchable by fuzzy match and in every language of the records."""

    _index: dict[str, SearchEntry] | None = None

    @property
    def tracker_app(self) -> DashboardHost:
        return self.app  # type: ignore[return-value]

    def _commitments(self) -> list[tuple[str, str]]:
        records = self.tracker_app.tracker.records
        return [(c.id, clean(c.summary)) for s in records.statements for c in s.commitments]

    async def discover(self) -> Hits:
        for title, mode, help_text in _SCREENS:
            yield DiscoveryHit(title, partial(self.app.switch_mode, mode), help=help_text)

    async def search(self, query: str) -> Hits:
        """Fuzzy on "Open id: summary"; else any language of the commitment, or its rules' terms."""
        matcher = self.matcher(query)
        if self._index is None:
            self._index = build_index(self.tracker_app.tracker)
        for title, mode, help_text in _SCREENS:
            if (score := matcher.match(title)) > 0:
                yield Hit(
                    score, matcher.highlight(title), partial(self.app.switch_mode, mode), help=help_text
                )
        for commitment_id, summary in self._commitments():
            label = f"Open {commitment_id}: {summary}"
            help_text = "Show the commitment, its signals and evidence"
            entry = self._index.get(commitment_id)
            score = matcher.match(label)
            if score <= 0 and entry is not None and query.strip() and entry.matches(query):
                score, help_text = 0.5, clean(entry.snippet(query))
            if score > 0:
                yield Hit(
                    score,
                    _highlight(matcher, label),
                    partial(self.tracker_app.open_commitment, commitment_id),
                    text=label,
                    help=help_text,
                )


def _highlight(matcher: Matcher, candidate: str) -> Content:
    """Like `Matcher.highlight`, but the candidate is plain text, never markup.

    `Matcher.highlight` parses its candidate as Textual markup; commitment summaries
    come from YAML files and must be shown as written.
    """
    content = Content(candidate)
    score, offsets = matcher.fuzzy_search.match(matcher.query, candidate)
    if not score:
        return content
    for offset in offsets:
        if not candidate[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content
