"""How a source's crawler reaches its run: the SourceRun in its settings, read by the pipelines."""

from __future__ import annotations

from typing import Any, cast

import pytest
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.context import SOURCE_RUN, RunContext, SourceRun, source_run
from crawler.pipelines import AnalysePipeline
from crawler.spiders import GenericSpider
from pipeline.types import Profile
from profilewatch.config import SourceConfig
from storage.runs import RunRequest, SourceReport

SOURCE = SourceConfig(name="s", urls=("https://a.example/1",))


def _run() -> SourceRun:
    shared = cast(RunContext, object())     # the pipelines only hold it until a page arrives
    return SourceRun(SOURCE, SourceReport("s", 1), Profile(), shared)


def test_pipelines_get_their_source_run_from_the_crawler_settings() -> None:
    run = _run()
    crawler = Crawler(GenericSpider, {SOURCE_RUN: run})   # Crawler deep-copies its settings
    assert source_run(crawler) is run                    # the run's services are shared, not copied
    assert crawler.settings.copy()[SOURCE_RUN] is run
    assert repr(run) == "SourceRun('s')"                 # what Scrapy logs among its settings


def test_a_crawler_without_a_source_run_refuses_the_pipelines() -> None:
    crawler = Crawler(GenericSpider, {})
    with pytest.raises(NotConfigured, match=SOURCE_RUN):
        AnalysePipeline.from_crawler(crawler)


class _Context:
    store: Any = None

    def known_urls(self, source: str) -> list[str]:
        return ["https://a.example/2", "https://a.example/3"]

    def validators(self, url: str) -> None:
        return None


def test_a_batch_checks_only_its_pages_of_the_watched_ones() -> None:
    request = RunRequest((SOURCE,), only_urls={"s": ("https://a.example/3/", "https://other.example/")})
    assert request.pages_of("s") == ("https://a.example/3/", "https://other.example/")
    assert request.pages_of("t") is None
    spider = GenericSpider(source=SOURCE, context=_Context(), only_urls=request.pages_of("s"))
    assert spider.checked_urls() == ["https://a.example/3"]     # one spelling of the same page
    everything = GenericSpider(source=SOURCE, context=_Context())
    assert everything.checked_urls() == ["https://a.example/1", "https://a.example/2",
                                         "https://a.example/3"]
