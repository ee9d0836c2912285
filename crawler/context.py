"""What the spiders and item pipelines of one run share, typed.

:class:`RunContext` holds the run's services (the store, the page states, the extraction pool, the
store writer, the progress display). Each source's crawler gets a :class:`SourceRun` (its source,
report and extraction profile, and the run's context) in its settings, under :data:`SOURCE_RUN`:
the item pipelines of :mod:`crawler.pipelines` read it in ``from_crawler`` through
:func:`source_run`, as Scrapy's own components read their settings.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.exceptions import NotConfigured

from crawler.missing import MissingPages
from crawler.procpool import AUTO_POOL_MIN_PAGES, WORKER_MODULES, ExtractionPool
from crawler.writer import BatchWriter, PageStates
from pipeline.types import Profile
from profilewatch.config import Config, SourceConfig
from profilewatch.errors import StoreError
from storage import keyframes
from storage.results import RecordOutcome
from storage.runs import RunRequest, SourceReport
from storage.store import Store

logger = logging.getLogger(__name__)

# The crawler setting that holds a source's :class:`SourceRun`.
SOURCE_RUN = "PROFILEWATCH_SOURCE_RUN"


class Progress(Protocol):
    def start(self, total: int) -> None: ...
    def page_done(self, source: str, url: str, outcome: RecordOutcome) -> None: ...
    def finish(self) -> None: ...


class NoProgress:
    def start(self, total: int) -> None:
        pass

    def page_done(self, source: str, url: str, outcome: RecordOutcome) -> None:
        pass

    def finish(self) -> None:
        pass


class RunContext:
    """The services every spider and item pipeline of one run shares."""

    def __init__(self, config: Config, store: Store, request: RunRequest,
                 progress: Progress) -> None:
        self.store = store
        self.progress = progress
        sources = request.sources
        # read a chunk at a time as requests are made, dropped when a page is done (crawler.writer)
        self.states = PageStates(store)
        # the pages known when the run started (those a run discovers are requested as found)
        self.last_page_id = store.last_page_id()
        # pages removed through the API: archived, no longer checked
        self.unwatched = {s.name: store.unwatched_urls(s.name) for s in sources}
        self.fatal: BaseException | None = None
        self.process: CrawlerProcess | None = None
        total = 0
        for source in sources:
            only = request.pages_of(source.name)
            if only is not None:          # a cluster batch
                total += len(only)
                continue
            configured = set(source.urls)     # and every stored page the config does not name
            total += len(configured) + sum(1 for url in self.known_urls(source.name)
                                           if url not in configured)
        self.total_pages = total
        workers = request.workers
        if workers is None:
            workers = 0 if total < AUTO_POOL_MIN_PAGES else (os.cpu_count() or 1)
        self.pool: ExtractionPool | None = None
        if workers > 0:
            self.pool = ExtractionPool(workers, initializer=("crawler.extraction", "warm_up"),
                                       preload=WORKER_MODULES)
        # workers read keyframes with their own connection (the password stays in the URL)
        self.store_url = store.engine.url.render_as_string(hide_password=False)
        self.writer = BatchWriter(store, self.states, config.settings.gone_after)
        # discovered pages that never were pages, to unwatch at the end (crawler.missing)
        self.missing = MissingPages(config.settings.gone_after)

    # --- what spiders ask ------------------------------------------------------------------------

    def known_urls(self, source: str) -> Iterator[str]:
        """The stored pages of ``source`` that are still watched, as the run started (a stream)."""
        return self.store.watched_urls(source, through=self.last_page_id)

    def load_states(self, urls: Sequence[str]) -> None:
        """Read the states of the pages about to be requested (in one query)."""
        try:
            self.states.load(urls)
        except StoreError as exc:
            self.fail(exc)

    def validators(self, url: str) -> tuple[str | None, str | None] | None:
        try:
            state = self.states.get(url)
        except StoreError as exc:
            self.fail(exc)
            return None
        if state is not None and state.version is not None and (state.etag or state.http_last_modified):
            return state.etag, state.http_last_modified
        return None

    def page_finished(self, item: object) -> None:
        """A page's item left the item pipelines (recorded, dropped or failed): drop its state."""
        url = getattr(getattr(item, "fetched", item), "url", None)
        if isinstance(url, str):
            self.states.release(url)

    # --- the run's end ---------------------------------------------------------------------------

    def fail(self, exc: BaseException) -> None:
        """Stop the run after a store failure (the first one is raised at the end)."""
        if self.fatal is None:
            self.fatal = exc
            logger.error("stopping the run: %s", exc)
            if self.process is not None:
                self.process.stop()

    def close(self) -> None:
        self.writer.close()
        keyframes.close()      # inline extraction read keyframes in this process
        if self.pool is not None:
            self.pool.close()


@dataclass(frozen=True, slots=True, eq=False)
class SourceRun:
    """What the item pipelines of one source's crawler need: its source, report and profile, and
    the run's shared context."""

    source: SourceConfig
    report: SourceReport
    profile: Profile
    context: RunContext

    def __deepcopy__(self, memo: dict[int, Any]) -> SourceRun:
        return self          # crawler settings are deep-copied: the run's services are shared

    def __repr__(self) -> str:
        return f"SourceRun({self.source.name!r})"


def source_run(crawler: Crawler) -> SourceRun:
    """The :class:`SourceRun` of ``crawler`` (set by :func:`crawler.runner.run_sources`)."""
    run = crawler.settings.get(SOURCE_RUN)
    if not isinstance(run, SourceRun):
        raise NotConfigured(f"{SOURCE_RUN} is not set: profilewatch's pipelines run under "
                            "crawler.runner.run_sources only")
    return run
