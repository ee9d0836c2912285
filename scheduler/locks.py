"""Run locks: one run per source at a time, across processes and machines."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from storage.locks import HeldLock
from storage.store import Store

logger = logging.getLogger(__name__)


@contextmanager
def source_locks(store: Store, names: Sequence[str]) -> Iterator[tuple[list[str], list[str]]]:
    """Lock each source that is free; yields ``(locked, busy)`` and releases on exit."""
    held: list[HeldLock] = []
    locked: list[str] = []
    busy: list[str] = []
    try:
        for name in names:
            lock = store.try_lock(f"run:{name}")
            if lock is None:
                busy.append(name)
            else:
                held.append(lock)
                locked.append(name)
        yield locked, busy
    finally:
        for lock in reversed(held):
            try:
                lock.release()
            except Exception as exc:  # releasing must never mask the run's own outcome
                logger.warning("could not release a run lock: %s", exc)
