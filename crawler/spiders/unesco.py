"""The ``unesco`` spider: PEER education profiles (education-profiles.org), every theme of the
configured countries and the language versions of every watched profile."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urljoin

from lxml.html import HtmlElement

from crawler.spiders.site import Found, SiteSpider
from pipeline.sites.unesco import english_facts, entry_url, parse_peer_url, profile_links


class UnescoSpider(SiteSpider):
    """PEER profiles. ``countries``: watch every theme of these countries (found from the home
    page's country list and each profile's theme tabs); language versions of watched profiles are
    watched too (``languages`` narrows them). A configured home, region or country page is read for
    the profiles it links."""

    kind = "unesco"

    def is_listing(self, url: str) -> bool:
        return parse_peer_url(url) is None

    def _covered(self, extra: Iterable[str] = ()) -> set[str]:
        """Configured countries with a known English profile."""
        pages = (parse_peer_url(u) for u in (*self.discovery.urls(), *extra))
        return {p.country for p in pages if p is not None and p.language == "en"}

    def start_listings(self) -> list[str]:
        """The home page (country list), only while a configured country has no known profile."""
        if not set(self.source.countries) - self._covered():
            return []
        return [urljoin(url, "/") for url in self.source.urls]

    def find(self, tree: HtmlElement, page_url: str, watched_url: str | None) -> Found:
        found = Found()
        countries = set(self.source.countries)
        here = english_facts(tree, page_url)
        from_url = watched_url or page_url
        for url, page in profile_links(tree, page_url).items():
            if page.language != "en":
                continue   # translated profiles join as language versions of their English page
            if (page.country in countries) if countries else here is None:
                found.pages[url] = {**page.facts(), "discovered_from": from_url}
        if here is None and countries:
            for country in sorted(countries - self._covered(found.pages)):
                entry = entry_url(page_url, country)   # not on the home page: the known region
                if entry is not None:
                    found.pages[entry] = {"country": country, "discovered_from": from_url}
        if watched_url is not None and here is not None:
            facts: dict[str, Any] = {k: v for k, v in here.facts().items() if k != "language"}
            found.pages.update(self.variants(tree, page_url, watched_url, facts))
        return found

    def sitemap_facts(self, url: str) -> dict[str, Any] | None:
        page = parse_peer_url(url)
        if page is None or page.language != "en" or page.country not in self.source.countries:
            return None
        return page.facts()
