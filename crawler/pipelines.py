"""Scrapy item pipelines: glue between fetched responses and the pure pipeline and store.

Order (see ``crawler.settings.ITEM_PIPELINES``): :class:`AnalysePipeline` runs stages 1-12 of
:mod:`pipeline.analyse` (in a worker process when the run has a pool); :class:`RecordPipeline`
hands the analysed fetch to the store writer, which applies :func:`pipeline.transition.transition`
and records it with its batch in one transaction. Both are built by ``from_crawler`` from the
crawler's :class:`~crawler.context.SourceRun`.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector

from crawler.context import SourceRun, source_run
from crawler.procpool import WorkerDied
from pipeline.stagetimes import TOTALS
from pipeline.status import early_outcome, is_document
from pipeline.types import Analysis, Fetched, Outcome
from profilewatch.errors import StoreError
from storage.results import CheckInput, RecordOutcome

logger = logging.getLogger(__name__)

# What a worker process runs for a page: named, so that this process need not import it
EXTRACT = ("crawler.extraction", "analyse_in_worker")


@dataclass(slots=True)
class PageResult:
    fetched: Fetched
    analysis: Analysis
    outcome: RecordOutcome | None = None


class AnalysePipeline:
    """Fetched → PageResult (extraction off the reactor thread)."""

    def __init__(self, run: SourceRun, stats: StatsCollector | None = None) -> None:
        self.run = run
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AnalysePipeline:
        return cls(source_run(crawler), crawler.stats)

    async def process_item(self, item: Fetched) -> PageResult:
        analysis = await self.analyse(item)
        TOTALS.add(analysis.timings)    # empty unless stage timing is on (pipeline.stagetimes)
        if self.stats is not None:
            self.stats.inc_value(f"pipeline/analysed/{analysis.outcome.value}")
        return PageResult(item, analysis)

    async def analyse(self, fetched: Fetched) -> Analysis:
        """Stages 1-12 of :mod:`pipeline.analyse`; a page that breaks them is a failed check."""
        context = self.run.context
        profile = self.run.profile
        state = context.writer.states.get(fetched.url)
        early = early_outcome(fetched)     # errors, 304s, 404s: nothing to extract
        if early is not None:
            return early
        trivial = not 200 <= (fetched.status or 0) < 300
        try:
            if context.pool is not None and not trivial:
                analysis: Analysis = await context.pool.run(EXTRACT, fetched, profile, state,
                                                            context.store_url)
                return analysis
            # local: the extraction stack (trafilatura, lxml …) loads only where pages are read
            from crawler.extraction import analyse_in_worker

            if is_document(fetched) and not trivial:
                # a document is extracted in a child process: wait for it off the reactor thread
                return await asyncio.get_running_loop().run_in_executor(
                    None, analyse_in_worker, fetched, profile, state, context.store_url)
            return analyse_in_worker(fetched, profile, state, context.store_url)
        except WorkerDied as exc:
            return Analysis(Outcome.FAILED, reason=str(exc))
        except Exception as exc:  # a page that breaks extraction is a failed check, not a lost page
            logger.exception("extracting %s failed", fetched.url)
            return Analysis(Outcome.FAILED, reason=f"extraction failed ({type(exc).__name__})")


class RecordPipeline:
    """PageResult → recorded check, version and event."""

    def __init__(self, run: SourceRun, stats: StatsCollector | None = None) -> None:
        self.run = run
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RecordPipeline:
        return cls(source_run(crawler), crawler.stats)

    async def process_item(self, item: PageResult) -> PageResult:
        item.outcome = await self.record(item.fetched, item.analysis)
        if self.stats is not None:
            self.stats.inc_value(f"pipeline/recorded/{item.outcome.kind.value}")
        return item

    async def record(self, fetched: Fetched, analysis: Analysis) -> RecordOutcome:
        """Queue the check with the store writer; count it in the source's report."""
        context = self.run.context
        report = self.run.report
        check = CheckInput(url=fetched.url, source=fetched.source, fetched_at=fetched.fetched_at,
                           analysis=analysis, status=fetched.status, final_url=fetched.final_url,
                           headers=fetched.headers, duration_ms=fetched.duration_ms,
                           run_id=report.run_id, body=fetched.body, body_size=len(fetched.body),
                           ignores=self.run.profile.ignores)
        try:
            outcome = await context.writer.submit(
                check, on_recorded=lambda recorded: report.count(fetched.url, recorded))
        except StoreError as exc:
            # the run stops (one error line); each page in flight is dropped quietly, not logged
            # with a traceback: the next run checks it again
            context.fail(exc)
            raise DropItem(f"not recorded: {exc}", log_level="DEBUG") from None
        context.missing.note(fetched, analysis, outcome, context.writer.states.get(fetched.url))
        context.progress.page_done(fetched.source, fetched.url, outcome)
        logger.debug("%s %s%s", outcome.kind.value, fetched.url,
                     f" ({outcome.reason})" if outcome.reason else "")
        return outcome
