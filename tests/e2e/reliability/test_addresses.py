"""Address rules (SSRF): the pure policy, the middleware, and a real run with a fake resolver.

The run proves the rules hold *before any connection*: a canary socket on another port must never
see a connection attempt, and the mock server must never see a request for a refused path, even
when the refused name resolves (through the fake resolver) to the very address of the mock server.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from scrapy import Request
from scrapy.http import Response

from crawler.guard import AddressGuardMiddleware, AddressRefused, GuardedResolver
from pipeline.addresses import (
    HostPolicy,
    address_problem,
    hop_refusal,
    resolution_refusal,
    url_refusal,
)
from profilewatch.config import SourceConfig
from storage.store import Store
from tests.e2e.reliability.conftest import last_check, pw_command, pw_env
from tests.support import proctree
from tests.support.mockserver import MockServer

POLICY = HostPolicy.for_source(["http://127.0.0.1:8000/watched", "https://www.unicef.org/azerbaijan/x",
                                "https://example.org/sitemap.xml"], ["partner.test"])
DNS = {"www.partner.test": ["93.184.215.14"], "news.partner.test": ["93.184.215.14", "10.0.0.5"],
       "meta.partner.test": ["169.254.169.254"], "v6.partner.test": ["::ffff:127.0.0.1"],
       "unicef.org": ["93.184.215.15"], "www.example.org": ["93.184.215.16"]}
NOT_HERE = "is not one of this source's hosts (its urls and allowed_domains)"


def resolve(host: str) -> list[str]:
    if host not in DNS:
        raise OSError(f"cannot resolve {host}")
    return DNS[host]


@pytest.mark.parametrize(("url", "reason"), [
    # origins written in the config: trusted as written, never resolved
    ("http://127.0.0.1:8000/other/page", None),
    ("https://www.unicef.org/azerbaijan/stories/y", None),
    ("http://WWW.UNICEF.ORG.:443/azerbaijan", None),
    ("https://example.org/page", None),
    ("https://partner.test/a", None),
    # on the source's hosts, at public addresses
    ("https://www.partner.test/a", None),
    ("http://www.partner.test:8000/a", None),
    ("https://unicef.org/azerbaijan", None),                 # a known alias
    ("https://www.example.org/page", None),                  # the www. twin
    # refused: not http(s), user info
    ("file:///etc/passwd", "file URL: only http and https pages are fetched"),
    ("data:text/html,<h1>x</h1>", "data URL: only http and https pages are fetched"),
    ("ftp://www.unicef.org/x", "ftp URL: only http and https pages are fetched"),
    ("javascript:alert(1)", "javascript URL: only http and https pages are fetched"),
    ("//www.unicef.org/x", "a relative URL: only http and https pages are fetched"),
    ("http://www.unicef.org@evil.example/", "URL with user info (user:password@)"),
    ("http://127.0.0.1:notaport/", "not a valid URL"),
    # refused: other hosts, whatever their address
    ("http://evil.example/steal", f"host evil.example {NOT_HERE}"),
    ("http://unicef.org.evil.example/", f"host unicef.org.evil.example {NOT_HERE}"),
    ("http://notpartner.test/", f"host notpartner.test {NOT_HERE}"),
    ("http://169.254.169.254/latest/meta-data/", f"host 169.254.169.254 {NOT_HERE}"),
    ("http://10.0.0.7/", f"host 10.0.0.7 {NOT_HERE}"),
    ("http://2130706433/", f"host 2130706433 {NOT_HERE}"),
    ("http://[::1]:8000/", f"host ::1 {NOT_HERE}"),
    # refused: a source's host, but not as written, at an address that is not public
    ("http://127.0.0.1:6379/", "host 127.0.0.1 resolves to a loopback address (127.0.0.1)"),
    ("https://news.partner.test/", "host news.partner.test resolves to a private address "
                                   "(10.0.0.5)"),
    ("https://meta.partner.test/", "host meta.partner.test resolves to a link-local address "
                                   "(169.254.169.254)"),
    ("https://v6.partner.test/", "host v6.partner.test resolves to a loopback address "
                                 "(::ffff:127.0.0.1)"),
    ("https://gone.partner.test/", "host gone.partner.test does not resolve"),
])
def test_url_rules(url: str, reason: str | None) -> None:
    assert url_refusal(url, POLICY, resolve) == reason


def test_the_crawler_splits_the_rules_between_request_and_resolution() -> None:
    """What the middleware lets through by name, the resolver checks by address (and the other
    way round: nothing refused by name is ever resolved)."""
    assert hop_refusal("https://meta.partner.test/", POLICY) is None
    assert resolution_refusal("meta.partner.test", ["169.254.169.254"]) == (
        "host meta.partner.test resolves to a link-local address (169.254.169.254)")
    assert resolution_refusal("www.partner.test", ["93.184.215.14", "::ffff:10.1.1.1"]) == (
        "host www.partner.test resolves to a private address (::ffff:10.1.1.1)")
    assert resolution_refusal("www.partner.test", ["93.184.215.14"]) is None
    assert hop_refusal("http://evil.example/", POLICY) == f"host evil.example {NOT_HERE}"


@pytest.mark.parametrize(("address", "problem"), [
    ("127.0.0.1", "loopback"), ("10.1.2.3", "private"), ("172.16.0.1", "private"),
    ("192.168.0.1", "private"), ("169.254.169.254", "link-local"), ("224.0.0.251", "multicast"),
    ("0.0.0.0", "unspecified"), ("100.64.0.1", "non-public"), ("::1", "loopback"),
    ("fd00::1", "private"), ("fe80::1%eth0", "link-local"), ("ff02::1", "multicast"),
    ("::ffff:10.0.0.1", "private"), ("2002:7f00:1::", "loopback"), ("not an ip", "invalid"),
    ("93.184.215.14", None), ("2606:2800:21f:cb07:6820:80da:af6b:8b2c", None),
])
def test_address_problems(address: str, problem: str | None) -> None:
    assert address_problem(address) == problem


def test_the_policy_names_what_the_config_writes() -> None:
    assert POLICY.trusts("127.0.0.1", 8000) and not POLICY.trusts("127.0.0.1", 6379)
    assert POLICY.trusts("partner.test", 443) and not POLICY.trusts("www.partner.test", 443)
    assert POLICY.allows_host("www.partner.test") and not POLICY.allows_host("127.0.0.2")
    assert {"unicef.org", "www.example.org"} <= POLICY.hosts


# --- the middleware, without a crawl ---------------------------------------------------------------

def guard(**source: Any) -> AddressGuardMiddleware:
    config = SourceConfig(name="s", **source)
    crawler: Any = SimpleNamespace(spider=SimpleNamespace(source=config), stats=None)
    return AddressGuardMiddleware(crawler)


def test_middleware_checks_pages_links_and_redirect_hops() -> None:
    middleware = guard(urls=("https://www.unicef.org/azerbaijan/inclusive-education",))
    assert middleware.process_request(Request("https://www.unicef.org/azerbaijan/stories")) is None
    # a discovered link to another host
    with pytest.raises(AddressRefused, match=r"refused: host www\.evil\.example is not one of"):
        middleware.process_request(Request("https://www.evil.example/azerbaijan"))
    # a redirect follow-up comes back through process_request
    hop = Request("http://169.254.169.254/", meta={"redirect_urls": ["https://www.unicef.org/x"]})
    with pytest.raises(AddressRefused, match=r"host 169\.254\.169\.254 is not one of"):
        middleware.process_request(hop)
    # a redirect Scrapy itself will not follow is refused, not left as a bare 302
    request = Request("https://www.unicef.org/x")
    redirect = Response("https://www.unicef.org/x", status=302,
                        headers={"Location": "file:///etc/passwd"})
    with pytest.raises(AddressRefused, match="refused: file URL"):
        middleware.process_response(request, redirect)
    fine = Response("https://www.unicef.org/x", status=301, headers={"Location": "/azerbaijan/y"})
    assert middleware.process_response(request, fine) is fine


def test_middleware_refuses_everything_for_a_spider_without_a_source() -> None:
    crawler: Any = SimpleNamespace(spider=SimpleNamespace(), stats=None)
    with pytest.raises(AddressRefused, match="no address rules"):
        AddressGuardMiddleware(crawler).process_request(Request("http://127.0.0.1/"))


def test_resolver_trusts_the_origins_the_settings_name() -> None:
    settings: Any = SimpleNamespace(getlist=lambda name: ["Replica.Test 443", "::1 8080"])
    resolver = GuardedResolver.from_crawler(SimpleNamespace(settings=settings), reactor=None)
    assert resolver.trusted == {("replica.test", 443), ("::1", 8080)}


# --- a real run ------------------------------------------------------------------------------------

@pytest.fixture
def canary() -> Iterator[socket.socket]:
    """A listening socket nothing may connect to."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.setblocking(False)
    yield listener
    listener.close()


def connections(listener: socket.socket) -> int:
    count = 0
    while True:
        try:
            connection, _ = listener.accept()
        except BlockingIOError:
            return count
        connection.close()
        count += 1


@pytest.mark.slow
def test_a_run_refuses_every_other_hop_before_connecting(tmp_path: Path, server: MockServer,
                                                         canary: socket.socket) -> None:
    port, trap = server.port, canary.getsockname()[1]
    named = f"http://example.test:{port}"          # allowed_domains entry: trusted as written
    redirects = {
        "other-port": f"http://127.0.0.1:{trap}/steal",
        "other-host": f"http://localhost:{trap}/steal",
        "file": "file:///etc/passwd",
        "metadata-literal": "http://169.254.169.254/latest/meta-data/",
        "mapped-v6": "http://[::ffff:127.0.0.1]/",
        # names allowed by allowed_domains, on the written port, resolving where they must not
        "name-to-loopback": f"http://www.example.test:{port}/dns-loopback",
        "name-to-metadata": f"http://metadata.example.test:{port}/latest/meta-data/",
    }
    urls = [server.sample("/ok", "ngo-news"), f"{named}/by-name"]
    server.sample("/by-name", "unicef-page")
    urls += [f"{server.url}/redirect?to={target}" for target in redirects.values()]
    urls.append(server.page("/refresh", f'<html><head><meta http-equiv="refresh" content="0; '
                                        f'url=http://localhost:{trap}/"></head><body></body></html>'))
    config = tmp_path / "profilewatch.toml"
    config.write_text("[settings]\ndelay = 0\nretries = 0\ntimeout = 5\n[[source]]\n"
                      f'name = "guarded"\nurls = {json.dumps(urls)}\n'
                      'allowed_domains = ["example.test"]\n')
    db = f"sqlite:///{tmp_path / 'store.db'}"
    fake_dns = {"example.test": "127.0.0.1", "www.example.test": "127.0.0.1",
                "metadata.example.test": "169.254.169.254"}
    run = proctree.run_measured(pw_command(db, config, "run", fake_dns=fake_dns), env=pw_env(),
                                cwd=tmp_path, timeout=60)
    assert run.code == 0, run.stderr

    assert connections(canary) == 0                          # nothing reached the trap
    requested = server.paths_requested()
    assert "/dns-loopback" not in requested and "/latest/meta-data/" not in requested
    assert any(r.headers.get("host") == f"example.test:{port}" for r in server.requests)

    status = proctree.run_measured(pw_command(db, config, "status", "--json"), env=pw_env(),
                                   cwd=tmp_path)
    [source] = json.loads(status.stdout)
    failing = {page["url"]: page["last_error"] for page in source["failing"]}
    store = Store.open(db)
    try:
        not_here = "is not one of this source's hosts (its urls and allowed_domains)"
        expected = {
            # the configured host on another port: not as written, so its address must be public
            "other-port": "refused: host 127.0.0.1 resolves to a loopback address (127.0.0.1)",
            "other-host": f"refused: host localhost {not_here}",
            "file": "refused: file URL: only http and https pages are fetched",
            "metadata-literal": f"refused: host 169.254.169.254 {not_here}",
            "mapped-v6": f"refused: host ::ffff:127.0.0.1 {not_here}",
            "name-to-loopback": "refused: host www.example.test resolves to a loopback address "
                                "(127.0.0.1)",
            "name-to-metadata": "refused: host metadata.example.test resolves to a link-local "
                                "address (169.254.169.254)",
        }
        for name, target in redirects.items():
            url = f"{server.url}/redirect?to={target}"
            check = last_check(store, url)
            assert (check["outcome"], check["reason"]) == ("failed", expected[name]), name
            # the refused hop is on record (a redirect Scrapy would not follow stays the page's)
            assert check["final_url"] == (url if name == "file" else target)
            assert store.history(url) == []
            assert expected[name] in run.stdout and failing[url] == expected[name]
        refresh = last_check(store, server.url + "/refresh")
        assert refresh["reason"] == f"refused: host localhost {not_here}"
        # what the config writes was fetched: the mock server's own address, and a name
        assert len(store.history(server.url + "/ok")) == 1
        assert len(store.history(f"{named}/by-name")) == 1
    finally:
        store.close()
