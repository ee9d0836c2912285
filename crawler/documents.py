"""Linked documents in a crawl: the documents a watched page links become watched pages, checked
in the same run (through the same downloader, so the same politeness), with their own size limit.

Glue only: which links are documents is :func:`pipeline.documents.links.find_document_links`, the
link table is :meth:`storage.store.Store.link_documents`, the analysis is
:func:`pipeline.documents.analyse.analyse_document` (chosen by ``crawler.extraction``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from lxml.html import HtmlElement
from scrapy.http import Response, TextResponse

from pipeline.documents.detect import format_of_response
from pipeline.screen import MAX_ELEMENTS
from pipeline.urls import page_key
from profilewatch.errors import StoreError

if TYPE_CHECKING:
    from profilewatch.config import SourceConfig

logger = logging.getLogger(__name__)

# Request meta of a document request (and the hint its Fetched carries to the analysis).
DOCUMENT_META = "document"
# Request meta of a link that may be a document (no extension): the page that links it.
CANDIDATE_META = "document_candidate"
# The crawler setting with ``[settings] document_max_bytes`` (a source's own value wins).
DOCUMENT_MAX_BYTES_SETTING = "PROFILEWATCH_DOCUMENT_MAX_BYTES"
DEFAULT_DOCUMENT_MAX_BYTES = 50 * 1024 * 1024


@runtime_checkable
class DocumentCatalog(Protocol):
    """The store's door for linked documents (``storage.store.Store``)."""

    def document_urls(self, source: str) -> set[str]: ...

    def link_documents(self, source: str, page_url: str, urls: Sequence[str]) -> list[str]: ...


class DocumentWatch:
    """The documents of one source in one run: which URLs are documents, which were requested."""

    def __init__(self, source: SourceConfig, store: object,
                 unwatched: dict[str, set[str]] | None = None) -> None:
        self.source = source
        self.store = store if isinstance(store, DocumentCatalog) else None
        self.enabled = source.watch_documents and self.store is not None
        self.unwatched = (unwatched or {}).get(source.name, set())
        self.max_bytes = source.document_max_bytes or DEFAULT_DOCUMENT_MAX_BYTES
        self.known: set[str] = set()
        if self.store is not None:
            try:
                # known documents stay documents even when the source stops discovering new ones
                self.known = self.store.document_urls(source.name)
            except StoreError as exc:
                logger.error("%s: could not read the watched documents: %s", source.name, exc)
        self.requested: set[str] = set()

    def configure(self, settings: Any) -> None:
        """Take ``[settings] document_max_bytes`` from the crawler's settings (a source's wins)."""
        if self.source.document_max_bytes is None and settings is not None:
            self.max_bytes = settings.getint(DOCUMENT_MAX_BYTES_SETTING, DEFAULT_DOCUMENT_MAX_BYTES)

    def is_document(self, url: str) -> bool:
        return url in self.known

    def already_requested(self, url: str) -> bool:
        """Whether this run asked for ``url`` already (a page's link may come before the start
        request of a document the store knew: it is checked once)."""
        return _key(url) in self.requested

    def request_meta(self, url: str) -> dict[str, Any]:
        """Meta for the request of ``url``: a document gets its own size limit."""
        if url not in self.known:
            return {}
        self.requested.add(_key(url))
        return {DOCUMENT_META: True, "download_maxsize": self.max_bytes}

    def candidate_meta(self, page_url: str) -> dict[str, Any]:
        return {DOCUMENT_META: True, CANDIDATE_META: page_url, "download_maxsize": self.max_bytes}

    def confirm(self, response: Response, url: str) -> bool:
        """A candidate's answer: a document (recorded as one, linked from its page) or not (dropped:
        nothing is stored for a link that is not a document)."""
        page_url = response.meta[CANDIDATE_META]
        if not 200 <= response.status < 300:
            return False
        content_type = (response.headers.get("Content-Type") or b"").decode("latin-1")
        disposition = (response.headers.get("Content-Disposition") or b"").decode("latin-1")
        if (format_of_response(response.url, content_type, disposition)
                or format_of_response(url, content_type, disposition)) is None:
            logger.debug("%s: %s is not a document (%s)", self.source.name, url, content_type)
            return False
        if self.store is None:
            return False
        try:
            self.store.link_documents(self.source.name, page_url, [url])
        except StoreError as exc:
            logger.error("%s: could not record the document %s: %s", self.source.name, url, exc)
            return False
        self.known.add(url)
        return True

    def found(self, response: Response, page_url: str) -> list[str | tuple[str, str]]:
        """The documents ``response`` (a watched page) links that this run has not requested yet,
        and ``(url, page_url)`` for candidate links to probe. Every certain link is recorded (the
        link table); new documents become pages of the source."""
        if not self.enabled or self.store is None or response.meta.get(DOCUMENT_META):
            return []
        if not isinstance(response, TextResponse) or not 200 <= response.status < 300:
            return []
        if response.body.count(b"<") > 2 * MAX_ELEMENTS:
            return []
        try:
            tree = response.selector.root
        except (ValueError, AttributeError):
            return []
        if not isinstance(tree, HtmlElement):
            return []
        # local: the extraction stack it prunes with loads only in runs that watch documents
        from pipeline.documents.links import find_links

        found = find_links(tree, response.url, self.source.allowed_domains)
        links = [link.url for link in found if link.certain or link.url in self.known]
        probes: list[str | tuple[str, str]] = [
            (link.url, page_url) for link in found if not link.certain and link.url not in self.known
            and self._claim(link.url)]
        if not links:
            return probes
        try:
            self.store.link_documents(self.source.name, page_url, links)
            self.known.update(self.store.document_urls(self.source.name) & set(links))
        except StoreError as exc:
            logger.error("%s: could not record the documents of %s: %s", self.source.name, page_url, exc)
            return probes
        fresh: list[str | tuple[str, str]] = []
        for url in links:
            if url in self.known and _key(url) not in self.requested and url not in self.unwatched:
                fresh.append(url)
        return fresh + probes

    def _claim(self, url: str) -> bool:
        """Probe a candidate once per run (several pages may link it)."""
        key = _key(url)
        if key in self.requested or url in self.unwatched:
            return False
        self.requested.add(key)
        return True


def _key(url: str) -> str:
    """The page identity of ``url`` (the URL itself when it cannot be normalised)."""
    try:
        return page_key(url)
    except ValueError:
        return url
