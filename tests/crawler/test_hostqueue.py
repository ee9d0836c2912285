"""The scheduler's queue: start pages are taken one host at a time, whatever the listing order."""

from __future__ import annotations

from crawler.hostqueue import by_host_turns


def test_start_pages_listed_site_by_site_are_taken_round_robin() -> None:
    urls = [f"https://{host}/p{n}" for host in ("a.org", "b.org", "c.org") for n in range(3)]
    urls.insert(2, "https://A.ORG:8443/other")      # one host name, whatever the case and port
    assert by_host_turns(urls) == [
        "https://a.org/p0", "https://b.org/p0", "https://c.org/p0",
        "https://a.org/p1", "https://b.org/p1", "https://c.org/p1",
        "https://A.ORG:8443/other", "https://b.org/p2", "https://c.org/p2",
        "https://a.org/p2",
    ]


def test_one_host_keeps_its_order() -> None:
    urls = [f"https://a.org/p{n}" for n in (3, 1, 2)]
    assert by_host_turns(urls) == urls
    assert by_host_turns([]) == []
