"""When to poll a feed, and what a poll's outcome does to its state: pure decisions.

No I/O here: every function takes plain values (a Feed, a FeedState, an Outcome, the
time, a random generator) and returns plain values, so the rules that keep the watcher
polite and alive are tested without a network or a database.

The rules (DESIGN.md, "Lessons from feed watchers"):
- next poll = interval + jitter, raised by Retry-After, Cache-Control/Expires and the
  RSS <ttl>, each capped, so a server cannot park a feed for a month;
- after a failure: exponential back-off weighted by the error's kind (a network blip
  retries sooner than a 404), capped, and *never* a silent stop: a feed that looked
  dead for a week is still tried twice a day, and comes back when it recovers;
- the only stop is 410 Gone, which disables the feed with a note saying why;
- ETag and Last-Modified are replaced with the newest values exactly as received.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Literal

from tracker.types import Feed, FeedState

OutcomeStatus = Literal["ok", "not_modified", "unchanged", "error", "gone"]


@dataclass(frozen=True)
class PollPolicy:
    """The knobs of politeness; the defaults suit hundreds of news feeds."""

    #: Up to this fraction of the interval is added at random, so polls spread out.
    jitter: float = 0.1
    #: No feed is polled more often than this, whatever its YAML says.
    min_interval: timedelta = timedelta(minutes=5)
    #: Retry-After, Cache-Control and <ttl> may delay a poll by at most this much.
    max_hint: timedelta = timedelta(hours=24)
    #: Back-off multipliers by error kind: a 404 waits longer than a timeout.
    weights: dict[str, float] = field(default_factory=lambda: {"temporary": 1.0, "soft": 2.0, "hard": 4.0})
    #: Back-off caps by error kind: how long the longest wait between tries can get.
    caps: dict[str, timedelta] = field(
        default_factory=lambda: {
            "temporary": timedelta(hours=6),
            "soft": timedelta(hours=12),
            "hard": timedelta(hours=12),
        }
    )


DEFAULT_POLICY = PollPolicy()


@dataclass(frozen=True)
class Outcome:
    """What one fetch (and parse) came to, as plain values: the input of `apply_outcome`."""

    status: OutcomeStatus
    http_status: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    #: Where a chain of permanent redirects (301/308 only) ended.
    moved_to: str | None = None
    error: str | None = None
    error_kind: str | None = None
    retry_after: datetime | None = None
    max_age: timedelta | None = None
    ttl: timedelta | None = None


# ---------------------------------------------------------------- due or not


def reconcile(feed: Feed, state: FeedState | None) -> FeedState:
    """The state to poll `feed` with: fresh for a new feed, reset when the YAML URL changed.

    A permanent redirect changes `state.url` and leaves `config_url`; so a differing
    `config_url` means the user edited the feed, and the old validators and errors no
    longer apply to it.
    """
    if state is None:
        return FeedState(name=feed.name, url=feed.url, config_url=feed.url)
    if state.config_url is None:
        return replace(state, config_url=feed.url, url=state.url or feed.url)
    if state.config_url != feed.url:
        return replace(
            FeedState(name=feed.name, url=feed.url, config_url=feed.url),
            last_success=state.last_success,
            note=f"URL changed in the feed list (was {state.config_url})",
        )
    return state


def skip_reason(
    state: FeedState, now: datetime, *, force: bool = False, due_only: bool = False
) -> str | None:
    """Why this feed is not polled now, or None to poll it.

    - disabled after 410 Gone: only a forced poll tries again;
    - backing off after errors (or told to wait by Retry-After): a manual pass respects
      it too, unless forced, because hammering a failing server helps nobody;
    - not due yet: matters only to the scheduler (`due_only`).
    """
    if force:
        return None
    if state.disabled_reason:
        return f"disabled: {state.disabled_reason} (poll with --force to try again)"
    if state.next_due is not None and state.next_due > now:
        if state.failures > 0:
            return f"backing off after {state.failures} failure(s) until {_short(state.next_due)}"
        if due_only:
            return f"not due until {_short(state.next_due)}"
    return None


def is_due(state: FeedState | None, now: datetime) -> bool:
    """Due when never polled, or when its next-due time has come; never when disabled."""
    if state is None:
        return True
    if state.disabled_reason:
        return False
    return state.next_due is None or state.next_due <= now


# ---------------------------------------------------------------- when next


def next_due(
    now: datetime,
    interval: timedelta,
    *,
    policy: PollPolicy = DEFAULT_POLICY,
    rng: random.Random | None = None,
    retry_after: datetime | None = None,
    max_age: timedelta | None = None,
    ttl: timedelta | None = None,
) -> datetime:
    """After a good poll: interval plus jitter, raised (never lowered) by the server's hints."""
    base = max(interval, policy.min_interval)
    delay = base + _jitter(base, policy, rng)
    hint = _hint(now, retry_after, max_age, ttl)
    if hint is not None:
        delay = max(delay, min(hint, max(policy.max_hint, base)))
    return now + delay


def backoff_delay(
    interval: timedelta,
    failures: int,
    kind: str,
    *,
    policy: PollPolicy = DEFAULT_POLICY,
    rng: random.Random | None = None,
) -> timedelta:
    """Wait after the n-th failure in a row: doubling from the interval, weighted, capped.

    The cap is never below the feed's own interval: a daily feed is still tried daily.
    """
    base = max(interval, policy.min_interval)
    weight = policy.weights.get(kind, 1.0)
    cap = max(policy.caps.get(kind, policy.caps["temporary"]), base)
    exponent = min(max(failures, 1) - 1, 20)  # 2**20 intervals is beyond any cap already
    delay = min(cap, base * weight * (2**exponent))
    return delay + _jitter(delay, policy, rng)


def _hint(
    now: datetime, retry_after: datetime | None, max_age: timedelta | None, ttl: timedelta | None
) -> timedelta | None:
    hints = [h for h in (max_age, ttl) if h is not None and h > timedelta()]
    if retry_after is not None and retry_after > now:
        hints.append(retry_after - now)
    return max(hints) if hints else None


def _jitter(delay: timedelta, policy: PollPolicy, rng: random.Random | None) -> timedelta:
    if policy.jitter <= 0:
        return timedelta()
    fraction = (rng or random).random() * policy.jitter
    return timedelta(seconds=delay.total_seconds() * fraction)


# ---------------------------------------------------------------- after a poll


def apply_outcome(
    feed: Feed,
    state: FeedState,
    outcome: Outcome,
    now: datetime,
    *,
    policy: PollPolicy = DEFAULT_POLICY,
    rng: random.Random | None = None,
) -> FeedState:
    """The feed's state after this poll: validators, health, and when to poll next."""
    state = replace(state, last_attempt=now, last_status=outcome.http_status)
    if outcome.status == "gone":
        return _gone(state, outcome, now)
    if outcome.status == "error":
        return _failed(feed, state, outcome, now, policy, rng)
    return _succeeded(feed, state, outcome, now, policy, rng)


def _succeeded(
    feed: Feed,
    state: FeedState,
    outcome: Outcome,
    now: datetime,
    policy: PollPolicy,
    rng: random.Random | None,
) -> FeedState:
    etag, modified = state.etag, state.last_modified
    if outcome.status == "not_modified":
        # A 304 may carry fresh validators; if it does, they are the newest.
        etag = outcome.etag or etag
        modified = outcome.last_modified or modified
    else:
        # A 200 replaces them exactly as received, absent ones included.
        etag, modified = outcome.etag, outcome.last_modified
    body_hash = outcome.body_hash if outcome.status in ("ok", "unchanged") else state.body_hash
    url, note = state.url, state.note
    if outcome.moved_to and outcome.moved_to != state.url:
        url = outcome.moved_to
        note = f"moved permanently from {state.url} on {_short(now)}; update feeds/*.yaml to {url}"
    return replace(
        state,
        url=url,
        note=note,
        etag=etag,
        last_modified=modified,
        body_hash=body_hash,
        last_success=now,
        failures=0,
        disabled_reason=None,
        next_due=next_due(
            now,
            feed.interval,
            policy=policy,
            rng=rng,
            retry_after=outcome.retry_after,
            max_age=outcome.max_age,
            ttl=outcome.ttl,
        ),
    )


def _failed(
    feed: Feed,
    state: FeedState,
    outcome: Outcome,
    now: datetime,
    policy: PollPolicy,
    rng: random.Random | None,
) -> FeedState:
    failures = state.failures + 1
    kind = outcome.error_kind or "temporary"
    delay = backoff_delay(feed.interval, failures, kind, policy=policy, rng=rng)
    due = now + delay
    if outcome.retry_after is not None and outcome.retry_after > due:
        due = min(outcome.retry_after, now + max(policy.max_hint, feed.interval))
    return replace(
        state,
        failures=failures,
        last_error=outcome.error or "unknown error",
        last_error_at=now,
        next_due=due,
    )


def _gone(state: FeedState, outcome: Outcome, now: datetime) -> FeedState:
    reason = f"HTTP 410 Gone on {_short(now)}: the publisher removed this feed"
    return replace(
        state,
        failures=state.failures + 1,
        last_error=outcome.error or "HTTP 410 Gone",
        last_error_at=now,
        disabled_reason=reason,
        next_due=None,
        note=f"{reason}; remove it from feeds/*.yaml or find its new address",
    )


def _short(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")
