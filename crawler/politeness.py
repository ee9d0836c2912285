"""Politeness: per-host spacing shared by every source, raised to robots.txt ``Crawl-delay``.

Scrapy obeys robots.txt ``Disallow`` (``RobotsTxtMiddleware``, ``ROBOTSTXT_OBEY``) but not
``Crawl-delay``, and its per-domain delay belongs to one crawler: a run starts one crawler per
source, so two sources on one host would each keep their own pace. This middleware spaces the
request *starts* to each host across all crawlers of the process by the larger of the configured
``delay`` and the host's ``Crawl-delay`` (capped, see :data:`MAX_CRAWL_DELAY`). Per-host
concurrency stays Scrapy's ``CONCURRENT_REQUESTS_PER_DOMAIN``.

Retries after 429/503 and their ``Retry-After`` are another middleware's business; it may ask
:func:`min_delay` for the floor this one keeps.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.utils.httpobj import urlparse_cached

logger = logging.getLogger(__name__)

# The longest Crawl-delay honoured, in seconds. A daily check of a few hundred pages on one host
# must finish within the day: 500 pages x 60 s is 8 h 20 min. Larger values are capped (logged).
MAX_CRAWL_DELAY = 60.0


class HostGate:
    """Reserves start times per host: each request starts ``delay`` after the previous one."""

    def __init__(self) -> None:
        self._next: dict[str, float] = {}
        self.crawl_delays: dict[str, float] = {}

    def reserve(self, host: str, delay: float, now: float | None = None) -> float:
        """Seconds to wait before the request to ``host`` may start (0 when it may start now)."""
        now = time.monotonic() if now is None else now
        start = max(now, self._next.get(host, now))
        self._next[host] = start + delay
        return start - now

    def reset(self) -> None:
        self._next.clear()
        self.crawl_delays.clear()


# One gate per process: every crawler of a run shares it.
GATE = HostGate()


def min_delay(host: str, configured: float = 0.0) -> float:
    """The least time between two requests to ``host``: the configured delay or its Crawl-delay."""
    return max(configured, GATE.crawl_delays.get(host.lower(), 0.0))


class PolitenessMiddleware:
    """Downloader middleware: wait for the host's turn (configured delay, robots Crawl-delay)."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.delay = settings.getfloat("DOWNLOAD_DELAY")
        self.user_agent: str = settings.get("ROBOTSTXT_USER_AGENT") or settings.get("USER_AGENT")
        self.crawler = crawler
        if settings.getbool("ROBOTSTXT_OBEY"):
            crawler.signals.connect(self.robots_parsed, signal=signals.robots_parsed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PolitenessMiddleware:
        return cls(crawler)

    def robots_parsed(self, robotparser: Any, request: Request) -> None:
        host = (urlparse_cached(request).hostname or "").lower()
        reader = getattr(robotparser, "crawl_delay", None)
        try:
            delay = reader(self.user_agent) if reader is not None else None
        except (TypeError, ValueError):
            delay = None
        if not delay or delay <= 0:
            return
        if delay > MAX_CRAWL_DELAY:
            logger.warning("%s asks for Crawl-delay %s s; using %s s", host, delay, MAX_CRAWL_DELAY)
            delay = MAX_CRAWL_DELAY
        GATE.crawl_delays[host] = max(float(delay), GATE.crawl_delays.get(host, 0.0))
        if self.crawler.stats is not None:
            self.crawler.stats.set_value(f"politeness/crawl_delay/{host}", delay)
        logger.info("%s: Crawl-delay %s s", host, delay)

    async def process_request(self, request: Request) -> None:
        host = (urlparse_cached(request).hostname or "").lower()
        delay = min_delay(host, self.delay)
        if delay <= 0:
            return None
        wait = GATE.reserve(host, delay)
        if wait > 0:
            if self.crawler.stats is not None:
                self.crawler.stats.inc_value("politeness/waited_ms", int(wait * 1000))
            await asyncio.sleep(wait)
        return None
