"""Helpers of the reliability suite: stores opened in the test process, the last check of a page,
the archive of the ``serve`` security tests (``served``) and its in-process client (``serve_client``).
(``pw_command``/``pw_env``, the commands as argument lists: ``tests/support/processes.py``.)"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from profilewatch.config import load_config
from storage.store import Store
from tests.support.archive import T0, record
from tests.support.mockserver import MockServer
from tests.support.processes import pw_command, pw_env
from tests.support.serve import FakeResolver, Served, config_text
from tests.support.sinks import Webhook
from tests.support.web import xss_page

__all__ = ["last_check", "open_store", "pw_command", "pw_env"]


@pytest.fixture
def open_store() -> Iterator[Any]:
    """``open_store(url)`` opens a store in the test process; all are closed afterwards."""
    opened: list[Store] = []

    def opener(url: str) -> Store:
        store = Store.open(url)
        opened.append(store)
        return store

    yield opener
    for store in opened:
        store.close()


def last_check(store: Store, url: str) -> dict[str, Any]:
    checks = store.checks(url, limit=1)
    assert checks, f"no check recorded for {url}"
    return checks[0]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory,
           mockserver_session: MockServer) -> Iterator[Served]:
    workdir = tmp_path_factory.mktemp("serve")
    base = mockserver_session.url
    with Webhook(password="hook-password") as hook:
        path = workdir / "profilewatch.toml"
        path.write_text(config_text(base, hook.url()), encoding="utf-8")
        config = load_config(path)
        db_url = f"sqlite:///{workdir / 'store.db'}"
        store = Store.open(db_url)
        store.sync_sources(config.sources)
        xss = f"{base}/ngo/xss"
        assert record(store, xss, "cnc", xss_page(), T0).version == 1
        yield Served(store, config, db_url, base, xss, f"{base}/other", FakeResolver(), hook)
        store.close()


@pytest.fixture(scope="module")
def serve_client(served: Served) -> Iterator[TestClient]:
    with TestClient(served.app(), base_url="http://testserver", follow_redirects=False) as test:
        yield test
