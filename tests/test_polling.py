"""Scheduling decisions, without network or database: pure functions over plain values."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from tracker.feeds.polling import (
    Outcome,
    PollPolicy,
    apply_outcome,
    backoff_delay,
    is_due,
    next_due,
    reconcile,
    skip_reason,
)
from tracker.types import Feed, FeedState

NOW = datetime(2025, 6, 10, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
NO_JITTER = PollPolicy(jitter=0)
FEED = Feed(name="tass-en", url="https://tass.com/rss/v2.xml", interval=HOUR)


def state(**fields: object) -> FeedState:
    base = {"name": FEED.name, "url": FEED.url, "config_url": FEED.url}
    return FeedState(**{**base, **fields})  # type: ignore[arg-type]


# ---------------------------------------------------------------- due


def test_a_new_feed_is_due() -> None:
    assert is_due(None, NOW)
    assert is_due(state(), NOW)


def test_due_when_next_due_has_come() -> None:
    assert is_due(state(next_due=NOW), NOW)
    assert not is_due(state(next_due=NOW + timedelta(seconds=1)), NOW)


def test_a_gone_feed_is_never_due() -> None:
    assert not is_due(state(disabled_reason="410"), NOW)


def test_skip_reasons() -> None:
    later = NOW + HOUR
    assert skip_reason(state(next_due=later), NOW) is None  # a manual pass polls feeds not yet due
    assert "not due" in (skip_reason(state(next_due=later), NOW, due_only=True) or "")
    assert "backing off" in (skip_reason(state(next_due=later, failures=2), NOW) or "")
    assert "disabled" in (skip_reason(state(disabled_reason="HTTP 410"), NOW) or "")
    assert skip_reason(state(disabled_reason="HTTP 410", failures=3, next_due=later), NOW, force=True) is None


# ---------------------------------------------------------------- next due


def test_next_due_is_the_interval_plus_jitter_within_bounds() -> None:
    rng = random.Random(1)
    policy = PollPolicy(jitter=0.1)
    for _ in range(100):
        due = next_due(NOW, HOUR, policy=policy, rng=rng)
        assert NOW + HOUR <= due <= NOW + HOUR * 1.1


def test_next_due_never_below_the_minimum_interval() -> None:
    assert next_due(NOW, timedelta(seconds=10), policy=NO_JITTER) == NOW + timedelta(minutes=5)


@pytest.mark.parametrize(
    ("hint", "expected"),
    [
        ({"max_age": timedelta(hours=3)}, timedelta(hours=3)),
        ({"ttl": timedelta(hours=2)}, timedelta(hours=2)),
        ({"retry_after": NOW + timedelta(hours=5)}, timedelta(hours=5)),
        ({"max_age": timedelta(minutes=10)}, HOUR),  # hints raise, never lower
        ({"max_age": timedelta(days=30)}, timedelta(hours=24)),  # capped
        ({"retry_after": NOW - HOUR}, HOUR),  # a date in the past means nothing
    ],
)
def test_server_hints_raise_the_next_poll_with_a_cap(hint: dict[str, object], expected: timedelta) -> None:
    assert next_due(NOW, HOUR, policy=NO_JITTER, **hint) == NOW + expected  # type: ignore[arg-type]


def test_the_cap_never_shortens_a_long_interval() -> None:
    week = timedelta(days=7)
    assert next_due(NOW, week, policy=NO_JITTER, max_age=timedelta(days=30)) == NOW + week


# ---------------------------------------------------------------- back-off


def test_backoff_doubles_and_is_capped() -> None:
    delays = [backoff_delay(HOUR, n, "temporary", policy=NO_JITTER) for n in range(1, 8)]
    assert delays[:3] == [HOUR, 2 * HOUR, 4 * HOUR]
    assert max(delays) == timedelta(hours=6)
    assert delays == sorted(delays)


def test_backoff_is_weighted_by_kind() -> None:
    temporary = backoff_delay(HOUR, 1, "temporary", policy=NO_JITTER)
    soft = backoff_delay(HOUR, 1, "soft", policy=NO_JITTER)
    hard = backoff_delay(HOUR, 1, "hard", policy=NO_JITTER)
    assert temporary < soft < hard


def test_backoff_never_stops_polling() -> None:
    """Miniflux users' top complaint: feeds that stopped after a few errors. Ours never do."""
    for failures in (1, 10, 100, 10_000):
        delay = backoff_delay(HOUR, failures, "hard", policy=NO_JITTER)
        assert delay <= timedelta(hours=12)


def test_backoff_cap_is_at_least_the_interval() -> None:
    day = timedelta(days=1)
    assert backoff_delay(day, 50, "temporary", policy=NO_JITTER) == day


# ---------------------------------------------------------------- applying outcomes


def test_a_200_stores_validators_exactly_and_resets_failures() -> None:
    before = state(etag='"old"', last_modified="Mon, 09 Jun 2025 10:00:00 GMT", failures=3, last_error="x")
    outcome = Outcome("ok", http_status=200, etag='W/"v2"', last_modified=None, body_hash="abc")
    after = apply_outcome(FEED, before, outcome, NOW, policy=NO_JITTER)
    assert after.etag == 'W/"v2"'
    assert after.last_modified is None  # replaced by what was received: nothing
    assert after.body_hash == "abc"
    assert after.failures == 0
    assert after.last_success == NOW == after.last_attempt
    assert after.next_due == NOW + HOUR
    assert after.last_error == "x"  # history is kept; failures == 0 says it is over


def test_a_304_keeps_validators_unless_new_ones_come() -> None:
    before = state(etag='"v1"', last_modified="Mon, 09 Jun 2025 10:00:00 GMT", body_hash="h")
    kept = apply_outcome(FEED, before, Outcome("not_modified", http_status=304), NOW, policy=NO_JITTER)
    assert (kept.etag, kept.last_modified, kept.body_hash) == (before.etag, before.last_modified, "h")
    fresh = apply_outcome(FEED, before, Outcome("not_modified", etag='"v2"'), NOW, policy=NO_JITTER)
    assert fresh.etag == '"v2"'


def test_an_error_backs_off_and_records_what_happened() -> None:
    outcome = Outcome("error", http_status=500, error="HTTP 500: server error", error_kind="temporary")
    after = apply_outcome(FEED, state(failures=1), outcome, NOW, policy=NO_JITTER)
    assert after.failures == 2
    assert after.last_error == "HTTP 500: server error"
    assert after.last_error_at == NOW
    assert after.next_due == NOW + 2 * HOUR
    assert after.disabled_reason is None


def test_retry_after_on_an_error_delays_the_next_try() -> None:
    outcome = Outcome("error", http_status=429, error_kind="temporary", retry_after=NOW + timedelta(hours=3))
    after = apply_outcome(FEED, state(), outcome, NOW, policy=NO_JITTER)
    assert after.next_due == NOW + timedelta(hours=3)


def test_a_huge_retry_after_is_capped() -> None:
    outcome = Outcome("error", http_status=503, error_kind="temporary", retry_after=NOW + timedelta(days=90))
    after = apply_outcome(FEED, state(), outcome, NOW, policy=NO_JITTER)
    assert after.next_due == NOW + timedelta(hours=24)


def test_410_disables_with_a_note() -> None:
    after = apply_outcome(FEED, state(), Outcome("gone", http_status=410), NOW, policy=NO_JITTER)
    assert after.disabled_reason and "410" in after.disabled_reason
    assert after.note and "410" in after.note
    assert after.next_due is None
    assert not is_due(after, NOW + timedelta(days=365))


def test_a_forced_success_after_410_enables_again() -> None:
    gone = apply_outcome(FEED, state(), Outcome("gone", http_status=410), NOW, policy=NO_JITTER)
    back = apply_outcome(FEED, gone, Outcome("ok", http_status=200), NOW + HOUR, policy=NO_JITTER)
    assert back.disabled_reason is None and back.failures == 0


def test_a_permanent_redirect_moves_the_url_with_a_note() -> None:
    new = "https://tass.com/rss/v3.xml"
    after = apply_outcome(FEED, state(), Outcome("ok", moved_to=new), NOW, policy=NO_JITTER)
    assert after.url == new
    assert after.config_url == FEED.url
    assert after.note and new in after.note and FEED.url in after.note


# ---------------------------------------------------------------- reconcile


def test_reconcile_starts_a_new_feed_fresh() -> None:
    fresh = reconcile(FEED, None)
    assert (fresh.name, fresh.url, fresh.config_url) == (FEED.name, FEED.url, FEED.url)


def test_reconcile_keeps_a_redirected_url() -> None:
    moved = state(url="https://tass.com/rss/v3.xml", etag='"e"')
    assert reconcile(FEED, moved) == moved


def test_reconcile_resets_when_the_yaml_url_changes() -> None:
    old = state(url="https://old.example/rss", config_url="https://old.example/rss", etag='"e"', failures=4)
    fresh = reconcile(FEED, old)
    assert fresh.url == FEED.url and fresh.config_url == FEED.url
    assert fresh.etag is None and fresh.failures == 0
    assert fresh.note and "old.example" in fresh.note
