"""The spider every source uses: fetch each watched page once, turn the answer into data.

Site spiders (``unesco``, ``unicef``, ``undp``) subclass :class:`WatchSpider` and add discovery
(:meth:`WatchSpider.discover`) and page hints; the shared item pipeline does the rest.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler import writer
from crawler.documents import CANDIDATE_META, DOCUMENT_META, DocumentWatch
from crawler.failures import failure_reason
from crawler.hostqueue import by_host_turns
from pipeline.types import SPIDER_KINDS, Fetched
from pipeline.urls import page_key

if TYPE_CHECKING:
    from profilewatch.config import SourceConfig
    from storage.results import PageInfo

logger = logging.getLogger(__name__)

# How often a held start request checks for a free download slot (seconds): short enough that a
# free slot waits for a request far less than the request itself takes.
START_BACKOUT_POLL = 0.005
# Pages downloaded and not yet through the item pipelines (waiting for extraction or the store)
# before the start requests wait. Scrapy bounds them by bytes only (5 MB, a small page counting
# 1 KB): a run of small pages piled up to ~5,000 of them, ~25 MB more than a 1,000-page run ever
# holds. 256 is over a second of extraction on two workers, so the workers never wait for pages.
MAX_PAGES_IN_HAND = 256
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Every status except redirects reaches the callback: errors are data, not exceptions.
HANDLED_STATUSES = [s for s in range(100, 600) if s not in REDIRECT_STATUSES]


class PageCatalog(Protocol):
    """The store as spiders see it: the stored pages, and a door for discovered ones."""

    def pages(self, source: str | None = None) -> list[PageInfo]: ...

    def add_pages(self, source: str, urls: Sequence[str], *, via: str = ...,
                  info: dict[str, dict[str, Any]] | None = ...) -> int: ...


class SpiderContext(Protocol):
    """What a spider asks its run (:class:`crawler.context.RunContext`; tests fake it)."""

    @property
    def store(self) -> PageCatalog: ...

    def known_urls(self, source: str) -> Iterable[str]: ...

    def load_states(self, urls: Sequence[str]) -> None: ...

    def validators(self, url: str) -> tuple[str | None, str | None] | None: ...


def _pages_in_hand(engine: Any) -> int:
    """Responses the engine's scraper holds: queued for their callback, or in it and its items'
    pipelines (Scrapy's ``Slot`` keeps a response there until its items are processed)."""
    slot = getattr(engine.scraper, "slot", None)
    return len(slot.queue) + len(slot.active) if slot is not None else 0


def _headers(response: Response) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, values in response.headers.items():
        if values:
            out[key.decode("latin-1").lower()] = values[0].decode("latin-1")
    return out


class WatchSpider(scrapy.Spider):
    """Fetch the configured pages of one source (and the pages it discovered before)."""

    kind: ClassVar[str] = "generic"
    registry: ClassVar[dict[str, type[WatchSpider]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "kind" in cls.__dict__:   # shared bases that name no kind of their own stay out
            if cls.kind not in SPIDER_KINDS:
                raise TypeError(f"{cls.__name__}: kind {cls.kind!r} is not one of {SPIDER_KINDS}")
            WatchSpider.registry[cls.kind] = cls

    def __init__(self, source: SourceConfig, context: SpiderContext,
                 only_urls: tuple[str, ...] | None = None, discover: bool = True,
                 **kwargs: Any) -> None:
        super().__init__(name=f"{self.kind}:{source.name}", **kwargs)
        self.source = source
        self.context = context
        self.only_urls = only_urls     # a cluster batch: check only these pages
        self.discover_pages = discover
        self.documents = DocumentWatch(source, context.store, getattr(context, "unwatched", None))

    async def start(self) -> AsyncIterator[Any]:
        if self.discover_pages:
            async for request in self.discover():
                yield request
        # one URL per page, every host's turns at once (crawler.hostqueue.by_host_turns)
        urls = by_host_turns(self.checked_urls())
        size = writer.STATES_PER_READ
        for first in range(0, len(urls), size):
            chunk = urls[first:first + size]
            # the chunk's page states in one query (each is dropped once its page is done)
            self.context.load_states([u for u in chunk if not self.documents.already_requested(u)])
            for url in chunk:
                await self._backout()
                if self.documents.already_requested(url):   # a page's link asked for it first
                    continue
                yield self.page_request(url)

    async def _backout(self) -> None:
        """Hold the next start request while the downloader is full, or while
        ``MAX_PAGES_IN_HAND`` pages are downloaded and not yet recorded.

        Scrapy drains ``start()`` into its scheduler as fast as it yields; a source of thousands
        of pages would hold every request (and its bookkeeping) in memory at once. Yielding only
        when a download slot is free, and while the pipelines keep up, keeps a run's memory flat
        whatever the number of pages."""
        engine = self.crawler.engine if getattr(self, "crawler", None) else None
        while engine is not None and engine.running and (engine.needs_backout()
                                                         or _pages_in_hand(engine) >= MAX_PAGES_IN_HAND):
            await asyncio.sleep(START_BACKOUT_POLL)

    async def discover(self) -> AsyncIterator[Any]:
        """Discovery requests (site spiders); the generic spider watches what it is given."""
        return
        yield  # pragma: no cover - makes this an async generator

    def watched_urls(self) -> list[str]:
        """Configured URLs first, then every page of the source the store knows; one URL per page
        (two spellings of one page, see :func:`pipeline.urls.page_key`, are fetched once, under the
        first). The stored pages are read as a stream: a stored page that is a configured one costs
        no memory while it is read."""
        urls: dict[str, str] = {}       # page key -> the page's URL
        for url in self.source.urls:
            key = page_key(url)
            first = urls.setdefault(key, url)
            if first != url:
                logger.warning("%s: %s is the same page as %s; watching it once", self.source.name,
                               url, first)
        for url in self.context.known_urls(self.source.name):
            urls.setdefault(page_key(url), url)
        return list(urls.values())

    def checked_urls(self) -> list[str]:
        """The watched pages this run checks: all of them, or those ``run --url`` named (a cluster
        batch); discovery still knows every page, so a link to one is never a new page."""
        watched = self.watched_urls()
        if self.only_urls is None:
            return watched
        wanted = {page_key(url) for url in self.only_urls}
        return [url for url in watched if page_key(url) in wanted]

    def hints(self, url: str) -> dict[str, Any]:
        """Facts the spider knows about a page from its URL or listing (country, theme …)."""
        return {}

    def page_request(self, url: str, **meta: Any) -> scrapy.Request:
        self.documents.configure(getattr(self, "settings", None))
        meta = {**self.documents.request_meta(url), **meta}
        return scrapy.Request(
            url,
            callback=self.parse_page,
            errback=self.page_failed,
            dont_filter=True,
            meta={"watched_url": url, "handle_httpstatus_list": HANDLED_STATUSES,
                  "validators": self.context.validators(url), "started": time.monotonic(),
                  **meta},
        )

    def _elapsed_ms(self, meta: dict[str, Any]) -> int:
        started = meta.get("started")
        return int((time.monotonic() - started) * 1000) if started else 0

    def parse_page(self, response: Response) -> Iterable[Any]:
        url = response.meta["watched_url"]
        if response.meta.get(CANDIDATE_META) and not self.documents.confirm(response, url):
            return   # a link that looked like a file and is not a document: nothing to record
        yield Fetched(
            url=url,
            source=self.source.name,
            fetched_at=datetime.now(UTC),
            status=response.status,
            final_url=response.url,
            headers=_headers(response),
            body=response.body,
            duration_ms=self._elapsed_ms(response.meta),
            hints={**self.hints(url), DOCUMENT_META: True} if response.meta.get(DOCUMENT_META)
            else self.hints(url),
        )
        for document in self.documents.found(response, url):   # issue 15: linked documents
            if isinstance(document, tuple):
                yield self.page_request(document[0], **self.documents.candidate_meta(document[1]))
            else:
                yield self.page_request(document)

    def page_failed(self, failure: Failure) -> Iterable[Fetched]:
        request = getattr(failure, "request", None)
        meta = request.meta if request is not None else {}
        url = meta.get("watched_url") or (request.url if request is not None else "?")
        reason = failure_reason(failure)
        logger.debug("%s failed: %s", url, reason)
        if meta.get(CANDIDATE_META):
            return   # an unconfirmed document link: not a watched page, nothing to record
        yield Fetched(url=url, source=self.source.name, fetched_at=datetime.now(UTC),
                      error=reason, duration_ms=self._elapsed_ms(meta),
                      final_url=request.url if request is not None else None)
