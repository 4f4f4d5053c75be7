"""Feed dates: feedparser's reading where it is right, dateparser where it is not."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tracker.feeds.dates import fix_zone, has_zone, is_impossible, parse_date


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "language", "expected"),
    [
        # The standard forms, as feedparser reads them.
        ("Tue, 10 Jun 2025 10:00:00 GMT", None, utc(2025, 6, 10, 10)),
        ("Tue, 10 Jun 2025 10:00:00 +0300", None, utc(2025, 6, 10, 7)),
        ("2025-06-10T10:00:00Z", None, utc(2025, 6, 10, 10)),
        ("2025-06-10T10:00:00+08:00", None, utc(2025, 6, 10, 2)),
        # feedparser reads zones it does not know as UTC: we substitute the offset.
        ("Tue, 10 Jun 2025 10:00:00 CEST", None, utc(2025, 6, 10, 8)),
        ("Tue, 10 Jun 2025 10:00:00 MSK", None, utc(2025, 6, 10, 7)),
        # CST is US Central to feedparser, China Standard Time in a Chinese feed.
        ("Tue, 10 Jun 2025 10:00:00 CST", "zh", utc(2025, 6, 10, 2)),
        ("Tue, 10 Jun 2025 10:00:00 CST", "en", utc(2025, 6, 10, 16)),
        # Forms feedparser cannot read at all.
        ("Jun 10, 2025", None, utc(2025, 6, 10)),
        ("Tuesday, June 10, 2025 - 10:00", None, utc(2025, 6, 10, 10)),
        # Chinese and Russian dates: feedparser reads none or a wrong one.
        ("2025年6月10日 10:00", "zh", utc(2025, 6, 10, 2)),
        ("2025-06-10 10:00 北京时间", "zh", utc(2025, 6, 10, 2)),
        ("10 июня 2025 г. 10:00 МСК", "ru", utc(2025, 6, 10, 7)),
        ("10.06.2025 10:00", "ru", utc(2025, 6, 10, 7)),
        # A time without a zone in a zh/ru feed is local; a bare date keeps its day.
        ("2025-06-10 10:00:00", "ru", utc(2025, 6, 10, 7)),
        ("2025-06-10 10:00:00", None, utc(2025, 6, 10, 10)),
        ("2025-06-10", "zh", utc(2025, 6, 10)),
    ],
)
def test_parse_date(raw: str, language: str | None, expected: datetime) -> None:
    assert parse_date(raw, language=language) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "2024-02-30T10:00:00Z",  # feedparser rolls this over to 2024-03-01
        "Fri, 30 Feb 2024 10:00:00 GMT",
        "Feb 30, 2024",
        "2025-13-01",
        "Tue, 10 Jun 2025 25:00:00 GMT",
        "garbage",
        "5",
        "June 2025",  # not a day
        "",
        None,
    ],
)
def test_no_date_rather_than_a_wrong_one(raw: str | None) -> None:
    assert parse_date(raw) is None


def test_feedparser_struct_is_used_when_given() -> None:
    parsed = (2025, 6, 10, 10, 0, 0, 1, 161, 0)
    assert parse_date(None, parsed=parsed) == utc(2025, 6, 10, 10)
    assert parse_date("Tue, 10 Jun 2025 10:00:00 GMT", parsed=parsed) == utc(2025, 6, 10, 10)


def test_leap_day_is_real() -> None:
    assert not is_impossible("2024-02-29T10:00:00Z")
    assert is_impossible("2023-02-29T10:00:00Z")


def test_fix_zone_and_has_zone() -> None:
    assert fix_zone("Tue, 10 Jun 2025 10:00:00 CEST") == "Tue, 10 Jun 2025 10:00:00 +0200"
    assert fix_zone("Tue, 10 Jun 2025 10:00:00 GMT") == "Tue, 10 Jun 2025 10:00:00 GMT"
    assert has_zone("2025-06-10T10:00:00Z")
    assert has_zone("Tue, 10 Jun 2025 10:00:00 +0300")
    assert has_zone("Tue, 10 Jun 2025 10:00:00 MSK")
    assert not has_zone("2025-06-10 10:00:00")
    assert not has_zone("June 10, 2025 10:00 AM")


def _rfc822_strings(count: int, seed: int) -> list[str]:
    """Dates in RSS's form and near it: impossible days and clocks, odd zones and spacing."""
    import random

    rng = random.Random(seed)
    days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun", "Xyz", "mon"]
    months = [
        "Jan",
        "Feb",
        "Mar",
        "Apr",
        "May",
        "Jun",
        "Jul",
        "Aug",
        "Sep",
        "Oct",
        "Nov",
        "Dec",
        "jan",
        "Foo",
    ]
    zones = ["GMT", "UTC", "UT", "Z", "+0000", "+0800", "-0500", "+0530", "-1200", "+1400", "+1500", "+0099"]
    zones += ["EST", "CST", "MSK", "+08:00", "gmt", ""]
    out = []
    for _ in range(count):
        day = rng.choice([rng.randint(1, 31), rng.randint(0, 40)])
        clock = [rng.choice([rng.randint(0, 23), rng.randint(0, 25)]), rng.randint(0, 60), rng.randint(0, 61)]
        year = rng.choice([rng.randint(1995, 2030), rng.randint(1800, 2300)])
        head = f"{rng.choice(days)}, " if rng.random() < 0.8 else ""
        day_text = str(day) if rng.random() < 0.7 else f"{day:02d}"
        text = f"{head}{day_text} {rng.choice(months)} {year} {clock[0]:02d}:{clock[1]:02d}:{clock[2]:02d}"
        out.append(f"{text} {rng.choice(zones)}".strip())
    return out


@pytest.mark.parametrize("language", [None, "zh", "ru"])
def test_the_quick_reading_of_rss_dates_gives_what_the_usual_path_gives(
    language: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tracker.feeds import dates

    texts = _rfc822_strings(3_000, seed=7)
    quick = [parse_date(text, language=language) for text in texts]
    taken = sum(dates._rfc822_quick(text) is not None for text in texts)
    monkeypatch.setattr(dates, "_rfc822_quick", lambda text: None)
    usual = [parse_date(text, language=language) for text in texts]
    differ = [(t, q, u) for t, q, u in zip(texts, quick, usual, strict=True) if q != u]
    assert not differ, differ[:5]
    assert taken > 500  # a quarter of them take the quick path, the rest the usual one
