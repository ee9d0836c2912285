"""Downloader middlewares: thin glue around request policies."""

from __future__ import annotations

from scrapy import Request


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
