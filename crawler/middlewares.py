"""Downloader middlewares: thin glue around request policies."""

from __future__ import annotations

from scrapy import Request, Spider
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware, RedirectMiddleware
from scrapy.http import Response


class ConditionalRequestMiddleware:
    """Send ``If-None-Match`` / ``If-Modified-Since`` from the validators the store kept.

    The spider puts the validators in ``request.meta["validators"]``; a redirect's follow-up request
    goes to another URL, so it carries none.
    """

    def process_request(self, request: Request) -> None:
        validators = request.meta.get("validators")
        if not validators or request.meta.get("redirect_times"):
            return None
        etag, last_modified = validators
        if etag and b"If-None-Match" not in request.headers:
            request.headers[b"If-None-Match"] = etag
        if last_modified and b"If-Modified-Since" not in request.headers:
            request.headers[b"If-Modified-Since"] = last_modified
        return None


class NoRefererMixin:
    """profilewatch sends no ``Referer`` (Scrapy's RefererMiddleware is off: a watched page is
    fetched for itself, never from another page), so a redirect's follow-up carries none either,
    and Scrapy's start-up warning about the missing RefererMiddleware (four long lines on every
    run) does not apply."""

    def handle_referer(self, request: Request, response: Response) -> None:
        request.headers.pop("Referer", None)

    def _engine_started(self) -> None:
        """Scrapy looks for RefererMiddleware here and warns when it is off, as it is on purpose."""


class RedirectWithoutRefererMiddleware(NoRefererMixin, RedirectMiddleware):
    """Scrapy's 30x redirect follower, without Referer handling (:class:`NoRefererMixin`)."""


class BoundedMetaRefreshMiddleware(NoRefererMixin, MetaRefreshMiddleware):
    """Scrapy's ``<meta http-equiv="refresh">`` follower, bounded like a redirect.

    A refresh within ``METAREFRESH_MAXDELAY`` seconds is followed like a 30x (the address rules of
    :mod:`crawler.guard` apply to the follow-up, ``REDIRECT_MAX_TIMES`` counts it); a refresh to
    the page's own address is a reload, not a redirect, and is not followed (Scrapy would loop on
    it until the redirect limit).
    """

    def process_response(self, request: Request, response: Response,
                         spider: Spider | None = None) -> Request | Response:
        result = super().process_response(request, response)
        if isinstance(result, Request) and result.url == response.url:
            return response
        return result
