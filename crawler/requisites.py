"""Capture the requisites of each new version (issue 14): Scrapy glue around ``pipeline.requisites``.

:class:`RequisitesPipeline` runs after the record step (``crawler.settings.ITEM_PIPELINES``). When
the step says a version was created, it:

1. finds the page's requisites (``pipeline.requisites.page_references``), stylesheets first;
2. fetches each through the Scrapy engine — so the address guard, robots.txt, politeness, the
   timeout and the size limit apply as to pages — unless this run already fetched it (then the
   run's capture is shared: a URL is fetched at most once per run) or the address rules refuse it
   (then nothing is contacted); a URL fetched in an earlier run is asked for conditionally
   (``If-None-Match``/``If-Modified-Since``) and a 304 reuses the stored content;
3. reads the stylesheets it got for what they ``@import`` and reference (fonts, images), and
   fetches those the same way (:data:`MAX_IMPORT_DEPTH` levels);
4. stores each capture (content once by SHA-256, in ``blobs``) and the version's list.

Requisites are not watched pages: they make no check, version or event, and a requisite that fails
(status, timeout, too large, refused, budget spent) is recorded on the version with its reason and
never fails the page's check. A version's requisites total at most ``requisites_max_bytes``; each
file at most ``requisite_max_bytes``.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response

from crawler.context import SourceRun, source_run
from crawler.failures import exception_reason
from crawler.guard import source_policy
from pipeline.addresses import HostPolicy, hop_refusal
from pipeline.requisites import (
    FONT,
    STYLESHEET,
    Reference,
    media_type,
    page_references,
    refusal,
    stylesheet_references,
)
from pipeline.types import ChangeKind
from profilewatch.errors import StoreError
from storage.requisites import KnownRequisite, RequisiteFetch, RequisiteStore, VersionList

logger = logging.getLogger(__name__)

# @import chains followed this deep (page → sheet → imported sheet → its imports); real sites use
# one or two levels, a loop of imports stops here.
MAX_IMPORT_DEPTH = 4
VERSION_KINDS = frozenset({ChangeKind.NEW, ChangeKind.CONTENT, ChangeKind.METADATA})
ACCEPT = {STYLESHEET: "text/css,*/*;q=0.1",
          FONT: "font/woff2,font/woff,*/*;q=0.5"}
ACCEPT_IMAGE = "image/avif,image/webp,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5"
OVER_BUDGET = "over the version's requisites_max_bytes"
HTML_TYPES = frozenset({None, "text/html", "application/xhtml+xml"})
# Requisite captures wait at most this long for others to share their transaction.
MAX_WAIT = 0.05


@dataclass(slots=True, eq=False)
class Captured:
    """A requisite fetched (or refused, or failed) in this run: ``fetch`` is what gets stored
    (a row of ``requisite_captures``, written with the run's next batch)."""

    fetch: RequisiteFetch
    size: int
    ok: bool
    children: list[Reference] = field(default_factory=list)
    capture_id: int | None = None       # once written


class Recorder:
    """Requisite captures and version lists, written in batches: everything queued within
    :data:`MAX_WAIT` seconds goes in one transaction (a transaction per requisite cost more than
    fetching it). A version's list is queued after its captures, so it is written with or after
    them."""

    def __init__(self, store: RequisiteStore) -> None:
        self.store = store
        self.captures: list[tuple[Captured, int | None]] = []
        self.lists: list[tuple[int | tuple[str, int], list[Captured]]] = []
        self.waiting: asyncio.Future[None] | None = None
        self.timer: asyncio.TimerHandle | None = None

    def add(self, captured: Captured, run_id: int | None) -> None:
        self.captures.append((captured, run_id))
        self._schedule()

    def link(self, version: int | tuple[str, int], captured: list[Captured]) -> asyncio.Future[None]:
        """Queue a version's list; the future resolves once it is committed."""
        self.lists.append((version, list(captured)))
        return self._schedule()

    def _schedule(self) -> asyncio.Future[None]:
        loop = asyncio.get_running_loop()
        if self.waiting is None:
            self.waiting = loop.create_future()
        if self.timer is None:
            self.timer = loop.call_later(MAX_WAIT, self.flush)
        return self.waiting

    def flush(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        captures, self.captures = self.captures, []
        lists, self.lists = self.lists, []
        waiting, self.waiting = self.waiting, None
        members: list[VersionList] = [
            (version, [c.fetch if c.capture_id is None else c.capture_id for c in listed])
            for version, listed in lists]
        try:
            ids = self.store.save_batch([(c.fetch, run_id) for c, run_id in captures], members)
            for (captured, _), capture_id in zip(captures, ids, strict=True):
                captured.capture_id = capture_id
                if captured.fetch.body is not None:     # stored: the run keeps no bytes
                    captured.fetch = replace(captured.fetch, body=None)
        except Exception as exc:
            if waiting is not None and not waiting.done():
                waiting.set_exception(exc)
                waiting.exception()     # retrieved: the captures waiting on it log it
            if not isinstance(exc, StoreError):
                logger.exception("recording %d requisite captures failed", len(captures))
            return
        if waiting is not None and not waiting.done():
            waiting.set_result(None)


class RunRequisites:
    """Per run: what was fetched already (shared across sources and pages), and the store."""

    def __init__(self, store: Any) -> None:
        self.store = RequisiteStore(store)
        self.recorder = Recorder(self.store)
        self.captured: dict[str, Captured] = {}
        self.inflight: dict[str, asyncio.Future[Captured]] = {}
        # what a stylesheet references, by (content digest, URL without its query): one sheet
        # served under many cache-busting URLs (style.css?v=…) is tokenized once per run
        self.children: dict[tuple[str, str], asyncio.Future[list[Reference]]] = {}


_RUNS: weakref.WeakKeyDictionary[Any, RunRequisites] = weakref.WeakKeyDictionary()


def run_requisites(context: Any) -> RunRequisites:
    """The run's requisite state, kept beside the run context (one per run)."""
    state = _RUNS.get(context)
    if state is None:
        state = _RUNS[context] = RunRequisites(context.store)
    return state


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


class VersionCapture:
    """The requisites of one new version."""

    def __init__(self, crawler: Crawler, run: RunRequisites, policy: HostPolicy,
                 run_id: int | None, settings: Any) -> None:
        self.crawler = crawler
        self.run = run
        self.policy = policy
        self.run_id = run_id
        self.budget = int(settings.requisites_max_bytes)
        self.file_cap = int(settings.requisite_max_bytes)
        self.used = 0
        self.linked: list[Captured] = []

    def stopping(self) -> bool:
        """The run is stopping (SIGTERM, a store failure): no new requisite is fetched."""
        engine = self.crawler.engine
        return engine is None or not engine.running

    def _count(self, key: str) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(f"requisites/{key}")

    async def capture(self, version: int | tuple[str, int], body: bytes,
                      content_type: str | None, final_url: str,
                      found: Sequence[tuple[str, str]] | None = None) -> None:
        """``found``: the page's references as the extraction worker read them (None: read them
        here, in a thread — a version made by a metadata change only)."""
        if found is not None:
            level = [Reference(url, kind) for url, kind in found]
        else:   # in a thread: <style> blocks and style="" attributes are tokenized too
            level = await asyncio.get_running_loop().run_in_executor(
                None, page_references, body, content_type, final_url)
        seen = {r.url for r in level}
        for _ in range(MAX_IMPORT_DEPTH + 1):
            if not level or self.stopping():
                break
            known = self.run.store.known(r.url for r in level if r.url not in self.run.captured)
            results = await asyncio.gather(*(self._one(r, known.get(r.url)) for r in level))
            following: list[Reference] = []
            for reference, result in zip(level, results, strict=True):
                captured = result
                if captured.ok and self.used + captured.size > self.budget:
                    self._count("over_budget")
                    captured = self._record(RequisiteFetch(reference.url, _now(),
                                                           reason=OVER_BUDGET), shared=False)
                self.used += captured.size if captured.ok else 0
                self.linked.append(captured)
                for child in captured.children:
                    if child.url not in seen:
                        seen.add(child.url)
                        following.append(child)
            level = following
        await self.run.recorder.link(version, self.linked)

    async def _one(self, reference: Reference, known: KnownRequisite | None) -> Captured:
        done = self.run.captured.get(reference.url)
        if done is not None:
            self._count("shared")
            return done
        pending = self.run.inflight.get(reference.url)
        if pending is not None:
            self._count("shared")
            return await asyncio.shield(pending)
        future: asyncio.Future[Captured] = asyncio.get_running_loop().create_future()
        self.run.inflight[reference.url] = future
        try:
            result = await self._fetch(reference, known)
        except StoreError as exc:   # the run is stopping on it: no capture, no traceback
            future.set_exception(exc)
            future.exception()      # retrieved: waiters get it, nobody else logs it
            raise
        except Exception as exc:   # a requisite never fails the page's check
            logger.exception("capturing requisite %s failed", reference.url)
            result = self._record(RequisiteFetch(reference.url, _now(),
                                                 reason=f"capture failed ({type(exc).__name__})"))
        finally:
            self.run.inflight.pop(reference.url, None)
        if not future.done():
            future.set_result(result)
        return result

    def _record(self, fetch: RequisiteFetch, children: list[Reference] | None = None,
                shared: bool = True) -> Captured:
        captured = Captured(fetch, fetch.size or 0, fetch.sha256 is not None, children or [])
        self.run.recorder.add(captured, self.run_id)
        if shared:
            self.run.captured[fetch.url] = captured
        if fetch.sha256 is None:
            self._count("failed")
            logger.info("requisite %s: %s", fetch.url, fetch.reason)
        return captured

    async def _fetch(self, reference: Reference, known: KnownRequisite | None) -> Captured:
        url, kind = reference.url, reference.kind
        refused = hop_refusal(url, self.policy)
        if refused is not None:
            self._count("refused")
            return self._record(RequisiteFetch(url, _now(), reason=f"refused: {refused}"))
        remaining = self.budget - self.used
        if remaining <= 0:
            self._count("over_budget")
            return self._record(RequisiteFetch(url, _now(), reason=OVER_BUDGET), shared=False)
        validators, stored_size = None, None
        if known is not None and known.sha256 and (known.etag or known.http_last_modified):
            stored_size = self.run.store.blob_size(known.sha256)
            if stored_size is not None:      # content pruned: fetch it whole again
                validators = (known.etag, known.http_last_modified)
        request = Request(url, dont_filter=True, headers={
            "Accept": ACCEPT.get(kind, ACCEPT_IMAGE)}, meta={
            "validators": validators, "download_maxsize": min(self.file_cap, max(remaining, 1)),
            "dont_retry": True, "requisite": kind})
        try:
            response = await self._download(request)
        except Exception as exc:   # timeouts, refusals, too large: recorded, never raised
            failure = exception_reason(exc)
            if failure == "too large" and remaining < self.file_cap:   # this version's budget
                self._count("over_budget")
                return self._record(RequisiteFetch(url, _now(), reason=OVER_BUDGET), shared=False)
            return self._record(RequisiteFetch(url, _now(), reason=failure))
        content_type = _header(response, b"Content-Type")
        if response.status == 304 and validators is not None and known is not None \
                and known.sha256:
            self._count("not_modified")
            children = await self._children(known.sha256, None, known.media_type, url) \
                if kind == STYLESHEET else []
            return self._record(RequisiteFetch(
                url, _now(), status=304, sha256=known.sha256, media_type=known.media_type,
                size=stored_size), children)
        body = response.body
        reason = (f"HTTP {response.status}" if not 200 <= response.status < 300
                  else refusal(kind, content_type, body))
        if reason is not None:
            return self._record(RequisiteFetch(url, _now(), status=response.status, reason=reason))
        self._count("fetched")
        sha = hashlib.sha256(body).hexdigest()
        # a stylesheet accepted as one (text/css, text/plain, no type) is kept as text/css
        mtype = "text/css" if kind == STYLESHEET else media_type(content_type)
        fetch = RequisiteFetch(url, _now(), status=response.status, sha256=sha, media_type=mtype,
                               size=len(body), body=body, etag=_header(response, b"ETag"),
                               http_last_modified=_header(response, b"Last-Modified"))
        children = (await self._children(sha, body, content_type, response.url)
                    if kind == STYLESHEET else [])
        return self._record(fetch, children)

    async def _children(self, sha256: str, body: bytes | None, content_type: str | None,
                        url: str) -> list[Reference]:
        """What a stylesheet references, read in a thread: tokenizing a large sheet takes a
        second or more, which the reactor must not wait for."""
        key = (sha256, urlsplit(url)._replace(query="", fragment="").geturl())
        known = self.run.children.get(key)
        if known is not None:       # read (or being read) for another URL of the same sheet
            return await asyncio.shield(known)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[list[Reference]] = loop.create_future()
        self.run.children[key] = future
        found: list[Reference] = []
        try:
            if body is None:
                body = self.run.store.content(sha256)
            found = await loop.run_in_executor(None, stylesheet_references, body, content_type, url)
        except StoreError:
            self.run.children.pop(key, None)
            future.set_result([])
            raise
        except Exception:   # a stylesheet the tokenizer cannot read has no requisites
            logger.warning("cannot read the stylesheet %s", url, exc_info=True)
        future.set_result(found)
        return found

    async def _download(self, request: Request) -> Response:
        engine = self.crawler.engine
        assert engine is not None
        download = getattr(engine, "download_async", None)
        if download is not None:
            response: Response = await download(request)
            return response
        from scrapy.utils.defer import maybe_deferred_to_future  # Scrapy < 2.14
        response = await maybe_deferred_to_future(engine.download(request))
        return response


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class RequisiteSettings:
    """The ``[settings]`` keys of requisites, as the crawler's settings carry them."""

    enabled: bool = True
    requisites_max_bytes: int = 10 * 1024 * 1024
    requisite_max_bytes: int = 3 * 1024 * 1024

    @classmethod
    def of(cls, config: Any) -> dict[str, Any]:
        """The Scrapy setting (a plain dict) for a :class:`~profilewatch.config.Config`."""
        s = config.settings
        return {"enabled": s.requisites, "requisites_max_bytes": s.requisites_max_bytes,
                "requisite_max_bytes": s.requisite_max_bytes}


# The crawler setting that holds :class:`RequisiteSettings` as a dict.
REQUISITES_SETTING = "PROFILEWATCH_REQUISITES"


@dataclass(frozen=True, slots=True)
class PageRef:
    """What a capture needs of its page."""

    url: str
    body: bytes
    content_type: str | None
    final_url: str


class RequisitesPipeline:
    """PageResult → the same, at once; the requisites of a new version are captured beside it.

    The capture runs as a task of its own: the page's item does not wait for it (an item holds a
    slot of Scrapy's scraper, and pages waiting there for their stylesheets would keep the next
    pages from being fetched). The spider stays open until every capture has ended
    (``spider_idle``), and a capture still running when the spider closes is cancelled."""

    def __init__(self, crawler: Crawler, run: SourceRun, settings: RequisiteSettings) -> None:
        self.crawler = crawler
        self.run = run
        self.settings = settings
        self.policy = source_policy(run.source)      # once per source: it reads every URL
        self.tasks: set[asyncio.Task[None]] = set()
        crawler.signals.connect(self._idle, signal=signals.spider_idle)
        crawler.signals.connect(self._closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RequisitesPipeline:
        values = crawler.settings.getdict(REQUISITES_SETTING)
        return cls(crawler, source_run(crawler), RequisiteSettings(**values))

    def process_item(self, item: Any) -> Any:
        outcome = getattr(item, "outcome", None)
        if outcome is None or outcome.kind not in VERSION_KINDS or outcome.version is None:
            return item
        context = self.run.context
        if not self.settings.enabled or context.fatal is not None:
            return item
        fetched = item.fetched
        if media_type(fetched.headers.get("content-type")) not in HTML_TYPES:
            return item     # a linked document (PDF …) has no requisites
        capture = VersionCapture(self.crawler, run_requisites(context), self.policy,
                                 self.run.report.run_id, self.settings)
        if capture.stopping():
            return item
        state = context.writer.states.get(fetched.url)
        version: int | tuple[str, int] = (fetched.url, outcome.version)
        if state is not None and state.version == outcome.version and state.version_id:
            version = state.version_id      # the row the record step just wrote
        found = item.analysis.requisites
        # the task keeps the page's body only when it must read the references itself
        page = PageRef(fetched.url, fetched.body if found is None else b"",
                       fetched.headers.get("content-type"), fetched.final_url or fetched.url)
        task = asyncio.ensure_future(self._capture(capture, page, version, found))
        self.tasks.add(task)
        task.add_done_callback(self._done)
        return item

    async def _capture(self, capture: VersionCapture, page: PageRef,
                       version: int | tuple[str, int],
                       found: Sequence[tuple[str, str]] | None) -> None:
        try:
            await capture.capture(version, page.body, page.content_type, page.final_url, found)
        except StoreError as exc:   # the run reports the store's failure once, itself
            logger.debug("requisites of %s not recorded: %s", page.url, exc)
        except asyncio.CancelledError:
            logger.debug("requisites of %s not captured: the spider closed", page.url)
        except Exception:   # never fails the page's check: the version is already recorded
            logger.exception("capturing the requisites of %s failed", page.url)

    def _done(self, task: asyncio.Task[None]) -> None:
        self.tasks.discard(task)
        if not self.tasks:      # the engine may be waiting for the last capture: look again now
            slot = getattr(self.crawler.engine, "_slot", None)
            nextcall = getattr(slot, "nextcall", None)
            if nextcall is not None:
                nextcall.schedule()

    def _idle(self, spider: Any) -> None:
        if self.tasks:
            raise DontCloseSpider("requisites are still being captured")

    def _closed(self, spider: Any, reason: str) -> None:
        for task in list(self.tasks):
            task.cancel()
        try:        # what the captures of this spider queued (the loop may not run again)
            run_requisites(self.run.context).recorder.flush()
        except Exception:
            logger.debug("requisite captures not recorded at close", exc_info=True)
