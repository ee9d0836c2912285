"""One check cycle: the Scrapy process, the extraction workers and the store writer.

``run_sources`` starts one crawler per source in a single Twisted reactor (so it runs once per
process: cron runs and daemon cycles each get a fresh ``profilewatch run`` process). Extraction
runs in a process pool so both cores are busy; the store is written by one thread, one transaction
per page, so fetching never waits on the disk.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Protocol

from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.exceptions import DropItem
from scrapy.spiders import Spider

from crawler.procpool import ExtractionPool, WorkerDied
from crawler.settings import build_settings
from crawler.shutdown import RunStopper
from crawler.spiders import spider_class
from crawler.work import Known, analyse_in_worker, warm_up
from crawler.writer import BatchWriter
from pipeline.analyse import Profile
from pipeline.identity import PreviousPage
from pipeline.types import Analysis, ChangeKind, Fetched, Outcome
from profilewatch.config import Config, SourceConfig
from profilewatch.errors import StoreError
from storage import keyframes
from storage.records import CheckInput, PageState, RecordOutcome
from storage.runreport import RunReport, SourceReport
from storage.store import Store

logger = logging.getLogger(__name__)

# Below this many pages a run extracts in the main process: starting worker processes (~0.5 s
# each, importing trafilatura) costs more than it saves on a handful of pages.
AUTO_POOL_MIN_PAGES = 40


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
    """Shared by every spider and pipeline of one run (reached through ``spider.context``)."""

    def __init__(self, config: Config, store: Store, sources: Sequence[SourceConfig],
                 progress: Progress, workers: int | None) -> None:
        self.config = config
        self.store = store
        self.progress = progress
        self.states: dict[str, dict[str, PageState]] = {s.name: store.page_states(s.name)
                                                         for s in sources}
        all_states = {url: st for states in self.states.values() for url, st in states.items()}
        # pages removed through the API: archived, no longer checked
        self.unwatched = {s.name: store.unwatched_urls(s.name) for s in sources}
        self.profiles = {s.name: Profile(site=s.spider, ignores=s.ignore,
                                         organisation=s.organisation) for s in sources}
        self.reports: dict[str, SourceReport] = {}
        self.missing: dict[str, dict[str, str]] = {s.name: {} for s in sources}
        self.fatal: BaseException | None = None
        self.process: CrawlerProcess | None = None
        total = sum(len(s.only_urls) if s.only_urls is not None       # a cluster batch
                    else len(set(s.urls) | set(self.known_urls(s.name))) for s in sources)
        self.total_pages = total
        if workers is None:
            workers = 0 if total < AUTO_POOL_MIN_PAGES else (os.cpu_count() or 1)
        self.pool: ExtractionPool | None = None
        if workers > 0:
            self.pool = ExtractionPool(workers, initializer=warm_up,
                                       preload=["crawler.work", "pipeline.analyse"])
        # workers read keyframes with their own connection (the password stays in the URL)
        self.store_url = store.engine.url.render_as_string(hide_password=False)
        self.writer = BatchWriter(store, all_states, config.settings.gone_after)

    # --- what spiders ask ------------------------------------------------------------------------

    def known_urls(self, source: str) -> list[str]:
        """The stored pages of ``source`` that are still watched."""
        skip = self.unwatched.get(source, set())
        return [url for url in self.states.get(source, {}) if url not in skip]

    def validators(self, url: str) -> tuple[str | None, str | None] | None:
        state = self.writer.states.get(url)
        if state is not None and state.version is not None and (state.etag or state.http_last_modified):
            return state.etag, state.http_last_modified
        return None

    # --- what pipelines ask ----------------------------------------------------------------------

    async def analyse(self, fetched: Fetched) -> Analysis:
        profile = self.profiles[fetched.source]
        state = self.writer.states.get(fetched.url)
        known = Known()
        if state is not None:
            previous = None if state.version is None else PreviousPage(
                state.version_final_url, state.title, state.version_h1, state.version_language)
            known = Known(state.content_sha256, state.body_sha256, self.store_url, previous)
        trivial = fetched.error is not None or not (200 <= (fetched.status or 0) < 300)
        try:
            if self.pool is None or trivial:   # 304s, errors: nothing to extract
                return analyse_in_worker(fetched, profile, known)
            analysis: Analysis = await self.pool.run(analyse_in_worker, fetched, profile, known)
        except WorkerDied as exc:
            return Analysis(Outcome.FAILED, reason=str(exc))
        except Exception as exc:  # a page that breaks extraction is a failed check, not a lost page
            logger.exception("extracting %s failed", fetched.url)
            return Analysis(Outcome.FAILED, reason=f"extraction failed ({type(exc).__name__})")
        return analysis

    async def record(self, fetched: Fetched, analysis: Analysis) -> RecordOutcome:
        report = self.reports[fetched.source]
        check = CheckInput(url=fetched.url, source=fetched.source, fetched_at=fetched.fetched_at,
                           analysis=analysis, status=fetched.status, final_url=fetched.final_url,
                           headers=fetched.headers, duration_ms=fetched.duration_ms,
                           run_id=report.run_id, body=fetched.body, body_size=len(fetched.body))
        try:
            outcome = await self.writer.submit(check)
        except StoreError as exc:
            # the run stops (one error line); each page in flight is dropped quietly, not logged
            # with a traceback: the next run checks it again
            self._fail(exc)
            raise DropItem(f"not recorded: {exc}", log_level="DEBUG") from None
        report.counts[outcome.kind.value] += 1
        self._note_missing(fetched, analysis, outcome)
        if outcome.kind is ChangeKind.FAILED:
            report.reasons[outcome.reason or "failed"] += 1
            report.failing[fetched.url] = outcome.reason or "failed"
        self.progress.page_done(fetched.source, fetched.url, outcome)
        logger.debug("%s %s%s", outcome.kind.value, fetched.url,
                    f" ({outcome.reason})" if outcome.reason else "")
        return outcome

    def _note_missing(self, fetched: Fetched, analysis: Analysis, outcome: RecordOutcome) -> None:
        """A page with no version whose 404/410 streak reached ``gone_after`` is a candidate to
        leave the watchlist at the end of the run (if discovery found it: see ``retire``)."""
        if analysis.outcome is not Outcome.MISSING or outcome.kind is not ChangeKind.FAILED:
            return
        state = self.writer.states.get(fetched.url)
        gone_after = self.config.settings.gone_after
        if state is not None and state.version is None and state.missing_streak >= gone_after:
            self.missing[fetched.source][fetched.url] = (
                f"never a page, {outcome.reason or 'missing'} on {state.missing_streak} checks")

    def retire(self, source: SourceConfig) -> None:
        """Unwatch the source's discovered pages that never answered with a page and answered
        404/410 ``gone_after`` times (a language switcher's link to a translation that does not
        exist); configured pages stay watched."""
        report = self.reports[source.name]
        candidates = {url: why for url, why in self.missing[source.name].items()
                      if url not in source.urls}
        if not candidates:
            return
        try:
            retired = self.store.retire_pages(source.name, sorted(candidates))
        except StoreError as exc:
            logger.error("could not unwatch the missing pages of %s: %s", source.name, exc)
            return
        for url in retired:
            report.retired[url] = candidates[url]
            report.failing.pop(url, None)

    def _fail(self, exc: BaseException) -> None:
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


def run_sources(config: Config, store: Store, sources: Sequence[SourceConfig], *,
                progress: Progress | None = None, trigger: str = "manual",
                log_level: str = "WARNING",
                on_source_done: Callable[[SourceReport], None] | None = None) -> RunReport:
    """Run one check cycle of ``sources`` (the caller holds their run locks)."""
    progress = progress or NoProgress()
    report = RunReport(started_at=datetime.now(UTC))
    context = RunContext(config, store, sources, progress, config.settings.workers)
    process = CrawlerProcess(build_settings(config, log_level=log_level))
    context.process = process
    stopper = RunStopper(process)   # bounded graceful stop on SIGTERM/SIGINT (crawler.shutdown)
    stopper.install()
    for source in sources:
        source_report = SourceReport(source.name, store.start_run(source.name, trigger))
        context.reports[source.name] = source_report
        report.sources.append(source_report)
        crawler = process.create_crawler(spider_class(source.spider))

        def closed(spider: Spider, reason: str, _report: SourceReport = source_report) -> None:
            _report.status = "completed" if reason == "finished" else "interrupted"

        # weak=False: the closure is referenced nowhere else and would be collected
        crawler.signals.connect(closed, signal=signals.spider_closed, weak=False)
        process.crawl(crawler, source=source, context=context)
    progress.start(context.total_pages)
    try:
        process.start(stop_after_crawl=True, install_signal_handlers=False)
    finally:
        stopper.uninstall()
        context.close()
        progress.finish()
        for source in sources:
            if context.fatal is None:
                context.retire(source)
        for source_report in report.sources:
            if context.fatal is not None:
                source_report.status = "failed"
            elif source_report.status == "running":
                source_report.status = "interrupted"
            try:
                store.finish_run(source_report.run_id, source_report.status,
                                 dict(source_report.counts))
            except StoreError as exc:
                logger.error("could not record the end of run %s: %s", source_report.run_id, exc)
            if on_source_done is not None:
                on_source_done(source_report)
    report.finished_at = datetime.now(UTC)
    if context.fatal is not None:
        raise context.fatal
    return report
