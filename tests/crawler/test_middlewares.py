"""The meta-refresh follower: a refresh within the bound is a redirect, a reload is not."""

from __future__ import annotations

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from crawler.middlewares import BoundedMetaRefreshMiddleware
from crawler.settings import METAREFRESH_MAXDELAY


def _response(url: str, refresh: str) -> HtmlResponse:
    body = f'<html><head><meta http-equiv="refresh" content="{refresh}"></head><body></body></html>'
    return HtmlResponse(url, body=body.encode(), encoding="utf-8")


def _middleware() -> BoundedMetaRefreshMiddleware:
    crawler = get_crawler(settings_dict={"METAREFRESH_MAXDELAY": METAREFRESH_MAXDELAY})
    return BoundedMetaRefreshMiddleware.from_crawler(crawler)


def test_a_prompt_refresh_is_followed_like_a_redirect() -> None:
    url = "https://site.test/news/old"
    result = _middleware().process_response(Request(url), _response(url, "0; url=/news/new"))
    assert isinstance(result, Request) and result.url == "https://site.test/news/new"
    assert result.meta["redirect_urls"] == [url] and result.meta["redirect_reasons"] == ["meta refresh"]


def test_a_reload_or_a_slow_refresh_is_the_page_itself() -> None:
    url = "https://site.test/news/live"
    for refresh in (f"5; url={url}", f"{METAREFRESH_MAXDELAY * 2}; url=/elsewhere", "60"):
        response = _response(url, refresh)
        assert _middleware().process_response(Request(url), response) is response, refresh


def test_redirects_carry_no_referer_and_start_without_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    """profilewatch's Referer policy is none: a followed redirect sends no Referer, and Scrapy's
    warning that RefererMiddleware is off (four long lines on every run's stderr) is not printed."""
    from crawler.middlewares import RedirectWithoutRefererMiddleware

    crawler = get_crawler(settings_dict={"REDIRECT_ENABLED": True})
    redirect = RedirectWithoutRefererMiddleware.from_crawler(crawler)
    request = Request("http://127.0.0.1/a", headers={"Referer": "http://127.0.0.1/elsewhere"})
    response = HtmlResponse("http://127.0.0.1/a", status=301, headers={"Location": "/b"}, request=request)
    followed = redirect.process_response(request, response)
    assert isinstance(followed, Request) and followed.url == "http://127.0.0.1/b"
    assert b"Referer" not in followed.headers
    with caplog.at_level("WARNING"):
        redirect._engine_started()
        _middleware()._engine_started()
    assert not [r for r in caplog.records if "RefererMiddleware" in r.getMessage()]
