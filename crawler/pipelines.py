"""Scrapy item pipelines: glue between fetched responses and the pure pipeline and store.

Order (see ``crawler.settings.ITEM_PIPELINES``): :class:`AnalysePipeline` runs stages 1-12 of
:mod:`pipeline.analyse` in a worker process; :class:`RecordPipeline` applies the decision table and
records the check in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scrapy.crawler import Crawler

from pipeline.types import Analysis, Fetched
from storage.results import RecordOutcome


@dataclass(slots=True)
class PageResult:
    fetched: Fetched
    analysis: Analysis
    outcome: RecordOutcome | None = None


class _ContextPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Any:
        return cls(crawler)

    @property
    def context(self) -> Any:
        assert self.crawler.spider is not None
        return self.crawler.spider.context  # type: ignore[attr-defined]


class AnalysePipeline(_ContextPipeline):
    """Fetched → PageResult (extraction off the reactor thread)."""

    async def process_item(self, item: Fetched) -> PageResult:
        analysis = await self.context.analyse(item)
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(f"pipeline/analysed/{analysis.outcome.value}")
        return PageResult(item, analysis)


class RecordPipeline(_ContextPipeline):
    """PageResult → recorded check, version and event."""

    async def process_item(self, item: PageResult) -> PageResult:
        item.outcome = await self.context.record(item.fetched, item.analysis)
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(f"pipeline/recorded/{item.outcome.kind.value}")
        return item
