"""Politeness: one pace per host for every source of a run, robots.txt ``Crawl-delay`` included.

Scrapy obeys robots.txt ``Disallow`` but not ``Crawl-delay``, and its per-domain delay belongs to
one crawler: a run starts one crawler per source, so two sources on one host would each keep their
own pace. Here:

- :class:`RobotsTxtMiddleware` (Scrapy's, replacing it) records each host's ``Crawl-delay``
  (capped at :data:`MAX_CRAWL_DELAY`). It also mends a Scrapy bug: since ``robot_parser`` became a
  coroutine (scrapy/scrapy#6802) only the first request waiting for a host's robots.txt receives
  the rules; the others receive ``None`` and are let through, so the first pages of a run ignored
  ``Disallow``;
- :class:`PoliteDownloadHandler` (Scrapy's HTTP handler) waits for the host's turn right before
  the request goes on the wire: starts to one host are at least the larger of the configured
  ``delay`` and its ``Crawl-delay`` apart, across all crawlers of the process (:data:`GATE`).
  Waiting at the wire, not earlier, matters: a wait taken before Scrapy's own slot queue is undone
  when the queue releases requests in a burst.

Per-host concurrency stays Scrapy's ``CONCURRENT_REQUESTS_PER_DOMAIN``. Retries after 429/503 and
their ``Retry-After`` are another middleware's business; it may ask :func:`min_delay` for the floor
this module keeps.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from scrapy import Request, signals
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares import robotstxt
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

logger = logging.getLogger(__name__)

# The longest Crawl-delay honoured, in seconds. A daily check of a few hundred pages on one host
# must finish within the day: 500 pages x 60 s is 8 h 20 min. Larger values are capped (logged).
MAX_CRAWL_DELAY = 60.0


class HostGate:
    """Takes turns per host: a request goes when the previous one to its host went ``delay`` ago.

    Turns are taken one at a time per host and measured from when the previous request actually
    left (not from when it was scheduled to), so a late start, e.g. while the reactor thread was
    busy extracting a page, never shortens the next gap.
    """

    def __init__(self) -> None:
        self._last: dict[str, float] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self.crawl_delays: dict[str, float] = {}

    async def wait_turn(self, host: str, delay: float) -> float:
        """Wait for ``host``'s turn; returns the seconds waited."""
        lock = self._locks.setdefault(host, asyncio.Lock())
        async with lock:
            wait = self._last.get(host, -delay) + delay - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            self._last[host] = time.monotonic()
        return max(wait, 0.0)


# One gate per process: every crawler of a run shares it.
GATE = HostGate()


def min_delay(host: str, configured: float = 0.0) -> float:
    """The least time between two requests to ``host``: the configured delay or its Crawl-delay."""
    return max(configured, GATE.crawl_delays.get(host.lower(), 0.0))


class PoliteDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP(S) handler, waiting for the host's turn before each request is sent."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self._delay = crawler.settings.getfloat("DOWNLOAD_DELAY")
        self._stats = crawler.stats

    async def download_request(self, request: Request) -> Response:
        host = (urlparse_cached(request).hostname or "").lower()
        # every request takes a turn (robots.txt too, before any Crawl-delay is known): the next
        # request's wait counts from it
        waited = await GATE.wait_turn(host, min_delay(host, self._delay))
        if waited > 0 and self._stats is not None:
            self._stats.inc_value("politeness/waited_ms", int(waited * 1000))
        return await super().download_request(request)


class RobotsErrorLine(logging.Filter):
    """Scrapy logs a robots.txt it could not fetch as an error with the whole traceback, once per
    host; the host's pages then go ahead and record their own failure. This makes it one warning
    line with the short reason users read elsewhere ("DNS lookup failed", "connection refused")."""

    def filter(self, record: logging.LogRecord) -> bool:
        from crawler.failures import exception_reason  # crawler.failures → guard → this module

        exc = record.exc_info[1] if record.exc_info else None
        if exc is None or not isinstance(record.args, dict):
            return True
        request = record.args.get("request")
        host = urlparse_cached(request).netloc if isinstance(request, Request) else "a host"
        record.msg = "robots.txt of %s could not be fetched (%s); its pages are checked without it"
        record.args = (host, exception_reason(exc))
        record.exc_info = record.exc_text = None
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


ROBOTS_ERROR_LINE = RobotsErrorLine()


class RobotsTxtMiddleware(robotstxt.RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware: every waiting request gets the rules; Crawl-delay kept;
    a robots.txt that cannot be fetched is one warning line (:class:`RobotsErrorLine`)."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        crawler.signals.connect(self.robots_parsed, signal=signals.robots_parsed)
        robotstxt.logger.addFilter(ROBOTS_ERROR_LINE)    # a set: added once however many crawlers

    async def robot_parser(self, request: Request) -> Any:
        parser = await super().robot_parser(request)
        if parser is None:
            # the parser is stored before the waiters are woken; a waiter past the first one was
            # handed None by the Deferred chain (see the module docstring)
            stored = self._parsers.get(urlparse_cached(request).netloc)
            if stored is not None and not isinstance(stored, Deferred):
                return stored
        return parser

    def robots_parsed(self, robotparser: Any, request: Request) -> None:
        host = (urlparse_cached(request).hostname or "").lower()
        agent = self._robotstxt_useragent or self._default_useragent
        try:
            delay = float(robotparser.crawl_delay(agent) or 0)
        except (AttributeError, TypeError, ValueError):
            delay = 0.0
        if delay <= 0:
            return
        if delay > MAX_CRAWL_DELAY:
            logger.warning("%s asks for Crawl-delay %s s; using %s s", host, delay, MAX_CRAWL_DELAY)
            delay = MAX_CRAWL_DELAY
        GATE.crawl_delays[host] = max(delay, GATE.crawl_delays.get(host, 0.0))
        if self._stats is not None:
            self._stats.set_value(f"politeness/crawl_delay/{host}", delay)
        logger.info("%s: Crawl-delay %s s", host, delay)
