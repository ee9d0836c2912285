"""Address rules (SSRF): the pure policy, the middleware, and a real run with a fake resolver.

The run proves the rules hold *before any connection*: a canary socket on another port must never
see a connection attempt, and the mock server must never see a request for a refused path, even
when the refused name resolves (through the fake resolver) to the very address of the mock server.
"""

from __future__ import annotations

import ipaddress
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
    address_kind,
    resolution_refusal,
    trust_for,
    url_refusal,
)
from profilewatch.config import SourceConfig
from storage.store import Store
from tests.mockserver import MockServer
from tests.reliability import proctree
from tests.reliability.conftest import last_check, pw_command, pw_env

TRUST = trust_for(["http://127.0.0.1:8000/watched", "https://www.unicef.org/azerbaijan/x",
                   "https://example.org/sitemap.xml"], ["partner.test"])


@pytest.mark.parametrize(("url", "reason"), [
    # hosts written in the config: trusted as written, and so are their other pages
    ("http://127.0.0.1:8000/other/page", None),
    ("https://www.unicef.org/azerbaijan/stories/y", None),
    ("http://WWW.UNICEF.ORG./azerbaijan", None),
    ("https://example.org/page", None),
    ("https://partner.test/a", None),
    # allowed by name (public addresses only, checked at resolution)
    ("https://www.partner.test/a", None),
    ("https://unicef.org/azerbaijan", None),
    ("http://www.partner.test:8000/a", None),
    # refused
    ("http://evil.example/steal", "refused: host evil.example is not in the source's config"),
    ("http://unicef.org.evil.example/", "refused: host unicef.org.evil.example is not in the "
                                        "source's config"),
    ("http://notpartner.test/", "refused: host notpartner.test is not in the source's config"),
    ("http://127.0.0.1:6379/", "refused: port 6379 of 127.0.0.1 is not in the source's config"),
    ("http://www.partner.test:22/", "refused: port 22 of www.partner.test is not in the source's "
                                    "config"),
    ("file:///etc/passwd", "refused: file: URL (only http and https are fetched)"),
    ("data:text/html,<h1>x</h1>", "refused: data: URL (only http and https are fetched)"),
    ("ftp://www.unicef.org/x", "refused: ftp: URL (only http and https are fetched)"),
    ("javascript:alert(1)", "refused: javascript: URL (only http and https are fetched)"),
    ("http://www.unicef.org@evil.example/", "refused: URL with user info"),
    ("http://169.254.169.254/latest/meta-data/", "refused: 169.254.169.254 is a link-local "
                                                 "address"),
    ("http://10.0.0.7/", "refused: 10.0.0.7 is a private address"),
    ("http://192.168.1.1/", "refused: 192.168.1.1 is a private address"),
    ("http://127.0.0.2:8000/", "refused: 127.0.0.2 is a loopback address"),
    ("http://[::1]:8000/", "refused: ::1 is a loopback address"),
    ("http://[::ffff:169.254.169.254]/", "refused: ::ffff:169.254.169.254 is a link-local "
                                         "address"),
    ("http://0.0.0.0:8000/", "refused: 0.0.0.0 is an unspecified address"),
    ("http://224.0.0.1/", "refused: 224.0.0.1 is a multicast address"),
    ("http://100.64.0.1/", "refused: 100.64.0.1 is a non-public address"),
    ("http://2130706433/", "refused: host 2130706433 is not in the source's config"),
    ("http://[fe80::1]/", "refused: fe80::1 is a link-local address"),
    ("http://8.8.8.8/", "refused: host 8.8.8.8 is not in the source's config"),
    ("http://127.0.0.1:notaport/", "refused: malformed URL"),
])
def test_url_rules(url: str, reason: str | None) -> None:
    assert url_refusal(url, TRUST) == reason


def test_trust_names_what_the_config_writes() -> None:
    assert TRUST.written == {"127.0.0.1", "www.unicef.org", "example.org", "partner.test"}
    assert TRUST.aliases == {"unicef.org"}
    assert TRUST.ports == {80, 443, 8000}
    assert not TRUST.trusted("www.partner.test") and TRUST.allowed_by_name("www.partner.test")


@pytest.mark.parametrize(("address", "kind"), [
    ("127.0.0.1", "loopback"), ("10.1.2.3", "private"), ("172.16.0.1", "private"),
    ("192.168.0.1", "private"), ("169.254.169.254", "link-local"), ("224.0.0.251", "multicast"),
    ("0.0.0.0", "unspecified"), ("240.0.0.1", "reserved"), ("100.64.0.1", "non-public"),
    ("::1", "loopback"), ("fd00::1", "private"), ("fe80::1", "link-local"), ("ff02::1", "multicast"),
    ("::ffff:10.0.0.1", "private"), ("2002:7f00:1::", "loopback"),
    ("93.184.215.14", None), ("2606:2800:21f:cb07:6820:80da:af6b:8b2c", None),
])
def test_address_kinds(address: str, kind: str | None) -> None:
    assert address_kind(ipaddress.ip_address(address)) == kind


def test_resolution_keeps_public_addresses_of_untrusted_names() -> None:
    public, loopback, metadata = (ipaddress.ip_address(a) for a in
                                  ("93.184.215.14", "127.0.0.1", "169.254.169.254"))
    trusted = frozenset({"replica.test"})
    assert resolution_refusal("replica.test", [loopback], trusted) == ([loopback], None)
    assert resolution_refusal("REPLICA.test.", [loopback], trusted) == ([loopback], None)
    assert resolution_refusal("www.example.org", [loopback, public], trusted) == ([public], None)
    assert resolution_refusal("www.example.org", [metadata], trusted) == (
        [], "refused: www.example.org resolves to 169.254.169.254, a link-local address")
    assert resolution_refusal("nothing.example", [], trusted) == ([], None)


# --- the middleware, without a crawl ---------------------------------------------------------------

def guard(**source: Any) -> AddressGuardMiddleware:
    config = SourceConfig(name="s", **source)
    crawler: Any = SimpleNamespace(spider=SimpleNamespace(source=config), stats=None)
    return AddressGuardMiddleware(crawler)


def test_middleware_checks_pages_links_and_redirect_hops() -> None:
    middleware = guard(urls=("https://www.unicef.org/azerbaijan/inclusive-education",))
    assert middleware.process_request(Request("https://www.unicef.org/azerbaijan/stories")) is None
    # a discovered link to another host
    with pytest.raises(AddressRefused, match=r"host www\.evil\.example is not in"):
        middleware.process_request(Request("https://www.evil.example/azerbaijan"))
    # a redirect follow-up comes back through process_request
    hop = Request("http://169.254.169.254/", meta={"redirect_urls": ["https://www.unicef.org/x"]})
    with pytest.raises(AddressRefused, match=r"169\.254\.169\.254 is a link-local address"):
        middleware.process_request(hop)
    # a redirect Scrapy itself will not follow is refused, not left as a bare 302
    request = Request("https://www.unicef.org/x")
    redirect = Response("https://www.unicef.org/x", status=302,
                        headers={"Location": "file:///etc/passwd"})
    with pytest.raises(AddressRefused, match="file: URL"):
        middleware.process_response(request, redirect)
    fine = Response("https://www.unicef.org/x", status=301, headers={"Location": "/azerbaijan/y"})
    assert middleware.process_response(request, fine) is fine


def test_middleware_refuses_everything_for_a_spider_without_a_source() -> None:
    crawler: Any = SimpleNamespace(spider=SimpleNamespace(), stats=None)
    with pytest.raises(AddressRefused, match="no address rules"):
        AddressGuardMiddleware(crawler).process_request(Request("http://127.0.0.1/"))


def test_resolver_trusts_what_the_settings_name() -> None:
    settings: Any = SimpleNamespace(getlist=lambda name: ["Replica.Test", "127.0.0.1"])
    resolver = GuardedResolver.from_crawler(SimpleNamespace(settings=settings), reactor=None)
    assert resolver.trusted == {"replica.test", "127.0.0.1"}


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

    store = Store.open(db)
    try:
        expected = {
            "other-port": f"refused: port {trap} of 127.0.0.1 is not in the source's config",
            "other-host": "refused: host localhost is not in the source's config",
            "file": "refused: file: URL (only http and https are fetched)",
            "metadata-literal": "refused: 169.254.169.254 is a link-local address",
            "mapped-v6": "refused: ::ffff:127.0.0.1 is a loopback address",
            "name-to-loopback": "refused: www.example.test resolves to 127.0.0.1, a loopback "
                                "address",
            "name-to-metadata": "refused: metadata.example.test resolves to 169.254.169.254, "
                                "a link-local address",
        }
        for name, target in redirects.items():
            url = f"{server.url}/redirect?to={target}"
            check = last_check(store, url)
            assert (check["outcome"], check["reason"]) == ("failed", expected[name]), name
            # the refused hop is on record (a redirect Scrapy would not follow stays the page's)
            assert check["final_url"] == (url if name == "file" else target)
            assert store.history(url) == []
            assert expected[name] in run.stdout
        refresh = last_check(store, server.url + "/refresh")
        assert refresh["reason"] == "refused: host localhost is not in the source's config"
        # what the config writes was fetched: the mock server's own address, and a name
        assert len(store.history(server.url + "/ok")) == 1
        assert len(store.history(f"{named}/by-name")) == 1
    finally:
        store.close()
