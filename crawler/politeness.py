"""Politeness: one pace per host for every source of a run, robots.txt ``Crawl-delay`` included.

Scrapy obeys robots.txt ``Disallow`` but not ``Crawl-delay``, and its per-domain delay belongs to
one crawler: a run starts one crawler per source, so two sources on one host would each keep their
own pace. Here:

- :class:`RobotsTxtMiddleware` (Scrapy's, replacing it) records each host's ``Crawl-delay``
  (capped at :data:`MAX_CRAWL_DELAY`). It also mends a Scrapy bug: since ``robot_parser`` became a
  coroutine (scrapy/scrapy#6802) only the first request waiting for a host's robots.txt receives
  the rules; the others receive ``None`` and are let through, so the first pages of a run ignored
  ``Disallow``;
- :class:`PoliteDownloadHandler` (Scrapy's HTTP handler) holds the host's turn for each request
  (:class:`HostGate`, one for all crawlers of the process: :data:`GATE`): with a ``delay`` (or a
  ``Crawl-delay``), requests to one host go one at a time, each at least the larger of the two
  after the previous one to that host *finished*, robots.txt included. No jitter;
- :class:`RobotsTxtMiddleware` also sends a page that waited for its host's robots.txt back to
  the scheduler's queue, to wait there for its turn (``delay`` after robots.txt's answer) rather
  than in one of the run's request slots;
- :class:`crawler.hostqueue.HostTurnQueue` (the scheduler's queue) hands the downloader only
  requests whose host's turn has come, the longest-waiting host first, so one host's backlog never
  fills the run's global request slots while other hosts wait: a cycle over many hosts takes as
  long as its busiest host's queue, whatever the order the pages are listed in.

Per-host concurrency without a delay stays Scrapy's ``CONCURRENT_REQUESTS_PER_DOMAIN``. Retries
after 429/503 and their ``Retry-After`` are another middleware's business; it may ask
:func:`min_delay` for the floor this module keeps.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import AsyncIterator
from typing import Any

from scrapy import Request, signals
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares import robotstxt
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

logger = logging.getLogger(__name__)

# The crawler setting holding the configured ``delay`` (Scrapy's own DOWNLOAD_DELAY stays 0: its
# slots would add a second, jittered wait that holds a global request slot).
DELAY_SETTING = "PROFILEWATCH_DELAY"
# The longest Crawl-delay honoured, in seconds. A daily check of a few hundred pages on one host
# must finish within the day: 500 pages x 60 s is 8 h 20 min. Larger values are capped (logged).
MAX_CRAWL_DELAY = 60.0
# A paced host's request leaves the scheduler's queue (crawler.hostqueue) this long before its
# turn and waits the rest at the gate, which then sends it on time: the way from the queue to the
# wire (the engine's next call, the middlewares, a reactor busy writing a batch) took ~50 ms a
# request on a loaded 2-core machine, and a request released exactly on its turn went that much
# late every time. It holds a global request slot that long at most: 0.1 s of each 0.5 s turn.
LEAD = 0.1
# Request meta: sent back to the scheduler to wait for its turn (the queue puts it first again).
REQUEUED = "politeness_requeued"


class HostGate:
    """Takes turns per host: a request goes ``delay`` seconds after the previous one to its host
    *finished* (its response, or its failure, came back), one at a time.

    Counting from the end of the previous exchange, not from when it was sent, is what makes the
    gap real where the server sees it: the server notes a request somewhere between its arrival
    and its answer, and only the answer's arrival tells the client it has. Counted from the send
    (the bytes written to the socket, measured with a hook on the connection), the requests went
    out exactly ``delay`` apart, but nginx on a loaded 2-core machine logged gaps of 0.496 s at
    ``delay = 0.5``: it noticed the first of two requests a few milliseconds late (and more than
    20 ms late at load 5). With the whole exchange inside the turn, two requests to one host
    (robots.txt included) are always at least ``delay`` apart on the server's clock; the cost is
    the exchange's round trip per request (1-3 ms on loopback).
    """

    def __init__(self) -> None:
        self._last: dict[str, float] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self.crawl_delays: dict[str, float] = {}

    def delay(self, host: str, configured: float) -> float:
        """The least time between two requests to ``host``: ``configured`` or its Crawl-delay."""
        return max(configured, self.crawl_delays.get(host, 0.0))

    def next_turn(self, host: str, configured: float) -> float:
        """When (``time.monotonic()``) a request to ``host`` may go next, if none is under way."""
        last = self._last.get(host)
        return -math.inf if last is None else last + self.delay(host, configured)

    def release_at(self, host: str, configured: float) -> float:
        """When a request to ``host`` may leave the scheduler's queue: :data:`LEAD` (at most a
        quarter of the delay) before its turn."""
        return self.next_turn(host, configured) - min(LEAD, self.delay(host, configured) / 4)

    def busy(self, host: str) -> bool:
        """Whether a request to ``host`` holds its turn (or waits for it)."""
        lock = self._locks.get(host)
        return lock is not None and lock.locked()

    @contextlib.asynccontextmanager
    async def turn(self, host: str, configured: float) -> AsyncIterator[float]:
        """Hold ``host``'s turn for one request (yields the seconds waited for it)."""
        if self.delay(host, configured) <= 0:      # no pace: no queue, only the end time
            try:
                yield 0.0
            finally:
                self._last[host] = time.monotonic()
            return
        lock = self._locks.setdefault(host, asyncio.Lock())
        async with lock:
            # read the delay once the turn is ours: robots.txt may have set a Crawl-delay meanwhile
            wait = self.next_turn(host, configured) - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                yield max(wait, 0.0)
            finally:
                self._last[host] = time.monotonic()

    async def wait_turn(self, host: str, delay: float) -> float:
        """Take and release ``host``'s turn at once (a request that takes no time)."""
        async with self.turn(host, delay) as waited:
            return waited


# One gate per process: every crawler of a run shares it.
GATE = HostGate()


def min_delay(host: str, configured: float = 0.0) -> float:
    """The least time between two requests to ``host``: the configured delay or its Crawl-delay."""
    return GATE.delay(host.lower(), configured)


class PoliteDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP(S) handler: each request to a paced host holds the host's turn (waits for it,
    then downloads) — see :class:`HostGate`. :class:`crawler.hostqueue.HostTurnQueue` releases
    requests from the scheduler :data:`LEAD` before their host's turn, so waits here are short."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self._delay = crawler.settings.getfloat(DELAY_SETTING)
        self._stats = crawler.stats

    async def download_request(self, request: Request) -> Response:
        host = (urlparse_cached(request).hostname or "").lower()
        # every request takes a turn (robots.txt too, before any Crawl-delay is known): the next
        # request's wait counts from its end
        async with GATE.turn(host, self._delay) as waited:
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
    a robots.txt that cannot be fetched is one warning line (:class:`RobotsErrorLine`); a page
    that waited for robots.txt waits for its turn in the scheduler's queue, not in a request slot.
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self._delay = crawler.settings.getfloat(DELAY_SETTING)
        crawler.signals.connect(self.robots_parsed, signal=signals.robots_parsed)
        robotstxt.logger.addFilter(ROBOTS_ERROR_LINE)    # a set: added once however many crawlers

    async def process_request(self, request: Request) -> Request | None:  # type: ignore[override]
        """Scrapy's check; then a page whose host's robots.txt was fetched for it goes back to the
        scheduler when its turn (``delay`` after robots.txt's answer) is still to come. Waiting
        here, it would hold one of the run's request slots for the whole delay: with more hosts
        than slots, the other hosts' robots.txt (and so all their pages) would start that late."""
        netloc = urlparse_cached(request).netloc
        fetching = netloc not in self._parsers or isinstance(self._parsers[netloc], Deferred)
        await super().process_request(request)      # IgnoreRequest when disallowed
        if not fetching or request.meta.get("dont_obey_robotstxt"):
            return None
        host = (urlparse_cached(request).hostname or "").lower()
        if GATE.release_at(host, self._delay) <= time.monotonic() and not GATE.busy(host):
            return None
        if self._stats is not None:
            self._stats.inc_value("politeness/requeued_after_robots")
        # the scheduler's duplicate filter has seen it already
        requeued = request.replace(dont_filter=True)
        requeued.meta[REQUEUED] = True
        return requeued

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
