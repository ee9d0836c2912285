"""What the site spiders share: discovery from listings, sitemaps and the watched pages themselves.

A site spider is thin: it says which URLs are listings (:meth:`SiteSpider.is_listing`), which
listings to read at the start of a cycle (:meth:`SiteSpider.start_listings`), and what a page
links to (:meth:`SiteSpider.find`: pages with their facts, more listing pages); the URL and page
rules themselves live in :mod:`pipeline.sites`. This class turns that into requests:

1. start: listings and sitemaps (each once per cycle), then every watched page;
2. a watched page is recorded like any page (:class:`~crawler.spiders.base.WatchSpider`), then
   read for links (theme tabs, language versions, listed items); a watched listing is fetched
   without validators (a 304 would hide its links);
3. found pages go through :class:`~crawler.discovery.Discovery` (normalised, bounded, stored with
   discovery time and facts) and new ones are fetched in the same cycle;
4. links robots.txt disallows are not added (they could never be checked).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import urlsplit

import scrapy
from lxml.html import HtmlElement
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap
from twisted.python.failure import Failure

from crawler.discovery import Discovery
from crawler.failures import failure_reason
from crawler.spiders.base import HANDLED_STATUSES, WatchSpider
from pipeline.screen import MAX_ELEMENTS
from pipeline.sites.pages import language_variants
from pipeline.urls import normalize_url, page_key, same_site

logger = logging.getLogger(__name__)

# Page facts passed to the extraction as hints (they win over what the page itself says): what a
# listing or the page's original told about a page that its URL may not (the UN site's section,
# the English country, theme or topic of a translated page).
HINT_KEYS = ("country", "region", "theme", "section", "topic")
# Largest sitemap read (decompressed): the sitemap protocol's own limit is 50 MB.
MAX_SITEMAP_BYTES = 50 * 1024 * 1024


@dataclass
class Found:
    """What one page links to: pages (``{url: facts}``) and listing pages to read next."""

    pages: dict[str, dict[str, Any]] = field(default_factory=dict)
    listings: list[str] = field(default_factory=list)


class SiteSpider(WatchSpider):
    """Base of the site spiders (no ``kind`` of its own: never chosen by a config)."""

    listing_priority: ClassVar[int] = 10   # read listings before pages: their finds join the cycle

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        watched = self.watched_urls()
        stored = self.context.store.pages()
        self.discovery = Discovery(
            self.source.name, self.context.store, self.source.max_pages, known=watched,
            info={p.url: p.info for p in stored if p.source == self.source.name},
            # pages of other sources, and pages removed through the API: never (re)discovered
            elsewhere=[p.url for p in stored if p.source != self.source.name or not p.watched])
        for url in watched:
            if self.is_listing(url):
                self.discovery.claim_listing(url)
        self._robots: dict[str, Any] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> SiteSpider:
        spider: SiteSpider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.robots_parsed, signal=signals.robots_parsed)
        return spider

    # --- what each site says ---------------------------------------------------------------------

    def is_listing(self, url: str) -> bool:
        """Whether ``url`` is a listing (its links matter more than its text)."""
        return False

    def start_listings(self) -> Iterable[str]:
        """Listings to read at the start of the cycle (besides configured ones)."""
        return ()

    def find(self, tree: HtmlElement, page_url: str, watched_url: str | None) -> Found:
        """What a page links to. ``watched_url`` is None for a listing read only for its links."""
        return Found()

    def sitemap_facts(self, url: str) -> dict[str, Any] | None:
        """Facts of a sitemap entry this source watches, or None to skip it."""
        return None

    # --- requests --------------------------------------------------------------------------------

    async def discover(self) -> AsyncIterator[Any]:
        for url in self.start_listings():
            if self.discovery.claim_listing(url):
                yield self.listing_request(url)
        for url in self.source.sitemaps:
            if self.discovery.claim_listing(url):
                yield self.listing_request(url, sitemap=True)

    def listing_request(self, url: str, *, sitemap: bool = False) -> scrapy.Request:
        self._count("discovery/listings_requested")
        return scrapy.Request(url, callback=self.parse_sitemap if sitemap else self.parse_listing,
                              errback=self.listing_failed, dont_filter=True,
                              priority=self.listing_priority,
                              meta={"handle_httpstatus_list": HANDLED_STATUSES})

    def page_request(self, url: str, **meta: Any) -> scrapy.Request:
        if self.is_listing(url):
            meta.setdefault("validators", None)
        return super().page_request(url, **meta)

    def hints(self, url: str) -> dict[str, Any]:
        info = self.discovery.info.get(url, {})
        return {key: info[key] for key in HINT_KEYS if info.get(key)}

    # --- callbacks -------------------------------------------------------------------------------

    async def parse_page(self, response: Response) -> AsyncIterator[Any]:  # type: ignore[override]
        for item in super().parse_page(response):
            yield item
        if response.meta.get("document"):   # a linked document (or a probed link): no page links
            return
        async for request in self.follow(response, response.meta["watched_url"]):
            yield request

    async def parse_listing(self, response: Response) -> AsyncIterator[Any]:
        if not 200 <= response.status < 300:
            logger.warning("%s: listing %s answered HTTP %s", self.source.name, response.url,
                           response.status)
            self._count("discovery/listings_failed")
            return
        async for request in self.follow(response, None):
            yield request

    def listing_failed(self, failure: Failure) -> None:
        request = getattr(failure, "request", None)
        logger.warning("%s: listing %s failed: %s", self.source.name,
                       request.url if request is not None else "?", failure_reason(failure))
        self._count("discovery/listings_failed")

    async def follow(self, response: Response, watched_url: str | None) -> AsyncIterator[Any]:
        if not isinstance(response, TextResponse) or not 200 <= response.status < 300:
            return
        if response.body.count(b"<") > 2 * MAX_ELEMENTS:
            # what extraction refuses is not parsed for links either (a hostile 10 MB page of tiny
            # elements would take ~350 MB to parse)
            logger.warning("%s: not reading the links of %s: too many HTML elements",
                           self.source.name, response.url)
            self._count("discovery/too_many_elements")
            return
        try:
            tree = response.selector.root
        except (ValueError, AttributeError):
            return
        if not isinstance(tree, HtmlElement):
            return
        found = self.find(tree, response.url, watched_url)
        async for request in self._schedule(found):
            yield request

    async def parse_sitemap(self, response: Response) -> AsyncIterator[Any]:
        body = response.body
        if body[:2] == b"\x1f\x8b":
            try:
                body = gunzip(body, max_size=MAX_SITEMAP_BYTES)
            except (OSError, EOFError, ValueError):
                body = b""
        if not 200 <= response.status < 300 or not body.lstrip().startswith(b"<"):
            logger.warning("%s: sitemap %s is not a sitemap (HTTP %s)", self.source.name,
                           response.url, response.status)
            self._count("discovery/listings_failed")
            return
        sitemap = Sitemap(body)
        found = Found()
        for entry in sitemap:
            try:
                loc = normalize_url(entry.get("loc", ""))
            except ValueError:
                continue
            if not same_site(loc, response.url):
                continue
            if sitemap.type == "sitemapindex":
                found.listings.append(loc)
                continue
            facts = self.sitemap_facts(loc)
            if facts is not None:
                found.pages[loc] = {**facts, "discovered_from": response.url}
        async for request in self._schedule(found, sitemap=sitemap.type == "sitemapindex"):
            yield request

    async def _schedule(self, found: Found, *, sitemap: bool = False) -> AsyncIterator[Any]:
        pages = {u: f for u, f in found.pages.items() if self._allowed(u)}
        for url in await self.discovery.add(pages):
            self._count("discovery/new_pages")
            yield self.page_request(url)
        for url in found.listings:
            if self._allowed(url) and self.discovery.claim_listing(url):
                yield self.listing_request(url, sitemap=sitemap)

    # --- shared rules ----------------------------------------------------------------------------

    def variants(self, tree: HtmlElement, page_url: str, watched_url: str,
                 facts: dict[str, Any]) -> dict[str, dict[str, Any]]:
        """The page's language versions as pages linked to each other: each gets the map
        ``variants`` ({language: url}); new ones also ``variant_of`` the page they were found on."""
        own = page_key(watched_url)
        wanted = self.source.languages
        links: dict[str, str] = {}
        for lang, url in language_variants(tree, page_url).items():
            if page_key(url) == own:
                links[lang] = watched_url
            elif not wanted or lang in wanted or lang.split("-")[0] in wanted:
                links[lang] = self.discovery.watched(url) or url
        if len(links) < 2:
            return {}
        pages: dict[str, dict[str, Any]] = {}
        for lang, url in links.items():
            if url == watched_url:
                pages[url] = {"variants": links}
            else:
                pages[url] = {**facts, "language": lang, "variants": links,
                              "variant_of": watched_url, "discovered_from": watched_url}
        return pages

    def listing_items(self, items: dict[str, dict[str, Any]], pagination: list[str]) -> Found:
        """A listing page's finds; its pagination is followed only while it shows new items (a
        pager that repeats itself ends there)."""
        fresh = self.discovery.note_items(items)
        return Found(pages=items, listings=pagination if fresh else [])

    # --- plumbing --------------------------------------------------------------------------------

    def robots_parsed(self, robotparser: Any, request: scrapy.Request) -> None:
        self._robots[urlsplit(request.url).netloc] = robotparser

    def _allowed(self, url: str) -> bool:
        parser = self._robots.get(urlsplit(url).netloc)
        if parser is None:
            return True   # not read yet: the robots middleware still guards the fetch
        agent = self.settings.get("ROBOTSTXT_USER_AGENT") or self.settings.get("USER_AGENT")
        if parser.allowed(url, agent):
            return True
        logger.debug("%s: %s is disallowed by robots.txt; not added", self.source.name, url)
        self._count("discovery/disallowed")
        return False

    def _count(self, key: str) -> None:
        crawler = getattr(self, "crawler", None)
        if crawler is not None and crawler.stats is not None:
            crawler.stats.inc_value(key)

    def closed(self, reason: str) -> None:
        if self.discovery.added:
            logger.info("%s: %d new page%s discovered", self.source.name, self.discovery.added,
                        "" if self.discovery.added == 1 else "s")
