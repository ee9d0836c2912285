"""Measure what one ``profilewatch worker`` gets through (the numbers in docs/scaling.md).

Not a test: ``python -m benchmarks.cluster_worker [--pages 600] [--hosts 4] [--concurrency 1 2]``.
Serves the benchmark corpus (``benchmarks/corpus.py``: 80-150 KB pages) from mock servers on
127.0.0.1 … 127.0.0.N, creates a fresh PostgreSQL database on 127.0.0.1, starts one worker, and
times three cycles queued with ``profilewatch enqueue``: all pages new; every page's boilerplate
churned and 10 % of them edited; nothing changed (conditional requests answered 304). The time of a
cycle runs from the enqueue to the last job finished, with the worker already started.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from benchmarks.corpus import page
from tests.conftest import PG_ADMIN_URL, REPO, source_toml
from tests.support.mockserver import MockServer


def _profilewatch(db: str, config: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "profilewatch", "--db", db, "--config", str(config), *args]


def _env() -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("PROFILEWATCH_DB", None)
    return env


def _serve(servers: list[MockServer], per_host: int, revision: int, churn: int,
           edited: set[int]) -> list[str]:
    urls = []
    for h, server in enumerate(servers):
        for i in range(per_host):
            n = h * per_host + i
            urls.append(server.page(f"/p/{n}", page(n, revision if n in edited else 0, churn)))
    return urls


def _cycle(db: str, config: Path, workdir: Path) -> tuple[float, int]:
    """Enqueue a cycle, wait for the queue to drain; (seconds, most connections seen)."""
    engine = create_engine(db)
    name = make_url(db).database
    started = time.monotonic()
    subprocess.run(_profilewatch(db, config, "-q", "enqueue"), cwd=workdir, env=_env(),
                   check=True, capture_output=True)
    most = 0
    try:
        while True:
            with engine.connect() as connection:
                left = connection.execute(text(
                    "SELECT count(*) FROM procrastinate_jobs WHERE status IN ('todo', 'doing') "
                    "AND task_name = 'profilewatch.check_pages'")).scalar_one()
                conns = connection.execute(text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = :d"), {"d": name})
                most = max(most, int(conns.scalar_one()) - 1)   # minus this connection
            if left == 0:
                return time.monotonic() - started, most
            time.sleep(0.2)
    finally:
        engine.dispose()


def measure(pages: int, hosts: int, pages_per_job: int, concurrency: int, delay: float) -> None:
    servers = [MockServer(f"127.0.0.{h + 1}").start() for h in range(hosts)]
    name = "pw_measure_" + uuid.uuid4().hex[:8]
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    db = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    per_host = pages // hosts
    edited = set(range(0, per_host * hosts, 10))
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        urls = _serve(servers, per_host, 0, 0, edited)
        config = workdir / "profilewatch.toml"
        config.write_text(f"[settings]\ndelay = {delay}\nretries = 0\nper_domain_concurrency = 8\n"
                          f"[cluster]\nenabled = true\npages_per_job = {pages_per_job}\n"
                          + source_toml("corpus", urls), encoding="utf-8")
        worker = subprocess.Popen(_profilewatch(db, config, "-q", "worker", "--concurrency",
                                                str(concurrency)),
                                  cwd=workdir, env=_env(), stderr=subprocess.DEVNULL)
        try:
            rows = []
            for label, revision, churn in (("1 all new", 0, 0), ("2 churn + 10 % edited", 1, 1),
                                           ("3 unchanged (304)", 1, 1)):
                _serve(servers, per_host, revision, churn, edited)
                seconds, conns = _cycle(db, config, workdir)
                rows.append((label, seconds, conns))
        finally:
            worker.terminate()
            worker.wait(timeout=60)
            for server in servers:
                server.stop()
            with admin.connect() as connection:
                connection.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
            admin.dispose()
    jobs = -(-per_host // pages_per_job) * hosts
    print(f"\n{per_host * hosts} pages on {hosts} hosts, {jobs} jobs of <= {pages_per_job} pages, "
          f"delay {delay} s, 1 worker --concurrency {concurrency}, {os.cpu_count()} cores")
    print(f"{'cycle':24} {'wall s':>8} {'pages/s':>8} {'pages/hour':>11} {'max conns':>10}")
    for label, seconds, conns in rows:
        rate = per_host * hosts / seconds
        print(f"{label:24} {seconds:8.1f} {rate:8.1f} {rate * 3600:11,.0f} {conns:10d}")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--pages", type=int, default=600)
    parser.add_argument("--hosts", type=int, default=4)
    parser.add_argument("--pages-per-job", type=int, default=50)
    parser.add_argument("--delay", type=float, default=0.0, help="[settings] delay (politeness)")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    for concurrency in args.concurrency:
        measure(args.pages, args.hosts, args.pages_per_job, concurrency, args.delay)
    return 0


if __name__ == "__main__":
    sys.exit(main())
