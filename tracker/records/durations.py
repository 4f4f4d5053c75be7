"""Human durations in records ("365 days", "2 years", "30 min") as timedeltas.

Kept apart from dateparser on purpose: dateparser reads *points* in time in many
languages; a duration in a config file is a small closed grammar that must be
validated strictly, with a clear message naming what was expected.
"""

from __future__ import annotations

import re
from datetime import timedelta

_UNITS: dict[str, timedelta] = {
    "s": timedelta(seconds=1),
    "sec": timedelta(seconds=1),
    "second": timedelta(seconds=1),
    "m": timedelta(minutes=1),
    "min": timedelta(minutes=1),
    "minute": timedelta(minutes=1),
    "h": timedelta(hours=1),
    "hour": timedelta(hours=1),
    "d": timedelta(days=1),
    "day": timedelta(days=1),
    "w": timedelta(weeks=1),
    "week": timedelta(weeks=1),
    # Calendar months and years vary; tracking windows only need the usual approximation.
    "month": timedelta(days=30),
    "year": timedelta(days=365),
}
_PART = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*(?:,|and\b)?", re.IGNORECASE)

DURATION_HELP = "a duration such as '30 min', '6 hours', '365 days' or '2 years'"
#: The longest duration accepted anywhere (records, tracker.yaml, `--since`). Dates plus or
#: minus a duration must stay inside Python's years 1..9999, and no tracking window, back-off
#: or look-back needs more than a millennium; beyond it a value is a typo, not a setting.
MAX_DURATION = timedelta(days=365 * 1000)
_TOO_LONG = "at most 1000 years"


def parse_duration(text: str | int | float) -> timedelta:
    """Parse '1 year 6 months', '90d', '2 hours'; a bare number means seconds.

    Raises ValueError with a message that says what is expected.
    """
    if isinstance(text, bool):
        raise ValueError(f"expected {DURATION_HELP}")
    if isinstance(text, int | float):
        return _bounded(float(text), timedelta(seconds=1), text)
    rest = str(text).strip().lower()
    if len(rest) > 200:
        raise ValueError(f"expected {DURATION_HELP}, got {len(rest):,} characters")
    if not rest:
        raise ValueError(f"expected {DURATION_HELP}, got an empty value")
    total = timedelta()
    pos = 0
    while pos < len(rest):
        match = _PART.match(rest, pos)
        if not match or match.end() == pos:
            raise ValueError(f"expected {DURATION_HELP}, got {text!r}")
        name = match.group(2)
        unit = _UNITS.get(name) or (_UNITS.get(name[:-1]) if name.endswith("s") else None)
        if unit is None:
            raise ValueError(f"unknown unit {name!r} in {text!r}; expected {DURATION_HELP}")
        total += _bounded(float(match.group(1)), unit, text)
        pos = match.end()
        if total > MAX_DURATION:
            raise ValueError(f"{text!r} is too long: {_TOO_LONG}")
    if total <= timedelta():
        raise ValueError(f"expected a positive duration, got {text!r}")
    return total


def _bounded(count: float, unit: timedelta, text: object) -> timedelta:
    """`count` units, refusing what timedelta cannot hold (OverflowError) or we would not want."""
    if count != count or count * unit.total_seconds() > MAX_DURATION.total_seconds():  # NaN or huge
        raise ValueError(f"{text!r} is too long: {_TOO_LONG}")
    if count < 0:
        raise ValueError(f"expected a positive duration, got {text!r}")
    return unit * count


def format_duration(delta: timedelta) -> str:
    """The inverse, for display: the largest whole unit that fits."""
    seconds = int(delta.total_seconds())
    for name, size in (("day", 86400), ("hour", 3600), ("min", 60)):
        if seconds and seconds % size == 0:
            count = seconds // size
            return f"{count} {name}{'s' if count != 1 and name != 'min' else ''}"
    return f"{seconds} s"
