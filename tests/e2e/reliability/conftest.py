"""Helpers of the reliability suite: profilewatch commands as argument lists, run or measured."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from storage.store import Store
from tests.conftest import REPO


def pw_env(**extra: str) -> dict[str, str]:
    """The environment of a profilewatch subprocess: this checkout first on the path, no
    PROFILEWATCH_DB from outside."""
    env = {**os.environ, "PYTHONPATH": str(REPO), **extra}
    env.pop("PROFILEWATCH_DB", None)
    return env


def pw_command(db: str, config: Path | None, *args: str, fake_dns: dict[str, str] | None = None
               ) -> list[str]:
    """``profilewatch --db DB [--config CONFIG] ARGS`` (through the fake resolver when names are
    mapped, see ``tests/support/fakedns.py``)."""
    options = ["--db", db, *(["--config", str(config)] if config else []), *args]
    if fake_dns:
        mapping = [f"{name}={address}" for name, address in fake_dns.items()]
        return [sys.executable, "-m", "tests.support.fakedns", *mapping, "--", *options]
    return [sys.executable, "-m", "profilewatch", *options]


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
