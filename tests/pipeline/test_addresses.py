"""Address rules (SSRF), the pure policy of ``pipeline.addresses``: which URLs, hops and resolved
addresses a source may reach."""

from __future__ import annotations

import pytest

from pipeline.addresses import (
    HostPolicy,
    address_problem,
    hop_refusal,
    resolution_refusal,
    url_refusal,
)

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
