"""The cluster as users run it: a daemon and three ``profilewatch worker`` processes on one PostgreSQL.

What must hold, whatever the number of workers: every due page is checked exactly once per cycle;
two workers never fetch from one domain at once; the store ends up exactly as one machine's.
"""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import text

from storage.store import Store
from tests.conftest import Cli, source_toml
from tests.e2e.cluster.conftest import (
    HOSTS,
    cluster_toml,
    serve_page,
    serve_pages,
    wait_drained,
)
from tests.support.mockserver import MockServer
from tests.support.processes import DaemonProcess, WorkerProcess

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

# Wall clock minus monotonic clock: the mock servers stamp requests with the second, runs are
# stored with the first. Both are this machine's; the margin covers rounding.
CLOCK_MARGIN = timedelta(milliseconds=50)


def _checks_per_page(store: Store) -> dict[str, int]:
    with store.session() as s:
        rows = s.execute(text("SELECT p.url, count(c.id) FROM pages p "
                              "LEFT JOIN checks c ON c.page_id = p.id GROUP BY p.url")).all()
    return {url: int(n) for url, n in rows}


def _cluster_runs(store: Store) -> list[dict[str, Any]]:
    """Each batch run with its interval and the hosts of the pages it checked."""
    with store.session() as s:
        runs = s.execute(text("SELECT id, started_at, finished_at, status FROM runs "
                              "WHERE trigger = 'cluster' ORDER BY id")).mappings().all()
        checked = s.execute(text("SELECT c.run_id, p.url FROM checks c "
                                 "JOIN pages p ON p.id = c.page_id")).all()
    hosts: dict[int, set[str]] = defaultdict(set)
    for run_id, url in checked:
        hosts[run_id].add(urlsplit(url).hostname or "")
    return [{**r, "hosts": hosts[r["id"]]} for r in runs]


def _results(store: Store) -> tuple[set[tuple[Any, ...]], set[tuple[Any, ...]]]:
    """Events and versions, without ids and times (which differ between two stores)."""
    events = {(e.url, e.kind, e.from_version, e.to_version, e.title, e.last_modified_after,
               e.lines_added, e.lines_removed) for e in store.events()}
    versions = {(v.url, v.version, v.content_sha256, v.body_sha256, v.title, v.last_modified,
                 v.http_status) for url in store.latest_versions() for v in store.history(url)}
    return events, versions


def _assert_one_worker_per_domain(runs: list[dict[str, Any]], sites: list[MockServer],
                                  offset: float) -> None:
    by_host: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
    for run in runs:
        assert len(run["hosts"]) == 1, f"run {run['id']} fetched from {run['hosts']}"
        by_host[next(iter(run["hosts"]))].append((run["started_at"], run["finished_at"]))
    for host, intervals in by_host.items():
        intervals.sort()
        for (_, end), (start, _) in pairwise(intervals):
            assert start >= end, f"two batches of {host} ran at once: {intervals}"
    for server in sites:   # every request a site saw came from the one batch running on it
        for seen in server.requests:
            at = datetime.fromtimestamp(offset + seen.at, UTC)
            assert any(start - CLOCK_MARGIN <= at <= end + CLOCK_MARGIN
                       for start, end in by_host[server.host]), (server.host, seen.path)


def _most_at_once(runs: list[dict[str, Any]]) -> int:
    moments = sorted([(r["started_at"], 1) for r in runs] + [(r["finished_at"], -1) for r in runs])
    most = current = 0
    for _, step in moments:
        current += step
        most = max(most, current)
    return most


def test_three_workers_check_each_page_once_per_cycle_one_domain_at_a_time_as_one_machine_would(
        sites: list[MockServer], cluster_db: str, tmp_path: Path, workers: list[WorkerProcess],
        daemons: list[DaemonProcess]) -> None:
    urls = serve_pages(sites, per_site=4)                        # 12 pages on 3 hosts
    source = source_toml("budgets", urls, schedule="1h")
    cli = Cli(tmp_path, cluster_db)
    config = cli.write_config(cluster_toml(source, pages_per_job=2, delay=0.2))
    single_dir = tmp_path / "single"
    single_dir.mkdir()
    single = Cli(single_dir, f"sqlite:///{single_dir / 'store.db'}")
    single.write_config(cluster_toml(source, pages_per_job=2, delay=0.2)
                        .replace("enabled = true", "enabled = false"))
    offset = time.time() - time.monotonic()

    # cycle 1: the daemon finds the source due (it never ran) and enqueues 6 batches of 2 pages
    workers.extend(WorkerProcess(tmp_path, cluster_db, config) for _ in range(3))
    daemon = DaemonProcess(tmp_path, cluster_db, config, "--jitter", "0")
    daemons.append(daemon)
    daemon.wait_for_log(r"budgets: enqueued 6 jobs \(12 pages on 3 domains\)", 30)
    wait_drained(cluster_db, 60)
    assert daemon.stop()[0] == 0, daemon.log
    store = Store.open(cluster_db)
    try:
        assert _checks_per_page(store) == dict.fromkeys(urls, 1)
        _assert_one_worker_per_domain(_cluster_runs(store), sites, offset)
        assert single("run").code == 0

        # cycle 2: three pages edited, one gone (a first 404 is a failed check), eight unchanged
        for server in sites:
            server.requests.clear()
        for s, server in enumerate(sites):
            serve_page(server, f"/page-{s}", f"Site {s} page {s}", version=2)
        del sites[2].routes["/page-3"]
        result = cli("enqueue")
        assert result.code == 0, result.stderr
        assert result.stdout.strip() == "budgets: enqueued 6 jobs (12 pages on 3 domains)"
        jobs = wait_drained(cluster_db, 60)
        assert single("run").code == 0

        assert _checks_per_page(store) == dict.fromkeys(urls, 2)
        runs = _cluster_runs(store)
        assert len(runs) == 12 and {r["status"] for r in runs} == {"completed"}
        for server in sites:   # the single-machine run's requests came after the cluster's
            server.requests[:] = [r for r in server.requests if r.path != "/robots.txt"][:4]
        _assert_one_worker_per_domain(runs[6:], sites, offset)
        assert _most_at_once(runs) >= 2, "the workers never ran two batches at once"
        # procrastinate's domain lock kept every job waiting until its domain was free: no
        # batch ever found its domain busy and had to be retried
        assert len(jobs) == 12
        assert {(j["status"], j["attempts"]) for j in jobs} == {("succeeded", 1)}
        assert {j["lock"] for j in jobs} == {f"domain:{h}" for h in HOSTS}

        reference = Store.open(single.db)
        try:
            events, versions = _results(store)
            assert (events, versions) == _results(reference)
        finally:
            reference.close()
        kinds = sorted(e[1] for e in events)
        assert kinds == ["content"] * 3 + ["new"] * 12
    finally:
        store.close()
