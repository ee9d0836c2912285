"""A worker killed with SIGKILL in the middle of a job: another worker finishes it, nothing is lost
and nothing is recorded twice."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from sqlalchemy import text

from storage.store import Store
from tests.conftest import Cli, source_toml
from tests.e2e.cluster.conftest import cluster_toml, serve_pages, wait_drained
from tests.support.mockserver import MockServer
from tests.support.processes import WorkerProcess, alive, wait_for
from tests.support.runs import assert_store_consistent

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def _checked(store: Store) -> int:
    with store.session() as s:
        return int(s.execute(text("SELECT count(*) FROM checks")).scalar_one())


@pytest.mark.parametrize("crash", ["worker", "machine"])
def test_a_worker_killed_mid_job_loses_nothing_its_job_is_retried_by_another_worker(
        crash: str, sites: list[MockServer], cluster_db: str, tmp_path: Path,
        workers: list[WorkerProcess]) -> None:
    """``worker``: SIGKILL to the worker alone; the kernel tells its run (SIGTERM), which records
    the pages in hand. ``machine``: the worker and its run die at once, as in a power cut."""
    urls = serve_pages(sites[:1], per_site=8)      # one job of 8 pages, one at a time, 0.3 s apart
    cli = Cli(tmp_path, cluster_db)
    config = cli.write_config(cluster_toml(source_toml("budgets", urls), pages_per_job=8,
                                           stalled_after=2, delay=0.3, per_domain=1))
    workers.extend(WorkerProcess(tmp_path, cluster_db, config) for _ in range(2))
    assert cli("enqueue").code == 0
    victim = wait_for(lambda: next((w for w in workers if w.started_jobs()), None), 30,
                      "a worker to take the job")
    survivor = next(w for w in workers if w is not victim)
    store = Store.open(cluster_db)
    try:
        wait_for(lambda: _checked(store) >= 1, 30, "the first page of the batch to be recorded")
        if crash == "machine":
            os.killpg(victim.child_pids()[0], signal.SIGKILL)
        victim.proc.send_signal(signal.SIGKILL)
        assert victim.proc.wait(timeout=10) == -signal.SIGKILL

        jobs = wait_drained(cluster_db, 60)
        assert [j["status"] for j in jobs] == ["succeeded"] and jobs[0]["attempts"] >= 2
        assert survivor.started_jobs() == victim.started_jobs()
        assert "its worker stopped sending heartbeats; retrying it" in survivor.log

        # every page checked exactly once: the retry skipped what the killed run had recorded
        assert sorted(c["url"] for c in _checks(store)) == sorted(urls)
        assert assert_store_consistent(store) == len(urls)
        assert sorted((e.url, e.kind, e.to_version) for e in store.events()) == sorted(
            (url, "new", 1) for url in urls)
        runs = sorted(store.runs("budgets"), key=lambda r: r.id)
        checked = sum(r.pages_ok for r in runs)
        if crash == "machine":   # the retry checked the rest; the dead run's row stays open …
            assert [r.status for r in runs] == ["running", "completed"]
            assert 0 < runs[1].pages_ok < len(urls)
            # … until a process holding the source's lock (the daemon's next slot) closes it
            assert store.close_abandoned_runs("budgets") == 1
            checked = _checked(store)
        else:                    # the run heard of its worker's death and finished its pages
            assert runs[0].status in ("interrupted", "completed")
            assert len(runs) == 1 or runs[1].pages_ok < len(urls)
        assert checked == len(urls)
        pids = victim.child_pids() + survivor.child_pids()
        wait_for(lambda: not any(alive(p) for p in pids), 20, "the runs' processes to exit")
    finally:
        store.close()


def _checks(store: Store) -> list[dict[str, str]]:
    with store.session() as s:
        rows = s.execute(text("SELECT p.url FROM checks c JOIN pages p ON p.id = c.page_id")).all()
    return [{"url": url} for (url,) in rows]
