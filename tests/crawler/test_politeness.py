"""Politeness: one pace per host for every source of a run, robots.txt Crawl-delay included."""

from __future__ import annotations

from itertools import pairwise

import pytest

from crawler.politeness import HostGate
from storage.store import Store
from tests.conftest import Cli, source_toml
from tests.mockserver import MockServer


def test_host_gate_spaces_starts_per_host() -> None:
    gate = HostGate()
    assert gate.reserve("a.org", 2.0, now=100.0) == 0.0
    assert gate.reserve("a.org", 2.0, now=100.5) == pytest.approx(1.5)   # waits for its turn
    assert gate.reserve("a.org", 2.0, now=100.5) == pytest.approx(3.5)   # queued behind it
    assert gate.reserve("b.org", 2.0, now=100.5) == 0.0                  # other hosts run freely
    assert gate.reserve("a.org", 2.0, now=200.0) == 0.0                  # idle host: no wait


@pytest.mark.slow
def test_two_sources_on_one_host_share_its_pace(server: MockServer, cli: Cli) -> None:
    delay = 0.2
    for n in range(6):
        server.sample(f"/p{n}", "ngo-news")
    server.robots = "User-agent: *\nDisallow: /private/\n"
    settings = f"[settings]\ndelay = {delay}\nretries = 0\ntimeout = 5\nconcurrency = 16\n"
    first = [server.url + f"/p{n}" for n in range(3)] + [server.url + "/private/page"]
    second = [server.url + f"/p{n}" for n in range(3, 6)]
    cli.write_config(settings + source_toml("one", first) + source_toml("two", second))
    assert cli("run").code == 0
    # every request waiting for robots.txt gets its rules (Scrapy hands only the first one them)
    assert "/private/page" not in server.paths_requested()
    times = [r.at for r in server.requests]
    assert len(times) == 8                  # robots.txt once per source, and the 6 pages
    assert min(b - a for a, b in pairwise(times)) >= delay * 0.95
    store = Store.open(cli.db)
    try:
        assert store.checks(server.url + "/private/page")[0]["reason"] == "disallowed by robots.txt"
    finally:
        store.close()
