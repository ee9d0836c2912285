"""Run locks: one run per source at a time, across processes and machines.

Holding a source's lock also proves that no other process runs it, so run rows of that source
still marked ``running`` belong to a killed process: they are closed as ``crashed`` here.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from storage.locks import HeldLock
from storage.store import Store

logger = logging.getLogger(__name__)


def run_lock_name(source: str) -> str:
    """The name of the cross-process lock a run of ``source`` holds."""
    return f"run:{source}"


@contextmanager
def source_locks(store: Store, names: Sequence[str]) -> Iterator[tuple[list[str], list[str]]]:
    """Lock each source that is free; yields ``(locked, busy)`` and releases on exit."""
    held: list[HeldLock] = []
    locked: list[str] = []
    busy: list[str] = []
    try:
        for name in names:
            lock = store.try_lock(run_lock_name(name))
            if lock is None:
                busy.append(name)
                continue
            held.append(lock)
            locked.append(name)
            crashed = store.close_abandoned_runs(name)
            if crashed:
                logger.warning("%s: %d earlier run%s ended without finishing (process killed); "
                               "marked crashed", name, crashed, "" if crashed == 1 else "s")
        yield locked, busy
    finally:
        for lock in reversed(held):
            try:
                lock.release()
            except Exception as exc:  # releasing must never mask the run's own outcome
                logger.warning("could not release a run lock: %s", exc)
