"""The store writer: page results recorded in small batches, on the event loop.

Pipelines hand each analysed fetch to :meth:`BatchWriter.submit` and await the returned future.
Results wait at most ``MAX_WAIT`` seconds (or until ``MAX_BATCH`` have queued) and are then recorded
in one transaction, so a busy run commits a few times a second instead of once per page.

The batch is written on the event loop's own thread. A writer *thread* was tried first: it gains
nothing (the recording is Python under the GIL) and with SQLite it made the run's memory grow by
~40 KB per page (310 MB instead of 127 MB for 5,000 pages) — freed only at exit. A batch of 200
unchanged pages takes ~20 ms, of 200 new versions ~200 ms; the loop is held that long at most.

The page states the writer records against (:class:`PageStates`) are read from the store a chunk
of pages at a time, as the spiders make their requests, and dropped once a page's check has gone
through the item pipelines: a run holds the states of the pages in hand, not of the whole watchlist
(a 100,000-page source's states took ~60 MB).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable

from pipeline.stagetimes import TOTALS, laps
from pipeline.types import PageState
from profilewatch.errors import StoreError
from storage.results import CheckInput, RecordOutcome
from storage.store import Store

logger = logging.getLogger(__name__)

# a queued result: the check, the future its pipeline awaits, what to call once it is committed
Pending = tuple[CheckInput, asyncio.Future[RecordOutcome], Callable[[RecordOutcome], None] | None]

# At most this many page results per transaction (about 0.1 s of writing at full speed)...
MAX_BATCH = 200
# ...and a result waits at most this long for others to share its transaction. A process killed
# loses at most this much recent work, which the next run simply checks again.
MAX_WAIT = 0.05


# Page states read in one query: the next this many start requests' pages (a query of ~25 ms on
# SQLite, once per 1,000 pages; ~0.6 KB a state, so well under a megabyte held ahead).
STATES_PER_READ = 1000


class PageStates:
    """The run's page states (validators, streaks, latest version), by URL, read on demand.

    :meth:`load` reads the states of the pages about to be requested in one query; :meth:`get`
    reads a page nobody loaded (a page found during the run) on its own; the writer sets a page's
    new state once its check is committed; :meth:`release` drops it when the page is done. A state
    read again after that comes from the store, which then holds exactly what was dropped."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._states: dict[str, PageState | None] = {}     # None: no such page in the store (yet)

    def load(self, urls: Iterable[str]) -> None:
        """Read the states of ``urls`` that are not in hand, ``STATES_PER_READ`` at a time."""
        wanted = [url for url in dict.fromkeys(urls) if url not in self._states]
        for start in range(0, len(wanted), STATES_PER_READ):
            chunk = wanted[start:start + STATES_PER_READ]
            found = self.store.page_states(urls=chunk)
            for url in chunk:
                self._states[url] = found.get(url)

    def get(self, url: str) -> PageState | None:
        """The state of ``url`` (None for a page the store does not have yet)."""
        if url not in self._states:
            self.load([url])
        return self._states[url]

    def of(self, urls: Iterable[str]) -> dict[str, PageState]:
        """The states of ``urls`` the store has, read as needed in one query."""
        urls = list(urls)
        self.load(urls)
        return {url: state for url in urls if (state := self._states[url]) is not None}

    def __setitem__(self, url: str, state: PageState) -> None:
        self._states[url] = state

    def __contains__(self, url: object) -> bool:
        return url in self._states

    def __len__(self) -> int:
        return len(self._states)

    def release(self, url: str) -> None:
        """Forget ``url``'s state (its check is done)."""
        self._states.pop(url, None)


class BatchWriter:
    def __init__(self, store: Store, states: PageStates, gone_after: int) -> None:
        self.store = store
        self.states = states
        self.gone_after = gone_after
        self.failure: StoreError | None = None
        self._pending: list[Pending] = []
        self._timer: asyncio.TimerHandle | None = None

    def submit(self, check: CheckInput,
               on_recorded: Callable[[RecordOutcome], None] | None = None) -> asyncio.Future[RecordOutcome]:
        """Queue a result; the future resolves once its batch is committed. ``on_recorded`` is
        called right after the commit, synchronously: it runs even when the loop has stopped and
        :meth:`close` records the last batch (the awaiting coroutine then never resumes)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[RecordOutcome] = loop.create_future()
        if self.failure is not None:
            future.set_exception(self.failure)
            return future
        self._pending.append((check, future, on_recorded))
        if len(self._pending) >= MAX_BATCH:
            loop.call_soon(self.flush)
        elif self._timer is None:
            self._timer = loop.call_later(MAX_WAIT, self.flush)
        return future

    def flush(self) -> None:
        """Record what is queued, in one transaction."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        items, self._pending = self._pending, []
        if not items:
            return
        if self.failure is not None:
            self._fail(items, self.failure)
            return
        clock = laps()
        try:
            checks = [c for c, _, _ in items]
            results = self.store.record_batch(checks, self.states.of(c.url for c in checks),
                                              self.gone_after)
            clock.lap("batch writer")
            TOTALS.add(clock.laps)
        except StoreError as exc:
            self.failure = exc
            self._fail(items, exc)
            return
        except Exception as exc:  # a bug must fail these pages loudly, not hang the run
            logger.exception("recording %d page results failed", len(items))
            self._fail(items, exc)
            return
        for (check, future, on_recorded), (outcome, state) in zip(items, results, strict=True):
            self.states[check.url] = state
            if on_recorded is not None:
                on_recorded(outcome)
            if not future.done():
                future.set_result(outcome)

    def close(self) -> None:
        """Record what is still queued (the loop may have stopped: this runs synchronously)."""
        self.flush()

    @staticmethod
    def _fail(items: list[Pending], exc: BaseException) -> None:
        for _, future, _ in items:
            if not future.done():
                future.set_exception(exc)
