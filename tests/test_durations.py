from datetime import timedelta

import pytest

from tracker.records.durations import format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30 min", timedelta(minutes=30)),
        ("6 hours", timedelta(hours=6)),
        ("1 hour", timedelta(hours=1)),
        ("90d", timedelta(days=90)),
        ("2 years", timedelta(days=730)),
        ("1 year 6 months", timedelta(days=545)),
        ("1 day, 12 hours", timedelta(days=1, hours=12)),
        (3600, timedelta(hours=1)),
    ],
)
def test_parse_duration(text: str | int, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "soon", "5 fortnights", "0 days", "-3 days", True])
def test_bad_durations_say_what_is_expected(text: object) -> None:
    with pytest.raises(ValueError, match=r"expected|unknown unit"):
        parse_duration(text)  # type: ignore[arg-type]


def test_format_duration_round_trips_whole_units() -> None:
    for text in ("30 min", "6 hours", "2 days"):
        assert parse_duration(format_duration(parse_duration(text))) == parse_duration(text)
