"""The store writer: page results recorded in small batches, on the event loop.

Pipelines hand each analysed fetch to :meth:`BatchWriter.submit` and await the returned future.
Results wait at most ``MAX_WAIT`` seconds (or until ``MAX_BATCH`` have queued) and are then recorded
in one transaction, so a busy run commits a few times a second instead of once per page.

The batch is written on the event loop's own thread. A writer *thread* was tried first: it gains
nothing (the recording is Python under the GIL) and with SQLite it made the run's memory grow by
~40 KB per page (310 MB instead of 127 MB for 5,000 pages) — freed only at exit. A batch of 200
unchanged pages takes ~20 ms, of 200 new versions ~200 ms; the loop is held that long at most.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

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


class BatchWriter:
    def __init__(self, store: Store, states: dict[str, PageState], gone_after: int) -> None:
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
            results = self.store.record_batch([c for c, _, _ in items], self.states, self.gone_after)
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
