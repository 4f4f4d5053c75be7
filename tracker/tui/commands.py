"""The command palette's own commands: open any commitment by id or words, go to a screen.

Textual's system commands (theme, quit, keys, screenshot) stay; this provider adds the
domain: typing "media" offers every commitment whose id or summary mentions media.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Matcher, Provider
from textual.content import Content

from tracker.tui.widgets.safe import clean

if TYPE_CHECKING:
    from tracker.tui.host import DashboardHost

_SCREENS = (
    ("Go to commitments", "commitments", "Every commitment, its status and score"),
    ("Go to feeds", "feeds", "Health of every feed; refresh now"),
    ("Go to articles", "articles", "Recent articles, search, unmatched articles"),
)


class TrackerCommands(Provider):
    """Screens and commitments, searchable by fuzzy match."""

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
        matcher = self.matcher(query)
        for title, mode, help_text in _SCREENS:
            if (score := matcher.match(title)) > 0:
                yield Hit(
                    score, matcher.highlight(title), partial(self.app.switch_mode, mode), help=help_text
                )
        for commitment_id, summary in self._commitments():
            label = f"Open {commitment_id}: {summary}"
            if (score := matcher.match(label)) > 0:
                yield Hit(
                    score,
                    _highlight(matcher, label),
                    partial(self.tracker_app.open_commitment, commitment_id),
                    text=label,
                    help="Show the commitment, its signals and evidence",
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
