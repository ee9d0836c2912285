"""The store writer: one thread that records page results in small batches.

Pipelines hand each analysed fetch to :meth:`BatchWriter.submit` and await the returned future. The
thread takes whatever has queued up (at most ``MAX_BATCH`` results, waiting at most ``MAX_WAIT``
seconds for more) and records it in one transaction. Fetching and extraction never wait on the disk,
and a busy run commits a few times a second instead of once per page.
"""

from __future__ import annotations

import logging
import queue
import threading
from concurrent.futures import Future

from profilewatch.errors import StoreError
from storage.records import CheckInput, PageState, RecordOutcome
from storage.store import Store

logger = logging.getLogger(__name__)

# At most this many page results per transaction (about 0.1 s of writing at full speed)...
MAX_BATCH = 200
# ...and a result waits at most this long for others to share its transaction. A process killed
# loses at most this much recent work, which the next run simply checks again.
MAX_WAIT = 0.05

_STOP = object()


class BatchWriter:
    def __init__(self, store: Store, states: dict[str, PageState], gone_after: int) -> None:
        self.store = store
        self.states = states          # owned by the writer thread once started
        self.gone_after = gone_after
        self.failure: StoreError | None = None
        self._queue: queue.Queue[object] = queue.Queue()
        self._thread = threading.Thread(target=self._loop, name="store-writer", daemon=True)
        self._thread.start()

    def submit(self, check: CheckInput) -> Future[RecordOutcome]:
        future: Future[RecordOutcome] = Future()
        if self.failure is not None:
            future.set_exception(self.failure)
        else:
            self._queue.put((check, future))
        return future

    def close(self) -> None:
        """Record what is queued, then stop the thread."""
        self._queue.put(_STOP)
        self._thread.join()

    def _loop(self) -> None:
        stopping = False
        while not stopping:
            item = self._queue.get()
            if item is _STOP:
                break
            batch = [item]
            try:
                while len(batch) < MAX_BATCH:
                    more = self._queue.get(timeout=MAX_WAIT)
                    if more is _STOP:
                        stopping = True
                        break
                    batch.append(more)
            except queue.Empty:
                pass
            self._write(batch)

    def _write(self, batch: list[object]) -> None:
        items: list[tuple[CheckInput, Future[RecordOutcome]]] = batch  # type: ignore[assignment]
        if self.failure is not None:
            for _, future in items:
                future.set_exception(self.failure)
            return
        try:
            results = self.store.record_batch([c for c, _ in items], self.states, self.gone_after)
        except StoreError as exc:
            self.failure = exc
            for _, future in items:
                future.set_exception(exc)
            return
        except Exception as exc:  # a bug must fail these pages loudly, not hang the run
            logger.exception("recording %d page results failed", len(items))
            for _, future in items:
                future.set_exception(exc)
            return
        for (check, future), (outcome, state) in zip(items, results, strict=True):
            self.states[check.url] = state
            future.set_result(outcome)
