"""Retries inside a run: a real ``profilewatch run`` against the mock server retries transient
failures with backoff and honours Retry-After (the rules alone: ``tests/crawler/test_retry.py``)."""

from __future__ import annotations

import itertools
import threading
import time
from typing import Any

import pytest

from storage.store import Store
from tests.conftest import Cli, source_toml
from tests.support import mockserver
from tests.support.mockserver import MockServer


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
