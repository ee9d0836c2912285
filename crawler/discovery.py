"""Discovery bookkeeping of one source in one cycle: which pages it has, which listings were read.

- every page is known by its :func:`~pipeline.urls.page_key`, so a link spelled differently from a
  watched URL (scheme, www, trailing slash, tracking parameters, fragment) is that page, and keeps
  the URL it is watched under (the configured spelling);
- a listing (or sitemap) is fetched at most once per cycle (:meth:`Discovery.claim_listing`);
- new pages stop at ``max_pages`` pages per source; pages already known are never dropped;
- a page another source watches stays that source's;
- found pages are written to the store by one writer thread, before they are fetched, with their
  discovery time, source and facts (country, theme, section, language …); known pages are marked
  as listed again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache, partial
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pipeline.urls import normalize_url, page_key
from profilewatch.errors import StoreError

if TYPE_CHECKING:
    from crawler.spiders.base import PageCatalog

logger = logging.getLogger(__name__)

# Most listing and sitemap pages read per source per cycle: a pager that never ends (a calendar,
# a ``?page=N`` that answers every N) stops here. 100 pages of 10-20 items exceed max_pages' default.
MAX_LISTING_PAGES = 100
# Facts about where a page was first found: kept from its first discovery, never overwritten.
FIRST_FIND_KEYS = ("discovered_from", "variant_of")


def listing_key(url: str) -> str:
    """A listing page's identity; Drupal's ``?page=0`` is the listing's first page."""
    parts = urlsplit(normalize_url(url))
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not (k == "page" and v == "0")]
    return page_key(urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), "")))


class Discovery:
    """The pages of one source and the listings read in this cycle (one per spider)."""

    def __init__(self, source: str, store: PageCatalog, max_pages: int,
                 known: Iterable[str] = (), info: dict[str, dict[str, Any]] | None = None,
                 elsewhere: Iterable[str] = ()) -> None:
        self.source = source
        self.store = store
        self.max_pages = max_pages
        self.pages: dict[str, str] = {}            # page key → the URL the page is watched under
        self.info: dict[str, dict[str, Any]] = dict(info or {})   # url → stored page facts
        self.listings: set[str] = set()
        self.items_seen: set[str] = set()          # keys of items listed this cycle
        self.capped = False
        self.added = 0
        for url in known:
            self.pages.setdefault(page_key(url), url)
        # pages other sources watch: a link to one is theirs, not a new page of this source
        self.elsewhere = {page_key(url) for url in elsewhere}

    def watched(self, url: str) -> str | None:
        """The URL a page is watched under, if the source has it."""
        try:
            return self.pages.get(page_key(url))
        except ValueError:
            return None

    def urls(self) -> list[str]:
        return list(self.pages.values())

    def claim_listing(self, url: str) -> bool:
        """True the first time a listing is asked for in this cycle (and within the bound)."""
        key = listing_key(url)
        if key in self.listings or len(self.listings) >= MAX_LISTING_PAGES:
            return False
        self.listings.add(key)
        return True

    def note_items(self, urls: Iterable[str]) -> int:
        """Remember items a listing showed; returns how many were not shown before this cycle."""
        fresh = 0
        for url in urls:
            key = page_key(url)
            if key not in self.items_seen:
                self.items_seen.add(key)
                fresh += 1
        return fresh

    async def add(self, found: dict[str, dict[str, Any]]) -> list[str]:
        """Record ``{url: facts}``; returns the new pages to fetch now (within ``max_pages``).

        A URL that is one of the source's pages under another spelling updates that page.
        """
        new: list[str] = []
        facts: dict[str, dict[str, Any]] = {}
        for url, page_facts in found.items():
            existing = self.watched(url)
            if existing is None and page_key(url) in self.elsewhere:
                logger.debug("%s: %s is watched by another source", self.source, url)
                continue
            info = dict(page_facts)
            if existing is not None:
                for key in FIRST_FIND_KEYS:   # a known page keeps where it was first found
                    info.pop(key, None)
            else:
                if len(self.pages) >= self.max_pages:
                    if not self.capped:
                        logger.warning("%s: max_pages (%d) reached; not adding %s and later finds",
                                       self.source, self.max_pages, url)
                    self.capped = True
                    continue
                existing = url
                self.pages[page_key(url)] = url
                new.append(url)
            merged = {k: v for k, v in info.items() if v is not None}
            if existing in facts:
                merged = {**facts[existing], **merged}
            facts[existing] = merged
        if not facts:
            return []
        try:
            await self._write(list(facts), facts)
        except StoreError as exc:
            logger.error("%s: could not record discovered pages: %s", self.source, exc)
            for url in new:
                self.pages.pop(page_key(url), None)
            return []
        for url, info in facts.items():
            self.info[url] = {**self.info.get(url, {}), **info}
        self.added += len(new)
        return new

    async def _write(self, urls: list[str], info: dict[str, dict[str, Any]]) -> None:
        call = partial(self.store.add_pages, self.source, urls, via="discovery", info=info)
        await asyncio.get_running_loop().run_in_executor(discovery_writer(), call)


@lru_cache(maxsize=1)
def discovery_writer() -> ThreadPoolExecutor:
    """One thread writes every source's discovered pages, in order: two listings naming the same new
    page are two transactions one after the other, never two inserts racing."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="discovery-writer")
