"""The ``undp`` spider: UNDP (www.undp.org) and UN country-team (<country>.un.org) press releases,
from their listing pages and pagination."""

from __future__ import annotations

from typing import Any

from lxml.html import HtmlElement

from crawler.spiders.site import Found, SiteSpider
from pipeline.sites.pages import content_links, pagination_links
from pipeline.sites.undp import UndpPage, is_listing_item, parse_undp_url


class UndpSpider(SiteSpider):
    """UNDP and UN country-team sites. A configured listing (``…/press-releases``, ``…/news`` …;
    ``sections`` adds more names) is read with its ``?page=N`` pagination and every item it lists is
    watched; configured article URLs are watched as they are (redirects followed, the page keyed by
    the configured URL)."""

    kind = "undp"

    def _page(self, url: str) -> UndpPage | None:
        return parse_undp_url(url, self.source.sections)

    def is_listing(self, url: str) -> bool:
        page = self._page(url)
        return page is not None and page.is_listing

    def _facts(self, url: str, listing: UndpPage) -> dict[str, Any]:
        page = self._page(url)
        facts = {k: v for k, v in page.facts().items() if k != "page_type"} if page else {}
        if facts.get("section") is None:
            facts["section"] = listing.section     # UN site items do not say it in their URL
        if facts.get("country") is None:
            facts["country"] = listing.country
        return facts

    def find(self, tree: HtmlElement, page_url: str, watched_url: str | None) -> Found:
        listing = self._page(page_url)
        if listing is None or not listing.is_listing:
            return Found()
        items = {url: {**self._facts(url, listing), "discovered_from": watched_url or page_url}
                 for url in content_links(tree, page_url)
                 if is_listing_item(url, listing, self.source.sections)}
        return self.listing_items(items, pagination_links(tree, page_url))

    def sitemap_facts(self, url: str) -> dict[str, Any] | None:
        for start in self.source.urls:
            listing = self._page(start)
            if listing is not None and listing.is_listing \
                    and is_listing_item(url, listing, self.source.sections):
                return self._facts(url, listing)
        return None
