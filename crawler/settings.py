"""Scrapy settings built from a validated :class:`~profilewatch.config.Config`.

The order of the item pipelines lives here, and only here.
"""

from __future__ import annotations

from typing import Any

from scrapy.settings.default_settings import EXTENSIONS_BASE

from crawler.documents import DOCUMENT_MAX_BYTES_SETTING
from crawler.guard import TRUSTED_ORIGINS_SETTING, trusted_origins
from crawler.politeness import DELAY_SETTING
from crawler.requisites import REQUISITES_SETTING, RequisiteSettings
from profilewatch.config import Config

ITEM_PIPELINES = {
    "crawler.pipelines.AnalysePipeline": 300,   # extraction, in worker processes
    "crawler.pipelines.RecordPipeline": 800,    # transition + the store writer's batch transaction
    "crawler.requisites.RequisitesPipeline": 900,   # a new version's stylesheets, images, fonts
}
DOWNLOADER_MIDDLEWARES = {
    # address rules first: a refused request makes no connection, not even for robots.txt
    "crawler.guard.AddressGuardMiddleware": 50,
    # Scrapy's, with its waiters mended and Crawl-delay recorded (see crawler.politeness)
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.politeness.RobotsTxtMiddleware": 100,
    "crawler.middlewares.ConditionalRequestMiddleware": 560,
    # meta refresh followed like a redirect, never to the page itself (a reload)
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.middlewares.BoundedMetaRefreshMiddleware": 580,
    # Scrapy's redirects, without Referer handling (its RefererMiddleware is off, below)
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "crawler.middlewares.RedirectWithoutRefererMiddleware": 600,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,   # replaced by ↓ (backoff)
    "crawler.retry.BackoffRetryMiddleware": 550,
    # only what a run uses (issue 18: each costs every request a call or two): no spider sets
    # allowed_domains (crawler.guard decides which hosts are fetched), no HTTP auth, and nobody
    # reads the downloader's byte counts (which serialise every request and response to count)
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "scrapy.downloadermiddlewares.httpauth.HttpAuthMiddleware": None,
    "scrapy.downloadermiddlewares.stats.DownloaderStats": None,
}
# No Referer headers to compute, no crawl depth (discovery has its own limits), no meta-copy check.
SPIDER_MIDDLEWARES = {
    "scrapy.spidermiddlewares.referer.RefererMiddleware": None,
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
    "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,
}
# Extensions a run never uses: left out of the base list (a ``None`` in EXTENSIONS still imports
# the class). The remote-control one would also open an HTTP port and import aiohttp.
UNUSED_EXTENSIONS = ("remote_control", "memusage", "memdebug", "feedexport", "spiderstate",
                     "throttle", "logstats")
# Every HTTP(S) request waits for its host's turn (configured delay, robots.txt Crawl-delay) across
# all the sources of a run, right before it is sent (see crawler.politeness).
DOWNLOAD_HANDLERS = {
    # crawler.politeness.PoliteDownloadHandler, reporting names the address rules refused
    "http": "crawler.guard.GuardedDownloadHandler",
    "https": "crawler.guard.GuardedDownloadHandler",
    # only the web is fetched: no local files, inline data, FTP or S3, whatever a page links to
    "file": None,
    "data": None,
    "ftp": None,
    "s3": None,
}
# Transient statuses retried inside a run (Scrapy's RetryMiddleware); 404/410 are never retried:
# they feed the ``gone`` rule.
# Meta refreshes within this many seconds are redirects (sites use 0-10 s for "this page has
# moved"); longer ones are periodic reloads.
METAREFRESH_MAXDELAY = 30
RETRY_HTTP_CODES = [408, 425, 429, 500, 502, 503, 504, 522, 524]


def build_settings(config: Config, *, log_level: str = "WARNING") -> dict[str, Any]:
    s = config.settings
    return {
        "BOT_NAME": "profilewatch",
        REQUISITES_SETTING: RequisiteSettings.of(config),   # crawler.requisites
        "USER_AGENT": s.user_agent,
        "ROBOTSTXT_OBEY": s.obey_robots,
        "CONCURRENT_REQUESTS": s.concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": s.per_domain_concurrency,
        # the pace is crawler.politeness's (no jitter, counted from the end of the previous request
        # to the host) and the scheduler's queue releases a request on its host's turn; Scrapy's
        # own slot delay would add a jittered second wait holding a global request slot
        DELAY_SETTING: s.delay,
        "DOWNLOAD_DELAY": 0,
        "SCHEDULER_PRIORITY_QUEUE": "crawler.hostqueue.HostTurnQueue",
        "CONCURRENT_REQUESTS_PER_IP": 0,
        "DOWNLOAD_TIMEOUT": s.timeout,
        "RETRY_ENABLED": s.retries > 0,
        "RETRY_TIMES": s.retries,
        "RETRY_HTTP_CODES": RETRY_HTTP_CODES,
        # a page that stays failed is data (a failed check in the summary and `status`), not an error
        "RETRY_GIVE_UP_LOG_LEVEL": "INFO",
        "DOWNLOAD_MAXSIZE": s.max_bytes,
        DOCUMENT_MAX_BYTES_SETTING: s.document_max_bytes,   # linked documents: crawler.documents
        "DOWNLOAD_WARNSIZE": 0,
        "DOWNLOAD_FAIL_ON_DATALOSS": True,
        "REDIRECT_MAX_TIMES": 10,
        # a refresh that waits longer is a page reloading itself, not a redirect (news and
        # dashboard pages reload every 60-300 s)
        "METAREFRESH_MAXDELAY": METAREFRESH_MAXDELAY,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "HTTPCACHE_ENABLED": False,
        "LOG_LEVEL": log_level,
        "LOG_ENABLED": True,
        "LOG_INSTALL_ROOT_HANDLER": False,   # profilewatch.logs owns the root handler
        "EXTENSIONS_BASE": {key: order for key, order in EXTENSIONS_BASE.items()
                            if not any(f".{name}." in key for name in UNUSED_EXTENSIONS)},
        "SPIDER_MIDDLEWARES": SPIDER_MIDDLEWARES,
        "LOGSTATS_INTERVAL": 0,
        "ITEM_PIPELINES": ITEM_PIPELINES,
        "DOWNLOADER_MIDDLEWARES": DOWNLOADER_MIDDLEWARES,
        "DOWNLOAD_HANDLERS": DOWNLOAD_HANDLERS,
        # names resolve through the address rules (crawler.guard); origins the config writes are
        # trusted at any address
        "TWISTED_DNS_RESOLVER": "crawler.guard.GuardedResolver",
        TRUSTED_ORIGINS_SETTING: trusted_origins(config.sources),
        # a slow extraction must not let fetched bodies pile up: at most this many items in flight
        "CONCURRENT_ITEMS": 32,
        "DEFAULT_REQUEST_HEADERS": {
            "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5",
            "Accept-Language": "en",
        },
        "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
        # Scrapy parses a generator callback's source (ast) on every response to warn about a
        # `return value` in it: 2.5 % of the crawling process's time, for a warning the spiders'
        # tests would show
        "WARN_ON_GENERATOR_RETURN_VALUE": False,
        "CLOSESPIDER_ERRORCOUNT": 0,
    }
