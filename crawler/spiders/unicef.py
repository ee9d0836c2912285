"""The ``unicef`` spider: UNICEF country office pages, the items of their section listings
(``sections``, with pagination) and the language versions of every watched page."""

from __future__ import annotations

from typing import Any

from lxml.html import HtmlElement

from crawler.spiders.site import Found, SiteSpider
from pipeline.sites.pages import content_links, pagination_links
from pipeline.sites.unicef import (
    UnicefPage,
    is_section_item,
    parse_unicef_url,
    section_listing_url,
)


class UnicefSpider(SiteSpider):
    """UNICEF country sites. ``sections`` (``stories``, ``press-releases``, ``reports`` …): watch
    every item of these listings of each configured page's office, following ``?page=N``; a
    configured listing URL is read the same way. Language versions of watched pages are watched
    too (``languages`` narrows them)."""

    kind = "unicef"

    def _page(self, url: str) -> UnicefPage | None:
        return parse_unicef_url(url, self.source.sections)

    def is_listing(self, url: str) -> bool:
        page = self._page(url)
        return page is not None and page.is_listing

    def start_listings(self) -> list[str]:
        listings = (section_listing_url(url, section)
                    for url in self.source.urls for section in self.source.sections)
        return list(dict.fromkeys(u for u in listings if u is not None))

    def _facts(self, url: str) -> dict[str, Any]:
        page = self._page(url)
        return {k: v for k, v in page.facts().items() if k != "page_type"} if page else {}

    def find(self, tree: HtmlElement, page_url: str, watched_url: str | None) -> Found:
        page = self._page(page_url)
        if page is not None and page.is_listing:
            items = {url: {**self._facts(url), "discovered_from": watched_url or page_url}
                     for url in content_links(tree, page_url)
                     if is_section_item(url, page, self.source.sections)}
            return self.listing_items(items, pagination_links(tree, page_url))
        found = Found()
        if watched_url is not None:
            facts = {k: v for k, v in self._facts(watched_url).items() if k != "language"}
            found.pages.update(self.variants(tree, page_url, watched_url, facts))
        return found

    def sitemap_facts(self, url: str) -> dict[str, Any] | None:
        page = self._page(url)
        if page is None or page.section not in self.source.sections or not page.slug \
                or "/" in page.slug:
            return None
        offices = {(p.country, p.language) for p in map(self._page, self.source.urls) if p}
        return self._facts(url) if (page.country, page.language) in offices else None
