"""Site spider rules without a crawl: what a page leads to, and the discovery bookkeeping."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from crawler.discovery import Discovery, listing_key
from crawler.spiders.undp import UndpSpider
from crawler.spiders.unesco import UnescoSpider
from pipeline.extract import parse_html
from profilewatch.config import SourceConfig
from storage.results import PageInfo
from tests.support.replicas import unesco as peer
from tests.support.replicas.undp import UNDP_LISTING, listing

BASE = "http://127.0.0.1:8000"


class FakeStore:
    def __init__(self, pages: list[PageInfo] | None = None) -> None:
        self.stored = pages or []
        self.added: list[tuple[str, list[str], dict[str, Any]]] = []

    def pages(self, source: str | None = None) -> list[PageInfo]:
        return [p for p in self.stored if source is None or p.source == source]

    def add_pages(self, source: str, urls: list[str], *, via: str,
                  info: dict[str, dict[str, Any]]) -> int:
        self.added.append((source, list(urls), info))
        return len(urls)


class FakeContext:
    def __init__(self, store: FakeStore, known: list[str] | None = None) -> None:
        self.store = store
        self.known = known or []

    def known_urls(self, source: str) -> list[str]:
        return self.known

    def validators(self, url: str) -> None:
        return None


def page_info(url: str, source: str) -> PageInfo:
    return PageInfo(url=url, source=source, discovered_at=datetime.now(UTC), discovered_via="config",
                    info={}, versions=0, last_checked_at=None, last_ok_at=None, failing_since=None,
                    fail_count=0, last_error=None, gone_at=None)


def unesco(urls: list[str], **keys: Any) -> UnescoSpider:
    source = SourceConfig(name="peer", spider="unesco", urls=tuple(urls), **keys)
    return UnescoSpider(source=source, context=FakeContext(FakeStore()))


def test_home_page_leads_to_configured_countries_only() -> None:
    spider = unesco([BASE + "/"], countries=("azerbaijan", "kyrgyzstan"))
    assert spider.is_listing(BASE + "/") and not spider.is_listing(BASE + peer.AZ + "/~finance")
    found = spider.find(parse_html(peer.home()), BASE + "/", BASE + "/")
    assert found.pages == {
        BASE + peer.AZ + "/~inclusion": {
            "country": "azerbaijan", "region": "northern-africa-and-western-asia",
            "theme": "inclusion", "language": "en", "discovered_from": BASE + "/"},
        # not on the home page: reached through its hard-coded region
        BASE + peer.KG + "/~inclusion": {"country": "kyrgyzstan", "discovered_from": BASE + "/"},
    }


def test_home_is_read_only_while_a_country_has_no_known_profile() -> None:
    assert unesco([BASE + peer.AZ + "/~technology"], countries=("azerbaijan",)).start_listings() == []
    assert unesco([BASE + peer.AZ + "/~technology"],
                  countries=("azerbaijan", "kazakhstan")).start_listings() == [BASE + "/"]


def test_profile_leads_to_theme_tabs_and_chosen_languages() -> None:
    url = BASE + peer.AZ + "/~technology"
    variants = {"en": peer.AZ + "/~technology", "fr": peer.AZ_TECH_FR, "es": peer.AZ_TECH_ES}
    html = peer.profile(BASE, peer.AZ + "/~technology", "Azerbaijan", "technology", peer.AZ_THEMES,
                        variants)
    spider = unesco([url], countries=("azerbaijan",), languages=("fr",))
    found = spider.find(parse_html(html), url, url)
    themes = {u for u, f in found.pages.items() if f.get("language") == "en" and u != url}
    assert themes == {BASE + peer.AZ + f"/~{t}" for t in peer.AZ_THEMES if t != "technology"}
    french = found.pages[BASE + peer.AZ_TECH_FR]
    assert (french["language"], french["country"], french["variant_of"]) == ("fr", "azerbaijan", url)
    assert french["variants"] == {"en": url, "fr": BASE + peer.AZ_TECH_FR}
    assert BASE + peer.AZ_TECH_ES not in found.pages              # languages = ["fr"]
    assert found.pages[url]["variants"] == french["variants"]     # the watched page links back
    # without countries, a profile page leads to its language versions only
    alone = unesco([url]).find(parse_html(html), url, url)
    assert set(alone.pages) == {url, BASE + peer.AZ_TECH_FR, BASE + peer.AZ_TECH_ES}


def test_listing_pagination_stops_when_a_page_shows_nothing_new() -> None:
    source = SourceConfig(name="undp", spider="undp", urls=(BASE + UNDP_LISTING,))
    spider = UndpSpider(source=source, context=FakeContext(FakeStore()))
    items = [f"{UNDP_LISTING}/a", f"{UNDP_LISTING}/b", "/azerbaijan/about-us"]
    html = listing("Press releases", UNDP_LISTING, items, 0, 3, "UNDP")
    first = spider.find(parse_html(html), BASE + UNDP_LISTING, BASE + UNDP_LISTING)
    assert set(first.pages) == {BASE + f"{UNDP_LISTING}/a", BASE + f"{UNDP_LISTING}/b"}
    assert first.pages[BASE + f"{UNDP_LISTING}/a"]["section"] == "press-releases"
    assert first.listings == [BASE + f"{UNDP_LISTING}?page=1", BASE + f"{UNDP_LISTING}?page=2"]
    again = spider.find(parse_html(html), BASE + f"{UNDP_LISTING}?page=7", None)
    assert again.listings == []          # the same items again: a pager that repeats itself


def test_discovery_bookkeeping() -> None:
    store = FakeStore()
    configured = BASE + "/news/one/?utm_source=mail"
    discovery = Discovery("src", store, max_pages=3, known=[configured],
                          elsewhere=[BASE + "/news/theirs"])
    found = {BASE + "/news/one": {"section": "news", "discovered_from": BASE + "/news"},
             BASE + "/news/theirs": {"section": "news"},
             BASE + "/news/two": {"section": "news", "discovered_from": BASE + "/news"},
             BASE + "/news/three": {"section": "news"}, BASE + "/news/four": {"section": "news"}}
    new = asyncio.run(discovery.add(found))
    assert new == [BASE + "/news/two", BASE + "/news/three"]     # max_pages = 3 pages in all
    assert discovery.capped
    source, urls, info = store.added[0]
    assert source == "src"
    assert urls == [configured, BASE + "/news/two", BASE + "/news/three"]
    assert info[configured] == {"section": "news"}     # the configured spelling; first find kept
    assert info[BASE + "/news/two"]["discovered_from"] == BASE + "/news"
    assert discovery.watched("HTTP://127.0.0.1:8000/news/two/#x") == BASE + "/news/two"


def test_a_listing_is_read_once_per_cycle() -> None:
    discovery = Discovery("src", FakeStore(), max_pages=10)
    assert discovery.claim_listing(BASE + "/news")
    assert not discovery.claim_listing(BASE + "/news/?page=0&utm_medium=x")
    assert discovery.claim_listing(BASE + "/news?page=1")
    assert listing_key(BASE + "/news?page=0") == listing_key(BASE + "/news")
