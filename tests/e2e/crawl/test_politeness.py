"""Politeness: one pace per host for every source of a run, robots.txt Crawl-delay included."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator

import pytest

from crawler.politeness import HostGate
from storage.store import Store
from tests.conftest import FAST_SETTINGS, Cli, source_toml
from tests.support.mockserver import MockServer, assert_paced


def test_host_gate_takes_turns_per_host() -> None:
    gate = HostGate()

    async def turns() -> list[float]:
        return list(await asyncio.gather(gate.wait_turn("a.org", 0.1), gate.wait_turn("a.org", 0.1),
                                         gate.wait_turn("b.org", 0.1), gate.wait_turn("a.org", 0.1)))

    waited = asyncio.run(turns())
    assert waited[0] == 0.0 and waited[2] == 0.0          # first turns, and other hosts, go at once
    assert 0.09 <= waited[1] <= 0.3 and 0.09 <= waited[3] <= 0.3   # each a.org request waits its turn


@pytest.mark.slow
def test_two_sources_on_one_host_share_its_pace(server: MockServer, cli: Cli) -> None:
    delay = 0.2
    for n in range(6):
        server.sample(f"/p{n}", "ngo-news")
    server.robots = "User-agent: *\nDisallow: /private/\n"
    # requisites off: the sample's stylesheets and images would add requests (paced the same way)
    settings = (f"[settings]\ndelay = {delay}\nretries = 0\ntimeout = 5\nconcurrency = 16\n"
                "requisites = false\n")
    first = [server.url + f"/p{n}" for n in range(3)] + [server.url + "/private/page"]
    second = [server.url + f"/p{n}" for n in range(3, 6)]
    cli.write_config(settings + source_toml("one", first) + source_toml("two", second))
    assert cli("run").code == 0
    # every request waiting for robots.txt gets its rules (Scrapy hands only the first one them)
    assert "/private/page" not in server.paths_requested()
    times = [r.at for r in server.requests]
    assert len(times) == 8                  # robots.txt once per source, and the 6 pages
    assert_paced(times, delay)
    store = Store.open(cli.db)
    try:
        assert store.checks(server.url + "/private/page")[0]["reason"] == "disallowed by robots.txt"
    finally:
        store.close()


def test_an_unreachable_host_is_one_warning_line_and_a_failed_check(cli: Cli) -> None:
    with socket.socket() as sock:          # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/profile"
    cli.write_config(FAST_SETTINGS + source_toml("down", [url]))
    result = cli("run")
    assert result.code == 0, result.stderr
    assert "Traceback" not in result.stderr
    warnings = [line for line in result.stderr.splitlines() if "robots.txt" in line]
    assert len(warnings) == 1 and warnings[0].endswith(
        f"WARNING scrapy.downloadermiddlewares.robotstxt: robots.txt of 127.0.0.1:{port} could not "
        "be fetched (connection refused); its pages are checked without it")
    store = Store.open(cli.db)
    try:
        assert [c["reason"] for c in store.checks(url)] == ["connection refused"]
    finally:
        store.close()


@pytest.fixture(scope="module")
def two_hosts() -> Iterator[list[MockServer]]:
    servers = [MockServer(host).start() for host in ("127.0.0.2", "127.0.0.3")]
    yield servers
    for server in servers:
        server.stop()


@pytest.mark.slow
def test_hosts_take_turns_whatever_the_listing_order(two_hosts: list[MockServer], cli: Cli) -> None:
    """Listed site by site with fewer request slots than pages of a host, the second host does not
    wait for the first one's queue: requests interleave, and each host keeps its pace."""
    delay, pages = 0.2, 5
    for server in two_hosts:
        server.reset()
        for n in range(pages):
            server.sample(f"/p{n}", "ngo-news")
    first, second = two_hosts
    urls = [server.url + f"/p{n}" for server in two_hosts for n in range(pages)]
    cli.write_config(f"[settings]\ndelay = {delay}\nretries = 0\ntimeout = 5\nconcurrency = 2\n"
                     "per_domain_concurrency = 1\nrequisites = false\n"   # pages only
                     + source_toml("two", urls))
    assert cli("run").code == 0
    arrivals = sorted([(r.at, "first", r.path) for r in first.requests]
                      + [(r.at, "second", r.path) for r in second.requests])
    assert len(arrivals) == 2 * (pages + 1)                  # robots.txt and the pages of each
    hosts = [host for _, host, path in arrivals if path != "/robots.txt"]
    # the second host's first page arrives before the first host's third: both queues move at once
    assert hosts.index("second") < [i for i, h in enumerate(hosts) if h == "first"][2], arrivals
    for server in two_hosts:
        assert_paced([r.at for r in server.requests], delay)


@pytest.mark.slow
def test_a_first_page_waits_out_the_delay_after_robots_txt_in_the_queue(
        two_hosts: list[MockServer], cli: Cli) -> None:
    """The first page of a host asks for the host's robots.txt, then waits for its turn (the delay
    after robots.txt) back in the scheduler's queue, not in a request slot: with a single slot,
    the second host's robots.txt is asked for before any page goes. Each host's first listed page
    is still its first page, and no two requests to one host are closer than the delay."""
    delay, pages = 0.5, 2
    for server in two_hosts:
        server.reset()
        server.robots = "User-agent: *\nDisallow: /private/\n"
        for n in range(pages):
            server.sample(f"/p{n}", "ngo-news")
    urls = [server.url + f"/p{n}" for server in two_hosts for n in range(pages)]
    cli.write_config(f"[settings]\ndelay = {delay}\nretries = 0\ntimeout = 5\nconcurrency = 1\n"
                     "per_domain_concurrency = 1\nrequisites = false\n" + source_toml("one", urls))
    assert cli("run").code == 0
    arrivals = sorted([(r.at, n, r.path) for n, server in enumerate(two_hosts)
                       for r in server.requests])
    assert [path for _, _, path in arrivals[:2]] == ["/robots.txt", "/robots.txt"], arrivals
    for server in two_hosts:
        assert [r.path for r in server.requests] == ["/robots.txt", "/p0", "/p1"]
        assert_paced([r.at for r in server.requests], delay)
