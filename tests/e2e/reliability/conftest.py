"""Helpers of the reliability suite: stores opened in the test process, the last check of a page.
(``pw_command``/``pw_env``, the commands as argument lists: ``tests/support/processes.py``.)"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from storage.store import Store
from tests.support.processes import pw_command, pw_env

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
