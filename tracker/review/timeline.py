"""A commitment's timeline: signals and evidence per month, from its statement's date to now.

Pledge-tracking practice reads a commitment against the events that followed it, dated;
a fixed window of the last twelve months hides a 2016 statement's 2022 news. One
builder serves the dashboard (the commitment screen's chart, the list's sparkline uses
the same `Timeline`) and the Markdown export, so they agree.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date, datetime

from tracker.types import Statement, Timeline, month_keys_between

#: Characters in the Markdown export's chart (one period each).
EXPORT_CELLS = 48

#: Months shown for a statement without a date (its span is unknown), newest last.
SPARK_MONTHS = 12


def default_span_start(now: datetime) -> date:
    """The first day of the last `SPARK_MONTHS` months: the span of an undated statement."""
    return date.fromisoformat(month_keys(now)[0] + "-01")


def span_start(statement: Statement, now: datetime, default: date) -> date:
    """Where a commitment's timeline starts: its statement's date (never after now)."""
    if statement.date is None:
        return default
    return min(statement.date, now.date())


def month_keys(now: datetime, count: int = SPARK_MONTHS) -> tuple[str, ...]:
    """The `count` months ending with `now`'s, as "YYYY-MM", oldest first."""
    year, month = now.year, now.month
    keys: list[str] = []
    for _ in range(count):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return tuple(reversed(keys))


def build_timeline(
    start: date, today: date, signal_days: Iterable[date], evidence_days: Iterable[date] = ()
) -> Timeline:
    """Counts per month over [start's month, today's month]; days outside are left out."""
    months = month_keys_between(min(start, today), today)
    signals = Counter(d.isoformat()[:7] for d in signal_days)
    evidence = Counter(d.isoformat()[:7] for d in evidence_days)
    return Timeline(
        months, tuple(signals.get(m, 0) for m in months), tuple(evidence.get(m, 0) for m in months)
    )


def from_monthly(
    start: date, today: date, monthly: Mapping[str, int], evidence_days: Iterable[date]
) -> Timeline:
    """The same from per-month signal counts (as the overview's aggregate query gives them)."""
    months = month_keys_between(min(start, today), today)
    evidence = Counter(d.isoformat()[:7] for d in evidence_days)
    return Timeline(
        months, tuple(monthly.get(m, 0) for m in months), tuple(evidence.get(m, 0) for m in months)
    )


def period_words(timeline: Timeline, cells: int) -> str:
    """ "one mark = 3 months" for a chart of at most `cells` marks."""
    size = timeline.months_per_cell(cells)
    return "one mark = 1 month" if size == 1 else f"one mark = {size} months"


def text_chart(timeline: Timeline, cells: int = EXPORT_CELLS) -> list[str]:
    """The chart as plain lines (the Markdown export's code block)."""
    return [
        f"signals   {timeline.bars(timeline.signals, cells)}  {sum(timeline.signals)}",
        f"evidence  {timeline.marks(timeline.evidence, cells)}  {sum(timeline.evidence)}",
        f"          {timeline.first} … {timeline.last}, {period_words(timeline, cells)}",
    ]
