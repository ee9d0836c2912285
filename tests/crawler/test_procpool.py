"""The extraction pool: results come back, errors are returned, a dying worker is replaced."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from datetime import UTC, datetime

import pytest

from crawler.extraction import analyse_in_worker
from crawler.procpool import ExtractionPool, WorkerDied
from pipeline.types import Fetched, Outcome, Profile
from profilewatch import samples


def _die() -> None:
    os._exit(3)


def _fail() -> None:
    raise ValueError("bad page")


def test_pool_analyses_pages_and_survives_a_dying_worker() -> None:
    async def scenario() -> None:
        pool = ExtractionPool(2, preload=["crawler.extraction"])
        try:
            fetches = [Fetched(url=f"https://example.org/{i}", source="s", fetched_at=datetime.now(UTC),
                               status=200, headers={"content-type": "text/html"},
                               body=samples.load_sample(name).encode())
                       for i, name in enumerate(samples.SAMPLES * 3)]
            results = await asyncio.gather(*(pool.run(analyse_in_worker, f, Profile(), None)
                                             for f in fetches))
            assert [r.outcome for r in results] == [Outcome.OK] * len(fetches)
            assert all(r.compressed_body for r in results)   # new text: compressed in the worker
            with pytest.raises(ValueError, match="bad page"):
                await pool.run(_fail)
            with pytest.raises(WorkerDied):
                await pool.run(_die)
            again = await pool.run(analyse_in_worker, fetches[0], Profile(), None)
            assert again.extracted is not None
            assert again.extracted.text_sha256 == results[0].extracted.text_sha256  # type: ignore[union-attr]
        finally:
            pool.close()

    asyncio.run(scenario())


def test_closing_while_workers_start_leaves_none_running() -> None:
    """Workers start in a thread as the first task comes; closing the pool right after that task
    (the second worker may still be starting) stops every worker all the same."""
    async def scenario() -> None:
        pool = ExtractionPool(2, preload=["crawler.extraction"])
        try:
            with pytest.raises(ValueError, match="bad page"):
                await pool.run(_fail)
        finally:
            pool.close()

    asyncio.run(scenario())
    assert [p for p in multiprocessing.active_children() if p.name == "profilewatch-extract"] == []


def test_a_worker_that_cannot_start_fails_its_tasks(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_process() -> None:
        raise OSError(24, "Too many open files")

    async def scenario() -> None:
        pool = ExtractionPool(2)
        monkeypatch.setattr(pool, "_start_process", no_process)
        try:
            with pytest.raises(OSError, match="Too many open files"):
                await pool.run(_fail)
            with pytest.raises(OSError, match="Too many open files"):   # later tasks as well
                await pool.run(_fail)
        finally:
            pool.close()

    asyncio.run(scenario())
