"""One check cycle: the Scrapy process, the extraction workers and the store writer.

``run_sources`` starts one crawler per source of a :class:`~storage.runs.RunRequest` in a single
Twisted reactor (so it runs once per process: cron runs and daemon cycles each get a fresh
``profilewatch run`` process). Extraction runs in a process pool so both cores are busy; the store
writer records page results in batches, one transaction each, on the event loop
(:mod:`crawler.writer`). What the spiders and item pipelines share is in :mod:`crawler.context`.
"""

from __future__ import annotations

import json
import logging
import os
import resource
from collections.abc import Callable
from datetime import UTC, datetime

from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.spiders import Spider

from crawler.context import SOURCE_RUN, NoProgress, Progress, RunContext, SourceRun
from crawler.settings import build_settings
from crawler.shutdown import RunStopper
from crawler.spiders import spider_class
from pipeline import stagetimes
from pipeline.types import Profile
from profilewatch.config import Config
from profilewatch.errors import StoreError
from storage.runs import RunReport, RunRequest, SourceReport
from storage.store import Store

logger = logging.getLogger(__name__)


def run_sources(config: Config, store: Store, request: RunRequest, *,
                progress: Progress | None = None, log_level: str = "WARNING",
                on_source_done: Callable[[SourceReport], None] | None = None) -> RunReport:
    """Run one check cycle of the request's sources (the caller holds their run locks)."""
    progress = progress or NoProgress()
    report = RunReport(started_at=datetime.now(UTC))
    context = RunContext(config, store, request, progress)
    process = CrawlerProcess(build_settings(config, log_level=log_level))
    context.process = process
    stopper = RunStopper(process)   # bounded graceful stop on SIGTERM/SIGINT (crawler.shutdown)
    stopper.install()
    for source in request.sources:
        source_report = SourceReport(source.name, store.start_run(source.name, request.trigger))
        report.sources.append(source_report)
        crawler = process.create_crawler(spider_class(source.spider))
        profile = Profile(site=source.spider, ignores=source.ignore,
                          organisation=source.organisation,
                          requisites=config.settings.requisites)
        # the item pipelines read it in from_crawler (crawler.context.source_run)
        crawler.settings.set(SOURCE_RUN, SourceRun(source, source_report, profile, context),
                             priority="cmdline")

        def closed(spider: Spider, reason: str, _report: SourceReport = source_report) -> None:
            _report.status = "completed" if reason == "finished" else "interrupted"

        # weak=False: the closure is referenced nowhere else and would be collected
        crawler.signals.connect(closed, signal=signals.spider_closed, weak=False)
        # a page's state is dropped once its item has left the item pipelines, however it left
        for left in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(context.page_finished, signal=left, weak=False)
        process.crawl(crawler, source=source, context=context,
                      only_urls=request.pages_of(source.name), discover=request.discover)
    progress.start(context.total_pages)
    cpu_before = _cpu_seconds()
    try:
        process.start(stop_after_crawl=True, install_signal_handlers=False)
    finally:
        stopper.uninstall()
        context.close()
        if stagetimes.ENABLED:
            _write_stage_times(_cpu_seconds() - cpu_before, context.total_pages)
        progress.finish()
        if context.fatal is None:
            for source, source_report in zip(request.sources, report.sources, strict=False):
                context.missing.retire(store, source, source_report)
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


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _write_stage_times(crawl_cpu: float, pages: int) -> None:
    """Append this run's stage totals to the file :data:`pipeline.stagetimes.ENV` names: the
    benchmark's breakdown (the main process's crawl CPU, and every stage's, workers included)."""
    line = {"crawl_cpu": round(crawl_cpu, 6), "pages": pages,
            "stages": stagetimes.TOTALS.as_json()}
    with open(os.environ[stagetimes.ENV], "a", encoding="utf-8") as handle:
        handle.write(json.dumps(line) + "\n")
