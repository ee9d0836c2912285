"""Run locks: one run per source at a time, across processes and machines.

Holding a source's lock also proves that no other process runs it, so run rows of that source
still marked ``running`` belong to a killed process: they are closed as ``crashed`` here.

A cluster batch (``run --source S --url ...``, see :mod:`scheduler.cluster`) checks some pages of
one domain: it holds the source's lock *shared* (batches of other domains of S run beside it; a
whole-source run waits for all of them) and the lock of each domain it fetches from exclusively,
so two batches never fetch from one domain at once, whatever their source.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from urllib.parse import urlsplit

from storage.process_locks import HeldLock
from storage.store import Store

logger = logging.getLogger(__name__)


def run_lock_name(source: str) -> str:
    """The name of the cross-process lock a run of ``source`` holds."""
    return f"run:{source}"


def page_domain(url: str) -> str:
    """The host a page is fetched from, lowercase and without port: the unit of politeness
    (the crawler's per-host pace, :mod:`crawler.politeness`, counts hosts the same way)."""
    return (urlsplit(url).hostname or "").lower()


def domain_lock_name(domain: str) -> str:
    """The name of the lock a cluster batch holds while it fetches from ``domain``."""
    return f"domain:{domain}"


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


@contextmanager
def batch_locks(store: Store, source: str, domains: Sequence[str]) -> Iterator[bool]:
    """Lock ``source`` shared and each domain exclusively; yields False (holding nothing) when
    one of them is busy. Releases on exit."""
    held: list[HeldLock] = []
    try:
        lock = store.try_lock(run_lock_name(source), shared=True)
        if lock is not None:
            held.append(lock)
            for domain in sorted(set(domains)):
                lock = store.try_lock(domain_lock_name(domain))
                if lock is None:
                    break
                held.append(lock)
        got = lock is not None
        if not got:
            _release(held)
            held = []
        yield got
    finally:
        _release(held)


def _release(held: list[HeldLock]) -> None:
    for lock in reversed(held):
        try:
            lock.release()
        except Exception as exc:  # releasing must never mask the run's own outcome
            logger.warning("could not release a run lock: %s", exc)
