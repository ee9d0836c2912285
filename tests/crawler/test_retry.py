"""Retries inside a run: exponential backoff, Retry-After, and the per-page time budget."""

from __future__ import annotations

import itertools
import random
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest

from crawler.retry import RetryPolicy, backoff, parse_retry_after, retry_delay
from storage.store import Store
from tests.conftest import Cli, source_toml
from tests.support import mockserver
from tests.support.mockserver import MockServer

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


class Flaky:
    """``/flaky/<name>``: answers 503 + Retry-After: 1 twice, then the page; logs request times."""

    def __init__(self) -> None:
        self.times: dict[str, list[float]] = {}
        self.lock = threading.Lock()

    def __call__(self, handler: Any, path: str, query: dict[str, str]) -> None:
        with self.lock:
            seen = self.times.setdefault(path, [])
            seen.append(time.monotonic())
            count = len(seen)
        if count <= 2:
            handler._send(503, b"<html><body>busy</body></html>", "text/html", {"Retry-After": "1"})
            return
        body = ("<html><head><title>Back</title></head><body><main><p>The page answers on "
                "the third attempt, after two short Retry-After waits.</p></main></body></html>")
        handler._send(200, body.encode(), "text/html")


@pytest.mark.slow
def test_transient_failures_are_retried_with_backoff_within_one_run(
        server: MockServer, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    flaky = Flaky()
    monkeypatch.setitem(mockserver.BEHAVIOURS, "flaky", flaky)
    urls = {"flaky": f"{server.url}/flaky/a", "busy": f"{server.url}/status/503?n=1",
            "throttled": f"{server.url}/status/429?retry_after=3600"}
    cli.write_config("[settings]\ndelay = 0\nretries = 2\ntimeout = 5\nobey_robots = false\n"
                     + source_toml("flaky", list(urls.values())))
    result = cli("run")
    assert result.code == 0, result.stderr
    store = Store.open(cli.db)
    try:
        # third time lucky: recorded as the page's first version, waits honoured Retry-After
        assert [c["outcome"] for c in store.checks(urls["flaky"])] == ["new"]
        times = flaky.times["/flaky/a"]
        assert len(times) == 3 and all(b - a >= 0.95 for a, b in itertools.pairwise(times))
        # a plain 503: three attempts (backoff), one failed check, a streak of one
        assert server.paths_requested().count("/status/503?n=1") == 3
        assert [c["outcome"] for c in store.checks(urls["busy"])] == ["failed"]
        # a server asking for an hour is not retried in this run
        assert server.paths_requested().count("/status/429?retry_after=3600") == 1
        failing = {p.url: p for p in store.pages("flaky") if p.failing_since}
        assert set(failing) == {urls["busy"], urls["throttled"]}
        assert all(p.fail_count == 1 for p in failing.values())
    finally:
        store.close()
