"""Cluster fixtures: a fresh PostgreSQL database per test, several sites, worker processes.

Sites are mock servers on distinct loopback addresses (127.0.0.1, 127.0.0.2, 127.0.0.3): distinct
hosts, so distinct domains for the per-domain locks (which key on the host name, not the port).
Each test gets its own database (created and dropped here), holding both the store and
procrastinate's tables, so nothing collides with the other tests' schemas.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import PG_ADMIN_URL
from tests.support.mockserver import MockServer
from tests.support.processes import wait_for

HOSTS = ("127.0.0.1", "127.0.0.2", "127.0.0.3")
PAGE = ("<html><head><title>{title}</title></head><body><nav>Home · About · Contact</nav>"
        "<main><h1>{title}</h1><p>{text}</p><p>Last modified: 2025-01-0{day}</p></main>"
        "</body></html>")


@pytest.fixture(scope="session")
def site_servers(mockserver_session: MockServer) -> Iterator[list[MockServer]]:
    extra = [MockServer(host).start() for host in HOSTS[1:]]
    yield [mockserver_session, *extra]
    for server in extra:
        server.stop()


@pytest.fixture
def sites(site_servers: list[MockServer]) -> Iterator[list[MockServer]]:
    """Three sites (one per host), emptied for this test."""
    for server in site_servers:
        server.reset()
    yield site_servers
    for server in site_servers:
        server.reset()


@pytest.fixture
def cluster_db() -> Iterator[str]:
    """The URL of a fresh database (store and job queue), dropped afterwards."""
    name = "pw_cluster_" + uuid.uuid4().hex[:10]
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
    admin.dispose()


def cluster_toml(sources: str, *, pages_per_job: int, stalled_after: float = 30,
                 delay: float = 0.0, per_domain: int = 2) -> str:
    return (f"[settings]\ndelay = {delay}\nretries = 0\ntimeout = 5\nconcurrency = 16\n"
            f"per_domain_concurrency = {per_domain}\nworkers = 0\n\n"
            f"[cluster]\nenabled = true\npages_per_job = {pages_per_job}\n"
            f"stalled_after = {stalled_after}\n\n{sources}")


def serve_pages(servers: list[MockServer], per_site: int, version: int = 1) -> list[str]:
    """``per_site`` pages on each server; returns their URLs, site by site."""
    urls = []
    for s, server in enumerate(servers):
        for i in range(per_site):
            urls.append(serve_page(server, f"/page-{i}", f"Site {s} page {i}", version))
    return urls


def serve_page(server: MockServer, path: str, title: str, version: int) -> str:
    text_ = (f"{title} reports the education budget for the year, revision {version}. "
             "The ministry publishes figures on enrolment, teachers and schools by region.")
    return server.page(path, PAGE.format(title=title, text=text_, day=min(version, 9)))


def check_jobs(db: str) -> list[dict[str, Any]]:
    """Every check_pages job with its status, lock and attempts."""
    engine = create_engine(db)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text(
                "SELECT id, status::text AS status, lock, queueing_lock, attempts, args "
                "FROM procrastinate_jobs WHERE task_name = 'profilewatch.check_pages' "
                "ORDER BY id")).mappings().all()
            return [dict(r) for r in rows]
    finally:
        engine.dispose()


def wait_drained(db: str, timeout: float) -> list[dict[str, Any]]:
    """Wait until every check job finished (none todo or doing); returns them."""
    def drained() -> list[dict[str, Any]] | None:
        jobs = check_jobs(db)
        if jobs and all(j["status"] not in ("todo", "doing") for j in jobs):
            return jobs
        return None
    return wait_for(drained, timeout, "the workers to finish every queued job", interval=0.2)

