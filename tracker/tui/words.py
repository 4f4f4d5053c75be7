"""The dashboard's words for times, durations and feed errors: presentation only, no state."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from tracker.types import PollResult


def poll_summary(results: Sequence[PollResult]) -> tuple[str, int]:
    """One sentence for a finished poll, and how many feeds failed."""
    polled = [r for r in results if r.status != "skipped"]
    failed = [r for r in polled if r.status == "error"]
    new = sum(r.new for r in polled)
    updated = sum(r.updated for r in polled)
    text = f"{len(polled)} feed(s) polled: {new} new, {updated} updated article(s)"
    if len(results) > len(polled):
        text += f", {len(results) - len(polled)} not due"
    if failed:
        first = failed[0]
        text += f"; {len(failed)} failed ({first.feed}: {error_in_words(first.error)})"
    return text, len(failed)


def span(delta: timedelta) -> str:
    """A duration as an analyst says it: "1 h", "30 min", "2 d"."""
    seconds = int(delta.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size} {unit}"
    return f"{seconds // 60} min" if seconds >= 60 else f"{seconds} s"


def ago(moment: datetime | None, now: datetime) -> str:
    """ "3 h ago", "in 25 min", "2 d ago": how an analyst reads a timestamp at a glance."""
    if moment is None:
        return "never"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    seconds = (now - moment).total_seconds()
    future, seconds = seconds < 0, abs(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            amount = f"{int(seconds // size)} {unit}"
            break
    else:
        return "now"
    return f"in {amount}" if future else f"{amount} ago"


_HTTP_WORDS = {
    301: "moved permanently",
    304: "not modified",
    400: "the server refused the request",
    401: "the feed needs a login",
    403: "access is forbidden",
    404: "the feed is gone (not found)",
    410: "the feed was removed",
    429: "too many requests; the server asks us to slow down",
    500: "the server failed",
    502: "a gateway failed",
    503: "the server is unavailable",
    504: "a gateway timed out",
}
_ERROR_WORDS = (
    ("timed out", "the server did not answer in time"),
    ("timeout", "the server did not answer in time"),
    ("name or service not known", "the address does not resolve"),
    ("nodename nor servname", "the address does not resolve"),
    ("connection refused", "the server refused the connection"),
    ("certificate", "the server's certificate is not valid"),
    ("ssl", "a secure connection could not be made"),
    ("too large", "the response was too large"),
    ("not a feed", "the page is not a feed"),
    ("html", "the page is not a feed (HTML)"),
)


def error_in_words(error: str | None) -> str:
    """A stored feed error as a sentence an analyst understands, keeping the detail."""
    if not error:
        return ""
    lowered = error.casefold()
    for code, words in _HTTP_WORDS.items():
        if f"http {code}" in lowered or f"status {code}" in lowered or lowered.startswith(str(code)):
            return f"{words} (HTTP {code})"
    for needle, words in _ERROR_WORDS:
        if needle in lowered:
            return f"{words}: {error}"
    return error
