"""Retry rules (``crawler.retry``): exponential backoff, Retry-After, and the per-page time budget.
Their use in a real run: ``tests/e2e/crawl/test_retry.py``."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from crawler.retry import RetryPolicy, backoff, parse_retry_after, retry_delay

NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
POLICY = RetryPolicy()


def test_retry_after_is_read_as_seconds_or_an_http_date() -> None:
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(format_datetime(NOW + timedelta(seconds=90), usegmt=True), NOW) == 90.0
    assert parse_retry_after(format_datetime(NOW - timedelta(hours=1), usegmt=True), NOW) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_backoff_doubles_from_one_second_up_to_its_cap() -> None:
    rng = random.Random(7)
    for attempt, (low, high) in {1: (0.5, 1), 2: (1, 2), 3: (2, 4), 9: (15, 30)}.items():
        assert all(low <= backoff(attempt, POLICY, rng) <= high for _ in range(20))


def test_retry_after_is_honoured_when_short_and_refused_when_long() -> None:
    plan = retry_delay(1, elapsed=1, timeout=30, policy=POLICY, retry_after=20)
    assert plan is not None and plan.wait == 20
    assert retry_delay(1, elapsed=1, timeout=30, policy=POLICY, retry_after=3600) is None


@pytest.mark.parametrize("retries", [2, 10])
def test_one_page_stays_under_two_minutes_with_the_default_timeout(retries: int) -> None:
    """The worst case: every attempt times out after the full 30 s."""
    rng = random.Random(1)
    elapsed, timeout = 30.0, 30.0
    for attempt in range(1, retries + 1):
        plan = retry_delay(attempt, elapsed, 30.0, POLICY, rng=rng)
        if plan is None:
            break
        elapsed += plan.wait + plan.timeout
        timeout = plan.timeout
    assert elapsed <= POLICY.budget < 120
    assert timeout >= POLICY.min_attempt
