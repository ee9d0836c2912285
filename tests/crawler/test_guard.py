"""The address guard of ``crawler.guard`` without a crawl: the downloader middleware checks pages,
links and redirect hops; the resolver trusts the origins the settings name."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from scrapy import Request
from scrapy.http import Response

from crawler.guard import AddressGuardMiddleware, AddressRefused, GuardedResolver
from profilewatch.config import SourceConfig


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
