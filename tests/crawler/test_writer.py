"""What a run holds grows with the pages in hand, not with the watchlist: page states are read from
the store a chunk of pages at a time as the start requests are made and dropped once a page's item
has left the item pipelines (``crawler.writer.PageStates``), and start requests wait while too many
downloaded pages wait for the pipelines."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from crawler import writer
from crawler.context import NoProgress, RunContext
from crawler.pipelines import PageResult
from crawler.spiders import GenericSpider, base
from crawler.writer import PageStates
from pipeline.types import Analysis, Fetched, Outcome
from profilewatch.config import SourceConfig, config_from_mapping
from storage.runs import RunRequest
from storage.store import Store

URLS = [f"https://a.example/p{n}" for n in range(7)]
SOURCE = SourceConfig(name="s", urls=tuple(URLS))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(f"sqlite:///{tmp_path / 'store.db'}")
    opened.sync_sources([SOURCE])
    yield opened
    opened.close()


class CountingStore:
    """The store, counting the state reads."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.reads: list[list[str]] = []

    def page_states(self, source: str | None = None, *, urls: list[str]) -> Any:
        self.reads.append(list(urls))
        return self.store.page_states(source, urls=urls)


def test_states_are_read_a_chunk_at_a_time_and_read_again_once_dropped(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writer, "STATES_PER_READ", 3)
    counting = CountingStore(store)
    states = PageStates(counting)     # type: ignore[arg-type]
    states.load([*URLS, URLS[0]])                       # a URL given twice is read once
    assert counting.reads == [URLS[0:3], URLS[3:6], URLS[6:7]]
    found = states.get(URLS[4])
    assert found is not None and found.url == URLS[4] and found.version is None
    assert len(counting.reads) == 3                     # in hand: no query
    assert states.get("https://a.example/unknown") is None      # not a page (yet): read once
    assert states.get("https://a.example/unknown") is None
    assert len(counting.reads) == 4
    states.release(URLS[4])
    assert URLS[4] not in states and len(states) == 7
    assert states.get(URLS[4]) == found                 # from the store again
    assert counting.reads[-1] == [URLS[4]]
    assert states.of([URLS[1], "https://a.example/unknown"]) == {URLS[1]: states.get(URLS[1])}


class RecordingContext:
    """A spider's run: records what the spider asks, in order."""

    store: Any = None

    def __init__(self) -> None:
        self.asked: list[tuple[str, Any]] = []

    def known_urls(self, source: str) -> Iterator[str]:
        yield from [URLS[2], "https://a.example/stored"]     # a configured page, and one more

    def load_states(self, urls: list[str]) -> None:
        self.asked.append(("load", list(urls)))

    def validators(self, url: str) -> None:
        self.asked.append(("validators", url))


def test_start_requests_read_their_pages_states_a_chunk_ahead(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writer, "STATES_PER_READ", 3)
    context = RecordingContext()
    spider = GenericSpider(source=SourceConfig(name="s", urls=(*URLS[:4], URLS[1], URLS[3] + "#x")),
                           context=context)

    async def requests() -> list[str]:
        return [request.url async for request in spider.start()]

    urls = asyncio.run(requests())
    assert urls == [*URLS[:4], "https://a.example/stored"]     # each page once
    assert context.asked == [
        ("load", URLS[:3]),
        ("validators", URLS[0]), ("validators", URLS[1]), ("validators", URLS[2]),
        ("load", [URLS[3], "https://a.example/stored"]),
        ("validators", URLS[3]), ("validators", "https://a.example/stored")]


def test_a_page_state_is_dropped_when_its_item_leaves_the_pipelines(store: Store) -> None:
    config = config_from_mapping({"source": [{"name": "s", "urls": URLS}]}, None)
    context = RunContext(config, store, RunRequest(config.sources, workers=0), NoProgress())
    try:
        assert context.total_pages == len(URLS)
        assert list(context.known_urls("s")) == URLS
        context.load_states(URLS[:2])
        assert URLS[0] in context.states and URLS[1] in context.states
        now = datetime.now(UTC)
        fetched = Fetched(url=URLS[0], source="s", fetched_at=now, error="timeout")
        context.page_finished(PageResult(fetched, Analysis(Outcome.FAILED, reason="timeout")))
        context.page_finished(Fetched(url=URLS[1], source="s", fetched_at=now))   # dropped early
        assert len(context.states) == 0
    finally:
        context.close()


def test_start_requests_wait_while_the_pipelines_hold_too_many_pages(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Downloaded pages waiting for extraction or the store hold the next start request: a run of
    many small pages holds at most ``MAX_PAGES_IN_HAND`` of them, not what Scrapy's byte bound
    allows (thousands)."""
    monkeypatch.setattr(base, "START_BACKOUT_POLL", 0)
    slot = SimpleNamespace(queue=deque(), active={object() for _ in range(base.MAX_PAGES_IN_HAND)})
    engine = SimpleNamespace(running=True, needs_backout=lambda: False,
                             scraper=SimpleNamespace(slot=slot))
    spider = GenericSpider(source=SourceConfig(name="s", urls=tuple(URLS[:2])),
                           context=RecordingContext())
    spider.crawler = SimpleNamespace(engine=engine)     # type: ignore[assignment]

    async def first_requests() -> list[str]:
        requests = spider.start()
        waiting = asyncio.ensure_future(anext(requests))
        for _ in range(20):
            await asyncio.sleep(0)
        held = not waiting.done()
        slot.active.pop()                                   # one page recorded
        first = await waiting
        return ["held" if held else "not held", first.url]

    assert asyncio.run(first_requests()) == ["held", URLS[0]]
