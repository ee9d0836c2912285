"""The meta-refresh follower: a refresh within the bound is a redirect, a reload is not."""

from __future__ import annotations

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
